"""Programmes and enrolments: identifiers, academic years, the ULN check digit, rollover."""

from __future__ import annotations

import secrets
import time
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from ilr_shared.errors import InvalidInputError, Problem
from ilr_shared.events import learner_schema_problems
from ilr_shared.ilr.years import supported_years, year_info
from ilr_shared.template import (
    IlrTemplate,
    RemovedCode,
    TemplateProblem,
    strip_invalid_codes,
    validate_template,
)

DEFAULT_ULN = 9_999_999_999
ACTIVE = "active"
WITHDRAWN = "withdrawn"


def new_id(prefix: str) -> str:
    """Time-ordered id (sorting by id = creation order, for cursor pagination)."""
    return f"{prefix}_{time.time_ns() // 1_000_000:012x}{secrets.token_hex(6)}"


def check_academic_year(academic_year: str, path: str = "body.academic_year") -> str:
    if academic_year not in supported_years():
        raise InvalidInputError(
            f"Academic year {academic_year!r} is not supported",
            [
                Problem(
                    path,
                    f"must be one of {', '.join(sorted(supported_years(), reverse=True))}",
                    "academic_year",
                )
            ],
        )
    return academic_year


def uln_check_digit(uln: int | str) -> int | None:
    """ULN_04 (DD01): the check digit a 10-digit ULN must end with; None when no digit fits."""
    digits = str(uln)
    if len(digits) != 10 or not digits.isdigit():
        return None
    remainder = sum(int(d) * w for d, w in zip(digits[:9], range(10, 1, -1), strict=True)) % 11
    return None if remainder == 0 else 10 - remainder


def uln_is_valid(uln: int | str) -> bool:
    """True for 9999999999 (the official 'not known' ULN, exempt from ULN_04) and for a
    10-digit ULN whose last digit is its check digit."""
    digits = str(uln)
    if digits == str(DEFAULT_ULN):
        return True
    check = uln_check_digit(digits)
    return check is not None and digits[-1] == str(check)


def template_problems(template: IlrTemplate, academic_year: str) -> list[Problem]:
    return [_as_problem(p) for p in validate_template(template, academic_year)]


def _as_problem(problem: TemplateProblem) -> Problem:
    return Problem(f"body.{problem.path}", problem.message, f"template.{problem.rule}")


def check_template(template: IlrTemplate, academic_year: str) -> None:
    problems = template_problems(template, academic_year)
    if problems:
        raise InvalidInputError("The ILR template is not valid", problems)


@dataclass(frozen=True, slots=True)
class ClonedTemplate:
    template: dict[str, Any] | None
    removed: list[RemovedCode]


def clone_template(source: Mapping[str, Any] | None, target_year: str) -> ClonedTemplate:
    """The source template for `target_year`: codes that year does not have are removed
    and reported (a rollover never silently keeps a retired code)."""
    if source is None:
        return ClonedTemplate(None, [])
    template, removed = strip_invalid_codes(source, target_year)
    return ClonedTemplate(template.as_document() if template else None, removed)


def check_enrolment_dates(academic_year: str, start: date, planned_end: date | None) -> None:
    problems = []
    if start > year_info(academic_year).end:
        problems.append(
            Problem(
                "body.LearnStartDate",
                f"starts after the end of the {academic_year} academic year",
                "date",
            )
        )
    if planned_end is not None and planned_end < start:
        problems.append(
            Problem("body.LearnPlanEndDate", "must not be before LearnStartDate", "date")
        )
    if problems:
        raise InvalidInputError("The enrolment dates are not valid", problems)


def check_learner(academic_year: str, learner: Mapping[str, Any]) -> None:
    """422 with field paths where the learner breaks the year's ILR schema (types,
    lengths, patterns, entity shapes); elements left out are no problem."""
    problems = [
        Problem(f"body.learner.{p.path}", p.message, p.code)
        for p in learner_schema_problems(academic_year, learner)
    ]
    if problems:
        raise InvalidInputError("The learner does not fit the ILR schema", problems)
