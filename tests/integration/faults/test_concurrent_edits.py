"""50 parallel PATCHes of one ILR with the same If-Match, spread over two ILR service
instances (compare-and-set on `version`, no in-process lock): exactly one 200, 49 x 412,
and the history gains exactly one version."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
import pytest
from pymongo import AsyncMongoClient

from tests.integration.faults.conftest import Services
from tests.integration.faults.support import (
    auth,
    check_histories,
    enrolment_events,
    publish,
    stream_messages,
    template_event,
    wait_for,
)

EDITORS = 50


@pytest.mark.timeout(180)
async def test_fifty_parallel_patches_one_wins(
    services: Services, mongo: AsyncMongoClient[dict[str, Any]]
) -> None:
    first, second = services.spawn("ilr", 1), services.spawn("ilr", 2)
    await first.wait_ready()
    await second.wait_ready()
    db = mongo[services.database("ilr")]
    url = services.nats.url
    await publish(url, [template_event("prg_cas", 1)])
    await wait_for(lambda: db["templates"].count_documents({}), 60, "template stored")
    (enrolment,) = enrolment_events(1, "prg_cas", tag="cas")
    await publish(url, [enrolment])
    document = await wait_for(
        lambda: db["ilrs"].find_one({"_outbox_pending": {"$exists": False}}), 60, "the ILR"
    )
    ilr_id = document["_id"]
    await wait_for(lambda: stream_messages(url, "ILR"), 30, "version 1 published")

    async with (
        httpx.AsyncClient(base_url=first.url, headers=auth(), timeout=60) as one,
        httpx.AsyncClient(base_url=second.url, headers=auth(), timeout=60) as two,
    ):
        got = await one.get(f"/api/ilrs/{ilr_id}")
        assert got.status_code == 200
        etag, version = got.headers["ETag"], got.json()["version"]
        assert version == 1
        # Warm both instances' connection pools so the PATCHes really overlap.
        await asyncio.gather(*(c.get(f"/api/ilrs/{ilr_id}") for c in (one, two) for _ in range(4)))

        start = asyncio.Event()

        async def edit(n: int) -> httpx.Response:
            client = one if n % 2 else two
            await start.wait()
            return await client.patch(
                f"/api/ilrs/{ilr_id}",
                json={"set": {"GivenNames": _name(n)}},
                headers={"If-Match": etag},
            )

        tasks = [asyncio.create_task(edit(n)) for n in range(EDITORS)]
        await asyncio.sleep(0.1)
        start.set()
        responses = await asyncio.gather(*tasks)
        codes = sorted(r.status_code for r in responses)
        assert codes == [200] + [412] * (EDITORS - 1), (codes, responses[0].text[:500])
        (winner,) = [n for n, r in enumerate(responses) if r.status_code == 200]
        won = responses[winner].json()
        assert won["version"] == 2
        assert won["record"]["GivenNames"] == _name(winner)
        assert responses[winner].headers["ETag"] != etag
        for response in responses:
            if response.status_code == 412:
                assert response.json()["detail"]

        history = (await one.get(f"/api/ilrs/{ilr_id}/versions")).json()["items"]
        assert [v["version"] for v in history] == [2, 1]
        assert history[0]["source"] == "person" and history[0]["actor"] == "faults-admin"
        assert "GivenNames" in history[0]["changed_fields"]
        current = (await two.get(f"/api/ilrs/{ilr_id}")).json()
        assert current["version"] == 2
        assert current["record"]["GivenNames"] == _name(winner)

    report = await check_histories(db)
    assert report.problems == []
    assert report.orphans == 0  # the 49 losers' version documents were removed
    assert await db["ilr_versions"].count_documents({"ilr_id": ilr_id}) == 2
    await wait_for(
        lambda: _published(url, 2), 30, "exactly one record.changed per version", interval=0.5
    )
    await asyncio.sleep(1.0)
    assert await stream_messages(url, "ILR") == 2


def _name(n: int) -> str:
    return f"Editor {chr(65 + n // 26)}{chr(97 + n % 26)}"  # the XSD allows no digits


async def _published(url: str, n: int) -> bool:
    return await stream_messages(url, "ILR") >= n
