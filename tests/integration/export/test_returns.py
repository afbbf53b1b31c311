"""Builds that include learners with errors, and the return period a build is for, through
the export app on real NATS and a MongoDB wire server."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from export_service.bootstrap import create_app
from export_service.config import Settings
from export_service.domain.calendar import CalendarError
from tests.integration.export.test_export_service import (
    YEAR,
    app,
    changed,
    client,
    db,
    finished,
    headers,
    projected,
    publish,
)
from tests.unit.export.factory import bad_check_digit, make_learner

__all__ = ["app", "client", "db", "publish"]  # fixtures

pytestmark = pytest.mark.timeout(180)


async def test_a_build_can_include_learners_whose_only_problems_are_rule_errors(
    app: FastAPI, client: httpx.AsyncClient, publish: Any, db: Any
) -> None:
    rule_error = make_learner(2)
    rule_error["ULN"] = bad_check_digit(rule_error["ULN"])
    schema_error = make_learner(3)
    del schema_error["Ethnicity"]
    for event in [changed(1), changed(2, record=rule_error), changed(3, record=schema_error)]:
        await publish(event)
    await projected(db, 3)

    plain = await client.post("/api/exports", json={"academic_year": YEAR}, headers=headers())
    job = await finished(client, plain.json()["id"])
    assert job["include_learners_with_errors"] is False
    assert job["counts"] == {"included": 1, "left_out": 2}
    assert job["validation_summary"]["included_with_errors"] == 0

    request = {"academic_year": YEAR, "purpose": "trial", "include_learners_with_errors": True}
    started = await client.post("/api/exports", json=request, headers=headers())
    assert started.status_code == 202, started.text
    assert started.json()["include_learners_with_errors"] is True
    job = await finished(client, started.json()["id"])
    assert job["state"] == "succeeded", job
    assert job["counts"] == {"included": 2, "left_out": 1}
    assert job["validation_summary"]["included_with_errors"] == 1
    assert job["validation_summary"]["included_with_errors_by_rule"] == {"ULN_04": 1}
    assert "ULN_04" not in job["validation_summary"]["left_out_by_rule"]
    assert job["pre_submission"]["included_with_errors"] == [
        {"LearnRefNumber": "L000000002", "ilr_id": "ilr_10000001_2",
         "rules": ["ULN_04"]}
    ]  # fmt: skip
    assert job["pre_submission"]["included_with_errors_count"] == 1
    content = (await client.get(f"/api/exports/{job['id']}/file", headers=headers())).content
    assert b"L000000002" in content and b"L000000003" not in content
    report = (await client.get(f"/api/exports/{job['id']}/report", headers=headers())).json()
    marked = [
        item["LearnRefNumber"] for item in report["learners"] if item.get("included_with_errors")
    ]
    assert marked == ["L000000002"]


async def test_a_build_records_its_return_period(
    app: FastAPI, client: httpx.AsyncClient, publish: Any, db: Any
) -> None:
    await publish(changed(1))
    await projected(db, 1)
    calendar = await client.get(f"/api/exports/calendar?academic_year={YEAR}", headers=headers())
    assert calendar.status_code == 200, calendar.text
    body = calendar.json()
    assert [p["period"] for p in body["periods"]] == [f"R{n:02d}" for n in range(1, 15)]
    assert [p["period"] for p in body["periods"] if p["open"]] == (
        [body["open_period"]] if body["open_period"] else []
    )
    unknown = await client.get("/api/exports/calendar?academic_year=2019/20", headers=headers())
    assert unknown.status_code == 422

    request = {"academic_year": YEAR, "purpose": "trial", "return_period": "R05"}
    started = await client.post("/api/exports", json=request, headers=headers())
    assert started.status_code == 202, started.text
    job = await finished(client, started.json()["id"])
    r05 = next(p for p in body["periods"] if p["period"] == "R05")
    assert job["return_period"] == {k: r05[k] for k in ("period", "census_date", "deadline")}
    report = (await client.get(f"/api/exports/{job['id']}/report", headers=headers())).json()
    assert report["return_period"]["period"] == "R05"
    listed = (await client.get("/api/exports", headers=headers())).json()["items"]
    assert listed[0]["return_period"]["period"] == "R05"

    default = await client.post(
        "/api/exports", json={"academic_year": YEAR, "purpose": "trial"}, headers=headers()
    )
    assert (default.json()["return_period"] or {}).get("period") == body["open_period"]
    for bad in ("R15", "R1", "M05"):
        refused = await client.post(
            "/api/exports", json={**request, "return_period": bad}, headers=headers()
        )
        assert refused.status_code == 422, bad


async def test_an_invalid_operator_calendar_stops_the_start(
    service_env: dict[str, str], tmp_path: Path
) -> None:
    path = tmp_path / "calendar.json"
    path.write_text(json.dumps({"years": {"2026/27": [{"period": "R01"}]}}))
    with pytest.raises(CalendarError):
        create_app(Settings(ILR_RETURN_CALENDAR=str(path)))
