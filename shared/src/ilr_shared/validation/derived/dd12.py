"""DD12: adult skills funded learner on JSA/ESA (or mandated Universal Credit) at the start."""

from __future__ import annotations

from ..access import Delivery, Record
from ..registry import derived_data
from .employment_on import has_monitoring, status_on

FM_ADULT_SKILLS = 35


@derived_data("DD12")
def adult_on_main_benefits(record: Record, delivery: Delivery) -> bool:
    """DD12: FM35 learner on BSI 1/2, or BSI 4 with LDM 318, at the aim's start."""
    if delivery.number("FundModel") != FM_ADULT_SKILLS:
        return False
    status = status_on(record, delivery.day("LearnStartDate"))
    return has_monitoring(status, "BSI", frozenset({1, 2})) or (
        has_monitoring(status, "BSI", frozenset({4})) and delivery.has_fam("LDM", "318")
    )
