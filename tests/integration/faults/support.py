"""Fault-injection helpers: the services as real uvicorn subprocesses, events, checks.

Every service runs the way `deploy/local/launcher.py` runs it (`python -m uvicorn
<pkg>.bootstrap:create_app --factory --no-access-log`), with NATS_URL / MONGODB_URL /
MONGODB_DATABASE pointing at the test's own servers, its stdout+stderr captured in a log
file, so a test can SIGKILL, SIGSTOP/SIGCONT and restart it.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Awaitable, Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any, TypeVar

import httpx
import nats
from nats.js.api import ConsumerInfo, StreamConfig
from nats.js.errors import NotFoundError
from pymongo.asynchronous.database import AsyncDatabase

from deploy.local.launcher import die_with_parent
from ilr_shared.auth import mint_token
from ilr_shared.events import (
    STREAMS,
    EnrolmentCreated,
    EventEnvelope,
    EventType,
    LearnerDetails,
    TemplateChanged,
    make_event,
)
from ilr_shared.settings import CommonSettings
from tests.e2e.support import make_uln
from tests.support.servers import free_port, stop_process
from tests.support.templates import APPRENTICESHIP_TEMPLATE

REPO_ROOT = Path(__file__).resolve().parents[3]
TENANT = "10000001"
YEAR = "2026/27"
T = TypeVar("T")

APPS = {
    "programmes": "programmes_service.bootstrap:create_app",
    "ilr": "ilr_service.bootstrap:create_app",
    "export": "export_service.bootstrap:create_app",
}
PROGRAMMES_DURABLE = "ilr-service"

TEMPLATE = APPRENTICESHIP_TEMPLATE


def template(revision: int) -> dict[str, Any]:
    """Revision n of the template: the TNP price moves with the revision."""
    import copy

    tpl = copy.deepcopy(TEMPLATE)
    tpl["LearningDelivery"][0]["AppFinRecord"][0]["AFinAmount"] = 12000 + 100 * revision
    try:
        from ilr_shared.template import IlrTemplate
    except ImportError:  # pragma: no cover
        return tpl
    return IlrTemplate.model_validate(tpl).model_dump(mode="json", exclude_none=True)


def token(
    roles: Sequence[str] = ("admin",), sub: str = "faults-admin", tenant: str = TENANT
) -> str:
    secret = CommonSettings().jwt_secret.get_secret_value()
    return mint_token(secret, sub=sub, tenant=tenant, roles=list(roles))


def auth(roles: Sequence[str] = ("admin",), sub: str = "faults-admin") -> dict[str, str]:
    return {"Authorization": f"Bearer {token(roles, sub)}"}


# --------------------------------------------------------------------------- events


def template_event(
    programme_id: str,
    revision: int,
    body: dict[str, Any] | None = None,
) -> EventEnvelope:
    return make_event(
        EventType.TEMPLATE_CHANGED,
        TENANT,
        programme_id,
        revision,
        TemplateChanged(
            programme_id=programme_id,
            academic_year=YEAR,
            revision=revision,
            template=body if body is not None else template(revision),
        ),
    )


def enrolment_events(n: int, programme_id: str, tag: str = "") -> list[EventEnvelope]:
    tag = tag or uuid.uuid4().hex[:6]
    out = []
    for i in range(n):
        enrolment_id = f"enr_{tag}_{i:05d}"
        payload = EnrolmentCreated(
            enrolment_id=enrolment_id,
            programme_id=programme_id,
            academic_year=YEAR,
            learner=LearnerDetails(
                LearnRefNumber=f"F{i:07d}",
                ULN=make_uln(10_000 + i),
                GivenNames="Fault",
                FamilyName=f"Learner {chr(65 + i % 26)}",
                DateOfBirth=date(2004, 2, 1),
                Postcode="B1 1AA",
            ),
            LearnStartDate=date(2026, 9, 1),
            LearnPlanEndDate=date(2027, 12, 1),
            # as the programmes service publishes them: made while ILR was on
            ilr_enabled=True,
            programme_version=1,
        )
        out.append(make_event(EventType.ENROLMENT_CREATED, TENANT, enrolment_id, 1, payload))
    return out


async def ensure_streams(nats_url: str) -> None:
    """The platform's streams, as `ilr_shared.messaging.declare_streams` declares them."""
    connection = await nats.connect(nats_url)
    try:
        js = connection.jetstream()
        for name, subjects in STREAMS.items():
            try:
                await js.stream_info(name)
            except NotFoundError:
                await js.add_stream(
                    StreamConfig(name=name, subjects=subjects, duplicate_window=120.0)
                )
    finally:
        await connection.close()


