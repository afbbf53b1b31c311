"""Real servers for tests and benchmarks: a private NATS JetStream and a MongoDB wire server.

MongoDB: `MONGODB_URL` if set, else a testcontainers MongoDB replica set if a Docker engine
answers, else a SecantusDB server (`secantusd-py`) on a free port in a temporary folder.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

NATS_BINARY = shutil.which("nats-server") or "/usr/sbin/nats-server"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def stop_process(process: subprocess.Popen[bytes] | None, grace_s: float = 10.0) -> bool:
    """SIGTERM, then SIGKILL if the process has not exited after `grace_s`.

    Returns whether it exited on its own. A server that hangs in its shutdown code must not
    hang the test that stops it; for a test a crash is as good an outage as a clean stop.
    """
    if process is None or process.poll() is not None:
        return True
    process.terminate()
    try:
        process.wait(grace_s)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(10)
        return False
    return True


def wait_for_port(
    port: int, timeout_s: float = 30.0, process: subprocess.Popen[bytes] | None = None
) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            raise RuntimeError(f"server exited with {process.returncode} before listening")
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 0.5):
            return
        time.sleep(0.1)
    raise TimeoutError(f"nothing listening on 127.0.0.1:{port} after {timeout_s}s")


@dataclass
class NatsServer:
    """A nats-server with JetStream of the test's own; it can be killed and restarted."""

    port: int = field(default_factory=free_port)
    store: Path = field(default_factory=lambda: Path(tempfile.mkdtemp(prefix="nats-test-")))
    process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"nats://127.0.0.1:{self.port}"

    def start(self) -> NatsServer:
        self.process = subprocess.Popen(
            [NATS_BINARY, "-a", "127.0.0.1", "-p", str(self.port), "-js", "-sd", str(self.store)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        wait_for_port(self.port, process=self.process)
        return self

    def stop(self) -> None:
        stop_process(self.process)

    def restart(self) -> None:
        self.stop()
        self.start()

    def cleanup(self) -> None:
        self.stop()
        shutil.rmtree(self.store, ignore_errors=True)


@dataclass
class MongoServer:
    url: str
    kind: str
    process: subprocess.Popen[bytes] | None = None
    storage: Path | None = None
    container: object | None = None

    def stop(self, grace_s: float = 15.0) -> bool:
        """Stops the server (killed after `grace_s`); returns whether it stopped cleanly."""
        return stop_process(self.process, grace_s)

    def cleanup(self) -> None:
        self.stop()
        if self.storage:
            shutil.rmtree(self.storage, ignore_errors=True)
        if self.container is not None:
            self.container.stop()  # type: ignore[attr-defined]


def docker_engine_answers() -> bool:
    try:
        import docker

        docker.from_env(timeout=3).ping()
    except Exception:
        return False
    return True


def secantus_binary() -> str:
    candidate = Path(sys.executable).with_name("secantusd-py")
    return (
        str(candidate) if candidate.exists() else (shutil.which("secantusd-py") or "secantusd-py")
    )


def start_secantus(port: int | None = None, storage: Path | None = None) -> MongoServer:
    port = port or free_port()
    storage = storage or Path(tempfile.mkdtemp(prefix="secantus-test-"))
    log = open(storage.parent / f"{storage.name}.log", "ab")  # noqa: SIM115
    process = subprocess.Popen(
        [
            secantus_binary(),
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--storage-path",
            str(storage),
            "--log-level",
            "WARNING",
        ],
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    wait_for_port(port, timeout_s=60, process=process)
    return MongoServer(
        url=f"mongodb://127.0.0.1:{port}/?directConnection=true",
        kind="secantusdb",
        process=process,
        storage=storage,
    )


def start_mongo() -> MongoServer:
    if url := os.environ.get("MONGODB_URL"):
        return MongoServer(url=url, kind="external")
    if docker_engine_answers():
        from testcontainers.mongodb import MongoDbContainer

        container = MongoDbContainer("mongo:8.0").with_command("--replSet rs0 --bind_ip_all")
        container.start()
        host, port = container.get_container_host_ip(), container.get_exposed_port(27017)
        container.exec(
            "mongosh --quiet --eval \"rs.initiate({_id:'rs0',members:[{_id:0,host:'localhost:27017'}]})\""
        )
        return MongoServer(
            url=f"mongodb://{host}:{port}/?directConnection=true",
            kind="testcontainers",
            container=container,
        )
    return start_secantus()
