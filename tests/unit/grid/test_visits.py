"""Household visits (走访): the domain's rules, then the use case and route over HTTP."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from services.grid.config import SERVICE as GRID
from services.grid.domain import FollowUp, GridCell, Visit, local_today
from shared.kernel.actor import pseudonym
from shared.kernel.clock import recorded_at
from shared.kernel.errors import Conflict, Invalid

TODAY = date(2026, 6, 10)


def cell_with(*workers: str) -> GridCell:
    cell = GridCell(community_id="jinpen", name="第1网格", households=400)
    for worker in workers:
        cell.assign_worker(worker)
    return cell


def visit(cell: GridCell, **overrides) -> Visit:
    args = {"cell": cell, "worker_id": "w-1", "target_kind": "household", "target_id": "HH-0001",
            "purpose": "routine", "visited_on": TODAY, "findings": "", "today": TODAY, **overrides}
    return Visit.record(**args)


# -- domain -------------------------------------------------------------------------------------------

def test_a_visit_records_cell_worker_target_purpose_and_date():
    cell = cell_with("w-1")
    v = visit(cell, purpose="elderly_care", findings="独居老人，行动不便")
    assert (v.community_id, v.grid_cell_id, v.worker_id) == ("jinpen", str(cell.id), "w-1")
    assert (v.target_kind, v.target_id, v.purpose, v.visited_on, v.follow_up) == (
        "household", "HH-0001", "elderly_care", "2026-06-10", "none")
    assert v.case_id is None and v.follow_up_id is None


def test_only_a_worker_of_the_cell_visits_in_it():
    with pytest.raises(Invalid, match="does not serve") as refused:
        visit(cell_with("w-2"))
    assert refused.value.field == "worker_id"


def test_a_visit_cannot_be_in_the_future():
    cell = cell_with("w-1")
    with pytest.raises(Invalid, match="not happened yet") as refused:
        visit(cell, visited_on=TODAY + timedelta(days=1))
    assert refused.value.field == "visited_on"
    assert visit(cell, visited_on=TODAY - timedelta(days=90)).visited_on == "2026-03-12"


def test_today_is_the_districts_date():
    """At 07:00 in Beijing (23:00 UTC the day before) a visit made this morning is today's, not tomorrow's."""
    with recorded_at(datetime(2026, 6, 9, 23, 0, tzinfo=UTC)):
        assert local_today() == date(2026, 6, 10)


@pytest.mark.parametrize("reference", ["张三", "Room 301, Building 4", "", "x" * 65, "-leading-dash"])
def test_the_target_is_an_opaque_reference_not_a_name_or_address(reference):
    with pytest.raises(Invalid) as refused:
        visit(cell_with("w-1"), target_id=reference)
    assert refused.value.field == "target_id"


def test_unknown_purpose_or_target_kind_is_refused():
    cell = cell_with("w-1")
    with pytest.raises(ValueError):
        visit(cell, purpose="gossip")
    with pytest.raises(ValueError):
        visit(cell, target_kind="shop")


def test_a_person_is_visited_through_their_follow_up_in_the_same_cell():
    cell = cell_with("w-1")
    person = FollowUp(community_id="jinpen", group="released_prisoner", person={}, grid_cell_id=str(cell.id))
    v = visit(cell, target_kind="person", target_id=str(person.id), person_follow_up=person, purpose="special_group")
    assert v.target_id == str(person.id)
    with pytest.raises(Invalid, match="through their follow-up"):
        visit(cell, target_kind="person", target_id="HH-0001")
    elsewhere = FollowUp(community_id="jinpen", group="released_prisoner", person={}, grid_cell_id="another-cell")
    with pytest.raises(Invalid, match="another grid cell"):
        visit(cell, target_kind="person", target_id=str(elsewhere.id), person_follow_up=elsewhere)
    with pytest.raises(Conflict, match="already followed up"):
        visit(cell, target_kind="person", target_id=str(person.id), person_follow_up=person,
              follow_up="start_follow_up", follow_up_id="f-2", findings="x")


def test_a_person_visit_counts_on_an_active_follow_up_only():
    person = FollowUp(community_id="jinpen", group="released_prisoner", person={}, grid_cell_id=None)
    person.end("completed", False)
    with pytest.raises(Conflict, match="has ended"):
        person.record_visit("走访")


def test_a_follow_up_needs_findings_and_names_what_it_opened():
    cell = cell_with("w-1")
    with pytest.raises(Invalid, match="what was found") as refused:
        visit(cell, follow_up="open_case", case_id="c-1")
    assert refused.value.field == "findings"
    with pytest.raises(Invalid, match="must match"):
        visit(cell, follow_up="open_case", findings="漏水")
    with pytest.raises(Invalid, match="must match"):
        visit(cell, follow_up="none", case_id="c-1")
    opened = visit(cell, follow_up="open_case", case_id="c-1", findings="楼道电线老化")
    assert opened.case_id == "c-1" and opened.follow_up == "open_case"


# -- HTTP ---------------------------------------------------------------------------------------------

JINPEN = {"id": "jinpen", "name": "Jinpen", "district": "Leiyang", "households": 8325, "residents": 35353}
WORKER = "visit-worker"


@pytest.fixture
def grid(service_client, auth):
    client = service_client(GRID)
    admin = auth("admin")
    assert client.post("/communities", json=JINPEN, headers=admin).status_code == 201
    assert client.post("/communities", json={**JINPEN, "id": "huasheng"}, headers=admin).status_code == 201
    return client


@pytest.fixture
def staff(auth):
    return auth("community_staff", communities=["jinpen"])


@pytest.fixture
def worker(auth):
    return auth("grid_worker", communities=["jinpen"], subject=WORKER)


@pytest.fixture
def cell(grid, staff):
    cell = grid.post("/cells", json={"community_id": "jinpen", "name": "第3网格", "households": 420},
                     headers=staff).json()["id"]
    assert grid.post(f"/cells/{cell}/workers", json={"worker_id": pseudonym(WORKER)}, headers=staff).status_code == 200
    return cell


def stored(client) -> int:
    return client.application.recorder.max_notification_id() or 0


def body(cell: str, **extra) -> dict:
    return {"community_id": "jinpen", "grid_cell_id": cell, "target_kind": "household", "target_id": "JP-03-0117",
            "purpose": "hardship", "visited_on": local_today().isoformat(), "findings": "家中老人需要照护", **extra}


def test_a_grid_worker_records_their_own_visit(grid, worker, staff, cell):
    response = grid.post("/visits", json=body(cell), headers=worker)
    assert response.status_code == 201, response.text
    assert response.json()["case_id"] is None
    view = grid.get(f"/visits/{response.json()['id']}", headers=staff).json()
    assert view["worker_id"] == pseudonym(WORKER) and view["grid_cell_id"] == cell and view["purpose"] == "hardship"


def test_a_worker_cannot_record_someone_elses_visit(grid, worker, cell):
    before = stored(grid)
    response = grid.post("/visits", json=body(cell, worker_id="another"), headers=worker)
    assert response.status_code == 403 and "own visits" in response.json()["detail"]
    assert stored(grid) == before


def test_staff_name_the_worker_and_only_one_serving_the_cell(grid, staff, cell):
    missing = grid.post("/visits", json=body(cell), headers=staff)
    assert missing.status_code == 422 and "worker_id" in missing.text
    stranger = grid.post("/visits", json=body(cell, worker_id="w-elsewhere"), headers=staff)
    assert stranger.status_code == 422 and "does not serve" in stranger.text
    ok = grid.post("/visits", json=body(cell, worker_id=pseudonym(WORKER)), headers=staff)
    assert ok.status_code == 201, ok.text


def test_refusals_name_what_is_wrong_and_write_nothing(grid, worker, staff, auth, cell):
    other_cell = grid.post("/cells", json={"community_id": "huasheng", "name": "H1"},
                           headers=auth("admin")).json()["id"]
    before = stored(grid)
    for bad, status, names in [
        (body(cell, visited_on=(local_today() + timedelta(days=2)).isoformat()), 422, "visited_on"),
        (body(cell, target_id="王大妈家"), 422, "target_id"),
        (body(cell, purpose="gossip"), 422, "purpose"),
        (body("no-such-cell"), 422, "grid_cell_id"),
        (body(other_cell), 422, "grid_cell_id"),
        (body(cell, target_kind="person", target_id="c0ffee00-0000-4000-8000-000000000000"), 422, "target_id"),
        (body(cell, case={"category": "noise", "description": "x"}, start_follow_up={"group": "released_prisoner"}),
         422, "not both"),
        (body(cell, case={"category": "safety_hazard", "description": "电线老化"}), 422, "hazard_kind"),
        (body(cell, findings="", case={"category": "noise", "description": "夜间噪音"}), 422, "findings"),
    ]:
        response = grid.post("/visits", json=bad, headers=worker)
        assert response.status_code == status and names in response.text, (bad, response.text)
    assert grid.post("/visits", json=body(cell)).status_code == 401
    foreign = grid.post("/visits", json=body(cell), headers=auth("grid_worker", communities=["huasheng"]))
    assert foreign.status_code == 403
    assert grid.post("/visits", json=body(cell), headers=auth("auditor", communities=["jinpen"])).status_code == 403
    assert stored(grid) == before


def test_a_visit_opens_a_case_in_the_same_save(grid, worker, staff, cell):
    before = stored(grid)
    response = grid.post("/visits", json=body(cell, purpose="safety", case={
        "category": "safety_hazard", "description": "楼道电动车充电", "attributes": {"hazard_kind": "electrical"}}),
        headers=worker)
    assert response.status_code == 201, response.text
    assert stored(grid) == before + 2
    case = grid.get(f"/cases/{response.json()['case_id']}", headers=staff).json()
    assert (case["channel"], case["grid_cell_id"], case["status"]) == ("grid_worker", cell, "reported")


def test_a_visit_starts_a_follow_up_and_later_visits_count_on_it(grid, worker, staff, cell):
    started = grid.post("/visits", json=body(cell, purpose="special_group", findings="刑满释放，尚未就业",
                                             start_follow_up={"group": "released_prisoner",
                                                              "person": {"name": "李某"}}), headers=worker)
    assert started.status_code == 201, started.text
    follow_up = started.json()["follow_up_id"]
    assert grid.get(f"/follow-ups/{follow_up}", headers=staff).json()["grid_cell_id"] == cell
    again = grid.post("/visits", json=body(cell, target_kind="person", target_id=follow_up, purpose="special_group",
                                           findings="已在市场就业"), headers=worker)
    assert again.status_code == 201, again.text
    assert grid.get(f"/follow-ups/{follow_up}", headers=staff).json()["visits"] == 1
    grid.post(f"/follow-ups/{follow_up}/end", json={"outcome": "completed", "reoffended": False}, headers=staff)
    before = stored(grid)
    ended = grid.post("/visits", json=body(cell, target_kind="person", target_id=follow_up, purpose="special_group"),
                      headers=worker)
    assert ended.status_code == 409 and "ended" in ended.json()["detail"]
    assert stored(grid) == before


def test_findings_are_kept_out_of_the_public_event(grid, worker, cell):
    from services.grid.contract import contract

    grid.post("/visits", json=body(cell, findings="李阿姨独居，有慢性病"), headers=worker)
    last = grid.application.recorder.max_notification_id()
    [notification] = grid.application.recorder.select_notifications(last, 1)
    event = grid.application.mapper.to_domain_event(notification)
    envelope = contract.to_envelope(event)
    assert envelope.type == "shequ.grid.VisitRecorded.v1"
    assert "李阿姨" not in envelope.model_dump_json() and "findings" not in envelope.data


# -- the district's coverage per cell per quarter -----------------------------------------------------

def test_coverage_is_distinct_households_visited_over_the_cells_registered_households(read_db):
    from services.district.projections.community_visits import CommunityVisits, quarter_of, visit_figures
    from tests.unit.grid.test_projection import envelopes
    from shared.platform.projector import ReadModelWriter

    east, west = cell_with("w-1"), GridCell(community_id="jinpen", name="第2网格", households=250)
    person = FollowUp(community_id="jinpen", group="released_prisoner", person={}, grid_cell_id=str(east.id))
    visits = [visit(east, target_id="HH-1", visited_on=date(2026, 4, 2), today=TODAY),
              visit(east, target_id="HH-1", visited_on=date(2026, 5, 20), today=TODAY),  # the same household again
              visit(east, target_id="HH-2", visited_on=date(2026, 6, 1), purpose="festival", today=TODAY),
              visit(east, target_kind="person", target_id=str(person.id), person_follow_up=person,
                    purpose="special_group", visited_on=date(2026, 6, 3), today=TODAY),
              visit(east, target_id="HH-1", visited_on=date(2026, 3, 31), follow_up="open_case", case_id="c-1",
                    findings="漏水", today=TODAY)]  # the quarter before
    writer = ReadModelWriter(read_db, [CommunityVisits()])
    events = envelopes(east, west, *visits)
    failures: list = []
    writer.apply(events, lambda d, reason: failures.append(reason))
    assert failures == []
    doc = read_db["community_visits"].find_one({"_id": "jinpen"})
    figures = visit_figures(doc)
    assert quarter_of(date(2026, 4, 1)) == "2026-Q2" and figures["latest_quarter"] == "2026-Q2"
    assert figures["registered_households"] == 650
    q2 = figures["quarters"]["2026-Q2"]
    assert (q2["visits"], q2["households_visited"], q2["persons_visited"], q2["registered_households"]) == (4, 2, 1, 650)
    assert q2["coverage"] == round(2 / 650, 4) and q2["by_purpose"] == {"festival": 1, "routine": 2, "special_group": 1}
    assert q2["cells"][str(east.id)]["coverage"] == round(2 / 400, 4)
    assert q2["cells"][str(west.id)] | {"by_purpose": {}} == {
        "name": "第2网格", "registered_households": 250, "households_visited": 0, "persons_visited": 0, "visits": 0,
        "coverage": 0.0, "cases_opened": 0, "follow_ups_started": 0, "by_purpose": {}}
    q1 = figures["quarters"]["2026-Q1"]
    assert (q1["households_visited"], q1["cases_opened"]) == (1, 1)

    again = writer.apply(events, lambda d, reason: failures.append(reason))
    assert again.applied == 0 and read_db["community_visits"].find_one({"_id": "jinpen"}) == doc
