"""The projector runtime on the real broker: idempotence, redelivery, dead letters, coalescing."""

from __future__ import annotations

import json
import threading

import pytest

from services.district.queries import DistrictQueries
from services.district.projections import projections
from services.grid.contract import contract as grid_contract
from services.grid.domain import Case
from shared.kernel.actor import pseudonym
from shared.platform.envelope import Envelope
from shared.kernel.actor import Actor
from shared.platform.projector import ProjectorRuntime
from tests.kafka_helpers import read_topic, send_raw, wait_for

TOPIC = "shequ.grid.v1"
DLQ = "shequ.district.dlq"
ACTOR = Actor(subject="s", role="community_staff", pseudonym=pseudonym("s")).as_event_metadata()


def case_envelopes(community: str, n: int, resolve: int = 0) -> list[Envelope]:
    """Envelopes of real grid events, as the relay would publish them."""
    out: list[Envelope] = []
    for i in range(n):
        case = Case(community_id=community, category="noise", description=f"c{i}")
        if i < resolve:
            case.resolve("done")
        for event in case.collect_events():
            from dataclasses import replace

            out.append(grid_contract.to_envelope(replace(event, actor=ACTOR)))
    return out


def publish(bootstrap: str, envelopes: list[Envelope]) -> None:
    send_raw(bootstrap, TOPIC, [(e.subject.encode(), e.to_bytes()) for e in envelopes])


def projector(db, bootstrap: str, group: str = "district-test") -> ProjectorRuntime:
    return ProjectorRuntime(db=db, projections=projections(), contracts={"grid": grid_contract.events}, topics=[TOPIC],
                            bootstrap_servers=bootstrap, group_id=group, dead_letter_topic=DLQ, batch_size=500)


def run_until_caught_up(runtime: ProjectorRuntime, **kwargs) -> None:
    runtime.run(threading.Event(), until_caught_up=True, **kwargs)


@pytest.fixture
def db(read_db):
    return read_db


def overview(db) -> dict:
    cases = DistrictQueries(db).overview()["grid"]["cases"]
    return {k: cases[k] for k in ("reported", "open", "resolved")}


def test_duplicates_are_counted_once(db, fresh_broker):
    envelopes = case_envelopes("jinpen", 5, resolve=2)
    publish(fresh_broker.bootstrap_servers, envelopes + envelopes[:4])  # the relay re-published a batch
    runtime = projector(db, fresh_broker.bootstrap_servers)
    run_until_caught_up(runtime)
    assert overview(db) == {"reported": 5, "open": 3, "resolved": 2}
    assert runtime.totals.duplicates == 4


def test_redelivery_from_offset_zero_changes_nothing(db, fresh_broker):
    publish(fresh_broker.bootstrap_servers, case_envelopes("jinpen", 4, resolve=1) + case_envelopes("huasheng", 3))
    run_until_caught_up(projector(db, fresh_broker.bootstrap_servers))
    before = overview(db)
    # The whole topic delivered again (as after a crash before the offset commit).
    again = projector(db, fresh_broker.bootstrap_servers)
    again.rebuild(threading.Event())
    assert overview(db) == before == {"reported": 7, "open": 6, "resolved": 1}
    assert again.totals.applied == 0 and again.totals.duplicates == 8


def test_malformed_messages_go_to_the_dead_letter_topic_and_the_next_is_applied(db, fresh_broker):
    good = case_envelopes("jinpen", 2)
    wrong_schema = json.loads(good[0].to_bytes())
    wrong_schema["subject"] = "a-new-aggregate"
    wrong_schema["data"]["category"] = "not-a-category"
    unknown_type = json.loads(good[0].to_bytes())
    unknown_type["type"] = "shequ.grid.CaseTeleported.v1"
    send_raw(fresh_broker.bootstrap_servers, TOPIC, [
        (b"k", b"{not json"),
        (b"k", json.dumps({"hello": "world"}).encode()),
        (b"k", json.dumps(wrong_schema).encode()),
        (b"k", json.dumps(unknown_type).encode()),
        (good[0].subject.encode(), good[0].to_bytes()),
        (good[1].subject.encode(), good[1].to_bytes()),
    ])
    runtime = projector(db, fresh_broker.bootstrap_servers)
    run_until_caught_up(runtime)
    assert overview(db)["reported"] == 2
    dead = read_topic(fresh_broker.bootstrap_servers, DLQ, expect=4)
    assert len(dead) == 4
    reasons = [dict(m.headers)["dlq_reason"].decode() for m in dead]
    assert reasons[0].startswith("not JSON")
    assert reasons[1].startswith("not a shequ CloudEvent")
    assert "category" in reasons[2]
    assert "unknown event type" in reasons[3]
    assert {dict(m.headers)["dlq_topic"] for m in dead} == {TOPIC.encode()}


