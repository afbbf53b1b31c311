"""Rule registry: rules register themselves under their official names."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Protocol

from .access import Record
from .model import ALL_YEARS, Hit, Severity, ValidationContext
from .official import official_rules

SOURCE_CSV = "ILR 2025/26 validation rules (CSV)"
SOURCE_2627 = "2026/27 change"
SOURCE_CSV_2627 = f"{SOURCE_CSV} + {SOURCE_2627}"

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

    @property
    def severity(self) -> Severity:
        if self.severity_override is not None:
            return self.severity_override
        official = official_rules().get(self.name)
        return "warning" if official and official.severity == "Warning" else "error"

    @property
    def message(self) -> str:
        if self.message_override is not None:
            return self.message_override
        official = official_rules().get(self.name)
        return official.error_message if official else self.name

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


LEARNER_RULES: dict[str, LearnerRule] = {}
FILE_RULES: dict[str, FileRule] = {}


def _meta(
    name: str,
    years: Iterable[str] | None,
    source: str,
    note: str,
    severity: Severity | None,
    message: str | None,
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
    )


def rule(
    name: str,
    *,
    years: Iterable[str] | None = None,
    source: str = SOURCE_CSV,
    note: str = "",
    severity: Severity | None = None,
    message: str | None = None,
) -> Callable[[LearnerCheck], LearnerCheck]:
    """Register a per-learner rule. Severity and message come from the official CSV
    unless given (only for rules that are not in it)."""

    def register(check: LearnerCheck) -> LearnerCheck:
        LEARNER_RULES[name] = LearnerRule(
            _meta(name, years, source, note, severity, message), check
        )
        return check

    return register


def file_rule(
    name: str,
    *,
    years: Iterable[str] | None = None,
    source: str = SOURCE_CSV,
    note: str = "",
) -> Callable[[FileCheckFactory], FileCheckFactory]:
    """Register a cross-learner rule (run by ``validate_batch`` only)."""

    def register(factory: FileCheckFactory) -> FileCheckFactory:
        FILE_RULES[name] = FileRule(_meta(name, years, source, note, None, None), factory)
        return factory

    return register
