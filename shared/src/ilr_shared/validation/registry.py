"""Rule registry: rules register themselves under their official names.

Rules not implemented are *declared* with the reason (``needs_reference_data``,
``not_applicable``); the catalogue reads both.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Protocol, TypeVar

from .access import Record
from .model import ALL_YEARS, Hit, Severity, ValidationContext
from .official import official_rule

SOURCE_CSV = "ILR 2025/26 validation rules (CSV)"
SOURCE_2627 = "2026/27 change"
SOURCE_CSV_2627 = f"{SOURCE_CSV} + {SOURCE_2627}"
SOURCE_V4 = "ILR 2026/27 validation rules, version 4 (CSV)"

# Reference datasets a rule may need (the lookup port's names).
LARS = "LARS"
POSTCODES = "postcodes"
ORGANISATIONS = "organisations"
EPA_ORGANISATIONS = "EPA organisations"
EMPLOYERS = "employers"
CONTRACTS = "contracts"
ULN_REGISTER = "ULN register"
DATASETS = (LARS, POSTCODES, ORGANISATIONS, EPA_ORGANISATIONS, EMPLOYERS, CONTRACTS, ULN_REGISTER)

LearnerCheck = Callable[[Record, ValidationContext], Iterable[Hit]]


class FileCheck(Protocol):
    """A cross-learner rule: sees every learner once, then reports per LearnRefNumber."""

    def observe(self, record: Record) -> None: ...

    def finish(self) -> Iterable[tuple[str, Hit]]: ...


FileCheckFactory = Callable[[ValidationContext], FileCheck]


@dataclass(frozen=True)
class RuleMeta:
    name: str
    years: frozenset[str]
    source: str
    note: str
    severity_override: Severity | None
    message_override: str | None
    needs: tuple[str, ...] = ()

    def severity_in(self, academic_year: str) -> Severity:
        if self.severity_override is not None:
            return self.severity_override
        official = official_rule(self.name, academic_year)
        return "warning" if official and official.severity == "Warning" else "error"

    def message_in(self, academic_year: str) -> str:
        if self.message_override is not None:
            return self.message_override
        official = official_rule(self.name, academic_year)
        return official.error_message if official else self.name

    @property
    def severity(self) -> Severity:
        return self.severity_in("2026/27")

    @property
    def message(self) -> str:
        return self.message_in("2026/27")

    def applies_to(self, academic_year: str) -> bool:
        return academic_year in self.years


@dataclass(frozen=True)
class LearnerRule:
    meta: RuleMeta
    check: LearnerCheck


@dataclass(frozen=True)
class FileRule:
    meta: RuleMeta
    factory: FileCheckFactory


@dataclass(frozen=True)
class Declaration:
    """An official rule the engine does not run, and why."""

    name: str
    years: frozenset[str]
    needs: tuple[str, ...] = ()
    reason: str = ""


LEARNER_RULES: dict[str, LearnerRule] = {}
# Derived-data definitions (DDxx) implemented as named helpers the rules share.
DERIVED: dict[str, Callable[..., object]] = {}
FILE_RULES: dict[str, FileRule] = {}
DECLARED: dict[str, Declaration] = {}


def _meta(
    name: str,
    years: Iterable[str] | None,
    source: str,
    note: str,
    severity: Severity | None,
    message: str | None,
    needs: Iterable[str] = (),
) -> RuleMeta:
    if name in LEARNER_RULES or name in FILE_RULES:
        raise ValueError(f"rule {name} registered twice")
    return RuleMeta(
        name=name,
        years=frozenset(years) if years is not None else ALL_YEARS,
        source=source,
        note=note,
        severity_override=severity,
        message_override=message,
        needs=_datasets(needs),
    )


def _datasets(needs: Iterable[str]) -> tuple[str, ...]:
    chosen = tuple(needs)
    unknown = set(chosen) - set(DATASETS)
    if unknown:
        raise ValueError(f"unknown reference datasets {sorted(unknown)}")
    return chosen


def rule(
    name: str,
    *,
    years: Iterable[str] | None = None,
    source: str = SOURCE_CSV,
    note: str = "",
    severity: Severity | None = None,
    message: str | None = None,
    needs: Iterable[str] = (),
) -> Callable[[LearnerCheck], LearnerCheck]:
    """Register a per-learner rule. Severity and message come from the official CSV of
    the year being validated unless given (only for rules that are not in it). ``needs``
    names the reference data the rule reads: it stays silent while that data is absent."""

    def register(check: LearnerCheck) -> LearnerCheck:
        LEARNER_RULES[name] = LearnerRule(
            _meta(name, years, source, note, severity, message, needs), check
        )
        return check

    return register


def file_rule(
    name: str,
    *,
    years: Iterable[str] | None = None,
    source: str = SOURCE_CSV,
    note: str = "",
    needs: Iterable[str] = (),
) -> Callable[[FileCheckFactory], FileCheckFactory]:
    """Register a cross-learner rule (run by ``validate_batch`` only)."""

    def register(factory: FileCheckFactory) -> FileCheckFactory:
        FILE_RULES[name] = FileRule(_meta(name, years, source, note, None, None, needs), factory)
        return factory

    return register


def _declare(names: Iterable[str], years: Iterable[str] | None, **why: object) -> None:
    for name in names:
        if name in DECLARED:
            raise ValueError(f"rule {name} declared twice")
        DECLARED[name] = Declaration(
            name=name,
            years=frozenset(years) if years is not None else ALL_YEARS,
            needs=_datasets(why.get("needs", ())),  # type: ignore[arg-type]
            reason=str(why.get("reason", "")),
        )


def needs_reference_data(
    datasets: Iterable[str], *names: str, years: Iterable[str] | None = None
) -> None:
    """Declare official rules that cannot run until the named reference data is loaded."""
    _declare(names, years, needs=tuple(datasets))


def not_applicable(reason: str, *names: str, years: Iterable[str] | None = None) -> None:
    """Declare official rules that cannot apply to a file this platform builds or
    imports, with the reason (e.g. checks SLD makes on the uploaded zip file)."""
    _declare(names, years, reason=reason)


_F = TypeVar("_F", bound=Callable[..., object])


def derived_data(name: str) -> Callable[[_F], _F]:
    """Mark a function as the implementation of an official derived-data definition."""

    def register(function: _F) -> _F:
        if name in DERIVED:
            raise ValueError(f"derived data {name} registered twice")
        DERIVED[name] = function
        return function

    return register
