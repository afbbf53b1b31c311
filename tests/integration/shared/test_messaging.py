"""The delivery guarantees of ilr_shared.messaging against a real NATS JetStream."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from datetime import date

import nats
import pytest
from nats.aio.msg import Msg
from nats.js.api import ConsumerConfig, DeliverPolicy

from ilr_shared.events import (
    EnrolmentCreated,
    EventEnvelope,
    EventType,
    LearnerDetails,
    make_event,
)
from ilr_shared.messaging import (
    ConsumerSpec,
    NatsEventPublisher,
    PermanentEventError,
    declare_streams,
    make_broker,
    register_consumer,
)
from ilr_shared.settings import CommonSettings

TENANT = "10000001"


def enrolment_event(n: int = 1) -> EventEnvelope:
    return make_event(
        EventType.ENROLMENT_CREATED,
        TENANT,
        f"enr-{n}",
        1,
        EnrolmentCreated(
            enrolment_id=f"enr-{n}",
            programme_id="prg-1",
            academic_year="2026/27",
            learner=LearnerDetails(
                LearnRefNumber=f"L{n}", ULN=1000000042, GivenNames="A", FamilyName="B"
            ),
            LearnStartDate=date(2026, 9, 1),
        ),
    )


class Harness:
    def __init__(self) -> None:
        self.seen: list[EventEnvelope] = []
        self.failures_left = 0
        self.permanent = False

    async def handle(self, event: EventEnvelope) -> None:
        if self.permanent:
            raise PermanentEventError("this event breaks a rule")
        if self.failures_left > 0:
            self.failures_left -= 1
            raise ConnectionError("database is down")
        self.seen.append(event)


@pytest.fixture
async def running(service_env: dict[str, str]) -> AsyncIterator[tuple[Harness, NatsEventPublisher]]:
    settings = CommonSettings()
    broker = make_broker(settings)
    harness = Harness()
    await broker.connect()
    await declare_streams(broker)
    register_consumer(
        broker,
        ConsumerSpec("test-consumer", "PROGRAMMES", "programmes.>", harness.handle),
        settings,
    )
    await broker.start()
    yield harness, NatsEventPublisher(broker)
    await broker.stop()


async def deadletters(nats_url: str, expected: int, timeout: float = 10.0) -> list[Msg]:
    connection = await nats.connect(nats_url)
    js = connection.jetstream()
    sub = await js.pull_subscribe(
        "deadletter.>",
        durable=None,
        stream="DEADLETTER",
        config=ConsumerConfig(deliver_policy=DeliverPolicy.ALL),
    )
    found: list[Msg] = []
    deadline = asyncio.get_running_loop().time() + timeout
    while len(found) < expected and asyncio.get_running_loop().time() < deadline:
        try:
            found.extend(await sub.fetch(expected - len(found), timeout=1))
        except (nats.errors.TimeoutError, TimeoutError):  # fetch raises either
            continue
    await connection.close()
    return found


def header(msg: Msg, name: str) -> str:
    """A header of a dead-lettered message (each one carries its reason in headers)."""
    assert msg.headers is not None, msg
    return msg.headers[name]


async def wait_for(predicate: object, timeout: float = 10.0) -> None:
    deadline = asyncio.get_running_loop().time() + timeout
    while not predicate():  # type: ignore[operator]
        if asyncio.get_running_loop().time() > deadline:
            raise TimeoutError("condition not met")
        await asyncio.sleep(0.05)


async def test_event_is_delivered_and_acked(running: tuple[Harness, NatsEventPublisher]) -> None:
    harness, publisher = running
    event = enrolment_event()
    await publisher.publish(event)
    await wait_for(lambda: len(harness.seen) == 1)
    assert harness.seen[0] == event
    await asyncio.sleep(0.5)
    assert len(harness.seen) == 1, "an acked event is not delivered again"


async def test_duplicate_publish_is_deduplicated_by_event_id(
    running: tuple[Harness, NatsEventPublisher],
) -> None:
    harness, publisher = running
    event = enrolment_event()
    await publisher.publish(event)
    await publisher.publish(event)
    await wait_for(lambda: len(harness.seen) >= 1)
    await asyncio.sleep(0.5)
    assert len(harness.seen) == 1


async def test_transient_failure_is_retried_until_it_succeeds(
    running: tuple[Harness, NatsEventPublisher],
) -> None:
    harness, publisher = running
    harness.failures_left = 2
    await publisher.publish(enrolment_event())
    await wait_for(lambda: len(harness.seen) == 1)
    assert harness.failures_left == 0


async def test_failure_that_persists_is_dead_lettered_with_reason(
    running: tuple[Harness, NatsEventPublisher], nats_server: object
) -> None:
    harness, publisher = running
    harness.failures_left = 100
    await publisher.publish(enrolment_event())
    found = await deadletters(nats_server.url, 1)  # type: ignore[attr-defined]
    assert len(found) == 1
    assert "gave up after 4 tries" in header(found[0], "Ilr-Deadletter-Reason")
    assert "database is down" in header(found[0], "Ilr-Deadletter-Reason")


async def test_malformed_events_are_dead_lettered_and_consumer_goes_on(
    running: tuple[Harness, NatsEventPublisher], nats_server: object
) -> None:
    harness, publisher = running
    connection = await nats.connect(nats_server.url)  # type: ignore[attr-defined]
    js = connection.jetstream()
    good = enrolment_event(2)
    wrong_payload = json.loads(enrolment_event(3).model_dump_json())
    wrong_payload["payload"]["learner"]["ULN"] = "not a number"
    await js.publish(f"programmes.{TENANT}.enrolment.created", b"{not json")
    await js.publish(f"programmes.{TENANT}.enrolment.created", json.dumps(wrong_payload).encode())
    await js.publish("programmes.99999999.enrolment.created", good.model_dump_json().encode())
    await js.publish("programmes.nonsense", b"{}")
    await connection.close()
    await publisher.publish(good)
    await wait_for(lambda: len(harness.seen) == 1)
    found = await deadletters(nats_server.url, 4)  # type: ignore[attr-defined]
    reasons = sorted(header(m, "Ilr-Deadletter-Reason") for m in found)
    assert len(found) == 4
    assert any("invalid envelope" in r for r in reasons)
    assert any("learner.ULN" in r for r in reasons)
    assert any("does not match subject" in r for r in reasons)
    assert any("is not <stream>.<ukprn>.<event>" in r for r in reasons)


async def test_permanent_error_is_dead_lettered_at_once(
    running: tuple[Harness, NatsEventPublisher], nats_server: object
) -> None:
    harness, publisher = running
    harness.permanent = True
    await publisher.publish(enrolment_event())
    found = await deadletters(nats_server.url, 1)  # type: ignore[attr-defined]
    assert header(found[0], "Ilr-Deliveries") == "1"
    assert header(found[0], "Ilr-Deadletter-Reason") == "this event breaks a rule"
