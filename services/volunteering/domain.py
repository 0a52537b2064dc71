"""Volunteering aggregates. Events are named in the past tense.

Volunteers' names and phone numbers are personal data: they live in the
Volunteer aggregate only and never reach a public event. Durations are kept in
whole minutes, so points (hours x points per hour, rounded down) are exact.
"""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from eventsourcing.domain import event

from shared.kernel.aggregate import CommunityAggregate
from shared.kernel.errors import Conflict, Invalid

NAMESPACE = uuid.UUID("5f1d1c2e-7a51-4d8e-9c3b-2f6f0d4a8b77")
CHECK_OUT_SLACK = timedelta(hours=1)
CHECK_IN_EARLY = timedelta(hours=1)
MAX_SESSION = timedelta(hours=12)
MAX_HELP_MINUTES = 24 * 60


def help_request_id_for_grid_case(grid_case_id: str) -> uuid.UUID:
    return uuid.uuid5(NAMESPACE, f"grid-case:{grid_case_id}")


def ledger_id_for(volunteer_id: uuid.UUID | str) -> uuid.UUID:
    return uuid.uuid5(NAMESPACE, f"points-ledger:{volunteer_id}")


def _aware(value: datetime, field: str) -> datetime:
    if value.tzinfo is None or value.utcoffset() is None:
        raise Invalid(f"{field} must include a time zone", field)
    return value


class TeamPurpose(StrEnum):
    ISSUE_COLLECTION = "issue_collection"
    LEGAL_AID = "legal_aid"
    ENVIRONMENT_PATROL = "environment_patrol"
    ELDERLY_CARE = "elderly_care"
    CULTURE = "culture"
    OTHER = "other"


class Urgency(StrEnum):
    LOW = "low"
    NORMAL = "normal"
    HIGH = "high"
    URGENT = "urgent"


class Volunteer(CommunityAggregate):
    """A resident who volunteers in one community."""

    @event("Registered")
    def __init__(self, community_id: str, name: str, phone: str, skills: list[str]) -> None:
        self.community_id = community_id
        self.name = name
        self.phone = phone
        self.skills = list(skills)
        self.suspended = False

    def ensure_can_serve(self) -> None:
        if self.suspended:
            raise Conflict(f"volunteer {self.id} is suspended")

    def suspend(self, reason: str) -> None:
        self.ensure_can_serve()
        self._suspended(reason)

    @event("Suspended")
    def _suspended(self, reason: str) -> None:
        self.suspended = True

    def reinstate(self) -> None:
        if not self.suspended:
            raise Conflict(f"volunteer {self.id} is not suspended")
        self._reinstated()

    @event("Reinstated")
    def _reinstated(self) -> None:
        self.suspended = False


class Team(CommunityAggregate):
    """A volunteer team (e.g. one of the red help team's ten)."""

    @event("Formed")
    def __init__(self, community_id: str, name: str, purpose: str) -> None:
        self.community_id = community_id
        self.name = name
        self.purpose = TeamPurpose(purpose).value  # the value: a snapshot gives back a string
        self.members: list[str] = []
        self.leader_id: str | None = None

    def join(self, volunteer: Volunteer) -> None:
        _same_community(self, volunteer)
        volunteer.ensure_can_serve()
        if str(volunteer.id) in self.members:
            raise Conflict(f"volunteer {volunteer.id} is already in team {self.id}")
        self._joined(str(volunteer.id))

    @event("VolunteerJoined")
    def _joined(self, volunteer_id: str) -> None:
        self.members.append(volunteer_id)

    def leave(self, volunteer_id: str) -> None:
        if str(volunteer_id) not in self.members:
            raise Conflict(f"volunteer {volunteer_id} is not in team {self.id}")
        self._left(str(volunteer_id))

    @event("VolunteerLeft")
    def _left(self, volunteer_id: str) -> None:
        self.members.remove(volunteer_id)
        if self.leader_id == volunteer_id:
            self.leader_id = None

    def appoint_leader(self, volunteer_id: str) -> None:
        if str(volunteer_id) not in self.members:
            raise Conflict(f"volunteer {volunteer_id} is not a member of team {self.id}; only a member can lead it")
        if self.leader_id == str(volunteer_id):
            raise Conflict(f"volunteer {volunteer_id} already leads team {self.id}")
        self._leader_appointed(str(volunteer_id))

    @event("LeaderAppointed")
    def _leader_appointed(self, volunteer_id: str) -> None:
        self.leader_id = volunteer_id


