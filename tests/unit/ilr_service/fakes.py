"""In-memory `IlrStore` and `Notifier` for fast service-layer tests (no I/O).

The store keeps the contract of `adapters/repository.py`: compare-and-set on version,
one ILR per (tenant, enrolment), first withdrawal wins, newer templates and settings only."""

from __future__ import annotations

import copy
from collections.abc import AsyncIterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any, TypeVar

from ilr_service.domain.ilr import Change, Creation, Ilr, Revision
from ilr_service.domain.listing import IlrSummary, SearchCriteria, SearchPage, VersionEntry
from ilr_service.domain.record import Enrolment
from ilr_service.domain.reference import ProgrammeSettings, StoredTemplate, Withdrawal
from ilr_service.service_layer.ports import IlrStore, Notifier
from ilr_shared.events import EventEnvelope

CONCURRENT_WRITER = "concurrent-writer"
_T = TypeVar("_T")


@dataclass
class FakeNotifier:
    changes: int = 0

    def changed(self) -> None:
        self.changes += 1


@dataclass
class FakeIlrStore:
    ilrs: dict[str, Ilr] = field(default_factory=dict)
    # Stored fields besides the aggregate's (verified_by, withdrawal, imported …) per ILR.
    extras: dict[str, dict[str, Any]] = field(default_factory=dict)
    versions: dict[str, list[VersionEntry]] = field(default_factory=dict)
    templates: dict[tuple[str, str], StoredTemplate] = field(default_factory=dict)
    programmes: dict[tuple[str, str], ProgrammeSettings] = field(default_factory=dict)
    withdrawals: dict[tuple[str, str], Withdrawal] = field(default_factory=dict)
    parked: dict[tuple[str, str], tuple[str, EventEnvelope]] = field(default_factory=dict)
    enrolment_updates: dict[tuple[str, str], tuple[int, Enrolment]] = field(default_factory=dict)
    commits: int = 0
    _races_to_lose: int = 0

    def lose_races(self, times: int) -> None:
        """The next `times` commits find their ILRs changed by another writer just before."""
        self._races_to_lose = times

    # -- reference data ---------------------------------------------------------------

    async def store_template(
        self, tenant: str, programme_id: str, revision: int, fields: Mapping[str, Any]
    ) -> bool:
        stored = self.templates.get((tenant, programme_id))
        if stored is not None and stored.revision >= revision:
            return False
        self.templates[(tenant, programme_id)] = StoredTemplate(
            programme_id, revision, copy.deepcopy(fields["template"]), fields.get("academic_year")
        )
        return True

    async def latest_template(self, tenant: str, programme_id: str) -> StoredTemplate | None:
        return self.templates.get((tenant, programme_id))

    async def store_programme(self, tenant: str, programme: ProgrammeSettings) -> None:
        stored = self.programmes.get((tenant, programme.programme_id))
        if stored is None or stored.sequence < programme.sequence:
            self.programmes[(tenant, programme.programme_id)] = programme

    async def programme_settings(self, tenant: str, programme_id: str) -> ProgrammeSettings | None:
        return self.programmes.get((tenant, programme_id))

    async def store_withdrawal(self, tenant: str, withdrawal: Withdrawal) -> None:
        self.withdrawals.setdefault((tenant, withdrawal.enrolment_id), withdrawal)

    async def withdrawal(self, tenant: str, enrolment_id: str) -> Withdrawal | None:
        return self.withdrawals.get((tenant, enrolment_id))

    async def store_enrolment_update(
        self, tenant: str, enrolment_id: str, sequence: int, enrolment: Enrolment
    ) -> None:
        stored = self.enrolment_updates.get((tenant, enrolment_id))
        if stored is None or stored[0] < sequence:
            self.enrolment_updates[(tenant, enrolment_id)] = (sequence, enrolment)

    async def enrolment_update(self, tenant: str, enrolment_id: str) -> Enrolment | None:
        stored = self.enrolment_updates.get((tenant, enrolment_id))
        return None if stored is None else stored[1]

    async def programme_settings_of(
        self, tenant: str, programme_ids: Sequence[str]
    ) -> dict[str, ProgrammeSettings]:
        return _found(self.programmes, tenant, programme_ids)

    async def latest_templates_of(
        self, tenant: str, programme_ids: Sequence[str]
    ) -> dict[str, StoredTemplate]:
        return _found(self.templates, tenant, programme_ids)

    async def withdrawals_of(
        self, tenant: str, enrolment_ids: Sequence[str]
    ) -> dict[str, Withdrawal]:
        return _found(self.withdrawals, tenant, enrolment_ids)

    async def enrolment_updates_of(
        self, tenant: str, enrolment_ids: Sequence[str]
    ) -> dict[str, Enrolment]:
        stored = _found(self.enrolment_updates, tenant, enrolment_ids)
        return {key: enrolment for key, (_, enrolment) in stored.items()}

    async def park_enrolment(
        self, tenant: str, programme_id: str, enrolment_id: str, event: EventEnvelope
    ) -> None:
        self.parked.setdefault((tenant, enrolment_id), (programme_id, event))

    async def parked_enrolments(
        self, tenant: str, programme_id: str
    ) -> AsyncIterator[EventEnvelope]:
        for (parked_tenant, _), (parked_programme, event) in list(self.parked.items()):
            if (parked_tenant, parked_programme) == (tenant, programme_id):
                yield event

    async def unpark_enrolment(self, tenant: str, enrolment_id: str) -> None:
        self.parked.pop((tenant, enrolment_id), None)

    # -- reading ILRs -----------------------------------------------------------------

    def _of_tenant(self, tenant: str) -> list[Ilr]:
        return [ilr for ilr in self.ilrs.values() if ilr.tenant == tenant]

    async def get(self, tenant: str, ilr_id: str) -> Ilr | None:
        found = self.ilrs.get(ilr_id)
        return copy.deepcopy(found) if found is not None and found.tenant == tenant else None

    async def get_by_enrolment(self, tenant: str, enrolment_id: str) -> Ilr | None:
        found = [i for i in self._of_tenant(tenant) if i.enrolment_id == enrolment_id]
        return copy.deepcopy(found[0]) if found else None

    async def get_many(self, tenant: str, ids: Sequence[str]) -> list[Ilr]:
        return [copy.deepcopy(i) for i in self._of_tenant(tenant) if i.id in ids]

    async def ids_by_learn_ref(
        self, tenant: str, academic_year: str, learn_refs: Sequence[str]
    ) -> dict[str, list[str]]:
        found: dict[str, list[str]] = {}
        for ilr in self._of_tenant(tenant):
            learn_ref = str(ilr.record.get("LearnRefNumber"))
            if ilr.academic_year == academic_year and learn_ref in learn_refs:
                found.setdefault(learn_ref, []).append(ilr.id)
        return found

    async def behind_template(
        self, tenant: str, programme_id: str, revision: int, limit: int
    ) -> list[Ilr]:
        behind = [
            copy.deepcopy(ilr)
            for ilr in self._of_tenant(tenant)
            if ilr.programme_id == programme_id and ilr.state.template_revision < revision
        ]
        return behind[:limit]

    async def stream_behind_template(
        self, tenant: str, programme_id: str, revision: int, batch_size: int
    ) -> AsyncIterator[list[Ilr]]:
        behind = await self.behind_template(tenant, programme_id, revision, len(self.ilrs))
        for start in range(0, len(behind), batch_size):
            yield behind[start : start + batch_size]

    async def stream_of_year(
        self, tenant: str, academic_year: str, programme_id: str | None, batch_size: int
    ) -> AsyncIterator[list[Ilr]]:
        found = [
            ilr
            for ilr in self._of_tenant(tenant)
            if ilr.academic_year == academic_year
            and (programme_id is None or ilr.programme_id == programme_id)
        ]
        for start in range(0, len(found), batch_size):
            yield found[start : start + batch_size]

    async def search(
        self, criteria: SearchCriteria, limit: int, after: Mapping[str, Any] | None = None
    ) -> SearchPage:
        descending = criteria.sort.startswith("-")
        rows = sorted(
            (i for i in self._of_tenant(criteria.tenant) if _matches(i, criteria)),
            key=lambda ilr: _sort_key(ilr, criteria.sort),
            reverse=descending,
        )
        if after:
            cursor = (_cursor_value(after["v"], criteria.sort), str(after["id"]))
            rows = [r for r in rows if (_sort_key(r, criteria.sort) < cursor) == descending]
            rows = [r for r in rows if _sort_key(r, criteria.sort) != cursor]
        page = rows[:limit]
        next_after = None
        if len(rows) > limit:
            value = _sort_key(page[-1], criteria.sort)[0]
            shown = value.isoformat() if isinstance(value, datetime) else value
            next_after = {"v": shown, "id": page[-1].id}
        return SearchPage([_summary(i) for i in page], next_after)

    # -- writing ILRs -----------------------------------------------------------------

    async def insert(self, creation: Creation) -> bool:
        return bool(await self.insert_many([creation]))

    async def insert_many(self, creations: Sequence[Creation]) -> set[str]:
        inserted: set[str] = set()
        for creation in creations:
            ilr = creation.ilr
            taken = any(
                other.id == ilr.id or other.enrolment_id == ilr.enrolment_id
                for other in self._of_tenant(ilr.tenant)
            )
            if taken or ilr.id in self.ilrs:
                continue
            self.ilrs[ilr.id] = copy.deepcopy(ilr)
            self.extras[ilr.id] = dict(creation.change.extra)
            self.versions[ilr.id] = [_entry(ilr, creation.change, creation.changed_fields)]
            inserted.add(ilr.id)
        return inserted

    async def commit(self, revisions: Sequence[Revision]) -> set[str]:
        self.commits += 1
        if self._races_to_lose > 0:
            self._races_to_lose -= 1
            for revision in revisions:
                self._write_concurrently(revision.ilr_id)
        won: set[str] = set()
        for revision in revisions:
            current = self.ilrs.get(revision.ilr_id)
            if current is None or current.version != revision.before.version:
                continue
            after = revision.after
            self.ilrs[after.id] = copy.deepcopy(after)
            self.extras[after.id].update(revision.sets)
            self.versions[after.id].append(_entry(after, revision.change, revision.changed_fields))
            won.add(after.id)
        return won

    def _write_concurrently(self, ilr_id: str) -> None:
        """Another instance's write of the same content: only the version moves on."""
        current = self.ilrs[ilr_id]
        moved = replace(current, version=current.version + 1, updated_by=CONCURRENT_WRITER)
        self.ilrs[ilr_id] = moved
        last = self.versions[ilr_id][-1]
        self.versions[ilr_id].append(
            replace(last, version=moved.version, actor=CONCURRENT_WRITER, changed_fields=[])
        )

    # -- history ----------------------------------------------------------------------

    async def list_versions(self, ilr: Ilr) -> list[VersionEntry]:
        return [
            VersionEntry(e.version, e.at, e.actor, e.source, e.action, e.status, e.changed_fields)
            for e in reversed(self.versions.get(ilr.id, []))
            if e.version <= ilr.version
        ]

    async def get_version(self, ilr: Ilr, version: int) -> VersionEntry | None:
        found = [e for e in self.versions.get(ilr.id, []) if e.version == version]
        return copy.deepcopy(found[0]) if found and version <= ilr.version else None


