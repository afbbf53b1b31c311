"""DD31: an adult skills funded (FM35) English or maths aim (LARS data)."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import date

from ..access import Delivery
from ..registry import derived_data

FM_ADULT_SKILLS = 35
ENGLISH_MATHS_BASIC_SKILLS = frozenset(
    {1, 11, 13, 20, 23, 24, 29, 31, 2, 12, 14, 19, 21, 25, 30, 32, 33, 34, 35}
)

# LARS_AnnualValue: (LearnAimRef, LearnStartDate) -> the BasicSkillsType values effective
# that day.
BasicSkillsLookup = Callable[[str, date], Iterable[int]]


def english_or_maths(delivery: Delivery, basic_skills_types: BasicSkillsLookup) -> bool:
    """The aim's BasicSkillsType on its start date is an English or maths type."""
    ref, start = delivery.text("LearnAimRef"), delivery.day("LearnStartDate")
    if ref is None or start is None:
        return False
    return any(t in ENGLISH_MATHS_BASIC_SKILLS for t in basic_skills_types(ref.upper(), start))


@derived_data("DD31")
def adult_skills_english_maths(delivery: Delivery, basic_skills_types: BasicSkillsLookup) -> bool:
    """DD31: FundModel 35 and an English or maths aim."""
    return delivery.number("FundModel") == FM_ADULT_SKILLS and english_or_maths(
        delivery, basic_skills_types
    )
