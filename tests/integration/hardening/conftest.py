"""Hardening fixtures: every service app in-process on the real NATS + MongoDB-wire servers.

The suite is generic over `SERVICES`: a service is covered by adding its
`(name, "package.bootstrap:create_app")` here. A service whose bootstrap module does not
import yet is skipped (set `ILR_HARDENING_REQUIRE_ALL=1` to turn that skip into a failure).
"""

from __future__ import annotations

import asyncio
import importlib
import itertools
import os
import re
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from ilr_shared.auth import mint_token
from ilr_shared.events import EventType, RecordChanged, make_event
from ilr_shared.settings import CommonSettings
from tests.unit.programmes.template_builders import apprenticeship


@dataclass(frozen=True)
class ServiceSpec:
    name: str
    factory: str  # "package.module:create_app"
    # Services whose events (or data) this one needs to have something to serve.
    needs: tuple[str, ...] = ()


SERVICES: list[ServiceSpec] = [
    ServiceSpec("programmes", "programmes_service.bootstrap:create_app"),
    ServiceSpec("ilr", "ilr_service.bootstrap:create_app", needs=("programmes",)),
    ServiceSpec("export", "export_service.bootstrap:create_app"),
]
BY_NAME = {spec.name: spec for spec in SERVICES}

TENANT_A = "10000001"
TENANT_B = "10000002"
YEAR = "2026/27"
PUBLIC_PATHS = frozenset({"/healthz", "/readyz", "/metrics"})
MUTATING = frozenset({"POST", "PUT", "PATCH", "DELETE"})


def load_factory(spec: ServiceSpec) -> Callable[[], FastAPI]:
    module_name, _, attr = spec.factory.partition(":")
    module = importlib.import_module(module_name)
    factory: Callable[[], FastAPI] = getattr(module, attr)
    return factory


def import_problem(spec: ServiceSpec) -> str | None:
    """Why the service's bootstrap does not import (None when it does)."""
    try:
        load_factory(spec)
    except ImportError as exc:
        return f"{spec.factory} does not import yet: {exc}"
    return None


def service_params() -> list[Any]:
    """One pytest param per service; skipped only while its bootstrap does not import."""
    params = []
    require_all = os.environ.get("ILR_HARDENING_REQUIRE_ALL") == "1"
    for spec in SERVICES:
        problem = import_problem(spec)
        marks = [pytest.mark.skip(reason=problem)] if problem and not require_all else []
        params.append(pytest.param(spec, id=spec.name, marks=marks))
    return params


# ---------------------------------------------------------------- operations


@dataclass(frozen=True)
class Operation:
    service: str
    method: str
    path: str  # the OpenAPI template, e.g. /api/programmes/{programme_id}
    path_params: tuple[str, ...]
    query_params: tuple[str, ...]
    has_if_match: bool
    has_body: bool

    @property
    def key(self) -> str:
        return f"{self.method} {self.path}"

    @property
    def public(self) -> bool:
        return self.path in PUBLIC_PATHS

    @property
    def shared(self) -> bool:
        """A route by id over data every tenant shares (the official rule catalogue)."""
        return self.key in SHARED_ROUTES

    def url(self, ids: dict[str, Any]) -> str:
        values = {**SHARED_PATH_VALUES, **ids}
        return re.sub(r"\{(\w+)\}", lambda m: str(values[m.group(1)]), self.path)

    def resource_url(self, ids: dict[str, Any]) -> str | None:
        """The resource whose ETag an If-Match names: the path up to its first parameter."""
        match = re.match(r"^(.*?\{\w+\})", self.path)
        if match is None:
            return None
        return re.sub(r"\{(\w+)\}", lambda m: str(ids[m.group(1)]), match.group(1))


