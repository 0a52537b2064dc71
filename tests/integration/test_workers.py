"""Two HTTP worker processes on one event store (`shequ serve grid --workers 2`), SQLite and PostgreSQL.

Bursts of concurrent commands on ONE aggregate (a community's directory entry), released together by a
barrier, so that both processes load the same version and race to save it. Every answer is 200 or 409;
every 200 is in the store (its version and its value, in order: no lost update), and the request counter
of /metrics, added up over the processes, counts every request once.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx

from services.grid.application import GridApplication
from shared.platform.auth import DevelopmentKeys
from shared.platform.broker import free_port
from shared.platform.settings import Settings

BURSTS, CLIENTS = 6, 8


def _serve_grid(data_dir: Path, bootstrap: str, extra_env: dict[str, str]) -> tuple[subprocess.Popen, str]:
    port = free_port()
    env = {**os.environ, "SHEQU_DATA_DIR": str(data_dir), "KAFKA_BOOTSTRAP_SERVERS": bootstrap,
           "LOG_LEVEL": "WARNING", **extra_env}
    env.pop("PROMETHEUS_MULTIPROC_DIR", None)
    process = subprocess.Popen([sys.executable, "-m", "bootstrap.cli", "serve", "grid", "--host", "127.0.0.1",
                                "--port", str(port), "--workers", "2"], env=env, stdout=subprocess.DEVNULL,
                               stderr=open(data_dir / "serve.log", "wb"))  # noqa: SIM115
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        assert process.poll() is None, (data_dir / "serve.log").read_text()
        try:
            if httpx.get(f"{base}/healthz", timeout=2).status_code == 200:
                return process, base
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    process.kill()
    raise AssertionError("shequ serve grid --workers 2 did not start")


def _race_on_one_aggregate(base: str, admin: dict[str, str]) -> list[httpx.Response]:
    created = httpx.post(f"{base}/communities", headers=admin, json={
        "id": "race", "name": "Race", "district": "Leiyang", "households": 1, "residents": 1})
    assert created.status_code == 201, created.text
    answers: list[httpx.Response] = []
    lock = threading.Lock()
    barrier = threading.Barrier(CLIENTS)

    def client(n: int) -> None:
        # A new connection per request ("Connection: close"), so the kernel hands them to either worker.
        with httpx.Client(base_url=base, headers={**admin, "Connection": "close"}, timeout=30) as http:
            for burst in range(BURSTS):
                barrier.wait(30)
                answer = http.patch("/communities/race", json={"households": 1000 + burst * CLIENTS + n})
                with lock:
                    answers.append(answer)

    threads = [threading.Thread(target=client, args=(n,)) for n in range(CLIENTS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    assert len(answers) == BURSTS * CLIENTS
    return answers


def _requests_counted(base: str) -> tuple[float, float]:
    """(PATCH /communities/{community_id} answered 200, answered 409), from /metrics summed over processes."""
    text = httpx.get(f"{base}/metrics", timeout=10).text
    counted = {}
    for status in ("200", "409"):
        pattern = (r'^shequ_http_requests_total\{method="PATCH",route="/communities/\{community_id\}",'
                   rf'service="grid",status="{status}"\}} ([0-9.e+]+)$')
        found = re.search(pattern, text, re.MULTILINE)
        counted[status] = float(found.group(1)) if found else 0.0
    return counted["200"], counted["409"]


def _check_two_workers_one_store(tmp_path: Path, broker, extra_env: dict[str, str]) -> None:  # noqa: ANN001
    data_dir = tmp_path / "data"
    keys = DevelopmentKeys(data_dir)  # before the server starts: every process verifies with this key
    admin = {"Authorization": f"Bearer {keys.mint('race-admin', ['admin'], ['*'])}"}
    process, base = _serve_grid(data_dir, broker.bootstrap_servers, extra_env)
    try:
        answers = _race_on_one_aggregate(base, admin)
        statuses = [a.status_code for a in answers]
        assert set(statuses) <= {200, 409}, [a.text for a in answers if a.status_code not in (200, 409)]
        won = sorted((a.json()["version"], a.json()["households"]) for a in answers if a.status_code == 200)
        conflicts = statuses.count(409)
        assert won and conflicts, f"the race did not race: {len(won)} stored, {conflicts} conflicts"
        assert all("concurrent" in a.json()["detail"] for a in answers if a.status_code == 409)
        assert _requests_counted(base) == (len(won), conflicts)
        served_by = {p.name.split("_")[-1] for p in (data_dir / "metrics").glob("histogram_*.db")}
        assert len(served_by) >= 2, f"only {served_by} served requests"
    finally:
        process.terminate()
        process.wait(30)
    env = Settings(SHEQU_DATA_DIR=data_dir, **extra_env).event_store_env("grid")
    grid = GridApplication(env=env)
    try:
        community = grid.community("race")
        stored = [(e.originator_version, getattr(e, "households", None))
                  for e in grid.repository.event_store.get(community.id)][1:]
        assert stored == won  # every 200 is in the store, in version order; nothing else was stored
        assert community.version == 1 + len(won)
    finally:
        grid.close()


def test_two_workers_on_one_sqlite_store_store_every_success_and_answer_conflicts_409(tmp_path, broker):
    _check_two_workers_one_store(tmp_path, broker, {})


def test_two_workers_on_one_postgres_store_store_every_success_and_answer_conflicts_409(tmp_path, broker,
                                                                                        postgres_env):
    _check_two_workers_one_store(tmp_path, broker, postgres_env)
