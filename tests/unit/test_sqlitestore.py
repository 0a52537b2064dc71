"""The embedded store's writer queue: one writer of a database file at a time, across processes and threads."""

from __future__ import annotations

import multiprocessing
import threading
import time
from pathlib import Path

import pytest

from shared.platform.settings import Settings
from eventsourcing.persistence import InfrastructureFactory

from shared.platform.sqlitestore import QueuedWritersDatastore, WriteLock

pytestmark = pytest.mark.unit


def _hold(path: str, held: multiprocessing.synchronize.Event, release: multiprocessing.synchronize.Event) -> None:
    lock = WriteLock(path)
    with lock.held():
        held.set()
        release.wait(30)


def test_a_writer_in_another_process_waits_for_the_lock(tmp_path: Path) -> None:
    path = str(tmp_path / "store.sqlite.write-lock")
    context = multiprocessing.get_context("spawn")
    held, release = context.Event(), context.Event()
    other = context.Process(target=_hold, args=(path, held, release))
    other.start()
    try:
        assert held.wait(30)
        acquired = threading.Event()

        def write() -> None:
            with WriteLock(path).held():
                acquired.set()

        writer = threading.Thread(target=write)
        writer.start()
        assert not acquired.wait(0.5)  # the other process holds it
        release.set()
        assert acquired.wait(30)
        writer.join(30)
    finally:
        release.set()
        other.join(30)


def test_threads_of_one_process_take_turns_and_a_nested_write_does_not_deadlock(tmp_path: Path) -> None:
    lock = WriteLock(str(tmp_path / "lock"))
    inside, overlaps = [0], []

    def write() -> None:
        for _ in range(50):
            with lock.held():
                inside[0] += 1
                overlaps.append(inside[0])
                with lock.held():  # re-entrant
                    pass
                inside[0] -= 1

    threads = [threading.Thread(target=write) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert max(overlaps) == 1 and len(overlaps) == 200


def test_the_settings_build_the_queued_store_and_it_keeps_the_librarys_settings(tmp_path: Path) -> None:
    env = Settings(SHEQU_DATA_DIR=tmp_path).event_store_env("grid")
    factory = InfrastructureFactory.construct(env)  # as the application builds it from PERSISTENCE_MODULE
    assert isinstance(factory.datastore, QueuedWritersDatastore)
    assert factory.datastore.pool.lock_timeout == int(env["SQLITE_LOCK_TIMEOUT"])
    lock_file = Path(env["SQLITE_DBNAME"] + ".write-lock")
    assert not lock_file.exists()
    recorder = factory.application_recorder()
    recorder.create_table()  # a write: it took the lock
    assert lock_file.exists() and recorder.max_notification_id() in (0, None)
    factory.close()