def operations(service: str, app: FastAPI) -> list[Operation]:
    """Every operation of the app's OpenAPI document."""
    found = []
    for path, item in app.openapi()["paths"].items():
        for method, op in item.items():
            if method not in {"get", "post", "put", "patch", "delete"}:
                continue
            params = op.get("parameters", [])
            found.append(
                Operation(
                    service=service,
                    method=method.upper(),
                    path=path,
                    path_params=tuple(p["name"] for p in params if p["in"] == "path"),
                    query_params=tuple(p["name"] for p in params if p["in"] == "query"),
                    has_if_match=any(
                        p["in"] == "header" and p["name"].lower() == "if-match" for p in params
                    ),
                    has_body="requestBody" in op,
                )
            )
    return found


# ---------------------------------------------------------------- sample bodies

_serial = itertools.count(1)
VALID_ULNS = [1234567805, 1234567813, 1234567821, 1234567848, 1234567856, 2000000001]


def enrolment_body(marker: str = "Ada", uln: int | None = None) -> dict[str, Any]:
    n = next(_serial)
    return {
        "learner": {
            "LearnRefNumber": f"{marker[:6]}{n:04d}",
            "ULN": uln or VALID_ULNS[n % len(VALID_ULNS)],
            "GivenNames": marker,
            "FamilyName": f"{marker}son",
            "DateOfBirth": "2004-02-01",
            "Email": "learner@example.org",
            "Postcode": "B1 1AA",
        },
        "LearnStartDate": "2026-09-01",
        "LearnPlanEndDate": "2027-12-01",
    }


# A valid request body for every operation that takes one (a new operation needs an entry:
# the role and tenancy tests must reach the handler, not stop at body validation).
SAMPLE_BODIES: dict[str, Callable[[], Any]] = {
    # programmes
    "POST /api/programmes": lambda: {"name": "Sample programme", "academic_year": YEAR},
    "PATCH /api/programmes/{programme_id}": lambda: {"name": "Renamed"},
    "POST /api/programmes/{programme_id}/clone": lambda: {"name": "Clone", "academic_year": YEAR},
    "PUT /api/programmes/{programme_id}/ilr-template": lambda: apprenticeship(),
    "POST /api/programmes/{programme_id}/enrolments": lambda: enrolment_body(),
    "POST /api/programmes/{programme_id}/enrolments/{enrolment_id}/withdraw": lambda: {
        "reason": "left"
    },
    "PATCH /api/programmes/{programme_id}/enrolments/{enrolment_id}": lambda: {
        "LearnPlanEndDate": "2027-11-30"
    },
    # ilr
    "PATCH /api/ilrs/{ilr_id}": lambda: {"set": {"GivenNames": "Grace"}},
    "POST /api/ilrs/{ilr_id}/deliveries": lambda: {
        "LearnAimRef": "60347036",
        "AimType": 3,
        "LearnStartDate": "2026-09-01",
        "LearnPlanEndDate": "2027-06-01",
        "FundModel": 36,
        "DelLocPostCode": "B1 1AA",
    },
    "PATCH /api/ilrs/{ilr_id}/deliveries/{seq}": lambda: {"DelLocPostCode": "M1 1AE"},
    "POST /api/ilrs/{ilr_id}/deliveries/{seq}/withdraw": lambda: {
        "LearnActEndDate": "2026-10-01",
        "WithdrawReason": 40,
    },
    "POST /api/ilrs/{ilr_id}/reset-to-template": lambda: {},
    "POST /api/ilrs/{ilr_id}/transitions": lambda: {"action": "request_signature"},
    "POST /api/ilrs/{ilr_id}/versions/{version}/restore": lambda: None,
    # not an ILR file: the role checks only need the request to reach the handler (415)
    "POST /api/ilrs/import": lambda: {},
    "POST /api/ilrs/rollover": lambda: {
        "academic_year": "2025/26",
        "programme_id": "prg_sample",
        "dry_run": True,
    },
    # export
    "POST /api/exports": lambda: {"academic_year": YEAR},
}


# Routes by id over reference data every tenant shares, and the ids they take.
SHARED_ROUTES = frozenset({"GET /api/rules/{name}"})
SHARED_PATH_VALUES: dict[str, Any] = {"name": "ULN_04"}

