"""The read models' dedupe guard stays bounded and exact: `_seen` keeps a window of recent aggregates and
`_upto` (the newest relay position per source partition) covers the rest. On the real broker and read store."""

from __future__ import annotations

import threading
from dataclasses import replace

import pytest

from services.district.projections import projections
from services.district.queries import DistrictQueries
from services.grid.application import GridApplication
from services.grid.commands import ReportCase, ResolveCase
from services.grid.contract import contract as grid_contract
from services.grid.domain import Case
from shared.kernel.actor import ALL_COMMUNITIES, Actor, pseudonym
from shared.platform import projector as projector_module
from shared.platform.kafka import Delivery
from shared.platform.projector import ProjectorRuntime, ReadModelWriter
from shared.platform.relay import Relay
from shared.platform.trace import projected

TOPIC = "shequ.grid.v1"
WINDOW = 8
STAFF = Actor(subject="staff-1", role="community_staff", pseudonym=pseudonym("staff-1"),
              communities=(ALL_COMMUNITIES,))


@pytest.fixture
def small_window(monkeypatch):
    monkeypatch.setattr(projector_module, "SEEN_WINDOW", WINDOW)


def overview(db) -> dict:
    cases = DistrictQueries(db).overview()["grid"]["cases"]
    return {k: cases[k] for k in ("reported", "open", "resolved")}


def project_all(db, bootstrap: str, group: str) -> ProjectorRuntime:
    runtime = ProjectorRuntime(db=db, projections=projections(), contracts={"grid": grid_contract.events},
                               topics=[TOPIC], bootstrap_servers=bootstrap, group_id=group,
                               dead_letter_topic="shequ.district.dlq", batch_size=500)
    runtime.run(threading.Event(), until_caught_up=True)
    return runtime


def test_a_relay_republishing_everything_changes_no_figure_though_seen_keeps_only_a_window(
        settings, fresh_broker, read_db, small_window):
    app = GridApplication(env=settings.event_store_env("grid"))
    cases = [app.report_case(STAFF, ReportCase(community_id="jinpen", category="noise", description=f"case {i}"))
             for i in range(60)]
    for case_id in cases[:20]:
        app.resolve_case(STAFF, case_id, ResolveCase(outcome="fixed"))
    relay = Relay(app, grid_contract, TOPIC, fresh_broker.bootstrap_servers)
    while relay.publish_batch():
        pass
    project_all(read_db, fresh_broker.bootstrap_servers, "guard-first")
    assert overview(read_db) == {"reported": 60, "open": 40, "resolved": 20}
    document = read_db["community_grid"].find_one({"_id": "jinpen"})
    assert len(document["_seen"]) == WINDOW and "_seen_complete" not in document
    assert set(document["_upto"]) <= {"grid-0", "grid-1", "grid-2"} and max(document["_upto"].values()) == 80

    # The relay lost its position (a crash before tracking, or a restore): it publishes the whole log again,
    # and a new group reads the topic from offset 0, the originals and the copies. The 52 aggregates that
    # left `_seen` are caught by `_upto` alone.
    restored = Relay(app, grid_contract, TOPIC, fresh_broker.bootstrap_servers)
    restored.tracking_name = lambda cluster_id: f"restored:{cluster_id}"  # a position of its own: none yet
    while restored.publish_batch():
        pass
    again = project_all(read_db, fresh_broker.bootstrap_servers, "guard-second")
    assert overview(read_db) == {"reported": 60, "open": 40, "resolved": 20}
    assert again.totals.applied == 0 and again.totals.duplicates == 160
    assert len(read_db["community_grid"].find_one({"_id": "jinpen"})["_seen"]) == WINDOW


def _reported(community: str, description: str):
    case = Case(community_id=community, category="noise", description=description)
    event = next(iter(case.collect_events()))
    envelope = grid_contract.to_envelope(replace(event, actor=STAFF.as_event_metadata()))
    return envelope, grid_contract.events.decode(envelope)


def _delivered(item, position: int | None, partition: int = 0):
    headers = [] if position is None else [("shequ_position", str(position).encode())]
    return (*item, Delivery(TOPIC, partition, position or 0, None, b"", headers))


class FailsOnceProjection:
    """Counts reports per community; the report described "flaky" fails the first time it is applied."""

    collection = "flaky_counts"

    def __init__(self) -> None:
        self.failed_once = False

    def handles(self, event_type: str) -> bool:
        return event_type.endswith(("CaseReported.v1", "CaseResolved.v1"))

    def document_id(self, envelope, event) -> str:
        return envelope.communityid

    def new_document(self, document_id, envelope) -> dict:
        return {"_id": document_id, "count": 0, "resolved": 0}

    def apply(self, document, envelope, event) -> None:
        if envelope.type.endswith("CaseResolved.v1"):
            document["resolved"] += 1
            return
        if event.description == "flaky" and not self.failed_once:
            self.failed_once = True
            raise ValueError("flaky")
        document["count"] += 1

    def indexes(self) -> list:
        return []


