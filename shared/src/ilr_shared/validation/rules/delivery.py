"""Rules on one LearningDelivery at a time: aim, programme, funding model, dates, status."""

from __future__ import annotations

from collections.abc import Iterator

from ..access import Record, day, deliveries
from ..model import Hit, ValidationContext
from ..registry import LARS, POSTCODES, SOURCE_CSV_2627, rule
from .common import (
    APPRENTICESHIP_STANDARD,
    COMPONENT_AIM,
    FM_APPRENTICESHIPS,
    NOT_PART_OF_PROGRAMME,
    PROGRAMME_AIM,
    UNKNOWN_POSTCODE,
    is_apprenticeship,
    is_olass,
    postcode_format_ok,
)

_FUND_MODELS = {
    "2025/26": frozenset({10, 11, 25, 35, 36, 37, 38, 81, 82, 99}),
    "2026/27": frozenset({11, 25, 35, 36, 37, 38, 39, 81, 82, 99}),
}
_SKILLS_BOOTCAMP_FM, _SKILLS_BOOTCAMP_PROG = 37, 32


@rule(
    "FundModel_01",
    source=SOURCE_CSV_2627,
    note="ILR_FundModel code list by year: 2026/27 adds 39 "
    "(Apprenticeship Units) and removes 10 (Community Learning) - 2026/27 change.",
)
def fund_model_01(record: Record, ctx: ValidationContext) -> Iterator[Hit]:
    """The Funding model must be a valid code for the collection year."""
    valid = _FUND_MODELS.get(ctx.academic_year, frozenset())
    for d in deliveries(record):
        if d.is_known("FundModel") and d.number("FundModel") not in valid:
            yield Hit(d.at("FundModel"))


@rule("LearnAimRef_30")
def learn_aim_ref_30(record: Record, ctx: ValidationContext) -> Iterator[Hit]:
    """ZPROG001 is only valid on programme aims (AimType 1)."""
    for d in deliveries(record):
        ref, aim_type = d.text("LearnAimRef"), d.number("AimType")
        is_zprog = ref is not None and ref.upper() == "ZPROG001"
        if is_zprog and aim_type is not None and aim_type != PROGRAMME_AIM:
            yield Hit(d.at("LearnAimRef"))


@rule("LearnAimRef_01", needs=(LARS,))
def learn_aim_ref_01(record: Record, ctx: ValidationContext) -> Iterator[Hit]:
    """The Learning aim reference must be known to LARS."""
    if ctx.lars_aims is None:
        return
    for d in deliveries(record):
        ref = d.text("LearnAimRef")
        if ref is not None and ref.upper() not in ctx.lars_aims:
            yield Hit(d.at("LearnAimRef"))


@rule("ProgType_01")
def prog_type_01(record: Record, ctx: ValidationContext) -> Iterator[Hit]:
    """Programme and component aims (AimType 1 or 3) need a Programme type."""
    for d in deliveries(record):
        if d.number("AimType") in (PROGRAMME_AIM, COMPONENT_AIM) and not d.is_known("ProgType"):
            yield Hit(d.at("ProgType"))


@rule("ProgType_02")
def prog_type_02(record: Record, ctx: ValidationContext) -> Iterator[Hit]:
    """Aims not part of a programme (AimType 4) must not have a Programme type."""
    for d in deliveries(record):
        if d.number("AimType") == NOT_PART_OF_PROGRAMME and d.is_known("ProgType"):
            yield Hit(d.at("ProgType"))


@rule("StdCode_01")
def std_code_01(record: Record, ctx: ValidationContext) -> Iterator[Hit]:
    """Apprenticeship standard aims (ProgType 25) need a Standard code."""
    for d in deliveries(record):
        if d.number("ProgType") == APPRENTICESHIP_STANDARD and not d.is_known("StdCode"):
            yield Hit(d.at("StdCode"))


@rule("StdCode_03")
def std_code_03(record: Record, ctx: ValidationContext) -> Iterator[Hit]:
    """Aims that are not apprenticeship standards (ProgType <> 25) must not have a StdCode."""
    for d in deliveries(record):
        if not d.is_known("StdCode"):
            continue
        prog_type = d.number("ProgType")
        # A returned but unreadable ProgType is left to the field-format checks.
        if d.is_known("ProgType") and prog_type is None:
            continue
        if prog_type != APPRENTICESHIP_STANDARD:
            yield Hit(d.at("StdCode"))


