"""An export waits for ILR changes that are committed but still in the ILR service's outbox,
then for its projection to consume them (real NATS, real Mongo wire)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import nats
import pytest
from faststream.nats import NatsBroker
from nats.js.api import ConsumerConfig
from pymongo import AsyncMongoClient
from pymongo.asynchronous.collection import AsyncCollection

from export_service.adapters.projection_sync import ProjectionSync
from ilr_shared.messaging import NatsEventPublisher, declare_streams, make_broker
from ilr_shared.mongo import Document
from ilr_shared.outbox import OutboxRelay, ensure_outbox_index, outbox_fields
from ilr_shared.outbox_barrier import pending_in_outbox, register_outbox_responder
from ilr_shared.settings import CommonSettings
from tests.integration.shared.test_messaging import TENANT, enrolment_event

UPSTREAM = "programmes"  # the events waited for: programmes.<ukprn>.…
DURABLE = "projection-under-test"
OTHER_TENANT = "10000002"


@dataclass
class Upstream:
    """A writer with an outbox (as the ILR service has) and its answering broker."""

    broker: NatsBroker
    outbox: AsyncCollection[Document]
    relay: OutboxRelay

    async def commit(self, document_id: str, n: int, tenant: str = TENANT) -> None:
        event = enrolment_event(n)
        await self.outbox.insert_one(
            {"_id": document_id, "tenant": tenant, **outbox_fields([event])}
        )


@pytest.fixture
async def upstream(
    service_env: dict[str, str], mongo_client: AsyncMongoClient[dict[str, Any]], database_name: str
) -> AsyncIterator[Upstream]:
    outbox = mongo_client[database_name]["records"]
    await ensure_outbox_index(outbox)
    broker = make_broker(CommonSettings())
    register_outbox_responder(broker, UPSTREAM, [outbox])
    await broker.start()
    await declare_streams(broker)
    await broker.connection.jetstream().add_consumer(
        "PROGRAMMES", ConsumerConfig(durable_name=DURABLE, filter_subject="programmes.>")
    )
    yield Upstream(broker, outbox, OutboxRelay([outbox], NatsEventPublisher(broker)))
    await broker.stop()


async def consume_all(nats_url: str) -> int:
    """The projection's consumer takes and acks what is on the stream."""
    connection = await nats.connect(nats_url)
    sub = await connection.jetstream().pull_subscribe_bind(DURABLE, stream="PROGRAMMES")
    taken = 0
    try:
        for msg in await sub.fetch(100, timeout=2):
            await msg.ack_sync()
            taken += 1
    except (nats.errors.TimeoutError, TimeoutError):  # fetch raises either
        pass
    await connection.close()
    return taken


async def test_the_writer_answers_how_many_of_a_tenants_documents_are_unpublished(
    upstream: Upstream,
) -> None:
    await upstream.commit("a", 1)
    await upstream.commit("b", 2)
    connection = upstream.broker.connection
    assert await pending_in_outbox(connection, UPSTREAM, TENANT) == 2
    assert await pending_in_outbox(connection, UPSTREAM, OTHER_TENANT) == 0
    assert await pending_in_outbox(connection, "exports", TENANT) is None  # nobody answers

    assert await upstream.relay.publish_pending() == 2
    assert await pending_in_outbox(connection, UPSTREAM, TENANT) == 0


async def test_sync_waits_for_the_outbox_and_then_for_the_projection(
    upstream: Upstream, service_env: dict[str, str]
) -> None:
    sync = ProjectionSync(upstream.broker, "PROGRAMMES", DURABLE, 20.0, UPSTREAM)
    await upstream.commit("a", 1)
    waiting = asyncio.create_task(sync.wait_caught_up(TENANT))

    await asyncio.sleep(0.6)
    assert not waiting.done(), "an unpublished change must hold the export back"
    assert await upstream.relay.publish_pending() == 1
    await asyncio.sleep(0.6)
    assert not waiting.done(), "a published change the projection has not taken holds it too"

    assert await consume_all(service_env["NATS_URL"]) == 1
    assert await asyncio.wait_for(waiting, 10) is True


async def test_sync_gives_up_at_its_deadline_and_says_so(upstream: Upstream) -> None:
    await upstream.commit("a", 1)
    sync = ProjectionSync(upstream.broker, "PROGRAMMES", DURABLE, 0.5, UPSTREAM)
    assert await sync.wait_caught_up(TENANT) is False
    # Another tenant's backlog is not this tenant's business; the projection is idle.
    assert await sync.wait_caught_up(OTHER_TENANT) is True
