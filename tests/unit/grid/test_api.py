"""Every write endpoint: 401 without a token, 403 for a foreign community, success with the right role."""

from __future__ import annotations

import pytest

from services.grid.config import SERVICE as GRID

JINPEN = {"id": "jinpen", "name": "Jinpen", "district": "Leiyang", "households": 8325, "residents": 35353,
          "floating_population": 2000}


@pytest.fixture
def grid(service_client, auth):
    client = service_client(GRID)
    assert client.post("/communities", json=JINPEN, headers=auth("admin")).status_code == 201
    return client


@pytest.fixture
def staff(auth):
    return auth("community_staff", communities=["jinpen"])


@pytest.fixture
def foreign(auth):
    return auth("grid_worker", communities=["huasheng"])


def stored(client) -> int:
    return client.application.recorder.max_notification_id() or 0


def new_case(grid, staff, **extra):
    body = {"community_id": "jinpen", "category": "noise", "description": "loud", **extra}
    response = grid.post("/cases", json=body, headers=staff)
    assert response.status_code == 201, response.text
    return response.json()["id"]


def make(grid, staff, kind):
    """Create an aggregate of a kind; return its id."""
    bodies = {
        "cell": ("/cells", {"community_id": "jinpen", "name": "Group 1", "households": 400}),
        "case": ("/cases", {"community_id": "jinpen", "category": "noise", "description": "loud"}),
        "mediation": ("/mediations", {"community_id": "jinpen", "dispute_type": "family", "parties": 2}),
        "rental": ("/rentals", {"community_id": "jinpen", "address": "3 Market St", "landlord": {"name": "Wang"}}),
        "follow_up": ("/follow-ups", {"community_id": "jinpen", "group": "released_prisoner",
                                       "person": {"name": "Zhang"}}),
    }
    path, body = bodies[kind]
    response = grid.post(path, json=body, headers=staff)
    assert response.status_code == 201, response.text
    return response.json()["id"]


# (method, path template, kind of aggregate needed, body, state-preparation commands)
WRITES = [
    ("post", "/cells", None, {"community_id": "jinpen", "name": "G1", "households": 10}, 201),
    ("patch", "/communities/jinpen", None, {"households": 8400}, 200),
    ("post", "/cells/{cell}/workers", "cell", {"worker_id": "w-7"}, 200),
    ("post", "/cases", None, {"community_id": "jinpen", "category": "noise", "description": "x"}, 201),
    ("post", "/cases/{case}/accept", "case", None, 200),
    ("post", "/cases/{case}/resolve", "case", {"outcome": "done"}, 200),
    ("post", "/cases/{case}/reject", "case", {"reason": "not_our_responsibility"}, 200),
    ("post", "/mediations", None, {"community_id": "jinpen", "dispute_type": "neighbour", "parties": 2}, 201),
    ("post", "/mediations/{mediation}/sessions", "mediation", {"notes": "first talk"}, 200),
    ("post", "/mediations/{mediation}/settle", "mediation", {"agreement": "pay 100"}, 200),
    ("post", "/mediations/{mediation}/fail", "mediation", {"reason": "refused"}, 200),
    ("post", "/inspections", None, {"community_id": "jinpen", "inspection_type": "fire_safety", "site": "Market"},
     201),
    ("post", "/rentals", None, {"community_id": "jinpen", "address": "1 Rd", "landlord": {"name": "W"}}, 201),
    ("post", "/rentals/{rental}/tenants", "rental", {"size": 3, "floating": True}, 200),
    ("post", "/follow-ups", None, {"community_id": "jinpen", "group": "community_correction"}, 201),
    ("post", "/follow-ups/{follow_up}/visits", "follow_up", {"notes": "ok"}, 200),
    ("post", "/follow-ups/{follow_up}/end", "follow_up", {"outcome": "completed", "reoffended": False}, 200),
]


@pytest.mark.parametrize(("method", "template", "kind", "body", "status"), WRITES,
                         ids=[f"{w[0]} {w[1]}" for w in WRITES])
def test_write_endpoint_auth(grid, staff, foreign, method, template, kind, body, status):
    ident = make(grid, staff, kind) if kind else None
    path = template.format(**{kind: ident}) if kind else template
    send = getattr(grid, method if method != "post" else "post")
    kwargs = {"json": body} if body is not None else {}
    before = stored(grid)
    assert send(path, **kwargs).status_code == 401
    refused = send(path, headers=foreign, **kwargs)
    assert refused.status_code == 403 and "jinpen" in refused.json()["detail"]
    assert stored(grid) == before
    ok = send(path, headers=staff, **kwargs)
    assert ok.status_code == status, ok.text


def test_register_community_is_admin_only(grid, staff, auth):
    body = {**JINPEN, "id": "huasheng", "name": "Huasheng"}
    assert grid.post("/communities", json=body).status_code == 401
    assert grid.post("/communities", json=body, headers=staff).status_code == 403
    assert grid.post("/communities", json=body, headers=auth("admin", communities=[])).status_code == 201
    assert grid.post("/communities", json=body, headers=auth("admin")).status_code == 409
    listed = grid.get("/communities", headers=auth("auditor")).json()
    assert [c["id"] for c in listed] == ["jinpen", "huasheng"]
    assert grid.get("/communities").status_code == 401


