"""Real ILR API responses carry exactly the fields their response models describe."""

from __future__ import annotations

import types
from typing import Any, Union, get_args, get_origin

from pydantic import BaseModel

from ilr_service.entrypoints.schemas import (
    Ilr,
    IlrPage,
    ImportReport,
    ValidationReport,
    VersionDetail,
    VersionList,
)
from ilr_shared.ilr.years import sample_bytes
from tests.integration.ilr_service.conftest import Service, programme_changed
from tests.integration.ilr_service.test_api import if_match, ready_ilr


def models_in(annotation: Any) -> list[type[BaseModel]]:
    """The models an annotation holds directly or as `X | None`."""
    if get_origin(annotation) in (Union, types.UnionType):
        return [m for arg in get_args(annotation) for m in models_in(arg)]
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return [annotation]
    return []


def assert_described(model: type[BaseModel], body: Any, where: str) -> None:
    """The body's keys are the model's fields in order, all the way down."""
    assert list(body) == list(model.model_fields), where
    for name, info in model.model_fields.items():
        value, annotation = body[name], info.annotation
        items = value if get_origin(annotation) is list else [value]
        inner = get_args(annotation)[0] if get_origin(annotation) is list else annotation
        for index, item in enumerate(items):
            for nested in models_in(inner):
                if item is not None:
                    assert_described(nested, item, f"{where}.{name}[{index}]")


def assert_matches(model: type[BaseModel], body: Any, where: str) -> None:
    assert_described(model, body, where)
    # validating and writing the body again changes nothing (datetimes included)
    assert model.model_validate(body).model_dump(mode="json") == body, where


async def test_every_ilr_response_is_what_its_model_describes(service: Service) -> None:
    await service.publish(programme_changed(allow_sign=False))
    doc = await ready_ilr(service)
    url = f"/api/ilrs/{doc['_id']}"
    admin = service.token()
    claims = {"role": "learner", "sub": "learner-1", "learner_id": doc["_id"]}
    client = service.client

    got = await service.get(doc["_id"])
    edit = {"set": {"LearningDelivery[key=prog].DelLocPostCode": "LS1 1AA"}}
    responses: dict[str, tuple[type[BaseModel], Any]] = {
        "get": (Ilr, got),
        "patch": (
            Ilr,
            await client.patch(url, json=edit, headers={**admin, **if_match(got.json())}),
        ),
        "transition": (Ilr, await transition(service, url, "request_signature", admin)),
        "sign": (Ilr, await transition(service, url, "sign", service.token(**claims))),
        "learner get": (Ilr, await service.get(doc["_id"], **claims)),
        "search": (IlrPage, await client.get("/api/ilrs?limit=1", headers=admin)),
        "versions": (VersionList, await client.get(url + "/versions", headers=admin)),
        "version": (VersionDetail, await client.get(url + "/versions/2", headers=admin)),
        "validation": (ValidationReport, await client.get(url + "/validation", headers=admin)),
    }
    for where, (model, response) in responses.items():
        assert response.status_code == 200, (where, response.text)
        assert_matches(model, response.json(), where)
    # the nested parts were there to be checked
    signed = responses["sign"][1].json()
    assert signed["signature"] is not None and signed["findings"]
    assert responses["search"][1].json()["items"]
    assert responses["version"][1].json()["diff"]


async def transition(service: Service, url: str, action: str, headers: dict[str, str]) -> Any:
    return await service.client.post(url + "/transitions", json={"action": action}, headers=headers)


async def test_an_import_report_is_what_its_model_describes(service: Service) -> None:
    response = await service.client.post(
        "/api/ilrs/import?skip_invalid=true",
        content=sample_bytes("2026/27"),
        headers={**service.token(tenant="99999999"), "Content-Type": "application/xml"},
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["skipped"] and body["learners"]
    assert_matches(ImportReport, body, "import")


async def test_the_served_openapi_names_the_ilr_schema(service: Service) -> None:
    spec = (await service.client.get("/api/ilrs/openapi.json")).json()
    operation = spec["paths"]["/api/ilrs/{ilr_id}"]["get"]
    schema = operation["responses"]["200"]["content"]["application/json"]["schema"]
    assert schema == {"$ref": "#/components/schemas/Ilr"}
    assert list(spec["components"]["schemas"]["Ilr"]["properties"]) == list(Ilr.model_fields)