# Query parameters an operation requires.
SAMPLE_QUERIES: dict[str, dict[str, Any]] = {
    "GET /api/programmes/code-lists": {"academic_year": YEAR},
}


def sample_body(op: Operation) -> Any:
    if not op.has_body:
        return None
    if op.key not in SAMPLE_BODIES:
        raise AssertionError(f"{op.service}: add a valid sample body for {op.key} to SAMPLE_BODIES")
    return SAMPLE_BODIES[op.key]()


# ---------------------------------------------------------------- the stack


@dataclass
class Seeded:
    """What one tenant created, keyed by the path parameter names that address it."""

    tenant: str
    marker: str
    ids: dict[str, Any] = field(default_factory=dict)


@dataclass
class Stack:
    apps: dict[str, FastAPI]
    clients: dict[str, httpx.AsyncClient]
    secret: str

    def token(
        self,
        tenant: str = TENANT_A,
        roles: tuple[str, ...] = ("admin",),
        sub: str = "user-1",
        learner_id: str | None = None,
    ) -> str:
        return mint_token(
            self.secret, sub=sub, tenant=tenant, roles=list(roles), learner_id=learner_id
        )

    def headers(self, tenant: str = TENANT_A, role: str = "admin", **kw: Any) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token(tenant, (role,), **kw)}"}

    def client(self, service: str) -> httpx.AsyncClient:
        return self.clients[service]

    async def etag(self, service: str, url: str | None, headers: dict[str, str]) -> str | None:
        if url is None:
            return None
        response = await self.clients[service].get(url, headers=headers)
        etag: str | None = response.headers.get("ETag")
        return etag

    async def request(
        self,
        op: Operation,
        ids: dict[str, Any],
        headers: dict[str, str],
        *,
        etag_headers: dict[str, str] | None = None,
        body: Any = None,
    ) -> httpx.Response:
        """`op` with its path filled from `ids`, a valid body and (when it takes one) the
        resource's current ETag as If-Match (read with `etag_headers`)."""
        send = dict(headers)
        if op.has_if_match:
            tag = await self.etag(op.service, op.resource_url(ids), etag_headers or headers)
            if tag is not None:
                send["If-Match"] = tag
        payload = sample_body(op) if body is None else body
        kwargs: dict[str, Any] = {"headers": send, "params": SAMPLE_QUERIES.get(op.key)}
        if payload is not None:
            kwargs["json"] = payload
        return await self.clients[op.service].request(op.method, op.url(ids), **kwargs)

    async def until(
        self, probe: Callable[[], Awaitable[Any]], what: str, timeout_s: float = 20.0
    ) -> Any:
        deadline = asyncio.get_running_loop().time() + timeout_s
        while True:
            value = await probe()
            if value:
                return value
            if asyncio.get_running_loop().time() > deadline:
                raise AssertionError(f"timed out waiting for {what}")
            await asyncio.sleep(0.1)

    async def seed(self, tenant: str, marker: str) -> Seeded:
        """One of everything for `tenant` in every running service; `marker` is in every
        name, so a leak into another tenant's response is visible as text."""
        seeded = Seeded(tenant, marker)
        admin = self.headers(tenant)
        if "programmes" in self.clients:
            programmes = self.clients["programmes"]
            created = await programmes.post(
                "/api/programmes",
                json={"name": f"{marker} programme", "academic_year": YEAR},
                headers=admin,
            )
            assert created.status_code == 201, created.text
            programme_id = created.json()["id"]
            template = await programmes.put(
                f"/api/programmes/{programme_id}/ilr-template", json=apprenticeship(), headers=admin
            )
            assert template.status_code == 200, template.text
            enrolled = await programmes.post(
                f"/api/programmes/{programme_id}/enrolments",
                json=enrolment_body(marker),
                headers=admin,
            )
            assert enrolled.status_code == 201, enrolled.text
            seeded.ids.update(programme_id=programme_id, enrolment_id=enrolled.json()["id"])
        if "ilr" in self.clients and "programme_id" in seeded.ids:
            ilrs = self.clients["ilr"]

            async def settled_ilr() -> dict[str, Any] | None:
                """The ILR once the template is applied: until then it may still change."""
                found = await ilrs.get(
                    "/api/ilrs", params={"programme_id": seeded.ids["programme_id"]}, headers=admin
                )
                items = found.json().get("items") if found.status_code == 200 else None
                if not items:
                    return None
                ilr = await ilrs.get(f"/api/ilrs/{items[0]['id']}", headers=admin)
                body: dict[str, Any] = ilr.json()
                return body if ilr.status_code == 200 and body["template_revision"] >= 1 else None

            ilr = await self.until(settled_ilr, f"the ILR of {marker}")
            seeded.ids["ilr_id"] = ilr["id"]
            seeded.ids["version"] = ilr["version"]
            seeded.ids["seq"] = 1
        if "export" in self.clients:
            seeded.ids["export_id"] = await self._seed_export(tenant, marker)
        return seeded

    async def _seed_export(self, tenant: str, marker: str) -> str:
        """A verified learner reaches the export service as `ilr.<ukprn>.record.changed`
        (what the ILR service publishes), then a successful export of it."""
        from tests.unit.export.factory import make_learner

        record = make_learner(next(_serial))
        record.update(GivenNames=marker, FamilyName=f"{marker}son")
        ilr_id = f"ilr_{marker.lower()}_1"
        payload = RecordChanged(
            ilr_id=ilr_id,
            version=1,
            status="qa_verified",
            academic_year=YEAR,
            programme_id=f"prg_{marker.lower()}",
            enrolment_id=f"enr_{marker.lower()}",
            record=record,
        )
        app = self.apps["export"]
        await app.state.runtime.publisher.publish(
            make_event(EventType.RECORD_CHANGED, tenant, ilr_id, 1, payload)
        )
        exports = self.clients["export"]
        admin = self.headers(tenant)

        async def exported() -> str | None:
            requested = await exports.post(
                "/api/exports", json={"academic_year": YEAR}, headers=admin
            )
            assert requested.status_code == 202, requested.text
            export_id: str = requested.json()["id"]

            async def finished() -> str | None:
                got = await exports.get(f"/api/exports/{export_id}", headers=admin)
                state: str = got.json()["state"]
                return state if state in ("succeeded", "failed") else None

            state = await self.until(finished, f"the export of {marker}")
            return export_id if state == "succeeded" else None

        result: str = await self.until(exported, f"a successful export of {marker}")
        return result