async def publish(
    nats_url: str,
    events: Iterable[EventEnvelope],
    *,
    msg_id_suffix: str = "",
    window: int = 128,
    retry_s: float = 0.0,
) -> None:
    """Publishes to JetStream with `Nats-Msg-Id` = event id (+ suffix), acks awaited.

    `retry_s` > 0: a batch that fails (NATS restarting) is retried for that long.
    """
    items = list(events)
    deadline = time.monotonic() + retry_s
    start = 0
    while start < len(items):
        chunk = items[start : start + window]
        try:
            connection = await nats.connect(
                nats_url, allow_reconnect=False, connect_timeout=2, max_reconnect_attempts=0
            )
            try:
                js = connection.jetstream()
                await asyncio.gather(
                    *(
                        js.publish(
                            e.subject,
                            e.model_dump_json().encode(),
                            headers={"Nats-Msg-Id": f"{e.event_id}{msg_id_suffix}"},
                            timeout=15,
                        )
                        for e in chunk
                    )
                )
            finally:
                with contextlib.suppress(Exception):
                    await connection.close()
        except Exception:
            if time.monotonic() > deadline:
                raise
            await asyncio.sleep(0.2)
            continue  # the whole chunk again: Nats-Msg-Id makes re-sent ones no-ops
        start += window


async def stream_messages(nats_url: str, stream: str) -> int:
    connection = await nats.connect(nats_url)
    try:
        info = await connection.jetstream().stream_info(stream)
        return int(info.state.messages)
    finally:
        await connection.close()


async def consumer_idle(nats_url: str, stream: str, durable: str) -> bool:
    """Nothing pending and nothing awaiting an ack on the durable consumer."""
    connection = await nats.connect(nats_url)
    try:
        info: ConsumerInfo = await connection.jetstream().consumer_info(stream, durable)
        return info.num_pending == 0 and info.num_ack_pending == 0
    except NotFoundError:
        return False
    finally:
        await connection.close()


async def deadletters(nats_url: str) -> list[tuple[str, dict[str, str], bytes]]:
    """(subject, headers, data) of every message in the DEADLETTER stream."""
    connection = await nats.connect(nats_url)
    try:
        js = connection.jetstream()
        try:
            info = await js.stream_info("DEADLETTER")
        except NotFoundError:
            return []
        out: list[tuple[str, dict[str, str], bytes]] = []
        if info.state.messages == 0:
            return out
        for seq in range(info.state.first_seq, info.state.last_seq + 1):
            with contextlib.suppress(NotFoundError):
                msg = await js.get_msg("DEADLETTER", seq)
                assert msg.subject is not None
                out.append((msg.subject, dict(msg.headers or {}), msg.data or b""))
        return out
    finally:
        await connection.close()


# --------------------------------------------------------------------------- waiting


async def wait_for(
    check: Callable[[], Awaitable[T | None]],
    timeout: float,
    message: str,
    interval: float = 0.25,
    alive: Sequence[ServiceProcess] = (),
) -> T:
    deadline = time.monotonic() + timeout
    while True:
        last = await check()
        if last:
            return last
        for service in alive:
            service.assert_running()
        if time.monotonic() > deadline:
            raise AssertionError(f"{message}: not met after {timeout:.0f}s (last: {last!r})")
        await asyncio.sleep(interval)


async def wait_while_progressing(
    probe: Callable[[], Awaitable[tuple[Any, ...]]],
    finished: Callable[[tuple[Any, ...]], bool],
    message: str,
    stall_s: float = 120.0,
    interval: float = 2.0,
    alive: Sequence[ServiceProcess] = (),
) -> tuple[Any, ...]:
    """Waits until `finished(probe())`, failing only when the probed state stops changing.

    A large recovery takes minutes on a slow machine and seconds on a fast one; a fixed
    deadline either hides a hang for long or fails a slow but healthy run. A state that has
    not moved for `stall_s` is a hang on any machine.
    """
    started = time.monotonic()
    state = await probe()
    changed_at = started
    history = [f"0s {state}"]
    while not finished(state):
        for service in alive:
            service.assert_running()
        now = time.monotonic()
        if now - changed_at > stall_s:
            raise AssertionError(
                f"{message}: no progress for {stall_s:.0f}s; states seen:\n"
                + "\n".join(history[-15:])
            )
        await asyncio.sleep(interval)
        latest = await probe()
        if latest != state:
            state, changed_at = latest, time.monotonic()
            history.append(f"{changed_at - started:.0f}s {state}")
    return state


async def wait_until_ingested(
    db: AsyncDatabase[dict[str, Any]],
    nats_url: str,
    events: int,
    message: str,
    alive: Sequence[ServiceProcess] = (),
) -> None:
    """Until `events` ILRs exist, all at template revision 2, their outbox drained and the
    programmes consumer idle; fails when that state stops moving."""

    async def progress() -> tuple[Any, ...]:
        return (
            await db["ilrs"].count_documents({}),
            await db["ilrs"].count_documents({"template_revision": {"$lt": 2}}),
            await db["ilrs"].count_documents({"_outbox_pending": True}),
            await consumer_idle(nats_url, "PROGRAMMES", PROGRAMMES_DURABLE),
        )

    def done(state: tuple[Any, ...]) -> bool:
        ilrs, behind, outbox, idle = state
        return bool(ilrs >= events and behind == 0 and outbox == 0 and idle)

    await wait_while_progressing(progress, done, message, alive=alive)


