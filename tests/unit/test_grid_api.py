"""Grid case slice over HTTP: rules, validation, and that nothing is written on refusal."""

from __future__ import annotations

import pytest

from services.grid.config import SERVICE as GRID


@pytest.fixture
def grid(service_client):
    return service_client(GRID)


def stored_events(client) -> int:
    return client.application.recorder.max_notification_id() or 0


def test_report_and_resolve_a_case(grid, auth):
    staff = auth("community_staff", communities=["jinpen"])
    created = grid.post("/cases", json={"community_id": "jinpen", "category": "noise", "description": "loud"},
                        headers=staff)
    assert created.status_code == 201
    case_id = created.json()["id"]
    resolved = grid.post(f"/cases/{case_id}/resolve", json={"outcome": "talked to neighbour"}, headers=staff)
    assert resolved.status_code == 200
    assert resolved.json()["status"] == "resolved"
    assert grid.get(f"/cases/{case_id}", headers=staff).json()["outcome"] == "talked to neighbour"


def test_resolving_a_resolved_case_is_a_conflict_and_writes_nothing(grid, auth):
    staff = auth("grid_worker", communities=["jinpen"])
    case_id = grid.post("/cases", json={"community_id": "jinpen", "category": "noise", "description": "x"},
                        headers=staff).json()["id"]
    grid.post(f"/cases/{case_id}/resolve", json={"outcome": "done"}, headers=staff)
    before = stored_events(grid)
    again = grid.post(f"/cases/{case_id}/resolve", json={"outcome": "again"}, headers=staff)
    assert again.status_code == 409
    assert "resolved" in again.json()["detail"]
    assert stored_events(grid) == before


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"community_id": "jinpen", "category": "not-a-category", "description": "x"}, "category"),
        ({"community_id": "jinpen", "category": "noise"}, "description"),
        ({"community_id": "jinpen", "category": "noise", "description": ""}, "description"),
        ({"community_id": "jinpen", "category": "noise", "description": "x", "extra": 1}, "extra"),
        ({"community_id": "Bad Id!", "category": "noise", "description": "x"}, "community_id"),
    ],
)
def test_malformed_report_is_422_naming_the_field_and_writes_nothing(grid, auth, body, field):
    response = grid.post("/cases", json=body, headers=auth("community_staff"))
    assert response.status_code == 422
    assert field in {str(part) for err in response.json()["detail"] for part in err["loc"]}
    assert stored_events(grid) == 0


def test_unknown_case_is_404(grid, auth):
    assert grid.get("/cases/00000000-0000-0000-0000-000000000000", headers=auth("community_staff")).status_code == 404
    assert grid.get("/cases/not-a-uuid", headers=auth("community_staff")).status_code == 404


def test_no_token_is_401_with_challenge_and_writes_nothing(grid):
    response = grid.post("/cases", json={"community_id": "jinpen", "category": "noise", "description": "x"})
    assert response.status_code == 401
    assert response.headers["www-authenticate"].startswith("Bearer")
    assert stored_events(grid) == 0


def test_foreign_community_and_wrong_role_are_403_and_write_nothing(grid, auth):
    body = {"community_id": "jinpen", "category": "noise", "description": "x"}
    foreign = grid.post("/cases", json=body, headers=auth("community_staff", communities=["huasheng"]))
    assert foreign.status_code == 403 and "jinpen" in foreign.json()["detail"]
    operator = grid.post("/cases", json=body, headers=auth("district_operator"))
    assert operator.status_code == 403 and "community_staff" in operator.json()["detail"]
    assert stored_events(grid) == 0


def test_tampered_or_foreign_token_is_401(grid, auth, tmp_path):
    from shared.platform.auth import DevelopmentKeys

    other_key = DevelopmentKeys(tmp_path / "elsewhere").mint("mallory", ["admin"], ["*"])
    response = grid.get("/cases/00000000-0000-0000-0000-000000000000",
                        headers={"Authorization": f"Bearer {other_key}"})
    assert response.status_code == 401
    assert 'error="invalid_token"' in response.headers["www-authenticate"]


def test_every_stored_event_says_who_made_it(grid, auth):
    staff = auth("community_staff", communities=["jinpen"], subject="staff-li")
    grid.post("/cases", json={"community_id": "jinpen", "category": "noise", "description": "x"},
              headers={**staff, "X-Request-Id": "req-123"})
    app = grid.application
    notification = app.recorder.select_notifications(1, 1)[0]
    event = app.mapper.to_domain_event(notification)
    assert event.actor["subject"] == "staff-li"
    assert event.actor["role"] == "community_staff"
    assert event.actor["correlation_id"] == "req-123"
