"""DD34: the actual end date of a closed apprenticeship (FM36) programme aim."""

from __future__ import annotations

from datetime import date

from ..access import Delivery
from ..registry import derived_data

PROGRAMME_AIM = 1
FM_APPRENTICESHIPS = 36


@derived_data("DD34")
def apprenticeship_programme_end(delivery: Delivery) -> date | None:
    """DD34: the LearnActEndDate of an FM36 programme aim (None when not returned)."""
    if (
        delivery.number("AimType") != PROGRAMME_AIM
        or delivery.number("FundModel") != FM_APPRENTICESHIPS
    ):
        return None
    return delivery.day("LearnActEndDate")
