"""The export service in-process against real NATS JetStream and a MongoDB wire server."""

from __future__ import annotations

import asyncio
import datetime as dt
import io
import json
import zipfile
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import nats
import pytest
from fastapi import FastAPI
from lxml import etree
from pymongo import AsyncMongoClient

from export_service.bootstrap import create_app
from export_service.config import Settings
from export_service.domain.model import parse_file_name
from ilr_shared.auth import mint_token
from ilr_shared.events import EventType, RecordChanged, make_event
from ilr_shared.messaging import NatsEventPublisher, make_broker
from ilr_shared.outbox_barrier import outbox_pending_subject
from tests.unit.export.factory import bad_check_digit, make_learner

TENANT = "10000001"
OTHER = "10000002"
YEAR = "2026/27"
OFFICIAL_XSD = (
    Path(__file__).resolve().parents[3]
    / "shared/src/ilr_shared/ilr/schemas/ILR-2026-27-schemafile-January.xsd"
)
NS = {"i": "ILR/2026-27"}

pytestmark = pytest.mark.timeout(180)


def headers(tenant: str = TENANT, roles: tuple[str, ...] = ("admin",)) -> dict[str, str]:
    secret = Settings().jwt_secret.get_secret_value()
    return {
        "Authorization": f"Bearer {mint_token(secret, sub='u1', tenant=tenant, roles=list(roles))}"
    }


def changed(
    index: int,
    version: int = 1,
    status: str = "qa_verified",
    tenant: str = TENANT,
    record: dict[str, Any] | None = None,
) -> Any:
    record = record or make_learner(index)
    payload = RecordChanged(
        ilr_id=f"ilr_{tenant}_{index}",
        version=version,
        status=status,
        academic_year=YEAR,
        programme_id="prg_1",
        enrolment_id=f"enr_{index}",
        record=record,
    )
    return make_event(EventType.RECORD_CHANGED, tenant, payload.ilr_id, version, payload)


@pytest.fixture
async def app(service_env: dict[str, str]) -> AsyncIterator[FastAPI]:
    application = create_app(Settings(ILR_EXPORT_POLL_INTERVAL=0.2))
    async with application.router.lifespan_context(application):
        yield application


