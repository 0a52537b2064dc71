"""Volunteering's query tables (volunteers with their hours and points, teams and memberships, activities and
their slots, help requests) and the lists staff read from them.

Kept by a projection of volunteering's own stored events, in its own database (shared/platform/querytables.py).
No phone numbers and no help-request needs (a resident's words) are copied: the lists say what to open.
"""

from __future__ import annotations

import json
from datetime import datetime
from enum import StrEnum
from typing import Any

from services.volunteering.domain import (
    OPEN_HELP, Activity, ActivityStatus, HelpRequest, HelpStatus, PointsLedger, Team, Volunteer,
)
from shared.kernel import clock
from shared.kernel.actor import Actor
from shared.platform.querytables import (
    Add, ListQuery, QueryProjection, QueryView, Sort, Table, Upsert, aware, choices, placeholders, timestamp_text,
)

VOLUNTEERS = Table("volunteering_volunteers", {
    "community_id": "text", "name": "text", "skills": "text", "suspended": "integer", "minutes": "integer",
    "points_balance": "integer", "registered_at": "text",
}, indexes=(("community_id", "name", "id"),))

SKILLS = Table("volunteering_skills", {"volunteer_id": "text", "skill": "text"}, indexes=(("skill", "volunteer_id"),))

TEAMS = Table("volunteering_teams", {
    "community_id": "text", "name": "text", "purpose": "text", "leader_id": "text", "members": "integer",
}, indexes=(("community_id", "name", "id"),))

MEMBERSHIPS = Table("volunteering_memberships", {"team_id": "text", "volunteer_id": "text", "member": "integer"},
                    indexes=(("team_id", "volunteer_id"),))

ACTIVITIES = Table("volunteering_activities", {
    "community_id": "text", "title": "text", "place": "text", "team_id": "text", "starts_at": "text",
    "ends_at": "text", "slots": "integer", "filled": "integer", "status": "text",
}, indexes=(("community_id", "starts_at", "id"),))

HELP_REQUESTS = Table("volunteering_help_requests", {
    "community_id": "text", "urgency": "text", "status": "text", "deadline": "text", "grid_case_id": "text",
    "volunteer_id": "text", "team_id": "text", "received_at": "text", "updated_at": "text",
}, indexes=(("community_id", "status", "deadline", "id"),))

HELP_STATUS_AFTER: dict[type, HelpStatus] = {
    HelpRequest.Matched: HelpStatus.MATCHED, HelpRequest.Fulfilled: HelpStatus.FULFILLED,  # type: ignore[attr-defined]
    HelpRequest.Declined: HelpStatus.DECLINED, HelpRequest.Expired: HelpStatus.EXPIRED,  # type: ignore[attr-defined]
}


