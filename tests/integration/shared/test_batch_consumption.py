"""Batched consumption against a real NATS JetStream: each message of a pulled batch is
settled on its own outcome, and the per-event handlers of a batch run concurrently within
`consumer_concurrency`. Events are published before the consumer starts, so the first pull
finds them all and `ILR_CONSUMER_BATCH` equal to their number makes that ONE batch."""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from typing import Any

import nats
import pytest
from faststream.nats import NatsBroker
from prometheus_client import REGISTRY

from ilr_shared.events import EventEnvelope
from ilr_shared.messaging import (
    BatchHandler,
    ConsumerSpec,
    NatsEventPublisher,
    PermanentEventError,
    declare_streams,
    make_broker,
    register_consumer,
)
from ilr_shared.settings import CommonSettings
from tests.integration.shared.test_messaging import (
    TENANT,
    deadletters,
    enrolment_event,
    header,
    wait_for,
)

DEADLINE_S = 60.0  # generous: every wait ends as soon as its condition holds

StartConsumer = Callable[..., Awaitable[NatsBroker]]


@pytest.fixture
async def start_consumer(service_env: dict[str, str]) -> AsyncIterator[StartConsumer]:
    """Starts a consumer instance (its own broker) on the PROGRAMMES stream."""
    brokers: list[NatsBroker] = []

    async def start(
        durable: str,
        handler: Callable[[EventEnvelope], Awaitable[None]],
        batch_handler: BatchHandler | None = None,
        **overrides: Any,
    ) -> NatsBroker:
        settings = CommonSettings().model_copy(update=overrides)
        broker = make_broker(settings)
        brokers.append(broker)
        await broker.connect()
        await declare_streams(broker)
        spec = ConsumerSpec(durable, "PROGRAMMES", "programmes.>", handler, batch_handler)
        register_consumer(broker, spec, settings)
        await broker.start()
        return broker

    yield start
    for broker in brokers:
        await broker.stop()


async def publish_first(events: Sequence[EventEnvelope]) -> None:
    """Publishes before any consumer exists (the streams are declared for it)."""
    broker = make_broker(CommonSettings())
    await broker.connect()
    await declare_streams(broker)
    publisher = NatsEventPublisher(broker)
    for event in events:
        await publisher.publish(event)
    await broker.stop()


async def consumer_settled(nats_url: str, durable: str) -> bool:
    """Nothing left to deliver and nothing delivered but unsettled."""
    connection = await nats.connect(nats_url)
    try:
        info = await connection.jetstream().consumer_info("PROGRAMMES", durable)
        return bool(info.num_pending == 0 and info.num_ack_pending == 0)
    finally:
        await connection.close()


async def wait_settled(nats_url: str, durable: str) -> None:
    deadline = asyncio.get_running_loop().time() + DEADLINE_S
    while not await consumer_settled(nats_url, durable):
        if asyncio.get_running_loop().time() > deadline:
            raise TimeoutError(f"consumer {durable} still holds messages")
        await asyncio.sleep(0.1)


def batches_pulled(durable: str) -> float:
    value = REGISTRY.get_sample_value("ilr_consumer_batch_size_count", {"consumer": durable})
    return value or 0.0


def enrolment_id(event: EventEnvelope) -> str:
    return str(event.payload["enrolment_id"])


async def test_poison_messages_leave_their_batch_alone(
    start_consumer: StartConsumer, nats_server: Any
) -> None:
    good = [enrolment_event(n) for n in range(1, 6)]
    refused = enrolment_event(99)
    await publish_first([good[0], good[1], refused, good[2], good[3], good[4]])
    connection = await nats.connect(nats_server.url)
    # JSON content type with a body that is not JSON: FastStream must not choke on it.
    await connection.jetstream().publish(
        f"programmes.{TENANT}.enrolment.created",
        b"{not json",
        headers={"content-type": "application/json"},
    )
    await connection.close()
    seen: list[str] = []

    async def handle(event: EventEnvelope) -> None:
        if event.event_id == refused.event_id:
            raise PermanentEventError("this enrolment breaks a rule")
        seen.append(enrolment_id(event))

    await start_consumer("poison-batch", handle, consumer_batch_size=7, consumer_batch_wait_s=30)
    await wait_for(lambda: len(seen) == len(good), DEADLINE_S)
    found = await deadletters(nats_server.url, 2, DEADLINE_S)
    await wait_settled(nats_server.url, "poison-batch")

    assert sorted(seen) == sorted(enrolment_id(e) for e in good)
    assert batches_pulled("poison-batch") == 1
    reasons = sorted(header(m, "Ilr-Deadletter-Reason") for m in found)
    assert len(found) == 2
    assert reasons[0].startswith("invalid envelope")
    assert reasons[1] == "this enrolment breaks a rule"
    assert all(header(m, "Ilr-Deliveries") == "1" for m in found)


