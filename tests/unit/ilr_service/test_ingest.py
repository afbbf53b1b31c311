"""The batched ingest on the in-memory store: bulk creation, redelivery, poison events,
withdrawals, parking and duplicates in one batch, one outcome per event (no I/O)."""

from __future__ import annotations

import pytest

from ilr_service.domain.ilr import Ilr
from ilr_service.service_layer.events import EventHandlers
from ilr_service.service_layer.ingest import BatchIngest
from ilr_shared.messaging import PermanentEventError
from tests.support.templates import APPRENTICESHIP_TEMPLATE
from tests.unit.ilr_service.builders import (
    TENANT,
    enrolment,
    programme_changed,
    template_changed,
    template_v2,
    withdrawn,
)
from tests.unit.ilr_service.fakes import FakeIlrStore, FakeNotifier


@pytest.fixture
def handlers(store: FakeIlrStore, notifier: FakeNotifier) -> EventHandlers:
    return EventHandlers(store, notifier)


@pytest.fixture
async def ingest(handlers: EventHandlers) -> BatchIngest:
    await handlers.template_changed(template_changed(1, APPRENTICESHIP_TEMPLATE))
    return BatchIngest(handlers)


async def stored(store: FakeIlrStore, n: int) -> Ilr:
    ilr = await store.get_by_enrolment(TENANT, f"enr_{n}")
    assert ilr is not None, f"no ILR for enr_{n}"
    return ilr


async def test_a_batch_of_enrolments_makes_one_ilr_each_at_version_1(
    store: FakeIlrStore, ingest: BatchIngest, notifier: FakeNotifier
) -> None:
    outcomes = await ingest.handle([enrolment(n) for n in range(1, 41)])
    assert outcomes == [None] * 40
    ilrs = [await stored(store, n) for n in range(1, 41)]
    assert {(i.version, i.state.template_revision) for i in ilrs} == {(1, 1)}
    assert [i.record["LearnRefNumber"] for i in ilrs[:2]] == ["LRN0001", "LRN0002"]
    assert notifier.changes == 1  # one kick for the whole batch
    assert store.commits == 0  # nothing was behind: no revision written


async def test_a_redelivered_batch_creates_nothing(
    store: FakeIlrStore, ingest: BatchIngest
) -> None:
    batch = [enrolment(n) for n in range(1, 6)]
    await ingest.handle(batch)
    before = {ilr_id: ilr.version for ilr_id, ilr in store.ilrs.items()}

    assert await ingest.handle(batch) == [None] * 5
    assert {ilr_id: ilr.version for ilr_id, ilr in store.ilrs.items()} == before
    assert all(len(v) == 1 for v in store.versions.values())


async def test_a_poison_event_fails_alone_and_a_withdrawal_in_the_batch_applies(
    store: FakeIlrStore, ingest: BatchIngest
) -> None:
    batch = [enrolment(1), enrolment(2, academic_year="1999/00"), withdrawn(1), enrolment(3)]
    outcomes = await ingest.handle(batch)
    assert isinstance(outcomes[1], PermanentEventError)
    assert "1999/00" in str(outcomes[1])
    assert [outcomes[i] for i in (0, 2, 3)] == [None, None, None]
    assert (await stored(store, 1)).withdrawn
    assert not (await stored(store, 3)).withdrawn
    assert await store.get_by_enrolment(TENANT, "enr_2") is None


async def test_a_withdrawal_stored_before_the_batch_reaches_its_new_ilr(
    store: FakeIlrStore, ingest: BatchIngest, handlers: EventHandlers
) -> None:
    await handlers.enrolment_withdrawn(withdrawn(2))  # nothing to withdraw yet
    assert await ingest.handle([enrolment(1), enrolment(2)]) == [None, None]
    assert not (await stored(store, 1)).withdrawn
    withdrawn_ilr = await stored(store, 2)
    assert withdrawn_ilr.withdrawn and withdrawn_ilr.version == 2


async def test_a_stale_cached_template_is_caught_up_after_the_insert(
    store: FakeIlrStore, ingest: BatchIngest
) -> None:
    await ingest.handle([enrolment(1)])  # caches revision 1
    await store.store_template(TENANT, "prg_1", 2, {"template": template_v2()})
    await ingest.handle([enrolment(2), enrolment(3)])
    assert [(await stored(store, n)).state.template_revision for n in (2, 3)] == [2, 2]


async def test_enrolments_of_a_programme_with_ilr_off_are_parked(
    store: FakeIlrStore, ingest: BatchIngest, handlers: EventHandlers
) -> None:
    await handlers.programme_changed(programme_changed(1, ilr_enabled=False))
    outcomes = await ingest.handle([enrolment(1), enrolment(2)])
    assert outcomes == [None, None]
    assert store.ilrs == {} and len(store.parked) == 2

    await ingest.handle([programme_changed(2, ilr_enabled=True)])
    assert [(await stored(store, n)).version for n in (1, 2)] == [1, 1]
    assert store.parked == {}


async def test_the_same_enrolment_twice_in_a_batch_makes_one_ilr(
    store: FakeIlrStore, ingest: BatchIngest
) -> None:
    event = enrolment(1)
    outcomes = await ingest.handle([event, enrolment(2), event])
    assert outcomes == [None, None, None]
    assert len(store.ilrs) == 2
    assert [v.version for v in store.versions[(await stored(store, 1)).id]] == [1]


async def test_a_failed_bulk_write_retries_its_events_only(
    store: FakeIlrStore, ingest: BatchIngest, monkeypatch: pytest.MonkeyPatch
) -> None:
    async def broken(*_: object) -> set[str]:
        raise ConnectionError("database gone")

    monkeypatch.setattr(store, "insert_many", broken)
    outcomes = await ingest.handle([enrolment(1), withdrawn(2), enrolment(3)])
    assert isinstance(outcomes[0], ConnectionError) and outcomes[0] is outcomes[2]
    assert outcomes[1] is None
    assert store.ilrs == {}
