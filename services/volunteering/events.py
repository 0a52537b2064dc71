"""The volunteering service's public events (topic `shequ.volunteering.v1`).

What consumers import, without the domain. Volunteers appear only by their
pseudonymous id (the aggregate id): names, phone numbers, suspension reasons
and the text of residents' needs stay in the service. The mapping from stored
events is `services.volunteering.contract`.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from pydantic import Field

from shared.platform.envelope import PublicEvent, PublicEventSet

TEXT = Field(max_length=2000)

TeamPurpose = StrEnum("TeamPurpose", [
    "issue_collection", "legal_aid", "environment_patrol", "elderly_care", "culture", "other",
])
"""The volunteering domain's team purposes (a test keeps the two equal)."""
Urgency = StrEnum("Urgency", ["low", "normal", "high", "urgent"])
"""The volunteering domain's help request urgencies (a test keeps the two equal)."""


class VolunteerEvent(PublicEvent):
    volunteer_id: str


class VolunteerRegistered(VolunteerEvent):
    skills: list[str]


class VolunteerSuspended(VolunteerEvent):
    """A volunteer was suspended from activities."""


class VolunteerReinstated(VolunteerEvent):
    """A suspended volunteer was reinstated."""


class TeamFormed(PublicEvent):
    team_id: str
    name: str = Field(max_length=200)
    purpose: TeamPurpose


class TeamMemberEvent(PublicEvent):
    team_id: str
    volunteer_id: str


class VolunteerJoinedTeam(TeamMemberEvent):
    """A volunteer joined a team."""


class VolunteerLeftTeam(TeamMemberEvent):
    """A volunteer left a team."""


class TeamLeaderAppointed(TeamMemberEvent):
    """A team member was appointed the team's leader."""


class ActivityPublished(PublicEvent):
    activity_id: str
    team_id: str | None
    title: str = Field(max_length=200)
    place: str = Field(max_length=200)
    starts_at: datetime
    ends_at: datetime
    slots: int = Field(ge=1)
    points_per_hour: int = Field(ge=0)


class ParticipantEvent(PublicEvent):
    """Base of what one volunteer does at one activity."""

    activity_id: str
    volunteer_id: str


class VolunteerSignedUp(ParticipantEvent):
    """A volunteer signed up for an activity."""


class SignUpCancelled(ParticipantEvent):
    """A volunteer's sign-up for an activity was cancelled."""


class VolunteerCheckedIn(ParticipantEvent):
    at: datetime


class VolunteerCheckedOut(ParticipantEvent):
    """Hours served at an activity; counted towards the activity's team, if any."""

    team_id: str | None
    at: datetime
    minutes: int = Field(gt=0)
    hours: float


class ActivityCompleted(PublicEvent):
    activity_id: str
    team_id: str | None
    participants: int = Field(ge=0)
    total_minutes: int = Field(ge=0)
    points_awarded: int = Field(ge=0)


class ActivityCancelled(PublicEvent):
    activity_id: str
    reason: str = TEXT
    released_sign_ups: int = Field(ge=0)


class HelpRequestReceived(PublicEvent):
    help_request_id: str
    urgency: Urgency
    deadline: datetime
    grid_case_id: str | None


class HelpRequestEvent(PublicEvent):
    """Base of a help request's later events: each names the grid case it came from, if any."""

    help_request_id: str
    grid_case_id: str | None


class HelpRequestMatched(HelpRequestEvent):
    volunteer_id: str | None
    team_id: str | None


class HelpRequestFulfilled(HelpRequestEvent):
    """The grid service resolves `grid_case_id` (if any) with `outcome`."""

    outcome: str = TEXT
    volunteer_id: str | None
    team_id: str | None
    minutes: int = Field(gt=0)
    hours: float
    received_at: datetime


class HelpRequestDeclined(HelpRequestEvent):
    reason: str = TEXT


class HelpRequestExpired(HelpRequestEvent):
    reason: str = TEXT
    deadline: datetime


class PointsAwarded(VolunteerEvent):
    points: int = Field(ge=0)
    reason: str = TEXT
    activity_id: str | None
    minutes: int | None
    balance: int = Field(ge=0)


class PointsRedeemed(VolunteerEvent):
    points: int = Field(gt=0)
    purpose: str = TEXT
    balance: int = Field(ge=0)


public_events = PublicEventSet("volunteering", [
    VolunteerRegistered, VolunteerSuspended, VolunteerReinstated, TeamFormed, VolunteerJoinedTeam, VolunteerLeftTeam,
    TeamLeaderAppointed, ActivityPublished, VolunteerSignedUp, SignUpCancelled, VolunteerCheckedIn,
    VolunteerCheckedOut, ActivityCompleted, ActivityCancelled, HelpRequestReceived, HelpRequestMatched,
    HelpRequestFulfilled, HelpRequestDeclined, HelpRequestExpired, PointsAwarded, PointsRedeemed,
])
