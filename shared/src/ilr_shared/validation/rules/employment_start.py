"""Employment status rules on the status applying at an aim's start date (EmpStat, EmpId,
ESMType, AgreemId), or requiring a status to exist before it."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import date

from ..access import Delivery, Record, day, deliveries, integer, is_known, same_code
from ..model import Hit, ValidationContext
from ..registry import SOURCE_CSV, SOURCE_V4, rule
from .common import PROGRAMME_AIM, age_on, is_apprenticeship
from .employment import (
    EMPLOYED,
    LOOKING_FOR_WORK,
    NOT_EMPLOYED,
    status_at_start,
    statuses,
)

UNKNOWN_STATUS = 98
APPRENTICESHIP_UNIT = 34
_STRATEGIC_LDM = ("353", "355")
_WORK_BENEFITS = frozenset({1, 4, 5})
_AUG_2012 = date(2012, 8, 1)
_AUG_2013 = date(2013, 8, 1)
_AUG_2014 = date(2014, 8, 1)
_JUL_2014 = date(2014, 7, 31)
_AUG_2016 = date(2016, 8, 1)
_STUDY_PROGRAMME_HOURS = 540


def has_status_before(record: Record, start: date, *, inclusive: bool = False) -> bool:
    """Some status applies before (or, inclusive, on or before) the start date."""
    for status in statuses(record):
        applies = status.applies
        if applies is not None and (applies < start or (inclusive and applies == start)):
            return True
    return False


def _august_31_of_start_year(start: date) -> date:
    """31 August of the teaching year in which the learning started."""
    return date(start.year if start.month >= 8 else start.year - 1, 8, 31)


def _adult_at_start(record: Record, start: date) -> bool:
    """The learner is 19 or over on 31 August of the teaching year the aim started in."""
    birth = day(record, "DateOfBirth")
    return birth is not None and age_on(birth, _august_31_of_start_year(start)) >= 19


def _apprenticeship_programmes(record: Record) -> Iterator[Delivery]:
    for delivery in deliveries(record):
        if is_apprenticeship(delivery) and delivery.number("AimType") == PROGRAMME_AIM:
            yield delivery


# --- Rules on the status applying at an aim's start ---------------------------------------


@rule("ESMType_08")
def esm_type_08(record: Record, ctx: ValidationContext) -> Iterator[Hit]:
    """Looking for work since 1 August 2012: the Length of unemployment (LOU) is needed;
    learners with 16-19 (FM 25, 82) or Skills Bootcamp (FM 37) aims are excluded."""
    if any(d.number("FundModel") in {25, 82, 37} for d in deliveries(record)):
        return
    for status in statuses(record):
        applies = status.applies
        if status.emp_stat != LOOKING_FOR_WORK or applies is None or applies < _AUG_2012:
            continue
        if not status.has_type("LOU"):
            yield Hit(status.at("EmpStat"))


@rule("ESMType_09")
def esm_type_09(record: Record, ctx: ValidationContext) -> Iterator[Hit]:
    """Apprenticeship programme aims: an employed status (since 1 August 2013) applying at
    the start needs a Length of employment (LOE)."""
    for delivery in _apprenticeship_programmes(record):
        status = status_at_start(record, delivery)
        if status is None or status.emp_stat != EMPLOYED:
            continue
        applies = status.applies
        if applies is not None and applies >= _AUG_2013 and not status.has_type("LOE"):
            yield Hit(status.at("EmpStat"))


@rule("ESMType_16")
def esm_type_16(record: Record, ctx: ValidationContext) -> Iterator[Hit]:
    """Apprenticeship standards: a Small employer indicator (SEM 1) needs a status that is
    not 'Not in paid employment'."""
    if not any(d.number("ProgType") == 25 for d in deliveries(record)):
        return
    for status in statuses(record):
        if status.emp_stat not in NOT_EMPLOYED:
            continue
        for index, code in status.codes_of("SEM"):
            if code == 1:
                yield Hit(status.monitor_path(index, "ESMCode"))


@rule("ESMType_17")
def esm_type_17(record: Record, ctx: ValidationContext) -> Iterator[Hit]:
    """Sector-based work academy aims (LDM 375) need a work-related benefit (BSI 1, 4 or 5)
    on the status applying at the start."""
    for delivery in deliveries(record):
        fam = _fam_index(delivery, "LDM", "375")
        if fam is None:
            continue
        status = status_at_start(record, delivery)
        codes = {code for _, code in status.codes_of("BSI")} if status else set()
        if not codes & _WORK_BENEFITS:
            yield Hit(delivery.at(f"LearningDeliveryFAM[{fam}].LearnDelFAMCode"))


@rule("ESMType_21", years={"2026/27"}, source=SOURCE_V4)
def esm_type_21(record: Record, ctx: ValidationContext) -> Iterator[Hit]:
    """Apprenticeship Unit programme aims (ProgType 34): the status applying at the start
    needs a Length of employment (LOE)."""
    for delivery in deliveries(record):
        if delivery.number("ProgType") != APPRENTICESHIP_UNIT:
            continue
        if delivery.number("AimType") != PROGRAMME_AIM:
            continue
        status = status_at_start(record, delivery)
        if status is None or not status.has_type("LOE"):
            yield Hit(status.at("EmpStat") if status else delivery.at("LearnStartDate"))


def _fam_index(delivery: Delivery, fam_type: str, code: str) -> int | None:
    return next(
        (
            index
            for index, kind, value in delivery.fams()
            if kind is not None and kind.upper() == fam_type and same_code(value, code)
        ),
        None,
    )


# --- Employer identifier -----------------------------------------------------------------


@rule("EmpId_10")
def emp_id_10(record: Record, ctx: ValidationContext) -> Iterator[Hit]:
    """Apprenticeship programme aims: an employed status at the start needs an EmpId."""
    for delivery in _apprenticeship_programmes(record):
        status = status_at_start(record, delivery)
        if status is None or status.emp_stat != EMPLOYED:
            continue
        if not is_known(status.data, "EmpId"):
            yield Hit(status.at("EmpStat"))


_APPRENTICESHIP_PROG_TYPES = {
    "2025/26": frozenset({2, 3, 20, 21, 22, 23, 25}),
    "2026/27": frozenset({25}),
}


@rule("EmpId_14")
def emp_id_14(record: Record, ctx: ValidationContext) -> Iterator[Hit]:
    """Apprentices: a 'Not in paid employment' status must not carry an EmpId."""
    prog_types = _APPRENTICESHIP_PROG_TYPES.get(ctx.academic_year, frozenset())
    if not any(d.number("ProgType") in prog_types for d in deliveries(record)):
        return
    for status in statuses(record):
        if status.emp_stat in NOT_EMPLOYED and is_known(status.data, "EmpId"):
            yield Hit(status.at("EmpId"))


AimCheck = Callable[[Record, Delivery, date, ValidationContext], bool]


def _missing_status_rule(
    name: str,
    applies: AimCheck,
    *,
    inclusive: bool,
    years: set[str] | None = None,
    note: str = "",
) -> None:
    """Register a rule: aims where ``applies`` holds need a status dated before (or, when
    inclusive, on or before) their learning start date."""

    def run(record: Record, ctx: ValidationContext) -> Iterator[Hit]:
        for delivery in deliveries(record):
            start = delivery.day("LearnStartDate")
            if start is None or not applies(record, delivery, start, ctx):
                continue
            if not has_status_before(record, start, inclusive=inclusive):
                yield Hit(delivery.at("LearnStartDate"))

    run.__doc__ = applies.__doc__
    rule(name, years=years, note=note)(run)


def _is_community_learning(delivery: Delivery) -> bool:
    return delivery.number("FundModel") == 99 and delivery.has_fam("SOF", "108")


def _emp_stat_01(record: Record, delivery: Delivery, start: date, ctx: ValidationContext) -> bool:
    """Adult skills / non-funded starts from 1 August 2012 to 31 July 2014 (19+) need a
    status on or before the start; community learning and apprenticeships excluded."""
    return (
        _AUG_2012 <= start <= _JUL_2014
        and delivery.number("FundModel") in {35, 81, 99}
        and not _is_community_learning(delivery)
        and not is_apprenticeship(delivery)
        and _adult_at_start(record, start)
    )


def _emp_stat_02(record: Record, delivery: Delivery, start: date, ctx: ValidationContext) -> bool:
    """Apprenticeship programme aims starting on or before 31 July 2014 need a status on or
    before the start."""
    return (
        is_apprenticeship(delivery)
        and delivery.number("AimType") == PROGRAMME_AIM
        and start <= _JUL_2014
    )


def _emp_stat_08(record: Record, delivery: Delivery, start: date, ctx: ValidationContext) -> bool:
    """Adult skills, Skills Bootcamp or non-funded starts from 1 August 2014 (19+) need a
    status before the start; apprenticeships (and, in 2025/26, community learning) excluded."""
    if ctx.academic_year == "2025/26" and _is_community_learning(delivery):
        return False
    return (
        start >= _AUG_2014
        and delivery.number("FundModel") in {35, 37, 81, 99}
        and not is_apprenticeship(delivery)
        and _adult_at_start(record, start)
    )


def _emp_stat_09(record: Record, delivery: Delivery, start: date, ctx: ValidationContext) -> bool:
    """Apprenticeship programme aims starting from 1 August 2014 need a status before the
    start."""
    return (
        is_apprenticeship(delivery)
        and delivery.number("AimType") == PROGRAMME_AIM
        and start >= _AUG_2014
    )


def _emp_stat_11(record: Record, delivery: Delivery, start: date, ctx: ValidationContext) -> bool:
    """16-19 (FM 25, 82) starts from 1 August 2014 with under 540 planned learning plus EEP
    hours need a status before the start."""
    hours = (integer(record, "PlanLearnHours") or 0) + (integer(record, "PlanEEPHours") or 0)
    return (
        start >= _AUG_2014
        and delivery.number("FundModel") in {25, 82}
        and hours < _STUDY_PROGRAMME_HOURS
    )


def _emp_stat_21(record: Record, delivery: Delivery, start: date, ctx: ValidationContext) -> bool:
    """Adult Skills Fund (FM 38) aims of learners 19 or over need a status before the start."""
    return delivery.number("FundModel") == 38 and _adult_at_start(record, start)


def _emp_stat_22(record: Record, delivery: Delivery, start: date, ctx: ValidationContext) -> bool:
    """Tailored Learning (FM 11) aims need a status on or before the start."""
    return delivery.number("FundModel") == 11


_missing_status_rule("EmpStat_01", _emp_stat_01, inclusive=True, years={"2025/26"})
_missing_status_rule("EmpStat_02", _emp_stat_02, inclusive=True, years={"2025/26"})
_missing_status_rule("EmpStat_08", _emp_stat_08, inclusive=False)
_missing_status_rule(
    "EmpStat_09",
    _emp_stat_09,
    inclusive=False,
    note="The 2025/26 CSV repeats EmpStat_08's text for EmpStat_09; the 2026/27 text runs in both.",
)
_missing_status_rule("EmpStat_11", _emp_stat_11, inclusive=False)
_missing_status_rule("EmpStat_21", _emp_stat_21, inclusive=False)
_missing_status_rule("EmpStat_22", _emp_stat_22, inclusive=True)


AimFilter = Callable[[Delivery, ValidationContext], bool]


def _employed_at_start_rule(
    name: str, aims: AimFilter, *, years: set[str] | None = None, source: str = SOURCE_CSV
) -> None:
    """Register a rule: aims where ``aims`` holds must be 'In paid employment' on their
    start date (no applicable status counts as not employed)."""

    def run(record: Record, ctx: ValidationContext) -> Iterator[Hit]:
        for delivery in deliveries(record):
            if delivery.day("LearnStartDate") is None or not aims(delivery, ctx):
                continue
            status = status_at_start(record, delivery)
            if status is None:
                yield Hit(delivery.at("LearnStartDate"))
            elif status.emp_stat != EMPLOYED:
                yield Hit(status.at("EmpStat"))

    run.__doc__ = aims.__doc__
    rule(name, years=years, source=source)(run)


def _emp_stat_12(delivery: Delivery, ctx: ValidationContext) -> bool:
    """Apprenticeship programme aims should be employed at the start (LDM 353, 355 excluded)."""
    return (
        is_apprenticeship(delivery)
        and delivery.number("AimType") == PROGRAMME_AIM
        and not any(delivery.has_fam("LDM", code) for code in _STRATEGIC_LDM)
    )


def _emp_stat_20(delivery: Delivery, ctx: ValidationContext) -> bool:
    """Aims for learners on low wages (LDM 363) must be employed at the start."""
    return delivery.has_fam("LDM", "363")


def _emp_stat_23(delivery: Delivery, ctx: ValidationContext) -> bool:
    """Apprenticeship Unit aims (LDM 403, AimType 4) must be employed at the start."""
    return delivery.has_fam("LDM", "403") and delivery.number("AimType") == 4


def _emp_stat_24(delivery: Delivery, ctx: ValidationContext) -> bool:
    """Apprenticeship Unit programme aims (ProgType 34) must be employed at the start."""
    return (
        delivery.number("ProgType") == APPRENTICESHIP_UNIT
        and delivery.number("AimType") == PROGRAMME_AIM
    )


_employed_at_start_rule("EmpStat_12", _emp_stat_12)
_employed_at_start_rule("EmpStat_20", _emp_stat_20)
_employed_at_start_rule("EmpStat_23", _emp_stat_23, years={"2026/27"}, source=SOURCE_V4)
_employed_at_start_rule("EmpStat_24", _emp_stat_24, years={"2026/27"}, source=SOURCE_V4)


@rule("EmpStat_15")
def emp_stat_15(record: Record, ctx: ValidationContext) -> Iterator[Hit]:
    """Apprenticeship programme aims starting from 1 August 2016 must not have an unknown
    (98) status at the start (LDM 353, 355 excluded in 2025/26)."""
    for delivery in _apprenticeship_programmes(record):
        start = delivery.day("LearnStartDate")
        if start is None or start < _AUG_2016:
            continue
        if ctx.academic_year == "2025/26" and any(
            delivery.has_fam("LDM", code) for code in _STRATEGIC_LDM
        ):
            continue
        status = status_at_start(record, delivery)
        if status is not None and status.emp_stat == UNKNOWN_STATUS:
            yield Hit(status.at("EmpStat"))


@rule("AgreemId_01", years={"2026/27"}, source=SOURCE_V4)
def agreem_id_01(record: Record, ctx: ValidationContext) -> Iterator[Hit]:
    """Growth and Skills short course (FM 39) programme aims need an AgreemId on a status
    dated on or before the start (restarts excluded)."""
    for delivery in deliveries(record):
        start = delivery.day("LearnStartDate")
        if start is None or delivery.number("FundModel") != 39:
            continue
        if delivery.number("AimType") != PROGRAMME_AIM or delivery.has_fam("RES"):
            continue
        if not any(
            status.applies is not None
            and status.applies <= start
            and is_known(status.data, "AgreemId")
            for status in statuses(record)
        ):
            yield Hit(delivery.at("LearnStartDate"))
