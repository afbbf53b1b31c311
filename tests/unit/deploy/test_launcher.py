"""The local launcher's pieces that need no stack: config rendering, child processes."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from deploy.local.launcher import (
    Child,
    LaunchError,
    Stack,
    admin_root_for,
    nats_info,
    render_gateway_config,
)


def test_render_refuses_an_unfilled_placeholder(tmp_path: Path) -> None:
    with pytest.raises(LaunchError, match="unfilled placeholder"):
        render_gateway_config(
            "listen {{listen}}; root {{nope}};",
            listen="1",
            upstreams={"programmes": "a", "ilr": "b", "export": "c"},
            admin_root=tmp_path,
            data_dir=tmp_path,
            log_dir=tmp_path,
        )


def test_admin_root_prefers_the_built_app(tmp_path: Path) -> None:
    dist = tmp_path / "dist"
    dist.mkdir()
    (dist / "index.html").write_text("<html>app</html>")
    assert admin_root_for(tmp_path / "data", dist=dist) == dist
    placeholder = admin_root_for(tmp_path / "data", dist=tmp_path / "missing")
    assert "not built" in (placeholder / "index.html").read_text()


def test_nats_info_is_none_when_nothing_nats_answers() -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    assert nats_info(f"nats://127.0.0.1:{port}", timeout_s=0.5) is None


def test_stop_ends_every_child_in_reverse_order(tmp_path: Path) -> None:
    stack = Stack(data_dir=tmp_path, gateway_port=0, echo=lambda _: None)
    sleeper = [sys.executable, "-c", "import time; time.sleep(60)"]
    first = stack._spawn(Child("first", sleeper, tmp_path / "first.log", stop_timeout_s=5))
    second = stack._spawn(Child("second", sleeper, tmp_path / "second.log", stop_timeout_s=5))
    assert first.process is not None and second.process is not None
    assert os.getpgid(second.process.pid) == first.process.pid  # one group for all children
    stack.stop()
    assert first.process.poll() is not None and second.process.poll() is not None
    assert "starting first" in (tmp_path / "first.log").read_text()


def test_supervise_restarts_a_crashed_service_then_stops_on_request(tmp_path: Path) -> None:
    stack = Stack(data_dir=tmp_path, gateway_port=0, echo=lambda _: None)
    flaky = stack._spawn(
        Child("flaky", [sys.executable, "-c", "pass"], tmp_path / "flaky.log", restartable=True)
    )
    assert flaky.process is not None
    flaky.process.wait(10)

    import threading

    timer = threading.Timer(2.5, stack.request_stop)
    timer.start()
    try:
        assert stack.supervise(poll_s=0.05) == 0
    finally:
        timer.cancel()
        stack.stop()
    assert len(flaky.restarts) >= 1
    assert (tmp_path / "flaky.log").read_text().count("starting flaky") >= 2


def test_children_die_with_a_killed_launcher(tmp_path: Path) -> None:
    """A launcher killed with SIGKILL leaves nothing running (parent-death signal)."""
    pid_file = tmp_path / "child.pid"
    script = textwrap.dedent(
        f"""
        import sys, time
        from pathlib import Path
        sys.path.insert(0, {str(Path(__file__).resolve().parents[3])!r})
        from deploy.local.launcher import Child
        child = Child("sleeper", [sys.executable, "-c", "import time; time.sleep(60)"],
                      Path({str(tmp_path / "sleeper.log")!r}))
        child.start(None)
        Path({str(pid_file)!r}).write_text(str(child.process.pid))
        time.sleep(60)
        """
    )
    launcher = subprocess.Popen([sys.executable, "-c", script])
    deadline = time.monotonic() + 20
    while not pid_file.exists() or not pid_file.read_text():
        assert time.monotonic() < deadline, "the fake launcher did not start its child"
        time.sleep(0.05)
    child_pid = int(pid_file.read_text())
    launcher.send_signal(signal.SIGKILL)
    launcher.wait(10)
    deadline = time.monotonic() + 10
    while True:
        try:
            os.kill(child_pid, 0)
        except ProcessLookupError:
            break
        # a zombie (dead, not yet reaped by init) counts as gone
        with open(f"/proc/{child_pid}/stat") as stat:
            if stat.read().split(")")[-1].split()[0] == "Z":
                break
        assert time.monotonic() < deadline, "the child outlived its launcher"
        time.sleep(0.05)
