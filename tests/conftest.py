"""Session-wide real servers for integration and end-to-end tests."""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator, Iterator
from typing import Any

import pytest
from pymongo import AsyncMongoClient

from tests.support.servers import MongoServer, NatsServer, start_mongo


@pytest.fixture(scope="session")
def nats_server() -> Iterator[NatsServer]:
    server = NatsServer().start()
    yield server
    server.cleanup()


@pytest.fixture(scope="session")
def mongo_server() -> Iterator[MongoServer]:
    server = start_mongo()
    yield server
    server.cleanup()


@pytest.fixture
def database_name() -> str:
    """A fresh database name per test so tests never see each other's documents."""
    return f"test_{uuid.uuid4().hex[:12]}"


@pytest.fixture
async def mongo_client(
    mongo_server: MongoServer,
) -> AsyncIterator[AsyncMongoClient[dict[str, Any]]]:
    client: AsyncMongoClient[dict[str, Any]] = AsyncMongoClient(
        mongo_server.url, tz_aware=True, uuidRepresentation="standard"
    )
    yield client
    await client.close()


@pytest.fixture
def service_env(
    fresh_nats: str,
    nats_server: NatsServer,
    mongo_server: MongoServer,
    database_name: str,
    monkeypatch: pytest.MonkeyPatch,
) -> dict[str, str]:
    """Environment for building a service's settings against the test servers."""
    env = {
        "NATS_URL": nats_server.url,
        "MONGODB_URL": mongo_server.url,
        "MONGODB_DATABASE": database_name,
        "LOG_JSON": "false",
        "ILR_RETRY_BASE_DELAY": "0.05",
        "ILR_RETRY_MAX_DELAY": "0.5",
        "ILR_MAX_DELIVERIES": os.environ.get("ILR_TEST_MAX_DELIVERIES", "4"),
    }
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    return env


@pytest.fixture
async def fresh_nats(nats_server: NatsServer) -> str:
    """The test NATS server with every stream (and so every durable consumer) removed."""
    import nats

    connection = await nats.connect(nats_server.url)
    js = connection.jetstream()
    for info in await js.streams_info():
        assert info.config.name is not None
        await js.delete_stream(info.config.name)
    await connection.close()
    return nats_server.url
