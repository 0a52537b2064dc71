"""Volunteering HTTP API: thin; validation in the commands, community checks in the use cases, rules in the
domain.

community_staff act within the communities their token covers; admin anywhere.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from pydantic import BaseModel

from services.volunteering.application import VolunteeringApplication
from services.volunteering.commands import (
    Attendance, Bonus, ExpireOverdue, FormTeam, FulfilHelpRequest, MatchHelpRequest, PublishActivity, Reason,
    ReceiveHelpRequest, Redeem, RegisterVolunteer, VolunteerRef,
)
from services.volunteering.domain import ActivityStatus, TeamPurpose
from services.volunteering.queries import (
    HelpListStatus, list_activities, list_help_requests, list_teams, list_volunteers,
)
from shared.kernel.actor import Actor, Role
from shared.platform.auth import requires
from shared.platform.querytables import DEFAULT_LIMIT, Limit, Lists
from shared.platform.http import OneHopRoute


class Created(BaseModel):
    id: str


async def volunteering_app(request: Request) -> VolunteeringApplication:
    return request.app.state.application


App = Annotated[VolunteeringApplication, Depends(volunteering_app)]
Staff = Annotated[Actor, Depends(requires(Role.ADMIN, Role.COMMUNITY_STAFF))]


def router() -> APIRouter:
    """Each route: the caller (staff or admin), the command, the one use case that checks the community
    and answers."""
    api = APIRouter(tags=["volunteering"], route_class=OneHopRoute)

    # -- volunteers -----------------------------------------------------------

    @api.post("/volunteers", status_code=201, response_model=Created)
    def register_volunteer(body: RegisterVolunteer, app: App, actor: Staff) -> Created:
        return Created(id=str(app.register_volunteer(actor, body)))

    @api.get("/volunteers")
    def volunteers(lists: Lists, actor: Staff, community_id: str | None = None, team_id: str | None = None,
                   skill: str | None = None, limit: Limit = DEFAULT_LIMIT, cursor: str | None = None) -> dict[str, Any]:
        return list_volunteers(lists, actor, community_id=community_id, team_id=team_id, skill=skill, limit=limit,
                               cursor=cursor)

    @api.get("/volunteers/{volunteer_id}")
    def get_volunteer(volunteer_id: str, app: App, actor: Staff) -> dict[str, Any]:
        return app.volunteer(actor, volunteer_id)

    @api.post("/volunteers/{volunteer_id}/suspend")
    def suspend_volunteer(volunteer_id: str, body: Reason, app: App, actor: Staff) -> dict[str, Any]:
        return app.suspend_volunteer(actor, volunteer_id, body)

    @api.post("/volunteers/{volunteer_id}/reinstate")
    def reinstate_volunteer(volunteer_id: str, app: App, actor: Staff) -> dict[str, Any]:
        return app.reinstate_volunteer(actor, volunteer_id)

    # -- teams ----------------------------------------------------------------

    @api.post("/teams", status_code=201, response_model=Created)
    def form_team(body: FormTeam, app: App, actor: Staff) -> Created:
        return Created(id=str(app.form_team(actor, body)))

    @api.get("/teams")
    def teams(lists: Lists, actor: Staff, community_id: str | None = None, purpose: TeamPurpose | None = None,
              limit: Limit = DEFAULT_LIMIT, cursor: str | None = None) -> dict[str, Any]:
        return list_teams(lists, actor, community_id=community_id, purpose=purpose, limit=limit, cursor=cursor)

    @api.get("/teams/{team_id}")
    def get_team(team_id: str, app: App, actor: Staff) -> dict[str, Any]:
        return app.team(actor, team_id)

    @api.post("/teams/{team_id}/join")
    def join_team(team_id: str, body: VolunteerRef, app: App, actor: Staff) -> dict[str, Any]:
        return app.join_team(actor, team_id, body)

    @api.post("/teams/{team_id}/leave")
    def leave_team(team_id: str, body: VolunteerRef, app: App, actor: Staff) -> dict[str, Any]:
        return app.leave_team(actor, team_id, body)

    @api.post("/teams/{team_id}/leader")
    def appoint_leader(team_id: str, body: VolunteerRef, app: App, actor: Staff) -> dict[str, Any]:
        return app.appoint_team_leader(actor, team_id, body)

    # -- activities -----------------------------------------------------------

    @api.post("/activities", status_code=201, response_model=Created)
    def publish_activity(body: PublishActivity, app: App, actor: Staff) -> Created:
        return Created(id=str(app.publish_activity(actor, body)))

    @api.get("/activities")
    def activities(
        lists: Lists, actor: Staff, community_id: str | None = None,
        starts_from: Annotated[datetime | None, Query(alias="from")] = None,
        starts_to: Annotated[datetime | None, Query(alias="to")] = None, status: ActivityStatus | None = None,
        has_open_slots: bool | None = None, limit: Limit = DEFAULT_LIMIT, cursor: str | None = None,
    ) -> dict[str, Any]:
        return list_activities(lists, actor, community_id=community_id, starts_from=starts_from, starts_to=starts_to,
                               status=status, has_open_slots=has_open_slots, limit=limit, cursor=cursor)

    @api.get("/activities/{activity_id}")
    def get_activity(activity_id: str, app: App, actor: Staff) -> dict[str, Any]:
        return app.activity(actor, activity_id)

    @api.post("/activities/{activity_id}/sign-up")
    def sign_up(activity_id: str, body: VolunteerRef, app: App, actor: Staff) -> dict[str, Any]:
        return app.sign_up(actor, activity_id, body)

    @api.post("/activities/{activity_id}/cancel-sign-up")
    def cancel_sign_up(activity_id: str, body: VolunteerRef, app: App, actor: Staff) -> dict[str, Any]:
        return app.cancel_sign_up(actor, activity_id, body)

    @api.post("/activities/{activity_id}/check-in")
    def check_in(activity_id: str, body: Attendance, app: App, actor: Staff) -> dict[str, Any]:
        return app.check_in(actor, activity_id, body)

    @api.post("/activities/{activity_id}/check-out")
    def check_out(activity_id: str, body: Attendance, app: App, actor: Staff) -> dict[str, Any]:
        return app.check_out(actor, activity_id, body)

    @api.post("/activities/{activity_id}/complete")
    def complete_activity(activity_id: str, app: App, actor: Staff) -> dict[str, Any]:
        return app.complete_activity(actor, activity_id)

    @api.post("/activities/{activity_id}/cancel")
    def cancel_activity(activity_id: str, body: Reason, app: App, actor: Staff) -> dict[str, Any]:
        return app.cancel_activity(actor, activity_id, body)

    # -- help requests --------------------------------------------------------

    @api.post("/help-requests", status_code=201, response_model=Created)
    def receive_help_request(body: ReceiveHelpRequest, app: App, actor: Staff) -> Created:
        return Created(id=str(app.receive_help_request(actor, body)))

    @api.post("/help-requests/expire-overdue")
    def expire_overdue(body: ExpireOverdue, app: App, actor: Staff) -> dict[str, Any]:
        return {"expired": [str(i) for i in app.expire_overdue(actor, body)]}

    @api.get("/help-requests")
    def help_requests(lists: Lists, actor: Staff, community_id: str | None = None,
                      status: HelpListStatus = HelpListStatus.OPEN,  # type: ignore[valid-type,attr-defined]
                      limit: Limit = DEFAULT_LIMIT,
                      cursor: str | None = None) -> dict[str, Any]:
        return list_help_requests(lists, actor, community_id=community_id, status=status, limit=limit, cursor=cursor)

    @api.get("/help-requests/{request_id}")
    def get_help_request(request_id: str, app: App, actor: Staff) -> dict[str, Any]:
        return app.help_request(actor, request_id)

    @api.post("/help-requests/{request_id}/match")
    def match_help_request(request_id: str, body: MatchHelpRequest, app: App, actor: Staff) -> dict[str, Any]:
        return app.match_help_request(actor, request_id, body)

    @api.post("/help-requests/{request_id}/fulfil")
    def fulfil_help_request(request_id: str, body: FulfilHelpRequest, app: App, actor: Staff) -> dict[str, Any]:
        return app.fulfil_help_request(actor, request_id, body)

    @api.post("/help-requests/{request_id}/decline")
    def decline_help_request(request_id: str, body: Reason, app: App, actor: Staff) -> dict[str, Any]:
        return app.decline_help_request(actor, request_id, body)

    # -- points ---------------------------------------------------------------

    @api.get("/volunteers/{volunteer_id}/points")
    def get_points(volunteer_id: str, app: App, actor: Staff) -> dict[str, Any]:
        return app.points(actor, volunteer_id)

    @api.post("/volunteers/{volunteer_id}/points/bonus")
    def award_bonus(volunteer_id: str, body: Bonus, app: App, actor: Staff) -> dict[str, Any]:
        return app.award_bonus(actor, volunteer_id, body)

    @api.post("/volunteers/{volunteer_id}/points/redeem")
    def redeem_points(volunteer_id: str, body: Redeem, app: App, actor: Staff) -> dict[str, Any]:
        return app.redeem_points(actor, volunteer_id, body)

    return api