class VolunteeringQueryTables(QueryProjection):
    name = "volunteering"
    tables = (VOLUNTEERS, SKILLS, TEAMS, MEMBERSHIPS, ACTIVITIES, HELP_REQUESTS)

    def changes(self, event: Any) -> list[Upsert]:
        row = str(event.originator_id)
        for kind, changes in ((Volunteer, self._volunteer), (Team, self._team), (Activity, self._activity),
                              (HelpRequest, self._help_request), (PointsLedger, self._points)):
            if isinstance(event, kind.Event):  # type: ignore[attr-defined]
                return changes(row, event)
        return []

    @staticmethod
    def _volunteer(row: str, event: Any) -> list[Upsert]:
        if isinstance(event, Volunteer.Registered):  # type: ignore[attr-defined]
            return [Upsert(VOLUNTEERS.name, row, {
                "community_id": event.community_id, "name": event.name, "skills": json.dumps(list(event.skills)),
                "suspended": 0, "minutes": 0, "points_balance": 0, "registered_at": timestamp_text(event.timestamp)}),
                *(Upsert(SKILLS.name, f"{row}/{skill}", {"volunteer_id": row, "skill": skill})
                  for skill in event.skills)]
        if isinstance(event, Volunteer.Suspended | Volunteer.Reinstated):  # type: ignore[attr-defined]
            suspended = isinstance(event, Volunteer.Suspended)  # type: ignore[attr-defined]
            return [Upsert(VOLUNTEERS.name, row, {"suspended": int(suspended)})]
        return []

    @staticmethod
    def _team(row: str, event: Any) -> list[Upsert]:
        if isinstance(event, Team.Formed):  # type: ignore[attr-defined]
            return [Upsert(TEAMS.name, row, {"community_id": event.community_id, "name": event.name,
                                             "purpose": str(event.purpose), "leader_id": None, "members": 0})]
        if isinstance(event, Team.VolunteerJoined | Team.VolunteerLeft):  # type: ignore[attr-defined]
            joined = isinstance(event, Team.VolunteerJoined)  # type: ignore[attr-defined]
            return [Upsert(MEMBERSHIPS.name, f"{row}/{event.volunteer_id}",
                           {"team_id": row, "volunteer_id": event.volunteer_id, "member": int(joined)}),
                    Upsert(TEAMS.name, row, {"members": Add(1 if joined else -1)})]
        if isinstance(event, Team.LeaderAppointed):  # type: ignore[attr-defined]
            return [Upsert(TEAMS.name, row, {"leader_id": event.volunteer_id})]
        return []

    @staticmethod
    def _activity(row: str, event: Any) -> list[Upsert]:
        if isinstance(event, Activity.Published):  # type: ignore[attr-defined]
            return [Upsert(ACTIVITIES.name, row, {
                "community_id": event.community_id, "title": event.title, "place": event.place,
                "team_id": event.team_id, "starts_at": timestamp_text(event.starts_at),
                "ends_at": timestamp_text(event.ends_at), "slots": event.slots, "filled": 0,
                "status": ActivityStatus.PUBLISHED.value})]
        if isinstance(event, Activity.SignedUp | Activity.SignUpCancelled):  # type: ignore[attr-defined]
            signed_up = isinstance(event, Activity.SignedUp)  # type: ignore[attr-defined]
            return [Upsert(ACTIVITIES.name, row, {"filled": Add(1 if signed_up else -1)})]
        if isinstance(event, Activity.CheckedOut):  # type: ignore[attr-defined]
            return [Upsert(VOLUNTEERS.name, event.volunteer_id, {"minutes": Add(event.minutes)})]
        if isinstance(event, Activity.Completed):  # type: ignore[attr-defined]
            return [Upsert(ACTIVITIES.name, row, {"status": ActivityStatus.COMPLETED.value})]
        if isinstance(event, Activity.Cancelled):  # type: ignore[attr-defined]
            return [Upsert(ACTIVITIES.name, row, {"status": ActivityStatus.CANCELLED.value, "filled": 0})]
        return []

    @staticmethod
    def _help_request(row: str, event: Any) -> list[Upsert]:
        at = timestamp_text(event.timestamp)
        if isinstance(event, HelpRequest.Received):  # type: ignore[attr-defined]
            return [Upsert(HELP_REQUESTS.name, row, {
                "community_id": event.community_id, "urgency": str(event.urgency), "status": HelpStatus.RECEIVED.value,
                "deadline": timestamp_text(event.deadline), "grid_case_id": event.grid_case_id, "volunteer_id": None,
                "team_id": None, "received_at": at, "updated_at": at})]
        values: dict[str, Any] = {"updated_at": at}
        if type(event) in HELP_STATUS_AFTER:
            values["status"] = HELP_STATUS_AFTER[type(event)].value
        if isinstance(event, HelpRequest.Matched):  # type: ignore[attr-defined]
            values.update(volunteer_id=event.volunteer_id, team_id=event.team_id)
        changes = [Upsert(HELP_REQUESTS.name, row, values)]
        if isinstance(event, HelpRequest.Fulfilled) and event.volunteer_id:  # type: ignore[attr-defined]
            changes.append(Upsert(VOLUNTEERS.name, event.volunteer_id, {"minutes": Add(event.minutes)}))
        return changes

    @staticmethod
    def _points(_row: str, event: Any) -> list[Upsert]:
        if isinstance(event, PointsLedger.Awarded | PointsLedger.Redeemed):  # type: ignore[attr-defined]
            return [Upsert(VOLUNTEERS.name, event.volunteer_id, {"points_balance": event.balance})]
        return []


