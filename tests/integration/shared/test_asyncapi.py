"""The event contract is public: each service's AsyncAPI document names what it publishes."""

from __future__ import annotations

import json

import httpx

from programmes_service.bootstrap import create_app


async def test_programmes_asyncapi_documents_enrolment_created(service_env: dict[str, str]) -> None:
    app = create_app()
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
            response = await client.get("/api/programmes/asyncapi.json")
    assert response.status_code == 200
    document = response.json()
    channels = json.dumps(document["channels"])
    assert "programmes.{ukprn}.enrolment.created" in channels
    assert "programmes.{ukprn}.template.changed" in channels
    assert "programmes.{ukprn}.enrolment.updated" in channels
    schemas = document["components"]["schemas"]
    event = schemas["EnrolmentCreatedEvent"]
    assert {"event_id", "tenant", "aggregate_id", "sequence", "payload"} <= set(event["properties"])
    assert "ULN" in json.dumps(schemas)
    assert "LearnerEmploymentStatus" in json.dumps(schemas)  # schema version 2's learner
