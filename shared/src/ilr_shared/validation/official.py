"""The official 2025/26 validation rules CSV, packaged with the engine."""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass
from functools import cache
from importlib import resources

CSV_NAME = "ILR-validation-rules-2025-26.csv"


@dataclass(frozen=True)
class OfficialRule:
    name: str
    status: str
    category: str
    severity: str  # "Error", "Warning" or "N/A" as published
    error_message: str
    description: str
    detailed_description: str
    exclusions: str


def _clean(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


@cache
def official_rules() -> dict[str, OfficialRule]:
    """Every row of the packaged CSV by rule name; read once, on first use."""
    raw = (
        resources.files("ilr_shared.validation")
        .joinpath("data", CSV_NAME)
        .read_text(encoding="utf-8-sig")
    )
    rows: dict[str, OfficialRule] = {}
    for row in csv.DictReader(io.StringIO(raw)):
        name = _clean(row.get("Name") or "")
        if not name:
            continue
        sld = _clean(row.get("CurrentSldSeverity") or "")
        severity = sld if sld in ("Error", "Warning") else _clean(row.get("Severity") or "")
        rows[name] = OfficialRule(
            name=name,
            status=_clean(row.get("Status") or ""),
            category=_clean(row.get("Category") or ""),
            severity=severity,
            error_message=_clean(row.get("ErrorMessage") or ""),
            description=_clean(row.get("Description") or ""),
            detailed_description=_clean(row.get("DetailedDescription") or ""),
            exclusions=_clean(row.get("Exclusions") or ""),
        )
    return rows
