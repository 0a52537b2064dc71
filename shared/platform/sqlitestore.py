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

And the commands' saves of one process commit in groups (`GroupCommit`): while one transaction holds the
lock, the saves that arrive queue up, and the next transaction writes all of them, each inside its own
savepoint, with one commit (one fsync). A save that fails (a concurrent change of the same aggregate: a
unique-key conflict) is rolled back to its savepoint and raises in its own thread alone; the others commit.
Each caller returns only after the commit that holds its events, so "answered" still means "on disk".

`PERSISTENCE_MODULE=shared.platform.sqlitestore` selects it (the settings do, for the embedded store).
"""

from __future__ import annotations

import fcntl
import os
import sqlite3
import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from eventsourcing import persistence, sqlite
from eventsourcing.persistence import StoredEvent
from eventsourcing.sqlite import SQLiteCursor, SQLiteDatastore

# sqlite3's errors as the library raises them (what a transaction's end converts them to).
_LIBRARY_ERRORS: tuple[tuple[type[Exception], type[Exception]], ...] = (
    (sqlite3.IntegrityError, persistence.IntegrityError), (sqlite3.OperationalError, persistence.OperationalError),
    (sqlite3.DataError, persistence.DataError), (sqlite3.InterfaceError, persistence.InterfaceError),
    (sqlite3.InternalError, persistence.InternalError), (sqlite3.ProgrammingError, persistence.ProgrammingError),
    (sqlite3.NotSupportedError, persistence.NotSupportedError), (sqlite3.DatabaseError, persistence.DatabaseError))


def _as_library_error(error: Exception) -> Exception:
    for raw, converted in _LIBRARY_ERRORS:
        if isinstance(error, raw):
            return converted(error)
    return error


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
        self.group_commit = None if in_memory else GroupCommit(self)

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


class _Save:
    """One caller's write waiting for a group: its work, then its outcome."""

    def __init__(self, work: Callable[[SQLiteCursor], Any]) -> None:
        self.work = work
        self.ready = threading.Event()
        self.lead = False  # woken to write the next group, not with an outcome
        self.result: Any = None
        self.error: BaseException | None = None


class GroupCommit:
    """Writes the saves that queue up while a transaction runs in one transaction of their own (above)."""

    def __init__(self, datastore: SQLiteDatastore) -> None:
        self.datastore = datastore
        self._mutex = threading.Lock()
        self._waiting: list[_Save] = []
        self._writing = False
        self.transactions = 0  # committed groups (for tests and the benchmark)
        self.saves = 0

    def run(self, work: Callable[[SQLiteCursor], Any]) -> Any:
        save = _Save(work)
        with self._mutex:
            self._waiting.append(save)
            leads = not self._writing
            self._writing = True
        if not leads:
            save.ready.wait()
        if leads or save.lead:
            self._write_groups_until(save)
        if save.error is not None:
            raise save.error
        return save.result

    def _write_groups_until(self, mine: _Save) -> None:
        """Write groups until this caller's save is written, then hand the writing to the next in line."""
        while True:
            with self._mutex:
                group, self._waiting = self._waiting, []
            self._write(group)
            for save in group:
                if save is not mine:
                    save.ready.set()
            with self._mutex:
                if mine in group:
                    if self._waiting:
                        successor = self._waiting[0]
                        successor.lead = True
                        successor.ready.set()
                    else:
                        self._writing = False
                    return

    def _write(self, group: Sequence[_Save]) -> None:
        try:
            with self.datastore.transaction(commit=True) as cursor:
                for save in group:
                    cursor.execute("SAVEPOINT save")
                    try:
                        save.result = save.work(cursor)
                    except Exception as error:  # this save alone: rolled back, raised in its caller
                        cursor.execute("ROLLBACK TO save")
                        save.error = _as_library_error(error)
                    cursor.execute("RELEASE save")
        except BaseException as error:  # the commit failed: nothing of the group is stored
            for save in group:
                save.result, save.error = None, save.error or error
        else:
            self.transactions += 1
            self.saves += len(group)


class GroupCommitProcessRecorder(sqlite.SQLiteProcessRecorder):
    """The library's process recorder; events (and a tracking record with them) are written by group commit."""

    def insert_events(self, stored_events: Sequence[StoredEvent], **kwargs: Any) -> Sequence[int] | None:
        group = getattr(self.datastore, "group_commit", None)
        if group is None:
            return super().insert_events(stored_events, **kwargs)
        return group.run(lambda cursor: self._insert_events(cursor, stored_events, **kwargs))


class SQLiteFactory(sqlite.SQLiteFactory):
    """The library's SQLite factory, building a `QueuedWritersDatastore` with the same settings."""

    process_recorder_class = GroupCommitProcessRecorder

    def __init__(self, env: Any) -> None:
        super().__init__(env)
        built = self.datastore  # the library's, not connected yet: rebuilt with the same settings
        self.datastore = QueuedWritersDatastore(
            built.pool.db_name, lock_timeout=built.pool.lock_timeout,
            single_row_tracking=built.single_row_tracking, originator_id_type=built.originator_id_type)
        built.close()
