"""DD04: the earliest start date of the learner's programme aims of the same ProgType."""

from __future__ import annotations

from datetime import date

from ..access import Delivery, Record, deliveries
from ..registry import derived_data

PROGRAMME_AIM = 1


@derived_data("DD04")
def earliest_programme_start(record: Record, delivery: Delivery) -> date | None:
    """DD04: earliest start of the programme aims with the delivery's ProgType."""
    prog_type = delivery.number("ProgType")
    if prog_type is None:
        return None
    starts = [
        start
        for d in deliveries(record)
        if d.number("AimType") == PROGRAMME_AIM and d.number("ProgType") == prog_type
        if (start := d.day("LearnStartDate")) is not None
    ]
    return min(starts, default=None)
