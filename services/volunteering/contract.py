"""The volunteering service's public events (topic `shequ.volunteering.v1`).

A deliberate mapping from stored events. Volunteers appear only by their
pseudonymous id (the aggregate id): names, phone numbers, suspension reasons
and the text of residents' needs stay in the service.
"""

from __future__ import annotations

from datetime import datetime

from pydantic import Field

from services.volunteering.domain import Activity, HelpRequest, PointsLedger, Team, TeamPurpose, Urgency, Volunteer
from shared.platform.envelope import EventContract, PublicEvent

contract = EventContract("volunteering")
TEXT = Field(max_length=2000)


def _hours(minutes: int) -> float:
    return round(minutes / 60, 2)


class VolunteerRegistered(PublicEvent):
    event_name = "VolunteerRegistered"
    volunteer_id: str
    skills: list[str]


class VolunteerSuspended(PublicEvent):
    event_name = "VolunteerSuspended"
    volunteer_id: str


class VolunteerReinstated(PublicEvent):
    event_name = "VolunteerReinstated"
    volunteer_id: str


class TeamFormed(PublicEvent):
    event_name = "TeamFormed"
    team_id: str
    name: str = Field(max_length=200)
    purpose: TeamPurpose


class VolunteerJoinedTeam(PublicEvent):
    event_name = "VolunteerJoinedTeam"
    team_id: str
    volunteer_id: str


class VolunteerLeftTeam(PublicEvent):
    event_name = "VolunteerLeftTeam"
    team_id: str
    volunteer_id: str


class TeamLeaderAppointed(PublicEvent):
    event_name = "TeamLeaderAppointed"
    team_id: str
    volunteer_id: str


class ActivityPublished(PublicEvent):
    event_name = "ActivityPublished"
    activity_id: str
    team_id: str | None
    title: str = Field(max_length=200)
    place: str = Field(max_length=200)
    starts_at: datetime
    ends_at: datetime
    slots: int = Field(ge=1)
    points_per_hour: int = Field(ge=0)


class VolunteerSignedUp(PublicEvent):
    event_name = "VolunteerSignedUp"
    activity_id: str
    volunteer_id: str


class SignUpCancelled(PublicEvent):
    event_name = "SignUpCancelled"
    activity_id: str
    volunteer_id: str


class VolunteerCheckedIn(PublicEvent):
    event_name = "VolunteerCheckedIn"
    activity_id: str
    volunteer_id: str
    at: datetime


class VolunteerCheckedOut(PublicEvent):
    """Hours served at an activity; counted towards the activity's team, if any."""

    event_name = "VolunteerCheckedOut"
    activity_id: str
    volunteer_id: str
    team_id: str | None
    at: datetime
    minutes: int = Field(gt=0)
    hours: float


class ActivityCompleted(PublicEvent):
    event_name = "ActivityCompleted"
    activity_id: str
    team_id: str | None
    participants: int = Field(ge=0)
    total_minutes: int = Field(ge=0)
    points_awarded: int = Field(ge=0)


class ActivityCancelled(PublicEvent):
    event_name = "ActivityCancelled"
    activity_id: str
    reason: str = TEXT
    released_sign_ups: int = Field(ge=0)


class HelpRequestReceived(PublicEvent):
    event_name = "HelpRequestReceived"
    help_request_id: str
    urgency: Urgency
    deadline: datetime
    grid_case_id: str | None


class HelpRequestMatched(PublicEvent):
    event_name = "HelpRequestMatched"
    help_request_id: str
    grid_case_id: str | None
    volunteer_id: str | None
    team_id: str | None


class HelpRequestFulfilled(PublicEvent):
    """The grid service resolves `grid_case_id` (if any) with `outcome`."""

    event_name = "HelpRequestFulfilled"
    help_request_id: str
    grid_case_id: str | None
    outcome: str = TEXT
    volunteer_id: str | None
    team_id: str | None
    minutes: int = Field(gt=0)
    hours: float
    received_at: datetime


class HelpRequestDeclined(PublicEvent):
    event_name = "HelpRequestDeclined"
    help_request_id: str
    grid_case_id: str | None
    reason: str = TEXT


class HelpRequestExpired(PublicEvent):
    event_name = "HelpRequestExpired"
    help_request_id: str
    grid_case_id: str | None
    reason: str = TEXT
    deadline: datetime


class PointsAwarded(PublicEvent):
    event_name = "PointsAwarded"
    volunteer_id: str
    points: int = Field(ge=0)
    reason: str = TEXT
    activity_id: str | None
    minutes: int | None
    balance: int = Field(ge=0)


class PointsRedeemed(PublicEvent):
    event_name = "PointsRedeemed"
    volunteer_id: str
    points: int = Field(gt=0)
    purpose: str = TEXT
    balance: int = Field(ge=0)


