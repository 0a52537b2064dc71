"""A server run as a child process on a loopback port: the embedded broker and the embedded read store.

Both start the same way and must leave nothing behind: a free port, a child in its own process group
(so a Ctrl-C in a terminal reaches us, not the server: we stop it ourselves, in order) that Linux
terminates if we die, even by SIGKILL; wait until it answers, failing early if it exits; stop with
SIGTERM, then SIGKILL.
"""

from __future__ import annotations

import signal
import socket
import subprocess
import sys
import time
from collections.abc import Mapping
from pathlib import Path
from typing import IO, Self


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def die_with_parent() -> None:
    """In the child, before exec: ask Linux to SIGTERM it if its parent dies, even by SIGKILL."""
    if sys.platform.startswith("linux"):
        import ctypes

        pr_set_pdeathsig = 1
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(pr_set_pdeathsig, signal.SIGTERM)


def stop_process(process: subprocess.Popen[bytes], timeout: float) -> None:
    """SIGTERM, wait, then SIGKILL: a child process that is gone when this returns."""
    if process.poll() is not None:
        return
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=timeout)


class ChildServer:
    """One server child process on `port`. Subclasses say what to run and how to tell that it answers."""

    name = "server"
    poll_seconds = 0.05
    stop_seconds = 5.0

    def __init__(self, port: int | None = None, log_path: Path | None = None) -> None:
        self.port = port or free_port()
        self.log_path = log_path
        self._process: subprocess.Popen[bytes] | None = None

    @property
    def pid(self) -> int | None:
        return self._process.pid if self._process else None

    def command(self) -> list[str]:
        raise NotImplementedError

    def environment(self) -> Mapping[str, str] | None:
        """The child's environment (None: ours)."""
        return None

    def answers(self) -> bool:
        """Whether the server accepts connections (by default: its port takes a TCP connection)."""
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=0.5):
                return True
        except OSError:
            return False

    def _where(self) -> str:
        return f" (log: {self.log_path})" if self.log_path else ""

    def start(self, timeout: float = 20.0) -> Self:
        log: IO[bytes] | int = open(self.log_path, "ab") if self.log_path else subprocess.DEVNULL  # noqa: SIM115
        try:
            self._process = subprocess.Popen(
                self.command(), stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                start_new_session=True, env=self.environment(),
                preexec_fn=die_with_parent,  # noqa: PLW1509 - no threads touch the child before exec
            )
        finally:
            if not isinstance(log, int):
                log.close()  # the child has its own copy
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self._process.poll() is not None:
                raise RuntimeError(f"{self.name} exited at start with code {self._process.returncode}{self._where()}")
            if self.answers():
                return self
            time.sleep(self.poll_seconds)
        self.stop()
        raise RuntimeError(f"{self.name} did not answer on port {self.port} within {timeout}s{self._where()}")

    def stop(self, timeout: float | None = None) -> None:
        process, self._process = self._process, None
        if process is not None:
            stop_process(process, timeout or self.stop_seconds)

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
