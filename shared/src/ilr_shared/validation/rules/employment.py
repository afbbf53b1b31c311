"""Employment status rules on each LearnerEmploymentStatus record, and the shared readers.

"The employment status on the learning start date" is the status with the latest
DateEmpStatApp on or before the aim's LearnStartDate (``status_at_start``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date
from functools import cached_property

from ..access import Delivery, Record, children, day, integer, learner_memo, text
from ..derived.dd05 import emp_id_check_digit
from ..derived.employment_on import status_on
from ..model import Hit, ValidationContext
from ..registry import EMPLOYERS, needs_reference_data, rule
from .common import valid_lookup, valid_typed_lookup
from .he import code_valid_to

needs_reference_data((EMPLOYERS,), "EmpId_01")

STATUSES = "LearnerEmploymentStatus"
MONITORING = "EmploymentStatusMonitoring"
EMPLOYED = 10
LOOKING_FOR_WORK = 11
NOT_EMPLOYED = frozenset({11, 12})
DEFAULT_EMP_ID = "999999999"
_SINGLE_ESM_TYPES = frozenset({"SEI", "EII", "LOU", "LOE", "BSI", "PEI", "SEM"})
_AUG_1990 = date(1990, 8, 1)
_AUG_2012 = date(2012, 8, 1)
_AUG_2013 = date(2013, 8, 1)


@dataclass(frozen=True)
class Status:
    """A LearnerEmploymentStatus with its position, for building field paths."""

    index: int
    data: Record

    def at(self, field: str) -> str:
        return f"{STATUSES}[{self.index}].{field}"

    @property
    def emp_stat(self) -> int | None:
        return integer(self.data, "EmpStat")

    @property
    def applies(self) -> date | None:
        return day(self.data, "DateEmpStatApp")

    def monitors(self) -> tuple[tuple[int, str | None, str | None], ...]:
        """(index, upper-case ESMType, ESMCode) of each monitoring record."""
        return self._monitors

    @cached_property
    def _monitors(self) -> tuple[tuple[int, str | None, str | None], ...]:
        """The monitoring records, read once per status (a status lives for one pass)."""
        found = []
        for index, esm in children(self.data, MONITORING):
            kind = text(esm, "ESMType")
            found.append((index, kind.upper() if kind else None, text(esm, "ESMCode")))
        return tuple(found)

    def monitor_path(self, index: int, field: str) -> str:
        return self.at(f"{MONITORING}[{index}].{field}")

    def has_type(self, esm_type: str) -> bool:
        return any(kind == esm_type for _, kind, _ in self.monitors())

    def first_of(self, esm_type: str) -> int | None:
        return next((i for i, kind, _ in self.monitors() if kind == esm_type), None)

    def codes_of(self, esm_type: str) -> list[tuple[int, int | None]]:
        return [
            (i, int(code) if code is not None and code.isdigit() else None)
            for i, kind, code in self.monitors()
            if kind == esm_type
        ]


def _read_statuses(record: Record) -> tuple[Status, ...]:
    return tuple(Status(index, data) for index, data in children(record, STATUSES))


def statuses(record: Record) -> tuple[Status, ...]:
    """The learner's employment statuses in file order, read once per learner."""
    return learner_memo(record, "employment.statuses", _read_statuses)


def status_at_start(record: Record, delivery: Delivery) -> Status | None:
    """The employment status that applies on the aim's learning start date."""
    found = status_on(record, delivery.day("LearnStartDate"))
    if found is None:
        return None
    return next((s for s in statuses(record) if s.data is found), None)


# --- Date employment status applies ------------------------------------------------------


@rule("DateEmpStatApp_01")
def date_emp_stat_app_01(record: Record, ctx: ValidationContext) -> Iterator[Hit]:
    """The date employment status applies must not be after the current teaching year."""
    for status in statuses(record):
        if status.applies is not None and status.applies > ctx.year_end:
            yield Hit(status.at("DateEmpStatApp"))


@rule("DateEmpStatApp_02")
def date_emp_stat_app_02(record: Record, ctx: ValidationContext) -> Iterator[Hit]:
    """The date employment status applies must not be before 1 August 1990."""
    for status in statuses(record):
        if status.applies is not None and status.applies < _AUG_1990:
            yield Hit(status.at("DateEmpStatApp"))


# --- Employment status monitoring --------------------------------------------------------


@rule("ESMType_01")
def esm_type_01(record: Record, ctx: ValidationContext) -> Iterator[Hit]:
    """The ESMCode must be a valid code for its ESMType."""
    for status in statuses(record):
        for index, kind, code in status.monitors():
            if kind is not None and not valid_typed_lookup(
                ctx, "ESMType", "ESMCode", kind, code or ""
            ):
                yield Hit(status.monitor_path(index, "ESMCode"))


@rule("ESMType_11")
def esm_type_11(record: Record, ctx: ValidationContext) -> Iterator[Hit]:
    """The date employment status applies must not be after the ESMCode's 'Valid to' date."""
    for status in statuses(record):
        applies = status.applies
        if applies is None:
            continue
        for index, kind, code in status.monitors():
            last = code_valid_to(ctx, f"ESMCode.{kind}", code) if kind else None
            if last is not None and applies > last:
                yield Hit(status.monitor_path(index, "ESMCode"))


