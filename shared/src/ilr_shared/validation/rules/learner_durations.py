"""Date of birth rules on apprenticeships: minimum planned and actual durations of
apprenticeship standard programmes by age, and the school leaving age (DateOfBirth_48)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta

from ..access import Delivery, Record, deliveries
from ..derived.dd04 import earliest_programme_start
from ..model import Hit, ValidationContext
from ..registry import LearnerCheck, rule
from .common import (
    APPRENTICESHIP_STANDARD,
    PROGRAMME_AIM,
    age_on,
    is_apprenticeship,
)
from .learner_helpers import birth_date

_COMPLETED = 2
_ACHIEVED = 1
_FRIDAY = 4
_SCHOOL_LEAVING_RULE_FROM = date(2016, 8, 1)


@dataclass(frozen=True)
class MinimumDuration:
    """One minimum-duration rule: programme aims of the funding models, starting in the
    window, for learners of ``min_age`` or over at the start, must last ``min_days``."""

    name: str
    fund_models: frozenset[int]
    first_start: date | None
    last_start: date | None
    min_age: int | None
    actual: bool  # LearnActEndDate (finished aims) rather than LearnPlanEndDate
    finished: tuple[str, int] | None  # the field and value that make an aim finished
    min_days: int

    def in_scope(self, delivery: Delivery, start: date) -> bool:
        if delivery.number("FundModel") not in self.fund_models:
            return False
        if delivery.number("ProgType") != APPRENTICESHIP_STANDARD:
            return False
        if delivery.number("AimType") != PROGRAMME_AIM or delivery.has_fam("RES"):
            return False
        if self.first_start is not None and start < self.first_start:
            return False
        return self.last_start is None or start <= self.last_start

    def old_enough(self, record: Record, start: date) -> bool:
        if self.min_age is None:
            return True
        birth = birth_date(record)
        return birth is not None and age_on(birth, start) >= self.min_age

    def too_short(self, delivery: Delivery, start: date) -> bool:
        if self.finished is not None:
            field, value = self.finished
            if delivery.number(field) != value:
                return False
        end = delivery.day(self.end_field)
        return end is not None and (end - start).days < self.min_days

    @property
    def end_field(self) -> str:
        return "LearnActEndDate" if self.actual else "LearnPlanEndDate"


def _duration_rule(spec: MinimumDuration) -> LearnerCheck:
    def check(record: Record, ctx: ValidationContext) -> Iterator[Hit]:
        for d in deliveries(record):
            start = d.day("LearnStartDate")
            if start is None or not spec.in_scope(d, start):
                continue
            if spec.old_enough(record, start) and spec.too_short(d, start):
                yield Hit(d.at(spec.end_field))

    kind = "actual" if spec.actual else "planned"
    check.__doc__ = (
        f"The {kind} duration of an apprenticeship standard programme (FM "
        f"{sorted(spec.fund_models)}) must be at least {spec.min_days} days (restarts excluded)."
    )
    return check


_FM_35_81, _FM_81_36, _FM_36 = frozenset({35, 81}), frozenset({81, 36}), frozenset({36})
_JUL_2016, _AUG_2016 = date(2016, 7, 31), date(2016, 8, 1)
_JUL_2025, _AUG_2025 = date(2025, 7, 31), date(2025, 8, 1)
_DONE, _ACHIEVED_AIM = ("CompStatus", _COMPLETED), ("Outcome", _ACHIEVED)
DURATION_RULES = (
    MinimumDuration("DateOfBirth_37", _FM_35_81, date(2014, 8, 1), _JUL_2016, 19, False, None, 365),
    MinimumDuration("DateOfBirth_40", _FM_35_81, None, _JUL_2016, 19, True, _ACHIEVED_AIM, 365),
    MinimumDuration("DateOfBirth_46", _FM_81_36, _AUG_2016, _JUL_2025, 16, False, None, 365),
    MinimumDuration("DateOfBirth_47", _FM_81_36, _AUG_2016, _JUL_2025, None, True, _DONE, 365),
    MinimumDuration("DateOfBirth_57", _FM_36, _AUG_2025, None, 16, False, None, 242),
    MinimumDuration("DateOfBirth_58", _FM_36, _AUG_2025, None, None, True, _DONE, 242),
)  # fmt: skip
for _spec in DURATION_RULES:
    rule(_spec.name)(_duration_rule(_spec))


def last_friday_of_june_turning_16(birth: date) -> date:
    """The last Friday in June of the academic year (1 September - 31 August) in which
    the learner turns 16."""
    turns_16 = birth.year + 16
    june_year = min(turns_16 + 1 if birth.month >= 9 else turns_16, date.max.year)
    last = date(june_year, 6, 30)
    return last - timedelta(days=(last.weekday() - _FRIDAY) % 7)


@rule("DateOfBirth_48")
def date_of_birth_48(record: Record, ctx: ValidationContext) -> Iterator[Hit]:
    """Apprenticeships starting from 1 August 2016 must start (DD04) after the last
    Friday in June of the academic year in which the learner turns 16."""
    birth = birth_date(record)
    if birth is None:
        return
    leaving = last_friday_of_june_turning_16(birth)
    for d in deliveries(record):
        start = d.day("LearnStartDate")
        if start is None or start < _SCHOOL_LEAVING_RULE_FROM or not is_apprenticeship(d):
            continue
        programme_start = earliest_programme_start(record, d)
        if programme_start is not None and programme_start <= leaving:
            yield Hit(d.at("LearnStartDate"))
