"""Learning delivery dates: start, original start, planned and actual end, achievement."""

from __future__ import annotations

import calendar
from collections.abc import Iterator
from datetime import date, timedelta

from ..access import Delivery, Record, deliveries
from ..model import Hit, ValidationContext
from ..registry import CONTRACTS, LARS, SOURCE_V4, needs_reference_data, rule
from .common import (
    APPRENTICESHIP_STANDARD,
    FM_APPRENTICESHIPS,
    PROGRAMME_AIM,
    add_years,
    is_apprenticeship,
)

FM_SKILLS_BOOTCAMPS = 37
FM_OTHER_ADULT = 81
FM_NON_FUNDED = 99
PT_SKILLS_BOOTCAMP = 32
PT_T_LEVEL = 31
PT_APPRENTICESHIP_UNITS = 34

needs_reference_data(
    (LARS,),
    "LearnStartDate_13",
    "LearnStartDate_14",
    "LearnStartDate_17",
    "LearnStartDate_18",
    "OrigLearnStartDate_06",
    "OrigLearnStartDate_07",
    "OrigLearnStartDate_08",
    "OrigLearnStartDate_10",
    "OrigLearnStartDate_11",
)
needs_reference_data((CONTRACTS,), "LearnStartDate_20")


def is_skills_bootcamp(d: Delivery) -> bool:
    """Skills Bootcamp aim (FundModel 37 and ProgType 32)."""
    return (
        d.number("FundModel") == FM_SKILLS_BOOTCAMPS and d.number("ProgType") == PT_SKILLS_BOOTCAMP
    )


def is_standard(d: Delivery, *fund_models: int) -> bool:
    """Apprenticeship standard aim (ProgType 25) of one of the funding models."""
    return d.number("ProgType") == APPRENTICESHIP_STANDARD and d.number("FundModel") in fund_models


def is_programme_aim(d: Delivery) -> bool:
    return d.number("AimType") == PROGRAMME_AIM


def is_restart(d: Delivery) -> bool:
    return d.has_fam("RES")


def years_later(day: date, years: int) -> date:
    """``add_years`` that saturates at the first or last representable date."""
    try:
        return add_years(day, years)
    except ValueError:
        return date.max if years > 0 else date.min


def days_later(day: date, days: int) -> date:
    """The date ``days`` later, saturating at the first or last representable date."""
    try:
        return day + timedelta(days=days)
    except OverflowError:
        return date.max if days > 0 else date.min


def add_months(start: date, months: int) -> date:
    """The same day ``months`` later, clamped to the end of a shorter month (and saturating
    at the first or last representable date)."""
    index = start.month - 1 + months
    year, month = start.year + index // 12, index % 12 + 1
    if not date.min.year <= year <= date.max.year:
        return date.max if months > 0 else date.min
    return date(year, month, min(start.day, calendar.monthrange(year, month)[1]))


def _dated(record: Record, field: str) -> Iterator[tuple[Delivery, date]]:
    """Each delivery with a readable value of a date field."""
    for d in deliveries(record):
        value = d.day(field)
        if value is not None:
            yield d, value


# --- Learning start date -------------------------------------------------------------


@rule("LearnStartDate_02")
def learn_start_date_02(record: Record, ctx: ValidationContext) -> Iterator[Hit]:
    """The start date must not be more than 10 years before the start of the teaching year."""
    earliest = years_later(ctx.year_start, -10)
    for d, start in _dated(record, "LearnStartDate"):
        if start < earliest:
            yield Hit(d.at("LearnStartDate"))


@rule("LearnStartDate_03")
def learn_start_date_03(record: Record, ctx: ValidationContext) -> Iterator[Hit]:
    """The start date must not be after the teaching year (FM36, FM37 and T Levels excluded)."""
    for d, start in _dated(record, "LearnStartDate"):
        excluded = d.number("FundModel") in (FM_APPRENTICESHIPS, FM_SKILLS_BOOTCAMPS)
        if start > ctx.year_end and not excluded and d.number("ProgType") != PT_T_LEVEL:
            yield Hit(d.at("LearnStartDate"))


@rule("LearnStartDate_12")
def learn_start_date_12(record: Record, ctx: ValidationContext) -> Iterator[Hit]:
    """Apprenticeship aims must not start more than a year after the teaching year ends."""
    latest = years_later(ctx.year_end, 1)
    for d, start in _dated(record, "LearnStartDate"):
        if is_apprenticeship(d) and start > latest:
            yield Hit(d.at("LearnStartDate"))


_BOOTCAMPS_FROM = date(2022, 8, 1)


