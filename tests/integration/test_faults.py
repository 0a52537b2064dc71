"""Fault injection: each fault of the reliability issue is one deterministic, bounded test.

| fault | test |
|---|---|
| projector SIGKILLed mid-batch, restarted | test_projector_killed_mid_batch_then_restarted_equals_a_clean_rebuild |
| broker stopped while commands keep coming | test_broker_outage_commands_accepted_then_relay_catches_up_exactly |
| service SIGKILLed mid-command, client retries with its Idempotency-Key | test_service_killed_mid_command_retry_with_the_same_key_* |
| PostgreSQL restarted under load | test_postgres_restart_under_load_503_with_retry_after_then_success |
| two concurrent commands on one aggregate | test_two_concurrent_commands_on_one_aggregate_one_wins_one_409 |
| poison messages | test_poison_messages_are_dead_lettered_and_the_live_projector_keeps_going (and, decoded reason by |
|  | reason, tests/integration/test_projector.py::test_malformed_messages_go_to_the_dead_letter_topic_and_the_next_is_applied) |

No test asserts wall-clock time; waits are bounded and fail with the last value seen.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
import uuid
from dataclasses import replace
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient

from services.district.queries import DistrictQueries
from services.district.projections import projections
from services.grid.contract import contract as grid_contract
from services.grid.domain import Case
from bootstrap.registry import domain_services
from shared.kernel.actor import pseudonym
from shared.platform.broker import EmbeddedBroker, free_port
from shared.kernel.actor import Actor
from shared.platform.kafka import KafkaAdmin
from shared.platform.changelog import CHANGES_COLLECTION
from shared.platform.projector import ProjectorRuntime
from shared.platform.settings import Settings
from tests.kafka_helpers import read_topic, send_raw, wait_for

ROOT = Path(__file__).resolve().parents[2]
ACTOR = Actor(subject="s", role="community_staff", pseudonym=pseudonym("s")).as_event_metadata()
CASE = {"community_id": "jinpen", "category": "noise", "description": "fault injection"}
TOPICS = [f"shequ.{d.name}.v1" for d in domain_services()]
DLQ = "shequ.district.dlq"


def case_envelopes(community: str, n: int, resolve: int = 0) -> list:
    out = []
    for i in range(n):
        case = Case(community_id=community, category="noise", description=f"c{i}")
        if i < resolve:
            case.resolve("done")
        out.extend(grid_contract.to_envelope(replace(e, actor=ACTOR)) for e in case.collect_events())
    return out


def read_models(db) -> dict:
    """Every read-model document but the projector's status and the change log, without the write revision
    (batching-dependent)."""
    models = {name: {d["_id"]: {k: v for k, v in d.items() if k != "_rev"} for d in db[name].find()}
              for name in sorted(db.list_collection_names()) if name not in ("projector_status", CHANGES_COLLECTION)}
    return {name: docs for name, docs in models.items() if docs}


def clean_rebuild(bootstrap: str, db) -> dict:  # noqa: ANN001
    definitions = domain_services()
    runtime = ProjectorRuntime(db=db, projections=projections(),
                               contracts={d.name: d.contract.events for d in definitions}, topics=TOPICS,
                               bootstrap_servers=bootstrap, group_id="unused", dead_letter_topic=DLQ,
                               member_name="clean-rebuild")
    runtime.rebuild(threading.Event())
    return read_models(db)


# -- 1. the projector killed mid-batch ------------------------------------------------------------

def test_projector_killed_mid_batch_then_restarted_equals_a_clean_rebuild(tmp_path, fresh_broker, mongo_url, read_db,
                                                                           make_read_db):
    """A projector process is SIGKILLed in the middle of applying a batch, then restarted.

    The projector runs as a real process (tests/faults/projector_proc.py) on the real
    read-store server (every acknowledged document write is on disk, as with MongoDB). It
    sends its bulk writes one document at a time and stops itself after the 7th document
    write of its first batch, i.e. with part of
    the batch's documents written and none of its offsets committed, and is killed
    there with SIGKILL (no clean-up runs). The restarted process gets the whole batch
    again from the last committed offsets: the documents already written skip the
    events they hold (their `_seen` versions), the others apply them. Its read models
    must equal, document by document, a clean rebuild from offset 0.
    """
    bootstrap = fresh_broker.bootstrap_servers
    admin = KafkaAdmin(bootstrap)
    admin.ensure_topics(TOPICS, 3, 1)
    admin.close()
    envelopes = [e for i in range(20) for e in case_envelopes(f"c{i:02d}", 3 + i % 4, resolve=i % 3)]
    send_raw(bootstrap, "shequ.grid.v1", [(e.subject.encode(), e.to_bytes()) for e in envelopes])
    marker = tmp_path / "killed-here"
    command = [sys.executable, "-m", "tests.faults.projector_proc", bootstrap, mongo_url, read_db.name, "fault-group"]
    first = subprocess.Popen([*command, "7", str(marker)], cwd=ROOT)
    try:
        wait_for(lambda: marker.exists() or first.poll() is not None, timeout=60)
        assert marker.exists(), f"the projector exited ({first.returncode}) before reaching mid-batch"
        os.kill(first.pid, signal.SIGKILL)
        first.wait(10)
    finally:
        if first.poll() is None:
            first.kill()
    assert first.returncode == -signal.SIGKILL
    written_before_kill = read_models(read_db)
    assert 0 < sum(len(docs) for docs in written_before_kill.values()) < 20  # mid-batch: some documents only
    restarted = subprocess.run(command, cwd=ROOT, timeout=120, capture_output=True, text=True)
    assert restarted.returncode == 0, restarted.stderr[-2000:]
    assert "caught up" in restarted.stdout
    recovered = read_models(read_db)
    assert recovered == clean_rebuild(bootstrap, make_read_db())
    cases = DistrictQueries(read_db).overview()["grid"]["cases"]
    assert cases["reported"] == sum(3 + i % 4 for i in range(20))


# -- 2. the broker stopped while commands keep coming ----------------------------------------------

@pytest.fixture
def platform(read_settings, fresh_broker):
    from bootstrap.runtime import Platform

    running = Platform(read_settings, fresh_broker.bootstrap_servers, domain_services()).build()
    running.start_workers()
    yield running
    running.stop()


def test_broker_outage_commands_accepted_then_relay_catches_up_exactly(platform, fresh_broker, auth, make_read_db):
    """The event store is the outbox: with the broker gone commands are still accepted, and when a broker
    comes back on the same address the relay publishes what it missed; the read models then hold every
    command exactly once (equal to a clean rebuild)."""
    http = TestClient(platform.http, raise_server_exceptions=False)
    staff, operator = auth("community_staff", communities=["*"]), auth("district_operator")

    def reported() -> int:
        grid = DistrictQueries(platform.read_client[platform.settings.mongo_database]).overview()["grid"]
        return grid.get("cases", {}).get("reported", 0)

    def post(n: int, community: str) -> None:
        for _ in range(n):
            response = http.post("/grid/cases", json={**CASE, "community_id": community}, headers=staff)
            assert response.status_code == 201, response.text

    post(5, "jinpen")
    wait_for(lambda: reported() == 5, timeout=30)
    port = fresh_broker.port
    fresh_broker.stop()
    post(7, "huasheng")  # accepted while there is no broker at all
    post(3, "jinpen")
    assert http.get("/grid/readyz").status_code == 503  # the broker is not reachable
    assert reported() == 5
    returned = EmbeddedBroker(port=port).start()
    try:
        wait_for(lambda: reported() == 15, timeout=60)
        time.sleep(2)  # nothing more arrives: no duplicates
        assert reported() == 15
        live = read_models(platform.read_client[platform.settings.mongo_database])
        assert live == clean_rebuild(returned.bootstrap_servers, make_read_db())
        overview = http.get("/district/overview", headers=operator).json()
        assert overview["grid"]["cases"]["reported"] == 15
    finally:
        platform.stop()
        returned.stop()


# -- 3. a service killed mid-command; the client retries with its Idempotency-Key ----------------------------

def _start_demo(data_dir: Path, port: int, extra_env: dict[str, str]) -> tuple[subprocess.Popen, dict[str, str]]:
    env = {**os.environ, "SHEQU_DATA_DIR": str(data_dir), "PYTHONUNBUFFERED": "1", **extra_env}
    env.pop("KAFKA_BOOTSTRAP_SERVERS", None)
    env.pop("MONGO_URL", None)
    process = subprocess.Popen([sys.executable, "-m", "bootstrap.cli", "demo", "--port", str(port), "--no-seed"],
                               stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, env=env, text=True, cwd=ROOT)
    found: dict[str, str] = {}
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline and "SHEQU_READY" not in found:
        line = process.stdout.readline()
        if not line:
            break
        key, _, value = line.strip().partition("=") if "=" in line else (line.split(" ")[0], "", line.strip())
        found[key.split(" ")[0]] = value
    if "SHEQU_READY" not in found:
        process.kill()
        raise AssertionError(f"shequ demo did not start; printed {found}")
    return process, found


def _stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        process.send_signal(signal.SIGINT)
        try:
            process.wait(20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(10)


def _case_ids(data_dir: Path) -> set[str]:
    from services.grid.application import GridApplication

    app = GridApplication(env=Settings(SHEQU_DATA_DIR=data_dir).event_store_env("grid"))
    try:
        events = [app.mapper.to_domain_event(n) for n in app.recorder.select_notifications(start=1, limit=10_000)]
        return {str(e.originator_id) for e in events if type(e).__qualname__ == "Case.Reported"
                or (type(e).__qualname__.startswith("Case.") and e.originator_version == 1)}
    finally:
        app.close()


@pytest.mark.e2e
@pytest.mark.parametrize("hang_at", ["after", "before"])
def test_service_killed_mid_command_retry_with_the_same_key_creates_one_case(tmp_path, hang_at):
    """`shequ demo` is SIGKILLed while handling `POST /grid/cases` (key K): with SHEQU_FAULT_HANG_KEY=K the
    process stops inside the command, just after its save committed ("after": the client never got the
    answer) or just before it ("before": nothing stored), and is killed there. Restarted on the same data
    dir, the client's retry with K answers 201 with one case id, and the store holds exactly one case
    (no partial aggregate, no second one); "after" answers as a replay of the first attempt."""
    data_dir, marker, port = tmp_path / "data", tmp_path / "in-command", free_port()
    key = f"fault-{uuid.uuid4().hex[:8]}"
    process, printed = _start_demo(data_dir, port, {"SHEQU_FAULT_HANG_KEY": key, "SHEQU_FAULT_HANG_AT": hang_at,
                                                    "SHEQU_FAULT_MARKER": str(marker)})
    headers = {"Authorization": f"Bearer {printed['SHEQU_STAFF_TOKEN']}", "Idempotency-Key": key}
    base = f"http://127.0.0.1:{port}"
    failed: list[BaseException] = []

    def send() -> None:
        try:
            httpx.post(f"{base}/grid/cases", json=CASE, headers=headers, timeout=60)
        except httpx.HTTPError as exc:
            failed.append(exc)

    client = threading.Thread(target=send)
    client.start()
    try:
        wait_for(marker.exists, timeout=30)
        assert marker.read_text() == hang_at
        os.kill(process.pid, signal.SIGKILL)
        process.wait(10)
        client.join(30)
        assert failed, "the client must not have had an answer"
    finally:
        if process.poll() is None:
            process.kill()
            process.wait(10)
    wait_for(lambda: not _port_busy(port), timeout=10)
    stored = _case_ids(data_dir)
    assert len(stored) == (1 if hang_at == "after" else 0)
    process, printed = _start_demo(data_dir, port, {})
    try:
        retry = httpx.post(f"{base}/grid/cases", json=CASE, headers=headers, timeout=30)
        assert retry.status_code == 201, retry.text
        assert (retry.headers.get("Idempotent-Replayed") == "true") == (hang_at == "after")
        again = httpx.post(f"{base}/grid/cases", json=CASE, headers=headers, timeout=30)
        assert again.json() == retry.json() and again.headers["Idempotent-Replayed"] == "true"
        operator = {"Authorization": f"Bearer {printed['SHEQU_OPERATOR_TOKEN']}"}
        wait_for(lambda: httpx.get(f"{base}/district/overview", headers=operator).json()["grid"]
                 .get("cases", {}).get("reported") == 1, timeout=30)
    finally:
        _stop(process)
    assert _case_ids(data_dir) == {retry.json()["id"]}


def _port_busy(port: int) -> bool:
    import socket

    with socket.socket() as sock:
        return sock.connect_ex(("127.0.0.1", port)) == 0


# -- 4. PostgreSQL restarted under load ---------------------------------------------------------------

def _pg(action: str) -> None:
    subprocess.run(["pg_ctlcluster", "--skip-systemctl-redirect", "15", "main", action, *(
        ["-m", "fast"] if action == "stop" else [])], check=True, timeout=60, capture_output=True)


def _pg_is_up() -> bool:
    return subprocess.run(["pg_isready", "-h", "127.0.0.1", "-p", "5432", "-t", "1"], capture_output=True,
                          timeout=10).returncode == 0


@pytest.fixture
def postgres_grid(postgres_env, tmp_path):
    from services.grid.config import SERVICE as GRID
    from bootstrap.runtime import build_service, build_verifier

    if os.geteuid() != 0 or not Path("/etc/postgresql/15/main").exists():
        pytest.skip("restarting the PostgreSQL cluster needs root and the local cluster 15/main")
    settings = Settings(SHEQU_DATA_DIR=tmp_path / "data", **postgres_env)
    running = build_service(GRID, settings, None, build_verifier(settings), with_relay=False)
    yield running, settings
    running.application.close()


def test_postgres_restart_under_load_503_with_retry_after_then_success(postgres_grid, auth):
    """Commands keep coming while the PostgreSQL server is stopped and started again.

    Meanwhile commands fail with 503 and `Retry-After` (the first after the library's bounded retries,
    the following at once: the store is marked down and probed); afterwards they succeed. Every client
    retries with its own Idempotency-Key, so the store ends with exactly one case per key: nothing lost,
    nothing doubled. The cluster is started again in any case (it is shared with other tests).
    """
    running, _ = postgres_grid
    http = TestClient(running.http, raise_server_exceptions=False)
    staff = auth("community_staff")
    outcomes: list[tuple[str, int, str | None]] = []
    done: dict[str, str] = {}
    stop = threading.Event()

    def client(n: int) -> None:
        i = 0
        while not stop.is_set():
            key = f"load-{n}-{i}"
            for _attempt in range(100):
                response = http.post("/cases", json=CASE, headers={**staff, "Idempotency-Key": key})
                outcomes.append((key, response.status_code, response.headers.get("retry-after")))
                if response.status_code == 201:
                    done[key] = response.json()["id"]
                    break
                assert response.status_code == 503, response.text
                stop.wait(0.2)  # a real client honours Retry-After; shortened here
            i += 1

    clients = [threading.Thread(target=client, args=(n,)) for n in range(4)]
    for t in clients:
        t.start()
    try:
        wait_for(lambda: len(done) >= 8, timeout=30)
        _pg("stop")
        try:
            wait_for(lambda: sum(1 for _, status, _ in outcomes if status == 503) >= 3, timeout=60)
        finally:
            _pg("start")
        wait_for(_pg_is_up, timeout=30)
        accepted = len(done)
        wait_for(lambda: len(done) >= accepted + 8, timeout=60)
    finally:
        stop.set()
        for t in clients:
            t.join(60)
        if not _pg_is_up():
            _pg("start")
    unavailable = [o for o in outcomes if o[1] == 503]
    assert unavailable and all(retry_after == "2" for _, _, retry_after in unavailable)
    assert {status for _, status, _ in outcomes} <= {201, 503}
    assert http.get("/readyz").status_code == 200
    app = running.application
    events = [app.mapper.to_domain_event(n) for n in app.recorder.select_notifications(start=1, limit=100_000)]
    cases = {str(e.originator_id) for e in events if type(e).__qualname__.startswith("Case.")}
    assert cases == set(done.values())  # one case per key that was answered 201
    assert len(cases) == len(done)


# -- 5. two concurrent commands on one aggregate ------------------------------------------------------

def test_two_concurrent_commands_on_one_aggregate_one_wins_one_409(postgres_env, tmp_path, auth):
    """Both commands load the case at version 1 before either saves (a barrier in front of `save` makes the
    interleaving certain), so both pass the domain's rules; PostgreSQL's unique (aggregate, version) lets
    one save win and the other is answered 409. The case stays valid: version 2, one resolution."""
    from services.grid.config import SERVICE as GRID
    from bootstrap.runtime import build_service, build_verifier

    settings = Settings(SHEQU_DATA_DIR=tmp_path / "data", **postgres_env)
    running = build_service(GRID, settings, None, build_verifier(settings), with_relay=False)
    try:
        http = TestClient(running.http, raise_server_exceptions=False)
        staff = auth("community_staff", "grid_worker")
        case_id = http.post("/cases", json=CASE, headers=staff).json()["id"]
        app = running.application
        barrier = threading.Barrier(2, timeout=30)
        original_save = app.save

        def save_after_both_loaded(*objs, **kwargs):
            barrier.wait()
            return original_save(*objs, **kwargs)

        app.save = save_after_both_loaded
        answers: list[httpx.Response] = []
        outcomes = ["fixed by A", "fixed by B"]
        threads = [threading.Thread(target=lambda o=o: answers.append(
            http.post(f"/cases/{case_id}/resolve", json={"outcome": o}, headers=staff))) for o in outcomes]
        for t in threads:
            t.start()
        for t in threads:
            t.join(60)
        app.save = original_save
        assert sorted(a.status_code for a in answers) == [200, 409], [a.text for a in answers]
        loser = next(a for a in answers if a.status_code == 409)
        assert "concurrent" in loser.json()["detail"]
        case = app.repository.get(uuid.UUID(case_id))
        assert case.version == 2
        events = [app.mapper.to_domain_event(n) for n in app.recorder.select_notifications(start=1, limit=100)]
        assert [type(e).__qualname__ for e in events] == ["Case.Reported", "Case.Resolved"]
        assert events[1].outcome in outcomes
        assert http.get(f"/cases/{case_id}", headers=staff).json()["status"] == "resolved"
    finally:
        running.application.close()


# -- 6. poison messages ----------------------------------------------------------------------------------

def test_poison_messages_are_dead_lettered_and_the_live_projector_keeps_going(fresh_broker, read_db):
    """Bad JSON, a wrong schema and an unknown type, between good events, reach a running projector:
    the three go to the dead-letter topic with their reason; every good event is applied."""
    bootstrap = fresh_broker.bootstrap_servers
    db = read_db
    runtime = ProjectorRuntime(db=db, projections=projections(), contracts={"grid": grid_contract.events},
                               topics=["shequ.grid.v1"], bootstrap_servers=bootstrap, group_id="poison",
                               dead_letter_topic=DLQ, batch_size=100)
    stop = threading.Event()
    worker = threading.Thread(target=runtime.run, args=(stop,), daemon=True)
    worker.start()
    try:
        good = case_envelopes("jinpen", 4)
        wrong_schema = json.loads(good[0].to_bytes())
        wrong_schema["subject"], wrong_schema["data"]["category"] = "another", "not-a-category"
        unknown = {**json.loads(good[0].to_bytes()), "type": "shequ.grid.CaseTeleported.v1"}
        send_raw(bootstrap, "shequ.grid.v1", [(good[0].subject.encode(), good[0].to_bytes()), (b"k", b"{not json"),
                                              (good[1].subject.encode(), good[1].to_bytes()),
                                              (b"k", json.dumps(wrong_schema).encode()),
                                              (b"k", json.dumps(unknown).encode())])
        queries = DistrictQueries(db)
        wait_for(lambda: queries.overview()["grid"].get("cases", {}).get("reported") == 2, timeout=30)
        send_raw(bootstrap, "shequ.grid.v1", [(e.subject.encode(), e.to_bytes()) for e in good[2:]])
        wait_for(lambda: queries.overview()["grid"]["cases"]["reported"] == 4, timeout=30)
        assert worker.is_alive()
        dead = read_topic(bootstrap, DLQ, expect=3)
        reasons = sorted(dict(m.headers)["dlq_reason"].decode()[:20] for m in dead)
        assert len(dead) == 3, reasons
        assert runtime.totals.dead_lettered == 3 and runtime.totals.applied == 4
    finally:
        stop.set()
        worker.join(15)
