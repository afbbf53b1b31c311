"""Template fan-out write strategies compared on the same server in the same run:
version-docs-then-CAS bulk writes, the same in a multi-document transaction, and a
driver-only floor (one bulk_write of the same record updates, no versions, no outbox)."""

from __future__ import annotations

import time

import pytest
from pymongo import UpdateOne

from tests.integration.ilr_service.conftest import (
    TEMPLATE_V1,
    Service,
    enrolment_created,
    template_changed,
    template_v2,
)

COUNT = 600


async def _seed(service: Service, programme_id: str, n: int) -> None:
    handlers = service.app.state.ilr_event_handlers
    await handlers.template_changed(template_changed(1, TEMPLATE_V1, programme_id=programme_id))
    repo = handlers.repo
    first = enrolment_created(n, programme_id=programme_id)
    await handlers.enrolment_created(first)
    template = await repo.ilrs.find_one({"programme_id": programme_id})
    clones = []
    for i in range(2, COUNT + 1):
        clone = {k: v for k, v in template.items() if k not in ("_outbox", "_outbox_pending")}
        clone["_id"] = f"{template['_id']}_{i}"
        clone["enrolment_id"] = f"{programme_id}_{i}"
        clones.append(clone)
    await repo.ilrs.insert_many(clones)


@pytest.mark.slow
async def test_fan_out_strategies(service: Service) -> None:
    handlers = service.app.state.ilr_event_handlers
    repo = handlers.repo
    results = {}
    for n, (name, transactional) in enumerate((("cas", False), ("transaction", True)), 1):
        programme = f"prg_{name}"
        await _seed(service, programme, n)
        await repo.store_template(
            "10000001", programme, 2, {"template": template_v2(), "academic_year": "2026/27"}
        )
        repo.use_transactions = transactional
        started = time.monotonic()
        applied = await handlers.apply_latest_template("10000001", programme)
        results[name] = time.monotonic() - started
        assert applied == COUNT
        assert (
            await repo.ilrs.count_documents({"programme_id": programme, "template_revision": 2})
            == COUNT
        )
    repo.use_transactions = False
    programme = "prg_floor"
    await _seed(service, programme, 3)
    documents = [d async for d in repo.ilrs.find({"programme_id": programme})]
    started = time.monotonic()
    for i in range(0, len(documents), handlers.batch_size):
        await repo.ilrs.bulk_write(
            [
                UpdateOne(
                    {"_id": d["_id"], "version": d["version"]},
                    {"$set": {"record": d["record"], "version": d["version"] + 1}},
                )
                for d in documents[i : i + handlers.batch_size]
            ],
            ordered=False,
        )
    results["driver floor"] = time.monotonic() - started
    print()
    for name, elapsed in results.items():
        print(f"{name:>14}: {COUNT} ILRs in {elapsed:.2f}s = {COUNT / elapsed:.0f}/s")