def test_a_projection_failure_is_dead_lettered_without_half_applying(db, fresh_broker):
    envelopes = case_envelopes("jinpen", 2, resolve=0)
    orphan = case_envelopes("jinpen", 1, resolve=1)[1]  # resolved, but its report never arrived
    publish(fresh_broker.bootstrap_servers, [envelopes[0], orphan, envelopes[1]])
    runtime = projector(db, fresh_broker.bootstrap_servers)
    run_until_caught_up(runtime)
    assert overview(db) == {"reported": 2, "open": 2, "resolved": 0}
    dead = read_topic(fresh_broker.bootstrap_servers, DLQ, expect=1)
    assert "projection community_grid failed" in dict(dead[0].headers)["dlq_reason"].decode()


class HalfApplyingProjection:
    """Counts events per community; an event whose description says "boom" changes the count, then fails."""

    collection = "counts"

    def handles(self, event_type: str) -> bool:
        return event_type.endswith("CaseReported.v1")

    def document_id(self, envelope, event) -> str:
        return envelope.communityid

    def new_document(self, document_id, envelope) -> dict:
        return {"_id": document_id, "count": 0, "nested": {"count": 0}}

    def apply(self, document, envelope, event) -> None:
        document["count"] += 1
        document["nested"]["count"] += 1
        if event.description == "boom":
            raise ValueError("boom")

    def indexes(self) -> list:
        return []


@pytest.mark.parametrize("stored_first", [False, True], ids=["new document", "stored document"])
def test_a_failing_handler_leaves_no_trace_on_the_document_it_half_changed(db, stored_first):
    from shared.platform.projector import Delivery, ReadModelWriter

    def reported(description: str):
        event = next(e for e in Case(community_id="jinpen", category="noise", description=description)
                     .collect_events())
        from dataclasses import replace

        envelope = grid_contract.to_envelope(replace(event, actor=ACTOR))
        return envelope, grid_contract.events.decode(envelope), Delivery(TOPIC, 0, 0, None, b"")

    writer = ReadModelWriter(db, [HalfApplyingProjection()])
    failures: list[str] = []
    if stored_first:
        writer.apply([reported("first")], lambda d, r: failures.append(r))
    result = writer.apply([reported("a"), reported("boom"), reported("b")], lambda d, r: failures.append(r))
    document = db["counts"].find_one({"_id": "jinpen"})
    expected = 2 + stored_first
    assert (document["count"], document["nested"]["count"]) == (expected, expected)
    assert result.applied == 2 and len(failures) == 1 and "boom" in failures[0]
    assert len(document["_seen"]) == expected


def test_writes_are_coalesced_per_document_per_batch(db, fresh_broker):
    publish(fresh_broker.bootstrap_servers, case_envelopes("jinpen", 30, resolve=10) + case_envelopes("huasheng", 20))
    runtime = projector(db, fresh_broker.bootstrap_servers)
    run_until_caught_up(runtime)
    assert runtime.totals.applied == 60
    # Two communities; a handful of batches at most: far fewer writes than events.
    assert runtime.totals.writes <= 2 * 4


def test_district_totals_equal_the_sum_of_communities(db, fresh_broker):
    publish(fresh_broker.bootstrap_servers,
            case_envelopes("jinpen", 6, 2) + case_envelopes("huasheng", 4, 4) + case_envelopes("xizhuchao", 3))
    run_until_caught_up(projector(db, fresh_broker.bootstrap_servers))
    queries = DistrictQueries(db)
    total = overview(db)
    summed = {k: sum(queries.community(c)["grid"]["cases"][k] for c in ("jinpen", "huasheng", "xizhuchao"))
              for k in total}
    full = queries.overview()["grid"]["cases"]
    assert full == {k: sum(queries.community(c)["grid"]["cases"][k] for c in ("jinpen", "huasheng", "xizhuchao"))
                    for k in full}
    assert total == summed == {"reported": 13, "open": 7, "resolved": 6}


