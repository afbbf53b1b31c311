"""NATS restarts during a stream of events: consumers reconnect and nothing is lost."""

from __future__ import annotations

import asyncio

from ilr_shared.messaging import NatsEventPublisher
from tests.integration.shared.test_messaging import Harness, enrolment_event, wait_for
from tests.support.servers import NatsServer


async def publish_with_retry(publisher: NatsEventPublisher, n: int) -> None:
    event = enrolment_event(n)
    for _ in range(200):
        try:
            await publisher.publish(event)
            return
        except Exception:
            await asyncio.sleep(0.1)
    raise AssertionError(f"event {n} could not be published")


async def test_consumer_survives_nats_restart(
    running: tuple[Harness, NatsEventPublisher], nats_server: NatsServer
) -> None:
    harness, publisher = running
    for n in range(50):
        await publish_with_retry(publisher, n)
    await asyncio.to_thread(nats_server.restart)
    for n in range(50, 100):
        await publish_with_retry(publisher, n)
    await wait_for(lambda: len({e.aggregate_id for e in harness.seen}) == 100, timeout=60)
    assert {e.aggregate_id for e in harness.seen} == {f"enr-{n}" for n in range(100)}
