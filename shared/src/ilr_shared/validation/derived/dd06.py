"""DD06: the learner's earliest learning start date."""

from __future__ import annotations

from datetime import date

from ..access import Record, deliveries
from ..registry import derived_data


@derived_data("DD06")
def earliest_start(record: Record) -> date | None:
    """DD06: the earliest LearnStartDate of all the learner's aims (None if none is known)."""
    starts = [s for d in deliveries(record) if (s := d.day("LearnStartDate")) is not None]
    return min(starts, default=None)
