"""Reading ILRs in bulk: search criteria and pages, summaries, version history entries."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from ilr_service.domain.record import Provenance

# The orders a search may ask for (the store knows how to serve each).
SORT_ORDERS: tuple[str, ...] = ("updated_at", "-updated_at", "family_name")


@dataclass(frozen=True)
class SearchCriteria:
    """Filters of an ILR search within one tenant; None means "any"."""

    tenant: str
    sort: str = "-updated_at"
    only_id: str | None = None  # a learner sees only their own ILR
    name_prefix: str | None = None  # lower case, matched against given and family names
    uln: int | None = None
    learn_ref: str | None = None
    status: str | None = None
    programme_id: str | None = None
    academic_year: str | None = None


@dataclass(frozen=True)
class IlrSummary:
    """What a list row shows of an ILR."""

    id: str
    programme_id: str
    enrolment_id: str | None
    academic_year: str
    status: str
    version: int
    learn_ref: str | None
    uln: int | None
    given_names: str | None
    family_name: str | None
    updated_at: datetime | None
    error_count: int
    warning_count: int


@dataclass(frozen=True)
class SearchPage:
    items: list[IlrSummary]
    # Where the next page starts (the last row's sort value and id, and the store's window
    # width), None on the last page.
    after: dict[str, Any] | None


@dataclass(frozen=True)
class VersionEntry:
    """One committed version of an ILR; a listing leaves record, provenance and keys empty."""

    version: int
    at: datetime | None
    actor: str | None
    source: str | None
    action: str | None
    status: str | None
    changed_fields: list[str] | None
    record: dict[str, Any] = field(default_factory=dict)
    provenance: dict[str, Provenance] = field(default_factory=dict)
    delivery_keys: dict[int, str] = field(default_factory=dict)
