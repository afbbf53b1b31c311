"""The return calendar: the ILR return periods R01-R14 of each collection year, their census
dates and submission deadlines, and which period a build is for. Pure logic, no I/O."""

from __future__ import annotations

import datetime as dt
import itertools
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

PERIODS: tuple[str, ...] = tuple(f"R{n:02d}" for n in range(1, 15))
PERIOD_PATTERN = r"^R(0[1-9]|1[0-4])$"
_YEAR = re.compile(r"^\d{4}/\d{2}$")


class CalendarError(ValueError):
    """The calendar's data is not usable; `problems` lists every fault found."""

    def __init__(self, problems: Sequence[str]) -> None:
        super().__init__("the return calendar is not valid: " + "; ".join(problems))
        self.problems = list(problems)


@dataclass(frozen=True, slots=True)
class ReturnPeriod:
    academic_year: str
    period: str  # "R01" .. "R14"
    census_date: dt.date
    deadline: dt.date

    def as_dict(self) -> dict[str, str]:
        return {"period": self.period, "census_date": self.census_date.isoformat(),
                "deadline": self.deadline.isoformat()}  # fmt: skip


@dataclass(frozen=True, slots=True)
class ReturnCalendar:
    years: Mapping[str, tuple[ReturnPeriod, ...]]

    def periods_of(self, academic_year: str) -> tuple[ReturnPeriod, ...]:
        """The year's periods in order (empty when the calendar does not hold the year)."""
        return self.years.get(academic_year, ())

    def find(self, academic_year: str, period: str) -> ReturnPeriod | None:
        return next((p for p in self.periods_of(academic_year) if p.period == period), None)

    def open_period(self, academic_year: str, today: dt.date) -> ReturnPeriod | None:
        """The open period: the one whose deadline is next from `today` (that day included);
        None once the year's last return has closed."""
        return next((p for p in self.periods_of(academic_year) if p.deadline >= today), None)


def parse_calendar(data: Any) -> ReturnCalendar:
    """A calendar from its JSON form `{"years": {"2026/27": [{"period", "census_date",
    "deadline"}, ...]}}`: every year lists R01-R14 once each, in order, deadlines rising and
    never before their census date. Raises CalendarError with every problem found."""
    years = data.get("years") if isinstance(data, Mapping) else None
    if not isinstance(years, Mapping) or not years:
        raise CalendarError(['"years" must map academic years ("2026/27") to their periods'])
    problems: list[str] = []
    parsed: dict[str, tuple[ReturnPeriod, ...]] = {}
    for year, entries in years.items():
        if not isinstance(year, str) or not _YEAR.match(year):
            problems.append(f"{year!r} is not an academic year like 2026/27")
            continue
        periods, found = _parse_year(year, entries)
        problems += found
        parsed[year] = periods
    if problems:
        raise CalendarError(problems)
    return ReturnCalendar(parsed)


def _parse_year(year: str, entries: Any) -> tuple[tuple[ReturnPeriod, ...], list[str]]:
    if not isinstance(entries, list):
        return (), [f"{year}: a list of periods is expected"]
    problems: list[str] = []
    periods: list[ReturnPeriod] = []
    for index, entry in enumerate(entries):
        try:
            periods.append(_parse_period(year, entry))
        except (KeyError, TypeError, ValueError) as exc:
            problems.append(f"{year} entry {index + 1}: {exc}")
    if problems:
        return (), problems
    return tuple(periods), _order_problems(year, periods)


def _parse_period(year: str, entry: Any) -> ReturnPeriod:
    if not isinstance(entry, Mapping):
        raise TypeError("an object with period, census_date and deadline is expected")
    period = entry["period"]
    if not isinstance(period, str) or not re.match(PERIOD_PATTERN, period):
        raise ValueError(f"period {period!r} is not one of R01-R14")
    census = dt.date.fromisoformat(str(entry["census_date"]))
    deadline = dt.date.fromisoformat(str(entry["deadline"]))
    return ReturnPeriod(year, period, census, deadline)


def _order_problems(year: str, periods: Sequence[ReturnPeriod]) -> list[str]:
    problems: list[str] = []
    names = tuple(p.period for p in periods)
    if names != PERIODS:
        problems.append(f"{year}: the periods must be R01-R14 once each, in order (got {names})")
    for period in periods:
        if period.deadline < period.census_date:
            problems.append(f"{year} {period.period}: the deadline is before the census date")
    for before, after in itertools.pairwise(periods):
        if after.deadline <= before.deadline:
            problems.append(f"{year} {after.period}: its deadline must follow {before.period}'s")
    return problems
