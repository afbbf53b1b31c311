"""What the ILR use cases need from the outside world, as protocols over domain types."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Mapping, Sequence
from typing import Any, Protocol

from ilr_service.domain.ilr import Creation, Ilr, Revision
from ilr_service.domain.importing import IlrFile
from ilr_service.domain.listing import SearchCriteria, SearchPage, VersionEntry
from ilr_service.domain.record import Enrolment
from ilr_service.domain.reference import ProgrammeSettings, StoredTemplate, Withdrawal
from ilr_shared.events import EventEnvelope


class IlrStore(Protocol):
    """The ILRs of every tenant, their history, and the reference data events bring.

    Every read names the tenant. Writes of an ILR are compare-and-set: `commit` returns the
    ids whose revision won; a lost one is recomputed from a fresh read. `adapters/repository.py`
    is the MongoDB implementation."""

    # reference data from the programmes service's events
    async def store_template(
        self, tenant: str, programme_id: str, revision: int, fields: Mapping[str, Any]
    ) -> bool:
        """Keeps the template (fields: template, academic_year, updated_at, event_id) if its
        revision is higher than the stored one; True when it did."""
        ...

    async def latest_template(self, tenant: str, programme_id: str) -> StoredTemplate | None: ...

    async def store_programme(self, tenant: str, programme: ProgrammeSettings) -> None:
        """Keeps the settings unless a higher `sequence` is stored."""
        ...

    async def programme_settings(
        self, tenant: str, programme_id: str
    ) -> ProgrammeSettings | None: ...

    async def store_withdrawal(self, tenant: str, withdrawal: Withdrawal) -> None:
        """Keeps the first withdrawal of an enrolment."""
        ...

    async def withdrawal(self, tenant: str, enrolment_id: str) -> Withdrawal | None: ...

    async def store_enrolment_update(
        self, tenant: str, enrolment_id: str, sequence: int, enrolment: Enrolment
    ) -> None:
        """Keeps an enrolment as its newest `enrolment.updated` (highest sequence) gave it."""
        ...

    async def enrolment_update(self, tenant: str, enrolment_id: str) -> Enrolment | None: ...

    # the same reference data for a batch of events: one read per kind, by key
    async def programme_settings_of(
        self, tenant: str, programme_ids: Sequence[str]
    ) -> dict[str, ProgrammeSettings]: ...

    async def latest_templates_of(
        self, tenant: str, programme_ids: Sequence[str]
    ) -> dict[str, StoredTemplate]: ...

    async def withdrawals_of(
        self, tenant: str, enrolment_ids: Sequence[str]
    ) -> dict[str, Withdrawal]: ...

    async def enrolment_updates_of(
        self, tenant: str, enrolment_ids: Sequence[str]
    ) -> dict[str, Enrolment]: ...

    # enrolment events kept while their programme has ILR switched off
    async def park_enrolment(
        self, tenant: str, programme_id: str, enrolment_id: str, event: EventEnvelope
    ) -> None: ...

    def parked_enrolments(self, tenant: str, programme_id: str) -> AsyncIterator[EventEnvelope]: ...

    async def unpark_enrolment(self, tenant: str, enrolment_id: str) -> None: ...

    # ILRs
    async def get(self, tenant: str, ilr_id: str) -> Ilr | None: ...

    async def get_by_enrolment(self, tenant: str, enrolment_id: str) -> Ilr | None: ...

    async def get_many(self, tenant: str, ids: Sequence[str]) -> list[Ilr]: ...

    async def ids_by_learn_ref(
        self, tenant: str, academic_year: str, learn_refs: Sequence[str]
    ) -> dict[str, list[str]]:
        """LearnRefNumber -> ids of the tenant's ILRs of that year with it."""
        ...

    async def behind_template(
        self, tenant: str, programme_id: str, revision: int, limit: int
    ) -> list[Ilr]:
        """Up to `limit` ILRs of the programme whose template revision is below `revision`."""
        ...

    def stream_behind_template(
        self, tenant: str, programme_id: str, revision: int, batch_size: int
    ) -> AsyncIterator[list[Ilr]]:
        """The same ILRs in batches from one scan; may miss or repeat ILRs changed meanwhile."""
        ...

    def stream_of_year(
        self, tenant: str, academic_year: str, programme_id: str | None, batch_size: int
    ) -> AsyncIterator[list[Ilr]]:
        """The tenant's ILRs of a year (of one programme, if given) in batches (rollover)."""
        ...

    async def search(
        self, criteria: SearchCriteria, limit: int, after: Mapping[str, Any] | None = None
    ) -> SearchPage:
        """One page of summaries; `after` is the previous page's `SearchPage.after`."""
        ...

    async def insert(self, creation: Creation) -> bool:
        """Inserts a new ILR; False when one with its id or enrolment exists."""
        ...

    async def insert_many(self, creations: Sequence[Creation]) -> set[str]:
        """Inserts new ILRs; returns the ids inserted (the others existed)."""
        ...

    async def commit(self, revisions: Sequence[Revision]) -> set[str]:
        """Writes each revision if its ILR is still at `before.version`; returns the ids won."""
        ...

    # history
    async def list_versions(self, ilr: Ilr) -> list[VersionEntry]:
        """Committed versions, newest first, without their content."""
        ...

    async def get_version(self, ilr: Ilr, version: int) -> VersionEntry | None: ...


# Reads an uploaded ILR file into checked plain data (the XML parsing is an adapter's).
FileReader = Callable[[bytes], IlrFile]


class Notifier(Protocol):
    """Told after ILR changes are committed, so their events leave the outbox soon."""

    def changed(self) -> None: ...


class Quiet:
    """A notifier that tells no one (tests; the outbox relay's own polling still runs)."""

    def changed(self) -> None:
        return None
