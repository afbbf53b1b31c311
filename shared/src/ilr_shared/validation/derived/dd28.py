"""DD28: adult skills funded learner unemployed or on benefits at the start (BSI 1-4)."""

from __future__ import annotations

from ..access import Delivery, Record
from ..registry import derived_data
from .employment_on import emp_stat, has_monitoring, status_on

FM_ADULT_SKILLS = 35
EMPLOYED = 10
UNEMPLOYED = frozenset({11, 12})
ANY_STATUS = frozenset({10, 11, 12, 98})
LOW_HOURS = frozenset({2, 5, 6})  # EII codes


@derived_data("DD28")
def adult_unemployed_or_benefits(record: Record, delivery: Delivery) -> bool:
    """DD28: FM35 learner unemployed or on benefits (BSI 1-4) at the start."""
    if delivery.number("FundModel") != FM_ADULT_SKILLS:
        return False
    status = status_on(record, delivery.day("LearnStartDate"))
    stat = emp_stat(status)
    other = has_monitoring(status, "BSI", frozenset({3, 4}))
    return (
        (stat in ANY_STATUS and has_monitoring(status, "BSI", frozenset({1, 2})))
        or (stat in UNEMPLOYED and other)
        or (stat == EMPLOYED and other and has_monitoring(status, "EII", LOW_HOURS))
    )
