"""The stack for end-to-end tests, started the way the README does: the local launcher.

The launcher runs as a subprocess with a data dir of its own under a temporary folder, a
free gateway port and free service ports, a private NATS (so the machine's NATS is never
touched) and the MongoDB that `tests.support.servers.start_mongo` chooses (MONGODB_URL,
testcontainers, or SecantusDB), so CI's backend choice applies here too.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
import sys
from collections.abc import Generator, Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from deploy.local.launcher import die_with_parent
from tests.e2e.support import OTHER_TENANT, TENANT, ApiClient, token, wait_until
from tests.support.servers import NatsServer, free_port, start_mongo

REPO_ROOT = Path(__file__).resolve().parents[2]
STARTUP_TIMEOUT_S = float(os.environ.get("ILR_E2E_STARTUP_TIMEOUT", "300"))


@dataclass
class RunningStack:
    base_url: str
    data_dir: Path
    process: subprocess.Popen[bytes]
    nats_url: str

    @property
    def log_dir(self) -> Path:
        return self.data_dir / "log"

    def logs(self, lines: int = 40) -> str:
        """The launcher's output and the tail of every child's log, for failure messages."""
        parts = []
        for path in [self.data_dir / "launcher.out", *sorted(self.log_dir.glob("*.log"))]:
            with contextlib.suppress(OSError):
                tail = path.read_text(errors="replace").splitlines()[-lines:]
                parts.append(f"----- {path.name}\n" + "\n".join(tail))
        return "\n".join(parts)


def _stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(60)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)
            process.wait(10)


@pytest.fixture(scope="session")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningStack]:
    if not (shutil.which("nginx") or Path("/usr/sbin/nginx").exists()):
        message = "nginx is not installed (test.sh installs it: apt-get install nginx)"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    nats = NatsServer().start()
    mongo = start_mongo()
    data_dir = tmp_path_factory.mktemp("stack")
    port = free_port()
    env = {
        **os.environ,
        "NATS_URL": nats.url,
        "MONGODB_URL": mongo.url,
        "GATEWAY_PORT": str(port),
        "LOG_JSON": "false",
        "ILR_RETRY_BASE_DELAY": "0.05",
        "ILR_RETRY_MAX_DELAY": "1",
    }
    env.pop("MONGODB_DATABASE", None)
    out = open(data_dir / "launcher.out", "wb")  # noqa: SIM115
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "deploy.local.launcher",
            "--data-dir",
            str(data_dir),
            "--gateway-port",
            str(port),
            "--base-port",
            "0",
        ],
        cwd=REPO_ROOT,
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=out,
        stderr=subprocess.STDOUT,
        start_new_session=True,
        preexec_fn=die_with_parent,
    )
    running = RunningStack(
        base_url=f"http://127.0.0.1:{port}", data_dir=data_dir, process=process, nats_url=nats.url
    )

    def gateway_up() -> bool:
        if process.poll() is not None:
            raise RuntimeError(f"the launcher exited with {process.returncode}")
        try:
            return httpx.get(f"{running.base_url}/healthz", timeout=2).status_code == 200
        except httpx.TransportError:
            return False

    try:
        try:
            wait_until(gateway_up, STARTUP_TIMEOUT_S, 0.5, "the stack's gateway answered")
        except (TimeoutError, RuntimeError) as exc:
            pytest.fail(f"the stack did not start: {exc}\n{running.logs()}", pytrace=False)
        yield running
    finally:
        _stop(process)
        out.close()
        nats.cleanup()
        mongo.cleanup()


@pytest.fixture(scope="session")
def admin(stack: RunningStack) -> Iterator[ApiClient]:
    with ApiClient(stack.base_url, token(TENANT, ("admin",))) as client:
        yield client


@pytest.fixture(scope="session")
def other_admin(stack: RunningStack) -> Iterator[ApiClient]:
    with ApiClient(stack.base_url, token(OTHER_TENANT, ("admin",), sub="e2e-other")) as client:
        yield client


@pytest.fixture(scope="session")
def anonymous(stack: RunningStack) -> Iterator[ApiClient]:
    with ApiClient(stack.base_url, None) as client:
        yield client


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """End-to-end tests run after the rest (slowest last), the browser ones at the very end."""
    here = Path(__file__).parent

    def rank(item: pytest.Item) -> int:
        path = Path(str(item.path))
        if path.is_relative_to(here / "browser"):
            return 2
        return 1 if path.is_relative_to(here) else 0

    items.sort(key=rank)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    """Failed e2e tests carry the tail of the stack's logs in their report."""
    report = yield
    running = getattr(item, "funcargs", {}).get("stack")
    if report.failed and isinstance(running, RunningStack):
        report.sections.append(("stack logs", running.logs()))
    return report
