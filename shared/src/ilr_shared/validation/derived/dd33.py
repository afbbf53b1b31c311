"""DD33: the start date of an open apprenticeship (FM36) programme aim."""

from __future__ import annotations

from datetime import date

from ..access import Delivery
from ..registry import derived_data
from .dd32 import open_apprenticeship_programme


@derived_data("DD33")
def open_apprenticeship_start(delivery: Delivery) -> date | None:
    """DD33: the LearnStartDate of an FM36 programme aim without a LearnActEndDate."""
    return delivery.day("LearnStartDate") if open_apprenticeship_programme(delivery) else None