def test_a_lost_race_is_retried_on_the_fresh_document(db):
    """Two projector instances touching one community document: no update is lost."""
    from shared.platform.projector import Delivery, ReadModelWriter

    writer = ReadModelWriter(db, projections())
    first, second = case_envelopes("jinpen", 1), case_envelopes("jinpen", 1)
    decode = grid_contract.events.decode
    writer.apply([(first[0], decode(first[0]), Delivery(TOPIC, 0, 0, None, b""))], lambda d, r: None)
    collection = db["community_grid"]
    original_find = collection.find

    class RacingCollection:
        """Loads the document, then lets a rival write before our replace."""

        def __getattr__(self, name):
            return getattr(collection, name)

        def find(self, *args, **kwargs):
            docs = list(original_find(*args, **kwargs))
            rival = ReadModelWriter(db, projections())
            rival.apply([(second[0], decode(second[0]), Delivery(TOPIC, 1, 0, None, b""))], lambda d, r: None)
            return docs

    class RacingDb:
        def __getitem__(self, name):
            return RacingCollection() if name == "community_grid" else db[name]

    third = case_envelopes("jinpen", 1)
    ReadModelWriter(RacingDb(), projections()).apply(
        [(third[0], decode(third[0]), Delivery(TOPIC, 2, 0, None, b""))], lambda d, r: None)
    assert DistrictQueries(db).overview()["grid"]["cases"]["reported"] == 3


def read_models(db) -> dict:
    """Every read-model document, without the write revision (which depends on batching)."""
    return {name: {d["_id"]: {k: v for k, v in d.items() if k != "_rev"} for d in db[name].find()}
            for name in ("community_grid", "communities")}


def test_rebuild_equals_live_document_by_document(db, fresh_broker):
    publish(fresh_broker.bootstrap_servers, case_envelopes("jinpen", 8, 3) + case_envelopes("huasheng", 5, 5))
    live = projector(db, fresh_broker.bootstrap_servers)
    run_until_caught_up(live)
    # More events arrive while live, in small batches.
    publish(fresh_broker.bootstrap_servers, case_envelopes("jinpen", 2, 1))
    run_until_caught_up(projector(db, fresh_broker.bootstrap_servers))
    live_models = read_models(db)
    rebuild = live.fresh()
    rebuild.writer.drop()
    assert db["community_grid"].count_documents({}) == 0
    rebuild.rebuild(threading.Event())
    assert read_models(db) == live_models
    assert rebuild.totals.applied == 8 + 3 + 5 + 5 + 2 + 1


def test_an_added_optional_field_is_read_by_an_older_consumer(db):
    """Tolerant reader: a producer deployed before its consumers must not dead-letter anything."""
    from shared.platform.projector import Delivery, ReadModelWriter

    envelope = case_envelopes("jinpen", 1)[0]
    newer = Envelope.model_validate({**envelope.model_dump(), "data": {**envelope.data, "added_later": "x"}})
    event = grid_contract.events.decode(newer)
    with pytest.raises(Exception, match="added_later"):
        grid_contract.events.decode(newer, strict=True)
    ReadModelWriter(db, projections()).apply([(newer, event, Delivery(TOPIC, 0, 0, None, b""))], lambda d, r: None)
    assert overview(db)["reported"] == 1


def _item(envelope, offset: int = 0):
    from shared.platform.projector import Delivery

    return envelope, grid_contract.events.decode(envelope), Delivery(TOPIC, 0, offset, None, b"")


