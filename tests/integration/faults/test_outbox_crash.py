"""The programmes service dies between its database write and the publish: the enrolment
is written through the API while NATS is down (the event stays in the document's outbox),
the programmes process is SIGKILLed, then NATS and the programmes service come back: the
relay publishes the event and the learner's ILR appears, prefilled, exactly once."""

from __future__ import annotations

import asyncio
import time
from typing import Any

import httpx
import pytest
from pymongo import AsyncMongoClient

from tests.e2e.support import make_uln
from tests.integration.faults.conftest import Services
from tests.integration.faults.support import (
    TEMPLATE,
    auth,
    check_histories,
    deadletters,
    stream_messages,
    wait_for,
)


@pytest.mark.slow
@pytest.mark.timeout(240)
async def test_outbox_survives_a_crash_before_publish(
    services: Services, mongo: AsyncMongoClient[dict[str, Any]]
) -> None:
    started = time.monotonic()
    programmes = services.spawn("programmes")
    ilr = services.spawn("ilr")
    await programmes.wait_ready()
    await ilr.wait_ready()
    programmes_db = mongo[services.database("programmes")]
    ilr_db = mongo[services.database("ilr")]
    headers = auth()

    async with httpx.AsyncClient(base_url=programmes.url, headers=headers, timeout=30) as api:
        created = await api.post(
            "/api/programmes", json={"name": "Outbox crash", "academic_year": "2026/27"}
        )
        assert created.status_code == 201, created.text
        pid = created.json()["id"]
        saved = await api.put(f"/api/programmes/{pid}/ilr-template", json=TEMPLATE)
        assert saved.status_code == 200, saved.text
        await wait_for(
            lambda: ilr_db["templates"].count_documents({"programme_id": pid}),
            60,
            "template reached the ILR service",
        )
        enrolments_before = await stream_messages(services.nats.url, "PROGRAMMES")

        await asyncio.to_thread(services.nats.stop)
        body = {
            "learner": {
                "LearnRefNumber": "CRASH1",
                "ULN": make_uln(424242),
                "GivenNames": "Outbox",
                "FamilyName": "Crash",
                "DateOfBirth": "2004-02-01",
                "Postcode": "B1 1AA",
            },
            "LearnStartDate": "2026-09-01",
            "LearnPlanEndDate": "2027-12-01",
        }
        enrolled = await api.post(f"/api/programmes/{pid}/enrolments", json=body)
        assert enrolled.status_code == 201, enrolled.text
        eid = enrolled.json()["id"]

    # The write committed with its event in the outbox, and nothing could publish it.
    stored = await programmes_db["enrolments"].find_one({"_id": eid})
    assert stored is not None
    assert stored.get("_outbox_pending") is True
    assert [e["event_type"] for e in stored["_outbox"]] == ["enrolment.created"]
    event_id = stored["_outbox"][0]["event_id"]
    programmes.kill()

    await asyncio.to_thread(services.nats.start)
    assert await stream_messages(services.nats.url, "PROGRAMMES") == enrolments_before
    programmes.start()
    await programmes.wait_ready()

    async def ilr_for_enrolment() -> dict[str, Any] | None:
        return await ilr_db["ilrs"].find_one({"enrolment_id": eid, "template_revision": 1})

    document = await wait_for(
        ilr_for_enrolment, 90, "the ILR of the crashed enrolment", alive=[programmes, ilr]
    )
    assert document["created_by_event"] == event_id
    assert any(d.get("LearnAimRef") == "ZPROG001" for d in document["record"]["LearningDelivery"])
    await wait_for(
        lambda: _outbox_empty(programmes_db, eid), 30, "the outbox emptied after publishing"
    )
    assert await ilr_db["ilrs"].count_documents({"enrolment_id": eid}) == 1
    assert await stream_messages(services.nats.url, "PROGRAMMES") == enrolments_before + 1
    report = await check_histories(ilr_db)
    assert report.problems == []
    assert await deadletters(services.nats.url) == []

    async with httpx.AsyncClient(base_url=ilr.url, headers=headers, timeout=30) as api:
        found = await api.get("/api/ilrs", params={"programme_id": pid})
        assert found.status_code == 200
        assert [i["enrolment_id"] for i in found.json()["items"]] == [eid]
    print(f"\noutbox crash: ILR after restart; {time.monotonic() - started:.1f}s")


async def _outbox_empty(db: Any, eid: str) -> bool:
    doc = await db["enrolments"].find_one({"_id": eid})
    return bool(doc and not doc.get("_outbox") and not doc.get("_outbox_pending"))
