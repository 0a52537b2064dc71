"""Query tables on real databases (SQLite and PostgreSQL): the live runner thread and a rebuild agree, and
the tracked position survives a restart (nothing applied twice)."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

import pytest

from bootstrap.runtime import BackgroundWorkers, build_service, build_verifier
from services.economy.config import SERVICE as ECONOMY
from services.grid.config import SERVICE as GRID
from services.volunteering.config import SERVICE as VOLUNTEERING
from services.welfare.config import SERVICE as WELFARE
from shared.platform.auth import DevelopmentKeys
from shared.platform.directory import learn
from shared.platform.settings import Settings
from tests.http_helpers import created

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


def write_grid_history(client, mint) -> dict[str, int]:
    headers = mint()
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
    for i in range(4):
        house = created(client.post("/rentals", headers=headers, json={
            "community_id": ("jinpen", "huasheng")[i % 2], "address": f"{i} Lane", "landlord": {"name": "L"}}))
        for size in range(1, i + 2):
            assert client.post(f"/rentals/{house}/tenants", json={"size": size, "floating": size % 2 == 1},
                               headers=headers).status_code == 200
        follow_up = created(client.post("/follow-ups", headers=headers, json={
            "community_id": ("jinpen", "huasheng")[i % 2], "group": "community_correction", "person": {"name": "W"}}))
        assert client.post(f"/follow-ups/{follow_up}/visits", json={}, headers=headers).status_code == 200
        if i % 2:
            assert client.post(f"/follow-ups/{follow_up}/end", json={"outcome": "completed", "reoffended": False},
                               headers=headers).status_code == 200
    return {"grid_cases": 30, "grid_mediations": 3, "grid_rentals": 4, "grid_follow_ups": 4}


def write_economy_history(client, mint) -> dict[str, int]:
    headers = mint()
    """Assets leased, billed, paid and written off, enterprises, companies, debts, in two communities."""
    for i in range(6):
        community_id = ("jinpen", "huasheng")[i % 2]
        asset = created(client.post(f"/communities/{community_id}/assets", headers=headers, json={
            "asset_type": "shop", "name": f"shop {i}", "area_m2": 10 + i, "book_value": 0,
            "registered_on": "2024-01-01"}))
        tenant = created(client.post(f"/communities/{community_id}/enterprises", headers=headers, json={
            "name": f"tenant {i}", "sector": "services", "registered_on": "2024-01-01"}))
        lease = created(client.post(f"/assets/{asset}/leases", headers=headers, json={
            "tenant_enterprise_id": tenant, "monthly_rent": 1000 + i, "starts_on": "2024-01-01",
            "ends_on": "2024-12-31", "deposit": 0}))
        for month in ("2024-01", "2024-02", "2024-03")[: 1 + i % 3]:
            body = {"month": month}
            assert client.post(f"/assets/{asset}/leases/{lease}/rent-bills", json=body, headers=headers).status_code == 200
        if i % 2:
            body = {"amount": 500, "paid_on": "2024-02-01"}
            assert client.post(f"/assets/{asset}/leases/{lease}/payments", json=body, headers=headers).status_code == 200
        if i % 3 == 0:
            body = {"amount": 100, "written_off_on": "2024-03-01", "reason": "approved"}
            assert client.post(f"/assets/{asset}/leases/{lease}/write-offs", json=body,
                               headers=headers).status_code == 200
        if i == 4:
            body = {"reason": "early", "terminated_on": "2024-06-30"}
            assert client.post(f"/assets/{asset}/leases/{lease}/termination", json=body,
                               headers=headers).status_code == 200
        created(client.post(f"/communities/{community_id}/companies", headers=headers, json={
            "name": f"company {i}", "kind": "cleaning", "founded_on": "2020-01-01"}))
    for creditor, amount in (("bank", 1000), ("supplier", 300)):
        body = {"creditor": creditor, "amount": amount, "incurred_on": "2024-01-01"}
        assert client.post("/communities/huasheng/fund/debts", json=body, headers=headers).status_code == 200
    body = {"creditor": "supplier", "amount": 300, "repaid_on": "2024-02-01"}
    assert client.post("/communities/huasheng/fund/debt-repayments", json=body, headers=headers).status_code == 200
    return {"economy_assets": 6, "economy_leases": 6, "economy_rent_charges": 12, "economy_enterprises": 6,
            "economy_companies": 6, "economy_debts": 2}


def write_volunteering_history(client, mint) -> dict[str, int]:
    headers = mint()
    """Volunteers in teams, activities signed up, served and completed, help requests matched and fulfilled."""
    start = datetime.now(UTC).replace(microsecond=0) - timedelta(hours=3)
    for community_id in ("jinpen", "huasheng"):
        volunteers = [created(client.post("/volunteers", headers=headers, json={
            "community_id": community_id, "name": f"v{i}", "phone": "13900000000", "skills": ["law", f"s{i}"]}))
            for i in range(3)]
        team = created(client.post("/teams", headers=headers,
                                   json={"community_id": community_id, "name": "care", "purpose": "elderly_care"}))
        for v in volunteers:
            assert client.post(f"/teams/{team}/join", json={"volunteer_id": v}, headers=headers).status_code == 200
        assert client.post(f"/teams/{team}/leave", json={"volunteer_id": volunteers[2]},
                           headers=headers).status_code == 200
        activity = created(client.post("/activities", headers=headers, json={
            "community_id": community_id, "title": "clean-up", "place": "park", "starts_at": start.isoformat(),
            "ends_at": (start + timedelta(hours=2)).isoformat(), "slots": 3, "points_per_hour": 10}))
        for path, body in ((f"/activities/{activity}/sign-up", {"volunteer_id": volunteers[0]}),
                           (f"/activities/{activity}/sign-up", {"volunteer_id": volunteers[1]}),
                           (f"/activities/{activity}/cancel-sign-up", {"volunteer_id": volunteers[1]}),
                           (f"/activities/{activity}/check-in", {"volunteer_id": volunteers[0], "at": start.isoformat()}),
                           (f"/activities/{activity}/check-out", {"volunteer_id": volunteers[0],
                                                                  "at": (start + timedelta(hours=1)).isoformat()}),
                           (f"/activities/{activity}/complete", None)):
            assert client.post(path, json=body, headers=headers).status_code == 200, path
        for i in range(2):
            request = created(client.post("/help-requests", headers=headers, json={
                "community_id": community_id, "need": "groceries", "deadline": "2099-01-01T00:00:00Z"}))
            if i:
                assert client.post(f"/help-requests/{request}/match", json={"volunteer_id": volunteers[1]},
                                   headers=headers).status_code == 200
                assert client.post(f"/help-requests/{request}/fulfil", json={"hours": 1.5, "outcome": "done"},
                                   headers=headers).status_code == 200
    return {"volunteering_volunteers": 6, "volunteering_skills": 12, "volunteering_teams": 2,
            "volunteering_memberships": 6, "volunteering_activities": 2, "volunteering_help_requests": 4}


def write_welfare_history(client, mint) -> dict[str, int]:
    """Persons with categories, households assessed and granted, a programme's cycles calculated, approved by a
    second officer and disbursed, relief, an erasure (its id-number claim released)."""
    headers, second = mint(), mint("second-officer")
    for community_id in ("jinpen", "huasheng"):
        assert client.put(f"/communities/{community_id}/threshold", headers=headers,
                          json={"threshold_fen": 62_000, "effective_from": "2024-01-01"}).status_code == 200
        persons = [created(client.post("/persons", headers=headers, json={
            "community_id": community_id, "name": "N", "national_id": f"500107197001{len(community_id):02}{i:03}1",
            "phone": "13800000000", "address": "A", "birth_date": "1940-01-01",
            "categories": [{"category": "aged_80_plus"}]})) for i in range(3)]
        assert client.post(f"/persons/{persons[0]}/categories", json={"category": "elderly_living_alone"},
                           headers=headers).status_code == 200
        household = created(client.post("/households", headers=headers, json={
            "community_id": community_id, "members": persons[:2], "income_per_person_fen": 30_000}))
        for path, body in ((f"/households/{household}/means-test", {"on": "2024-01-05"}),
                           (f"/households/{household}/allowance", {"monthly_fen": 39_000, "from_date": "2024-02-01"})):
            assert client.post(path, json=body, headers=headers).status_code == 200, path
        programme = created(client.post("/programmes", headers=headers, json={
            "community_id": community_id, "name": "高龄补贴", "kind": "cash", "amount_fen": 10_000,
            "rule": {"categories": ["aged_80_plus"]}}))
        for person in persons:
            assert client.post(f"/programmes/{programme}/enrolments", json={"person_id": person},
                               headers=headers).status_code == 200
        cycles = [created(client.post("/cycles", json={"programme_id": programme, "month": m}, headers=headers))
                  for m in ("2024-05", "2024-06")]
        assert client.post(f"/cycles/{cycles[0]}/calculation", headers=headers).status_code == 200
        assert client.post(f"/cycles/{cycles[0]}/approval", headers=second).status_code == 200
        assert client.post(f"/cycles/{cycles[0]}/disbursement", json={"on": "2024-05-20"},
                           headers=headers).status_code == 200
        assert client.post(f"/cycles/{cycles[1]}/calculation", headers=headers).status_code == 200
        created(client.post("/relief", headers=headers, json={
            "community_id": community_id, "occasion": "festival_visit", "kind": "in_kind", "person_id": persons[1],
            "items": [{"name": "rice", "quantity": 1}], "value_fen": 5_000, "on": "2024-02-01"}))
        assert client.post(f"/persons/{persons[2]}/erasure", json={"reason": "request"},
                           headers=headers).status_code == 200
    return {"welfare_persons": 6, "welfare_person_categories": 8, "welfare_enrolments": 6, "welfare_id_claims": 6,
            "welfare_programmes": 2, "welfare_households": 2, "welfare_cycles": 4, "welfare_relief": 2}


HISTORIES = {GRID.name: (GRID, write_grid_history), ECONOMY.name: (ECONOMY, write_economy_history),
             VOLUNTEERING.name: (VOLUNTEERING, write_volunteering_history),
             WELFARE.name: (WELFARE, write_welfare_history)}
"""Each service with query tables, and commands that fill every one of its tables."""

FILTERED = {
    GRID.name: [("/cases", {"overdue": "true"}), ("/follow-ups", {"status": "active"}),
                ("/cases", {"sort": "deadline", "reported_from": "2020-01-01T00:00Z"})],
    ECONOMY.name: [("/assets", {"in_arrears": "true"}), ("/leases", {"status": "expired", "in_arrears": "true"}),
                   *(("/leases", {"aging_bucket": b}) for b in ("current", "30", "60", "90+")),
                   ("/leases", {"expiring_within_days": "30", "sort": "-outstanding"}),
                   ("/debts", {"outstanding": "true"})],
    VOLUNTEERING.name: [("/volunteers", {"team_id": "t", "skill": "law"}), ("/help-requests", {"status": "any"}),
                        ("/activities", {"has_open_slots": "true", "from": "2020-01-01T00:00:00Z"})],
    WELFARE.name: [("/persons", {"category": "aged_80_plus", "id_number": "500107197001060001"}),
                   ("/persons", {"programme_id": "00000000-0000-0000-0000-000000000000"}),
                   ("/cycles", {"status": "awaiting_second_approval"}), ("/relief", {"from": "2024-01-01"})],
}
"""Lists with the filters whose SQL is more than `column = ?`: they must run on both databases."""


def every_list_answers(client, headers, service: str) -> None:
    paths = [p for p, ops in client.app.openapi()["paths"].items() if "get" in ops and "{" not in p]
    for path in paths:
        response = client.get(path, headers=headers)
        if response.status_code == 200 and isinstance(response.json(), dict) and "items" in response.json():
            assert response.json()["items"], f"{path} lists nothing"
    for path, params in FILTERED[service]:
        response = client.get(path, params=params, headers=headers)
        assert response.status_code == 200, f"{path} {params}: {response.text}"


@pytest.mark.parametrize("service", sorted(HISTORIES))
def test_rebuild_equals_live_and_the_position_survives_a_restart(store_settings, service):
    from fastapi.testclient import TestClient

    definition, write_history = HISTORIES[service]
    verifier = build_verifier(store_settings)
    keys = DevelopmentKeys(store_settings.data_dir)

    def mint(subject: str = "t") -> dict[str, str]:
        roles = ["admin", "community_staff", "welfare_officer"]
        return {"Authorization": f"Bearer {keys.mint(subject, roles, ['*'])}"}

    headers = mint()
    running = build_service(definition, store_settings, None, verifier, with_relay=False)
    if getattr(running.application, "requires_known_communities", False):
        for community_id in ("jinpen", "huasheng"):
            learn(running.application, community_id, community_id, 10_000)
    workers = BackgroundWorkers()
    try:
        running.start(workers)  # the live runner follows the log while the commands are stored
        client = TestClient(running.http)
        expected = write_history(client, mint)
        wait_until_current(running, workers.stop_event)
        workers.stop()
        live = all_rows(running)
        assert {name: len(rows) for name, rows in live.items() if name in expected} == expected
        if service == GRID.name:
            assert {r["status"] for r in live["grid_cases"]} == {"reported", "accepted", "assigned", "resolved"}
        every_list_answers(client, headers, service)

        # A second process on the same store starts from the recorded position: nothing to apply again.
        restarted = build_service(definition, store_settings, None, verifier, with_relay=False)
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
