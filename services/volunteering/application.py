"""Volunteering use cases. Every write takes the actor; reads return plain dicts."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError
from eventsourcing.utils import get_topic

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
from shared.kernel.aggregate import CommunityAggregate
from shared.kernel.errors import Conflict, NotFound
from shared.platform.eventstore import ServiceApplication
from shared.kernel import clock

Id = UUID | str


def _now() -> datetime:
    return clock.now()


class VolunteeringApplication(ServiceApplication):
    requires_known_communities = True  # learned from grid's directory events (services/directory.py)
    name = "volunteering"

    # -- volunteers -----------------------------------------------------------

    def register_volunteer(self, actor: Actor, *, community_id: str, name: str, phone: str,
                           skills: list[str]) -> UUID:
        volunteer = Volunteer(community_id=community_id, name=name, phone=phone, skills=sorted(set(skills)))
        self.save(volunteer, actor=actor)
        return volunteer.id

    def suspend_volunteer(self, actor: Actor, volunteer_id: Id, *, reason: str) -> None:
        volunteer = self._volunteer(volunteer_id)
        volunteer.suspend(reason)
        self.save(volunteer, actor=actor)

    def reinstate_volunteer(self, actor: Actor, volunteer_id: Id) -> None:
        volunteer = self._volunteer(volunteer_id)
        volunteer.reinstate()
        self.save(volunteer, actor=actor)

    # -- teams ----------------------------------------------------------------

    def form_team(self, actor: Actor, *, community_id: str, name: str, purpose: str) -> UUID:
        team = Team(community_id=community_id, name=name, purpose=purpose)
        self.save(team, actor=actor)
        return team.id

    def join_team(self, actor: Actor, team_id: Id, volunteer_id: Id) -> None:
        team = self._team(team_id)
        team.join(self._volunteer(volunteer_id))
        self.save(team, actor=actor)

    def leave_team(self, actor: Actor, team_id: Id, volunteer_id: Id) -> None:
        team = self._team(team_id)
        team.leave(str(volunteer_id))
        self.save(team, actor=actor)

    def appoint_team_leader(self, actor: Actor, team_id: Id, volunteer_id: Id) -> None:
        team = self._team(team_id)
        team.appoint_leader(str(volunteer_id))
        self.save(team, actor=actor)

    # -- activities -----------------------------------------------------------

    def publish_activity(self, actor: Actor, *, community_id: str, title: str, place: str, starts_at: datetime,
                         ends_at: datetime, slots: int, points_per_hour: int, team_id: Id | None = None) -> UUID:
        team = self._team(team_id) if team_id else None
        activity = Activity.publish(community_id=community_id, title=title, place=place, starts_at=starts_at,
                                    ends_at=ends_at, slots=slots, points_per_hour=points_per_hour, team=team)
        self.save(activity, actor=actor)
        return activity.id

    def sign_up(self, actor: Actor, activity_id: Id, volunteer_id: Id) -> None:
        activity = self._activity(activity_id)
        activity.sign_up(self._volunteer(volunteer_id))
        self.save(activity, actor=actor)

    def cancel_sign_up(self, actor: Actor, activity_id: Id, volunteer_id: Id) -> None:
        activity = self._activity(activity_id)
        activity.cancel_sign_up(str(volunteer_id))
        self.save(activity, actor=actor)

    def check_in(self, actor: Actor, activity_id: Id, volunteer_id: Id, *, at: datetime | None = None) -> None:
        activity = self._activity(activity_id)
        activity.check_in(self._volunteer(volunteer_id), at or _now())
        self.save(activity, actor=actor)

    def check_out(self, actor: Actor, activity_id: Id, volunteer_id: Id, *, at: datetime | None = None) -> None:
        activity = self._activity(activity_id)
        activity.check_out(str(volunteer_id), at or _now())
        self.save(activity, actor=actor)

    def complete_activity(self, actor: Actor, activity_id: Id) -> None:
        """Completes the activity and awards its points to each ledger, all in one save."""
        activity = self._activity(activity_id)
        activity.complete()
        ledgers = []
        for volunteer_id, points in activity.awards().items():
            if points <= 0:
                continue
            ledger = self._ledger_or_open(volunteer_id)
            ledger.award_for_activity(str(activity.id), activity.minutes[volunteer_id], points)
            ledgers.append(ledger)
        self.save(activity, *ledgers, actor=actor)

    def cancel_activity(self, actor: Actor, activity_id: Id, *, reason: str) -> None:
        activity = self._activity(activity_id)
        activity.cancel(reason)
        self.save(activity, actor=actor)

    # -- help requests --------------------------------------------------------

    def receive_help_request(self, actor: Actor, *, community_id: str, need: str, urgency: str,
                             deadline: datetime, grid_case_id: str | None = None) -> UUID:
        if grid_case_id:
            return self.receive_help_request_from_grid_case(actor, community_id, grid_case_id, need, urgency,
                                                            deadline)
        request = HelpRequest.receive(community_id=community_id, need=need, urgency=urgency, deadline=deadline,
                                      now=_now())
        self.save(request, actor=actor)
        return request.id

    def withdraw_help_request_for_grid_case(self, actor: Actor, grid_case_id: str, *, reason: str) -> bool:
        """Staff closed the grid case themselves: an open help request for it is declined. Idempotent."""
        request_id = help_request_id_for_grid_case(grid_case_id)
        if not self._exists(request_id):
            return False
        request: HelpRequest = self.get(request_id, HelpRequest, "help request")
        if not request.is_open:
            return False
        request.decline(reason)
        self.save(request, actor=actor)
        return True

    def receive_help_request_from_grid_case(self, actor: Actor, community_id: str, grid_case_id: str, need: str,
                                            urgency: str, deadline: datetime) -> UUID:
        """Idempotent per grid case: a repeat returns the same id and stores nothing."""
        request_id = help_request_id_for_grid_case(grid_case_id)
        if self._exists(request_id):
            return request_id
        request = HelpRequest.receive(community_id=community_id, need=need, urgency=urgency, deadline=deadline,
                                      now=_now(), grid_case_id=grid_case_id)
        try:
            self.save(request, actor=actor)
        except Conflict:
            if not self._exists(request_id):  # not a concurrent duplicate: a real conflict
                raise
        return request_id

    def match_help_request(self, actor: Actor, request_id: Id, *, volunteer_id: Id | None = None,
                           team_id: Id | None = None) -> None:
        request = self._help_request(request_id)
        request.match(volunteer=self._volunteer(volunteer_id) if volunteer_id else None,
                      team=self._team(team_id) if team_id else None)
        self.save(request, actor=actor)

    def fulfil_help_request(self, actor: Actor, request_id: Id, *, hours: float, outcome: str) -> None:
        request = self._help_request(request_id)
        request.fulfil(round(hours * 60), outcome)
        self.save(request, actor=actor)

    def decline_help_request(self, actor: Actor, request_id: Id, *, reason: str) -> None:
        request = self._help_request(request_id)
        request.decline(reason)
        self.save(request, actor=actor)

    def expire_overdue(self, actor: Actor, now: datetime, communities: set[str] | None = None) -> list[UUID]:
        """Expire every open help request past its deadline (optionally only in `communities`).

        Idempotent: an expired request is no longer open, so a second run expires nothing.
        """
        expired = []
        for request_id in self._help_request_ids():
            request: HelpRequest = self.get(request_id, HelpRequest, "help request")
            if communities is not None and request.community_id not in communities:
                continue
            if request.is_overdue(now):
                request.expire(now)
                self.save(request, actor=actor)
                expired.append(request.id)
        return expired

    # -- points ---------------------------------------------------------------

    def award_bonus(self, actor: Actor, volunteer_id: Id, *, points: int, reason: str) -> None:
        ledger = self._ledger_or_open(volunteer_id)
        ledger.award_bonus(points, reason)
        self.save(ledger, actor=actor)

    def redeem_points(self, actor: Actor, volunteer_id: Id, *, points: int, purpose: str) -> None:
        ledger = self._ledger_or_open(volunteer_id)
        ledger.redeem(points, purpose)
        self.save(ledger, actor=actor)

    # -- reads ----------------------------------------------------------------

    def community_of(self, aggregate_id: Id) -> str:
        """The community an aggregate belongs to (for authorisation), or NotFound."""
        aggregate: CommunityAggregate = self.get(aggregate_id, CommunityAggregate, "record")
        return aggregate.community_id

    def volunteer(self, volunteer_id: Id) -> dict[str, Any]:
        v = self._volunteer(volunteer_id)
        return {**_base(v), "name": v.name, "phone": v.phone, "skills": v.skills, "suspended": v.suspended}

    def team(self, team_id: Id) -> dict[str, Any]:
        t = self._team(team_id)
        return {**_base(t), "name": t.name, "purpose": t.purpose.value, "members": t.members,
                "leader_id": t.leader_id}

    def activity(self, activity_id: Id) -> dict[str, Any]:
        a = self._activity(activity_id)
        return {**_base(a), "title": a.title, "place": a.place, "starts_at": a.starts_at.isoformat(),
                "ends_at": a.ends_at.isoformat(), "slots": a.slots, "points_per_hour": a.points_per_hour,
                "team_id": a.team_id, "status": a.status.value, "sign_ups": a.sign_ups,
                "checked_in": sorted(a.checked_in), "minutes": a.minutes}

    def help_request(self, request_id: Id) -> dict[str, Any]:
        r = self._help_request(request_id)
        return {**_base(r), "need": r.need, "urgency": r.urgency.value, "deadline": r.deadline.isoformat(),
                "grid_case_id": r.grid_case_id, "status": r.status.value, "volunteer_id": r.volunteer_id,
                "team_id": r.team_id, "hours": r.minutes / 60 if r.minutes else None, "outcome": r.outcome,
                "reason": r.reason}

    def points(self, volunteer_id: Id) -> dict[str, Any]:
        volunteer = self._volunteer(volunteer_id)
        try:
            ledger: PointsLedger = self.get(ledger_id_for(volunteer.id), PointsLedger, "points ledger")
        except NotFound:
            return {"volunteer_id": str(volunteer.id), "community_id": volunteer.community_id, "balance": 0,
                    "awarded": 0, "redeemed": 0}
        return {"volunteer_id": ledger.volunteer_id, "community_id": ledger.community_id, "balance": ledger.balance,
                "awarded": ledger.awarded, "redeemed": ledger.redeemed}

    # -- helpers --------------------------------------------------------------

    def _volunteer(self, volunteer_id: Id) -> Volunteer:
        return self.get(volunteer_id, Volunteer, "volunteer")

    def _team(self, team_id: Id) -> Team:
        return self.get(team_id, Team, "team")

    def _activity(self, activity_id: Id) -> Activity:
        return self.get(activity_id, Activity, "activity")

    def _help_request(self, request_id: Id) -> HelpRequest:
        return self.get(request_id, HelpRequest, "help request")

    def _ledger_or_open(self, volunteer_id: Id) -> PointsLedger:
        volunteer = self._volunteer(volunteer_id)
        try:
            return self.get(ledger_id_for(volunteer.id), PointsLedger, "points ledger")
        except NotFound:
            return PointsLedger.open_for(volunteer)

    def _exists(self, aggregate_id: UUID) -> bool:
        try:
            self.repository.get(aggregate_id)
        except AggregateNotFoundError:
            return False
        return True

    def _help_request_ids(self, page: int = 500) -> list[UUID]:
        topic = get_topic(HelpRequest.Received)
        ids: list[UUID] = []
        start: int | None = None
        while True:
            batch = self.recorder.select_notifications(start, page, topics=[topic], inclusive_of_start=start is None)
            ids.extend(n.originator_id for n in batch)
            if len(batch) < page:
                return ids
            start = batch[-1].id


def _base(aggregate: CommunityAggregate) -> dict[str, Any]:
    return {"id": str(aggregate.id), "community_id": aggregate.community_id, "version": aggregate.version,
            "created_at": aggregate.created_on.isoformat(), "updated_at": aggregate.modified_on.isoformat()}
