"""The embedded servers' launcher (shared/platform/child_server.py): free port, ready when it answers, nothing
left behind: not after stop, not after a failed start, not after its parent is killed."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from shared.platform.child_server import ChildServer

ROOT = Path(__file__).resolve().parents[2]


class HttpServer(ChildServer):
    name = "http.server"

    def command(self) -> list[str]:
        return [sys.executable, "-m", "http.server", "--bind", "127.0.0.1", str(self.port)]


class ExitsAtStart(ChildServer):
    name = "false"

    def command(self) -> list[str]:
        return [sys.executable, "-c", "raise SystemExit(3)"]


class NeverAnswers(ChildServer):
    name = "sleeper"
    seen_pid: int | None = None

    def command(self) -> list[str]:
        return [sys.executable, "-c", "import time; time.sleep(60)"]

    def answers(self) -> bool:
        self.seen_pid = self.pid
        return False


def gone(pid: int, within: float = 10.0) -> bool:
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        try:
            state = Path(f"/proc/{pid}/stat").read_text().split(")")[-1].split()[0]
        except FileNotFoundError:
            return True
        if state == "Z":  # exited, not yet reaped by its parent
            return True
        time.sleep(0.05)
    return False


def test_a_server_answers_on_its_port_and_is_gone_after_stop(tmp_path):
    with HttpServer(log_path=tmp_path / "log") as server:
        pid = server.pid
        assert pid is not None and server.answers()
    assert server.pid is None
    assert gone(pid)
    assert not server.answers()


def test_a_server_that_exits_at_start_is_reported_with_its_code(tmp_path):
    server = ExitsAtStart(log_path=tmp_path / "log")
    with pytest.raises(RuntimeError, match="false exited at start with code 3"):
        server.start(timeout=10)


def test_a_server_that_never_answers_is_stopped(tmp_path):
    server = NeverAnswers()
    with pytest.raises(RuntimeError, match="did not answer on port"):
        server.start(timeout=0.5)
    assert server.seen_pid is not None and gone(server.seen_pid)


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="parent-death signal is Linux only")
def test_a_server_dies_with_its_parent_even_by_sigkill(tmp_path):
    parent = subprocess.Popen(
        [sys.executable, "-c", textwrap.dedent(f"""
            import sys, time
            sys.path.insert(0, {str(ROOT)!r}); sys.path.insert(0, {str(Path(__file__).parent)!r})
            from test_child_server import HttpServer
            server = HttpServer().start()
            print(server.pid, flush=True)
            time.sleep(60)
        """)], stdout=subprocess.PIPE, env={**os.environ, "PYTHONPATH": str(ROOT)})
    try:
        child = int(parent.stdout.readline())
        assert not gone(child, within=0.2)
        parent.send_signal(signal.SIGKILL)
        parent.wait(timeout=10)
        assert gone(child)
    finally:
        if parent.poll() is None:
            parent.kill()
