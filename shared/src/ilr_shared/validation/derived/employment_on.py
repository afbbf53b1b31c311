"""Shared readers for the employment-status derived data (DD12, DD21, DD28, DD37, DD38)."""

from __future__ import annotations

from datetime import date

from ..access import Record, children, day, integer, learner_memo, text


def _dated_statuses(record: Record) -> tuple[tuple[date, Record], ...]:
    """(DateEmpStatApp, status) of each status with a readable date, in file order."""
    return tuple(
        (applies, status)
        for _, status in children(record, "LearnerEmploymentStatus")
        if (applies := day(status, "DateEmpStatApp")) is not None
    )


def dated_statuses(record: Record) -> tuple[tuple[date, Record], ...]:
    """The learner's dated employment statuses, read once per learner."""
    return learner_memo(record, "employment_on.dated", _dated_statuses)


def status_on(record: Record, on: date | None) -> Record | None:
    """The learner's employment status applying on a date: the latest record whose
    DateEmpStatApp is on or before it (None when the date or any such record is unknown)."""
    if on is None:
        return None
    best: tuple[date, Record] | None = None
    for applies, status in dated_statuses(record):
        if applies <= on and (best is None or applies >= best[0]):
            best = (applies, status)
    return best[1] if best else None


def emp_stat(status: Record | None) -> int | None:
    return integer(status, "EmpStat") if status is not None else None


def has_monitoring(status: Record | None, esm_type: str, codes: frozenset[int]) -> bool:
    """The status carries an EmploymentStatusMonitoring of the type with one of the codes."""
    if status is None:
        return False
    for _, esm in children(status, "EmploymentStatusMonitoring"):
        kind = text(esm, "ESMType")
        if kind is not None and kind.upper() == esm_type and integer(esm, "ESMCode") in codes:
            return True
    return False
