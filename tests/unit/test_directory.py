"""Services other than grid check community ids against the directory they learned from grid's events."""

from __future__ import annotations

import pytest

from services.economy.config import SERVICE as ECONOMY
from services.grid.commands import RegisterCommunity
from services.volunteering.config import SERVICE as VOLUNTEERING
from services.welfare.config import SERVICE as WELFARE
from shared.kernel.directory import KnownCommunity
from shared.platform.directory import learn

UNKNOWN_WRITES = [
    (ECONOMY, "community_staff", "/communities/nowhere/enterprises",
     {"name": "Nowhere Motors", "sector": "manufacturing", "registered_on": "2020-01-01"}),
    (WELFARE, "welfare_officer", "/persons",
     {"community_id": "nowhere", "name": "张三", "national_id": "11010519491231002X", "phone": "13800000000",
      "address": "x", "birth_date": "1950-01-01", "categories": []}),
    (VOLUNTEERING, "community_staff", "/volunteers",
     {"community_id": "nowhere", "name": "李四", "phone": "13900000000", "skills": ["law"]}),
]


@pytest.mark.parametrize(("definition", "role", "path", "body"), UNKNOWN_WRITES, ids=lambda v: getattr(v, "name", ""))
def test_an_unknown_community_is_422_with_a_clear_message_and_writes_nothing(
        service_client, auth, definition, role, path, body):
    client = service_client(definition)
    response = client.post(path, json=body, headers=auth(role, communities=["*"]))
    assert response.status_code == 422, response.text
    assert "'nowhere' is not in the district directory" in response.json()["detail"]
    assert response.json()["field"] == "community_id"
    assert (client.application.recorder.max_notification_id() or 0) == client.baseline
    learn(client.application, "nowhere", "无处社区", 100)  # grid registered it meanwhile
    assert client.post(path, json=body, headers=auth(role, communities=["*"])).status_code == 201


def test_learning_is_idempotent_and_follows_updates(service_client):
    app = service_client(ECONOMY).application
    before = app.recorder.max_notification_id()
    learn(app, "newtown", "新城社区", 5000)
    learn(app, "newtown", "新城社区", 5000)  # redelivered: nothing stored
    assert app.recorder.max_notification_id() == before + 1
    learn(app, "newtown", "新城社区", 5200)  # details updated
    entry = app.repository.get(KnownCommunity.create_id("newtown"))
    assert (entry.residents, entry.version) == (5200, 2)


def test_directory_entries_are_never_published(service_client):
    app = service_client(ECONOMY).application
    learn(app, "newtown", "新城社区", 5000)
    events = [app.mapper.to_domain_event(n) for n in app.recorder.select_notifications(1, 1000)]
    assert events and all(ECONOMY.contract.to_envelope(e) is None for e in events)


def test_a_community_registered_in_grid_becomes_known_over_kafka(settings, fresh_broker, auth):
    """grid -> relay -> Kafka -> economy's reaction consumer -> KnownCommunity; then economy accepts it."""
    from fastapi.testclient import TestClient

    from services.grid.config import SERVICE as GRID
    from shared.kernel.actor import pseudonym
    from shared.kernel.actor import Actor
    from bootstrap.runtime import BackgroundWorkers, build_service, build_verifier
    from tests.kafka_helpers import wait_for

    verifier = build_verifier(settings)
    grid = build_service(GRID, settings, fresh_broker.bootstrap_servers, verifier)
    economy = build_service(ECONOMY, settings, fresh_broker.bootstrap_servers, verifier)
    workers = BackgroundWorkers()
    try:
        grid.start(workers)
        economy.start(workers)
        admin = Actor(subject="admin", role="admin", pseudonym=pseudonym("admin"))
        grid.application.register_community(admin, RegisterCommunity(
            id="newtown", name="新城社区", district="金坛区", households=1800, residents=5000, floating_population=300))
        known = KnownCommunity.create_id("newtown")
        wait_for(lambda: known in economy.application.repository, timeout=45)
        client = TestClient(economy.http)
        response = client.post("/communities/newtown/enterprises", headers=auth("community_staff"),
                               json={"name": "Newtown Motors", "sector": "manufacturing", "registered_on": "2024-01-01"})
        assert response.status_code == 201, response.text
    finally:
        workers.stop()