StartStack = Callable[..., Awaitable[Stack]]


@pytest.fixture
async def start_stack(
    service_env: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> AsyncIterator[StartStack]:
    """Starts the named services (and what they need), each with its own database as in
    production, all on the test NATS server."""
    lifespans: list[Any] = []
    clients: list[httpx.AsyncClient] = []

    async def start(*names: str) -> Stack:
        wanted: list[str] = []
        for name in names:
            for dep in (*BY_NAME[name].needs, name):
                if dep not in wanted:
                    wanted.append(dep)
        apps: dict[str, FastAPI] = {}
        stack_clients: dict[str, httpx.AsyncClient] = {}
        for name in wanted:
            spec = BY_NAME[name]
            problem = import_problem(spec)
            if problem is not None:
                raise AssertionError(problem)
            monkeypatch.setenv("MONGODB_DATABASE", f"{service_env['MONGODB_DATABASE']}_{name}")
            app = load_factory(spec)()
            lifespan = app.router.lifespan_context(app)
            await lifespan.__aenter__()
            lifespans.append(lifespan)
            http = httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://test")
            clients.append(http)
            apps[name] = app
            stack_clients[name] = http
        monkeypatch.setenv("MONGODB_DATABASE", service_env["MONGODB_DATABASE"])
        return Stack(apps, stack_clients, CommonSettings().jwt_secret.get_secret_value())

    yield start
    for http in clients:
        await http.aclose()
    for lifespan in reversed(lifespans):
        await asyncio.wait_for(lifespan.__aexit__(None, None, None), 15)
