"""Volunteering over HTTP: every write endpoint is guarded, and a full activity flow."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest


NOW = datetime.now(UTC).replace(microsecond=0)


@pytest.fixture
def staff(auth):
    return auth("community_staff", communities=["huasheng"])


def stored_events(client) -> int:
    """Events this test stored (the learned directory excluded)."""
    return (client.application.recorder.max_notification_id() or 0) - client.baseline


def created(response) -> str:
    assert response.status_code == 201, response.text
    return response.json()["id"]


def ok(response) -> dict:
    assert response.status_code == 200, response.text
    return response.json()


def register(client, headers, community="huasheng", name="李明") -> str:
    return created(client.post("/volunteers", json={"community_id": community, "name": name,
                                                    "phone": "13900000000", "skills": ["law"]}, headers=headers))


@pytest.fixture
def world(client, staff):
    """One of everything in huasheng, so each write endpoint has something to act on."""
    vid = register(client, staff)
    team = created(client.post("/teams", json={"community_id": "huasheng", "name": "环境巡查队",
                                               "purpose": "environment_patrol"}, headers=staff))
    ok(client.post(f"/teams/{team}/join", json={"volunteer_id": vid}, headers=staff))
    activity = created(client.post("/activities", json={
        "community_id": "huasheng", "title": "Clean-up", "place": "Park", "starts_at": NOW.isoformat(),
        "ends_at": (NOW + timedelta(hours=2)).isoformat(), "slots": 2, "points_per_hour": 10, "team_id": team},
        headers=staff))
    ok(client.post(f"/activities/{activity}/sign-up", json={"volunteer_id": vid}, headers=staff))
    other_activity = created(client.post("/activities", json={
        "community_id": "huasheng", "title": "Opera", "place": "Hall", "starts_at": NOW.isoformat(),
        "ends_at": (NOW + timedelta(hours=1)).isoformat(), "slots": 1, "points_per_hour": 0}, headers=staff))
    help_requests = [created(client.post("/help-requests", json={
        "community_id": "huasheng", "need": "shopping for an elderly resident", "urgency": "high",
        "deadline": (NOW + timedelta(days=1)).isoformat()}, headers=staff)) for _ in range(2)]
    return {"v": vid, "v2": register(client, staff, name="张伟"), "team": team, "activity": activity,
            "other_activity": other_activity, "help": help_requests[0], "other_help": help_requests[1]}


def writes(w: dict) -> list[tuple[str, dict | None, int]]:
    """(path, body, success status) for every write endpoint, in an order in which each succeeds."""
    at = (NOW + timedelta(minutes=1)).isoformat()
    return [
        ("/volunteers", {"community_id": "huasheng", "name": "n", "phone": "123", "skills": []}, 201),
        (f"/volunteers/{w['v']}/suspend", {"reason": "asked to pause"}, 200),
        (f"/volunteers/{w['v']}/reinstate", None, 200),
        ("/teams", {"community_id": "huasheng", "name": "t", "purpose": "legal_aid"}, 201),
        (f"/teams/{w['team']}/join", {"volunteer_id": w["v2"]}, 200),
        (f"/teams/{w['team']}/leader", {"volunteer_id": w["v"]}, 200),
        (f"/teams/{w['team']}/leave", {"volunteer_id": w["v"]}, 200),
        ("/activities", {"community_id": "huasheng", "title": "t", "place": "p", "starts_at": NOW.isoformat(),
                         "ends_at": (NOW + timedelta(hours=1)).isoformat(), "slots": 1, "points_per_hour": 5}, 201),
        (f"/activities/{w['activity']}/sign-up", {"volunteer_id": w["v2"]}, 200),
        (f"/activities/{w['activity']}/cancel-sign-up", {"volunteer_id": w["v2"]}, 200),
        (f"/activities/{w['activity']}/check-in", {"volunteer_id": w["v"], "at": NOW.isoformat()}, 200),
        (f"/activities/{w['activity']}/check-out", {"volunteer_id": w["v"], "at": at}, 200),
        (f"/activities/{w['activity']}/complete", None, 200),
        (f"/activities/{w['other_activity']}/cancel", {"reason": "rain"}, 200),
        ("/help-requests", {"community_id": "huasheng", "need": "n", "deadline": (NOW + timedelta(hours=3))
                            .isoformat()}, 201),
        (f"/help-requests/{w['help']}/match", {"team_id": w["team"]}, 200),
        (f"/help-requests/{w['help']}/fulfil", {"hours": 1.5, "outcome": "groceries delivered"}, 200),
        (f"/help-requests/{w['other_help']}/decline", {"reason": "outside our remit"}, 200),
        (f"/volunteers/{w['v']}/points/bonus", {"points": 5, "reason": "festival"}, 200),
        (f"/volunteers/{w['v']}/points/redeem", {"points": 5, "purpose": "charity supermarket"}, 200),
        ("/help-requests/expire-overdue", {}, 200),
    ]


def test_every_write_endpoint_is_401_without_token_403_abroad_and_works_for_staff(client, auth, staff, world):
    foreign = auth("community_staff", communities=["jinpen"])
    wrong_role = auth("grid_worker", communities=["huasheng"])
    for path, body, expected in writes(world):
        before = stored_events(client)
        assert client.post(path, json=body).status_code == 401, path
        assert client.post(path, json=body, headers=wrong_role).status_code == 403, path
        if not path.endswith("expire-overdue"):  # scoped to the caller's communities instead
            response = client.post(path, json=body, headers=foreign)
            assert response.status_code == 403 and "huasheng" in response.json()["detail"], path
        assert stored_events(client) == before, path
        response = client.post(path, json=body, headers=staff)
        assert response.status_code == expected, (path, response.text)


def test_admin_may_act_in_any_community(client, auth):
    admin = auth("admin", communities=[])
    vid = register(client, admin, community="xizhuchao")
    assert ok(client.get(f"/volunteers/{vid}", headers=admin))["name"] == "李明"


def test_reads_are_guarded_too(client, auth, staff, world):
    foreign = auth("community_staff", communities=["jinpen"])
    for path in (f"/volunteers/{world['v']}", f"/teams/{world['team']}", f"/activities/{world['activity']}",
                 f"/help-requests/{world['help']}", f"/volunteers/{world['v']}/points"):
        assert client.get(path).status_code == 401
        assert client.get(path, headers=foreign).status_code == 403
        ok(client.get(path, headers=staff))
    assert client.get("/activities/not-a-uuid", headers=staff).status_code == 404


def test_full_activity_flow(client, staff):
    volunteers = [register(client, staff, name=f"志愿者{i}") for i in range(3)]
    team = created(client.post("/teams", json={"community_id": "huasheng", "name": "红色帮帮团",
                                               "purpose": "issue_collection"}, headers=staff))
    ok(client.post(f"/teams/{team}/join", json={"volunteer_id": volunteers[0]}, headers=staff))
    assert ok(client.post(f"/teams/{team}/leader", json={"volunteer_id": volunteers[0]},
                          headers=staff))["leader_id"] == volunteers[0]
    activity = created(client.post("/activities", json={
        "community_id": "huasheng", "title": "Issue collection", "place": "Square", "starts_at": NOW.isoformat(),
        "ends_at": (NOW + timedelta(hours=2)).isoformat(), "slots": 2, "points_per_hour": 12, "team_id": team},
        headers=staff))
    for vid in volunteers[:2]:
        ok(client.post(f"/activities/{activity}/sign-up", json={"volunteer_id": vid}, headers=staff))
    full = client.post(f"/activities/{activity}/sign-up", json={"volunteer_id": volunteers[2]}, headers=staff)
    assert full.status_code == 409 and "full" in full.json()["detail"]
    twice = client.post(f"/activities/{activity}/sign-up", json={"volunteer_id": volunteers[0]}, headers=staff)
    assert twice.status_code == 409
    ok(client.post(f"/activities/{activity}/cancel-sign-up", json={"volunteer_id": volunteers[1]}, headers=staff))
    ok(client.post(f"/activities/{activity}/sign-up", json={"volunteer_id": volunteers[2]}, headers=staff))
    for vid in (volunteers[0], volunteers[2]):
        ok(client.post(f"/activities/{activity}/check-in", json={"volunteer_id": vid, "at": NOW.isoformat()},
                       headers=staff))
    too_long = client.post(f"/activities/{activity}/check-out", json={
        "volunteer_id": volunteers[0], "at": (NOW + timedelta(hours=4)).isoformat()}, headers=staff)
    assert too_long.status_code == 422
    ok(client.post(f"/activities/{activity}/check-out", json={
        "volunteer_id": volunteers[0], "at": (NOW + timedelta(hours=2, minutes=30)).isoformat()}, headers=staff))
    ok(client.post(f"/activities/{activity}/check-out", json={
        "volunteer_id": volunteers[2], "at": (NOW + timedelta(minutes=50)).isoformat()}, headers=staff))
    done = ok(client.post(f"/activities/{activity}/complete", headers=staff))
    assert done["status"] == "completed"
    assert ok(client.get(f"/volunteers/{volunteers[0]}/points", headers=staff))["balance"] == 30  # 2.5h x 12
    assert ok(client.get(f"/volunteers/{volunteers[2]}/points", headers=staff))["balance"] == 10  # 50min x 12/60
    negative = client.post(f"/volunteers/{volunteers[2]}/points/redeem",
                           json={"points": 11, "purpose": "charity supermarket"}, headers=staff)
    assert negative.status_code == 409


def test_malformed_bodies_are_422_and_write_nothing(client, staff):
    before = stored_events(client)
    bad = [
        ("/activities", {"community_id": "huasheng", "title": "t", "place": "p", "starts_at": NOW.isoformat(),
                         "ends_at": NOW.isoformat(), "slots": 1, "points_per_hour": 1}),  # ends before start
        ("/activities", {"community_id": "huasheng", "title": "t", "place": "p", "starts_at": NOW.isoformat(),
                         "ends_at": (NOW + timedelta(hours=1)).isoformat(), "slots": 0, "points_per_hour": 1}),
        ("/activities", {"community_id": "huasheng", "title": "t", "place": "p", "starts_at": "2024-05-01T09:00",
                         "ends_at": "2024-05-01T10:00", "slots": 1, "points_per_hour": 1}),  # no time zone
        ("/teams", {"community_id": "huasheng", "name": "t", "purpose": "karaoke"}),
        ("/help-requests", {"community_id": "huasheng", "need": "n", "urgency": "whenever",
                            "deadline": (NOW + timedelta(days=1)).isoformat()}),
        ("/help-requests", {"community_id": "huasheng", "need": "n", "deadline": (NOW - timedelta(days=1))
                            .isoformat()}),
        ("/volunteers", {"community_id": "huasheng", "name": "n", "phone": "call me", "skills": []}),
    ]
    for path, body in bad:
        assert client.post(path, json=body, headers=staff).status_code == 422, (path, body)
    assert stored_events(client) == before


def test_help_request_with_grid_case_is_idempotent_over_http(client, staff):
    body = {"community_id": "huasheng", "need": "n", "urgency": "urgent", "grid_case_id": "case-42",
            "deadline": (NOW + timedelta(days=1)).isoformat()}
    first = created(client.post("/help-requests", json=body, headers=staff))
    before = stored_events(client)
    assert created(client.post("/help-requests", json=body, headers=staff)) == first
    assert stored_events(client) == before


def test_suspended_volunteer_cannot_be_matched(client, staff, world):
    ok(client.post(f"/volunteers/{world['v']}/suspend", json={"reason": "r"}, headers=staff))
    response = client.post(f"/help-requests/{world['help']}/match", json={"volunteer_id": world["v"]}, headers=staff)
    assert response.status_code == 409 and "suspended" in response.json()["detail"]
