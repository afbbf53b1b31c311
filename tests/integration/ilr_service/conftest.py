"""Fixtures: the ILR service in-process against the real NATS and MongoDB-wire servers."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from datetime import date
from typing import Any

import httpx
import nats
import pytest
from fastapi import FastAPI
from nats.js import JetStreamContext

from ilr_shared.auth import mint_token
from ilr_shared.events import (
    EnrolmentCreated,
    EnrolmentWithdrawn,
    EventEnvelope,
    EventType,
    LearnerDetails,
    ProgrammeChanged,
    TemplateChanged,
    make_event,
)
from tests.support.templates import APPRENTICESHIP_TEMPLATE

TENANT = "10000001"
OTHER_TENANT = "10000002"
PROGRAMME = "prg_1"

# the apprenticeship template the e2e, fault and benchmark runs use too
TEMPLATE_V1: dict[str, Any] = APPRENTICESHIP_TEMPLATE


def template_v2() -> dict[str, Any]:
    """Postcode of every aim changes; the maths aim goes, an English aim comes."""
    tpl: dict[str, Any] = json.loads(json.dumps(TEMPLATE_V1))
    tpl["LearningDelivery"][0]["DelLocPostCode"] = "M1 1AE"
    tpl["LearningDelivery"][0]["AppFinRecord"][0]["AFinAmount"] = 14000
    tpl["LearningDelivery"][1] = {
        "key": "english",
        "LearnAimRef": "60347036",
        "AimType": 3,
        "DelLocPostCode": "M1 1AE",
    }
    return tpl


def enrolment_created(
    n: int = 1, tenant: str = TENANT, programme_id: str = PROGRAMME, **overrides: Any
) -> EventEnvelope:
    learner = {
        "LearnRefNumber": f"LRN{n:04d}",
        "ULN": 1000000000 + n,
        "GivenNames": overrides.pop("GivenNames", "Ada"),
        "FamilyName": overrides.pop("FamilyName", f"Lovelace{n}"),
        "DateOfBirth": date(2004, 2, 1),
        "Postcode": "B1 1AA",
    }
    return make_event(
        EventType.ENROLMENT_CREATED,
        tenant,
        f"enr_{n}",
        1,
        EnrolmentCreated(
            enrolment_id=f"enr_{n}",
            programme_id=programme_id,
            academic_year="2026/27",
            learner=LearnerDetails(**learner),
            LearnStartDate=date(2026, 9, 1),
            **overrides,
        ),
    )


def template_changed(
    revision: int, template: dict[str, Any], programme_id: str = PROGRAMME
) -> EventEnvelope:
    return make_event(
        EventType.TEMPLATE_CHANGED,
        TENANT,
        programme_id,
        revision + 1,
        TemplateChanged(
            programme_id=programme_id, academic_year="2026/27", revision=revision, template=template
        ),
    )


def programme_changed(
    allow_sign: bool = False, sequence: int = 1, ilr_enabled: bool = True
) -> EventEnvelope:
    return make_event(
        EventType.PROGRAMME_CHANGED,
        TENANT,
        PROGRAMME,
        sequence,
        ProgrammeChanged(
            programme_id=PROGRAMME,
            name="Data Technician",
            academic_year="2026/27",
            ilr_enabled=ilr_enabled,
            allow_sign_without_verification=allow_sign,
        ),
    )


def enrolment_withdrawn(n: int = 1) -> EventEnvelope:
    return make_event(
        EventType.ENROLMENT_WITHDRAWN,
        TENANT,
        f"enr_{n}",
        2,
        EnrolmentWithdrawn(
            enrolment_id=f"enr_{n}",
            programme_id=PROGRAMME,
            reason="left",
            withdrawn_on=date(2026, 10, 1),
        ),
    )


@dataclass
class Service:
    app: FastAPI
    client: httpx.AsyncClient
    js: JetStreamContext
    secret: str

    def token(
        self, role: str = "admin", sub: str = "admin-1", tenant: str = TENANT, **kw: Any
    ) -> dict[str, str]:
        return {
            "Authorization": "Bearer "
            + mint_token(self.secret, sub=sub, tenant=tenant, roles=[role], **kw)
        }

    async def publish(self, event: EventEnvelope) -> None:
        await self.js.publish(
            event.subject,
            event.model_dump_json().encode(),
            headers={"Nats-Msg-Id": str(event.event_id)},
        )

    async def publish_raw(self, subject: str, body: bytes) -> None:
        await self.js.publish(subject, body)

    async def until(
        self,
        probe: Callable[[], Awaitable[Any]],
        timeout_s: float = 20.0,
        what: str = "condition",
    ) -> Any:
        deadline = asyncio.get_running_loop().time() + timeout_s
        while True:
            value = await probe()
            if value:
                return value
            if asyncio.get_running_loop().time() > deadline:
                raise AssertionError(f"timed out waiting for {what}")
            await asyncio.sleep(0.1)

    async def ilr_by_enrolment(self, enrolment_id: str) -> dict[str, Any] | None:
        repo = self.app.state.ilr_repository
        document = await repo.ilrs.find_one({"tenant": TENANT, "enrolment_id": enrolment_id})
        return document  # type: ignore[no-any-return]

    async def wait_ilr(
        self, enrolment_id: str, template_revision: int = 0, timeout_s: float = 20.0
    ) -> dict[str, Any]:
        async def probe() -> dict[str, Any] | None:
            doc = await self.ilr_by_enrolment(enrolment_id)
            if doc and doc.get("template_revision", 0) >= template_revision:
                return doc
            return None

        return await self.until(probe, timeout_s, f"ILR of {enrolment_id}")  # type: ignore[no-any-return]

    async def get(self, ilr_id: str, **token: Any) -> httpx.Response:
        return await self.client.get(f"/api/ilrs/{ilr_id}", headers=self.token(**token))


@pytest.fixture
async def make_service(
    service_env: dict[str, str],
) -> AsyncIterator[Callable[[], Awaitable[Service]]]:
    """Starts (possibly several) instances of the service sharing the durable consumer."""
    from ilr_service.bootstrap import create_app
    from ilr_service.config import Settings

    stack: list[Any] = []
    connection = await nats.connect(service_env["NATS_URL"])

    async def start() -> Service:
        settings = Settings()
        app = create_app(settings)
        lifespan = app.router.lifespan_context(app)
        await lifespan.__aenter__()
        stack.append(lifespan)
        client = httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://test")
        stack.append(client)
        return Service(app, client, connection.jetstream(), settings.jwt_secret.get_secret_value())

    yield start
    for item in reversed(stack):
        if isinstance(item, httpx.AsyncClient):
            await item.aclose()
        else:
            try:
                await asyncio.wait_for(item.__aexit__(None, None, None), 15)
            except TimeoutError:
                for task in asyncio.all_tasks():
                    task.print_stack(limit=8)
                raise
    await connection.close()


@pytest.fixture
async def service(make_service: Callable[[], Awaitable[Service]]) -> Service:
    return await make_service()
