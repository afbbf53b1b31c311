"""Learner detail rules: LLDD and health problems, prior attainment, planned hours."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from datetime import date

from ..access import Delivery, Record, children, day, deliveries, integer, is_known, text
from ..derived.dd06 import earliest_start
from ..model import Hit, ValidationContext
from ..registry import SOURCE_CSV_2627, rule
from .common import age_on, is_apprenticeship, valid_lookup
from .learner_helpers import (
    FM_16_19,
    all_community_learning,
    birth_date,
    is_t_level,
    plan_learn_hours,
)

_LLDD = "LLDDandHealthProblem"
_CONSIDERS_LLDD, _NO_LLDD = 1, 2
_PRIMARY = 1
_PRIMARY_FROM = date(2015, 8, 1)
_FM_OTHER_16_19 = 82
_ADULT_AGE = 25
_LLDD_06_EXCLUDED_FMS = {"2025/26": frozenset({10, 99}), "2026/27": frozenset({99})}
_PRIOR_ATTAIN_01_EXCLUDED_FMS = {
    "2025/26": frozenset({10, 99, 25, 82, 11}),
    "2026/27": frozenset({99, 25, 82, 11}),
}
_PLH_02_FMS = {
    "2025/26": frozenset({25, 35, 38, 37, 81, 10, 99}),
    "2026/27": frozenset({25, 35, 38, 37, 39, 81, 99}),
}
_LEVEL_4_AND_ABOVE = frozenset({7, 8, 9, 10})
_FRAMEWORK_APPRENTICESHIPS = frozenset({2, 3, 20})
_FM_ADULT_SKILLS = 35
# ILR_LLDDCat 'Valid to' dates of the closed categories (all others are open-ended).
_LLDD_CAT_VALID_TO: dict[int | None, date] = {
    1: date(2015, 7, 31),
    2: date(2015, 7, 31),
    3: date(2015, 7, 31),
}


def _lldd_records(record: Record) -> list[tuple[int, Record]]:
    return list(children(record, _LLDD))


def _adult_at_first_start(record: Record) -> bool:
    """25 or over on the earliest learning start date (DD06)."""
    birth, first = birth_date(record), earliest_start(record)
    return birth is not None and first is not None and age_on(birth, first) >= _ADULT_AGE


@rule("LLDDHealthProb_01")
def lldd_health_prob_01(record: Record, ctx: ValidationContext) -> Iterator[Hit]:
    """The LLDD and health problem indicator must be a valid code."""
    value = text(record, "LLDDHealthProb")
    if value is not None and not valid_lookup(ctx, "LLDDHealthProb", value):
        yield Hit("LLDDHealthProb")


@rule("LLDDHealthProb_04")
def lldd_health_prob_04(record: Record, ctx: ValidationContext) -> Iterator[Hit]:
    """No LLDD and health problem record when the learner reports none (code 2)."""
    if integer(record, "LLDDHealthProb") == _NO_LLDD and _lldd_records(record):
        yield Hit(_LLDD)


@rule("LLDDHealthProb_06", source=SOURCE_CSV_2627, note="FundModel 10 exclusion 2025/26 only.")
def lldd_health_prob_06(record: Record, ctx: ValidationContext) -> Iterator[Hit]:
    """A learner reporting an LLDD (code 1) needs an LLDD record (non-funded aims and
    learners 25 or over at their first start excluded)."""
    if integer(record, "LLDDHealthProb") != _CONSIDERS_LLDD or _lldd_records(record):
        return
    excluded = _LLDD_06_EXCLUDED_FMS.get(ctx.academic_year, frozenset())
    in_scope = any(d.number("FundModel") not in excluded for d in deliveries(record))
    if in_scope and not _adult_at_first_start(record):
        yield Hit(_LLDD)


@rule("LLDDHealthProb_07", years={"2025/26"})
def lldd_health_prob_07(record: Record, ctx: ValidationContext) -> Iterator[Hit]:
    """Community learning over 10 planned hours: a learner reporting an LLDD needs an
    LLDD record (learners 25 or over at their first start excluded)."""
    if integer(record, "LLDDHealthProb") != _CONSIDERS_LLDD or _lldd_records(record):
        return
    hours = plan_learn_hours(record)
    if hours is None or hours <= 10 or not all_community_learning(record):
        return
    if not _adult_at_first_start(record):
        yield Hit(_LLDD)


@rule("LLDDCat_01")
def lldd_cat_01(record: Record, ctx: ValidationContext) -> Iterator[Hit]:
    """Each LLDD and health problem category must be a valid code."""
    for index, item in _lldd_records(record):
        value = text(item, "LLDDCat")
        if value is not None and not valid_lookup(ctx, "LLDDCat", value):
            yield Hit(f"{_LLDD}[{index}].LLDDCat")


@rule("LLDDCat_02")
def lldd_cat_02(record: Record, ctx: ValidationContext) -> Iterator[Hit]:
    """The earliest learning start date (DD06) must not be after the category's 'valid to'
    date (categories 1-3 closed on 31 July 2015)."""
    first = earliest_start(record)
    if first is None:
        return
    for index, item in _lldd_records(record):
        valid_to = _LLDD_CAT_VALID_TO.get(integer(item, "LLDDCat"))
        if valid_to is not None and first > valid_to:
            yield Hit(f"{_LLDD}[{index}].LLDDCat")


@rule("PrimaryLLDD_01")
def primary_lldd_01(record: Record, ctx: ValidationContext) -> Iterator[Hit]:
    """From a first start on 1 August 2015, one LLDD record must be the primary one."""
    items = _lldd_records(record)
    first = earliest_start(record)
    if not items or first is None or first < _PRIMARY_FROM:
        return
    if not any(integer(item, "PrimaryLLDD") == _PRIMARY for _, item in items):
        yield Hit(_LLDD)


@rule("PrimaryLLDD_02")
def primary_lldd_02(record: Record, ctx: ValidationContext) -> Iterator[Hit]:
    """The Primary LLDD and health problem must be a valid code."""
    for index, item in _lldd_records(record):
        value = text(item, "PrimaryLLDD")
        if value is not None and not valid_lookup(ctx, "PrimaryLLDD", value):
            yield Hit(f"{_LLDD}[{index}].PrimaryLLDD")


@rule("PrimaryLLDD_03")
def primary_lldd_03(record: Record, ctx: ValidationContext) -> Iterator[Hit]:
    """At most one LLDD record may be the primary one."""
    primaries = [i for i, item in _lldd_records(record) if integer(item, "PrimaryLLDD") == 1]
    for index in primaries[1:]:
        yield Hit(f"{_LLDD}[{index}].PrimaryLLDD")


@rule("PrimaryLLDD_04")
def primary_lldd_04(record: Record, ctx: ValidationContext) -> Iterator[Hit]:
    """A single LLDD record must be flagged as the primary one."""
    items = _lldd_records(record)
    if len(items) == 1 and text(items[0][1], "PrimaryLLDD") is None:
        yield Hit(f"{_LLDD}[{items[0][0]}].PrimaryLLDD")


def _prior_levels(record: Record) -> Iterator[tuple[int, int | None, str | None]]:
    """(index, PriorLevel, PriorLevel text) of each PriorAttain record."""
    for index, item in children(record, "PriorAttain"):
        yield index, integer(item, "PriorLevel"), text(item, "PriorLevel")


@rule("PriorAttain_01", source=SOURCE_CSV_2627, note="FundModel 10 exclusion 2025/26 only.")
def prior_attain_01(record: Record, ctx: ValidationContext) -> Iterator[Hit]:
    """Prior attainment must be returned (non-funded, 16-19 and tailored learning
    excluded)."""
    if any(value is not None for _, _, value in _prior_levels(record)):
        return
    excluded = _PRIOR_ATTAIN_01_EXCLUDED_FMS.get(ctx.academic_year, frozenset())
    fund_models = (d.number("FundModel") for d in deliveries(record))
    if any(fm is not None and fm not in excluded for fm in fund_models):
        yield Hit("PriorAttain")


@rule("PriorAttain_03")
def prior_attain_03(record: Record, ctx: ValidationContext) -> Iterator[Hit]:
    """Each Prior attainment level must be a valid code."""
    for index, _, value in _prior_levels(record):
        if value is not None and not valid_lookup(ctx, "PriorLevel", value):
            yield Hit(f"PriorAttain[{index}].PriorLevel")


@rule("PriorAttain_04", years={"2025/26"})
def prior_attain_04(record: Record, ctx: ValidationContext) -> Iterator[Hit]:
    """Learners with prior attainment at level 4 or above must not be on an adult skills
    funded intermediate, advanced or higher framework apprenticeship."""
    if not any(level in _LEVEL_4_AND_ABOVE for _, level, _ in _prior_levels(record)):
        return
    for d in deliveries(record):
        fund_model, prog_type = d.number("FundModel"), d.number("ProgType")
        if fund_model == _FM_ADULT_SKILLS and prog_type in _FRAMEWORK_APPRENTICESHIPS:
            yield Hit(d.at("ProgType"))


@rule("PriorAttain_09")
def prior_attain_09(record: Record, ctx: ValidationContext) -> Iterator[Hit]:
    """The date a prior attainment level applies must not be after the file preparation
    date."""
    for index, item in children(record, "PriorAttain"):
        applies = day(item, "DateLevelApp")
        if applies is not None and applies > ctx.file_preparation_date:
            yield Hit(f"PriorAttain[{index}].DateLevelApp")


@rule("PriorAttain_10")
def prior_attain_10(record: Record, ctx: ValidationContext) -> Iterator[Hit]:
    """No two prior attainment records may share a DateLevelApp."""
    seen: Counter[object] = Counter()
    for index, item in children(record, "PriorAttain"):
        applies = day(item, "DateLevelApp")
        if applies is None:
            continue
        seen[applies] += 1
        if seen[applies] > 1:
            yield Hit(f"PriorAttain[{index}].DateLevelApp")


def _all_closed(record: Record) -> bool:
    return all(d.is_known("LearnActEndDate") for d in deliveries(record))


def _hours_scope(delivery: Delivery) -> bool:
    """Not Other 16-19 provision (FM 82) and not a T Level programme."""
    return delivery.number("FundModel") != _FM_OTHER_16_19 and not is_t_level(delivery)


@rule("PlanLearnHours_01")
def plan_learn_hours_01(record: Record, ctx: ValidationContext) -> Iterator[Hit]:
    """Planned learning hours must be returned (apprenticeships, FM 82, T Levels and
    learners whose aims are all closed excluded)."""
    if is_known(record, "PlanLearnHours") or _all_closed(record):
        return
    if any(_hours_scope(d) and not is_apprenticeship(d) for d in deliveries(record)):
        yield Hit("PlanLearnHours")


@rule("PlanLearnHours_02", source=SOURCE_CSV_2627, note="FundModel 10 replaced by 39 in 2026/27.")
def plan_learn_hours_02(record: Record, ctx: ValidationContext) -> Iterator[Hit]:
    """Planned learning hours should not be zero for funded aims (T Levels excluded)."""
    if plan_learn_hours(record) != 0:
        return
    fms = _PLH_02_FMS.get(ctx.academic_year, frozenset())
    if any(d.number("FundModel") in fms and not is_t_level(d) for d in deliveries(record)):
        yield Hit("PlanLearnHours")


def _total_hours(record: Record) -> int:
    return (plan_learn_hours(record) or 0) + (integer(record, "PlanEEPHours") or 0)


@rule("PlanLearnHours_03")
def plan_learn_hours_03(record: Record, ctx: ValidationContext) -> Iterator[Hit]:
    """16-19 funded learners: planned learning plus EEP hours must be above zero
    (T Levels excluded)."""
    if plan_learn_hours(record) is None or _total_hours(record) != 0:
        return
    if any(d.number("FundModel") == FM_16_19 and not is_t_level(d) for d in deliveries(record)):
        yield Hit("PlanLearnHours")


def _too_many_hours(record: Record, limit: int) -> Iterator[Hit]:
    if _total_hours(record) > limit and any(_hours_scope(d) for d in deliveries(record)):
        yield Hit("PlanLearnHours")


@rule("PlanLearnHours_04")
def plan_learn_hours_04(record: Record, ctx: ValidationContext) -> Iterator[Hit]:
    """Planned learning plus EEP hours should not exceed 1,000 (FM 82 and T Levels
    excluded)."""
    return _too_many_hours(record, 1000)


@rule("PlanLearnHours_05")
def plan_learn_hours_05(record: Record, ctx: ValidationContext) -> Iterator[Hit]:
    """Planned learning plus EEP hours must not exceed 4,000 (FM 82 and T Levels
    excluded)."""
    if plan_learn_hours(record) is None:
        return iter(())
    return _too_many_hours(record, 4000)


@rule("PlanEEPHours_01", source=SOURCE_CSV_2627, note="Apprenticeship exclusion 2025/26 only.")
def plan_eep_hours_01(record: Record, ctx: ValidationContext) -> Iterator[Hit]:
    """16-19 funded learners must have planned EEP hours (T Levels and learners whose
    aims are all closed excluded)."""
    if is_known(record, "PlanEEPHours") or _all_closed(record):
        return
    for d in deliveries(record):
        if d.number("FundModel") != FM_16_19 or is_t_level(d):
            continue
        if ctx.academic_year == "2025/26" and is_apprenticeship(d):
            continue
        yield Hit("PlanEEPHours")
        return
