"""DD14: the check digit of a work placement employer identifier (WorkPlaceEmpId)."""

from __future__ import annotations

from ..registry import derived_data
from .dd05 import employer_check_digit


@derived_data("DD14")
def work_place_emp_id_check_digit(work_place_emp_id: str) -> str:
    """DD14: the check digit WorkPlaceEmpId should end with ('X' if none)."""
    return employer_check_digit(work_place_emp_id)
