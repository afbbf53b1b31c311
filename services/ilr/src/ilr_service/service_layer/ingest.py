"""A pulled batch of programme events at once: `enrolment.created` in bulk, the rest one by one.

The bulk path gives each event the result `EventHandlers.enrolment_created` would: one
`insert_many`, reference data read once per programme or per batch, one outcome per event.
Why it converges like the per-event path: docs/ENGINEERING.md ("Batched ingest")."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import TypeVar

from ilr_service.domain.ilr import Creation
from ilr_service.domain.record import Enrolment
from ilr_service.domain.reference import StoredTemplate, Withdrawal
from ilr_service.service_layer.events import (
    YIELD_EVERY,
    EventHandlers,
    catch_up,
    check_year,
    creation_for,
    ilr_wanted,
    wanted_without_read,
)
from ilr_service.service_layer.templates import Renderer
from ilr_shared.events import EnrolmentCreated, EventEnvelope, EventType, parse_payload
from ilr_shared.logging import get_logger
from ilr_shared.messaging import PermanentEventError

log = get_logger(__name__)

Outcome = BaseException | None
Key = tuple[str, str]  # (tenant, programme_id or enrolment_id)
_T = TypeVar("_T")


@dataclass(frozen=True)
class _Enrolment:
    """An `enrolment.created` event of the batch and its place in it."""

    index: int
    event: EventEnvelope
    payload: EnrolmentCreated

    @property
    def tenant(self) -> str:
        return self.event.tenant

    @property
    def programme(self) -> Key:
        return (self.event.tenant, self.payload.programme_id)

    @property
    def enrolment(self) -> Key:
        return (self.event.tenant, self.payload.enrolment_id)


@dataclass(frozen=True)
class _RaceReads:
    """What the race closer reads for the inserted ILRs, by (tenant, key)."""

    templates: dict[Key, StoredTemplate | BaseException]
    withdrawals: dict[Key, Withdrawal | BaseException]
    updates: dict[Key, Enrolment | BaseException]


class BatchIngest:
    """`ConsumerSpec.batch_handler` of the programmes consumer (`handle`)."""

    def __init__(self, handlers: EventHandlers, concurrency: int = 16) -> None:
        self.handlers = handlers
        self.repo = handlers.repo
        self._slots = asyncio.Semaphore(concurrency)

    async def handle(self, events: Sequence[EventEnvelope]) -> list[Outcome]:
        """One outcome per event, in order; each is committed before it is None."""
        outcomes: list[Outcome] = [None] * len(events)
        created = [
            _Enrolment(i, event, _created(event))
            for i, event in enumerate(events)
            if event.event_type == EventType.ENROLMENT_CREATED
        ]
        others = [i for i, e in enumerate(events) if e.event_type != EventType.ENROLMENT_CREATED]
        one_by_one = others + await self._create_in_bulk(created, outcomes)
        await asyncio.gather(
            *(
                self._guarded(i, self.handlers.handle_programmes(events[i]), outcomes)
                for i in sorted(one_by_one)
            )
        )
        return outcomes

    async def _create_in_bulk(
        self, created: Sequence[_Enrolment], outcomes: list[Outcome]
    ) -> list[int]:
        """Creates the wanted ILRs; returns the events left to the per-event path (ILR off)."""
        wanted, left = await self._split_wanted(created, outcomes)
        leaders: dict[Key, _Enrolment] = {}
        for enrolment in wanted:  # the same enrolment twice: one creation, one outcome
            leaders.setdefault(enrolment.enrolment, enrolment)
        creations = await self._creations(list(leaders.values()), outcomes)
        await self._insert(creations, outcomes)
        for enrolment in wanted:
            outcomes[enrolment.index] = outcomes[leaders[enrolment.enrolment].index]
        return left

    async def _split_wanted(
        self, created: Sequence[_Enrolment], outcomes: list[Outcome]
    ) -> tuple[list[_Enrolment], list[int]]:
        """The events whose ILR is wanted (programme settings read once per programme) and
        the indexes of the others; an unsupported academic year is dead-lettered."""
        unsure = [e.programme for e in created if not wanted_without_read(e.payload)]
        settings = await _read_by_tenant(unsure, self.repo.programme_settings_of)
        wanted: list[_Enrolment] = []
        left: list[int] = []
        for enrolment in created:
            programme = settings.get(enrolment.programme)
            if isinstance(programme, BaseException):
                outcomes[enrolment.index] = programme
            elif not ilr_wanted(enrolment.payload, programme):
                left.append(enrolment.index)
            else:
                outcomes[enrolment.index] = _year_problem(enrolment.payload)
                if outcomes[enrolment.index] is None:
                    wanted.append(enrolment)
        return wanted, left

    async def _creations(
        self, leaders: Sequence[_Enrolment], outcomes: list[Outcome]
    ) -> list[tuple[_Enrolment, Creation]]:
        """Each new ILR rendered with its programme's latest template (cached, else one read
        per programme) and checked by the rule engine."""
        programmes = list(dict.fromkeys(e.programme for e in leaders))
        read = await asyncio.gather(
            *(self.handlers.templates.cached_or_latest(t, p) for t, p in programmes),
            return_exceptions=True,
        )
        renderers = dict(zip(programmes, read, strict=True))
        creations: list[tuple[_Enrolment, Creation]] = []
        for n, enrolment in enumerate(leaders, 1):
            renderer = renderers[enrolment.programme]
            try:
                if isinstance(renderer, BaseException):
                    raise renderer
                creations.append(
                    (enrolment, creation_for(enrolment.event, enrolment.payload, renderer))
                )
            except Exception as exc:
                outcomes[enrolment.index] = exc
            if n % YIELD_EVERY == 0:  # the rule engine is CPU: let heartbeats and requests run
                await asyncio.sleep(0)
        return creations

    async def _insert(
        self, creations: Sequence[tuple[_Enrolment, Creation]], outcomes: list[Outcome]
    ) -> None:
        """One bulk insert; an existing ILR (a redelivery) is reconciled as the per-event
        path does, a new one goes through the race closer."""
        if not creations:
            return
        try:
            inserted = await self.repo.insert_many([creation for _, creation in creations])
        except Exception as exc:  # nothing is known to be committed: retry them all
            for enrolment, _ in creations:
                outcomes[enrolment.index] = exc
            return
        new = [(e, c) for e, c in creations if c.ilr.id in inserted]
        existing = [e for e, c in creations if c.ilr.id not in inserted]
        if new:
            self.handlers.notifier.changed()
            for _, creation in new:
                log.info("ilr.created", ilr_id=creation.ilr.id, tenant=creation.ilr.tenant)
        reconciles = (
            self._guarded(e.index, self.handlers.reconcile(*e.enrolment), outcomes)
            for e in existing
        )
        await asyncio.gather(self._close_races(new, outcomes), *reconciles)

    async def _close_races(
        self, new: Sequence[tuple[_Enrolment, Creation]], outcomes: list[Outcome]
    ) -> None:
        """After the insert: the latest templates, withdrawals and enrolment updates of the
        new ILRs, one read per kind and tenant; an ILR behind them is reconciled."""
        if not new:
            return
        enrolments = [e.enrolment for e, _ in new]
        templates, withdrawals, updates = await asyncio.gather(
            _read_by_tenant([e.programme for e, _ in new], self.repo.latest_templates_of),
            _read_by_tenant(enrolments, self.repo.withdrawals_of),
            _read_by_tenant(enrolments, self.repo.enrolment_updates_of),
        )
        reads = _RaceReads(templates, withdrawals, updates)
        await asyncio.gather(
            *(self._guarded(e.index, self._catch_up(e, c, reads), outcomes) for e, c in new)
        )

    async def _catch_up(self, enrolment: _Enrolment, creation: Creation, reads: _RaceReads) -> None:
        template = _value(reads.templates.get(enrolment.programme))
        withdrawal = _value(reads.withdrawals.get(enrolment.enrolment))
        if _value(reads.updates.get(enrolment.enrolment)) is not None:
            await self.handlers.enrolment_updates.catch_up(*enrolment.enrolment)
        latest: Renderer = self.handlers.templates.remember(*enrolment.programme, template)
        if catch_up(creation.ilr, latest, withdrawal) is not None:
            await self.handlers.reconcile(*enrolment.enrolment)

    async def _guarded(self, index: int, work: Awaitable[None], outcomes: list[Outcome]) -> None:
        """Runs one event's work (a few at a time) and records its outcome."""
        async with self._slots:
            try:
                await work
            except Exception as exc:
                outcomes[index] = exc


