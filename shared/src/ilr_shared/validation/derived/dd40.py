"""DD40: an Adult Skills Fund (FM38) English or maths aim (LARS data)."""

from __future__ import annotations

from ..access import Delivery
from ..registry import derived_data
from .dd31 import BasicSkillsLookup, english_or_maths

FM_ADULT_SKILLS_FUND = 38


@derived_data("DD40")
def adult_skills_fund_english_maths(
    delivery: Delivery, basic_skills_types: BasicSkillsLookup
) -> bool:
    """DD40: FundModel 38 and an English or maths aim."""
    return delivery.number("FundModel") == FM_ADULT_SKILLS_FUND and english_or_maths(
        delivery, basic_skills_types
    )