# --------------------------------------------------------------------------- services


@dataclass
class ServiceProcess:
    """One service instance as a uvicorn subprocess on a fixed port (kept across restarts)."""

    name: str
    env: dict[str, str]
    log_path: Path
    port: int = field(default_factory=free_port)
    process: subprocess.Popen[bytes] | None = None
    paused: bool = False
    starts: int = 0

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def pid(self) -> int:
        assert self.process is not None
        return self.process.pid

    def start(self) -> ServiceProcess:
        assert self.process is None or self.process.poll() is not None, "already running"
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        self.starts += 1
        with open(self.log_path, "ab") as log:
            log.write(f"\n=== start #{self.starts} of {self.name}\n".encode())
            log.flush()
            self.process = subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "uvicorn",
                    APPS[self.name],
                    "--factory",
                    "--host",
                    "127.0.0.1",
                    "--port",
                    str(self.port),
                    "--no-access-log",
                    "--timeout-graceful-shutdown",
                    "5",
                ],
                cwd=REPO_ROOT,
                env={**os.environ, "SERVICE_NAME": self.name, **self.env},
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                preexec_fn=die_with_parent,
            )
        self.paused = False
        return self

    async def wait_ready(self, timeout: float = 120.0) -> ServiceProcess:
        async with httpx.AsyncClient(timeout=3) as client:

            async def ready() -> bool:
                self.assert_running()
                try:
                    response = await client.get(f"{self.url}/readyz")
                except httpx.TransportError:
                    return False
                return response.status_code == 200

            await wait_for(ready, timeout, f"{self.name} /readyz", interval=0.2)
        return self

    def assert_running(self) -> None:
        if self.process is None or self.process.poll() is not None:
            code = self.process.returncode if self.process else None
            raise AssertionError(f"{self.name} exited ({code}); log tail:\n{self.log_tail()}")

    def kill(self) -> None:
        """SIGKILL: no shutdown code runs, in-flight messages stay unacked."""
        assert self.process is not None
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(10)

    def pause(self) -> None:
        assert self.process is not None
        self.process.send_signal(signal.SIGSTOP)
        self.paused = True

    def resume(self) -> None:
        assert self.process is not None
        self.process.send_signal(signal.SIGCONT)
        self.paused = False

    def stop(self) -> None:
        process = self.process
        if process is None or process.poll() is not None:
            return
        if self.paused:
            self.resume()
        stop_process(process, grace_s=20)

    def log_text(self) -> str:
        try:
            return self.log_path.read_text(errors="replace")
        except OSError:
            return ""

    def log_tail(self, lines: int = 40) -> str:
        return "\n".join(self.log_text().splitlines()[-lines:])


# --------------------------------------------------------------------------- checks


@dataclass
class HistoryReport:
    ilrs: int
    problems: list[str]
    orphans: int  # uncommitted version documents that are not an ILR's head
    versions_total: int  # sum of ILR versions (= record.changed events expected)
    by_version: dict[int, int]


async def check_histories(database: AsyncDatabase[dict[str, Any]]) -> HistoryReport:
    """Every ILR's counted versions (committed, or its head write) are exactly 1..version,
    one document each; no counted version belongs to an ILR that does not exist."""
    heads: dict[str, tuple[int, str | None]] = {}
    async for doc in database["ilrs"].find({}, {"version": 1, "write_id": 1}):
        heads[doc["_id"]] = (int(doc["version"]), doc.get("write_id"))
    counted: dict[str, list[int]] = {}
    orphans = 0
    async for v in database["ilr_versions"].find({}, {"ilr_id": 1, "version": 1, "committed": 1}):
        head = heads.get(v["ilr_id"])
        if v.get("committed") is True or (head is not None and v["_id"] == head[1]):
            counted.setdefault(v["ilr_id"], []).append(int(v["version"]))
        else:
            orphans += 1
    problems = []
    for ilr_id, (version, _) in heads.items():
        got = sorted(counted.pop(ilr_id, []))
        if got != list(range(1, version + 1)):
            problems.append(f"{ilr_id}: version {version}, history {got}")
    for ilr_id, got in counted.items():
        problems.append(f"versions {sorted(got)} of {ilr_id}, which does not exist")
    by_version: dict[int, int] = {}
    for version, _ in heads.values():
        by_version[version] = by_version.get(version, 0) + 1
    return HistoryReport(
        ilrs=len(heads),
        problems=problems,
        orphans=orphans,
        versions_total=sum(v for v, _ in heads.values()),
        by_version=by_version,
    )
