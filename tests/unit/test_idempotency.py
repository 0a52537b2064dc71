"""Idempotency-Key: a retried command is not done twice, and the record never leaves the service."""

from __future__ import annotations

import threading
from datetime import date

import pytest

from services.economy.config import SERVICE as ECONOMY
from services.grid.config import SERVICE as GRID
from services.grid.contract import contract as grid_contract
from services.volunteering.config import SERVICE as VOLUNTEERING
from shared.platform.idempotency import IdempotencyRecord, record_id

SECTOR = "manufacturing"
CASE = {"community_id": "jinpen", "category": "noise", "description": "music at night"}


def notifications(client) -> list:
    recorder = client.application.recorder
    return recorder.select_notifications(start=1, limit=10_000)


def domain_events(client) -> list:
    return [client.application.mapper.to_domain_event(n) for n in notifications(client)]


def aggregates_of(client, kind: str) -> set[str]:
    return {str(e.originator_id) for e in domain_events(client) if type(e).__qualname__.startswith(kind + ".")}


def test_a_retried_report_creates_one_case_and_answers_the_same_id(service_client, auth):
    grid = service_client(GRID)
    headers = {**auth("community_staff", communities=["jinpen"]), "Idempotency-Key": "report-1"}
    first = grid.post("/cases", json=CASE, headers=headers)
    assert first.status_code == 201, first.text
    assert "Idempotent-Replayed" not in first.headers
    again = grid.post("/cases", json=CASE, headers=headers)
    assert again.status_code == 201
    assert again.headers["Idempotent-Replayed"] == "true"
    assert again.json() == {"id": first.json()["id"]}
    assert aggregates_of(grid, "Case") == {first.json()["id"]}
    # Without a key, or with another key, it is a new command.
    other = grid.post("/cases", json=CASE, headers={**headers, "Idempotency-Key": "report-2"})
    plain = grid.post("/cases", json=CASE, headers=auth("community_staff", communities=["jinpen"]))
    assert len({first.json()["id"], other.json()["id"], plain.json()["id"]}) == 3


def test_the_record_commits_with_the_command_in_one_transaction(service_client, auth):
    grid = service_client(GRID)
    headers = {**auth("community_staff", communities=["jinpen"], subject="alice"), "Idempotency-Key": "k"}
    created = grid.post("/cases", json=CASE, headers=headers).json()["id"]
    events = notifications(grid)
    assert len(events) == 2  # CaseReported and the record, in one save
    record = grid.application.repository.get(record_id("grid", "alice", "k"))
    assert isinstance(record, IdempotencyRecord)
    assert record.created_id == created and record.status == 201 and record.request == "POST /cases"
    assert record.saved == [[created, 1]]


def test_keys_are_per_caller(service_client, auth):
    grid = service_client(GRID)
    a = grid.post("/cases", json=CASE, headers={**auth("community_staff", subject="a"), "Idempotency-Key": "same"})
    b = grid.post("/cases", json=CASE, headers={**auth("community_staff", subject="b"), "Idempotency-Key": "same"})
    assert a.status_code == b.status_code == 201 and a.json()["id"] != b.json()["id"]


def test_the_same_key_on_another_route_is_refused(service_client, auth):
    grid = service_client(GRID)
    headers = {**auth("community_staff", "grid_worker"), "Idempotency-Key": "reused"}
    case_id = grid.post("/cases", json=CASE, headers=headers).json()["id"]
    before = len(notifications(grid))
    refused = grid.post(f"/cases/{case_id}/resolve", json={"outcome": "fixed"}, headers=headers)
    assert refused.status_code == 422
    assert "already used for POST /cases" in refused.json()["detail"]
    assert len(notifications(grid)) == before


def test_a_retried_non_create_command_is_not_done_twice(service_client, auth):
    grid = service_client(GRID)
    staff = auth("community_staff", "grid_worker")
    case_id = grid.post("/cases", json=CASE, headers=staff).json()["id"]
    keyed = {**staff, "Idempotency-Key": "resolve-1"}
    assert grid.post(f"/cases/{case_id}/resolve", json={"outcome": "fixed"}, headers=keyed).status_code == 200
    again = grid.post(f"/cases/{case_id}/resolve", json={"outcome": "fixed"}, headers=keyed)
    assert again.status_code == 200, again.text  # not 409: the retry answers the first outcome
    assert again.headers["Idempotent-Replayed"] == "true"
    assert again.json()["aggregates"] == [{"id": case_id, "version": 2}]