def _status_rule(name: str, check: Callable[[Status], str | None]) -> None:
    """Register a rule that checks each employment status record on its own; ``check``
    returns the failing field of the record (relative to it) or None."""

    def run(record: Record, ctx: ValidationContext) -> Iterator[Hit]:
        for status in statuses(record):
            failed = check(status)
            if failed is not None:
                yield Hit(status.at(failed))

    run.__doc__ = check.__doc__
    rule(name)(run)


def _monitor_field(status: Status, esm_type: str) -> str | None:
    index = status.first_of(esm_type)
    return None if index is None else f"{MONITORING}[{index}].ESMType"


def _esm_02(status: Status) -> str | None:
    """Employed since 1 August 2012: an Employment intensity indicator (EII) is needed."""
    applies = status.applies
    if status.emp_stat != EMPLOYED or applies is None or applies < _AUG_2012:
        return None
    return None if status.has_type("EII") else "EmpStat"


def _esm_05(status: Status) -> str | None:
    """In paid employment: the Length of unemployment (LOU) must not be returned."""
    return _monitor_field(status, "LOU") if status.emp_stat == EMPLOYED else None


def _esm_07(status: Status) -> str | None:
    """Self employed (SEI): the employment status must be 'In paid employment'."""
    if status.emp_stat is None or status.emp_stat == EMPLOYED:
        return None
    return _monitor_field(status, "SEI")


def _esm_10(status: Status) -> str | None:
    """Not in paid employment: the Length of employment (LOE) must not be returned."""
    return _monitor_field(status, "LOE") if status.emp_stat in NOT_EMPLOYED else None


def _esm_12(status: Status) -> str | None:
    """Not employed since 1 August 2013: no EII or SEI indicator."""
    applies = status.applies
    if status.emp_stat not in NOT_EMPLOYED or applies is None or applies < _AUG_2013:
        return None
    return _monitor_field(status, "EII") or _monitor_field(status, "SEI")


def _esm_15(status: Status) -> str | None:
    """SEI, EII, LOU, LOE, BSI, PEI and SEM may each occur only once per status."""
    seen: set[str] = set()
    for index, kind, _ in status.monitors():
        if kind in _SINGLE_ESM_TYPES:
            if kind in seen:
                return f"{MONITORING}[{index}].ESMType"
            seen.add(kind)
    return None


def _esm_18(status: Status) -> str | None:
    """In paid employment: the OET 'made redundant' code (1) must not be returned."""
    if status.emp_stat != EMPLOYED:
        return None
    return next((f"{MONITORING}[i].ESMCode" for i, c in status.codes_of("OET") if c == 1), None)


def _esm_19(status: Status) -> str | None:
    """OET 'Small or Medium Employer' (2): the status must be 'In paid employment'."""
    if status.emp_stat == EMPLOYED:
        return None
    found = next((i for i, code in status.codes_of("OET") if code == 2), None)
    return None if found is None else f"{MONITORING}[{found}].ESMCode"


def _esm_20(status: Status) -> str | None:
    """The same OET code must not occur twice on one employment status."""
    seen: set[int | None] = set()
    for index, code in status.codes_of("OET"):
        if code in seen:
            return f"{MONITORING}[{index}].ESMCode"
        seen.add(code)
    return None


def _bad_emp_id(status: Status) -> bool:
    """The EmpId is returned, is not 999999999 and fails the DD05 checksum (a value that is
    not a number has no check digit)."""
    value = text(status.data, "EmpId")
    if value is None or value == DEFAULT_EMP_ID:
        return False
    return not value.isdigit() or emp_id_check_digit(value) != value[-1]


for _name, _check in (
    ("ESMType_02", _esm_02),
    ("ESMType_05", _esm_05),
    ("ESMType_07", _esm_07),
    ("ESMType_10", _esm_10),
    ("ESMType_12", _esm_12),
    ("ESMType_15", _esm_15),
    ("ESMType_18", _esm_18),
    ("ESMType_19", _esm_19),
    ("ESMType_20", _esm_20),
):
    _status_rule(_name, _check)


@rule(
    "EmpId_02",
    note="The 2025/26 CSV repeats EmpId_01's text for EmpId_02; the DD05 checksum runs in both.",
)
def emp_id_02(record: Record, ctx: ValidationContext) -> Iterator[Hit]:
    """The EmpId must pass the DD05 checksum (999999999 excepted)."""
    for status in statuses(record):
        if _bad_emp_id(status):
            yield Hit(status.at("EmpId"))


# --- Employment status -------------------------------------------------------------------


@rule("EmpStat_05")
def emp_stat_05(record: Record, ctx: ValidationContext) -> Iterator[Hit]:
    """If returned, the EmpStat must be a valid code."""
    for status in statuses(record):
        value = text(status.data, "EmpStat")
        if value is not None and not valid_lookup(ctx, "EmpStat", value):
            yield Hit(status.at("EmpStat"))
