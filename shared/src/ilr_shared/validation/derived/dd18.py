"""DD18: the earliest start date of the learner's apprenticeship standard programme."""

from __future__ import annotations

from datetime import date

from ..access import Delivery, Record, deliveries
from ..registry import derived_data

PROGRAMME_AIM = 1
APPRENTICESHIP_STANDARD = 25


@derived_data("DD18")
def earliest_standard_start(record: Record, delivery: Delivery) -> date | None:
    """DD18: earliest start of the ProgType 25 programme aims of the same StdCode."""
    if delivery.number("ProgType") != APPRENTICESHIP_STANDARD:
        return None
    starts = [
        start
        for d in deliveries(record)
        if d.number("AimType") == PROGRAMME_AIM
        and d.number("ProgType") == APPRENTICESHIP_STANDARD
        and d.number("StdCode") == delivery.number("StdCode")
        if (start := d.day("LearnStartDate")) is not None
    ]
    return min(starts, default=None)
