"""Small helpers shared by the Learner-entity rules (no rules are registered here)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date

from ..access import (
    Delivery,
    Record,
    children,
    day,
    deliveries,
    integer,
    learner_memo,
    same_code,
    text,
)
from ..model import ValidationContext
from .common import DEFAULT_ULN, age_on, uln

FM_COMMUNITY_LEARNING = 10
FM_16_19 = 25
FM_NON_FUNDED = 99
PROG_T_LEVEL = 31


def learner_fams(record: Record) -> Iterator[tuple[int, str | None, str | None]]:
    """(index, LearnFAMType upper case, LearnFAMCode) for each LearnerFAM."""
    return iter(learner_memo(record, "learner_helpers.learner_fams", _read_learner_fams))


def _read_learner_fams(record: Record) -> tuple[tuple[int, str | None, str | None], ...]:
    found = []
    for index, fam in children(record, "LearnerFAM"):
        fam_type = text(fam, "LearnFAMType")
        found.append((index, fam_type.upper() if fam_type else None, text(fam, "LearnFAMCode")))
    return tuple(found)


def has_learner_fam(record: Record, fam_type: str, *codes: str) -> bool:
    """The learner has a LearnerFAM of the type (and, if given, one of the codes)."""
    return any(
        t == fam_type and (not codes or any(same_code(c, code) for code in codes))
        for _, t, c in learner_fams(record)
    )


def has_default_uln(record: Record) -> bool:
    return uln(record) == DEFAULT_ULN


def is_community_learning(delivery: Delivery) -> bool:
    """FundModel 10, or FundModel 99 with SOF 108 (community learning, 2025/26 rules)."""
    fund_model = delivery.number("FundModel")
    return fund_model == FM_COMMUNITY_LEARNING or (
        fund_model == FM_NON_FUNDED and delivery.has_fam("SOF", "108")
    )


def all_community_learning(record: Record) -> bool:
    """The learner has aims and every one is community learning."""
    found = deliveries(record)
    return bool(found) and all(is_community_learning(d) for d in found)


def is_t_level(delivery: Delivery) -> bool:
    return delivery.number("FundModel") == FM_16_19 and delivery.number("ProgType") == PROG_T_LEVEL


def plan_learn_hours(record: Record) -> int | None:
    return integer(record, "PlanLearnHours")


def _read_birth_date(record: Record) -> date | None:
    return day(record, "DateOfBirth")


def birth_date(record: Record) -> date | None:
    """The learner's DateOfBirth, read once per learner."""
    return learner_memo(record, "learner_helpers.birth_date", _read_birth_date)


def age_at_start(birth: date, delivery: Delivery) -> int | None:
    """Whole years of age on the aim's start date (None when the start is unknown)."""
    start = delivery.day("LearnStartDate")
    return None if start is None else age_on(birth, start)


def age_on_31_august(birth: date, ctx: ValidationContext) -> int:
    """Age on 31 August of the current teaching year."""
    return age_on(birth, date(ctx.first_calendar_year, 8, 31))


def first_january(ctx: ValidationContext) -> date:
    """1 January of the current teaching year."""
    return date(ctx.first_calendar_year + 1, 1, 1)


def lasts_at_least(delivery: Delivery, days: int) -> bool:
    """The planned or actual duration is ``days`` or more."""
    start = delivery.day("LearnStartDate")
    if start is None:
        return False
    ends = (delivery.day("LearnPlanEndDate"), delivery.day("LearnActEndDate"))
    return any(end is not None and (end - start).days >= days for end in ends)


def days_since_start(delivery: Delivery, ctx: ValidationContext) -> int | None:
    """File preparation date minus the learning start date, in days."""
    start = delivery.day("LearnStartDate")
    return None if start is None else (ctx.file_preparation_date - start).days


def fam_code_paths(delivery: Delivery, fam_type: str) -> Iterator[tuple[str, str | None]]:
    """(field path of LearnDelFAMCode, code) of each FAM of the type on the aim."""
    for index, t, code in delivery.fams():
        if t is not None and t.upper() == fam_type:
            yield delivery.at(f"LearningDeliveryFAM[{index}].LearnDelFAMCode"), code
