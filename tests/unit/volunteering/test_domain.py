"""Volunteering rules, on the aggregates and through the application (in-memory store)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from services.volunteering.application import VolunteeringApplication
from services.volunteering.commands import (
    Attendance, ExpireOverdue, PublishActivity, Reason, ReceiveHelpRequest, Redeem, RegisterVolunteer, VolunteerRef,
)
from services.volunteering.domain import (
    Activity,
    HelpRequest,
    PointsLedger,
    Team,
    Volunteer,
    help_request_id_for_grid_case,
    ledger_id_for,
)
from shared.kernel.actor import Actor
from shared.kernel.errors import Conflict, Invalid
from tests.conftest import teach_directory

START = datetime(2024, 5, 4, 9, 0, tzinfo=UTC)
STAFF = Actor(subject="staff-li", role="community_staff", pseudonym="p-li", communities=("huasheng",))
ADMIN = Actor(subject="admin", role="admin", pseudonym="p-admin")


def volunteer(community: str = "huasheng") -> Volunteer:
    return Volunteer(community_id=community, name="王芳", phone="13800000000", skills=["legal"])


def activity(slots: int = 2, hours: int = 3, points_per_hour: int = 10) -> Activity:
    return Activity.publish(community_id="huasheng", title="River patrol", place="East bank", starts_at=START,
                            ends_at=START + timedelta(hours=hours), slots=slots, points_per_hour=points_per_hour)


@pytest.fixture
def app():
    application = VolunteeringApplication(env={"PERSISTENCE_MODULE": "eventsourcing.popo"})
    teach_directory(application)
    yield application
    application.close()


def stored(app: VolunteeringApplication) -> int:
    return app.recorder.max_notification_id() or 0


# -- activities ---------------------------------------------------------------

@pytest.mark.parametrize(("field", "kwargs"), [
    ("slots", {"slots": 0}),
    ("ends_at", {"ends_at": START}),
    ("starts_at", {"starts_at": datetime(2024, 5, 4, 9)}),
    ("points_per_hour", {"points_per_hour": -1}),
])
def test_publishing_validates(field, kwargs):
    args = dict(community_id="huasheng", title="t", place="p", starts_at=START, ends_at=START + timedelta(hours=1),
                slots=1, points_per_hour=1) | kwargs
    with pytest.raises(Invalid) as err:
        Activity.publish(**args)
    assert err.value.field == field


def test_sign_up_not_beyond_slots_and_not_twice():
    a, v1, v2, v3 = activity(slots=2), volunteer(), volunteer(), volunteer()
    a.sign_up(v1)
    with pytest.raises(Conflict, match="already signed up"):
        a.sign_up(v1)
    a.sign_up(v2)
    with pytest.raises(Conflict, match="full"):
        a.sign_up(v3)
    a.cancel_sign_up(str(v1.id))
    a.sign_up(v3)
    assert a.sign_ups == [str(v2.id), str(v3.id)]


def test_cannot_cancel_a_sign_up_that_does_not_exist():
    with pytest.raises(Conflict):
        activity().cancel_sign_up(str(volunteer().id))


def test_volunteer_of_another_community_cannot_sign_up():
    with pytest.raises(Invalid):
        activity().sign_up(volunteer("jinpen"))


def test_suspended_volunteer_cannot_sign_up_or_be_matched_until_reinstated():
    v, a = volunteer(), activity()
    v.suspend("no-shows")
    with pytest.raises(Conflict, match="suspended"):
        a.sign_up(v)
    request = HelpRequest.receive(community_id="huasheng", need="carry coal", urgency="high",
                                  deadline=START + timedelta(days=1), now=START)
    with pytest.raises(Conflict, match="suspended"):
        request.match(volunteer=v)
    with pytest.raises(Conflict):
        v.suspend("again")
    v.reinstate()
    with pytest.raises(Conflict):
        v.reinstate()
    a.sign_up(v)
    request.match(volunteer=v)


def signed_in(a: Activity, at: datetime = START) -> Volunteer:
    v = volunteer()
    a.sign_up(v)
    a.check_in(v, at)
    return v


def test_check_in_requires_sign_up_once_and_within_the_activity():
    a, v = activity(), volunteer()
    with pytest.raises(Conflict, match="not signed up"):
        a.check_in(v, START)
    a.sign_up(v)
    with pytest.raises(Invalid):
        a.check_in(v, START - timedelta(hours=2))
    with pytest.raises(Invalid):
        a.check_in(v, START + timedelta(hours=4))
    a.check_in(v, START)
    with pytest.raises(Conflict, match="already checked in"):
        a.check_in(v, START)


def test_hours_are_bounded():
    a = activity(hours=3)
    v = signed_in(a)
    with pytest.raises(Invalid, match="after check-in"):
        a.check_out(str(v.id), START)
    with pytest.raises(Invalid, match="at most"):
        a.check_out(str(v.id), START + timedelta(hours=4, minutes=1))  # length 3h + 1h slack
    with pytest.raises(Conflict, match="not checked in"):
        a.check_out(str(volunteer().id), START + timedelta(hours=1))
    a.check_out(str(v.id), START + timedelta(hours=4))
    assert a.minutes[str(v.id)] == 240
    with pytest.raises(Conflict, match="already checked out"):
        a.check_out(str(v.id), START + timedelta(hours=4))


def test_no_more_than_twelve_hours_even_for_a_long_activity():
    a = activity(hours=20)
    v = signed_in(a)
    with pytest.raises(Invalid):
        a.check_out(str(v.id), START + timedelta(hours=12, minutes=1))
    a.check_out(str(v.id), START + timedelta(hours=12))


def test_points_are_hours_times_rate_rounded_down():
    a = activity(points_per_hour=10)
    v = signed_in(a)
    a.check_out(str(v.id), START + timedelta(minutes=100))  # 1h40 x 10 = 16.67
    assert a.awards() == {str(v.id): 16}


def test_completion_needs_everyone_checked_out_and_happens_once():
    a = activity()
    v = signed_in(a)
    with pytest.raises(Conflict, match="check them out"):
        a.complete()
    a.check_out(str(v.id), START + timedelta(hours=1))
    a.complete()
    with pytest.raises(Conflict, match="completed"):
        a.complete()
    with pytest.raises(Conflict):
        a.sign_up(volunteer())


def test_cancelling_releases_sign_ups_but_not_once_started():
    a = activity()
    a.sign_up(volunteer())
    a.cancel("rain")
    assert a.sign_ups == [] and a.status == "cancelled"
    started = activity()
    signed_in(started)
    with pytest.raises(Conflict, match="started"):
        started.cancel("rain")


# -- teams --------------------------------------------------------------------

def test_leader_must_be_a_member_and_leaving_clears_leadership():
    team, v = Team(community_id="huasheng", name="法律援助队", purpose="legal_aid"), volunteer()
    with pytest.raises(Conflict, match="only a member"):
        team.appoint_leader(str(v.id))
    team.join(v)
    with pytest.raises(Conflict, match="already in team"):
        team.join(v)
    team.appoint_leader(str(v.id))
    assert team.leader_id == str(v.id)
    team.leave(str(v.id))
    assert team.leader_id is None
    with pytest.raises(Conflict):
        team.leave(str(v.id))


def test_unknown_team_purpose_is_rejected():
    with pytest.raises(ValueError):
        Team(community_id="huasheng", name="x", purpose="karaoke")


# -- help requests ------------------------------------------------------------

def request(**kwargs) -> HelpRequest:
    args = dict(community_id="huasheng", need="fix a tap", urgency="normal", deadline=START + timedelta(days=2),
                now=START) | kwargs
    return HelpRequest.receive(**args)


def test_help_request_lifecycle_rules():
    r = request()
    with pytest.raises(Conflict, match="only a matched"):
        r.fulfil(60, "done")
    with pytest.raises(Invalid):
        r.match()
    r.match(volunteer=volunteer())
    with pytest.raises(Invalid):
        r.fulfil(0, "done")
    r.fulfil(90, "tap fixed")
    assert (r.status, r.minutes) == ("fulfilled", 90)
    with pytest.raises(Conflict):
        r.decline("too late")


def test_deadline_must_be_in_the_future():
    with pytest.raises(Invalid) as err:
        request(deadline=START)
    assert err.value.field == "deadline"


def test_expiry_only_after_the_deadline_and_only_when_open():
    r = request()
    with pytest.raises(Conflict, match="not past"):
        r.expire(START + timedelta(days=1))
    r.expire(START + timedelta(days=3))
    assert r.status == "expired"
    with pytest.raises(Conflict):
        r.expire(START + timedelta(days=3))


def test_grid_case_requests_have_a_deterministic_id():
    assert request(grid_case_id="case-1").id == help_request_id_for_grid_case("case-1")
    assert request().id != request().id


# -- points -------------------------------------------------------------------

def test_ledger_never_goes_below_zero():
    v = volunteer()
    ledger = PointsLedger.open_for(v)
    assert ledger.id == ledger_id_for(v.id)
    ledger.award_bonus(30, "festival help")
    with pytest.raises(Conflict, match="only 30"):
        ledger.redeem(31, "charity supermarket")
    ledger.redeem(30, "charity supermarket: rice and oil")
    assert ledger.balance == 0
    with pytest.raises(Invalid):
        ledger.award_bonus(0, "nothing")
    with pytest.raises(Invalid):
        ledger.redeem(0, "nothing")


def test_activity_points_awarded_once_per_activity():
    ledger = PointsLedger.open_for(volunteer())
    ledger.award_for_activity("a1", 60, 10)
    with pytest.raises(Conflict):
        ledger.award_for_activity("a1", 60, 10)


# -- application --------------------------------------------------------------

def test_completing_awards_points_to_each_ledger_in_the_same_save(app):
    now = datetime.now(UTC)
    vids = [app.register_volunteer(STAFF, RegisterVolunteer(community_id="huasheng", name=f"v{i}", phone="100"))
            for i in range(2)]
    aid = app.publish_activity(STAFF, PublishActivity(community_id="huasheng", title="t", place="p", starts_at=now,
                                                      ends_at=now + timedelta(hours=2), slots=5, points_per_hour=15))
    for vid in vids:
        app.sign_up(STAFF, aid, VolunteerRef(volunteer_id=str(vid)))
        app.check_in(STAFF, aid, Attendance(volunteer_id=str(vid), at=now))
    app.check_out(STAFF, aid, Attendance(volunteer_id=str(vids[0]), at=now + timedelta(minutes=90)))
    app.check_out(STAFF, aid, Attendance(volunteer_id=str(vids[1]), at=now + timedelta(minutes=3)))  # 0.75: none
    app.complete_activity(STAFF, aid)
    assert app.points(STAFF, vids[0])["balance"] == 22
    assert app.points(STAFF, vids[1])["balance"] == 0
    app.redeem_points(STAFF, vids[0], Redeem(points=20, purpose="charity supermarket"))
    with pytest.raises(Conflict):
        app.redeem_points(STAFF, vids[0], Redeem(points=3, purpose="charity supermarket"))
    assert app.points(STAFF, vids[0]) == {
        "volunteer_id": str(vids[0]), "community_id": "huasheng", "balance": 2, "awarded": 22, "redeemed": 20}


def test_help_request_from_grid_case_is_idempotent(app):
    deadline = datetime.now(UTC) + timedelta(days=1)
    first = app.receive_help_request_from_grid_case(STAFF, "huasheng", "case-7", "elderly needs shopping",
                                                    "high", deadline)
    before = stored(app)
    again = app.receive_help_request_from_grid_case(STAFF, "huasheng", "case-7", "elderly needs shopping",
                                                    "high", deadline)
    assert first == again == help_request_id_for_grid_case("case-7")
    assert stored(app) == before
    assert app.help_request(STAFF, first)["grid_case_id"] == "case-7"


def test_expire_overdue_expires_only_past_deadline_open_requests_and_is_idempotent(app):
    now = datetime.now(UTC)

    def receive(actor, community_id, need, deadline):
        return app.receive_help_request(actor, ReceiveHelpRequest(community_id=community_id, need=need,
                                                                  urgency="low", deadline=deadline))

    soon = receive(STAFF, "huasheng", "a", now + timedelta(hours=1))
    later = receive(STAFF, "huasheng", "b", now + timedelta(days=5))
    declined = receive(STAFF, "huasheng", "c", now + timedelta(hours=1))
    elsewhere = receive(ADMIN, "jinpen", "d", now + timedelta(hours=1))
    app.decline_help_request(STAFF, declined, Reason(reason="not our remit"))
    tomorrow = ExpireOverdue(now=now + timedelta(days=1))
    assert app.expire_overdue(STAFF, tomorrow) == [soon]  # staff of huasheng: only huasheng's
    before = stored(app)
    assert app.expire_overdue(STAFF, tomorrow) == []
    assert stored(app) == before
    assert app.help_request(STAFF, later)["status"] == "received"
    assert app.expire_overdue(ADMIN, tomorrow) == [elsewhere]
