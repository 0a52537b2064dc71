"""The embedded store's writer queue: one writer of a database file at a time, across processes and threads."""

from __future__ import annotations

import multiprocessing
import sqlite3
import threading
import time
import uuid
from pathlib import Path
from typing import Any

import pytest
from eventsourcing import persistence, sqlite
from eventsourcing.persistence import StoredEvent

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


def _stored(originator: uuid.UUID, version: int = 1) -> StoredEvent:
    return StoredEvent(originator_id=originator, originator_version=version, topic="test:Happened", state=b"{}")


def test_saves_that_queue_behind_a_transaction_commit_together_and_a_conflict_fails_alone(tmp_path: Path) -> None:
    factory = InfrastructureFactory.construct(Settings(SHEQU_DATA_DIR=tmp_path).event_store_env("grid"))
    recorder = factory.process_recorder()
    recorder.create_table()
    taken = uuid.uuid4()
    recorder.insert_events([_stored(taken)])
    group = factory.datastore.group_commit
    before = group.transactions
    writing, release = threading.Event(), threading.Event()

    def slow_save(cursor: Any) -> None:  # holds the transaction open while the others queue behind it
        writing.set()
        release.wait(30)

    outcomes: dict[int, Any] = {}
    originators = [uuid.uuid4() for _ in range(8)]

    def save(index: int) -> None:
        events = [_stored(taken)] if index == 3 else [_stored(originators[index])]  # 3 conflicts
        try:
            outcomes[index] = recorder.insert_events(events)
        except Exception as error:  # noqa: BLE001 - the outcome is what is checked
            outcomes[index] = error

    first = threading.Thread(target=group.run, args=(slow_save,))
    first.start()
    assert writing.wait(30)
    savers = [threading.Thread(target=save, args=(i,)) for i in range(8)]
    for thread in savers:
        thread.start()
    time.sleep(0.3)  # let them queue behind the open transaction
    release.set()
    for thread in [first, *savers]:
        thread.join(30)

    assert isinstance(outcomes.pop(3), persistence.IntegrityError)
    assert all(isinstance(ids, list) and len(ids) == 1 for ids in outcomes.values())
    stored = {n.originator_id for n in recorder.select_notifications(1, 100)}
    assert stored == {taken, *(originators[i] for i in outcomes)}  # everything but the conflict, once
    assert group.transactions - before == 2  # the slow one, then all seven in one group
    factory.close()


def test_a_failed_commit_fails_every_save_of_its_group(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Two saves queued behind an open transaction form one group; its commit fails: both callers get the
    error and neither save is stored, while the transaction before it committed."""
    factory = InfrastructureFactory.construct(Settings(SHEQU_DATA_DIR=tmp_path).event_store_env("grid"))
    recorder = factory.process_recorder()
    recorder.create_table()
    group = factory.datastore.group_commit
    real_commit, commits = sqlite.SQLiteConnection.commit, []

    def commit(connection: Any) -> None:
        commits.append(connection)
        if len(commits) == 2:  # the queued group's commit
            connection.rollback()  # what a failed commit leaves: nothing of it stored
            raise sqlite3.OperationalError("disk I/O error")
        real_commit(connection)

    monkeypatch.setattr(sqlite.SQLiteConnection, "commit", commit)
    writing, release = threading.Event(), threading.Event()
    first_id = uuid.uuid4()

    def slow_save(cursor: Any) -> None:
        writing.set()
        release.wait(30)
        recorder._insert_events(cursor, [_stored(first_id)])

    outcomes: dict[int, Any] = {}
    queued = [uuid.uuid4(), uuid.uuid4()]

    def save(index: int) -> None:
        try:
            outcomes[index] = recorder.insert_events([_stored(queued[index])])
        except Exception as error:  # noqa: BLE001 - the outcome is what is checked
            outcomes[index] = error

    first = threading.Thread(target=group.run, args=(slow_save,))
    first.start()
    assert writing.wait(30)
    savers = [threading.Thread(target=save, args=(i,)) for i in range(2)]
    for thread in savers:
        thread.start()
    time.sleep(0.3)  # let them queue behind the open transaction
    release.set()
    for thread in [first, *savers]:
        thread.join(30)
    monkeypatch.undo()

    assert all(isinstance(outcomes[i], persistence.OperationalError) for i in range(2)), outcomes
    assert len(commits) == 2 and group.saves == 1  # the first group committed, the second did not
    assert {n.originator_id for n in recorder.select_notifications(1, 100)} == {first_id}
    factory.close()
