"""The outbox relay publishes what a write left pending, and only once per event id."""

from __future__ import annotations

import asyncio
from typing import Any

import nats
from pymongo import AsyncMongoClient

from ilr_shared.messaging import NatsEventPublisher, declare_streams, make_broker
from ilr_shared.outbox import (
    OUTBOX_FIELD,
    PENDING_FIELD,
    OutboxRelay,
    ensure_outbox_index,
    merge_updates,
    outbox_fields,
    outbox_push,
)
from ilr_shared.settings import CommonSettings
from tests.integration.shared.test_messaging import enrolment_event


async def collect(nats_url: str, count: int, timeout: float = 10.0) -> list[str]:
    connection = await nats.connect(nats_url)
    js = connection.jetstream()
    sub = await js.pull_subscribe("programmes.>", stream="PROGRAMMES")
    ids: list[str] = []
    deadline = asyncio.get_running_loop().time() + timeout
    while len(ids) < count and asyncio.get_running_loop().time() < deadline:
        try:
            for msg in await sub.fetch(count, timeout=1):
                assert msg.headers is not None
                ids.append(msg.headers["Nats-Msg-Id"])
                await msg.ack()
        except (nats.errors.TimeoutError, TimeoutError):  # fetch raises either
            continue
    await connection.close()
    return ids


async def test_relay_publishes_events_written_while_it_was_down(
    service_env: dict[str, str], mongo_client: AsyncMongoClient[dict[str, Any]], database_name: str
) -> None:
    collection = mongo_client[database_name]["things"]
    await ensure_outbox_index(collection)
    first, second, third = enrolment_event(1), enrolment_event(2), enrolment_event(3)
    # A "crash" after the write: the events are stored with the state, nothing published.
    await collection.insert_one({"_id": "a", "state": 1, **outbox_fields([first])})
    await collection.update_one(
        {"_id": "a"}, merge_updates({"$set": {"state": 2}}, outbox_push([second, third]))
    )

    broker = make_broker(CommonSettings())
    await broker.connect()
    await declare_streams(broker)
    relay = OutboxRelay([collection], NatsEventPublisher(broker))
    assert await relay.publish_pending() == 3
    assert await relay.publish_pending() == 0
    await broker.stop()

    published = await collect(service_env["NATS_URL"], 3)
    assert published == [str(e.event_id) for e in (first, second, third)]
    stored = await collection.find_one({"_id": "a"})
    assert stored is not None
    assert stored["state"] == 2 and stored[OUTBOX_FIELD] == [] and PENDING_FIELD not in stored


async def test_publishing_again_after_a_crash_does_not_duplicate(
    service_env: dict[str, str], mongo_client: AsyncMongoClient[dict[str, Any]], database_name: str
) -> None:
    collection = mongo_client[database_name]["things"]
    event = enrolment_event(1)
    await collection.insert_one({"_id": "a", **outbox_fields([event])})
    broker = make_broker(CommonSettings())
    await broker.connect()
    await declare_streams(broker)
    publisher = NatsEventPublisher(broker)
    await publisher.publish(event)  # published, then the process died before the $pull
    await OutboxRelay([collection], publisher).publish_pending()
    await broker.stop()
    assert await collect(service_env["NATS_URL"], 2, timeout=3) == [str(event.event_id)]


async def test_one_pass_drains_a_backlog_larger_than_a_batch(
    service_env: dict[str, str], mongo_client: AsyncMongoClient[dict[str, Any]], database_name: str
) -> None:
    collection = mongo_client[database_name]["things"]
    await ensure_outbox_index(collection)
    events = [enrolment_event(n) for n in range(45)]
    await collection.insert_many(
        [{"_id": n, **outbox_fields([event])} for n, event in enumerate(events)]
    )
    broker = make_broker(CommonSettings())
    await broker.connect()
    await declare_streams(broker)
    relay = OutboxRelay([collection], NatsEventPublisher(broker), batch_size=10)
    assert await relay.publish_pending() == 45
    await broker.stop()
    assert await collection.count_documents({PENDING_FIELD: True}) == 0
    published = await collect(service_env["NATS_URL"], 45)
    assert sorted(published) == sorted(str(e.event_id) for e in events)