def test_two_writers_creating_the_same_document_lose_nothing(db):
    """Both see no document; the rival inserts first; ours meets a duplicate key and applies on the fresh one."""
    from shared.platform.projector import ReadModelWriter

    ours, rivals = case_envelopes("jinpen", 2), case_envelopes("jinpen", 3)
    collection = db["community_grid"]

    class RacingCollection:
        def __getattr__(self, name):
            return getattr(collection, name)

        def bulk_write(self, *args, **kwargs):
            ReadModelWriter(db, projections()).apply([_item(e) for e in rivals], lambda d, r: None)
            return collection.bulk_write(*args, **kwargs)

    class RacingDb:
        def __getitem__(self, name):
            return RacingCollection() if name == "community_grid" else db[name]

    result = ReadModelWriter(RacingDb(), projections()).apply([_item(e) for e in ours], lambda d, r: None)
    assert result.applied == 2 and result.duplicates == 0
    assert overview(db) == {"reported": 5, "open": 5, "resolved": 0}
    assert len(collection.find_one({"_id": "jinpen"})["_seen"]) == 5


def test_a_rebuild_keeps_what_it_wrote_and_rereads_what_another_writer_changed(db):
    """The rebuild's writer does not read back its own documents; a document another writer changed since
    fails the revision guard and is read again, so nothing either of them applied is lost."""
    from shared.platform.projector import ReadModelWriter

    rebuild = ReadModelWriter(db, projections(), cache_documents=100)
    finds = []
    collection = db["community_grid"]

    class CountingDb:
        def __getitem__(self, name):
            target = db[name]

            class Counting:
                def __getattr__(self, attribute):
                    if attribute in ("find", "find_one"):
                        finds.append(attribute)
                    return getattr(target, attribute)

            return Counting()

    rebuild.db = CountingDb()
    rebuild.apply([_item(e) for e in case_envelopes("jinpen", 2)], lambda d, r: None)
    assert finds == ["find"]  # the first batch looks the document up
    rebuild.apply([_item(e) for e in case_envelopes("jinpen", 1)], lambda d, r: None)
    assert finds == ["find"]  # the next one uses what it wrote
    ReadModelWriter(db, projections()).apply([_item(e) for e in case_envelopes("jinpen", 4)], lambda d, r: None)
    result = rebuild.apply([_item(e) for e in case_envelopes("jinpen", 1)], lambda d, r: None)
    assert result.applied == 1 and len(finds) == 2  # the guard failed: read again, applied on the fresh document
    assert overview(db) == {"reported": 8, "open": 8, "resolved": 0}
    assert collection.find_one({"_id": "jinpen"})["_rev"] == 4


def test_a_staged_rebuild_loses_nothing_a_live_writer_wrote_meanwhile(db):
    """The rebuild applies events in memory and writes every so many events. A live projector that writes the
    same document in between makes the guarded write fail: the document is rebuilt from the store and the
    messages applied since the last write, so the result holds both writers' events, each once; a failing
    handler's event is dead-lettered once and leaves no trace."""
    from shared.platform.envelope import Envelope as Env
    from shared.platform.projector import Delivery, ReadModelWriter

    def delivery(envelope, offset):
        return Delivery(TOPIC, 0, offset, envelope.subject.encode(), envelope.to_bytes())

    def decode(d):
        envelope = Env.from_bytes(d.value)
        return envelope, grid_contract.events.decode(envelope)

    def items(envelopes, start):
        return [(*decode(delivery(e, start + i)), delivery(e, start + i)) for i, e in enumerate(envelopes)]

    rebuild = ReadModelWriter(db, projections(), cache_documents=100)
    failures: list[str] = []
    first = case_envelopes("jinpen", 3, resolve=1) + case_envelopes("huasheng", 2)
    rebuild.stage(items(first, 0), lambda d, r: failures.append(r), decode)
    assert rebuild.staged == 6 and db["community_grid"].count_documents({}) == 0  # nothing written yet
    assert rebuild.flush(decode).writes == 2
    second = case_envelopes("jinpen", 2)
    rebuild.stage(items(second, 10), lambda d, r: failures.append(r), decode)
    live = case_envelopes("jinpen", 4, resolve=2)
    ReadModelWriter(db, projections()).apply(items(live, 20), lambda d, r: None)  # the live projector, meanwhile
    redelivered = items(first[:2], 0)  # already staged and written: duplicates
    result = rebuild.stage(redelivered, lambda d, r: failures.append(r), decode)
    assert result.duplicates == 2 and result.applied == 0
    rebuild.flush(decode)
    assert overview(db) == {"reported": 3 + 2 + 2 + 4, "open": 2 + 2 + 2 + 2, "resolved": 1 + 2}
    assert failures == []
    again = ReadModelWriter(db, projections())
    assert again.apply(items(first + second + live, 0), lambda d, r: None).applied == 0  # everything held once


