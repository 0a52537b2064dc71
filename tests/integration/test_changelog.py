"""The read models' change log, and district reads in one process following projector writes in others.

Over the wire against the session's nx-27017 server (or MONGO_URL): the writers are separate Python
processes with clients of their own, as the projector and the district API are in production.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
import threading
from pathlib import Path
from typing import Any

import pytest

from services.district.queries import DistrictQueries
from shared.platform.changelog import CHANGES_COLLECTION, KEEP_ENTRIES, MOST_IDS, ChangeLog
from shared.platform.readstore import read_store_client
from tests.threads import run_together

ROOT = Path(__file__).resolve().parents[2]

# A projector's writes in a process of its own: real grid events through ReadModelWriter.
WRITER = textwrap.dedent("""
    import sys
    from dataclasses import replace
    from services.district.projections import projections
    from services.grid.contract import contract
    from services.grid.domain import Case
    from shared.kernel.actor import Actor, pseudonym
    from shared.platform.projector import Delivery, ReadModelWriter
    from shared.platform.readstore import read_store_client

    url, database, communities, cases, batch = sys.argv[1], sys.argv[2], sys.argv[3].split(","), *map(int, sys.argv[4:6])
    actor = Actor(subject="w", role="community_staff", pseudonym=pseudonym("w")).as_event_metadata()
    client = read_store_client(url)
    writer = ReadModelWriter(client[database], projections())
    items = []
    for i in range(cases):
        case = Case(community_id=communities[i % len(communities)], category="noise", description=str(i))
        for event in case.collect_events():
            envelope = contract.to_envelope(replace(event, actor=actor))
            items.append((envelope, contract.events.decode(envelope), Delivery("t", 0, i, None, b"")))
    for start in range(0, len(items), batch):
        writer.apply(items[start:start + batch], lambda delivery, reason: sys.exit(f"failed: {reason}"))
    client.close()
""")


def project_in_another_process(url: str, database: str, communities: list[str], cases: int,
                               batch: int = 1) -> subprocess.Popen[bytes]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.Popen([sys.executable, "-c", WRITER, url, database, ",".join(communities), str(cases),
                             str(batch)], env=env, cwd=ROOT, stderr=subprocess.PIPE)


def finished(process: subprocess.Popen[bytes]) -> None:
    _, err = process.communicate(timeout=120)
    assert process.returncode == 0, err.decode()


def without_freshness(view: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in view.items() if k != "freshness"}


@pytest.fixture
def reader(mongo_url: str, read_db_name: str):  # noqa: ANN201
    """The district API's side: a client of its own."""
    client = read_store_client(mongo_url)
    yield DistrictQueries(client[read_db_name])
    client.close()


def test_an_overview_after_a_projector_write_in_another_process_shows_it(mongo_url, read_db_name, reader):
    finished(project_in_another_process(mongo_url, read_db_name, ["a", "b", "c"], 6, batch=6))
    assert ChangeLog(reader.db).position() is not None  # the projector announced its writes
    first = reader.overview()
    assert first["communities"] == 3 and first["grid"]["cases"]["reported"] == 6
    assert reader.overview()["grid"]["cases"]["reported"] == 6  # served from what it already read

    finished(project_in_another_process(mongo_url, read_db_name, ["b"], 1))
    after = reader.overview()
    assert after["grid"]["cases"]["reported"] == 7
    rows = {r["community_id"]: r for r in reader.communities()["rows"]}
    assert {cid: row["open_cases"] for cid, row in rows.items()} == {"a": 2, "b": 3, "c": 2}

    finished(project_in_another_process(mongo_url, read_db_name, ["d"], 2))  # a new community
    assert reader.overview()["communities"] == 4
    assert without_freshness(reader.overview()) == without_freshness(DistrictQueries(reader.db).overview())


def test_reads_during_concurrent_writers_end_equal_to_a_fresh_read(mongo_url, read_db_name, reader):
    """Two projector processes race on the same documents (revision-guarded retries, compare-and-set on the
    log) while the reader keeps reading; once they are done the reader serves exactly what a new reader does."""
    finished(project_in_another_process(mongo_url, read_db_name, ["a", "b"], 2, batch=2))
    reader.overview()
    writers = [project_in_another_process(mongo_url, read_db_name, ["a", "b", "c"], 40, batch=3)
               for _ in range(2)]
    stop = threading.Event()
    errors: list[BaseException] = []

    def keep_reading() -> None:
        try:
            while not stop.is_set():
                reader.overview()
        except BaseException as exc:  # noqa: BLE001 - reported by the test
            errors.append(exc)

    polling = threading.Thread(target=keep_reading)
    polling.start()
    try:
        for writer in writers:
            finished(writer)
    finally:
        stop.set()
        polling.join()
    assert errors == []
    served = reader.overview()
    assert served["grid"]["cases"]["reported"] == 82
    assert without_freshness(served) == without_freshness(DistrictQueries(reader.db).overview())


