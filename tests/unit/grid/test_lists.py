"""GET /grid/cases and /grid/mediations: filters, sorts, keyset cursors, scoping, and 4xx for bad parameters."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from services.grid.commands import AssignCase, ReportCase, ResolveCase
from services.grid.config import SERVICE as GRID
from shared.kernel import clock
from shared.kernel.actor import Actor
from tests.http_helpers import created, ids, ok
from tests.http_helpers import listed as list_page

COMMUNITY = {"district": "Leiyang", "households": 100, "residents": 300, "floating_population": 10}
STAFF = Actor("staff-1", "community_staff", "p-staff-1", ("jinpen", "huasheng"))


@pytest.fixture
def grid(service_client, auth):
    client = service_client(GRID)
    for community_id in ("jinpen", "huasheng"):
        body = {"id": community_id, "name": community_id.title(), **COMMUNITY}
        assert client.post("/communities", json=body, headers=auth("admin")).status_code == 201
    return client


@pytest.fixture
def jinpen(auth):
    return auth("community_staff", communities=["jinpen"])


def report(grid, at: datetime, community_id: str = "jinpen", category: str = "noise", **extra) -> str:
    """A case reported at `at` (its deadline counts from then)."""
    with clock.recorded_at(at):
        case_id = grid.application.report_case(
            STAFF, ReportCase(community_id=community_id, category=category, description="d", **extra))
    return str(case_id)


def listed(grid, headers, path: str = "/cases", **params) -> dict:
    return list_page(grid, path, headers, **params)


NOW = datetime.now(UTC)


def test_a_reported_case_is_listed_with_its_columns(grid, jinpen):
    case_id = report(grid, NOW - timedelta(hours=1))
    [item] = listed(grid, jinpen)["items"]
    assert item["id"] == case_id
    assert item["community_id"] == "jinpen" and item["status"] == "reported" and item["category"] == "noise"
    assert item["reported_at"] < item["deadline"]
    assert item["assignee"] is None


def test_filters_by_status_category_assignee_and_cell(grid, jinpen):
    cell = grid.post("/cells", json={"community_id": "jinpen", "name": "A1", "households": 10}, headers=jinpen)
    cell_id = cell.json()["id"]
    noise = report(grid, NOW - timedelta(hours=3))
    drainage = report(grid, NOW - timedelta(hours=2), category="drainage", grid_cell_id=cell_id)
    grid.application.accept_case(STAFF, drainage)
    grid.application.assign_case(STAFF, drainage, AssignCase(worker_id="w-7"))

    assert ids(listed(grid, jinpen, status="reported")) == [noise]
    assert ids(listed(grid, jinpen, status="assigned")) == [drainage]
    assert ids(listed(grid, jinpen, category="drainage")) == [drainage]
    assert ids(listed(grid, jinpen, assignee="w-7")) == [drainage]
    assert ids(listed(grid, jinpen, grid_cell_id=cell_id)) == [drainage]
    assert ids(listed(grid, jinpen, status="reported", category="drainage")) == []


def test_overdue_means_past_the_deadline_and_not_finished_at_query_time(grid, jinpen):
    late = report(grid, NOW - timedelta(days=10))  # noise: 72 h to resolve
    late_but_resolved = report(grid, NOW - timedelta(days=10))
    grid.application.resolve_case(STAFF, late_but_resolved, ResolveCase(outcome="quiet now"))
    on_time = report(grid, NOW - timedelta(hours=1))

    assert ids(listed(grid, jinpen, overdue="true")) == [late]
    assert set(ids(listed(grid, jinpen, overdue="false"))) == {late_but_resolved, on_time}
    # Judged when asked, not when projected: an hour later than its deadline, the on-time case is overdue too.
    with clock.recorded_at(NOW + timedelta(hours=72)):
        grid.query_tables.catch_up()
        assert set(ids(grid.get("/cases", params={"overdue": "true"}, headers=jinpen).json())) == {late, on_time}


def test_reported_between(grid, jinpen):
    old = report(grid, NOW - timedelta(days=5))
    recent = report(grid, NOW - timedelta(days=1))
    since = (NOW - timedelta(days=2)).isoformat()
    until = (NOW - timedelta(days=2)).isoformat()
    assert ids(listed(grid, jinpen, reported_from=since)) == [recent]
    assert ids(listed(grid, jinpen, reported_to=until)) == [old]


def test_sorts(grid, jinpen):
    first = report(grid, NOW - timedelta(hours=30), category="neighbour_dispute")  # deadline +168 h
    second = report(grid, NOW - timedelta(hours=20), category="safety_hazard", attributes={"hazard_kind": "fire"})
    third = report(grid, NOW - timedelta(hours=10), category="noise")  # deadline +72 h
    assert ids(listed(grid, jinpen)) == [third, second, first]  # newest first by default
    assert ids(listed(grid, jinpen, sort="reported_at")) == [first, second, third]
    assert ids(listed(grid, jinpen, sort="deadline")) == [second, third, first]


@pytest.mark.parametrize("sort", ["-reported_at", "reported_at", "deadline"])
def test_the_cursor_neither_skips_nor_repeats_when_cases_arrive_between_pages(grid, jinpen, sort):
    reported = [report(grid, NOW - timedelta(hours=50 - i)) for i in range(7)]
    page = listed(grid, jinpen, sort=sort, limit=3)
    seen = ids(page)
    while page["next_cursor"]:
        # New cases before, between and after the ones already seen: they must not shift the pages.
        report(grid, NOW - timedelta(hours=60))
        report(grid, NOW - timedelta(hours=46, minutes=30))
        report(grid, NOW)
        page = listed(grid, jinpen, sort=sort, limit=3, cursor=page["next_cursor"])
        seen += ids(page)
    assert len(seen) == len(set(seen)), "an item was listed twice"
    assert set(reported) <= set(seen), "an item was skipped"


def test_staff_see_only_their_communities(grid, auth, jinpen):
    mine = report(grid, NOW - timedelta(hours=2))
    theirs = report(grid, NOW - timedelta(hours=1), community_id="huasheng")
    assert ids(listed(grid, jinpen)) == [mine]
    assert set(ids(listed(grid, auth("community_staff", communities=["*"])))) == {mine, theirs}
    assert ids(listed(grid, auth("community_staff", communities=[]))) == []
    response = grid.get("/cases", params={"community_id": "huasheng"}, headers=jinpen)
    assert response.status_code == 403
    assert grid.get("/cases", params={"community_id": "huasheng"}).status_code == 401


@pytest.mark.parametrize(("parameter", "value"), [
    ("status", "lost"), ("category", "ufo"), ("sort", "description"), ("limit", "0"), ("limit", "1000"),
    ("overdue", "maybe"), ("reported_from", "yesterday"),
])
def test_bad_parameters_are_422_naming_the_parameter(grid, jinpen, parameter, value):
    response = grid.get("/cases", params={parameter: value}, headers=jinpen)
    assert response.status_code == 422, response.text
    assert [e["loc"] for e in response.json()["detail"]] == [["query", parameter]]


@pytest.mark.parametrize("cursor", ["not-base64!", "eyJ4IjoxfQ", "WyJyZXBvcnRlZF9hdCIsIngiLCJpZCJd"])
def test_a_cursor_we_did_not_give_is_422_naming_cursor(grid, jinpen, cursor):
    response = grid.get("/cases", params={"cursor": cursor}, headers=jinpen)
    assert response.status_code == 422, response.text
    assert response.json()["field"] == "cursor"


def test_a_time_without_zone_is_422_naming_it(grid, jinpen):
    response = grid.get("/cases", params={"reported_from": "2026-01-01T00:00:00"}, headers=jinpen)
    assert response.status_code == 422
    assert response.json()["field"] == "reported_from"


def test_mediations_by_status(grid, jinpen):
    def open_mediation() -> str:
        body = {"community_id": "jinpen", "dispute_type": "neighbour", "parties": 2}
        response = grid.post("/mediations", json=body, headers=jinpen)
        assert response.status_code == 201, response.text
        return response.json()["id"]

    settled, still_open = open_mediation(), open_mediation()
    assert grid.post(f"/mediations/{settled}/settle", json={"agreement": "a"}, headers=jinpen).status_code == 200
    grid.query_tables.catch_up()
    response = grid.get("/mediations", params={"status": "open"}, headers=jinpen)
    assert [m["id"] for m in response.json()["items"]] == [still_open]
    assert grid.get("/mediations", params={"status": "won"}, headers=jinpen).status_code == 422


def registered(grid, headers, path: str, **body) -> str:
    """What POST `path` created in jinpen."""
    return created(grid.post(path, json={"community_id": "jinpen", **body}, headers=headers))


def test_rental_houses_by_cell_with_households_and_residents(grid, jinpen):
    cell_id = registered(grid, jinpen, "/cells", name="B2", households=10)
    landlord = {"name": "Landlord"}
    lane = registered(grid, jinpen, "/rentals", address="2 Lane", landlord=landlord, grid_cell_id=cell_id)
    road = registered(grid, jinpen, "/rentals", address="1 Road", landlord=landlord)
    for size, floating in ((3, True), (2, False), (1, True)):
        ok(grid.post(f"/rentals/{lane}/tenants", json={"size": size, "floating": floating,
                                                       "details": {"head": "Zhang"}}, headers=jinpen))
    departed = ok(grid.get(f"/rentals/{lane}", headers=jinpen))["tenants"]
    ok(grid.delete(f"/rentals/{lane}/tenants/{next(iter(departed))}", headers=jinpen))  # the 3 floating leave

    page = listed(grid, jinpen, path="/rentals")
    assert ids(page) == [road, lane]  # by address
    assert {k: page["items"][1][k] for k in ("households", "residents", "floating_residents", "grid_cell_id")} == {
        "households": 2, "residents": 3, "floating_residents": 1, "grid_cell_id": cell_id}
    assert "landlord" not in page["items"][1] and "Zhang" not in str(page)
    assert ids(listed(grid, jinpen, path="/rentals", grid_cell_id=cell_id)) == [lane]


def test_follow_ups_by_cell_status_and_group(grid, jinpen):
    cell_id = registered(grid, jinpen, "/cells", name="C3", households=10)
    person = {"name": "Wang"}
    released = registered(grid, jinpen, "/follow-ups", group="released_prisoner", person=person, grid_cell_id=cell_id)
    correction = registered(grid, jinpen, "/follow-ups", group="community_correction", person=person)
    ok(grid.post(f"/follow-ups/{released}/visits", json={"notes": "fine"}, headers=jinpen))
    ok(grid.post(f"/follow-ups/{released}/visits", json={}, headers=jinpen))
    ok(grid.post(f"/follow-ups/{correction}/end", json={"outcome": "completed", "reoffended": False}, headers=jinpen))

    page = listed(grid, jinpen, path="/follow-ups")
    assert ids(page) == [released, correction]  # longest running first
    first = page["items"][0]
    assert (first["visits"], first["status"], first["group"]) == (2, "active", "released_prisoner")
    assert first["last_visit_at"] > first["started_at"] and "Wang" not in str(page)
    assert ids(listed(grid, jinpen, path="/follow-ups", status="active")) == [released]
    assert ids(listed(grid, jinpen, path="/follow-ups", grid_cell_id=cell_id)) == [released]
    assert ids(listed(grid, jinpen, path="/follow-ups", group="community_correction")) == [correction]
    assert page["items"][1]["outcome"] == "completed"
    for parameter, value in (("status", "paused"), ("group", "unknown")):
        response = grid.get("/follow-ups", params={parameter: value}, headers=jinpen)
        assert response.status_code == 422 and response.json()["detail"][0]["loc"] == ["query", parameter]
    assert grid.get("/rentals", params={"community_id": "huasheng"}, headers=jinpen).status_code == 403
