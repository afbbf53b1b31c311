"""The ILR template the end-to-end, fault and benchmark runs enrol learners on: an FM36
apprenticeship standard (ZPROG001 with TNP1 and TNP2 prices, a maths component aim)."""

from __future__ import annotations

from typing import Any

APPRENTICESHIP_TEMPLATE: dict[str, Any] = {
    "ProgType": 25,
    "StdCode": 28,
    "FundModel": 36,
    "planned_duration_months": 15,
    "planned_otj_hours": 278,
    "LearningDelivery": [
        {
            "key": "prog",
            "LearnAimRef": "ZPROG001",
            "AimType": 1,
            "DelLocPostCode": "B1 1AA",
            "EPAOrgID": "EPA0175",
            "LearningDeliveryFAM": [
                {"LearnDelFAMType": "SOF", "LearnDelFAMCode": "105"},
                {"LearnDelFAMType": "ACT", "LearnDelFAMCode": "1"},
            ],
            "AppFinRecord": [
                {"AFinType": "TNP", "AFinCode": 1, "AFinAmount": 12000, "offset_days": 0},
                # the end-point assessment price that goes with EPAOrgID (EPAOrgID_03)
                {"AFinType": "TNP", "AFinCode": 2, "AFinAmount": 3000, "offset_days": 0},
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
