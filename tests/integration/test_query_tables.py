"""Query tables on real databases (SQLite and PostgreSQL): the live runner thread and a rebuild agree, and
the tracked position survives a restart (nothing applied twice)."""

from __future__ import annotations

import threading

import pytest

from bootstrap.runtime import BackgroundWorkers, build_service, build_verifier
from services.grid.config import SERVICE as GRID
from shared.platform.auth import DevelopmentKeys
from shared.platform.settings import Settings

COMMUNITY = {"district": "Leiyang", "households": 100, "residents": 300, "floating_population": 10}


@pytest.fixture(params=["sqlite", "postgres"])
def store_settings(request, tmp_path) -> Settings:
    overrides = request.getfixturevalue("postgres_env") if request.param == "postgres" else {}
    return Settings(SHEQU_DATA_DIR=tmp_path / "data", **overrides)


def all_rows(running) -> dict[str, list[dict]]:
    view = running.query_tables.view
    return {t.name: view.select(f"SELECT * FROM {{{t.name}}} ORDER BY id", []) for t in view.tables}


def wait_until_current(running, stop: threading.Event) -> None:
    newest = running.application.recorder.max_notification_id()
    while running.query_tables.position() < newest:
        assert not stop.wait(0.05), "stopped"
        assert running.query_tables.failed is None, running.query_tables.failed


def write_history(http, headers) -> None:
    from fastapi.testclient import TestClient

    client = TestClient(http)
    for community_id in ("jinpen", "huasheng"):
        assert client.post("/communities", json={"id": community_id, "name": community_id, **COMMUNITY},
                           headers=headers).status_code == 201
    for i in range(30):
        response = client.post("/cases", headers=headers, json={
            "community_id": ("jinpen", "huasheng")[i % 2], "category": ("noise", "drainage")[i % 2],
            "description": f"case {i}"})
        assert response.status_code == 201, response.text
        case_id = response.json()["id"]
        if i % 3:
            assert client.post(f"/cases/{case_id}/accept", headers=headers).status_code == 200
        if i % 3 == 2:
            assert client.post(f"/cases/{case_id}/assign", json={"worker_id": f"w{i}"},
                               headers=headers).status_code == 200
        if i % 5 == 0:
            assert client.post(f"/cases/{case_id}/resolve", json={"outcome": "done"},
                               headers=headers).status_code == 200
    for _ in range(3):
        body = {"community_id": "jinpen", "dispute_type": "family", "parties": 3}
        assert client.post("/mediations", json=body, headers=headers).status_code == 201


def test_rebuild_equals_live_and_the_position_survives_a_restart(store_settings):
    verifier = build_verifier(store_settings)
    headers = {"Authorization": f"Bearer {DevelopmentKeys(store_settings.data_dir).mint('t', ['admin'], ['*'])}"}
    running = build_service(GRID, store_settings, None, verifier, with_relay=False)
    workers = BackgroundWorkers()
    try:
        running.start(workers)  # the live runner follows the log while the commands are stored
        write_history(running.http, headers)
        wait_until_current(running, workers.stop_event)
        workers.stop()
        live = all_rows(running)
        assert len(live["grid_cases"]) == 30 and len(live["grid_mediations"]) == 3
        assert {r["status"] for r in live["grid_cases"]} == {"reported", "accepted", "assigned", "resolved"}

        # A second process on the same store starts from the recorded position: nothing to apply again.
        restarted = build_service(GRID, store_settings, None, verifier, with_relay=False)
        try:
            assert restarted.query_tables.position() == running.query_tables.position()
            assert restarted.query_tables.catch_up() == 0
            assert all_rows(restarted) == live
        finally:
            restarted.application.close()

        replayed = running.query_tables.rebuild()
        assert replayed == running.application.recorder.max_notification_id()
        assert all_rows(running) == live
    finally:
        workers.stop()
        running.application.close()