def test_a_dead_letter_replayed_after_its_aggregate_left_the_window_counts_once(read_db, small_window):
    projection = FailsOnceProjection()
    writer = ReadModelWriter(read_db, [projection])
    case = Case(community_id="jinpen", category="noise", description="flaky")
    case.resolve("fixed")
    flaky, flaky_resolved = (
        _delivered((envelope, grid_contract.events.decode(envelope)), position=3 + n)
        for n, envelope in enumerate(grid_contract.to_envelope(replace(e, actor=STAFF.as_event_metadata()))
                                     for e in case.collect_events()))
    batch = [_delivered(_reported("jinpen", f"r{i}"), position=i + 1) for i in range(2)] + [flaky, flaky_resolved]
    failures: list[str] = []
    writer.apply(batch, lambda d, reason: failures.append(reason))
    later = [_delivered(_reported("jinpen", f"later {i}"), position=10 + i) for i in range(3 * WINDOW)]
    writer.apply(later, lambda d, reason: failures.append(reason))
    document = read_db["flaky_counts"].find_one({"_id": "jinpen"})
    subject = flaky[0].subject
    assert len(failures) == 1 and document["count"] == 2 + 3 * WINDOW
    assert subject not in document["_seen"] and document["_gaps"] == {subject: [1]}

    replayed = writer.apply([flaky], lambda d, reason: failures.append(reason))  # the dead letter, replayed
    document = read_db["flaky_counts"].find_one({"_id": "jinpen"})
    assert replayed.applied == 1 and document["count"] == 3 + 3 * WINDOW and "_gaps" not in document
    # Replayed twice, and the aggregate's newer event re-published: no change (the replay must not have put
    # the older version back into `_seen` as the aggregate's newest).
    again = writer.apply([flaky, flaky_resolved], lambda d, reason: failures.append(reason))
    assert again.applied == 0 and again.duplicates == 2
    document = read_db["flaky_counts"].find_one({"_id": "jinpen"})
    assert (document["count"], document["resolved"]) == (3 + 3 * WINDOW, 1)


def test_a_document_from_before_upto_or_with_an_unpositioned_event_keeps_every_mark(read_db, small_window):
    projection = FailsOnceProjection()
    writer = ReadModelWriter(read_db, [projection])
    legacy = [_reported("huasheng", f"old {i}") for i in range(2 * WINDOW)]
    read_db["flaky_counts"].insert_one({"_id": "huasheng", "count": len(legacy), "_rev": 1,
                                        "_seen": {envelope.subject: 1 for envelope, _ in legacy}})
    writer.apply([_delivered(_reported("huasheng", f"new {i}"), position=100 + i) for i in range(WINDOW)],
                 lambda d, reason: None)
    document = read_db["flaky_counts"].find_one({"_id": "huasheng"})
    assert document["_seen_complete"] is True and len(document["_seen"]) == 3 * WINDOW
    # Its old marks still guard: the old events delivered again (with positions below `_upto`, or above it)
    # change nothing.
    again = writer.apply([_delivered(item, position=50 + i) for i, item in enumerate(legacy)], lambda d, r: None)
    assert again.applied == 0 and read_db["flaky_counts"].find_one({"_id": "huasheng"})["count"] == 3 * WINDOW

    writer.apply([_delivered(_reported("xizhuchao", f"r{i}"), position=i + 1) for i in range(2 * WINDOW)]
                 + [_delivered(_reported("xizhuchao", "no header"), position=None)], lambda d, r: None)
    unpositioned = read_db["flaky_counts"].find_one({"_id": "xizhuchao"})
    assert unpositioned["_seen_complete"] is True and len(unpositioned["_seen"]) == WINDOW + 1


def test_the_trace_answers_for_an_aggregate_folded_into_upto(settings, fresh_broker, read_db, small_window):
    app = GridApplication(env=settings.event_store_env("grid"))
    first = app.report_case(STAFF, ReportCase(community_id="jinpen", category="noise", description="first"))
    for i in range(3 * WINDOW):
        app.report_case(STAFF, ReportCase(community_id="jinpen", category="noise", description=f"case {i}"))
    relay = Relay(app, grid_contract, TOPIC, fresh_broker.bootstrap_servers)
    while relay.publish_batch():
        pass
    project_all(read_db, fresh_broker.bootstrap_servers, "guard-trace")
    document = read_db["community_grid"].find_one({"_id": "jinpen"})
    assert str(first) not in document["_seen"]
    ask = dict(aggregate=str(first), version=1, event_type="shequ.grid.CaseReported.v1", community="jinpen")
    answer = projected(read_db, projections(), position=1, **ask)
    assert answer["projected"] is True and answer["read_models"]
    assert all(m["upto"] >= 1 for m in answer["read_models"])
    # Not yet applied: a position past every mark (the next event), and no position at all.
    assert projected(read_db, projections(), position=10_000, **ask)["projected"] is False
    assert projected(read_db, projections(), **ask)["projected"] is False
