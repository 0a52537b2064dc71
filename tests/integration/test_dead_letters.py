"""Dead letters on the real broker and nx-27017: recorded, listed, replayed exactly once after a fix, discarded.

A projection with a bug dead-letters an event; the "fix" is the real projection, which the district API's
replayer runs. The replayed read models must equal a clean rebuild with the fixed code, and a second
replay must change nothing.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from dataclasses import replace
from typing import Any

import pytest
from fastapi.testclient import TestClient

from services.district.projections import projections
from services.district.projections.community_grid import CommunityGrid
from services.district.queries import DistrictQueries
from services.grid.contract import contract as grid_contract
from services.grid.domain import Case
from shared.kernel.actor import Actor, pseudonym
from shared.platform.projector import ProjectorRuntime
from tests.kafka_helpers import read_topic, send_raw

TOPIC = "shequ.grid.v1"
DLQ = "shequ.district.dlq"
ACTOR = Actor(subject="s", role="community_staff", pseudonym=pseudonym("s")).as_event_metadata()


class GridWithABug(CommunityGrid):
    """The grid read model as a bad release shipped it: every resolution raises."""

    def _on_CaseResolved(self, doc: dict, envelope: Any, e: Any) -> None:  # noqa: N802
        raise KeyError("resolution_hours")


def buggy_projections() -> list[Any]:
    return [GridWithABug() if isinstance(p, CommunityGrid) else p for p in projections()]


def runtime(db: Any, bootstrap: str, models: list[Any], group: str) -> ProjectorRuntime:
    return ProjectorRuntime(db=db, projections=models, contracts={"grid": grid_contract.events}, topics=[TOPIC],
                            bootstrap_servers=bootstrap, group_id=group, dead_letter_topic=DLQ, batch_size=500,
                            member_name=group)


def envelopes() -> tuple[list[Any], bytes]:
    """Case A reported, resolved (the poison), closed; case B reported; and a message of an unknown type."""
    resolved = Case(community_id="jinpen", category="noise", description="a")
    resolved.resolve("fixed")
    resolved.close(4)
    other = Case(community_id="jinpen", category="sanitation", description="b")
    events = [grid_contract.to_envelope(replace(e, actor=ACTOR))
              for e in [*resolved.collect_events(), *other.collect_events()]]
    unknown = json.loads(events[0].to_bytes())
    unknown.update(type="shequ.grid.CaseTeleported.v1", subject="teleported-case")
    return events, json.dumps(unknown).encode()


def comparable(db: Any) -> dict[str, Any]:
    """The read models as the API serves them, and the documents without their write revisions."""
    queries = DistrictQueries(db)
    overview = queries.overview()
    overview.pop("freshness")
    community = queries.community("jinpen")
    community.pop("freshness", None)
    documents = {name: sorted(({k: v for k, v in d.items() if k != "_rev"} for d in db[name].find()),
                              key=lambda d: d["_id"])
                 for name in ("community_grid", "directory")}
    return {"overview": overview, "community": community, "documents": documents}


@pytest.fixture
def district(read_settings, mongo_client) -> TestClient:
    from bootstrap.runtime import build_district_http, build_verifier

    return TestClient(build_district_http(read_settings, mongo_client, {}, build_verifier(read_settings)),
                      raise_server_exceptions=False)


def test_a_poison_message_is_dead_lettered_replayed_once_after_the_fix_and_equals_a_clean_rebuild(
        read_db, read_settings, make_read_db, fresh_broker, district, auth):
    bootstrap = fresh_broker.bootstrap_servers
    events, unknown = envelopes()
    send_raw(bootstrap, TOPIC, [(e.subject.encode(), e.to_bytes()) for e in events[:3]] + [(b"k", unknown)]
             + [(events[3].subject.encode(), events[3].to_bytes())])
    live = runtime(read_db, bootstrap, buggy_projections(), "district-dlq-test")
    live.run(threading.Event(), until_caught_up=True)

    # Dead-lettered: on the topic (the contract), and recorded for operators with reason, place and age.
    assert len(read_topic(bootstrap, DLQ, expect=2)) == 2
    operator, admin = auth("district_operator", subject="operator-li"), auth("admin", subject="admin-wang")
    listed = district.get("/admin/dlq", headers=operator)
    assert listed.status_code == 200, listed.text
    rows = listed.json()["dead_letters"]
    assert sorted((r["topic"], r["event_type"]) for r in rows) == [
        (TOPIC, "shequ.grid.CaseResolved.v1"), (TOPIC, "shequ.grid.CaseTeleported.v1")]
    poison = next(r for r in rows if r["event_type"] == "shequ.grid.CaseResolved.v1")
    teleported = next(r for r in rows if r["event_type"] == "shequ.grid.CaseTeleported.v1")
    assert "projection community_grid failed: KeyError" in poison["reason"]
    assert "unknown event type" in teleported["reason"]
    assert poison["id"] == f"{TOPIC}:{poison['partition']}:{poison['offset']}"
    assert poison["age_seconds"] >= 0 and poison["status"] == "open" and poison["aggregate_version"] == 2
    assert listed.json()["depth"] == {"open": 2, "replayed": 0, "discarded": 0}
    shown = district.get(f"/admin/dlq/{poison['id']}", headers=operator).json()
    assert json.loads(shown["message"])["type"] == "shequ.grid.CaseResolved.v1"
    assert 'shequ_dead_letters{status="open"} 2.0' in district.get("/metrics").text

    # The later version of the same case was applied; the document names the version it lacks.
    grid = read_db["community_grid"].find_one({"_id": "jinpen"})
    assert grid["_seen"][events[0].subject] == 3 and grid["_gaps"] == {events[0].subject: [2]}
    assert DistrictQueries(read_db).overview()["grid"]["cases"]["resolved"] == 0

    # Who may do what: no token 401; a community's staff 403; the operator reads but may not replay or discard.
    assert district.get("/admin/dlq").status_code == 401
    assert district.get("/admin/dlq", headers=auth("community_staff", communities=["jinpen"])).status_code == 403
    assert district.post(f"/admin/dlq/{poison['id']}/replay", headers=operator).status_code == 403
    assert district.post(f"/admin/dlq/{poison['id']}/discard", headers=operator,
                         json={"reason": "x"}).status_code == 403
    assert district.get("/admin/dlq/shequ.grid.v1:0:999999", headers=operator).status_code == 404
    assert district.get("/admin/dlq", headers=operator, params={"status": "lost"}).status_code == 422

    # The fix is deployed (the district API runs the real projections): replay applies the resolution once.
    replayed = district.post(f"/admin/dlq/{poison['id']}/replay", headers=admin)
    assert replayed.status_code == 200, replayed.text
    assert replayed.json() == {"id": poison["id"], "outcome": "applied", "applied": 1, "duplicates": 0}
    after_replay = comparable(read_db)
    assert after_replay["overview"]["grid"]["cases"]["resolved"] == 1
    assert "_gaps" not in read_db["community_grid"].find_one({"_id": "jinpen"})

    # The same figures as a clean rebuild with the fixed code.
    clean = make_read_db()
    runtime(clean, bootstrap, projections(), "district-dlq-rebuild").rebuild(threading.Event())
    assert after_replay == comparable(clean)

    # A second replay changes nothing, not even a document revision.
    revisions = {d["_id"]: d["_rev"] for d in read_db["community_grid"].find()}
    again = district.post(f"/admin/dlq/{poison['id']}/replay", headers=admin).json()
    assert again == {"id": poison["id"], "outcome": "already_applied", "applied": 0, "duplicates": 1}
    assert comparable(read_db) == after_replay
    assert {d["_id"]: d["_rev"] for d in read_db["community_grid"].find()} == revisions
    history = district.get(f"/admin/dlq/{poison['id']}", headers=operator).json()
    assert history["status"] == "replayed"
    assert [(r["by"], r["outcome"]) for r in history["replays"]] == [
        ("admin-wang", "applied"), ("admin-wang", "already_applied")]

    # A message no release will read is discarded, with a reason; kept, marked, who, when and why.
    assert district.post(f"/admin/dlq/{teleported['id']}/discard", headers=admin, json={"reason": " "}
                         ).status_code == 422
    assert district.post(f"/admin/dlq/{teleported['id']}/replay", headers=admin).json()["outcome"] == "failed"
    discarded = district.post(f"/admin/dlq/{teleported['id']}/discard", headers=admin,
                              json={"reason": "test traffic from a retired producer"})
    assert discarded.status_code == 200, discarded.text
    record = discarded.json()
    assert record["status"] == "discarded"
    assert record["discarded"]["by"] == "admin-wang" and record["discarded"]["at"]
    assert record["discarded"]["reason"] == "test traffic from a retired producer"
    assert district.post(f"/admin/dlq/{teleported['id']}/replay", headers=admin).status_code == 409
    assert district.post(f"/admin/dlq/{teleported['id']}/discard", headers=admin,
                         json={"reason": "again"}).status_code == 409
    assert district.get("/admin/dlq", headers=operator).json() == {
        "dead_letters": [], "depth": {"open": 0, "replayed": 1, "discarded": 1}}
    assert sorted(r["id"] for r in district.get("/admin/dlq", headers=operator, params={"status": "all"}
                                                ).json()["dead_letters"]) == sorted([poison["id"], teleported["id"]])
    metrics = district.get("/metrics").text
    assert 'shequ_dead_letters{status="open"} 0.0' in metrics
    assert 'shequ_dead_letters{status="discarded"} 1.0' in metrics

    # The projector meeting the message again (a redelivery) neither reopens nor double-counts anything.
    runtime(read_db, bootstrap, projections(), "district-dlq-second-group").run(threading.Event(),
                                                                               until_caught_up=True)
    assert comparable(read_db) == after_replay
    assert district.get("/admin/dlq", headers=operator).json()["depth"] == {"open": 0, "replayed": 1,
                                                                             "discarded": 1}


def test_the_cli_lists_shows_replays_and_discards(read_db, read_settings, fresh_broker, mongo_url):
    bootstrap = fresh_broker.bootstrap_servers
    events, unknown = envelopes()
    send_raw(bootstrap, TOPIC, [(e.subject.encode(), e.to_bytes()) for e in events[:3]] + [(b"k", unknown)])
    runtime(read_db, bootstrap, buggy_projections(), "district-dlq-cli").run(threading.Event(), until_caught_up=True)
    env = {**os.environ, "MONGO_URL": mongo_url, "MONGO_DATABASE": read_db.name,
           "SHEQU_DATA_DIR": str(read_settings.data_dir)}

    def shequ(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run([sys.executable, "-m", "bootstrap.cli", "dlq", *args], capture_output=True,
                              text=True, env=env, timeout=120)

    listed = shequ("list", "--json")
    assert listed.returncode == 0, listed.stderr
    rows = {r["event_type"]: r for r in json.loads(listed.stdout)["dead_letters"]}
    assert set(rows) == {"shequ.grid.CaseResolved.v1", "shequ.grid.CaseTeleported.v1"}
    table = shequ("list")
    assert rows["shequ.grid.CaseResolved.v1"]["id"] in table.stdout and "open: 2" in table.stderr
    poison, teleported = rows["shequ.grid.CaseResolved.v1"]["id"], rows["shequ.grid.CaseTeleported.v1"]["id"]
    assert json.loads(shequ("show", poison).stdout)["aggregate_version"] == 2
    assert shequ("show", "nope:0:1").returncode == 1

    replayed = shequ("replay", poison, "--by", "ops-zhao")
    assert replayed.returncode == 0, replayed.stderr
    assert json.loads(replayed.stdout)[0]["outcome"] == "applied"
    assert DistrictQueries(read_db).overview()["grid"]["cases"]["resolved"] == 1
    assert json.loads(shequ("replay", poison).stdout)[0]["outcome"] == "already_applied"
    assert DistrictQueries(read_db).overview()["grid"]["cases"]["resolved"] == 1

    assert shequ("replay", "--all").returncode == 1  # the unknown type still cannot be read: still open
    assert shequ("discard", teleported, "--reason", "").returncode == 1
    discarded = shequ("discard", teleported, "--reason", "a producer's test message", "--by", "ops-zhao")
    assert discarded.returncode == 0, discarded.stderr
    assert json.loads(discarded.stdout)["discarded"]["by"] == "ops-zhao"
    assert json.loads(shequ("list", "--json").stdout)["depth"] == {"open": 0, "replayed": 1, "discarded": 1}
