"""Helpers shared by the aim and programme rules: one-delivery rules and their predicates."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from datetime import date

from ...ilr.codes import code_lists
from ..access import Delivery, Record, deliveries
from ..model import Hit, ValidationContext
from ..registry import SOURCE_CSV, rule

Condition = Callable[[Delivery, ValidationContext], bool]

CORE_AIM = 5
FM_TAILORED_LEARNING = 11
FM_16_19 = 25
FM_ADULT_SKILLS = 35
FM_SKILLS_BOOTCAMPS = 37
FM_ADULT_SKILLS_FUND = 38
FM_SHORT_COURSES = 39
FM_OTHER_ADULT = 81
FM_OTHER_16_19 = 82
FM_NON_FUNDED = 99
FM_COMMUNITY_LEARNING = 10  # 2025/26 only

PROG_T_LEVEL_FOUNDATION = 30
PROG_T_LEVEL = 31
PROG_SKILLS_BOOTCAMP = 32
PROG_COMBINED_AUTHORITY = 33
PROG_APPRENTICESHIP_UNITS = 34

AUG_2024 = date(2024, 8, 1)


def per_delivery(
    name: str,
    field: str,
    *,
    years: Iterable[str] | None = None,
    source: str = SOURCE_CSV,
    note: str = "",
    needs: Iterable[str] = (),
) -> Callable[[Condition], Condition]:
    """Register ``name`` as a rule that reports ``field`` of each delivery for which the
    decorated condition holds; the condition's docstring is the rule's description."""

    def register(condition: Condition) -> Condition:
        def check(record: Record, ctx: ValidationContext) -> Iterator[Hit]:
            for d in deliveries(record):
                if condition(d, ctx):
                    yield Hit(d.at(field))

        check.__doc__ = condition.__doc__
        check.__name__ = check.__qualname__ = condition.__name__
        check.__module__ = condition.__module__
        rule(name, years=years, source=source, note=note, needs=needs)(check)
        return condition

    return register


def fund_model_in(d: Delivery, fund_models: Iterable[int]) -> bool:
    return d.number("FundModel") in set(fund_models)


def starts_on_or_after(d: Delivery, on: date) -> bool:
    """The start date is known and on or after ``on``."""
    start = d.day("LearnStartDate")
    return start is not None and start >= on


def starts_before(d: Delivery, on: date) -> bool:
    """The start date is known and before ``on``."""
    start = d.day("LearnStartDate")
    return start is not None and start < on


def is_restart(d: Delivery) -> bool:
    return d.has_fam("RES")


def aim_ref(d: Delivery) -> str:
    """The learning aim reference in upper case ("" when not returned)."""
    return (d.text("LearnAimRef") or "").upper()


def differs_from_start(d: Delivery) -> bool:
    """The planned end date, or the actual end date where returned, is not the start date."""
    start = d.day("LearnStartDate")
    if start is None:
        return False
    planned, ended = d.day("LearnPlanEndDate"), d.day("LearnActEndDate")
    return (planned is not None and planned != start) or (ended is not None and ended != start)


def valid_lookup_on(ctx: ValidationContext, list_name: str, code: int, on: date | None) -> bool:
    """The code is in the year's list and, when ``on`` is known, not past its "Valid to"
    date; a list the year does not have counts as valid."""
    lists = code_lists(ctx.academic_year)
    if list_name not in lists:
        return True
    codes = lists[list_name]
    return codes.is_valid(code) if on is None else codes.is_valid_on(code, on)
