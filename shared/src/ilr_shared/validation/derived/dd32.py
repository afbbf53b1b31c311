"""DD32: an open apprenticeship (FM36) programme aim."""

from __future__ import annotations

from ..access import Delivery
from ..registry import derived_data

PROGRAMME_AIM = 1
FM_APPRENTICESHIPS = 36


@derived_data("DD32")
def open_apprenticeship_programme(delivery: Delivery) -> bool:
    """DD32: AimType 1, FundModel 36 and no LearnActEndDate."""
    return (
        delivery.number("AimType") == PROGRAMME_AIM
        and delivery.number("FundModel") == FM_APPRENTICESHIPS
        and not delivery.is_known("LearnActEndDate")
    )
