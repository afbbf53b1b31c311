"""Local launcher: the whole ILR platform on one machine, without Docker.

Started by `./run.sh`, or `uv run python -m deploy.local.launcher [--gateway-port 8000]
[--data-dir var]`; what it runs and how it supervises: docs/ENGINEERING.md "The local launcher".
"""

from __future__ import annotations

import contextlib
import ctypes
import json
import os
import pwd
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, TextIO
from urllib.parse import urlsplit

import typer

REPO_ROOT = Path(__file__).resolve().parents[2]
GATEWAY_TEMPLATE = REPO_ROOT / "deploy" / "gateway" / "nginx.conf"
ADMIN_DIST = REPO_ROOT / "services" / "admin" / "dist"
DEFAULT_NATS_URL = "nats://127.0.0.1:4222"
DEFAULT_TENANT = "10000001"


@dataclass(frozen=True)
class ServiceSpec:
    name: str
    app: str
    api_prefix: str


SERVICES: tuple[ServiceSpec, ...] = (
    ServiceSpec("programmes", "programmes_service.bootstrap:create_app", "/api/programmes"),
    ServiceSpec("ilr", "ilr_service.bootstrap:create_app", "/api/ilrs"),
    ServiceSpec("export", "export_service.bootstrap:create_app", "/api/exports"),
)


class LaunchError(RuntimeError):
    """The stack could not be started; the message says which part and where its log is."""


# --------------------------------------------------------------------------- small helpers


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket() as sock:
        sock.bind((host, 0))
        return int(sock.getsockname()[1])


def port_is_free(port: int, host: str = "127.0.0.1") -> bool:
    with socket.socket() as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((host, port))
        except OSError:
            return False
    return True


def nats_info(url: str, timeout_s: float = 1.0) -> dict[str, object] | None:
    """The INFO a NATS server greets with, or None when nothing NATS answers at `url`."""
    parts = urlsplit(url)
    host, port = parts.hostname or "127.0.0.1", parts.port or 4222
    try:
        with socket.create_connection((host, port), timeout_s) as sock:
            sock.settimeout(timeout_s)
            greeting = b""
            while b"\r\n" not in greeting and len(greeting) < 65536:
                chunk = sock.recv(4096)
                if not chunk:
                    break
                greeting += chunk
    except OSError:
        return None
    line = greeting.split(b"\r\n", 1)[0]
    if not line.startswith(b"INFO "):
        return None
    try:
        info = json.loads(line[5:])
    except ValueError:
        return None
    return info if isinstance(info, dict) else None


def http_ok(url: str, timeout_s: float = 2.0) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=timeout_s) as response:
            return 200 <= int(response.status) < 300
    except (urllib.error.URLError, OSError, ValueError):
        return False


def die_with_parent(sig: int = signal.SIGTERM) -> None:
    """In a child (preexec_fn): get `sig` when the parent dies (Linux prctl PR_SET_PDEATHSIG)."""
    with contextlib.suppress(Exception):
        libc = ctypes.CDLL("libc.so.6", use_errno=True)
        libc.prctl(1, int(sig), 0, 0, 0)  # PR_SET_PDEATHSIG = 1


def render_gateway_config(
    template: str,
    *,
    listen: str,
    upstreams: dict[str, str],
    admin_root: Path,
    data_dir: Path,
    log_dir: Path,
    user_directive: str = "",
) -> str:
    """Fills the `{{name}}` placeholders of deploy/gateway/nginx.conf."""
    values = {
        "user_directive": user_directive,
        "listen": listen,
        "programmes_upstream": upstreams["programmes"],
        "ilr_upstream": upstreams["ilr"],
        "export_upstream": upstreams["export"],
        "admin_root": str(admin_root),
        "pid_file": str(data_dir / "gateway" / "nginx.pid"),
        "temp_dir": str(data_dir / "gateway" / "tmp"),
        "error_log": str(log_dir / "gateway.log"),
        "access_log": str(log_dir / "gateway-access.log"),
    }
    text = template
    for key, value in values.items():
        text = text.replace("{{" + key + "}}", value)
    if "{{" in text:
        start = text.index("{{")
        raise LaunchError(
            f"unfilled placeholder in the gateway template: {text[start : start + 40]}"
        )
    return text


