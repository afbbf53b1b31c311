"""DD13: the latest actual end date of the learner's matching programme aims."""

from __future__ import annotations

from datetime import date

from ..access import Delivery, Record, deliveries
from ..registry import derived_data

PROGRAMME_AIM = 1


@derived_data("DD13")
def latest_programme_end(record: Record, delivery: Delivery) -> date | None:
    """DD13: latest actual end of the programme aims of the same ProgType/StdCode."""
    prog_type = delivery.number("ProgType")
    if prog_type is None:
        return None
    ends = [
        end
        for d in deliveries(record)
        if d.number("AimType") == PROGRAMME_AIM
        and d.number("ProgType") == prog_type
        and d.number("StdCode") == delivery.number("StdCode")
        if (end := d.day("LearnActEndDate")) is not None
    ]
    return max(ends, default=None)
