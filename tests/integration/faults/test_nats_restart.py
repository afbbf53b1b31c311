"""NATS restarts (twice) in the middle of a stream of enrolment events while the ILR and
export services run: both reconnect by themselves, and every event published before,
between and after the restarts ends up as an ILR and as that ILR's latest version in the
export service's `records` projection (fed by ilr.record.changed)."""

from __future__ import annotations

import asyncio
import os
import time
from typing import Any

import pytest
from pymongo import AsyncMongoClient

from tests.integration.faults.conftest import Services
from tests.integration.faults.support import (
    PROGRAMMES_DURABLE,
    check_histories,
    consumer_idle,
    deadletters,
    enrolment_events,
    publish,
    stream_messages,
    template_event,
    wait_for,
    wait_while_progressing,
)

EVENTS = int(os.environ.get("ILR_FAULTS_NATS_EVENTS", "300"))


@pytest.mark.slow
@pytest.mark.timeout(900)  # the final wait fails sooner if nothing moves
async def test_services_reconnect_and_lose_nothing(
    services: Services, mongo: AsyncMongoClient[dict[str, Any]]
) -> None:
    started = time.monotonic()
    ilr = services.spawn("ilr")
    export = services.spawn("export")
    await ilr.wait_ready()
    await export.wait_ready()
    ilr_db = mongo[services.database("ilr")]
    export_db = mongo[services.database("export")]
    url = services.nats.url
    programme = "prg_restart"

    await publish(url, [template_event(programme, 1)])
    enrolments = enrolment_events(EVENTS, programme, tag="nrs")
    third = EVENTS // 3
    await publish(url, enrolments[:third])
    await wait_for(lambda: ilr_db["ilrs"].count_documents({}), 60, "first ILRs", alive=[ilr])

    restarts = 0
    for batch in (enrolments[third : 2 * third], enrolments[2 * third :]):
        await asyncio.to_thread(services.nats.restart)  # in the middle of the ingest
        restarts += 1
        await publish(url, batch, retry_s=60)
        await asyncio.sleep(1.0)
    # Template revision 2 after the restarts: a fan-out over everything ingested so far.
    await publish(url, [template_event(programme, 2)], retry_s=60)

    async def progress() -> tuple[Any, ...]:
        return (
            await ilr_db["ilrs"].count_documents({"template_revision": 2}),
            await ilr_db["ilrs"].count_documents({"_outbox_pending": True}),
            await consumer_idle(url, "PROGRAMMES", PROGRAMMES_DURABLE),
            await consumer_idle(url, "ILR", "export-service"),
            await export_db["records"].count_documents({}),
        )

    def done(state: tuple[Any, ...]) -> bool:
        at_revision_2, outbox, programmes_idle, ilr_idle, records = state
        return bool(
            at_revision_2 >= EVENTS
            and outbox == 0
            and programmes_idle
            and ilr_idle
            and records >= EVENTS
        )

    await wait_while_progressing(
        progress, done, "ILRs and export projection complete", alive=[ilr, export]
    )

    ilrs = {d["_id"]: d["version"] async for d in ilr_db["ilrs"].find({}, {"version": 1})}
    assert len(ilrs) == EVENTS
    records = {
        d["ilr_id"]: d["version"]
        async for d in export_db["records"].find({}, {"version": 1, "ilr_id": 1})
    }
    assert records == ilrs  # every ILR, at its latest version, reached the projection
    report = await check_histories(ilr_db)
    assert report.problems == [], report.problems[:20]
    assert await stream_messages(url, "ILR") == report.versions_total
    assert await deadletters(url) == []
    for service in (ilr, export):
        service.assert_running()
        # The same processes served before and after: they reconnected by themselves.
        assert service.starts == 1
    print(
        f"\n{EVENTS} events, {restarts} NATS restarts: versions {report.by_version}; "
        f"{time.monotonic() - started:.1f}s"
    )