class ActivityStatus(StrEnum):
    PUBLISHED = "published"
    COMPLETED = "completed"
    CANCELLED = "cancelled"


class Activity(CommunityAggregate):
    """A volunteering activity with limited slots; completion awards points."""

    @event("Published")
    def __init__(self, community_id: str, title: str, place: str, starts_at: datetime, ends_at: datetime,
                 slots: int, points_per_hour: int, team_id: str | None = None) -> None:
        self.community_id = community_id
        self.title = title
        self.place = place
        self.starts_at = starts_at
        self.ends_at = ends_at
        self.slots = slots
        self.points_per_hour = points_per_hour
        self.team_id = team_id
        self.status = ActivityStatus.PUBLISHED
        self.sign_ups: list[str] = []
        self.checked_in: dict[str, datetime] = {}
        self.minutes: dict[str, int] = {}  # checked-out volunteer -> minutes served

    @classmethod
    def publish(cls, *, community_id: str, title: str, place: str, starts_at: datetime, ends_at: datetime,
                slots: int, points_per_hour: int, team: Team | None = None) -> Activity:
        _aware(starts_at, "starts_at")
        if _aware(ends_at, "ends_at") <= starts_at:
            raise Invalid("ends_at must be after starts_at", "ends_at")
        if slots < 1:
            raise Invalid("an activity needs at least one slot", "slots")
        if points_per_hour < 0:
            raise Invalid("points_per_hour cannot be negative", "points_per_hour")
        if team is not None and team.community_id != community_id:
            raise Invalid(f"team {team.id} belongs to another community", "team_id")
        return cls(community_id=community_id, title=title, place=place, starts_at=starts_at, ends_at=ends_at,
                   slots=slots, points_per_hour=points_per_hour, team_id=str(team.id) if team else None)

    def _ensure_open(self) -> None:
        if self.status != ActivityStatus.PUBLISHED:
            raise Conflict(f"activity {self.id} is {self.status}")

    def sign_up(self, volunteer: Volunteer) -> None:
        self._ensure_open()
        _same_community(self, volunteer)
        volunteer.ensure_can_serve()
        vid = str(volunteer.id)
        if vid in self.sign_ups:
            raise Conflict(f"volunteer {vid} is already signed up for activity {self.id}")
        if len(self.sign_ups) >= self.slots:
            raise Conflict(f"activity {self.id} is full ({self.slots} slots)")
        self._signed_up(vid)

    @event("SignedUp")
    def _signed_up(self, volunteer_id: str) -> None:
        self.sign_ups.append(volunteer_id)

    def _ensure_signed_up_not_checked_in(self, vid: str) -> None:
        if vid not in self.sign_ups:
            raise Conflict(f"volunteer {vid} is not signed up for activity {self.id}")
        if vid in self.checked_in:
            raise Conflict(f"volunteer {vid} has already checked in")

    def cancel_sign_up(self, volunteer_id: str) -> None:
        self._ensure_open()
        vid = str(volunteer_id)
        self._ensure_signed_up_not_checked_in(vid)
        self._sign_up_cancelled(vid)

    @event("SignUpCancelled")
    def _sign_up_cancelled(self, volunteer_id: str) -> None:
        self.sign_ups.remove(volunteer_id)

    def check_in(self, volunteer: Volunteer, at: datetime) -> None:
        self._ensure_open()
        volunteer.ensure_can_serve()
        vid = str(volunteer.id)
        self._ensure_signed_up_not_checked_in(vid)
        if not self.starts_at - CHECK_IN_EARLY <= _aware(at, "at") <= self.ends_at:
            raise Invalid("check-in must be between an hour before the start and the end of the activity", "at")
        self._checked_in(vid, at)

    @event("CheckedIn")
    def _checked_in(self, volunteer_id: str, at: datetime) -> None:
        self.checked_in[volunteer_id] = at

    def check_out(self, volunteer_id: str, at: datetime) -> None:
        self._ensure_open()
        vid = str(volunteer_id)
        if vid not in self.checked_in:
            raise Conflict(f"volunteer {vid} has not checked in")
        if vid in self.minutes:
            raise Conflict(f"volunteer {vid} has already checked out")
        served = _aware(at, "at") - self.checked_in[vid]
        if served <= timedelta(0):
            raise Invalid("check-out must be after check-in", "at")
        limit = min(self.ends_at - self.starts_at + CHECK_OUT_SLACK, MAX_SESSION)
        if served > limit:
            raise Invalid(f"at most {limit} can be recorded for this activity", "at")
        self._checked_out(vid, at, int(served.total_seconds() // 60), self.team_id)

    @event("CheckedOut")
    def _checked_out(self, volunteer_id: str, at: datetime, minutes: int, team_id: str | None) -> None:
        self.minutes[volunteer_id] = minutes

    def awards(self) -> dict[str, int]:
        """Points per checked-out volunteer: hours x points per hour, rounded down."""
        return {vid: minutes * self.points_per_hour // 60 for vid, minutes in self.minutes.items()}

    def complete(self) -> None:
        self._ensure_open()
        still_in = [vid for vid in self.checked_in if vid not in self.minutes]
        if still_in:
            raise Conflict(f"{len(still_in)} volunteer(s) checked in but not out; check them out first")
        awards = self.awards()
        self._completed(len(self.minutes), sum(self.minutes.values()), sum(awards.values()), self.team_id)

    @event("Completed")
    def _completed(self, participants: int, total_minutes: int, points_awarded: int, team_id: str | None) -> None:
        self.status = ActivityStatus.COMPLETED

    def cancel(self, reason: str) -> None:
        self._ensure_open()
        if self.checked_in:
            raise Conflict(f"activity {self.id} has started (volunteers checked in); complete it instead")
        self._cancelled(reason, len(self.sign_ups))

    @event("Cancelled")
    def _cancelled(self, reason: str, released: int) -> None:
        self.status = ActivityStatus.CANCELLED
        self.sign_ups = []


class HelpStatus(StrEnum):
    RECEIVED = "received"
    MATCHED = "matched"
    FULFILLED = "fulfilled"
    DECLINED = "declined"
    EXPIRED = "expired"


OPEN_HELP = (HelpStatus.RECEIVED, HelpStatus.MATCHED)


class HelpRequest(CommunityAggregate):
    """A resident's request for help (求助), directly or from a grid case."""

    @event("Received")
    def __init__(self, community_id: str, need: str, urgency: str, deadline: datetime,
                 grid_case_id: str | None = None) -> None:
        self.community_id = community_id
        self.need = need
        self.urgency = Urgency(urgency)
        self.deadline = deadline
        self.grid_case_id = grid_case_id
        self.status = HelpStatus.RECEIVED
        self.volunteer_id: str | None = None
        self.team_id: str | None = None
        self.minutes: int | None = None
        self.outcome: str | None = None
        self.reason: str | None = None

    @classmethod
    def receive(cls, *, community_id: str, need: str, urgency: str, deadline: datetime, now: datetime,
                grid_case_id: str | None = None) -> HelpRequest:
        if _aware(deadline, "deadline") <= now:
            raise Invalid("the deadline must be in the future", "deadline")
        return cls(community_id=community_id, need=need, urgency=urgency, deadline=deadline,
                   grid_case_id=grid_case_id)

    @classmethod
    def create_id(cls, grid_case_id: str | None = None, **_: Any) -> uuid.UUID:
        """One help request per grid case: the id is derived from the case's."""
        return help_request_id_for_grid_case(grid_case_id) if grid_case_id else uuid.uuid4()

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_HELP

    def _ensure_open(self) -> None:
        if not self.is_open:
            raise Conflict(f"help request {self.id} is {self.status}")

    def match(self, *, volunteer: Volunteer | None = None, team: Team | None = None) -> None:
        self._ensure_open()
        if (volunteer is None) == (team is None):
            raise Invalid("match to exactly one of a volunteer or a team", "volunteer_id")
        helper: Any = volunteer or team
        _same_community(self, helper)
        if volunteer is not None:
            volunteer.ensure_can_serve()
        self._matched(str(volunteer.id) if volunteer else None, str(team.id) if team else None, self.grid_case_id)

    @event("Matched")
    def _matched(self, volunteer_id: str | None, team_id: str | None, grid_case_id: str | None) -> None:
        self.status = HelpStatus.MATCHED
        self.volunteer_id = volunteer_id
        self.team_id = team_id

    def fulfil(self, minutes: int, outcome: str) -> None:
        if self.status != HelpStatus.MATCHED:
            raise Conflict(f"help request {self.id} is {self.status}; only a matched request can be fulfilled")
        if not 0 < minutes <= MAX_HELP_MINUTES:
            raise Invalid(f"hours must be more than 0 and at most {MAX_HELP_MINUTES // 60}", "hours")
        self._fulfilled(minutes, outcome, self.created_on, self.grid_case_id, self.volunteer_id, self.team_id)

    @event("Fulfilled")
    def _fulfilled(self, minutes: int, outcome: str, received_at: datetime, grid_case_id: str | None,
                   volunteer_id: str | None, team_id: str | None) -> None:
        self.status = HelpStatus.FULFILLED
        self.minutes = minutes
        self.outcome = outcome

    def decline(self, reason: str) -> None:
        self._ensure_open()
        self._declined(reason, self.grid_case_id)

    @event("Declined")
    def _declined(self, reason: str, grid_case_id: str | None) -> None:
        self.status = HelpStatus.DECLINED
        self.reason = reason

    def is_overdue(self, now: datetime) -> bool:
        return self.is_open and self.deadline < now

    def expire(self, now: datetime) -> None:
        self._ensure_open()
        if not self.deadline < now:
            raise Conflict(f"help request {self.id} is not past its deadline")
        self._expired("deadline passed without fulfilment", self.grid_case_id, self.deadline)

    @event("Expired")
    def _expired(self, reason: str, grid_case_id: str | None, deadline: datetime) -> None:
        self.status = HelpStatus.EXPIRED
        self.reason = reason


class PointsLedger(CommunityAggregate):
    """A volunteer's points (积分); one per volunteer, id derived from the volunteer's."""

    @event("Opened")
    def __init__(self, community_id: str, volunteer_id: str) -> None:
        self.community_id = community_id
        self.volunteer_id = volunteer_id
        self.balance = 0
        self.awarded = 0
        self.redeemed = 0
        self.activities: list[str] = []

    @classmethod
    def open_for(cls, volunteer: Volunteer) -> PointsLedger:
        return cls(community_id=volunteer.community_id, volunteer_id=str(volunteer.id))

    @classmethod
    def create_id(cls, volunteer_id: str, **_: Any) -> uuid.UUID:
        return ledger_id_for(volunteer_id)

    def award_for_activity(self, activity_id: str, minutes: int, points: int) -> None:
        if str(activity_id) in self.activities:
            raise Conflict(f"points for activity {activity_id} were already awarded")
        self._awarded(self.volunteer_id, points, "activity", str(activity_id), minutes, self.balance + points)

    def award_bonus(self, points: int, reason: str) -> None:
        if points < 1:
            raise Invalid("a bonus is at least 1 point", "points")
        self._awarded(self.volunteer_id, points, reason, None, None, self.balance + points)

    @event("Awarded")
    def _awarded(self, volunteer_id: str, points: int, reason: str, activity_id: str | None, minutes: int | None,
                 balance: int) -> None:
        self.balance = balance
        self.awarded += points
        if activity_id:
            self.activities.append(activity_id)

    def redeem(self, points: int, purpose: str) -> None:
        if points < 1:
            raise Invalid("redeem at least 1 point", "points")
        if points > self.balance:
            raise Conflict(f"only {self.balance} points to redeem; {points} asked")
        self._redeemed(self.volunteer_id, points, purpose, self.balance - points)

    @event("Redeemed")
    def _redeemed(self, volunteer_id: str, points: int, purpose: str, balance: int) -> None:
        self.balance = balance
        self.redeemed += points


def _same_community(aggregate: CommunityAggregate, other: CommunityAggregate) -> None:
    if aggregate.community_id != other.community_id:
        label = type(other).__name__.lower()
        raise Invalid(f"{label} {other.id} belongs to another community", f"{label}_id")
