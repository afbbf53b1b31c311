"""DD36: the effective end date of a programme aim."""

from __future__ import annotations

from datetime import date

from ..access import Delivery
from ..registry import derived_data

PROGRAMME_AIM = 1
APPRENTICESHIP_STANDARD = 25
SKILLS_BOOTCAMP = 32
OPEN_ENDED = date(2099, 12, 31)


@derived_data("DD36")
def effective_end(delivery: Delivery) -> date | None:
    """DD36: a programme aim's effective end date (31/12/2099 while open)."""
    if delivery.number("AimType") != PROGRAMME_AIM:
        return None
    prog_type = delivery.number("ProgType")
    ended, achieved = delivery.day("LearnActEndDate"), delivery.day("AchDate")
    if prog_type == APPRENTICESHIP_STANDARD and achieved is not None:
        return achieved
    if ended is not None:
        return ended
    if prog_type == SKILLS_BOOTCAMP and achieved is not None:
        return achieved
    return OPEN_ENDED
