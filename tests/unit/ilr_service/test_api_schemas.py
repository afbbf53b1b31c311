"""The ILR API's OpenAPI document names a response schema for every JSON route."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from fastapi.routing import APIRoute
from pydantic import BaseModel

from ilr_service.bootstrap import create_app
from ilr_service.entrypoints import api, import_api, rollover_api, rules_api
from ilr_service.entrypoints.schemas import Ilr, ImportReport, VersionSummary

API_PREFIXES = ("/api/ilrs", "/api/rules")


def api_routes() -> list[APIRoute]:
    routers = (api.router, import_api.router, rollover_api.router, rules_api.router)
    return [route for router in routers for route in router.routes if isinstance(route, APIRoute)]


def success_schema(operation: dict[str, Any]) -> dict[str, Any]:
    (status,) = [code for code in operation["responses"] if code.startswith("2")]
    schema: dict[str, Any] = operation["responses"][status]["content"]["application/json"]["schema"]
    return schema


def test_every_json_route_has_a_named_response_schema() -> None:
    spec = create_app().openapi()
    components = spec["components"]["schemas"]
    operations = [
        (f"{method.upper()} {path}", operation)
        for path, item in spec["paths"].items()
        if path.startswith(API_PREFIXES)
        for method, operation in item.items()
    ]
    assert len(operations) == len(api_routes()) >= 15
    for name, operation in operations:
        ref = success_schema(operation).get("$ref", "")
        assert ref.startswith("#/components/schemas/"), f"{name} has no named response schema"
        assert components[ref.rsplit("/", 1)[1]]["properties"], name


def test_every_route_declares_a_pydantic_response_model() -> None:
    routes = api_routes()
    assert routes
    for route in routes:
        model = route.response_model
        assert isinstance(model, type) and issubclass(model, BaseModel), route.path


def test_adding_an_aim_is_documented_as_201() -> None:
    operation = create_app().openapi()["paths"]["/api/ilrs/{ilr_id}/deliveries"]["post"]
    assert "201" in operation["responses"]


def test_datetimes_keep_the_utc_offset_the_api_always_wrote() -> None:
    at = datetime(2026, 9, 1, 8, 30, 15, 123000, tzinfo=UTC)
    entry = {"version": 1, "actor": "a", "source": "person", "action": "edit", "status": "signed"}
    encoded = {**entry, "changed_fields": [], "at": "2026-09-01T08:30:15.123000+00:00"}
    # as a datetime from the service layer, or already encoded by the route: same JSON
    for given in (at, encoded["at"]):
        version = VersionSummary.model_validate({**encoded, "at": given})
        assert version.model_dump(mode="json") == encoded
        assert json.loads(version.model_dump_json()) == encoded


def test_an_unlisted_key_is_kept_rather_than_dropped() -> None:
    report = {
        "academic_year": "2026/27",
        "created": 1,
        "updated": 0,
        "unchanged": 0,
        "skipped": [],
        "learners": [{"LearnRefNumber": "A1", "ilr_id": "ilr_1", "outcome": "created"}],
        "file_findings": [],
        "something_new": True,
    }
    assert ImportReport.model_validate(report).model_dump(mode="json") == report


def test_the_fields_whose_name_says_too_little_are_described() -> None:
    for name in ("status", "allowed_actions", "blocked_actions", "provenance", "delivery_keys"):
        assert Ilr.model_fields[name].description, name