@pytest.mark.parametrize("reader_starts", ["before the announcement", "between announcement and write"])
def test_a_write_announced_before_it_lands_is_served_once_it_has(mongo_url, read_db_name, reader, reader_starts):
    """Writers announce first and write second: a reader that looked in between keeps the document pending
    and serves the write once it is stored, whether it followed the log or read everything."""
    finished(project_in_another_process(mongo_url, read_db_name, ["a", "b"], 2, batch=2))
    grid = reader.db["community_grid"]
    if reader_starts == "before the announcement":
        reader.overview()
    stored = grid.find_one({"_id": "a"})
    ChangeLog(reader.db).record("community_grid", {"a": stored["_rev"] + 1})
    assert reader.overview()["grid"]["cases"]["reported"] == 2  # announced, not written yet
    grid.update_one({"_id": "a", "_rev": stored["_rev"]},
                    {"$inc": {"cases.noise.reported": 1, "_rev": 1}})  # the announced write lands
    assert reader.overview()["grid"]["cases"]["reported"] == 3
    assert reader.overview()["grid"]["cases"]["reported"] == 3


# -- the log itself -------------------------------------------------------------------------------------


def test_a_reader_gets_what_was_announced_after_its_position(read_db):
    writer, reader = ChangeLog(read_db), ChangeLog(read_db)
    assert reader.since(None).documents is None and reader.since(None).position is None  # no log yet
    writer.record("community_grid", {"a": 1, "b": 1})
    start = reader.since(None)
    assert start.documents is None  # no position: read everything
    assert start.recent == {("community_grid", "a"): 1, ("community_grid", "b"): 1}
    assert reader.since(start.position).documents == {}
    writer.record("community_grid", {"a": 2})
    writer.record("communities", {"a": 1})
    writer.record("community_grid", {"a": 3})
    changes = reader.since(start.position)
    assert changes.documents == {("community_grid", "a"): 3, ("communities", "a"): 1}
    assert changes.position.seq == start.position.seq + 3
    assert reader.since(changes.position).documents == {}


def test_a_reset_or_an_unlisted_write_makes_readers_read_everything(read_db):
    writer, reader = ChangeLog(read_db), ChangeLog(read_db)
    writer.record("community_grid", {"a": 4})
    position = reader.since(None).position
    writer.reset()
    changes = reader.since(position)
    assert changes.documents is None
    assert changes.recent == {}  # a drop voids what was announced before it
    assert writer.record("community_grid", {f"c{i}": 1 for i in range(MOST_IDS + 1)}) is True
    assert reader.since(changes.position).documents is None


def test_a_reader_fallen_behind_or_of_another_epoch_reads_everything(read_db):
    writer, reader = ChangeLog(read_db), ChangeLog(read_db)
    writer.record("community_grid", {"a": 1})
    position = reader.since(None).position
    for rev in range(2, KEEP_ENTRIES + 3):
        writer.record("community_grid", {"a": rev})
    assert reader.since(position).documents is None
    read_db[CHANGES_COLLECTION].drop()
    ChangeLog(read_db).record("community_grid", {"a": 1})  # the log starts again, in another epoch
    assert reader.since(reader.since(None).position).documents == {}
    assert reader.since(position).documents is None


def test_concurrent_writers_get_distinct_consecutive_entries(mongo_url, mongo_client, read_db_name):
    """Compare-and-set on the log document: no entry lost, none given the same number twice."""
    clients = [read_store_client(mongo_url) for _ in range(4)]
    try:
        def record(number: int, client: Any) -> None:
            log = ChangeLog(client[read_db_name])
            for i in range(25):
                log.record("community_grid", {f"w{number}-{i}": 1})

        run_together(record, enumerate(clients))
    finally:
        for client in clients:
            client.close()
    log = mongo_client[read_db_name][CHANGES_COLLECTION].find_one({"_id": "log"})
    assert log["seq"] == 100
    assert [e["seq"] for e in log["entries"]] == list(range(1, 101))
    assert sorted(i for e in log["entries"] for i, _ in json.loads(e["revisions"])) == sorted(
        f"w{n}-{i}" for n in range(4) for i in range(25))
