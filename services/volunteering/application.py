"""Volunteering use cases. Every write takes the actor; reads return plain dicts."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any, TypeVar
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
from services.volunteering.commands import (
    Attendance, Bonus, ExpireOverdue, FormTeam, FulfilHelpRequest, MatchHelpRequest, PublishActivity, Reason,
    ReceiveHelpRequest, Redeem, RegisterVolunteer, VolunteerRef,
)
from shared.kernel.actor import ALL_COMMUNITIES, Actor, Role
from shared.kernel.aggregate import CommunityAggregate
from shared.kernel.errors import Conflict, NotFound
from shared.platform.eventstore import SNAPSHOT_EVERY, ServiceApplication
from shared.kernel import clock

Id = UUID | str
Served = TypeVar("Served", bound=CommunityAggregate)


def _now() -> datetime:
    return clock.now()


class VolunteeringApplication(ServiceApplication):
    requires_known_communities = True  # learned from grid's directory events (services/directory.py)
    name = "volunteering"
    snapshotting_intervals = dict.fromkeys((PointsLedger, Team), SNAPSHOT_EVERY)  # long-lived: snapshot, not replay

    def _served(self, actor: Actor, aggregate_id: Id, kind: type[Served], label: str) -> Served:
        """The aggregate a command is about, loaded once. The community is checked before the kind, as the
        HTTP edge always did: an unknown id is "record ... not found", one of another kind "<label> ... not
        found", and nothing changes before the caller is known to serve the community."""
        aggregate: CommunityAggregate = self.get(aggregate_id, CommunityAggregate, "record")
        actor.ensure_acts_in(aggregate.community_id)
        if not isinstance(aggregate, kind):
            raise NotFound(f"{label} {aggregate_id} not found")
        return aggregate

    def _update(self, actor: Actor, aggregate_id: Id, kind: type[Served], label: str,
                change: Callable[[Served], object], view: Callable[[Served], dict[str, Any]]) -> dict[str, Any]:
        """Load-check-save: the aggregate as `_served` loads it, changed by `change` (whose domain rules may
        refuse), stored, and answered from the same in-memory aggregate (no reload)."""
        aggregate = self._served(actor, aggregate_id, kind, label)
        change(aggregate)
        self.save(aggregate, actor=actor)
        return view(aggregate)

    # -- volunteers -----------------------------------------------------------

    def register_volunteer(self, actor: Actor, command: RegisterVolunteer) -> UUID:
        actor.ensure_acts_in(command.community_id)
        volunteer = Volunteer(community_id=command.community_id, name=command.name, phone=command.phone,
                              skills=sorted(set(command.skills)))
        self.save(volunteer, actor=actor)
        return volunteer.id

    def volunteer(self, actor: Actor, volunteer_id: Id) -> dict[str, Any]:
        return volunteer_view(self._served(actor, volunteer_id, Volunteer, "volunteer"))

    def suspend_volunteer(self, actor: Actor, volunteer_id: Id, command: Reason) -> dict[str, Any]:
        return self._update(actor, volunteer_id, Volunteer, "volunteer",
                            lambda volunteer: volunteer.suspend(command.reason), volunteer_view)

    def reinstate_volunteer(self, actor: Actor, volunteer_id: Id) -> dict[str, Any]:
        return self._update(actor, volunteer_id, Volunteer, "volunteer",
                            lambda volunteer: volunteer.reinstate(), volunteer_view)

    # -- teams ----------------------------------------------------------------

    def form_team(self, actor: Actor, command: FormTeam) -> UUID:
        actor.ensure_acts_in(command.community_id)
        team = Team(community_id=command.community_id, name=command.name, purpose=command.purpose)
        self.save(team, actor=actor)
        return team.id

    def team(self, actor: Actor, team_id: Id) -> dict[str, Any]:
        return team_view(self._served(actor, team_id, Team, "team"))

    def join_team(self, actor: Actor, team_id: Id, command: VolunteerRef) -> dict[str, Any]:
        return self._update(actor, team_id, Team, "team",
                            lambda team: team.join(self._volunteer(command.volunteer_id)), team_view)

    def leave_team(self, actor: Actor, team_id: Id, command: VolunteerRef) -> dict[str, Any]:
        return self._update(actor, team_id, Team, "team", lambda team: team.leave(command.volunteer_id), team_view)

    def appoint_team_leader(self, actor: Actor, team_id: Id, command: VolunteerRef) -> dict[str, Any]:
        return self._update(actor, team_id, Team, "team",
                            lambda team: team.appoint_leader(command.volunteer_id), team_view)

    # -- activities -----------------------------------------------------------

    def publish_activity(self, actor: Actor, command: PublishActivity) -> UUID:
        actor.ensure_acts_in(command.community_id)
        team = self._team(command.team_id) if command.team_id else None
        activity = Activity.publish(community_id=command.community_id, title=command.title, place=command.place,
                                    starts_at=command.starts_at, ends_at=command.ends_at, slots=command.slots,
                                    points_per_hour=command.points_per_hour, team=team)
        self.save(activity, actor=actor)
        return activity.id

    def activity(self, actor: Actor, activity_id: Id) -> dict[str, Any]:
        return activity_view(self._served(actor, activity_id, Activity, "activity"))

    def sign_up(self, actor: Actor, activity_id: Id, command: VolunteerRef) -> dict[str, Any]:
        return self._update(actor, activity_id, Activity, "activity",
                            lambda activity: activity.sign_up(self._volunteer(command.volunteer_id)), activity_view)

    def cancel_sign_up(self, actor: Actor, activity_id: Id, command: VolunteerRef) -> dict[str, Any]:
        return self._update(actor, activity_id, Activity, "activity",
                            lambda activity: activity.cancel_sign_up(command.volunteer_id), activity_view)

    def check_in(self, actor: Actor, activity_id: Id, command: Attendance) -> dict[str, Any]:
        def check_in(activity: Activity) -> None:
            activity.check_in(self._volunteer(command.volunteer_id), command.at or _now())

        return self._update(actor, activity_id, Activity, "activity", check_in, activity_view)

    def check_out(self, actor: Actor, activity_id: Id, command: Attendance) -> dict[str, Any]:
        return self._update(actor, activity_id, Activity, "activity",
                            lambda activity: activity.check_out(command.volunteer_id, command.at or _now()),
                            activity_view)

    def complete_activity(self, actor: Actor, activity_id: Id) -> dict[str, Any]:
        """Completes the activity and awards its points to each ledger, all in one save."""
        activity = self._served(actor, activity_id, Activity, "activity")
        activity.complete()
        ledgers = []
        for volunteer_id, points in activity.awards().items():
            if points <= 0:
                continue
            ledger = self._ledger_or_open(self._volunteer(volunteer_id))
            ledger.award_for_activity(str(activity.id), activity.minutes[volunteer_id], points)
            ledgers.append(ledger)
        self.save(activity, *ledgers, actor=actor)
        return activity_view(activity)

    def cancel_activity(self, actor: Actor, activity_id: Id, command: Reason) -> dict[str, Any]:
        return self._update(actor, activity_id, Activity, "activity",
                            lambda activity: activity.cancel(command.reason), activity_view)

    # -- help requests --------------------------------------------------------

    def receive_help_request(self, actor: Actor, command: ReceiveHelpRequest) -> UUID:
        actor.ensure_acts_in(command.community_id)
        if command.grid_case_id:
            return self.receive_help_request_from_grid_case(actor, command.community_id, command.grid_case_id,
                                                            command.need, command.urgency, command.deadline)
        request = HelpRequest.receive(community_id=command.community_id, need=command.need,
                                      urgency=command.urgency, deadline=command.deadline, now=_now())
        self.save(request, actor=actor)
        return request.id

    def withdraw_help_request_for_grid_case(self, actor: Actor, grid_case_id: str, *, reason: str) -> bool:
        """Staff closed the grid case themselves: an open help request for it is declined. Idempotent.

        A reaction to grid's events (the saga acts for the district), so no community check."""
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
        """Idempotent per grid case: a repeat returns the same id and stores nothing.

        Called by the saga (which acts for the district) and by `receive_help_request` once it has
        checked the caller's community."""
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

    def help_request(self, actor: Actor, request_id: Id) -> dict[str, Any]:
        return help_request_view(self._served(actor, request_id, HelpRequest, "help request"))

    def match_help_request(self, actor: Actor, request_id: Id, command: MatchHelpRequest) -> dict[str, Any]:
        def match(request: HelpRequest) -> None:
            request.match(volunteer=self._volunteer(command.volunteer_id) if command.volunteer_id else None,
                          team=self._team(command.team_id) if command.team_id else None)

        return self._update(actor, request_id, HelpRequest, "help request", match, help_request_view)

    def fulfil_help_request(self, actor: Actor, request_id: Id, command: FulfilHelpRequest) -> dict[str, Any]:
        return self._update(actor, request_id, HelpRequest, "help request",
                            lambda request: request.fulfil(round(command.hours * 60), command.outcome),
                            help_request_view)

    def decline_help_request(self, actor: Actor, request_id: Id, command: Reason) -> dict[str, Any]:
        return self._update(actor, request_id, HelpRequest, "help request",
                            lambda request: request.decline(command.reason), help_request_view)

    def expire_overdue(self, actor: Actor, command: ExpireOverdue) -> list[UUID]:
        """Expire every open help request past its deadline in the communities the actor serves.

        Idempotent: an expired request is no longer open, so a second run expires nothing.
        """
        now = command.now or _now()
        everywhere = actor.role == Role.ADMIN or ALL_COMMUNITIES in actor.communities
        expired = []
        for request_id in self._help_request_ids():
            request: HelpRequest = self.get(request_id, HelpRequest, "help request")
            if not everywhere and request.community_id not in actor.communities:
                continue
            if request.is_overdue(now):
                request.expire(now)
                self.save(request, actor=actor)
                expired.append(request.id)
        return expired

    # -- points ---------------------------------------------------------------

    def points(self, actor: Actor, volunteer_id: Id) -> dict[str, Any]:
        volunteer = self._served(actor, volunteer_id, Volunteer, "volunteer")
        return points_view(volunteer, self._ledger(volunteer))

    def award_bonus(self, actor: Actor, volunteer_id: Id, command: Bonus) -> dict[str, Any]:
        volunteer = self._served(actor, volunteer_id, Volunteer, "volunteer")
        ledger = self._ledger_or_open(volunteer)
        ledger.award_bonus(command.points, command.reason)
        self.save(ledger, actor=actor)
        return points_view(volunteer, ledger)

    def redeem_points(self, actor: Actor, volunteer_id: Id, command: Redeem) -> dict[str, Any]:
        volunteer = self._served(actor, volunteer_id, Volunteer, "volunteer")
        ledger = self._ledger_or_open(volunteer)
        ledger.redeem(command.points, command.purpose)
        self.save(ledger, actor=actor)
        return points_view(volunteer, ledger)

    # -- helpers --------------------------------------------------------------

    def _volunteer(self, volunteer_id: Id) -> Volunteer:
        return self.get(volunteer_id, Volunteer, "volunteer")

    def _team(self, team_id: Id) -> Team:
        return self.get(team_id, Team, "team")

    def _ledger(self, volunteer: Volunteer) -> PointsLedger | None:
        try:
            return self.get(ledger_id_for(volunteer.id), PointsLedger, "points ledger")
        except NotFound:
            return None

    def _ledger_or_open(self, volunteer: Volunteer) -> PointsLedger:
        return self._ledger(volunteer) or PointsLedger.open_for(volunteer)

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