def _created(event: EventEnvelope) -> EnrolmentCreated:
    payload = parse_payload(event)
    assert isinstance(payload, EnrolmentCreated)
    return payload


def _year_problem(payload: EnrolmentCreated) -> Outcome:
    try:
        check_year(payload)
    except PermanentEventError as exc:
        return exc
    return None


def _value(found: _T | BaseException | None) -> _T | None:
    if isinstance(found, BaseException):
        raise found
    return found


async def _read_by_tenant(
    keys: Iterable[Key], read: Callable[[str, list[str]], Awaitable[dict[str, _T]]]
) -> dict[Key, _T | BaseException]:
    """One `read(tenant, keys)` per tenant, concurrently; a failed read gives its keys the
    exception, a key not found is absent."""
    by_tenant: dict[str, list[str]] = {}
    for tenant, key in dict.fromkeys(keys):
        by_tenant.setdefault(tenant, []).append(key)
    tenants = list(by_tenant)
    results = await asyncio.gather(
        *(read(tenant, by_tenant[tenant]) for tenant in tenants), return_exceptions=True
    )
    found: dict[Key, _T | BaseException] = {}
    for tenant, result in zip(tenants, results, strict=True):
        if isinstance(result, BaseException):
            found.update({(tenant, key): result for key in by_tenant[tenant]})
        else:
            found.update({(tenant, key): value for key, value in result.items()})
    return found
