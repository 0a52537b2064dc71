"""The embedded read-store server: nx-27017, a MongoDB wire-protocol server on SQLite.

Used by `shequ demo` (when MONGO_URL is unset), by the tests and by the bench. It
stands in for MongoDB the way Tansu stands in for Kafka: a separate process on a
loopback port, spoken to by the ordinary `pymongo.MongoClient` like production.
Unlike the embedded broker it keeps its data on disk (one SQLite file per database
under `data_dir`), so the district read models survive a restart of the demo.

Every instance gets its own port, data directory, log file and pid file (nx-27017's
default pid and log files are shared paths under /tmp), and dies with its parent.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

from shared.platform.broker import _die_with_parent, free_port


def nx_binary() -> list[str]:
    """The nx-27017 command: the console script beside this interpreter, else the module."""
    script = Path(sys.executable).with_name("nx-27017")
    if script.exists():
        return [str(script)]
    found = shutil.which("nx-27017")
    return [found] if found else [sys.executable, "-m", "nx_27017.nx_27017"]


class EmbeddedDocumentStore:
    """An nx-27017 server child process on a loopback port, with its data under `data_dir`."""

    def __init__(self, data_dir: Path, port: int | None = None, log_path: Path | None = None) -> None:
        self.data_dir = Path(data_dir)
        self.port = port or free_port()
        self.log_path = log_path or self.data_dir / "nx-27017.log"
        self._process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"mongodb://127.0.0.1:{self.port}/"

    @property
    def pid(self) -> int | None:
        return self._process.pid if self._process else None

    def start(self, timeout: float = 30.0) -> EmbeddedDocumentStore:
        self.data_dir.mkdir(parents=True, exist_ok=True)
        pid_file = self.data_dir / "nx-27017.pid"
        with contextlib.suppress(FileNotFoundError):
            pid_file.unlink()  # a stale file from a killed run would make nx-27017 refuse to start
        log = open(self.log_path, "ab")  # noqa: SIM115 - handed to the child
        try:
            self._process = subprocess.Popen(
                [*nx_binary(), "--data-dir", str(self.data_dir), "--host", "127.0.0.1", "-p", str(self.port),
                 "--log-file", os.devnull, "--pid-file", str(pid_file)],
                stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                start_new_session=True,  # Ctrl-C reaches us, not the server: we stop it ourselves, in order
                preexec_fn=_die_with_parent,  # noqa: PLW1509 - no threads touch the child before exec
            )
        finally:
            log.close()
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self._process.poll() is not None:
                raise RuntimeError(f"nx-27017 exited at start with code {self._process.returncode} "
                                   f"(log: {self.log_path})")
            if self._answers():
                return self
            time.sleep(0.1)
        self.stop()
        raise RuntimeError(f"nx-27017 did not answer on port {self.port} within {timeout}s (log: {self.log_path})")

    def _answers(self) -> bool:
        from pymongo import MongoClient
        from pymongo.errors import PyMongoError

        client = MongoClient(self.url, serverSelectionTimeoutMS=500, connectTimeoutMS=500)
        try:
            client.admin.command("ping")
            return True
        except PyMongoError:
            return False
        finally:
            client.close()

    def stop(self, timeout: float = 10.0) -> None:
        process, self._process = self._process, None
        if process is None or process.poll() is not None:
            return
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=timeout)

    def __enter__(self) -> EmbeddedDocumentStore:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
