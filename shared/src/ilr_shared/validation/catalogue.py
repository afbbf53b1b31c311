"""The rule catalogue: every official rule of a year with what the engine does with it."""

from __future__ import annotations

from collections import Counter
from functools import cache
from typing import Literal

from pydantic import BaseModel, ConfigDict

from . import engine as _engine  # noqa: F401  (registers every rule)
from .file_checks import FILE_LEVEL
from .official import OfficialRule, live_rules
from .registry import DECLARED, DERIVED, FILE_RULES, LEARNER_RULES, RuleMeta

Status = Literal["implemented", "needs reference data", "not applicable", "not implemented"]


class CatalogueEntry(BaseModel):
    model_config = ConfigDict(frozen=True)

    name: str
    category: str
    status: Status
    needs: list[str]
    reason: str
    severity: str
    message: str
    scope: str  # "learner", "file", "file level", "derived" or "" when not implemented
    official: bool  # published in the year's rule set
    note: str = ""

    @property
    def status_text(self) -> str:
        if self.status == "implemented" and self.needs:
            return f"implemented, runs when {', '.join(self.needs)} is loaded"
        if self.status == "needs reference data":
            return f"needs reference data: {', '.join(self.needs)}"
        if self.status == "not applicable":
            return f"not applicable: {self.reason}"
        return self.status


def _file_level(name: str, year: str, official: OfficialRule | None) -> CatalogueEntry | None:
    registered = FILE_LEVEL.get(name)
    if registered is None or year not in registered.years:
        return None
    return CatalogueEntry(
        name=name,
        category=official.category if official else "File Level",
        status="implemented",
        needs=[],
        reason="",
        severity="warning" if official and official.severity == "Warning" else "error",
        message=official.error_message if official else name,
        scope="file level",
        official=official is not None,
        note=f"checked on the {registered.stage}",
    )


def _implemented(name: str, year: str) -> tuple[RuleMeta, str] | None:
    if name in LEARNER_RULES and LEARNER_RULES[name].meta.applies_to(year):
        return LEARNER_RULES[name].meta, "learner"
    if name in FILE_RULES and FILE_RULES[name].meta.applies_to(year):
        return FILE_RULES[name].meta, "file"
    return None


def _entry(name: str, year: str, official: OfficialRule | None) -> CatalogueEntry:
    category = official.category if official else "Platform"
    file_level = _file_level(name, year, official)
    if file_level is not None:
        return file_level
    found = _implemented(name, year)
    if found is not None:
        meta, scope = found
        return CatalogueEntry(
            name=name,
            category=category,
            status="implemented",
            needs=list(meta.needs),
            reason="",
            severity=meta.severity_in(year),
            message=meta.message_in(year),
            scope=scope,
            official=official is not None,
            note=meta.note,
        )
    if name in DERIVED:
        return CatalogueEntry(
            name=name,
            category=category,
            status="implemented",
            needs=[],
            reason="",
            severity="",
            message="derived data, used by the rules",
            scope="derived",
            official=official is not None,
        )
    declared = DECLARED.get(name)
    status: Status = "not implemented"
    if declared is not None and year in declared.years:
        status = "needs reference data" if declared.needs else "not applicable"
    severity = (official.severity if official else "").lower()
    return CatalogueEntry(
        name=name,
        category=category,
        status=status,
        needs=list(declared.needs) if declared and status != "not implemented" else [],
        reason=declared.reason if declared and status != "not implemented" else "",
        severity="warning" if severity == "warning" else "error",
        message=official.error_message if official else "",
        scope="",
        official=official is not None,
    )


def rule_catalogue(academic_year: str = "2026/27") -> list[CatalogueEntry]:
    """Every live official rule of the year, plus implemented rules that are not
    published for it, sorted by name."""
    return list(_catalogue(academic_year))


@cache
def _catalogue(academic_year: str) -> tuple[CatalogueEntry, ...]:
    official = live_rules(academic_year)
    names = set(official)
    names |= {n for n in LEARNER_RULES if LEARNER_RULES[n].meta.applies_to(academic_year)}
    names |= {n for n in FILE_RULES if FILE_RULES[n].meta.applies_to(academic_year)}
    return tuple(_entry(name, academic_year, official.get(name)) for name in sorted(names))


class CatalogueSummary(BaseModel):
    academic_year: str
    official: int
    implemented: int
    implemented_with_reference_data: int
    needs_reference_data: int
    not_applicable: int
    not_implemented: int
    reference_free: int
    reference_free_implemented: int

    @property
    def reference_free_share(self) -> float:
        return self.reference_free_implemented / self.reference_free if self.reference_free else 1


def summarise(entries: list[CatalogueEntry], academic_year: str) -> CatalogueSummary:
    """Counts over the official rules. A rule is reference-data free unless it reads (or
    is declared to need) reference data; not-applicable rules count as reference-data free
    and not implemented, so the share is never flattered by a declaration."""
    official = [e for e in entries if e.official]
    statuses = Counter(e.status for e in official)
    free = [e for e in official if not e.needs]
    return CatalogueSummary(
        academic_year=academic_year,
        official=len(official),
        implemented=statuses["implemented"],
        implemented_with_reference_data=sum(
            1 for e in official if e.status == "implemented" and e.needs
        ),
        needs_reference_data=statuses["needs reference data"],
        not_applicable=statuses["not applicable"],
        not_implemented=statuses["not implemented"],
        reference_free=len(free),
        reference_free_implemented=sum(1 for e in free if e.status == "implemented"),
    )