NOT_BUILT_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>ILR platform</title></head>
<body style="font-family: sans-serif; max-width: 40em; margin: 3em auto">
<h1>ILR platform</h1>
<p>The admin web app is not built yet. Build it with
<code>cd services/admin &amp;&amp; npm ci &amp;&amp; npm run build</code> (./run.sh does this
when Node.js is installed), then reload this page.</p>
<p>The APIs are up: <a href="/api/programmes/docs">programmes</a>,
<a href="/api/ilrs/docs">ilrs</a>, <a href="/api/exports/docs">exports</a>.</p>
</body></html>
"""


def admin_root_for(data_dir: Path, dist: Path = ADMIN_DIST) -> Path:
    """The built admin app, or a page of our own saying it is not built."""
    if (dist / "index.html").is_file():
        return dist
    placeholder = data_dir / "gateway" / "admin-not-built"
    placeholder.mkdir(parents=True, exist_ok=True)
    (placeholder / "index.html").write_text(NOT_BUILT_PAGE)
    return placeholder


# --------------------------------------------------------------------------- children


@dataclass
class Child:
    name: str
    argv: list[str]
    log_path: Path
    env: dict[str, str] | None = None
    cwd: Path = REPO_ROOT
    stop_signal: int = signal.SIGTERM
    stop_timeout_s: float = 15.0
    restartable: bool = False
    process: subprocess.Popen[bytes] | None = None
    restarts: list[float] = field(default_factory=list)
    _log: TextIO | None = None

    def start(self, process_group: int | None) -> int:
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        if self._log is not None:
            self._log.close()
        self._log = open(self.log_path, "a", buffering=1)  # noqa: SIM115
        stamp = time.strftime("%Y-%m-%d %H:%M:%S")
        self._log.write(f"\n=== {stamp} launcher: starting {self.name}: {' '.join(self.argv)}\n")
        self.process = subprocess.Popen(
            self.argv,
            cwd=self.cwd,
            env=self.env,
            stdin=subprocess.DEVNULL,
            stdout=self._log,
            stderr=subprocess.STDOUT,
            process_group=process_group if process_group is not None else 0,
            preexec_fn=die_with_parent,
        )
        return self.process.pid

    @property
    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def stop(self) -> None:
        process = self.process
        if process is not None and process.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                process.send_signal(self.stop_signal)
            try:
                process.wait(self.stop_timeout_s)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    process.kill()
                process.wait(5)
        if self._log is not None:
            self._log.close()
            self._log = None

    def log_tail(self, lines: int = 30) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return "(no log)"


def wait_until(
    check: Callable[[], bool],
    timeout_s: float,
    child: Child | None = None,
    what: str = "",
    interrupted: Callable[[], bool] = lambda: False,
) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if check():
            return
        if interrupted():
            raise LaunchError("interrupted while starting")
        if child is not None and not child.running:
            code = child.process.returncode if child.process else None
            raise LaunchError(
                f"{child.name} exited (code {code}) before {what or 'it was ready'}; "
                f"log {child.log_path}:\n{child.log_tail()}"
            )
        time.sleep(0.2)
    tail = f"; log {child.log_path}:\n{child.log_tail()}" if child else ""
    raise LaunchError(f"{what or 'waiting'}: not ready after {timeout_s:.0f}s{tail}")


# --------------------------------------------------------------------------- the stack


@dataclass
class Stack:
    data_dir: Path
    gateway_port: int
    base_port: int = 8101
    host: str = "127.0.0.1"
    gateway: bool = True
    ready_timeout_s: float = 180.0
    echo: Callable[[str], None] = print
    children: list[Child] = field(default_factory=list)
    nats_url: str = ""
    mongodb_url: str = ""
    service_urls: dict[str, str] = field(default_factory=dict)
    _pgid: int | None = None
    _pgids: set[int] = field(default_factory=set)
    _stopping: bool = False

    @property
    def log_dir(self) -> Path:
        return self.data_dir / "log"

    def _wait(self, check: Callable[[], bool], timeout_s: float, child: Child, what: str) -> None:
        wait_until(check, timeout_s, child, what, interrupted=lambda: self._stopping)

    def _spawn(self, child: Child) -> Child:
        self._start_child(child)
        self.children.append(child)
        return child

    def _start_child(self, child: Child) -> None:
        """Starts `child` in the children's process group (a new one if that group is gone)."""
        try:
            pid = child.start(self._pgid)
        except PermissionError:  # every member of the group has exited: start a new one
            if self._pgid is None:
                raise
            self._pgid = None
            pid = child.start(None)
        if self._pgid is None:
            self._pgid = pid  # this child leads the process group of the children after it
        self._pgids.add(self._pgid)

    # ---- infrastructure

    def start_nats(self) -> None:
        url = os.environ.get("NATS_URL") or DEFAULT_NATS_URL
        info = nats_info(url)
        if info is not None:
            if not info.get("jetstream"):
                self.echo(f"warning: NATS at {url} does not report JetStream; the services need it")
            self.echo(f"NATS: using {url}")
            self.nats_url = url
            return
        binary = shutil.which("nats-server") or "/usr/sbin/nats-server"
        if not Path(binary).exists():
            raise LaunchError("nats-server is not installed (Debian: apt-get install nats-server)")
        parts = urlsplit(url)
        port = parts.port or 4222
        if not port_is_free(port):
            port = free_port()
        store = self.data_dir / "nats"
        store.mkdir(parents=True, exist_ok=True)
        child = self._spawn(
            Child(
                "nats",
                [binary, "-a", "127.0.0.1", "-p", str(port), "-js", "-sd", str(store)],
                self.log_dir / "nats.log",
                stop_timeout_s=10,
            )
        )
        self.nats_url = f"nats://127.0.0.1:{port}"
        self._wait(lambda: nats_info(self.nats_url) is not None, 30, child, "NATS answered")
        self.echo(f"NATS: started {self.nats_url} (store {store})")

    def start_mongo(self) -> None:
        if url := os.environ.get("MONGODB_URL"):
            self.echo("MongoDB: using MONGODB_URL")
            self.mongodb_url = url
            return
        binary = Path(sys.executable).with_name("secantusd-py")
        if not binary.exists():
            found = shutil.which("secantusd-py")
            if not found:
                raise LaunchError("secantusd-py is not installed: run `uv sync --frozen` first")
            binary = Path(found)
        port = 27017 if port_is_free(27017) else free_port()
        storage = self.data_dir / "mongo"
        storage.mkdir(parents=True, exist_ok=True)
        child = self._spawn(
            Child(
                "mongo",
                [
                    str(binary),
                    "--host",
                    "127.0.0.1",
                    "--port",
                    str(port),
                    "--storage-path",
                    str(storage),
                    "--log-level",
                    "WARNING",
                ],
                self.log_dir / "mongo.log",
                stop_signal=signal.SIGINT,
                stop_timeout_s=30,
            )
        )
        self.mongodb_url = f"mongodb://127.0.0.1:{port}/?directConnection=true"
        self._wait(lambda: not port_is_free(port), 90, child, "SecantusDB listened")
        self.echo(f"MongoDB: started SecantusDB at 127.0.0.1:{port} (data {storage})")

    # ---- services

    def service_env(self) -> dict[str, str]:
        env = dict(os.environ)
        env.pop("MONGODB_DATABASE", None)  # each service has its own default database name
        env["NATS_URL"] = self.nats_url
        env["MONGODB_URL"] = self.mongodb_url
        env.setdefault("LOG_JSON", "false")
        env["PYTHONUNBUFFERED"] = "1"
        return env

    def start_services(self) -> None:
        env = self.service_env()
        pending: list[tuple[Child, str]] = []
        for offset, spec in enumerate(SERVICES):
            port = self.base_port + offset if self.base_port else free_port()
            if not port_is_free(port, self.host):
                raise LaunchError(
                    f"port {port} for the {spec.name} service is taken "
                    "(another ./run.sh running? use --base-port 0 for free ports)"
                )
            argv = [
                sys.executable,
                "-m",
                "uvicorn",
                spec.app,
                "--factory",
                "--host",
                self.host,
                "--port",
                str(port),
                "--no-access-log",
                "--timeout-graceful-shutdown",
                "10",
            ]
            child = self._spawn(
                Child(
                    spec.name,
                    argv,
                    self.log_dir / f"{spec.name}.log",
                    env={**env, "SERVICE_NAME": spec.name},
                    restartable=True,
                )
            )
            url = f"http://{self.host}:{port}"
            self.service_urls[spec.name] = url
            pending.append((child, url))
        for child, url in pending:
            self._wait(
                lambda url=url: http_ok(f"{url}/readyz"),  # type: ignore[misc]
                self.ready_timeout_s,
                child,
                f"{child.name} /readyz answered 200",
            )
            self.echo(f"service {child.name}: ready at {url}")

    # ---- gateway

    def start_gateway(self) -> None:
        binary = shutil.which("nginx") or "/usr/sbin/nginx"
        if not Path(binary).exists():
            raise LaunchError("nginx is not installed (Debian: apt-get install nginx)")
        if not port_is_free(self.gateway_port, "0.0.0.0"):
            raise LaunchError(f"gateway port {self.gateway_port} is taken (--gateway-port)")
        gateway_dir = self.data_dir / "gateway"
        (gateway_dir / "tmp").mkdir(parents=True, exist_ok=True)
        user = ""
        if os.geteuid() == 0:  # workers would otherwise drop to `nobody` and lose the temp dir
            user = f"user {pwd.getpwuid(0).pw_name};"
        config = render_gateway_config(
            GATEWAY_TEMPLATE.read_text(),
            listen=str(self.gateway_port),
            upstreams={
                name: url.removeprefix("http://") for name, url in self.service_urls.items()
            },
            admin_root=admin_root_for(self.data_dir),
            data_dir=self.data_dir,
            log_dir=self.log_dir,
            user_directive=user,
        )
        config_path = gateway_dir / "nginx.conf"
        config_path.write_text(config)
        check = subprocess.run(
            [binary, "-t", "-q", "-p", str(gateway_dir), "-c", str(config_path)],
            capture_output=True,
            text=True,
            check=False,
        )
        if check.returncode != 0:
            raise LaunchError(f"nginx rejected {config_path}:\n{check.stderr}")
        child = self._spawn(
            Child(
                "gateway",
                [binary, "-p", str(gateway_dir), "-c", str(config_path), "-g", "daemon off;"],
                self.log_dir / "gateway.log",
                stop_signal=signal.SIGQUIT,  # graceful: finish the requests in flight
                stop_timeout_s=10,
                restartable=True,
            )
        )
        self._wait(
            lambda: http_ok(f"http://127.0.0.1:{self.gateway_port}/healthz"),
            30,
            child,
            "the gateway answered",
        )

    # ---- lifecycle

    def start(self) -> None:
        self.data_dir.mkdir(parents=True, exist_ok=True)
        self.log_dir.mkdir(parents=True, exist_ok=True)
        self.start_nats()
        self.start_mongo()
        self.start_services()
        if self.gateway:
            self.start_gateway()
        self.write_state()

    @property
    def gateway_url(self) -> str:
        return f"http://localhost:{self.gateway_port}"

    def write_state(self) -> None:
        state = {
            "pid": os.getpid(),
            "gateway_url": self.gateway_url if self.gateway else None,
            "services": self.service_urls,
            "nats_url": self.nats_url,
            "mongodb_url": self.mongodb_url,
            "logs": str(self.log_dir),
        }
        (self.data_dir / "stack.json").write_text(json.dumps(state, indent=2) + "\n")

    def request_stop(self) -> None:
        self._stopping = True

    def supervise(self, poll_s: float = 0.5) -> int:
        """Watches the children until asked to stop; restarts a crashed service with back-off."""
        while not self._stopping:
            for child in self.children:
                if child.running or self._stopping:
                    continue
                code = child.process.returncode if child.process else None
                now = time.monotonic()
                child.restarts = [t for t in child.restarts if now - t < 300]
                if not child.restartable or len(child.restarts) >= 5:
                    self.echo(
                        f"{child.name} exited (code {code}); stopping everything. "
                        f"Log {child.log_path}:\n{child.log_tail()}"
                    )
                    return 1
                delay = min(2 ** len(child.restarts), 30)
                self.echo(f"{child.name} exited (code {code}); restarting in {delay}s")
                child.restarts.append(now)
                self._sleep(delay)
                if not self._stopping:
                    child.stop()
                    self._start_child(child)
            self._sleep(poll_s)
        return 0

    def _sleep(self, seconds: float) -> None:
        deadline = time.monotonic() + seconds
        while not self._stopping and time.monotonic() < deadline:
            time.sleep(min(0.1, seconds))

    def stop(self) -> None:
        """Gateway first, then the services, then MongoDB and NATS (reverse start order)."""
        for child in reversed(self.children):
            child.stop()
        for pgid in self._pgids:  # anything a child left behind in the group
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(pgid, signal.SIGKILL)


