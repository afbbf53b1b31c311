"""DD21: adult skills funded unemployed learner on other state benefits at the start."""

from __future__ import annotations

from ..access import Delivery, Record
from ..registry import derived_data
from .employment_on import emp_stat, has_monitoring, status_on

FM_ADULT_SKILLS = 35
UNEMPLOYED = frozenset({11, 12})


def universal_credit_not_mandated(delivery: Delivery) -> bool:
    """The aim has an LDM record but not LDM 318 (mandated to skills training)."""
    return delivery.has_fam("LDM") and not delivery.has_fam("LDM", "318")


@derived_data("DD21")
def adult_unemployed_other_benefits(record: Record, delivery: Delivery) -> bool:
    """DD21: FM35 unemployed learner on BSI 3, or BSI 4 without LDM 318."""
    if delivery.number("FundModel") != FM_ADULT_SKILLS:
        return False
    status = status_on(record, delivery.day("LearnStartDate"))
    if emp_stat(status) not in UNEMPLOYED:
        return False
    return has_monitoring(status, "BSI", frozenset({3})) or (
        has_monitoring(status, "BSI", frozenset({4})) and universal_credit_not_mandated(delivery)
    )
