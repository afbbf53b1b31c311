"""Completion status, outcome, outcome grade and withdrawal reason of a learning delivery."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date

from ..access import Delivery, Record, deliveries
from ..model import Hit, ValidationContext
from ..registry import LARS, SOURCE_V4, needs_reference_data, rule
from .common import FM_APPRENTICESHIPS, is_olass, valid_lookup
from .dates import (
    FM_NON_FUNDED,
    PT_APPRENTICESHIP_UNITS,
    is_programme_aim,
    is_skills_bootcamp,
    is_standard,
)

CONTINUING, COMPLETED, WITHDRAWN, BREAK_IN_LEARNING = 1, 2, 3, 6
ACHIEVED, NO_ACHIEVEMENT, OUTCOME_NOT_KNOWN = 1, 3, 8
FAIL_GRADES = frozenset({"FL", "U", "N", "X", "Y"})
BOOTCAMP_EVENT_AIMS = frozenset({"Z0059747", "Z0059748", "Z0059749"})
OLASS_WITHDRAWN = 28
INDUSTRY_PLACEMENT_WITHDRAWN = 48
INDUSTRY_PLACEMENT_AIM = "ZWRKX002"
UNITS_MILESTONE_LDM = "404"

needs_reference_data((LARS,), "OutGrade_07")


def _lookup_hits(record: Record, ctx: ValidationContext, field: str) -> Iterator[Hit]:
    """A returned value of the field that is not in the year's list of the same name
    (numeric codes compare by value, so "01" is code 1)."""
    for d in deliveries(record):
        value: str | int | None = d.number(field)
        if value is None:
            value = d.text(field)
        if value is not None and not valid_lookup(ctx, field, value):
            yield Hit(d.at(field))


def _status(d: Delivery) -> int | None:
    return d.number("CompStatus")


def _outcome(d: Delivery) -> int | None:
    return d.number("Outcome")


def _standard_programme(d: Delivery) -> bool:
    """FM36 or FM99 apprenticeship standard programme aim."""
    return is_programme_aim(d) and is_standard(d, FM_APPRENTICESHIPS, FM_NON_FUNDED)


# --- Completion status ---------------------------------------------------------------


@rule("CompStatus_01")
def comp_status_01(record: Record, ctx: ValidationContext) -> Iterator[Hit]:
    """The Completion status must be a valid ILR_CompStatus code."""
    return _lookup_hits(record, ctx, "CompStatus")


@rule("CompStatus_02")
def comp_status_02(record: Record, ctx: ValidationContext) -> Iterator[Hit]:
    """With an actual end date the status must not be continuing (FM36/99 standard
    programmes excluded)."""
    for d in deliveries(record):
        ended = d.is_known("LearnActEndDate")
        if ended and _status(d) == CONTINUING and not _standard_programme(d):
            yield Hit(d.at("CompStatus"))


@rule("CompStatus_05")
def comp_status_05(record: Record, ctx: ValidationContext) -> Iterator[Hit]:
    """A continuing aim must not have an Outcome (FM36/99 standards and Bootcamps excluded)."""
    for d in deliveries(record):
        if _status(d) != CONTINUING or not d.is_known("Outcome"):
            continue
        if not is_standard(d, FM_APPRENTICESHIPS, FM_NON_FUNDED) and not is_skills_bootcamp(d):
            yield Hit(d.at("Outcome"))


@rule("CompStatus_06")
def comp_status_06(record: Record, ctx: ValidationContext) -> Iterator[Hit]:
    """Withdrawn or break-in-learning aims must not be achieved or complete-outcome-unknown
    (Skills Bootcamps excluded)."""
    for d in deliveries(record):
        stopped = _status(d) in (WITHDRAWN, BREAK_IN_LEARNING)
        if stopped and _outcome(d) in (ACHIEVED, OUTCOME_NOT_KNOWN) and not is_skills_bootcamp(d):
            yield Hit(d.at("Outcome"))


_STANDARD_END_FROM = date(2019, 8, 1)


@rule("CompStatus_07")
def comp_status_07(record: Record, ctx: ValidationContext) -> Iterator[Hit]:
    """FM36 standard programmes ended from 1 August 2019 with an achievement date must be
    completed (CompStatus 2)."""
    for d in deliveries(record):
        ended = d.day("LearnActEndDate")
        if ended is None or ended < _STANDARD_END_FROM or not d.is_known("AchDate"):
            continue
        if is_programme_aim(d) and is_standard(d, FM_APPRENTICESHIPS) and _status(d) != COMPLETED:
            yield Hit(d.at("CompStatus"))


@rule("CompStatus_08")
def comp_status_08(record: Record, ctx: ValidationContext) -> Iterator[Hit]:
    """Skills Bootcamp programme aims with an achievement date must be completed."""
    for d in deliveries(record):
        bootcamp = is_programme_aim(d) and is_skills_bootcamp(d)
        if bootcamp and d.is_known("AchDate") and _status(d) != COMPLETED:
            yield Hit(d.at("CompStatus"))


@rule("CompStatus_09")
def comp_status_09(record: Record, ctx: ValidationContext) -> Iterator[Hit]:
    """Skills Bootcamp event aims should be completed (CompStatus 2)."""
    for d in deliveries(record):
        ref = d.text("LearnAimRef")
        if ref is not None and ref.upper() in BOOTCAMP_EVENT_AIMS and _status(d) != COMPLETED:
            yield Hit(d.at("CompStatus"))


@rule("CompStatus_10", years={"2026/27"}, source=SOURCE_V4)
def comp_status_10(record: Record, ctx: ValidationContext) -> Iterator[Hit]:
    """Achieved FM36 standard aims must not be continuing."""
    for d in deliveries(record):
        achieved = _outcome(d) == ACHIEVED and _status(d) == CONTINUING
        if achieved and is_standard(d, FM_APPRENTICESHIPS):
            yield Hit(d.at("CompStatus"))


@rule("CompStatus_11", years={"2026/27"}, source=SOURCE_V4)
def comp_status_11(record: Record, ctx: ValidationContext) -> Iterator[Hit]:
    """Apprenticeship unit aims (ProgType 34) must not be on a break in learning."""
    for d in deliveries(record):
        if d.number("ProgType") == PT_APPRENTICESHIP_UNITS and _status(d) == BREAK_IN_LEARNING:
            yield Hit(d.at("CompStatus"))


# --- Outcome -------------------------------------------------------------------------


@rule("Outcome_01")
def outcome_01(record: Record, ctx: ValidationContext) -> Iterator[Hit]:
    """A returned Outcome must be a valid ILR_Outcome code."""
    return _lookup_hits(record, ctx, "Outcome")


@rule("Outcome_04")
def outcome_04(record: Record, ctx: ValidationContext) -> Iterator[Hit]:
    """An achievement date needs the Outcome 'Achieved' (FM36 standards excluded)."""
    for d in deliveries(record):
        if not d.is_known("AchDate") or is_standard(d, FM_APPRENTICESHIPS):
            continue
        if _outcome(d) != ACHIEVED:
            yield Hit(d.at("Outcome"))


@rule("Outcome_05")
def outcome_05(record: Record, ctx: ValidationContext) -> Iterator[Hit]:
    """Achieved aims need an actual end date (Skills Bootcamps excluded)."""
    for d in deliveries(record):
        achieved = _outcome(d) == ACHIEVED
        if achieved and not d.is_known("LearnActEndDate") and not is_skills_bootcamp(d):
            yield Hit(d.at("LearnActEndDate"))


@rule("Outcome_09")
def outcome_09(record: Record, ctx: ValidationContext) -> Iterator[Hit]:
    """Outcome 8 (complete, outcome not known) needs CompStatus 2 (FM36/99 standard
    programmes and Skills Bootcamps excluded)."""
    for d in deliveries(record):
        if _outcome(d) != OUTCOME_NOT_KNOWN or _status(d) == COMPLETED:
            continue
        if not _standard_programme(d) and not is_skills_bootcamp(d):
            yield Hit(d.at("CompStatus"))


@rule("Outcome_10")
def outcome_10(record: Record, ctx: ValidationContext) -> Iterator[Hit]:
    """'No achievement' must not be returned with the status continuing."""
    for d in deliveries(record):
        if _outcome(d) == NO_ACHIEVEMENT and _status(d) == CONTINUING:
            yield Hit(d.at("Outcome"))


@rule("Outcome_11")
def outcome_11(record: Record, ctx: ValidationContext) -> Iterator[Hit]:
    """A returned Outcome needs an actual end date (Skills Bootcamps excluded)."""
    for d in deliveries(record):
        known = d.is_known("Outcome")
        if known and not d.is_known("LearnActEndDate") and not is_skills_bootcamp(d):
            yield Hit(d.at("LearnActEndDate"))


@rule("Outcome_12")
def outcome_12(record: Record, ctx: ValidationContext) -> Iterator[Hit]:
    """An actual end date needs an Outcome."""
    for d in deliveries(record):
        if d.is_known("LearnActEndDate") and not d.is_known("Outcome"):
            yield Hit(d.at("Outcome"))


@rule("Outcome_13", years={"2026/27"}, source=SOURCE_V4)
def outcome_13(record: Record, ctx: ValidationContext) -> Iterator[Hit]:
    """Achieved apprenticeship unit programme aims need the LDM 404 milestone record."""
    for d in deliveries(record):
        units = is_programme_aim(d) and d.number("ProgType") == PT_APPRENTICESHIP_UNITS
        if units and _outcome(d) == ACHIEVED and not d.has_fam("LDM", UNITS_MILESTONE_LDM):
            yield Hit(d.at("LearningDeliveryFAM"))


# --- Outcome grade -------------------------------------------------------------------


def _grade(d: Delivery) -> str | None:
    value = d.text("OutGrade")
    return value.upper() if value is not None else None


@rule("OutGrade_01")
def out_grade_01(record: Record, ctx: ValidationContext) -> Iterator[Hit]:
    """A returned Outcome grade must be a valid ILR_OutGrade (Appendix Q) code."""
    return _lookup_hits(record, ctx, "OutGrade")


@rule("OutGrade_04")
def out_grade_04(record: Record, ctx: ValidationContext) -> Iterator[Hit]:
    """No Outcome grade without an Outcome, or with Outcome 8."""
    for d in deliveries(record):
        pending = not d.is_known("Outcome") or _outcome(d) == OUTCOME_NOT_KNOWN
        if pending and d.is_known("OutGrade"):
            yield Hit(d.at("OutGrade"))


@rule("OutGrade_05")
def out_grade_05(record: Record, ctx: ValidationContext) -> Iterator[Hit]:
    """A fail grade (FL, U, N, X, Y) must not have the Outcome 'Achieved'."""
    for d in deliveries(record):
        if _grade(d) in FAIL_GRADES and _outcome(d) == ACHIEVED:
            yield Hit(d.at("Outcome"))


@rule("OutGrade_06")
def out_grade_06(record: Record, ctx: ValidationContext) -> Iterator[Hit]:
    """'No achievement' allows only a fail grade (FL, U, N, X, Y) or none."""
    for d in deliveries(record):
        grade = _grade(d)
        if _outcome(d) == NO_ACHIEVEMENT and grade is not None and grade not in FAIL_GRADES:
            yield Hit(d.at("OutGrade"))


# --- Withdrawal reason ---------------------------------------------------------------


@rule("WithdrawReason_02")
def withdraw_reason_02(record: Record, ctx: ValidationContext) -> Iterator[Hit]:
    """A returned Withdrawal reason must be a valid ILR_WithdrawReason code."""
    return _lookup_hits(record, ctx, "WithdrawReason")


@rule("WithdrawReason_03")
def withdraw_reason_03(record: Record, ctx: ValidationContext) -> Iterator[Hit]:
    """Withdrawn aims (CompStatus 3) need a Withdrawal reason."""
    for d in deliveries(record):
        if _status(d) == WITHDRAWN and not d.is_known("WithdrawReason"):
            yield Hit(d.at("WithdrawReason"))


@rule("WithdrawReason_04")
def withdraw_reason_04(record: Record, ctx: ValidationContext) -> Iterator[Hit]:
    """Continuing, completed or break-in-learning aims must not have a Withdrawal reason."""
    for d in deliveries(record):
        stays = _status(d) in (CONTINUING, COMPLETED, BREAK_IN_LEARNING)
        if stays and d.is_known("WithdrawReason"):
            yield Hit(d.at("WithdrawReason"))


@rule("WithdrawReason_05")
def withdraw_reason_05(record: Record, ctx: ValidationContext) -> Iterator[Hit]:
    """Reason 28 (OLASS learner withdrawn) only on OLASS aims (LDM 034)."""
    for d in deliveries(record):
        if d.number("WithdrawReason") == OLASS_WITHDRAWN and not is_olass(d):
            yield Hit(d.at("WithdrawReason"))


@rule("WithdrawReason_06")
def withdraw_reason_06(record: Record, ctx: ValidationContext) -> Iterator[Hit]:
    """Reason 48 (industry placement withdrawn) only on the ZWRKX002 aim."""
    for d in deliveries(record):
        if d.number("WithdrawReason") != INDUSTRY_PLACEMENT_WITHDRAWN:
            continue
        ref = d.text("LearnAimRef")
        if ref is None or ref.upper() != INDUSTRY_PLACEMENT_AIM:
            yield Hit(d.at("LearnAimRef"))
