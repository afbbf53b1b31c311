"""Template dicts for tests."""

from __future__ import annotations

import copy
from typing import Any

APPRENTICESHIP: dict[str, Any] = {
    "ProgType": 25,
    "StdCode": 123,
    "FundModel": 36,
    "planned_duration_months": 15,
    "planned_otj_hours": 278,
    "LearningDelivery": [
        {
            "key": "prog",
            "LearnAimRef": "ZPROG001",
            "AimType": 1,
            "DelLocPostCode": "B1 1AA",
            "EPAOrgID": "EPA0001",
            "PwayCode": None,
            "LearningDeliveryFAM": [
                {"LearnDelFAMType": "SOF", "LearnDelFAMCode": "105"},
                {"LearnDelFAMType": "ACT", "LearnDelFAMCode": "1"},
            ],
            "AppFinRecord": [
                {"AFinType": "TNP", "AFinCode": 1, "AFinAmount": 12000, "offset_days": 0},
                {"AFinType": "TNP", "AFinCode": 2, "AFinAmount": 3000, "offset_days": 30},
            ],
        },
        {
            "key": "maths",
            "LearnAimRef": "60347024",
            "AimType": 3,
            "DelLocPostCode": "B1 1AA",
            "LearningDeliveryFAM": [{"LearnDelFAMType": "SOF", "LearnDelFAMCode": "105"}],
        },
    ],
}


def apprenticeship(**changes: Any) -> dict[str, Any]:
    template = copy.deepcopy(APPRENTICESHIP)
    template.update(changes)
    return template