def test_bad_keys_are_refused(service_client, auth):
    grid = service_client(GRID)
    staff = auth("community_staff")
    assert grid.post("/cases", json=CASE, headers={**staff, "Idempotency-Key": "x" * 129}).status_code == 422
    assert grid.post("/cases", json=CASE, headers={**staff, "Idempotency-Key": ""}).status_code == 422
    assert notifications(grid) == []
    # No token: still 401, never a replay.
    assert grid.post("/cases", json=CASE, headers={"Idempotency-Key": "k"}).status_code == 401


def test_a_failed_command_stores_no_record(service_client, auth):
    grid = service_client(GRID)
    staff = auth("community_staff", "grid_worker")
    case_id = grid.post("/cases", json=CASE, headers=staff).json()["id"]
    grid.post(f"/cases/{case_id}/resolve", json={"outcome": "fixed"}, headers=staff)
    keyed = {**staff, "Idempotency-Key": "late"}
    assert grid.post(f"/cases/{case_id}/resolve", json={"outcome": "x"}, headers=keyed).status_code == 409
    assert not [e for e in domain_events(grid) if isinstance(e, IdempotencyRecord.Event)]


def test_concurrent_attempts_with_one_key_store_one_case(service_client, auth):
    grid = service_client(GRID)
    headers = {**auth("community_staff"), "Idempotency-Key": "racing"}
    barrier = threading.Barrier(4)
    answers: list = []

    def attempt() -> None:
        barrier.wait()
        answers.append(grid.post("/cases", json=CASE, headers=headers))

    threads = [threading.Thread(target=attempt) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert all(a.status_code == 201 for a in answers), [a.text for a in answers]
    assert len({a.json()["id"] for a in answers}) == 1
    assert len(aggregates_of(grid, "Case")) == 1


def test_records_are_never_published(service_client, auth):
    grid = service_client(GRID)
    grid.post("/cases", json=CASE, headers={**auth("community_staff"), "Idempotency-Key": "pub"})
    events = domain_events(grid)
    records = [e for e in events if isinstance(e, IdempotencyRecord.Event)]
    assert len(records) == 1
    assert grid_contract.to_envelope(records[0]) is None
    assert all(grid_contract.to_envelope(e) is not None for e in events if e not in records)


@pytest.mark.parametrize(("path", "body"), [
    ("/communities/jinpen/enterprises", None),
    ("/communities/jinpen/assets", {"asset_type": "factory_building", "name": "hall 3", "area_m2": 1200,
                                    "book_value": 100_000, "registered_on": str(date(2024, 1, 1))}),
])
def test_economy_creates_are_idempotent(service_client, auth, path, body):
    economy = service_client(ECONOMY)
    if body is None:
        body = {"name": "clean co", "sector": SECTOR, "registered_on": "2024-01-01"}
    headers = {**auth("community_staff", communities=["jinpen"]), "Idempotency-Key": f"eco-{path}"}
    first = economy.post(path, json=body, headers=headers)
    assert first.status_code == 201, first.text
    again = economy.post(path, json=body, headers=headers)
    assert (again.status_code, again.json()) == (201, first.json())
    assert again.headers["Idempotent-Replayed"] == "true"


def test_economy_income_is_recorded_once(service_client, auth):
    economy = service_client(ECONOMY)
    headers = {**auth("community_staff", communities=["jinpen"]), "Idempotency-Key": "income-1"}
    body = {"source": "rent", "amount": 50_000, "received_on": "2024-03-01"}
    first = economy.post("/communities/jinpen/fund/income", json=body, headers=headers)
    assert first.status_code == 200, first.text
    again = economy.post("/communities/jinpen/fund/income", json=body, headers=headers)
    assert again.status_code == 200 and again.headers["Idempotent-Replayed"] == "true"
    fund = economy.get("/communities/jinpen/fund", headers=headers).json()
    assert fund == {k: v for k, v in first.json().items() if k != "entry_id"}


def test_volunteer_registration_is_idempotent(service_client, auth):
    volunteering = service_client(VOLUNTEERING)
    headers = {**auth("community_staff", communities=["jinpen"]), "Idempotency-Key": "vol-1"}
    body = {"community_id": "jinpen", "name": "Li Wei", "phone": "138 0000 0000", "skills": ["first aid"]}
    first = volunteering.post("/volunteers", json=body, headers=headers)
    assert first.status_code == 201, first.text
    again = volunteering.post("/volunteers", json=body, headers=headers)
    assert (again.status_code, again.json()) == (201, first.json())
    assert aggregates_of(volunteering, "Volunteer") == {first.json()["id"]}
