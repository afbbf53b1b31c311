"""The official validation rules CSVs (2025/26, and 2026/27 version 4), packaged with
the engine: names, severities, messages and definitions per academic year."""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass
from functools import cache
from importlib import resources

CSV_BY_YEAR = {
    "2025/26": "ILR-validation-rules-2025-26.csv",
    "2026/27": "ILR-validation-rules-2627-v4.csv",
}
CURRENT_YEAR = "2026/27"


@dataclass(frozen=True)
class OfficialRule:
    name: str
    status: str  # Active, New, Changed or Deleted
    category: str
    severity: str  # "Error", "Warning" or "N/A" as published
    error_message: str
    description: str
    detailed_description: str
    exclusions: str
    intent: str = ""
    guidance: str = ""

    @property
    def live(self) -> bool:
        return self.status != "Deleted"


def _clean(text: str | None) -> str:
    return re.sub(r"\s+", " ", text or "").strip()


def _severity(row: dict[str, str]) -> str:
    sld = _clean(row.get("CurrentSldSeverity"))
    return sld if sld in ("Error", "Warning") else _clean(row.get("Severity"))


@cache
def official_rules(academic_year: str = CURRENT_YEAR) -> dict[str, OfficialRule]:
    """Every row of the year's CSV by rule name (Deleted rows included); read once."""
    raw = (
        resources.files("ilr_shared.validation")
        .joinpath("data", CSV_BY_YEAR[academic_year])
        .read_text(encoding="utf-8-sig")
    )
    rows: dict[str, OfficialRule] = {}
    for row in csv.DictReader(io.StringIO(raw)):
        name = _clean(row.get("Name"))
        if not name:
            continue
        rows[name] = OfficialRule(
            name=name,
            status=_clean(row.get("Status")),
            category=_clean(row.get("Category")),
            severity=_severity(row),
            error_message=_clean(row.get("ErrorMessage")),
            description=_clean(row.get("Description")),
            detailed_description=_clean(row.get("DetailedDescription")),
            exclusions=_clean(row.get("Exclusions")),
            intent=_clean(row.get("Intent")),
            guidance=_clean(row.get("Guidance")),
        )
    return rows


def live_rules(academic_year: str) -> dict[str, OfficialRule]:
    """The year's rules that are not Deleted."""
    return {name: r for name, r in official_rules(academic_year).items() if r.live}


def official_rule(name: str, academic_year: str = CURRENT_YEAR) -> OfficialRule | None:
    """The rule as published for the year, else as published for another year."""
    found = official_rules(academic_year).get(name)
    if found is not None:
        return found
    for year in sorted(CSV_BY_YEAR, reverse=True):
        found = official_rules(year).get(name)
        if found is not None:
            return found
    return None
