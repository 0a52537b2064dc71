"""The embedded event store: the `eventsourcing` library's SQLite persistence, with its writers queued.

Several processes write one service's SQLite file: the HTTP workers (commands), and the supervising process
(the relay's tracking records, the query tables, the reactions). SQLite lets one writer in at a time and
makes the others poll: a writer that finds the file locked sleeps 1, 2, 5, 10 ... 100 ms before it tries
again (SQLite's busy handler), while every other writer of its process waits behind it on the library's
in-process writer lock. Under load a write that takes a fraction of a millisecond then waits tens of
milliseconds, and commands queue (measured: docs/performance.md, "SQLite writers").

So every write transaction here first takes this process's writer mutex and then an exclusive `flock` on a
lock file beside the database: a writer waits in the kernel and wakes the moment the previous one commits,
in any process. SQLite's own locking still decides correctness (a process that does not take the lock is
only slower, never wrong); the lock file only puts the writers in a queue. Readers take no lock (WAL).

`PERSISTENCE_MODULE=shared.platform.sqlitestore` selects it (the settings do, for the embedded store).
"""

from __future__ import annotations

import fcntl
import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from eventsourcing import sqlite
from eventsourcing.sqlite import SQLiteCursor, SQLiteDatastore


class WriteLock:
    """A writer mutex for one database file, across the threads of this process and across processes."""

    def __init__(self, path: str) -> None:
        self.path = path
        self._threads = threading.RLock()
        self._depth = 0
        self._fd: int | None = None

    @contextmanager
    def held(self) -> Iterator[None]:
        with self._threads:  # one thread of this process at a time; re-entrant for a nested write
            if self._depth == 0:
                if self._fd is None:
                    self._fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
                fcntl.flock(self._fd, fcntl.LOCK_EX)  # blocks in the kernel, the GIL released
            self._depth += 1
            try:
                yield
            finally:
                self._depth -= 1
                if self._depth == 0:
                    fcntl.flock(self._fd, fcntl.LOCK_UN)

    def close(self) -> None:
        with self._threads:
            if self._fd is not None:
                os.close(self._fd)
                self._fd = None


class QueuedWritersDatastore(SQLiteDatastore):
    """The library's SQLite datastore; each write transaction holds the database's `WriteLock`."""

    def __init__(self, db_name: str, **kwargs: Any) -> None:
        super().__init__(db_name, **kwargs)
        in_memory = self.pool.is_sqlite_memory_mode
        self.write_lock = None if in_memory else WriteLock(f"{db_name}.write-lock")

    @contextmanager
    def transaction(self, *, commit: bool) -> Iterator[SQLiteCursor]:
        if not commit or self.write_lock is None:
            with super().transaction(commit=commit) as cursor:
                yield cursor
            return
        with self.write_lock.held(), super().transaction(commit=True) as cursor:
            yield cursor

    def close(self) -> None:
        super().close()
        if getattr(self, "write_lock", None) is not None:
            self.write_lock.close()


class SQLiteFactory(sqlite.SQLiteFactory):
    """The library's SQLite factory, building a `QueuedWritersDatastore` with the same settings."""

    def __init__(self, env: Any) -> None:
        super().__init__(env)
        built = self.datastore  # the library's, not connected yet: rebuilt with the same settings
        self.datastore = QueuedWritersDatastore(
            built.pool.db_name, lock_timeout=built.pool.lock_timeout,
            single_row_tracking=built.single_row_tracking, originator_id_type=built.originator_id_type)
        built.close()
