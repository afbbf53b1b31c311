"""SIGKILL the ILR service in the middle of an enrolment ingest (and again in the middle of
a template fan-out), restart it: every enrolment has exactly one ILR with a consistent
version history, and every committed version's record.changed was published once.

Size: ILR_FAULTS_KILL_EVENTS (default 5,000, the size the issue asks for): 154 s on a quiet
2-core machine with SecantusDB, 555 s on a slow one (ingest + template fan-out, then the
outbox relay publishing every record.changed). Smaller runs for quick checks:
`ILR_FAULTS_KILL_EVENTS=1000`.
"""

from __future__ import annotations

import os
import time
from typing import Any

import httpx
import pytest
from pymongo import AsyncMongoClient

from ilr_service.domain.ilr import ilr_id_for
from tests.integration.faults.conftest import Services
from tests.integration.faults.support import (
    TENANT,
    auth,
    check_histories,
    deadletters,
    enrolment_events,
    publish,
    stream_messages,
    template_event,
    wait_for,
    wait_until_ingested,
)

EVENTS = int(os.environ.get("ILR_FAULTS_KILL_EVENTS", "5000"))


@pytest.mark.slow
@pytest.mark.timeout(1800)  # the wait below fails sooner if nothing moves
async def test_sigkill_mid_ingest_loses_and_duplicates_nothing(
    services: Services, mongo: AsyncMongoClient[dict[str, Any]]
) -> None:
    started = time.monotonic()
    ilr = await services.up("ilr")
    db = mongo[services.database("ilr")]
    url = services.nats.url
    programme = "prg_kill"

    await publish(url, [template_event(programme, 1)])
    await wait_for(
        lambda: db["templates"].count_documents({"revision": 1}), 60, "template 1 stored"
    )
    enrolments = enrolment_events(EVENTS, programme, tag="kill")
    half = EVENTS // 2
    # Template revision 2 sits in the middle of the stream: its fan-out races the ingest.
    await publish(url, [*enrolments[:half], template_event(programme, 2), *enrolments[half:]])

    # Kill 1: about a quarter of the enrolments in.
    await wait_for(
        lambda: _at_least(db, EVENTS // 4), 300, "a quarter ingested", interval=0.05, alive=[ilr]
    )
    ilr.kill()
    at_first_kill = await db["ilrs"].count_documents({})
    ilr.start()
    # Kill 2: as soon as revision 2 is stored, i.e. while it is being fanned out.
    await wait_for(
        lambda: db["templates"].count_documents({"revision": 2}),
        300,
        "template 2 stored",
        interval=0.05,
        alive=[ilr],
    )
    behind_at_second_kill = await db["ilrs"].count_documents({"template_revision": {"$lt": 2}})
    ilr.kill()
    at_second_kill = await db["ilrs"].count_documents({})
    ilr.start()
    await ilr.wait_ready()

    await wait_until_ingested(
        db, url, EVENTS, "all enrolments ingested after the kills", alive=[ilr]
    )
    outbox_drain = f"{time.monotonic() - started:.0f}s"

    expected = {e.payload["enrolment_id"] for e in enrolments}
    ilrs = [d async for d in db["ilrs"].find({}, {"enrolment_id": 1, "template_revision": 1})]
    assert len(ilrs) == EVENTS
    assert {d["enrolment_id"] for d in ilrs} == expected  # nothing missing, nothing extra
    assert {d["_id"] for d in ilrs} == {ilr_id_for(TENANT, e) for e in expected}
    assert {d["template_revision"] for d in ilrs} == {2}

    report = await check_histories(db)
    assert report.problems == [], report.problems[:20]
    assert set(report.by_version) <= {1, 2}, report.by_version
    # Version 2 of an ILR can only be the template-2 change.
    not_template = await db["ilr_versions"].count_documents(
        {"version": 2, "committed": True, "source": {"$ne": "template"}}
    )
    assert not_template == 0
    # Each committed version's record.changed was published exactly once (outbox + dedupe).
    assert await stream_messages(url, "ILR") == report.versions_total
    assert await deadletters(url) == []
    # The API lists the same histories (committed-or-head versions, newest first).
    async with httpx.AsyncClient(base_url=ilr.url, headers=auth(), timeout=30) as api:
        for document in ilrs[:: max(1, EVENTS // 20)]:
            current = (await api.get(f"/api/ilrs/{document['_id']}")).json()
            listed = (await api.get(f"/api/ilrs/{document['_id']}/versions")).json()["items"]
            assert [v["version"] for v in listed] == list(range(current["version"], 0, -1))
    print(
        f"\n{EVENTS} events: killed at {at_first_kill} ILRs and at {at_second_kill} ILRs "
        f"({behind_at_second_kill} behind template 2); versions {report.by_version}; "
        f"orphaned version docs {report.orphans}; done at {outbox_drain}; "
        f"{time.monotonic() - started:.1f}s"
    )


async def _at_least(db: Any, n: int) -> bool:
    return bool(await db["ilrs"].count_documents({}) >= n)