# -- views (what the API answers) ----------------------------------------------


def _base(aggregate: CommunityAggregate) -> dict[str, Any]:
    return {"id": str(aggregate.id), "community_id": aggregate.community_id, "version": aggregate.version,
            "created_at": aggregate.created_on.isoformat(), "updated_at": aggregate.modified_on.isoformat()}


def volunteer_view(v: Volunteer) -> dict[str, Any]:
    return {**_base(v), "name": v.name, "phone": v.phone, "skills": v.skills, "suspended": v.suspended}


def team_view(t: Team) -> dict[str, Any]:
    return {**_base(t), "name": t.name, "purpose": t.purpose, "members": t.members, "leader_id": t.leader_id}


def activity_view(a: Activity) -> dict[str, Any]:
    return {**_base(a), "title": a.title, "place": a.place, "starts_at": a.starts_at.isoformat(),
            "ends_at": a.ends_at.isoformat(), "slots": a.slots, "points_per_hour": a.points_per_hour,
            "team_id": a.team_id, "status": a.status.value, "sign_ups": a.sign_ups,
            "checked_in": sorted(a.checked_in), "minutes": a.minutes}


def help_request_view(r: HelpRequest) -> dict[str, Any]:
    return {**_base(r), "need": r.need, "urgency": r.urgency.value, "deadline": r.deadline.isoformat(),
            "grid_case_id": r.grid_case_id, "status": r.status.value, "volunteer_id": r.volunteer_id,
            "team_id": r.team_id, "hours": r.minutes / 60 if r.minutes else None, "outcome": r.outcome,
            "reason": r.reason}


def points_view(volunteer: Volunteer, ledger: PointsLedger | None) -> dict[str, Any]:
    if ledger is None:
        return {"volunteer_id": str(volunteer.id), "community_id": volunteer.community_id, "balance": 0,
                "awarded": 0, "redeemed": 0}
    return {"volunteer_id": ledger.volunteer_id, "community_id": ledger.community_id, "balance": ledger.balance,
            "awarded": ledger.awarded, "redeemed": ledger.redeemed}