# -- a rebuild beside running projectors: they pause, so nothing is applied out of order -----------------


def _live_member(db, bootstrap: str, name: str):
    """A live projector member running in a thread; returns (runtime, stop, thread)."""
    runtime = ProjectorRuntime(db=db, projections=projections(), contracts={"grid": grid_contract.events},
                               topics=[TOPIC], bootstrap_servers=bootstrap, group_id="district-live",
                               dead_letter_topic=DLQ, batch_size=500, member_name=name)
    stop = threading.Event()
    thread = threading.Thread(target=runtime.run, args=(stop,), daemon=True)
    thread.start()
    return runtime, stop, thread


def test_a_rebuild_pauses_live_members_so_a_newer_version_never_lands_first(db, fresh_broker):
    """The race this prevents: after the drop, a live member applies a case's CaseResolved (version 2) to the
    empty document before the replay reaches its CaseReported (version 1), which the replay then skips as a
    duplicate (a figure lost; here the grid projection refuses a resolution of a case it has not seen, so each
    becomes a spurious dead letter instead). Paused, the live member applies nothing until the replay is
    done, then resumes from its committed offsets (what the replay holds is a duplicate)."""
    bootstrap = fresh_broker.bootstrap_servers
    envelopes = case_envelopes("jinpen", 4, resolve=4)  # reported v1, resolved v2, per case
    reported, resolved = envelopes[0::2], envelopes[1::2]
    publish(bootstrap, reported)
    live, stop, thread = _live_member(db, bootstrap, "projector-a")
    try:
        wait_for(lambda: overview(db) == {"reported": 4, "open": 4, "resolved": 0}, timeout=60)
        rebuild = live.fresh()
        rebuild.member_name = "rebuild"
        hold = rebuild.pause_live_members(timeout=30)
        assert live.paused_for == hold.rebuild_id
        assert db["projector_status"].find_one({"_id": "projector-a"})["paused_for"] == hold.rebuild_id
        rebuild.writer.drop()
        publish(bootstrap, resolved)  # the newer versions arrive while the read models are empty
        wait_for(lambda: sum(live.lag.values()) == 4, timeout=30)  # seen by the paused member, not applied
        assert db["community_grid"].count_documents({}) == 0
        rebuild.rebuild(threading.Event(), hold=hold)
        assert overview(db) == {"reported": 4, "open": 0, "resolved": 4}
        hold.release()
        wait_for(lambda: live.paused_for is None and sum(live.lag.values()) == 0, timeout=30)
        assert overview(db) == {"reported": 4, "open": 0, "resolved": 4}
        assert live.totals.duplicates == 4  # the resolutions, which the replay applied first
        assert live.totals.dead_lettered == 0 and rebuild.totals.dead_lettered == 0
    finally:
        stop.set()
        thread.join(timeout=30)
    assert db["projector_status"].find_one({"_id": "projector-a"})["running"] is False


def test_rebuild_from_scratch_beside_a_live_member_rebuilds_and_resumes_it(db, fresh_broker):
    bootstrap = fresh_broker.bootstrap_servers
    publish(bootstrap, case_envelopes("jinpen", 5, resolve=2) + case_envelopes("huasheng", 3, resolve=3))
    live, stop, thread = _live_member(db, bootstrap, "projector-b")
    try:
        wait_for(lambda: overview(db) == {"reported": 8, "open": 3, "resolved": 5}, timeout=60)
        before = read_models(db)
        rebuild = live.fresh()
        rebuild.member_name = "rebuild"
        totals = rebuild.rebuild_from_scratch(threading.Event(), pause_timeout=30)
        assert totals.applied == 8 + 5 and read_models(db) == before
        assert rebuild.rebuild_marker.standing() is None
        publish(bootstrap, case_envelopes("jinpen", 1))
        wait_for(lambda: overview(db)["reported"] == 9, timeout=30)  # the live member resumed
    finally:
        stop.set()
        thread.join(timeout=30)