@pytest.fixture
async def client(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as http:
        yield http


@pytest.fixture
async def publish(service_env: dict[str, str]) -> AsyncIterator[Any]:
    broker = make_broker(Settings())
    await broker.connect()
    publisher = NatsEventPublisher(broker)
    yield publisher.publish
    await broker.stop()


@pytest.fixture
async def db(service_env: dict[str, str]) -> AsyncIterator[Any]:
    client: AsyncMongoClient[dict[str, Any]] = AsyncMongoClient(
        service_env["MONGODB_URL"], tz_aware=True
    )
    yield client[service_env["MONGODB_DATABASE"]]
    await client.close()


async def eventually(check: Any, timeout_s: float = 60.0) -> Any:
    deadline = asyncio.get_running_loop().time() + timeout_s
    while True:
        result = await check()
        if result:
            return result
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError("condition not met in time")
        await asyncio.sleep(0.2)


async def projected(db: Any, count: int) -> None:
    async def check() -> bool:
        return bool(await db.records.count_documents({}) >= count)

    await eventually(check)


async def finished(client: httpx.AsyncClient, export_id: str) -> dict[str, Any]:
    async def check() -> dict[str, Any] | None:
        body = (await client.get(f"/api/exports/{export_id}", headers=headers())).json()
        return body if body["state"] in ("succeeded", "failed") else None

    result: dict[str, Any] = await eventually(check, 120)
    return result


async def test_export_end_to_end(
    app: FastAPI, client: httpx.AsyncClient, publish: Any, db: Any, service_env: dict[str, str]
) -> None:
    bad = make_learner(3)
    bad["ULN"] = bad_check_digit(bad["ULN"])
    renamed = make_learner(2)
    renamed["FamilyName"] = "Newname"
    # version 2 of learner 2 arrives before version 1: the older snapshot must not win
    for event in [
        changed(1),
        changed(2, version=2, record=renamed),
        changed(2, version=1),
        changed(1),  # a duplicate changes nothing
        changed(3, record=bad),
        changed(4, status="newly_submitted"),  # not selected
        changed(5, status="completed"),
        changed(6, tenant=OTHER),
    ]:
        await publish(event)
    await projected(db, 6)
    stored = await db.records.find_one({"tenant": TENANT, "ilr_id": f"ilr_{TENANT}_2"})
    assert (stored["version"], stored["record"]["FamilyName"]) == (2, "Newname")

    response = await client.post("/api/exports", json={"academic_year": YEAR}, headers=headers())
    assert response.status_code == 202, response.text
    export_id = response.json()["id"]
    assert response.headers["location"] == f"/api/exports/{export_id}"
    assert response.json()["statuses"] == ["qa_verified", "completed"]

    job = await finished(client, export_id)
    assert job["state"] == "succeeded", job
    assert job["counts"] == {"included": 3, "left_out": 1}
    assert job["progress"] == {"done": 4, "total": 4}
    assert job["validation_summary"]["by_rule"] == {"ULN_04": 1}
    name = job["file_name"]
    parts = parse_file_name(name)
    assert (parts.ukprn, parts.year_code, parts.serial) == (TENANT, "2627", 1)
    assert job["pre_submission"]["previous_export_id"] is None
    # every learner of the year is accounted for: in the file, left out with findings, or
    # not selected with the reason (another tenant's learner is never listed)
    assert job["pre_submission"]["not_selected_count"] == 1
    assert job["pre_submission"]["not_selected"] == [
        {
            "LearnRefNumber": "L000000004",
            "ilr_id": f"ilr_{TENANT}_4",
            "status": "newly_submitted",
            "reason": "status newly_submitted was not chosen for this build",
        }
    ]

    # the file: official name, valid against the official XSD, learners in order
    file_response = await client.get(f"/api/exports/{export_id}/file", headers=headers())
    assert file_response.status_code == 200
    assert file_response.headers["content-disposition"] == f'attachment; filename="{name}"'
    document = etree.fromstring(file_response.content)
    schema = etree.XMLSchema(etree.parse(str(OFFICIAL_XSD)))
    assert schema.validate(document), schema.error_log
    refs = [e.text for e in document.iterfind("i:Learner/i:LearnRefNumber", NS)]
    assert refs == ["L000000001", "L000000002", "L000000005"]
    assert document.findtext("i:Header/i:Source/i:SerialNo", namespaces=NS) == "01"
    assert document.findtext("i:Learner[2]/i:FamilyName", namespaces=NS) == "Newname"

    zipped = await client.get(f"/api/exports/{export_id}/file?zip=true", headers=headers())
    archive = zipfile.ZipFile(io.BytesIO(zipped.content))
    assert archive.namelist() == [name]
    assert archive.read(name) == file_response.content

    report = (await client.get(f"/api/exports/{export_id}/report", headers=headers())).json()
    by_ref = {item["LearnRefNumber"]: item for item in report["learners"]}
    assert by_ref["L000000003"]["included"] is False
    assert [f["rule"] for f in by_ref["L000000003"]["findings"]] == ["ULN_04"]
    assert all(item["ilr_id"] and item["version"] >= 1 for item in report["learners"])
    csv_text = (
        await client.get(f"/api/exports/{export_id}/report?format=csv", headers=headers())
    ).text
    assert csv_text.splitlines()[0] == "LearnRefNumber,rule,severity,message,field"
    assert csv_text.splitlines()[1].startswith("L000000003,ULN_04,error,")

    # another tenant sees nothing of it
    for path in ("", "/file", "/report"):
        assert (
            await client.get(f"/api/exports/{export_id}{path}", headers=headers(OTHER))
        ).status_code == 404
    assert (
        await client.post(f"/api/exports/{export_id}/submitted", headers=headers(OTHER))
    ).status_code == 404
    assert (await client.get("/api/exports", headers=headers(OTHER))).json()["items"] == []
    assert (
        await client.get("/api/exports", headers=headers(roles=("verifier",)))
    ).status_code == 403

    # submitted: batch.submitted leaves through the outbox
    connection = await nats.connect(service_env["NATS_URL"])
    received: asyncio.Queue[Any] = asyncio.Queue()

    async def on_message(msg: Any) -> None:
        await received.put(msg)

    await connection.subscribe(f"exports.{TENANT}.batch.submitted", cb=on_message)
    submitted = await client.post(f"/api/exports/{export_id}/submitted", headers=headers())
    assert submitted.status_code == 200, submitted.text
    assert submitted.json()["submitted_at"] is not None
    message = await asyncio.wait_for(received.get(), 30)
    event = json.loads(message.data)
    assert event["event_type"] == "batch.submitted" and event["tenant"] == TENANT
    assert event["payload"]["export_id"] == export_id
    assert sorted((r["ilr_id"], r["version"]) for r in event["payload"]["records"]) == [
        (f"ilr_{TENANT}_1", 1), (f"ilr_{TENANT}_2", 2), (f"ilr_{TENANT}_5", 1),
    ]  # fmt: skip
    await connection.close()
    again = await client.post(f"/api/exports/{export_id}/submitted", headers=headers())
    assert again.status_code == 409

    # a second export: learner 5 went back to newly_submitted, learner 7 is new
    await publish(changed(5, version=2, status="newly_submitted"))
    await publish(changed(7))

    async def moved() -> bool:
        doc = await db.records.find_one({"tenant": TENANT, "ilr_id": f"ilr_{TENANT}_5"})
        return bool(doc["version"] == 2 and await db.records.count_documents({}) >= 7)

    await eventually(moved)
    second_id = (
        await client.post("/api/exports", json={"academic_year": YEAR}, headers=headers())
    ).json()["id"]
    second = await finished(client, second_id)
    assert second["state"] == "succeeded", second
    assert parse_file_name(second["file_name"]).serial == 2
    check = second["pre_submission"]
    assert check["previous_export_id"] == export_id
    assert check["disappeared"] == ["L000000005"] and check["disappeared_count"] == 1
    assert check["learner_count_change"] == 0

    page = (await client.get("/api/exports?limit=1", headers=headers())).json()
    assert [item["id"] for item in page["items"]] == [second_id]
    rest = (
        await client.get(f"/api/exports?limit=1&cursor={page['next_cursor']}", headers=headers())
    ).json()
    assert [item["id"] for item in rest["items"]] == [export_id] and rest["next_cursor"] is None


async def test_duplicates_and_invalid_requests(
    app: FastAPI, client: httpx.AsyncClient, publish: Any, db: Any
) -> None:
    twin = make_learner(12)
    twin["ULN"] = make_learner(11)["ULN"]
    for event in [changed(11), changed(12, record=twin), changed(13)]:
        await publish(event)
    await projected(db, 3)

    bad = await client.post("/api/exports", json={"academic_year": "2019/20"}, headers=headers())
    assert bad.status_code == 422 and bad.json()["errors"][0]["path"] == "body.academic_year"
    extra = await client.post(
        "/api/exports", json={"academic_year": YEAR, "surprise": 1}, headers=headers()
    )
    assert extra.status_code == 422

    export_id = (
        await client.post(
            "/api/exports",
            json={"academic_year": YEAR, "statuses": ["qa_verified"], "programme_ids": ["prg_1"]},
            headers=headers(),
        )
    ).json()["id"]
    job = await finished(client, export_id)
    assert job["counts"] == {"included": 1, "left_out": 2}
    assert job["validation_summary"]["by_rule"] == {"R_59": 2}
    assert job["pre_submission"]["duplicate_ulns"] == [
        {"ULN": str(twin["ULN"]), "LearnRefNumbers": ["L000000011", "L000000012"]}
    ]


async def test_nothing_valid_fails_with_a_report(
    app: FastAPI, client: httpx.AsyncClient, publish: Any, db: Any
) -> None:
    bad = make_learner(21)
    bad["ULN"] = bad_check_digit(bad["ULN"])
    await publish(changed(21, record=bad))
    await projected(db, 1)
    export_id = (
        await client.post("/api/exports", json={"academic_year": YEAR}, headers=headers())
    ).json()["id"]
    job = await finished(client, export_id)
    assert job["state"] == "failed" and "no learner" in job["error"]
    assert (
        await client.get(f"/api/exports/{export_id}/file", headers=headers())
    ).status_code == 409
    report = (await client.get(f"/api/exports/{export_id}/report", headers=headers())).json()
    assert report["learners"][0]["included"] is False


async def test_a_crashed_instance_job_is_taken_over_after_its_lease(
    app: FastAPI, client: httpx.AsyncClient, publish: Any, db: Any
) -> None:
    await publish(changed(31))
    await projected(db, 1)
    now = dt.datetime.now(dt.UTC)
    await db.exports.insert_one(
        {
            "_id": "exp_crashed",
            "tenant": TENANT,
            "academic_year": YEAR,
            "statuses": ["qa_verified", "completed"],
            "programme_ids": None,
            "state": "running",
            "owner": "dead-instance",
            "lease_until": now - dt.timedelta(seconds=5),
            "attempts": 1,
            "progress": {"done": 0, "total": 0},
            "counts": {"included": 0, "left_out": 0},
            "created_at": now - dt.timedelta(minutes=5),
            "submitted_at": None,
        }
    )
    job = await finished(client, "exp_crashed")
    assert job["state"] == "succeeded" and job["counts"]["included"] == 1
    stored = await db.exports.find_one({"_id": "exp_crashed"})
    assert stored["owner"] != "dead-instance" and stored["attempts"] == 2


async def test_export_waits_for_changes_published_before_it(
    app: FastAPI, client: httpx.AsyncClient, publish: Any, db: Any
) -> None:
    bad = make_learner(1)
    bad["ULN"] = bad_check_digit(bad["ULN"])
    await publish(changed(1, record=bad))
    await projected(db, 1)
    # a backlog the projection has not applied yet, then the fix of learner 1
    for index in range(2, 202):
        await publish(changed(index))
    await publish(changed(1, version=2))
    response = await client.post("/api/exports", json={"academic_year": YEAR}, headers=headers())
    assert response.status_code == 202
    done = await finished(client, response.json()["id"])
    assert done["state"] == "succeeded"
    assert done["counts"] == {"included": 201, "left_out": 0}
    assert done["up_to_date"] is True


async def test_an_export_built_before_the_ilr_outbox_drained_says_so(
    service_env: dict[str, str], publish: Any, db: Any
) -> None:
    # In the ILR service's place on the wire: a backlog of unpublished changes that does not
    # drain within the export's wait.
    stand_in = make_broker(Settings())

    @stand_in.subscriber(outbox_pending_subject("ilr", "*"))
    async def backlog() -> dict[str, int]:
        return {"pending": 1}

    await stand_in.start()
    application = create_app(Settings(ILR_EXPORT_POLL_INTERVAL=0.2, ILR_EXPORT_SYNC_TIMEOUT=0.5))
    try:
        async with application.router.lifespan_context(application):
            transport = httpx.ASGITransport(app=application)
            async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
                await publish(changed(1))
                await projected(db, 1)
                response = await client.post(
                    "/api/exports", json={"academic_year": YEAR}, headers=headers()
                )
                done = await finished(client, response.json()["id"])
    finally:
        await stand_in.stop()
    assert done["state"] == "succeeded" and done["counts"]["included"] == 1
    assert done["up_to_date"] is False


async def serials_used(client: httpx.AsyncClient) -> int:
    response = await client.get(f"/api/exports/serials?academic_year={YEAR}", headers=headers())
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["used"] + body["remaining"] == 99
    return int(body["used"])


async def test_trial_builds_and_failed_builds_leave_the_serial_numbers_alone(
    app: FastAPI, client: httpx.AsyncClient, publish: Any, db: Any
) -> None:
    await publish(changed(31))
    await projected(db, 1)
    assert await serials_used(client) == 0
    request = {"academic_year": YEAR, "purpose": "trial"}
    trial_id = (await client.post("/api/exports", json=request, headers=headers())).json()["id"]
    trial = await finished(client, trial_id)
    assert trial["state"] == "succeeded", trial
    assert (trial["purpose"], trial["serial_no"]) == ("trial", 0)
    assert parse_file_name(trial["file_name"]).serial == 0
    content = (await client.get(f"/api/exports/{trial_id}/file", headers=headers())).content
    assert b"<SerialNo>00</SerialNo>" in content
    refused = await client.post(f"/api/exports/{trial_id}/submitted", headers=headers())
    assert refused.status_code == 409 and "trial" in refused.json()["detail"]
    assert await serials_used(client) == 0

    build = await client.post("/api/exports", json={"academic_year": YEAR}, headers=headers())
    real = await finished(client, build.json()["id"])
    assert (real["purpose"], real["serial_no"]) == ("submission", 1)
    assert await serials_used(client) == 1

    # a submission build that fails gives its serial number back
    bad = make_learner(31)
    bad["ULN"] = bad_check_digit(bad["ULN"])
    await publish(changed(31, version=2, record=bad))
    await eventually(lambda: db.records.find_one({"version": 2}))
    build = await client.post("/api/exports", json={"academic_year": YEAR}, headers=headers())
    failed = await finished(client, build.json()["id"])
    assert failed["state"] == "failed", failed
    assert await serials_used(client) == 1
