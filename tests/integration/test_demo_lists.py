"""The demo district's whole history projects into every service's query tables, and every list answers with
rows for the communities the demo seeds (each route found from the apps, as the scoping test finds them)."""

from __future__ import annotations

from datetime import UTC, datetime

from fastapi.testclient import TestClient

from bootstrap.demo import seed_district
from bootstrap.registry import domain_services
from bootstrap.runtime import build_service, build_verifier
from shared.platform.auth import DevelopmentKeys
from shared.platform.settings import Settings
from tests.unit.test_list_scoping import FILL

NOW = datetime(2026, 11, 20, 6, 30, tzinfo=UTC)


def test_every_list_answers_over_the_seeded_demo(tmp_path):
    settings = Settings(SHEQU_DATA_DIR=tmp_path / "data")
    seeding = {d.name: d.application_class(env=settings.event_store_env(d.name)) for d in domain_services()}
    try:
        report = seed_district(seeding, communities=2, seed=5, now=NOW)
    finally:
        for app in seeding.values():
            app.close()
    token = DevelopmentKeys(settings.data_dir).mint(
        "officer", ["community_staff", "welfare_officer"], report.communities)
    headers = {"Authorization": f"Bearer {token}"}
    answered = {}
    for definition in domain_services():
        running = build_service(definition, settings, None, build_verifier(settings), with_relay=False)
        try:
            if running.query_tables is None:
                continue
            assert running.query_tables.catch_up() == running.application.recorder.max_notification_id()
            client = TestClient(running.http)
            for path, operations in client.app.openapi()["paths"].items():
                if "get" not in operations or "{" in path:
                    continue
                response = client.get(path, headers=headers)
                body = response.json() if response.status_code == 200 else None
                if isinstance(body, dict) and "items" in body:
                    answered[(definition.name, path)] = len(body["items"])
                    assert {i["community_id"] for i in body["items"]} <= set(report.communities)
        finally:
            running.application.close()
    assert set(answered) == set(FILL), sorted(answered)
    assert [route for route, count in answered.items() if count == 0] == [], "a list with no rows over the demo"