def banner(stack: Stack, token: str) -> str:
    lines = ["", "ILR platform is up."]
    if stack.gateway:
        lines.append(f"  Admin app and APIs:  {stack.gateway_url}/")
        lines.append(
            f"  API docs:            {stack.gateway_url}/api/programmes/docs (ilrs, exports)"
        )
    for name, url in stack.service_urls.items():
        lines.append(f"  {name + ' service:':20} {url}  (log {stack.log_dir / (name + '.log')})")
    lines += [
        f"  NATS:                {stack.nats_url}",
        f"  Logs:                {stack.log_dir}/",
        "",
        f"Sample admin token (tenant {DEFAULT_TENANT}, 8 hours):",
        f"  {token}",
        "Mint more:  uv run ilr-token --tenant 10000001 --role admin   (roles: admin, verifier, "
        "learner, integration)",
        "Stop with Ctrl-C.",
        "",
    ]
    return "\n".join(lines)


def sample_token() -> str:
    from ilr_shared.auth import mint_token
    from ilr_shared.settings import CommonSettings

    secret = CommonSettings().jwt_secret.get_secret_value()
    return mint_token(secret, sub="dev-admin", tenant=DEFAULT_TENANT, roles=["admin"])


def run(stack: Stack, on_ready: Callable[[Stack], None] | None = None) -> int:
    def handle_soft(_signum: int, _frame: object) -> None:
        stack.request_stop()

    previous = {
        sig: signal.signal(sig, handle_soft)
        for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)
    }
    try:
        try:
            stack.start()
        except LaunchError as exc:
            if stack._stopping:
                return 0
            stack.echo(f"error: {exc}")
            return 1
        if stack._stopping:
            return 0
        if on_ready is not None:
            on_ready(stack)
        return stack.supervise()
    finally:
        stack.echo("stopping ...")
        stack.stop()
        stack.echo("stopped.")
        for sig, handler in previous.items():
            signal.signal(sig, handler)


