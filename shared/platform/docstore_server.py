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
import sys
from pathlib import Path
from typing import Self

from shared.platform.child_server import ChildServer


def nx_binary() -> list[str]:
    """The nx-27017 command: the console script beside this interpreter, else the module."""
    script = Path(sys.executable).with_name("nx-27017")
    if script.exists():
        return [str(script)]
    found = shutil.which("nx-27017")
    return [found] if found else [sys.executable, "-m", "nx_27017.nx_27017"]


class EmbeddedDocumentStore(ChildServer):
    """An nx-27017 server child process on a loopback port, with its data under `data_dir`."""

    name = "nx-27017"
    poll_seconds = 0.1
    stop_seconds = 10.0

    def __init__(self, data_dir: Path, port: int | None = None, log_path: Path | None = None) -> None:
        self.data_dir = Path(data_dir)
        super().__init__(port, log_path or self.data_dir / "nx-27017.log")

    @property
    def url(self) -> str:
        return f"mongodb://127.0.0.1:{self.port}/"

    @property
    def pid_file(self) -> Path:
        return self.data_dir / "nx-27017.pid"

    def command(self) -> list[str]:
        return [*nx_binary(), "--data-dir", str(self.data_dir), "--host", "127.0.0.1", "-p", str(self.port),
                "--log-file", os.devnull, "--pid-file", str(self.pid_file)]

    def start(self, timeout: float = 30.0) -> Self:
        self.data_dir.mkdir(parents=True, exist_ok=True)
        with contextlib.suppress(FileNotFoundError):
            self.pid_file.unlink()  # a stale file from a killed run would make nx-27017 refuse to start
        return super().start(timeout)

    def answers(self) -> bool:
        """It speaks the protocol: a `ping` succeeds (a bound port alone is not enough)."""
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
