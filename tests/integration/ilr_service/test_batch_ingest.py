"""Batched ingest through NATS: many enrolments published at once become ILRs exactly once,
and a poison event among them is dead-lettered alone."""

from __future__ import annotations

import asyncio

from ilr_service.adapters.repository import IlrRepository
from ilr_shared.events import EventEnvelope, make_event, parse_payload
from tests.integration.ilr_service.conftest import (
    TEMPLATE_V1,
    TENANT,
    Service,
    enrolment_created,
    template_changed,
)
from tests.integration.shared.test_messaging import deadletters, header

LEARNERS = 300


def poison_enrolment() -> EventEnvelope:
    """A learner of an academic year the service does not support."""
    event = enrolment_created(LEARNERS + 1)
    payload = parse_payload(event).model_copy(update={"academic_year": "1999/00"})
    return make_event(event.event_type, TENANT, event.aggregate_id, 1, payload)


async def test_300_enrolments_at_once_become_300_ilrs_and_the_poison_one_is_deadlettered(
    service: Service, service_env: dict[str, str]
) -> None:
    await service.publish(template_changed(1, TEMPLATE_V1))
    events = [enrolment_created(n) for n in range(1, LEARNERS + 1)]
    events.insert(LEARNERS // 2, poison_enrolment())
    for start in range(0, len(events), 50):
        await asyncio.gather(*(service.publish(e) for e in events[start : start + 50]))
    await service.publish(events[0])  # a redelivery of one already in the stream

    repo: IlrRepository = service.app.state.ilr_repository

    async def all_stored() -> bool:
        return await repo.ilrs.count_documents({"tenant": TENANT}) >= LEARNERS

    await service.until(all_stored, 120, f"{LEARNERS} ILRs")
    found = await deadletters(service_env["NATS_URL"], 2, timeout=5)
    assert len(found) == 1
    assert header(found[0], "Ilr-Original-Subject") == events[LEARNERS // 2].subject
    assert "1999/00" in header(found[0], "Ilr-Deadletter-Reason")

    ilrs = await repo.ilrs.find({"tenant": TENANT}, {"enrolment_id": 1, "write_id": 1}).to_list()
    assert sorted(d["enrolment_id"] for d in ilrs) == sorted(
        f"enr_{n}" for n in range(1, LEARNERS + 1)
    )
    # one version document each, version 1, the head write of its ILR
    versions = await repo.versions.find({"tenant": TENANT}, {"version": 1}).to_list()
    assert {v["_id"] for v in versions} == {d["write_id"] for d in ilrs}
    assert {v["version"] for v in versions} == {1}
