"""Events leave through the outbox: on JetStream with Nats-Msg-Id = event_id, and also
when the process died between the write and the publish."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from typing import Any

import httpx
import nats
import pytest
from nats.aio.client import Client
from pymongo import AsyncMongoClient

from ilr_shared.events import EventEnvelope, TemplateChanged, parse_payload
from ilr_shared.outbox import OUTBOX_FIELD, PENDING_FIELD
from programmes_service.adapters.repository import EnrolmentRepository, ProgrammeRepository
from programmes_service.bootstrap import create_app
from programmes_service.service_layer.services import ProgrammesService
from tests.unit.programmes.template_builders import apprenticeship

from .conftest import TENANT, TokenFactory
from .test_api import BASE, enrolment


@pytest.fixture
async def nats_client(service_env: dict[str, str]) -> AsyncIterator[Client]:
    connection = await nats.connect(service_env["NATS_URL"])
    yield connection
    await connection.close()


async def read_events(connection: Client, count: int) -> list[tuple[EventEnvelope, str]]:
    """The first `count` messages of the PROGRAMMES stream (subject programmes.>)."""
    js = connection.jetstream()
    sub = await js.subscribe("programmes.>", ordered_consumer=True)
    out = []
    try:
        for _ in range(count):
            msg = await sub.next_msg(timeout=10)
            envelope = EventEnvelope.model_validate(json.loads(msg.data))
            assert msg.subject == envelope.subject
            out.append((envelope, (msg.headers or {}).get("Nats-Msg-Id", "")))
    finally:
        await sub.unsubscribe()
    return out


async def test_events_are_published_with_msg_id(
    client: httpx.AsyncClient, auth: TokenFactory, nats_client: Client
) -> None:
    created = await client.post(
        BASE, json={"name": "Data", "academic_year": "2026/27"}, headers=auth()
    )
    pid = created.json()["id"]
    await client.patch(f"{BASE}/{pid}", json={"name": "Data 2"}, headers=auth())
    await client.put(f"{BASE}/{pid}/ilr-template", json=apprenticeship(), headers=auth())
    enrolled = await client.post(f"{BASE}/{pid}/enrolments", json=enrolment(), headers=auth())
    eid = enrolled.json()["id"]
    await client.post(
        f"{BASE}/{pid}/enrolments/{eid}/withdraw", json={"reason": "moved"}, headers=auth()
    )

    events = await read_events(nats_client, 5)
    for envelope, msg_id in events:
        assert msg_id == str(envelope.event_id)
        assert envelope.tenant == TENANT
        parse_payload(envelope)
    # Order is promised per aggregate; programmes and enrolments relay independently.
    by_aggregate: dict[str, list[tuple[str, int]]] = {}
    for envelope, _ in events:
        by_aggregate.setdefault(envelope.aggregate_id, []).append(
            (envelope.event_type, envelope.sequence)
        )
    assert by_aggregate == {
        pid: [("programme.changed", 1), ("programme.changed", 2), ("template.changed", 1)],
        eid: [("enrolment.created", 1), ("enrolment.withdrawn", 2)],
    }
    by_type = {envelope.event_type: envelope for envelope, _ in events}
    assert by_type["programme.changed"].subject == f"programmes.{TENANT}.programme.changed"
    template_event = parse_payload(by_type["template.changed"])
    assert isinstance(template_event, TemplateChanged)
    assert template_event.revision == 1 and template_event.academic_year == "2026/27"
    assert template_event.template["LearningDelivery"][0]["key"] == "prog"
    created_event = by_type["enrolment.created"]
    created_payload: dict[str, Any] = created_event.payload
    assert created_payload["academic_year"] == "2026/27"
    assert created_payload["learner"]["LearnRefNumber"] == "LRN0001"
    # the programme as the enrolment saw it: created, renamed, given its template
    assert created_payload["ilr_enabled"] is True and created_payload["programme_version"] == 3
    assert created_event.subject == f"programmes.{TENANT}.enrolment.created"


async def test_event_written_before_a_crash_is_published_after_restart(
    service_env: dict[str, str], nats_client: Client
) -> None:
    # The write happens with no relay running, as if the process died right after it.
    mongo: AsyncMongoClient[dict[str, Any]] = AsyncMongoClient(
        service_env["MONGODB_URL"], tz_aware=True
    )
    database = mongo[service_env["MONGODB_DATABASE"]]
    service = ProgrammesService(ProgrammeRepository(database), EnrolmentRepository(database))
    doc = await service.create_programme(TENANT, name="Before crash", academic_year="2026/27")
    stored = await database["programmes"].find_one({"_id": doc["_id"]})
    assert stored is not None and stored[PENDING_FIELD] is True
    event_id = stored[OUTBOX_FIELD][0]["event_id"]

    app = create_app()
    async with app.router.lifespan_context(app):
        events = await read_events(nats_client, 1)
        for _ in range(100):  # the relay clears the outbox right after publishing
            after = await database["programmes"].find_one({"_id": doc["_id"]})
            assert after is not None
            if PENDING_FIELD not in after:
                break
            await asyncio.sleep(0.05)
    assert after is not None
    assert events[0][0].aggregate_id == doc["_id"]
    assert events[0][1] == event_id == str(events[0][0].event_id)
    assert after.get(OUTBOX_FIELD) == [] and PENDING_FIELD not in after
    await mongo.close()