class BatchRecorder:
    """A batch handler: one event fails transiently once, one is refused for good."""

    def __init__(self, flaky: EventEnvelope, refused: EventEnvelope) -> None:
        self.calls: list[list[str]] = []
        self.committed: Counter[str] = Counter()
        self._flaky, self._refused = flaky.event_id, refused.event_id
        self._flaky_failed = False

    async def handle_one(self, event: EventEnvelope) -> None:
        raise AssertionError("the batch handler is used, not the per-event one")

    async def handle(self, events: Sequence[EventEnvelope]) -> list[BaseException | None]:
        self.calls.append([enrolment_id(e) for e in events])
        return [self._outcome(event) for event in events]

    def _outcome(self, event: EventEnvelope) -> BaseException | None:
        if event.event_id == self._refused:
            return PermanentEventError("refused by the batch")
        if event.event_id == self._flaky and not self._flaky_failed:
            self._flaky_failed = True
            return ConnectionError("database is down")
        self.committed[enrolment_id(event)] += 1
        return None


async def test_batch_handler_outcomes_settle_each_event(
    start_consumer: StartConsumer, nats_server: Any
) -> None:
    events = [enrolment_event(n) for n in range(1, 6)]
    flaky, refused = events[1], events[3]
    await publish_first(events)
    recorder = BatchRecorder(flaky, refused)

    await start_consumer(
        "batch-handler",
        recorder.handle_one,
        recorder.handle,
        consumer_batch_size=5,
    )
    await wait_for(lambda: len(recorder.committed) == 4, DEADLINE_S)
    found = await deadletters(nats_server.url, 1, DEADLINE_S)
    await wait_settled(nats_server.url, "batch-handler")

    deliveries = Counter(e for call in recorder.calls for e in call)
    assert deliveries.pop(enrolment_id(flaky)) == 2, recorder.calls
    assert set(deliveries.values()) == {1}, "only the transient failure came again"
    assert set(recorder.committed.values()) == {1}
    assert enrolment_id(refused) not in recorder.committed
    assert len(found) == 1
    assert header(found[0], "Ilr-Deadletter-Reason") == "refused by the batch"
    assert header(found[0], "Ilr-Deliveries") == "1"


async def test_a_failing_batch_handler_retries_every_event(
    start_consumer: StartConsumer, nats_server: Any
) -> None:
    events = [enrolment_event(n) for n in range(1, 4)]
    await publish_first(events)
    calls: list[list[str]] = []

    async def unused(event: EventEnvelope) -> None:
        raise AssertionError("the batch handler is used, not the per-event one")

    async def handle(batch: Sequence[EventEnvelope]) -> list[BaseException | None]:
        calls.append(sorted(enrolment_id(e) for e in batch))
        if len(calls) == 1:
            raise ConnectionError("database is down")
        return [None] * len(batch)

    await start_consumer("batch-fails", unused, handle, consumer_batch_size=3)
    await wait_for(lambda: sum(len(c) for c in calls) >= 6, DEADLINE_S)
    await wait_settled(nats_server.url, "batch-fails")

    retried = sorted(e for call in calls[1:] for e in call)
    assert retried == calls[0] == sorted(enrolment_id(e) for e in events)


async def test_handlers_of_a_batch_run_concurrently_within_the_bound(
    start_consumer: StartConsumer,
) -> None:
    bound, total = 3, 10
    await publish_first([enrolment_event(n) for n in range(total)])
    in_flight = 0
    most = 0
    done: list[str] = []
    bound_reached = asyncio.Event()

    async def handle(event: EventEnvelope) -> None:
        nonlocal in_flight, most
        in_flight += 1
        most = max(most, in_flight)
        if in_flight == bound:
            bound_reached.set()
        await bound_reached.wait()  # the first ones hold their slots until `bound` run
        await asyncio.sleep(0)  # lets any handler started beyond the bound show itself
        in_flight -= 1
        done.append(enrolment_id(event))

    await start_consumer(
        "bounded",
        handle,
        consumer_batch_size=total,
        consumer_batch_wait_s=30,
        consumer_concurrency=bound,
    )
    await wait_for(lambda: len(done) == total, DEADLINE_S)
    assert most == bound
    assert len(set(done)) == total


async def test_heartbeat_keeps_a_slow_batch_with_its_instance(
    start_consumer: StartConsumer, nats_server: Any
) -> None:
    """Instance one holds a batch for 2.5 x ack_wait (one slot: the others wait for it);
    instance two pulls all along. Without the heartbeat the server would redeliver the
    held messages to instance two, and they would be handled twice."""
    ack_wait = 3.0
    events = [enrolment_event(n) for n in range(3)]
    await publish_first(events)
    handled: Counter[str] = Counter()
    holding, held_done = asyncio.Event(), asyncio.Event()

    async def handle(event: EventEnvelope) -> None:
        if holding.is_set():
            handled[enrolment_id(event)] += 1
            return
        holding.set()
        await asyncio.sleep(2.5 * ack_wait)
        handled[enrolment_id(event)] += 1
        held_done.set()

    settings: dict[str, Any] = {
        "ack_wait_s": ack_wait,
        "consumer_batch_size": len(events),
        "consumer_batch_wait_s": 30,
        "consumer_concurrency": 1,
    }
    await start_consumer("held", handle, **settings)
    await wait_for(holding.is_set, DEADLINE_S)
    await start_consumer("held", handle, **settings)
    await wait_for(lambda: held_done.is_set() and len(handled) == len(events), DEADLINE_S)
    await wait_settled(nats_server.url, "held")
    assert set(handled.values()) == {1}, handled