cli = typer.Typer(add_completion=False, help=__doc__)


@cli.command()
def main(
    gateway_port: Annotated[
        int, typer.Option(envvar="GATEWAY_PORT", help="Port of the gateway (one origin)")
    ] = 8000,
    data_dir: Annotated[
        Path, typer.Option(help="Where data, logs and generated config live")
    ] = Path("var"),
    base_port: Annotated[
        int,
        typer.Option(help="First of the three service ports (8101-8103); 0 picks free ports"),
    ] = 8101,
    no_gateway: Annotated[bool, typer.Option("--no-gateway", help="Run without nginx")] = False,
    ready_timeout: Annotated[float, typer.Option(help="Seconds to wait for each /readyz")] = 180.0,
) -> None:
    """Runs the whole ILR platform locally (NATS, MongoDB, three services, gateway); Ctrl-C stops it."""
    stack = Stack(
        data_dir=data_dir.resolve(),
        gateway_port=gateway_port,
        base_port=base_port,
        gateway=not no_gateway,
        ready_timeout_s=ready_timeout,
        echo=lambda text: print(text, flush=True),
    )
    code = run(stack, on_ready=lambda s: s.echo(banner(s, sample_token())))
    raise typer.Exit(code)


def entrypoint(argv: Sequence[str] | None = None) -> None:
    cli(args=list(argv) if argv is not None else None, prog_name="launcher")


if __name__ == "__main__":
    entrypoint()