# -- reading ------------------------------------------------------------------------------------


def list_volunteers(view: QueryView, actor: Actor, *, community_id: str | None = None, team_id: str | None = None,
                    skill: str | None = None, limit: int = 50, cursor: str | None = None) -> dict[str, Any]:
    """Volunteers by name, with hours served (activities and help) and points balance."""
    query = ListQuery(VOLUNTEERS.name).scoped_to(actor, community_id)
    if team_id is not None:
        query.where("EXISTS (SELECT 1 FROM {volunteering_memberships} m WHERE m.team_id = ? "
                    "AND m.volunteer_id = item.id AND m.member = 1)", team_id)
    if skill is not None:
        query.where("EXISTS (SELECT 1 FROM {volunteering_skills} s WHERE s.skill = ? AND s.volunteer_id = item.id)",
                    skill)
    page = query.page(view, "name", Sort("name"), limit, cursor)
    for item in page["items"]:
        item["skills"] = json.loads(item["skills"])
        item["suspended"] = bool(item["suspended"])
        item["hours"] = round(item.pop("minutes") / 60, 2)
    return page


def list_teams(view: QueryView, actor: Actor, *, community_id: str | None = None, purpose: str | None = None,
               limit: int = 50, cursor: str | None = None) -> dict[str, Any]:
    query = ListQuery(TEAMS.name).scoped_to(actor, community_id).equal("purpose", purpose)
    return query.page(view, "name", Sort("name"), limit, cursor)


def list_activities(
    view: QueryView, actor: Actor, *, community_id: str | None = None, starts_from: datetime | None = None,
    starts_to: datetime | None = None, status: ActivityStatus | None = None, has_open_slots: bool | None = None,
    limit: int = 50, cursor: str | None = None,
) -> dict[str, Any]:
    """Activities by start time, with slots and how many are filled; open slots only on published activities."""
    query = (ListQuery(ACTIVITIES.name).scoped_to(actor, community_id).equal("status", status)
             .between("starts_at", aware("from", starts_from), aware("to", starts_to))
             .flag(has_open_slots, "status = ? AND filled < slots", ActivityStatus.PUBLISHED.value))
    return query.page(view, "starts_at", Sort("starts_at"), limit, cursor)


HelpListStatus = choices("HelpListStatus", HelpStatus, open="open", any="any")
"""A help request's status, or `open` (received or matched: the worklist) or `any`."""


def list_help_requests(view: QueryView, actor: Actor, *, community_id: str | None = None,
                       status: StrEnum = HelpListStatus.OPEN, limit: int = 50,  # type: ignore[attr-defined]
                       cursor: str | None = None) -> dict[str, Any]:
    """Help requests, nearest deadline first; `overdue` (open past its deadline) is judged now."""
    open_statuses = [s.value for s in OPEN_HELP]
    query = ListQuery(HELP_REQUESTS.name).scoped_to(actor, community_id)
    if status == "open":
        query.one_of("status", open_statuses)
    elif status != "any":
        query.equal("status", status.value)
    query.compute("overdue", f"CASE WHEN item.status IN ({placeholders(open_statuses)}) AND item.deadline < ? "
                  "THEN 1 ELSE 0 END", *open_statuses, timestamp_text(clock.now()))
    page = query.page(view, "deadline", Sort("deadline"), limit, cursor)
    for item in page["items"]:
        item["overdue"] = bool(item["overdue"])
    return page
