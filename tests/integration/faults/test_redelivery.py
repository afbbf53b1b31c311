"""Every event published twice (distinct Nats-Msg-Id, so both copies reach the consumer),
and messages redelivered after their ack timed out: two ILR instances share the durable
consumer with ILR_ACK_WAIT=2s; one is frozen with SIGSTOP (no heartbeats, no acks) for
longer than ack_wait, so the server redelivers its in-flight messages to the other, then it
is thawed with SIGCONT and finishes the same messages. No duplicate ILRs or versions.
"""

from __future__ import annotations

import asyncio
import os
import time
from typing import Any

import nats
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
    wait_until_ingested,
)

EVENTS = int(os.environ.get("ILR_FAULTS_REDELIVERY_EVENTS", "400"))
ACK_WAIT_S = 2.0


async def _redelivered(nats_url: str) -> int:
    connection = await nats.connect(nats_url)
    try:
        info = await connection.jetstream().consumer_info("PROGRAMMES", PROGRAMMES_DURABLE)
        return int(info.num_redelivered or 0)
    finally:
        await connection.close()


@pytest.mark.slow
@pytest.mark.timeout(900)  # the final wait fails sooner if nothing moves
async def test_duplicates_and_ack_timeouts_change_nothing_twice(
    services: Services, mongo: AsyncMongoClient[dict[str, Any]]
) -> None:
    started = time.monotonic()
    extra = {"ILR_ACK_WAIT": str(ACK_WAIT_S), "ILR_CONSUMER_BATCH": "32"}
    first, second = services.spawn("ilr", 1, **extra), services.spawn("ilr", 2, **extra)
    await first.wait_ready()
    await second.wait_ready()
    db = mongo[services.database("ilr")]
    url = services.nats.url
    programme = "prg_dup"

    t1 = template_event(programme, 1)
    await publish(url, [t1])
    await publish(url, [t1], msg_id_suffix=":again")
    await wait_for(lambda: db["templates"].count_documents({"revision": 1}), 60, "template 1")

    enrolments = enrolment_events(EVENTS, programme, tag="dup")
    t2 = template_event(programme, 2)
    stream = [*enrolments[: EVENTS // 2], t2, *enrolments[EVENTS // 2 :]]
    await publish(url, stream)
    await publish(url, list(reversed(stream)), msg_id_suffix=":again")  # the second copies
    assert await stream_messages(url, "PROGRAMMES") == 2 * (len(stream) + 1)

    # Freeze each instance in turn for 3 x ack_wait while it holds messages. The first freeze
    # must meet messages in flight; a fast ingest may have handled everything before the
    # second one, which then has nothing left to freeze.
    max_redelivered = 0
    for turn, frozen in enumerate((first, second)):
        if await consumer_idle(url, "PROGRAMMES", PROGRAMMES_DURABLE):
            assert turn > 0, "too late"
            break
        frozen.pause()
        deadline = time.monotonic() + 3 * ACK_WAIT_S
        while time.monotonic() < deadline:
            max_redelivered = max(max_redelivered, await _redelivered(url))
            await asyncio.sleep(0.2)
        frozen.resume()
        await asyncio.sleep(1.0)
    assert max_redelivered > 0, "the server redelivered nothing while an instance was frozen"

    await wait_until_ingested(db, url, EVENTS, "every event handled", alive=[first, second])

    ilrs = [d async for d in db["ilrs"].find({}, {"enrolment_id": 1, "template_revision": 1})]
    assert len(ilrs) == EVENTS
    assert {d["enrolment_id"] for d in ilrs} == {e.payload["enrolment_id"] for e in enrolments}
    report = await check_histories(db)
    assert report.problems == [], report.problems[:20]
    assert set(report.by_version) <= {1, 2}, report.by_version
    assert await stream_messages(url, "ILR") == report.versions_total
    assert await deadletters(url) == []
    # No crash here: every lost race cleaned its version document up.
    assert report.orphans == 0
    print(
        f"\n{EVENTS} events x2: max redelivered {max_redelivered}; versions "
        f"{report.by_version}; {time.monotonic() - started:.1f}s"
    )
