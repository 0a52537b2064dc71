"""The district's volunteering read model, fed envelopes of real stored events."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from services.district.projections.community_volunteering import CommunityVolunteering, volunteering_figures
from services.volunteering.application import VolunteeringApplication
from services.volunteering.commands import (
    Attendance, Bonus, ExpireOverdue, FormTeam, FulfilHelpRequest, MatchHelpRequest, PublishActivity, Reason,
    ReceiveHelpRequest, Redeem, RegisterVolunteer, VolunteerRef,
)
from services.volunteering.contract import contract
from shared.kernel.actor import Actor
from shared.platform.projector import Delivery, ReadModelWriter
from tests.conftest import teach_directory

STAFF = Actor(subject="staff-li", role="community_staff", pseudonym="p-li", communities=("*",))
NOW = datetime.now(UTC)


@pytest.fixture
def app():
    application = VolunteeringApplication(env={"PERSISTENCE_MODULE": "eventsourcing.popo"})
    teach_directory(application)
    yield application
    application.close()


def envelopes(app: VolunteeringApplication) -> list:
    """Every stored event as the relay would publish it, decoded as the projector would."""
    items = []
    for n in app.recorder.select_notifications(None, 10_000):
        envelope = contract.to_envelope(app.mapper.to_domain_event(n))
        if envelope is not None:
            items.append((envelope, contract.events.decode(envelope), Delivery("shequ.volunteering.v1", 0, n.id, None,
                                                                         envelope.to_bytes())))
    return items


def scenario(app: VolunteeringApplication) -> dict:
    vids = [app.register_volunteer(STAFF, RegisterVolunteer(community_id="huasheng", name=f"v{i}", phone="100"))
            for i in range(3)]
    app.register_volunteer(STAFF, RegisterVolunteer(community_id="jinpen", name="j", phone="100"))
    app.suspend_volunteer(STAFF, vids[2], Reason(reason="private reason"))
    patrol = app.form_team(STAFF, FormTeam(community_id="huasheng", name="环境巡查队", purpose="environment_patrol"))
    legal = app.form_team(STAFF, FormTeam(community_id="huasheng", name="法律援助队", purpose="legal_aid"))
    app.join_team(STAFF, patrol, VolunteerRef(volunteer_id=str(vids[0])))
    activity = app.publish_activity(STAFF, PublishActivity(
        community_id="huasheng", title="t", place="p", starts_at=NOW, ends_at=NOW + timedelta(hours=3), slots=3,
        points_per_hour=10, team_id=str(patrol)))
    for vid in vids[:2]:
        app.sign_up(STAFF, activity, VolunteerRef(volunteer_id=str(vid)))
        app.check_in(STAFF, activity, Attendance(volunteer_id=str(vid), at=NOW))
    app.check_out(STAFF, activity, Attendance(volunteer_id=str(vids[0]), at=NOW + timedelta(hours=2)))
    app.check_out(STAFF, activity, Attendance(volunteer_id=str(vids[1]), at=NOW + timedelta(hours=1, minutes=30)))
    app.complete_activity(STAFF, activity)
    cancelled = app.publish_activity(STAFF, PublishActivity(
        community_id="huasheng", title="t", place="p", starts_at=NOW, ends_at=NOW + timedelta(hours=1), slots=1,
        points_per_hour=1))
    app.cancel_activity(STAFF, cancelled, Reason(reason="rain"))
    helped = app.receive_help_request_from_grid_case(STAFF, "huasheng", "case-1", "n", "high",
                                                     NOW + timedelta(days=1))
    app.match_help_request(STAFF, helped, MatchHelpRequest(team_id=str(legal)))
    app.fulfil_help_request(STAFF, helped, FulfilHelpRequest(hours=1, outcome="advice given"))
    declined = app.receive_help_request(STAFF, ReceiveHelpRequest(community_id="huasheng", need="n", urgency="low",
                                                                  deadline=NOW + timedelta(days=1)))
    app.decline_help_request(STAFF, declined, Reason(reason="not ours"))
    app.receive_help_request(STAFF, ReceiveHelpRequest(community_id="huasheng", need="n", urgency="low",
                                                       deadline=NOW + timedelta(hours=1)))
    app.expire_overdue(STAFF, ExpireOverdue(now=NOW + timedelta(days=2)))
    app.award_bonus(STAFF, vids[1], Bonus(points=5, reason="festival"))
    app.redeem_points(STAFF, vids[0], Redeem(points=12, purpose="charity supermarket"))
    return {"vids": [str(v) for v in vids], "patrol": str(patrol), "legal": str(legal)}


def test_figures_from_real_events_and_applying_twice_changes_nothing(app, read_db):
    ids = scenario(app)
    db = read_db
    writer = ReadModelWriter(db, [CommunityVolunteering()])
    items = envelopes(app)
    failures: list = []
    writer.apply(items, lambda d, reason: failures.append(reason))
    assert failures == []
    doc = db.community_volunteering.find_one({"_id": "huasheng"})
    figures = volunteering_figures(doc, NOW, residents=12_000)
    assert figures["registered_volunteers"] == 3
    assert figures["suspended_volunteers"] == 1
    assert figures["active_volunteers_90d"] == 2
    assert figures["volunteers_per_1000_residents"] == 0.2
    assert sum(figures["hours_by_month"].values()) == figures["hours_total"] == 4.5  # 2 + 1.5 + 1 (help)
    assert NOW.strftime("%Y-%m") in figures["hours_by_month"] or NOW.day >= 28
    assert (figures["activities_held"], figures["activities_cancelled"]) == (1, 1)
    assert figures["help_requests"] | {"median_hours_to_fulfil": None} == {
        "received": 3, "fulfilled": 1, "declined": 1, "expired": 1, "from_grid": 1, "open": 0,
        "median_hours_to_fulfil": None}
    assert figures["help_requests"]["median_hours_to_fulfil"] == 0.0
    assert figures["points"] == {"awarded": 20 + 15 + 5, "redeemed": 12, "outstanding": 28}
    assert [(t["team_id"], t["hours"]) for t in figures["team_leaderboard"]] == [(ids["patrol"], 3.5),
                                                                                (ids["legal"], 1.0)]
    assert volunteering_figures(doc, NOW + timedelta(days=91))["active_volunteers_90d"] == 0
    assert db.community_volunteering.find_one({"_id": "jinpen"})["registered"] == 1

    again = writer.apply(items, lambda d, reason: failures.append(reason))
    assert (again.applied, again.writes, again.duplicates) == (0, 0, len(items))
    assert db.community_volunteering.find_one({"_id": "huasheng"}) == doc


def test_public_events_carry_no_personal_data(app):
    scenario(app)
    for envelope, _, _ in envelopes(app):
        text = envelope.to_bytes().decode()
        assert "private reason" not in text and '"name":"v' not in text and '"phone"' not in text
        assert envelope.type.startswith("shequ.volunteering.")


def test_fulfilled_carries_grid_case_and_outcome(app):
    scenario(app)
    by_type = {e.event_name: e for e, _, _ in envelopes(app)}
    assert by_type["HelpRequestFulfilled"].data["grid_case_id"] == "case-1"
    assert by_type["HelpRequestFulfilled"].data["outcome"] == "advice given"
    assert by_type["HelpRequestExpired"].data["reason"]
    assert set(contract.events.public_types) == {f"shequ.volunteering.{n}.v1" for n in by_type} | {
        "shequ.volunteering.TeamLeaderAppointed.v1", "shequ.volunteering.VolunteerReinstated.v1",
        "shequ.volunteering.SignUpCancelled.v1", "shequ.volunteering.VolunteerLeftTeam.v1"}
