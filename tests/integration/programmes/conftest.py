"""The programmes app in-process against the real test NATS and MongoDB wire server."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable

import httpx
import pytest
from fastapi import FastAPI

from ilr_shared.auth import mint_token
from ilr_shared.settings import CommonSettings
from programmes_service.bootstrap import create_app

TENANT = "10000001"
OTHER_TENANT = "10000002"

TokenFactory = Callable[..., dict[str, str]]


@pytest.fixture
def auth() -> TokenFactory:
    secret = CommonSettings().jwt_secret.get_secret_value()

    def headers(role: str = "admin", tenant: str = TENANT, sub: str = "user-1") -> dict[str, str]:
        token = mint_token(secret, sub=sub, tenant=tenant, roles=[role])
        return {"Authorization": f"Bearer {token}"}

    return headers


@pytest.fixture
async def app(service_env: dict[str, str]) -> AsyncIterator[FastAPI]:
    application = create_app()
    async with application.router.lifespan_context(application):
        yield application


@pytest.fixture
async def client(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as http:
        yield http