@rule("LearnStartDate_21")
def learn_start_date_21(record: Record, ctx: ValidationContext) -> Iterator[Hit]:
    """Skills Bootcamp funded aims (FM37) must start on or after 1 August 2022."""
    for d, start in _dated(record, "LearnStartDate"):
        if d.number("FundModel") == FM_SKILLS_BOOTCAMPS and start < _BOOTCAMPS_FROM:
            yield Hit(d.at("LearnStartDate"))


# --- Original learning start date ----------------------------------------------------


def _original_and_start(record: Record) -> Iterator[tuple[Delivery, date, date]]:
    for d, original in _dated(record, "OrigLearnStartDate"):
        start = d.day("LearnStartDate")
        if start is not None:
            yield d, original, start


@rule("OrigLearnStartDate_01")
def orig_learn_start_date_01(record: Record, ctx: ValidationContext) -> Iterator[Hit]:
    """The original start date must not be more than 10 years before the start date."""
    for d, original, start in _original_and_start(record):
        if original < years_later(start, -10):
            yield Hit(d.at("OrigLearnStartDate"))


@rule("OrigLearnStartDate_02")
def orig_learn_start_date_02(record: Record, ctx: ValidationContext) -> Iterator[Hit]:
    """The original start date must be before the start date."""
    for d, original, start in _original_and_start(record):
        if original >= start:
            yield Hit(d.at("OrigLearnStartDate"))


_NO_ORIGINAL_START_FMS = {
    "2025/26": frozenset({25, 82, 10}),
    "2026/27": frozenset({25, 82}),
}


@rule("OrigLearnStartDate_03")
def orig_learn_start_date_03(record: Record, ctx: ValidationContext) -> Iterator[Hit]:
    """16-19 (FM25, FM82; 2025/26 also FM10) aims must not have an original start date."""
    fund_models = _NO_ORIGINAL_START_FMS.get(ctx.academic_year, frozenset())
    for d in deliveries(record):
        if d.number("FundModel") in fund_models and d.is_known("OrigLearnStartDate"):
            yield Hit(d.at("OrigLearnStartDate"))


@rule("OrigLearnStartDate_04")
def orig_learn_start_date_04(record: Record, ctx: ValidationContext) -> Iterator[Hit]:
    """An original start date needs a restart (RES) indicator."""
    for d in deliveries(record):
        if d.is_known("OrigLearnStartDate") and not is_restart(d):
            yield Hit(d.at("OrigLearnStartDate"))


_APPRENTICESHIP_REFORM = date(2017, 5, 1)


@rule("OrigLearnStartDate_09")
def orig_learn_start_date_09(record: Record, ctx: ValidationContext) -> Iterator[Hit]:
    """Apprenticeship funded (FM36) aims: the original start date is not before 1 May 2017."""
    for d, original in _dated(record, "OrigLearnStartDate"):
        if d.number("FundModel") == FM_APPRENTICESHIPS and original < _APPRENTICESHIP_REFORM:
            yield Hit(d.at("OrigLearnStartDate"))


# --- Planned and actual end dates ----------------------------------------------------


@rule("LearnPlanEndDate_03")
def learn_plan_end_date_03(record: Record, ctx: ValidationContext) -> Iterator[Hit]:
    """The planned end date must be less than 10 years after the start date."""
    for d, planned in _dated(record, "LearnPlanEndDate"):
        start = d.day("LearnStartDate")
        if start is not None and planned >= years_later(start, 10):
            yield Hit(d.at("LearnPlanEndDate"))


_UNITS_MAX_PLANNED = timedelta(weeks=16)


@rule("LearnPlanEndDate_04", years={"2026/27"}, source=SOURCE_V4)
def learn_plan_end_date_04(record: Record, ctx: ValidationContext) -> Iterator[Hit]:
    """Apprenticeship unit programmes (ProgType 34) are planned to last at most 16 weeks."""
    for d, planned in _dated(record, "LearnPlanEndDate"):
        start = d.day("LearnStartDate")
        units = is_programme_aim(d) and d.number("ProgType") == PT_APPRENTICESHIP_UNITS
        if units and start is not None and planned - start > _UNITS_MAX_PLANNED:
            yield Hit(d.at("LearnPlanEndDate"))


@rule("LearnActEndDate_04")
def learn_act_end_date_04(record: Record, ctx: ValidationContext) -> Iterator[Hit]:
    """The actual end date must not be after the file preparation date."""
    for d, ended in _dated(record, "LearnActEndDate"):
        if ended > ctx.file_preparation_date:
            yield Hit(d.at("LearnActEndDate"))


# --- Achievement date ----------------------------------------------------------------


@rule("AchDate_04")
def ach_date_04(record: Record, ctx: ValidationContext) -> Iterator[Hit]:
    """An achievement date needs an actual end date (Skills Bootcamps excluded)."""
    for d in deliveries(record):
        if (
            d.is_known("AchDate")
            and not d.is_known("LearnActEndDate")
            and not is_skills_bootcamp(d)
        ):
            yield Hit(d.at("LearnActEndDate"))