def test_unassign_worker(grid, staff, foreign):
    cell = make(grid, staff, "cell")
    grid.post(f"/cells/{cell}/workers", json={"worker_id": "w-1"}, headers=staff)
    assert grid.delete(f"/cells/{cell}/workers/w-1").status_code == 401
    assert grid.delete(f"/cells/{cell}/workers/w-1", headers=foreign).status_code == 403
    assert grid.delete(f"/cells/{cell}/workers/w-1", headers=staff).json()["workers"] == []
    assert grid.delete(f"/cells/{cell}/workers/w-1", headers=staff).status_code == 409


def test_tenant_departed(grid, staff, foreign):
    house = make(grid, staff, "rental")
    household = grid.post(f"/rentals/{house}/tenants", json={"size": 2, "floating": False},
                          headers=staff).json()["household_id"]
    path = f"/rentals/{house}/tenants/{household}"
    assert grid.delete(path).status_code == 401
    assert grid.delete(path, headers=foreign).status_code == 403
    assert grid.delete(path, headers=staff).json()["tenants"] == {}


def test_full_case_lifecycle_and_history_without_contact(grid, staff, auth):
    cell = make(grid, staff, "cell")
    case = new_case(grid, staff, grid_cell_id=cell, channel="hotline", location={"lat": 26.4, "long": 112.8},
                    reporter_contact={"name": "Li", "phone": "13800000000"})
    worker = auth("grid_worker", communities=["jinpen"])
    steps = [("accept", None), ("assign", {"worker_id": "w-9"}), ("escalate", {"level": "street", "reason": "big"}),
             ("assign", {"department": "water bureau"}), ("resolve", {"outcome": "pipe fixed"}),
             ("close", {"satisfaction": 5}), ("reopen", {"reason": "leaks again"}), ("resolve", {"outcome": "ok"})]
    for command, body in steps:
        response = grid.post(f"/cases/{case}/{command}", json=body, headers=worker)
        assert response.status_code == 200, (command, response.text)
    view = grid.get(f"/cases/{case}", headers=staff).json()
    assert view["status"] == "resolved" and view["assignee"] == "water bureau" and view["channel"] == "hotline"
    history = grid.get(f"/cases/{case}/history", headers=staff).json()
    assert [h["type"] for h in history] == ["Reported", "Accepted", "Assigned", "Escalated", "Assigned", "Resolved",
                                            "Closed", "Reopened", "Resolved"]
    assert history[1]["actor_role"] == "grid_worker"
    assert "13800000000" not in str(history) and "reporter_contact" not in str(history)
    assert grid.get(f"/cases/{case}/history").status_code == 401
    assert grid.get(f"/cases/{case}/history", headers=auth("grid_worker", communities=["x"])).status_code == 403


def test_illegal_transition_over_http_is_409_naming_state(grid, staff):
    case = new_case(grid, staff)
    grid.post(f"/cases/{case}/reject", json={"reason": "not_our_responsibility"}, headers=staff)
    response = grid.post(f"/cases/{case}/accept", headers=staff)
    assert response.status_code == 409 and "rejected" in response.json()["detail"]


def test_reject_as_duplicate_of_unknown_case_is_422(grid, staff):
    case = new_case(grid, staff)
    response = grid.post(f"/cases/{case}/reject", json={"reason": "duplicate", "duplicate_of": "nope"},
                         headers=staff)
    assert response.status_code == 422
    other = new_case(grid, staff)
    ok = grid.post(f"/cases/{case}/reject", json={"reason": "duplicate", "duplicate_of": other}, headers=staff)
    assert ok.json()["duplicate_of"] == other


def test_inspection_opens_cases_in_the_same_save(grid, staff):
    before = stored(grid)
    response = grid.post("/inspections", json={
        "community_id": "jinpen", "inspection_type": "fire_safety", "site": "Wholesale market 2",
        "hazards": [{"description": "hydrant blocked"}, {"description": "rubbish", "category": "sanitation"}],
        "open_cases": True}, headers=staff)
    assert response.status_code == 201, response.text
    case_ids = response.json()["case_ids"]
    assert len(case_ids) == 2 and stored(grid) == before + 3
    case = grid.get(f"/cases/{case_ids[0]}", headers=staff).json()
    assert case["channel"] == "patrol" and case["category"] == "safety_hazard"


def test_grid_cell_must_belong_to_the_community(grid, staff, auth):
    admin = auth("admin")
    grid.post("/communities", json={**JINPEN, "id": "huasheng"}, headers=admin)
    other_cell = grid.post("/cells", json={"community_id": "huasheng", "name": "H1"}, headers=admin).json()["id"]
    body = {"community_id": "jinpen", "category": "noise", "description": "x", "grid_cell_id": other_cell}
    assert grid.post("/cases", json=body, headers=staff).status_code == 422
    assert grid.post("/cells", json={"community_id": "nowhere", "name": "X"}, headers=admin).status_code == 404


def test_mediation_needs_two_parties(grid, staff):
    response = grid.post("/mediations", json={"community_id": "jinpen", "dispute_type": "family", "parties": 1},
                         headers=staff)
    assert response.status_code == 422
