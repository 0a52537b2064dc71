"""GET /volunteering/volunteers, /teams, /activities, /help-requests: filters, hours and points, slots, the open
help worklist, sort, keyset cursors, scoping, 422 naming the parameter."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from tests.http_helpers import created, ids, listed, ok

NOW = datetime.now(UTC).replace(microsecond=0)


@pytest.fixture
def staff(auth):
    return auth("community_staff", communities=["huasheng", "jinpen"])


def volunteer(client, headers, name: str, skills=(), community: str = "huasheng") -> str:
    return created(client.post("/volunteers", headers=headers, json={
        "community_id": community, "name": name, "phone": "13900000000", "skills": list(skills)}))


def team(client, headers, name: str, purpose: str = "elderly_care", community: str = "huasheng") -> str:
    return created(client.post("/teams", headers=headers,
                               json={"community_id": community, "name": name, "purpose": purpose}))


def activity(client, headers, title: str, starts_at: datetime, slots: int = 2, community: str = "huasheng") -> str:
    return created(client.post("/activities", headers=headers, json={
        "community_id": community, "title": title, "place": "Hall", "starts_at": starts_at.isoformat(),
        "ends_at": (starts_at + timedelta(hours=2)).isoformat(), "slots": slots, "points_per_hour": 10}))


def help_request(client, headers, deadline: datetime, community: str = "huasheng") -> str:
    return created(client.post("/help-requests", headers=headers, json={
        "community_id": community, "need": "groceries", "urgency": "high", "deadline": deadline.isoformat()}))


def test_volunteers_by_team_and_skill_with_hours_and_points(client, staff):
    li = volunteer(client, staff, "Li", skills=["law", "first_aid"])
    wang = volunteer(client, staff, "Wang", skills=["cooking"])
    zhao = volunteer(client, staff, "Zhao")
    care = team(client, staff, "Care")
    for member in (li, wang):
        ok(client.post(f"/teams/{care}/join", json={"volunteer_id": member}, headers=staff))
    ok(client.post(f"/teams/{care}/leave", json={"volunteer_id": wang}, headers=staff))

    started = NOW - timedelta(hours=1)
    clean_up = activity(client, staff, "Clean-up", started)
    ok(client.post(f"/activities/{clean_up}/sign-up", json={"volunteer_id": li}, headers=staff))
    ok(client.post(f"/activities/{clean_up}/check-in", json={"volunteer_id": li, "at": started.isoformat()},
                   headers=staff))
    out = (started + timedelta(minutes=90)).isoformat()
    ok(client.post(f"/activities/{clean_up}/check-out", json={"volunteer_id": li, "at": out}, headers=staff))
    ok(client.post(f"/activities/{clean_up}/complete", headers=staff))  # 1.5 h x 10 points
    helped = help_request(client, staff, NOW + timedelta(days=1))
    ok(client.post(f"/help-requests/{helped}/match", json={"volunteer_id": li}, headers=staff))
    ok(client.post(f"/help-requests/{helped}/fulfil", json={"hours": 0.5, "outcome": "done"}, headers=staff))
    ok(client.post(f"/volunteers/{li}/points/redeem", json={"points": 5, "purpose": "soap"}, headers=staff))

    page = listed(client, "/volunteers", staff)
    assert ids(page) == [li, wang, zhao]
    first = page["items"][0]
    assert first["hours"] == 2.0 and first["points_balance"] == 10 and first["skills"] == ["first_aid", "law"]
    assert "phone" not in first and first["suspended"] is False
    assert ids(listed(client, "/volunteers", staff, team_id=care)) == [li]  # Wang left
    assert ids(listed(client, "/volunteers", staff, skill="cooking")) == [wang]
    assert ids(listed(client, "/volunteers", staff, skill="law", team_id=care)) == [li]
    assert ids(listed(client, "/volunteers", staff, skill="singing")) == []


def test_teams_with_members_and_leader(client, staff):
    care, law = team(client, staff, "Care"), team(client, staff, "Law", purpose="legal_aid")
    li = volunteer(client, staff, "Li")
    ok(client.post(f"/teams/{care}/join", json={"volunteer_id": li}, headers=staff))
    ok(client.post(f"/teams/{care}/leader", json={"volunteer_id": li}, headers=staff))
    page = listed(client, "/teams", staff)
    assert ids(page) == [care, law]
    assert (page["items"][0]["members"], page["items"][0]["leader_id"]) == (1, li)
    assert ids(listed(client, "/teams", staff, purpose="legal_aid")) == [law]


def test_activities_by_date_and_open_slots(client, staff):
    li, wang = volunteer(client, staff, "Li"), volunteer(client, staff, "Wang")
    past = activity(client, staff, "Past", NOW - timedelta(days=3))
    full = activity(client, staff, "Full", NOW + timedelta(days=1), slots=1)
    roomy = activity(client, staff, "Roomy", NOW + timedelta(days=2), slots=3)
    cancelled = activity(client, staff, "Cancelled", NOW + timedelta(days=3))
    ok(client.post(f"/activities/{full}/sign-up", json={"volunteer_id": li}, headers=staff))
    for who in (li, wang):
        ok(client.post(f"/activities/{roomy}/sign-up", json={"volunteer_id": who}, headers=staff))
    ok(client.post(f"/activities/{roomy}/cancel-sign-up", json={"volunteer_id": wang}, headers=staff))
    ok(client.post(f"/activities/{cancelled}/cancel", json={"reason": "rain"}, headers=staff))

    page = listed(client, "/activities", staff)
    assert ids(page) == [past, full, roomy, cancelled]  # by start
    assert [(a["slots"], a["filled"]) for a in page["items"]] == [(2, 0), (1, 1), (3, 1), (2, 0)]
    upcoming = {"from": NOW.isoformat()}
    assert ids(listed(client, "/activities", staff, **upcoming)) == [full, roomy, cancelled]
    assert ids(listed(client, "/activities", staff, to=(NOW + timedelta(days=2)).isoformat())) == [past, full]
    assert ids(listed(client, "/activities", staff, has_open_slots="true", **upcoming)) == [roomy]
    assert ids(listed(client, "/activities", staff, has_open_slots="false", **upcoming)) == [full, cancelled]
    assert ids(listed(client, "/activities", staff, status="cancelled")) == [cancelled]


def test_open_help_requests_are_the_default_worklist_nearest_deadline_first(client, staff):
    later = help_request(client, staff, NOW + timedelta(days=2))
    sooner = help_request(client, staff, NOW + timedelta(hours=2))
    declined = help_request(client, staff, NOW + timedelta(days=1))
    li = volunteer(client, staff, "Li")
    ok(client.post(f"/help-requests/{later}/match", json={"volunteer_id": li}, headers=staff))
    ok(client.post(f"/help-requests/{declined}/decline", json={"reason": "duplicate"}, headers=staff))

    page = listed(client, "/help-requests", staff)
    assert ids(page) == [sooner, later]
    assert [(r["status"], r["volunteer_id"], r["overdue"]) for r in page["items"]] == [
        ("received", None, False), ("matched", li, False)]
    assert "need" not in page["items"][0]
    assert ids(listed(client, "/help-requests", staff, status="declined")) == [declined]
    assert ids(listed(client, "/help-requests", staff, status="matched")) == [later]
    assert ids(listed(client, "/help-requests", staff, status="any")) == [sooner, declined, later]


def test_the_cursor_neither_repeats_nor_skips_while_volunteers_register(client, staff):
    existing = [volunteer(client, staff, f"v{i:02}") for i in range(0, 20, 2)]
    seen, page, added = [], listed(client, "/volunteers", staff, limit=3), 1
    seen += ids(page)
    while page["next_cursor"]:
        volunteer(client, staff, f"v{added:02}")
        added += 2
        page = listed(client, "/volunteers", staff, limit=3, cursor=page["next_cursor"])
        seen += ids(page)
    assert len(seen) == len(set(seen)) and set(existing) <= set(seen)


def test_a_token_sees_only_its_communities_and_another_is_403(client, auth, staff):
    volunteer(client, staff, "Li", community="jinpen")
    mine = volunteer(client, staff, "Wang")
    huasheng = auth("community_staff", communities=["huasheng"])
    assert ids(listed(client, "/volunteers", huasheng)) == [mine]
    for path in ("/volunteers", "/teams", "/activities", "/help-requests"):
        assert client.get(path, params={"community_id": "jinpen"}, headers=huasheng).status_code == 403, path


@pytest.mark.parametrize(("path", "parameter", "value"), [
    ("/volunteers", "limit", "0"), ("/teams", "purpose", "party"), ("/activities", "from", "tomorrow"),
    ("/activities", "has_open_slots", "some"), ("/activities", "status", "postponed"),
    ("/help-requests", "status", "lost"), ("/help-requests", "limit", "500"),
])
def test_bad_parameters_are_422_naming_the_parameter(client, staff, path, parameter, value):
    response = client.get(path, params={parameter: value}, headers=staff)
    assert response.status_code == 422, response.text
    assert [e["loc"] for e in response.json()["detail"]] == [["query", parameter]]


def test_a_time_without_zone_is_422_naming_it(client, staff):
    response = client.get("/activities", params={"to": "2026-01-01T00:00:00"}, headers=staff)
    assert response.status_code == 422 and response.json()["field"] == "to"