@rule("AchDate_05")
def ach_date_05(record: Record, ctx: ValidationContext) -> Iterator[Hit]:
    """The achievement date must be on or after the actual end date (Bootcamps excluded)."""
    for d, achieved in _dated(record, "AchDate"):
        ended = d.day("LearnActEndDate")
        if ended is not None and achieved < ended and not is_skills_bootcamp(d):
            yield Hit(d.at("AchDate"))


@rule("AchDate_07")
def ach_date_07(record: Record, ctx: ValidationContext) -> Iterator[Hit]:
    """The achievement date must not be after the file preparation date."""
    for d, achieved in _dated(record, "AchDate"):
        if achieved > ctx.file_preparation_date:
            yield Hit(d.at("AchDate"))


@rule("AchDate_08")
def ach_date_08(record: Record, ctx: ValidationContext) -> Iterator[Hit]:
    """Achieved FM81 standard programme aims need an achievement date."""
    for d in deliveries(record):
        achieved = d.number("Outcome") == 1 and not d.is_known("AchDate")
        if achieved and is_programme_aim(d) and is_standard(d, FM_OTHER_ADULT):
            yield Hit(d.at("AchDate"))


_ACH_DATE_ENDS = date(2015, 7, 31)


@rule("AchDate_09")
def ach_date_09(record: Record, ctx: ValidationContext) -> Iterator[Hit]:
    """Aims starting after 31 July 2015 must not have an achievement date (standards and
    Skills Bootcamps excluded)."""
    for d in deliveries(record):
        start = d.day("LearnStartDate")
        if start is None or start <= _ACH_DATE_ENDS or not d.is_known("AchDate"):
            continue
        if not is_standard(d, FM_OTHER_ADULT, FM_APPRENTICESHIPS) and not is_skills_bootcamp(d):
            yield Hit(d.at("AchDate"))


def _fm36_standard_programmes(record: Record, ended_from: date) -> Iterator[Delivery]:
    """FM36 standard programme aims that ended on or after a date."""
    for d, ended in _dated(record, "LearnActEndDate"):
        if ended >= ended_from and is_programme_aim(d) and is_standard(d, FM_APPRENTICESHIPS):
            yield d


@rule("AchDate_11", years={"2025/26"})
def ach_date_11(record: Record, ctx: ValidationContext) -> Iterator[Hit]:
    """FM36 standard programmes ended from 1 August 2019: achievement date at least 7 days
    after the actual end date."""
    for d in _fm36_standard_programmes(record, date(2019, 8, 1)):
        achieved, ended = d.day("AchDate"), d.day("LearnActEndDate")
        if achieved is not None and ended is not None and achieved < days_later(ended, 7):
            yield Hit(d.at("AchDate"))


@rule("AchDate_12")
def ach_date_12(record: Record, ctx: ValidationContext) -> Iterator[Hit]:
    """Completed FM36 standard programmes ended from 1 August 2021 need an achievement date
    (the published condition's last clause names LearnActEndDate; the intent is AchDate)."""
    for d in _fm36_standard_programmes(record, date(2021, 8, 1)):
        if d.number("CompStatus") == 2 and not d.is_known("AchDate"):
            yield Hit(d.at("AchDate"))


@rule("AchDate_13")
def ach_date_13(record: Record, ctx: ValidationContext) -> Iterator[Hit]:
    """Skills Bootcamp programme aims: achievement at most six months after the end date."""
    for d, achieved in _dated(record, "AchDate"):
        ended = d.day("LearnActEndDate")
        bootcamp = is_programme_aim(d) and d.number("ProgType") == PT_SKILLS_BOOTCAMP
        if bootcamp and ended is not None and achieved > add_months(ended, 6):
            yield Hit(d.at("AchDate"))


@rule("AchDate_14", years={"2026/27"}, source=SOURCE_V4)
def ach_date_14(record: Record, ctx: ValidationContext) -> Iterator[Hit]:
    """The achievement date is only returned on programme aims."""
    for d in deliveries(record):
        aim_type = d.number("AimType")
        if d.is_known("AchDate") and aim_type is not None and aim_type != PROGRAMME_AIM:
            yield Hit(d.at("AchDate"))


@rule("AchDate_15", years={"2026/27"}, source=SOURCE_V4)
def ach_date_15(record: Record, ctx: ValidationContext) -> Iterator[Hit]:
    """Skills Bootcamps (ProgType 32): the achievement date is not before the start date."""
    for d, achieved in _dated(record, "AchDate"):
        start = d.day("LearnStartDate")
        if d.number("ProgType") == PT_SKILLS_BOOTCAMP and start is not None and achieved < start:
            yield Hit(d.at("AchDate"))
