"""DD37: adult skills funded unemployed learner on benefits (2019 definition) at the start."""

from __future__ import annotations

from ..access import Delivery, Record
from ..registry import derived_data
from .dd21 import universal_credit_not_mandated
from .employment_on import emp_stat, has_monitoring, status_on

FM_ADULT_SKILLS = 35
UNEMPLOYED = frozenset({11, 12})


@derived_data("DD37")
def adult_unemployed_on_benefits(record: Record, delivery: Delivery) -> bool:
    """DD37: FM35 unemployed learner on BSI 6, or BSI 4 without LDM 318."""
    if delivery.number("FundModel") != FM_ADULT_SKILLS:
        return False
    status = status_on(record, delivery.day("LearnStartDate"))
    if emp_stat(status) not in UNEMPLOYED:
        return False
    return has_monitoring(status, "BSI", frozenset({6})) or (
        has_monitoring(status, "BSI", frozenset({4})) and universal_credit_not_mandated(delivery)
    )
