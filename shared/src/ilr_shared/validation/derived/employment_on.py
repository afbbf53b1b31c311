"""Shared readers for the employment-status derived data (DD12, DD21, DD28, DD37, DD38)."""

from __future__ import annotations

from datetime import date

from ..access import Record, children, day, integer, text


def status_on(record: Record, on: date | None) -> Record | None:
    """The learner's employment status applying on a date: the latest record whose
    DateEmpStatApp is on or before it (None when the date or any such record is unknown)."""
    if on is None:
        return None
    best: tuple[date, Record] | None = None
    for _, status in children(record, "LearnerEmploymentStatus"):
        applies = day(status, "DateEmpStatApp")
        if applies is not None and applies <= on and (best is None or applies >= best[0]):
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
