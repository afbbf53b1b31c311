"""Cross-record rules for adult provision: prior attainment, Free Courses for Jobs and
English/maths aims taken alongside an apprenticeship."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import date

from ..access import Delivery, Record, children, day, deliveries, integer
from ..derived.dd31 import BasicSkillsLookup, adult_skills_english_maths
from ..derived.dd33 import open_apprenticeship_start
from ..derived.dd38 import adult_unemployed_or_benefits_2019
from ..derived.dd40 import adult_skills_fund_english_maths
from ..model import Hit, ValidationContext
from ..registry import LARS, SOURCE_CSV_2627, rule
from .common import age_on

_R131_FUND_MODELS = {
    "2025/26": frozenset({36, 35, 37, 38, 99, 81}),
    "2026/27": frozenset({36, 35, 37, 38, 39, 99, 81}),
}
FM_ADULT_SKILLS_FUND = 38
FULL_LEVEL_3 = frozenset({6, 7, 8, 9, 10, 97, 98})
BELOW_LEVEL_3 = frozenset({1, 2, 3, 4, 5, 99})
_R132_FROM, _R132_TO = date(2022, 4, 1), date(2024, 7, 31)
_FCFJ_FROM = date(2024, 8, 1)
_R114_LAST_START = date(2024, 7, 31)
# A member of the LARS English/maths BasicSkillsType list (DD31), for the context lookup.
_ENGLISH_MATHS_TYPE = 1


def _prior_levels(record: Record) -> set[int]:
    return {
        level
        for _, prior in children(record, "PriorAttain")
        if (level := integer(prior, "PriorLevel")) is not None
    }


@rule("R_131", source=SOURCE_CSV_2627, note="2026/27 adds FundModel 39.")
def r_131(record: Record, ctx: ValidationContext) -> Iterator[Hit]:
    """Returned prior attainment must date from on or before the earliest adult start."""
    fund_models = _R131_FUND_MODELS.get(ctx.academic_year, _R131_FUND_MODELS["2026/27"])
    starts = [
        start
        for d in deliveries(record)
        if d.number("FundModel") in fund_models
        if (start := d.day("LearnStartDate")) is not None
    ]
    dated = [
        (i, applies)
        for i, prior in children(record, "PriorAttain")
        if (applies := day(prior, "DateLevelApp")) is not None
    ]
    if starts and dated and all(applies > min(starts) for _, applies in dated):
        yield Hit(f"PriorAttain[{dated[0][0]}].DateLevelApp")


def _ldm(d: Delivery, code: str) -> Iterator[int]:
    for i, kind, value in d.fams():
        if (kind or "").upper() == "LDM" and value is not None and value.lstrip("0") == code:
            yield i


def _age_at_start(record: Record, d: Delivery) -> int | None:
    birth, start = day(record, "DateOfBirth"), d.day("LearnStartDate")
    return age_on(birth, start) if birth is not None and start is not None else None


@rule("R_132")
def r_132(record: Record, ctx: ValidationContext) -> Iterator[Hit]:
    """FCFJ (LDM 378) starts of 2022-24 with full level 3 need DD38 or LDM 382."""
    if not _prior_levels(record) & FULL_LEVEL_3:
        return
    for d in deliveries(record):
        start = d.day("LearnStartDate")
        if start is None or not _R132_FROM <= start <= _R132_TO or d.has_fam("DAM", "023"):
            continue
        if d.has_fam("LDM", "382") or adult_unemployed_or_benefits_2019(record, d):
            continue
        for i in _ldm(d, "378"):
            yield Hit(d.at(f"LearningDeliveryFAM[{i}].LearnDelFAMCode"))


@rule("R_148")
def r_148(record: Record, ctx: ValidationContext) -> Iterator[Hit]:
    """FCFJ (LDM 378) starts of 19-23s need LDM 391 or prior attainment below level 3."""
    if _prior_levels(record) & BELOW_LEVEL_3:
        return
    for d in deliveries(record):
        start, age = d.day("LearnStartDate"), _age_at_start(record, d)
        if start is None or start < _FCFJ_FROM or age is None or not 19 <= age <= 23:
            continue
        if not d.has_fam("LDM", "391"):
            for i in _ldm(d, "378"):
                yield Hit(d.at(f"LearningDeliveryFAM[{i}].LearnDelFAMCode"))


@rule("R_151")
def r_151(record: Record, ctx: ValidationContext) -> Iterator[Hit]:
    """FM38 FCFJ (LDM 378) starts of learners aged 24+ need LDM 391."""
    for d in deliveries(record):
        start, age = d.day("LearnStartDate"), _age_at_start(record, d)
        if start is None or start < _FCFJ_FROM or age is None or age < 24:
            continue
        if d.number("FundModel") != FM_ADULT_SKILLS_FUND or d.has_fam("DAM", "023"):
            continue
        if not d.has_fam("LDM", "391"):
            for i in _ldm(d, "378"):
                yield Hit(d.at(f"LearningDeliveryFAM[{i}].LearnDelFAMCode"))


def basic_skills_from_context(ctx: ValidationContext) -> BasicSkillsLookup | None:
    """The context's LARS English/maths aims as a BasicSkillsType lookup (None if absent)."""
    aims = ctx.lars_english_maths_aims
    if aims is None:
        return None

    def lookup(ref: str, on: date) -> Iterable[int]:
        return (_ENGLISH_MATHS_TYPE,) if ref in aims else ()

    return lookup


def _apprenticeship_starts(record: Record) -> list[date]:
    return [s for d in deliveries(record) if (s := open_apprenticeship_start(d)) is not None]


_LARS_NOTE = "English/maths aims come from the LARS English/maths lookup of the context."


@rule("R_114", needs=(LARS,), note=_LARS_NOTE)
def r_114(record: Record, ctx: ValidationContext) -> Iterator[Hit]:
    """FM35 English/maths (DD31) must not start during an open apprenticeship (DD32)."""
    lookup, programmes = basic_skills_from_context(ctx), _apprenticeship_starts(record)
    if lookup is None or not programmes:
        return
    for d in deliveries(record):
        start = d.day("LearnStartDate")
        if start is None or start > _R114_LAST_START:
            continue
        if adult_skills_english_maths(d, lookup) and start >= min(programmes):
            yield Hit(d.at("LearnStartDate"))


@rule("R_146", needs=(LARS,), note=_LARS_NOTE)
def r_146(record: Record, ctx: ValidationContext) -> Iterator[Hit]:
    """FM38 English/maths (DD40) must not start during an open apprenticeship (DD32)."""
    lookup, programmes = basic_skills_from_context(ctx), _apprenticeship_starts(record)
    if lookup is None or not programmes:
        return
    first = min(programmes)
    for d in deliveries(record):
        start = d.day("LearnStartDate")
        if start is not None and start >= first and adult_skills_fund_english_maths(d, lookup):
            yield Hit(d.at("LearnStartDate"))
