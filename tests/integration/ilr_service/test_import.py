"""`POST /api/ilrs/import` against real NATS + MongoDB wire, then the export service on the
same servers: the imported official samples come out as schema-valid files again."""

from __future__ import annotations

import asyncio
import datetime as dt
import io
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import httpx
import pytest
from lxml import etree

from ilr_shared.ilr import (
    build_header,
    load_message,
    load_schema,
    validate_record,
    validate_xml,
    write_message,
)
from ilr_shared.ilr.years import sample_bytes
from tests.integration.ilr_service.conftest import Service

pytestmark = pytest.mark.timeout(240)

SAMPLE_TENANT = "99999999"  # the UKPRN of the official sample files
URL = "/api/ilrs/import"
XML = {"Content-Type": "application/xml"}

XXE = b"""<?xml version="1.0"?>
<!DOCTYPE Message [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<Message xmlns="ILR/2026-27"><LearningProvider><UKPRN>&xxe;</UKPRN></LearningProvider></Message>"""

LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE Message [
 <!ENTITY a "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa">
 <!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">
 <!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;">
 <!ENTITY d "&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;">
]>
<Message xmlns="ILR/2026-27"><Header>&d;</Header></Message>"""


def admin(service: Service, role: str = "admin") -> dict[str, str]:
    return service.token(role=role, tenant=SAMPLE_TENANT, sub=f"{role}-9")


async def ilr_count(service: Service) -> int:
    repo = service.app.state.ilr_repository
    return int(await repo.ilrs.count_documents({"tenant": SAMPLE_TENANT}))


def aims(record: dict[str, Any]) -> list[tuple[int, str]]:
    return [(d["AimSeqNumber"], d["LearnAimRef"]) for d in record.get("LearningDelivery") or []]


@pytest.fixture
async def export_client(
    service_env: dict[str, str],
) -> AsyncIterator[Callable[[], Awaitable[httpx.AsyncClient]]]:
    """The export service in-process on the same NATS/Mongo, in a database of its own."""
    from export_service.bootstrap import create_app
    from export_service.config import Settings

    stack: list[Any] = []

    async def start() -> httpx.AsyncClient:
        settings = Settings(
            MONGODB_DATABASE=service_env["MONGODB_DATABASE"] + "_export",
            ILR_EXPORT_POLL_INTERVAL=0.2,
        )
        app = create_app(settings)
        lifespan = app.router.lifespan_context(app)
        await lifespan.__aenter__()
        stack.append(lifespan)
        client = httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://x")
        stack.append(client)
        return client

    yield start
    for item in reversed(stack):
        if isinstance(item, httpx.AsyncClient):
            await item.aclose()
        else:
            await asyncio.wait_for(item.__aexit__(None, None, None), 15)


async def export_file(
    client: httpx.AsyncClient, headers: dict[str, str], year: str, expected: int
) -> tuple[dict[str, Any], bytes]:
    deadline = asyncio.get_running_loop().time() + 120
    while True:  # wait for the projection to hold every imported ILR
        started = await client.post(
            "/api/exports",
            json={"academic_year": year, "statuses": ["newly_submitted"]},
            headers=headers,
        )
        assert started.status_code == 202, started.text
        export_id = started.json()["id"]
        while True:
            job = (await client.get(f"/api/exports/{export_id}", headers=headers)).json()
            if job["state"] in ("succeeded", "failed"):
                break
            await asyncio.sleep(0.2)
        assert job["state"] == "succeeded", job
        if job["progress"]["total"] >= expected:
            break
        assert asyncio.get_running_loop().time() < deadline, job
        await asyncio.sleep(0.5)
    response = await client.get(f"/api/exports/{export_id}/file", headers=headers)
    assert response.status_code == 200
    return job, response.content


async def test_official_samples_import_and_export_again(
    service: Service,
    export_client: Callable[[], Awaitable[httpx.AsyncClient]],
    mongo_client: Any,
    service_env: dict[str, str],
) -> None:
    exporter = await export_client()
    for year, skip in (("2025/26", False), ("2026/27", True)):
        original = load_message(sample_bytes(year))
        response = await service.client.post(
            URL + ("?skip_invalid=true" if skip else ""),
            content=sample_bytes(year),
            headers={**admin(service), **XML},
        )
        assert response.status_code == 200, response.text
        body = response.json()
        assert body["academic_year"] == year
        skipped = {s["LearnRefNumber"] for s in body["skipped"]}
        assert skipped == ({"GrowthskillsAppunits"} if skip else set())
        expected = [lr for lr in original.learners if lr["LearnRefNumber"] not in skipped]
        assert body["created"] == len(expected) and body["updated"] == 0
        assert [item["outcome"] for item in body["learners"]].count("created") == len(expected)

        # every ILR: versions with source import, record as in the file
        first = next(i for i in body["learners"] if i["outcome"] == "created")
        ilr = await service.client.get(f"/api/ilrs/{first['ilr_id']}", headers=admin(service))
        assert ilr.status_code == 200
        assert ilr.json()["academic_year"] == year
        assert ilr.json()["programme_id"] == ""
        assert ilr.json()["provenance"]["ULN"]["source"] == "import"
        versions = await service.client.get(
            f"/api/ilrs/{first['ilr_id']}/versions", headers=admin(service)
        )
        assert [(v["version"], v["source"]) for v in versions.json()["items"]] == [(1, "import")]

        job, content = await export_file(exporter, admin(service), year, len(expected))
        document = etree.fromstring(content)
        schema = load_schema(year)
        assert schema.validate(document), schema.error_log
        exported = load_message(content)
        by_ref = {lr["LearnRefNumber"]: lr for lr in exported.learners}
        left_out = job["counts"]["left_out"]
        # learners the business rules leave out are in the report, not lost
        assert len(by_ref) + left_out == len(expected), job
        for learner in expected:
            if learner["LearnRefNumber"] in by_ref:
                assert aims(by_ref[learner["LearnRefNumber"]]) == aims(learner)
        assert by_ref, job
        # One validation: a learner is left out of the file exactly when the ILR service
        # shows error findings for it (DfE's samples break many official rules).
        blocked = set()
        for item in (i for i in body["learners"] if i["ilr_id"]):
            shown = await service.client.get(
                f"/api/ilrs/{item['ilr_id']}/validation", headers=admin(service)
            )
            if any(f["severity"] == "error" for f in shown.json()["findings"]):
                blocked.add(item["LearnRefNumber"])
        assert blocked == {lr["LearnRefNumber"] for lr in expected} - set(by_ref), job

        # Every imported learner (those left out too) went out in record.changed: the
        # export's projection of those events makes a schema-valid file with the same aims.
        projection = mongo_client[service_env["MONGODB_DATABASE"] + "_export"]["records"]
        records = [
            doc["record"]
            async for doc in projection.find({"tenant": SAMPLE_TENANT, "academic_year": year})
        ]
        assert sorted(r["LearnRefNumber"] for r in records) == sorted(
            lr["LearnRefNumber"] for lr in expected
        )
        assert all(validate_record(year, r) == [] for r in records)
        buffer = io.BytesIO()
        now = dt.datetime(2026, 1, 1, 12, 0)
        header = build_header(
            year,
            ukprn=int(SAMPLE_TENANT),
            serial_no="01",
            file_preparation_date=now.date(),
            date_time=now,
        )
        write_message(buffer, year, header=header, ukprn=int(SAMPLE_TENANT), learners=records)
        assert validate_xml(year, etree.fromstring(buffer.getvalue())) == []
        again = {lr["LearnRefNumber"]: lr for lr in load_message(buffer.getvalue()).learners}
        for learner in expected:
            assert aims(again[learner["LearnRefNumber"]]) == aims(learner)


async def test_reimport_updates_as_import_versions(service: Service) -> None:
    sample = sample_bytes("2025/26")
    first = await service.client.post(URL, content=sample, headers={**admin(service), **XML})
    assert first.status_code == 200, first.text
    ids = {i["LearnRefNumber"]: i["ilr_id"] for i in first.json()["learners"]}

    changed = sample.replace(b"<FamilyName>", b"<FamilyName>Re", 1)
    files = {"file": ("ILR.xml", changed, "application/xml")}
    again = await service.client.post(URL, files=files, headers=admin(service))  # multipart
    assert again.status_code == 200, again.text
    body = again.json()
    assert (body["created"], body["updated"], body["unchanged"]) == (0, 1, 18)
    updated = next(i for i in body["learners"] if i["outcome"] == "updated")
    assert updated["ilr_id"] == ids[updated["LearnRefNumber"]]
    ilr = (
        await service.client.get(f"/api/ilrs/{updated['ilr_id']}", headers=admin(service))
    ).json()
    assert ilr["version"] == 2 and ilr["record"]["FamilyName"].startswith("Re")
    assert ilr["provenance"]["FamilyName"]["source"] == "import"
    versions = await service.client.get(
        f"/api/ilrs/{updated['ilr_id']}/versions", headers=admin(service)
    )
    items = versions.json()["items"]
    assert [(v["version"], v["source"]) for v in items] == [(2, "import"), (1, "import")]
    assert items[0]["changed_fields"] == ["FamilyName"]
    # The upload's name is not an ILR file name: the file-level rules say so, as SLD would.
    assert "Filename_1" in {f["rule"] for f in body["file_findings"]}
    assert first.json()["file_findings"] == []  # a raw body has no name; its header is fine


async def test_2026_27_sample_is_refused_without_skip_invalid(service: Service) -> None:
    response = await service.client.post(
        URL, content=sample_bytes("2026/27"), headers={**admin(service), **XML}
    )
    assert response.status_code == 422, response.text
    body = response.json()
    assert body["invalid_learners"] == ["GrowthskillsAppunits"]
    assert body["errors"][0]["LearnRefNumber"] == "GrowthskillsAppunits"
    assert (
        body["errors"][0]["path"] == "Learner[LearnRefNumber=GrowthskillsAppunits].LearnRefNumber"
    )
    assert await ilr_count(service) == 0


@pytest.mark.parametrize(
    ("name", "data"),
    [
        ("malformed", b'<Message xmlns="ILR/2026-27"><Header></Message>'),
        (
            "wrong namespace",
            sample_bytes("2026/27").replace(b'xmlns="ILR/2026-27"', b'xmlns="ILR/2019-20"'),
        ),
        ("xxe", XXE),
        ("billion laughs", LAUGHS),
        ("not an ILR", b"<html><body/></html>"),
    ],
)
async def test_bad_files_are_refused_and_import_nothing(
    service: Service, name: str, data: bytes
) -> None:
    response = await service.client.post(URL, content=data, headers={**admin(service), **XML})
    assert response.status_code == 422, (name, response.text)
    assert response.json()["errors"], name
    assert "root:" not in response.text  # nothing of /etc/passwd
    assert await ilr_count(service) == 0


async def test_other_tenants_file_is_refused(service: Service) -> None:
    response = await service.client.post(
        URL, content=sample_bytes("2025/26"), headers={**service.token(), **XML}
    )
    assert response.status_code == 422, response.text
    assert {e["path"] for e in response.json()["errors"]} == {
        "LearningProvider.UKPRN",
        "Header.Source.UKPRN",
    }
    repo = service.app.state.ilr_repository
    assert await repo.ilrs.count_documents({}) == 0


async def test_roles_and_size_limit(
    make_service: Callable[[], Awaitable[Service]], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ILR_IMPORT_MAX_BYTES", "20000")
    service = await make_service()
    sample = sample_bytes("2025/26")
    for role in ("learner", "verifier", "integration"):
        refused = await service.client.post(
            URL, content=sample, headers={**admin(service, role), **XML}
        )
        assert refused.status_code == 403, role
    unauthenticated = await service.client.post(URL, content=sample, headers=XML)
    assert unauthenticated.status_code == 401
    too_big = await service.client.post(URL, content=sample, headers={**admin(service), **XML})
    assert too_big.status_code == 413, too_big.text
    files = {"file": ("ILR.xml", sample, "application/xml")}
    too_big = await service.client.post(URL, files=files, headers=admin(service))
    assert too_big.status_code == 413

    # a chunked body with no Content-Length is cut off too
    async def chunks() -> AsyncIterator[bytes]:
        for start in range(0, len(sample), 4096):
            yield sample[start : start + 4096]

    streamed = await service.client.post(URL, content=chunks(), headers={**admin(service), **XML})
    assert streamed.status_code == 413
    wrong_type = await service.client.post(URL, json={"a": 1}, headers=admin(service))
    assert wrong_type.status_code == 415
    assert await ilr_count(service) == 0


async def test_programme_id_attaches_new_learners(service: Service) -> None:
    response = await service.client.post(
        URL + "?programme_id=prg_imported",
        content=sample_bytes("2025/26"),
        headers={**admin(service), **XML},
    )
    assert response.status_code == 200, response.text
    listed = await service.client.get(
        "/api/ilrs?programme_id=prg_imported&limit=100", headers=admin(service)
    )
    assert len(listed.json()["items"]) == 19
