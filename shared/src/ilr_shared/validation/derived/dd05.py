"""DD05: the check digit of a learner's employer identifier (EmpId)."""

from __future__ import annotations

from ..registry import derived_data

INVALID = "X"


def employer_check_digit(identifier: str) -> str:
    """The ERN check digit of the first eight characters: 11 - (weighted sum mod 11) with
    weights 9..2, 11 giving '0'; 'X' for 10, a non-numeric value or a length other than 9."""
    if len(identifier) != 9 or not (identifier[:8].isascii() and identifier[:8].isdigit()):
        return INVALID
    total = sum(int(d) * w for d, w in zip(identifier[:8], range(9, 1, -1), strict=True))
    result = 11 - total % 11
    if result == 11:
        return "0"
    return INVALID if result == 10 else str(result)


@derived_data("DD05")
def emp_id_check_digit(emp_id: str) -> str:
    """DD05: the check digit LearnerEmploymentStatus.EmpId should end with ('X' if none)."""
    return employer_check_digit(emp_id)
