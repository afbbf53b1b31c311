"""Fixtures of the fault-injection suite: a private NATS per test, fresh databases on the
session's MongoDB-wire server, and the services as subprocesses that tests kill at will."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Generator, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from pymongo import AsyncMongoClient

from tests.integration.faults.support import ServiceProcess
from tests.support.servers import MongoServer, NatsServer


@pytest.fixture
def nats() -> Iterator[NatsServer]:
    """A NATS JetStream of this test's own: tests restart and stop it."""
    server = NatsServer().start()
    yield server
    server.cleanup()


@dataclass
class Services:
    """Starts service subprocesses against the test's servers; stops them all at the end."""

    nats: NatsServer
    mongo_url: str
    log_dir: Path
    prefix: str = field(default_factory=lambda: f"faults_{uuid.uuid4().hex[:10]}")
    started: list[ServiceProcess] = field(default_factory=list)

    def database(self, name: str) -> str:
        return f"{self.prefix}_{name}"

    def env(self, name: str, **extra: str) -> dict[str, str]:
        return {
            "NATS_URL": self.nats.url,
            "MONGODB_URL": self.mongo_url,
            "MONGODB_DATABASE": self.database(name),
            "LOG_JSON": "true",
            "LOG_LEVEL": "INFO",
            "ILR_RETRY_BASE_DELAY": "0.05",
            "ILR_RETRY_MAX_DELAY": "1",
            "ILR_OUTBOX_POLL_INTERVAL": "0.2",
            **extra,
        }

    def spawn(self, name: str, instance: int = 1, **extra: str) -> ServiceProcess:
        service = ServiceProcess(
            name, self.env(name, **extra), self.log_dir / f"{name}-{instance}.log"
        )
        self.started.append(service.start())
        return service

    async def up(self, name: str, instance: int = 1, **extra: str) -> ServiceProcess:
        return await self.spawn(name, instance, **extra).wait_ready()

    def stop_all(self) -> None:
        for service in reversed(self.started):
            service.stop()

    def logs(self, lines: int = 60) -> str:
        return "\n".join(
            f"----- {s.log_path.name} (pid {s.process.pid if s.process else '-'})\n"
            + s.log_tail(lines)
            for s in self.started
        )


@pytest.fixture
def services(nats: NatsServer, mongo_server: MongoServer, tmp_path: Path) -> Iterator[Services]:
    running = Services(nats=nats, mongo_url=mongo_server.url, log_dir=tmp_path / "logs")
    yield running
    running.stop_all()


@pytest.fixture
async def mongo(mongo_server: MongoServer) -> AsyncIterator[AsyncMongoClient[dict[str, Any]]]:
    client: AsyncMongoClient[dict[str, Any]] = AsyncMongoClient(
        mongo_server.url, tz_aware=True, uuidRepresentation="standard"
    )
    yield client
    await client.close()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    """A failed fault test carries the tail of every service's log."""
    report = yield
    running = getattr(item, "funcargs", {}).get("services")
    if report.failed and isinstance(running, Services):
        report.sections.append(("service logs", running.logs()))
    return report