def test_a_rebuild_refuses_and_drops_nothing_when_a_live_member_does_not_pause(db, fresh_broker):
    from datetime import UTC, datetime

    from shared.platform.rebuilds import RebuildRefused

    publish(fresh_broker.bootstrap_servers, case_envelopes("jinpen", 3))
    run_until_caught_up(projector(db, fresh_broker.bootstrap_servers))
    # A member that reports itself running (a recent status) but never reads the marker.
    db["projector_status"].insert_one({"_id": "projector-deaf", "running": True, "paused_for": None,
                                       "updated_at": datetime.now(UTC).isoformat()})
    rebuild = projector(db, fresh_broker.bootstrap_servers)
    rebuild.member_name = "rebuild"
    with pytest.raises(RebuildRefused, match="projector-deaf"):
        rebuild.rebuild_from_scratch(threading.Event(), pause_timeout=1)
    assert overview(db)["reported"] == 3  # nothing dropped
    assert rebuild.rebuild_marker.standing() is None  # and live members are not left paused
    # A member whose status went quiet (a process that died) is not waited for.
    db["projector_status"].update_one({"_id": "projector-deaf"}, {"$set": {"updated_at": "2026-01-01T00:00:00+00:00"}})
    assert rebuild.rebuild_from_scratch(threading.Event(), pause_timeout=5).applied == 3


def test_one_rebuild_at_a_time_and_an_abandoned_marker_is_taken_over(db):
    from shared.platform.rebuilds import RebuildMarker, RebuildRefused

    marker = RebuildMarker(db)
    first = marker.place("rebuild-1")
    with pytest.raises(RebuildRefused, match="rebuild-1"):
        marker.place("rebuild-2")
    assert marker.standing()["rebuild"] == first
    # Its process died: the marker is no longer refreshed; members ignore it and another rebuild takes it over.
    db["projector_control"].update_one({"_id": "rebuild"}, {"$set": {"refreshed_at": "2026-01-01T00:00:00+00:00"}})
    assert marker.standing() is None
    second = marker.place("rebuild-2")
    assert second != first and marker.standing()["by"] == "rebuild-2"
    marker.remove(first)  # the first rebuild, back from the dead, removes nothing of the second's
    assert marker.standing()["rebuild"] == second
    marker.remove(second)
    assert marker.standing() is None


def test_shequ_rebuild_refuses_beside_a_member_that_does_not_pause_then_rebuilds(db, fresh_broker, mongo_url,
                                                                                  tmp_path):
    """The operator's command, as run in production beside `shequ project`: exit 1 and nothing dropped while a
    live member does not acknowledge; the rebuild once it is gone."""
    import os
    import subprocess
    import sys
    from datetime import UTC, datetime

    publish(fresh_broker.bootstrap_servers, case_envelopes("jinpen", 3, resolve=1))
    run_until_caught_up(projector(db, fresh_broker.bootstrap_servers))
    db["projector_status"].insert_one({"_id": "projector-deaf", "running": True, "paused_for": None,
                                       "updated_at": datetime.now(UTC).isoformat()})
    env = {**os.environ, "KAFKA_BOOTSTRAP_SERVERS": fresh_broker.bootstrap_servers, "MONGO_URL": mongo_url,
           "MONGO_DATABASE": db.name, "SHEQU_DATA_DIR": str(tmp_path), "REBUILD_PAUSE_TIMEOUT_SECONDS": "1"}

    def shequ_rebuild() -> subprocess.CompletedProcess:
        return subprocess.run([sys.executable, "-m", "bootstrap.cli", "rebuild"], env=env, capture_output=True,
                              text=True, timeout=120)

    refused = shequ_rebuild()
    said = refused.stdout + refused.stderr
    assert refused.returncode == 1 and "rebuild refused" in said and "projector-deaf" in said
    assert overview(db) == {"reported": 3, "open": 2, "resolved": 1}
    db["projector_status"].update_one({"_id": "projector-deaf"}, {"$set": {"running": False}})  # it stopped
    done = shequ_rebuild()
    assert done.returncode == 0, done.stdout + done.stderr
    assert "rebuilt: 4 events applied" in done.stdout + done.stderr
    assert overview(db) == {"reported": 3, "open": 2, "resolved": 1}