def _found(stored: Mapping[tuple[str, str], _T], tenant: str, keys: Sequence[str]) -> dict[str, _T]:
    return {key: stored[(tenant, key)] for key in keys if (tenant, key) in stored}


def _entry(ilr: Ilr, change: Change, changed_fields: list[str]) -> VersionEntry:
    state = copy.deepcopy(ilr.state)
    return VersionEntry(
        version=ilr.version,
        at=ilr.updated_at,
        actor=change.actor,
        source=change.source,
        action=change.action,
        status=ilr.status,
        changed_fields=list(changed_fields),
        record=state.record,
        provenance=state.provenance,
        delivery_keys=state.delivery_keys,
    )


def _names(record: Mapping[str, Any]) -> set[str]:
    """What a name search matches: each name, and given and family name together."""
    given = str(record.get("GivenNames") or "").strip().lower()
    family = str(record.get("FamilyName") or "").strip().lower()
    return {*f"{given} {family}".split(), f"{given} {family}".strip()}


def _matches(ilr: Ilr, criteria: SearchCriteria) -> bool:
    record = ilr.record
    wanted = {
        "_id": (criteria.only_id, ilr.id),
        "uln": (criteria.uln, record.get("ULN")),
        "learn_ref": (criteria.learn_ref, record.get("LearnRefNumber")),
        "status": (criteria.status, ilr.status),
        "programme_id": (criteria.programme_id, ilr.programme_id),
        "academic_year": (criteria.academic_year, ilr.academic_year),
    }
    if any(want not in (None, "") and want != have for want, have in wanted.values()):
        return False
    prefix = criteria.name_prefix
    return not prefix or any(name.startswith(prefix) for name in _names(record))


def _sort_key(ilr: Ilr, sort: str) -> tuple[Any, str]:
    if sort == "family_name":
        return str(ilr.record.get("FamilyName") or "").strip().lower(), ilr.id
    return ilr.updated_at, ilr.id


def _cursor_value(value: Any, sort: str) -> Any:
    return datetime.fromisoformat(value) if sort != "family_name" else value


def _summary(ilr: Ilr) -> IlrSummary:
    errors = sum(1 for f in ilr.findings if f["severity"] == "error")
    return IlrSummary(
        id=ilr.id,
        programme_id=ilr.programme_id,
        enrolment_id=ilr.enrolment_id,
        academic_year=ilr.academic_year,
        status=ilr.status,
        version=ilr.version,
        learn_ref=ilr.record.get("LearnRefNumber"),
        uln=ilr.record.get("ULN"),
        given_names=ilr.record.get("GivenNames"),
        family_name=ilr.record.get("FamilyName"),
        updated_at=ilr.updated_at,
        error_count=errors,
        warning_count=len(ilr.findings) - errors,
    )


# Type-checked against the ports (mypy strict): the fakes keep their contracts.
_STORE: IlrStore = FakeIlrStore()
_NOTIFIER: Notifier = FakeNotifier()