@rule("FundModel_06")
def fund_model_06(record: Record, ctx: ValidationContext) -> Iterator[Hit]:
    """Apprenticeship funded aims (FundModel 36) must be apprenticeship aims (DD07 = Y)."""
    for d in deliveries(record):
        if d.number("FundModel") == FM_APPRENTICESHIPS and not is_apprenticeship(d):
            yield Hit(d.at("FundModel"))


@rule("LearnStartDate_05")
def learn_start_date_05(record: Record, ctx: ValidationContext) -> Iterator[Hit]:
    """The Learning start date must be after the learner's date of birth."""
    birth = day(record, "DateOfBirth")
    if birth is None:
        return
    for d in deliveries(record):
        start = d.day("LearnStartDate")
        if start is not None and birth >= start:
            yield Hit(d.at("LearnStartDate"))


@rule("LearnPlanEndDate_02")
def learn_plan_end_date_02(record: Record, ctx: ValidationContext) -> Iterator[Hit]:
    """The planned end date must not be before the start date."""
    for d in deliveries(record):
        start, planned = d.day("LearnStartDate"), d.day("LearnPlanEndDate")
        if start is not None and planned is not None and planned < start:
            yield Hit(d.at("LearnPlanEndDate"))


@rule("LearnActEndDate_01")
def learn_act_end_date_01(record: Record, ctx: ValidationContext) -> Iterator[Hit]:
    """If returned, the actual end date must not be before the start date."""
    for d in deliveries(record):
        start, ended = d.day("LearnStartDate"), d.day("LearnActEndDate")
        if start is not None and ended is not None and ended < start:
            yield Hit(d.at("LearnActEndDate"))


@rule("CompStatus_03")
def comp_status_03(record: Record, ctx: ValidationContext) -> Iterator[Hit]:
    """Without an actual end date the Completion status must be 1 (continuing)."""
    for d in deliveries(record):
        status = d.number("CompStatus")
        if status is not None and status != 1 and not d.is_known("LearnActEndDate"):
            yield Hit(d.at("CompStatus"))


@rule("CompStatus_04")
def comp_status_04(record: Record, ctx: ValidationContext) -> Iterator[Hit]:
    """Without an Outcome the Completion status must be 1 (continuing)."""
    for d in deliveries(record):
        status = d.number("CompStatus")
        if status is not None and status != 1 and not d.is_known("Outcome"):
            yield Hit(d.at("CompStatus"))


@rule("AchDate_02")
def ach_date_02(record: Record, ctx: ValidationContext) -> Iterator[Hit]:
    """The Achievement date must not be after the end of the current teaching year."""
    for d in deliveries(record):
        achieved = d.day("AchDate")
        if achieved is not None and achieved > ctx.year_end:
            yield Hit(d.at("AchDate"))


@rule("AchDate_03")
def ach_date_03(record: Record, ctx: ValidationContext) -> Iterator[Hit]:
    """The Achievement date must not be before the start date (Skills Bootcamps excluded)."""
    for d in deliveries(record):
        if (d.number("FundModel"), d.number("ProgType")) == (
            _SKILLS_BOOTCAMP_FM,
            _SKILLS_BOOTCAMP_PROG,
        ):
            continue
        start, achieved = d.day("LearnStartDate"), d.day("AchDate")
        if start is not None and achieved is not None and achieved < start:
            yield Hit(d.at("AchDate"))


@rule("DelLocPostCode_11")
def del_loc_post_code_11(record: Record, ctx: ValidationContext) -> Iterator[Hit]:
    """The Delivery location postcode must have a valid UK format (OLASS excluded)."""
    for d in deliveries(record):
        value = d.text("DelLocPostCode")
        if value is not None and not is_olass(d) and not postcode_format_ok(value):
            yield Hit(d.at("DelLocPostCode"))


@rule("DelLocPostCode_03", needs=(POSTCODES,))
def del_loc_post_code_03(record: Record, ctx: ValidationContext) -> Iterator[Hit]:
    """The Delivery location postcode must be a known postcode or ZZ99 9ZZ (OLASS excluded)."""
    if ctx.postcodes is None:
        return
    for d in deliveries(record):
        value = d.text("DelLocPostCode")
        if value is None or value == UNKNOWN_POSTCODE or is_olass(d):
            continue
        if value.upper() not in ctx.postcodes:
            yield Hit(d.at("DelLocPostCode"))