def _id(e: object) -> str:
    return str(e.originator_id)  # type: ignore[attr-defined]


contract.withholds(PointsLedger.Opened)  # the first award or redemption says everything the district needs

_MAPPINGS = [
    (Volunteer.Registered, VolunteerRegistered, lambda e: VolunteerRegistered(volunteer_id=_id(e), skills=e.skills)),
    (Volunteer.Suspended, VolunteerSuspended, lambda e: VolunteerSuspended(volunteer_id=_id(e))),
    (Volunteer.Reinstated, VolunteerReinstated, lambda e: VolunteerReinstated(volunteer_id=_id(e))),
    (Team.Formed, TeamFormed, lambda e: TeamFormed(team_id=_id(e), name=e.name, purpose=e.purpose)),
    (Team.VolunteerJoined, VolunteerJoinedTeam,
     lambda e: VolunteerJoinedTeam(team_id=_id(e), volunteer_id=e.volunteer_id)),
    (Team.VolunteerLeft, VolunteerLeftTeam, lambda e: VolunteerLeftTeam(team_id=_id(e), volunteer_id=e.volunteer_id)),
    (Team.LeaderAppointed, TeamLeaderAppointed,
     lambda e: TeamLeaderAppointed(team_id=_id(e), volunteer_id=e.volunteer_id)),
    (Activity.Published, ActivityPublished,
     lambda e: ActivityPublished(activity_id=_id(e), team_id=e.team_id, title=e.title, place=e.place,
                                 starts_at=e.starts_at, ends_at=e.ends_at, slots=e.slots,
                                 points_per_hour=e.points_per_hour)),
    (Activity.SignedUp, VolunteerSignedUp,
     lambda e: VolunteerSignedUp(activity_id=_id(e), volunteer_id=e.volunteer_id)),
    (Activity.SignUpCancelled, SignUpCancelled,
     lambda e: SignUpCancelled(activity_id=_id(e), volunteer_id=e.volunteer_id)),
    (Activity.CheckedIn, VolunteerCheckedIn,
     lambda e: VolunteerCheckedIn(activity_id=_id(e), volunteer_id=e.volunteer_id, at=e.at)),
    (Activity.CheckedOut, VolunteerCheckedOut,
     lambda e: VolunteerCheckedOut(activity_id=_id(e), volunteer_id=e.volunteer_id, team_id=e.team_id, at=e.at,
                                   minutes=e.minutes, hours=_hours(e.minutes))),
    (Activity.Completed, ActivityCompleted,
     lambda e: ActivityCompleted(activity_id=_id(e), team_id=e.team_id, participants=e.participants,
                                 total_minutes=e.total_minutes, points_awarded=e.points_awarded)),
    (Activity.Cancelled, ActivityCancelled,
     lambda e: ActivityCancelled(activity_id=_id(e), reason=e.reason, released_sign_ups=e.released)),
    (HelpRequest.Received, HelpRequestReceived,
     lambda e: HelpRequestReceived(help_request_id=_id(e), urgency=e.urgency, deadline=e.deadline,
                                   grid_case_id=e.grid_case_id)),
    (HelpRequest.Matched, HelpRequestMatched,
     lambda e: HelpRequestMatched(help_request_id=_id(e), grid_case_id=e.grid_case_id, volunteer_id=e.volunteer_id,
                                  team_id=e.team_id)),
    (HelpRequest.Fulfilled, HelpRequestFulfilled,
     lambda e: HelpRequestFulfilled(help_request_id=_id(e), grid_case_id=e.grid_case_id, outcome=e.outcome,
                                    volunteer_id=e.volunteer_id, team_id=e.team_id, minutes=e.minutes,
                                    hours=_hours(e.minutes), received_at=e.received_at)),
    (HelpRequest.Declined, HelpRequestDeclined,
     lambda e: HelpRequestDeclined(help_request_id=_id(e), grid_case_id=e.grid_case_id, reason=e.reason)),
    (HelpRequest.Expired, HelpRequestExpired,
     lambda e: HelpRequestExpired(help_request_id=_id(e), grid_case_id=e.grid_case_id, reason=e.reason,
                                  deadline=e.deadline)),
    (PointsLedger.Awarded, PointsAwarded,
     lambda e: PointsAwarded(volunteer_id=e.volunteer_id, points=e.points, reason=e.reason,
                             activity_id=e.activity_id, minutes=e.minutes, balance=e.balance)),
    (PointsLedger.Redeemed, PointsRedeemed,
     lambda e: PointsRedeemed(volunteer_id=e.volunteer_id, points=e.points, purpose=e.purpose, balance=e.balance)),
]
for _stored, _public, _convert in _MAPPINGS:
    contract.publishes(_stored, _public)(_convert)
