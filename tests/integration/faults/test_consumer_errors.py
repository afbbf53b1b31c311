"""Consumer errors never lose a message.

* The database goes away (the SecantusDB process is stopped) while enrolment events keep
  arriving: the handlers fail, the messages are NAKed with exponential back-off and
  redelivered, and once the database is back (same port, same storage) every event
  succeeds. Nothing is dead-lettered.
* A message that can never succeed ends in `deadletter.>` with the reason: a template the
  ILR service refuses (PermanentEventError: one try), and a template change whose revision
  MongoDB cannot store (a transient-looking error on every try: dead-lettered after exactly
  ILR_MAX_DELIVERIES tries). The consumer carries on with the next events.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import shutil
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from pymongo import AsyncMongoClient

from tests.integration.faults.conftest import Services
from tests.integration.faults.support import (
    PROGRAMMES_DURABLE,
    TENANT,
    check_histories,
    consumer_idle,
    deadletters,
    enrolment_events,
    publish,
    template,
    template_event,
    wait_for,
)
from tests.support.servers import MongoServer, free_port, start_secantus

EVENTS = 150
MAX_DELIVERIES = 3


@pytest.fixture
def private_mongo() -> Iterator[MongoServer]:
    """A SecantusDB of the test's own, which the test stops and starts again."""
    folder = Path(tempfile.mkdtemp(prefix="faults-mongo-"))
    storage = folder / "data"
    storage.mkdir()
    server = start_secantus(free_port(), storage)
    try:
        yield server
    finally:
        server.cleanup()
        shutil.rmtree(folder, ignore_errors=True)


@pytest.mark.slow
@pytest.mark.timeout(300)
async def test_database_outage_is_retried_with_backoff_and_loses_nothing(
    services: Services, private_mongo: MongoServer
) -> None:
    started = time.monotonic()
    services.mongo_url = private_mongo.url
    ilr = await services.up(
        "ilr",
        ILR_MAX_DELIVERIES="60",
        ILR_RETRY_BASE_DELAY="0.2",
        ILR_RETRY_MAX_DELAY="2",
    )
    client: AsyncMongoClient[dict[str, Any]] = AsyncMongoClient(
        private_mongo.url, tz_aware=True, serverSelectionTimeoutMS=60_000
    )
    db = client[services.database("ilr")]
    url = services.nats.url
    programme = "prg_dbdown"
    try:
        await publish(url, [template_event(programme, 1)])
        enrolments = enrolment_events(EVENTS, programme, tag="dbd")
        await publish(url, enrolments[: EVENTS // 2])
        await wait_for(lambda: db["ilrs"].count_documents({}), 60, "the first ILRs", interval=0.05)

        assert private_mongo.process is not None and private_mongo.storage is not None
        port = int(private_mongo.url.rsplit(":", 1)[1].split("/", 1)[0])
        stopped_cleanly = private_mongo.stop(grace_s=15)
        down_at = time.monotonic()
        await publish(url, enrolments[EVENTS // 2 :])  # events keep arriving
        # Two server-selection timeouts (10 s each): every held message fails twice.
        await asyncio.sleep(22)
        restarted = start_secantus(port, private_mongo.storage)
        private_mongo.process = restarted.process
        outage_s = time.monotonic() - down_at

        async def done() -> bool:
            return (
                await db["ilrs"].count_documents({}) >= EVENTS
                and await db["ilrs"].count_documents({"_outbox_pending": True}) == 0
                and await consumer_idle(url, "PROGRAMMES", PROGRAMMES_DURABLE)
            )

        await wait_for(done, 180, "every event handled after the outage", alive=[ilr])
        ilrs = [d async for d in db["ilrs"].find({}, {"enrolment_id": 1})]
        assert sorted(d["enrolment_id"] for d in ilrs) == sorted(
            e.payload["enrolment_id"] for e in enrolments
        )
        report = await check_histories(db)
        assert report.problems == [], report.problems[:20]
        assert await deadletters(url) == []
    finally:
        await client.close()

    retries = [
        json.loads(line)
        for line in ilr.log_text().splitlines()
        if line.startswith("{") and '"event.retry"' in line
    ]
    assert retries, "no handler failed while the database was down"
    for entry in retries:  # NAK delay = min(max, base * 2^(deliveries-1))
        assert entry["delay_s"] == pytest.approx(min(2.0, 0.2 * 2 ** (entry["deliveries"] - 1)))
    # Every message that failed was redelivered and succeeded (all ILRs above, nothing
    # dead-lettered). How many tries a message needed depends on when pymongo's pool noticed
    # the server was back (instant AutoReconnect vs a 10 s server-selection timeout).
    ilr.assert_running()
    how = "stopped" if stopped_cleanly else "killed (it hung in its shutdown)"
    print(
        f"\ndatabase {how}, down {outage_s:.1f}s: {len(retries)} NAKs with back-off, "
        f"up to delivery {max(e['deliveries'] for e in retries)}; "
        f"{time.monotonic() - started:.1f}s"
    )


@pytest.mark.timeout(180)
async def test_poison_messages_are_dead_lettered_with_the_reason(
    services: Services, mongo: AsyncMongoClient[dict[str, Any]]
) -> None:
    ilr = await services.up("ilr", ILR_MAX_DELIVERIES=str(MAX_DELIVERIES))
    db = mongo[services.database("ilr")]
    url = services.nats.url

    refused = template_event(
        "prg_refused", 1, body={"FundModel": "not a number", "LearningDelivery": "nope"}
    )
    unstorable = template_event("prg_huge", 2**70, body=template(1))  # > 8-byte BSON int
    good = enrolment_events(3, "prg_after", tag="dl")
    await publish(url, [refused, unstorable, *good])

    async def settled() -> bool:
        return (
            await db["ilrs"].count_documents({}) == len(good)
            and await consumer_idle(url, "PROGRAMMES", PROGRAMMES_DURABLE)
            and len(await deadletters(url)) >= 2
        )

    await wait_for(settled, 120, "poison messages dead-lettered, good ones handled", alive=[ilr])
    letters = await deadletters(url)
    assert len(letters) == 2, letters
    by_subject = {}
    for subject, headers, data in letters:
        assert subject == f"deadletter.programmes.{TENANT}.template.changed"
        assert headers["Ilr-Original-Subject"] == f"programmes.{TENANT}.template.changed"
        assert headers["Ilr-Consumer"] == PROGRAMMES_DURABLE
        by_subject[json.loads(data)["event_id"]] = headers
    refused_headers = by_subject[str(refused.event_id)]
    assert refused_headers["Ilr-Deliveries"] == "1"  # permanent: no second try
    assert "not a valid ILR template" in refused_headers["Ilr-Deadletter-Reason"]
    unstorable_headers = by_subject[str(unstorable.event_id)]
    assert unstorable_headers["Ilr-Deliveries"] == str(MAX_DELIVERIES)
    assert unstorable_headers["Ilr-Deadletter-Reason"].startswith(
        f"gave up after {MAX_DELIVERIES} tries: "
    )
    assert await db["templates"].count_documents({}) == 0
    with contextlib.suppress(AssertionError):
        ilr.assert_running()
