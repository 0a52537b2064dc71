"""Volunteering HTTP API: thin; validation in the commands, community checks in the use cases, rules in the
domain.

community_staff act within the communities their token covers; admin anywhere.

Most routes come in three families, each added by one function below: creating a record (201, its id),
acting on one record named in the URL, and viewing one (the use case's answer). A route's name, which gives
its OpenAPI operation id, is the use case's name (or a call's route_name); a view route's is get_<use case>.

Annotations here are evaluated when a route is defined (no `from __future__ import annotations`): the
route families annotate their handlers with the command model they are given.
"""

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query, Request
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


def add_create_route(api: APIRouter, path: str, use_case: str, command: type[BaseModel]) -> None:
    """POST `path`: the `command` body goes to VolunteeringApplication.<use_case>, which answers the new id."""

    def create(body: command, app: App, actor: Staff) -> Created:  # type: ignore[valid-type]
        return Created(id=str(getattr(app, use_case)(actor, body)))

    api.add_api_route(path, create, methods=["POST"], name=use_case, status_code=201, response_model=Created)


def add_record_route(api: APIRouter, path: str, id_param: str, use_case: str, command: type[BaseModel],
                     route_name: str | None = None) -> None:
    """POST `path`: the record named by the path parameter `id_param` and the `command` body go to
    VolunteeringApplication.<use_case>, whose view of the record is the answer. The route is named after
    the use case unless `route_name` says otherwise."""

    def act(record_id: Annotated[str, Path(alias=id_param)], body: command,  # type: ignore[valid-type]
            app: App, actor: Staff) -> dict[str, Any]:
        return getattr(app, use_case)(actor, record_id, body)

    api.add_api_route(path, act, methods=["POST"], name=route_name or use_case)


def add_view_route(api: APIRouter, path: str, id_param: str, use_case: str) -> None:
    """GET `path`: VolunteeringApplication.<use_case>'s view of the record named by the path parameter `id_param`
    (the route is named get_<use_case>)."""

    def view(record_id: Annotated[str, Path(alias=id_param)], app: App, actor: Staff) -> dict[str, Any]:
        return getattr(app, use_case)(actor, record_id)

    api.add_api_route(path, view, methods=["GET"], name=f"get_{use_case}")


def router() -> APIRouter:
    """Each route: the caller (staff or admin), the command, the one use case that checks the community
    and answers."""
    api = APIRouter(tags=["volunteering"], route_class=OneHopRoute)

    # -- volunteers -----------------------------------------------------------

    add_create_route(api, "/volunteers", "register_volunteer", RegisterVolunteer)

    @api.get("/volunteers")
    def volunteers(lists: Lists, actor: Staff, community_id: str | None = None, team_id: str | None = None,
                   skill: str | None = None, limit: Limit = DEFAULT_LIMIT, cursor: str | None = None) -> dict[str, Any]:
        return list_volunteers(lists, actor, community_id=community_id, team_id=team_id, skill=skill, limit=limit,
                               cursor=cursor)

    add_view_route(api, "/volunteers/{volunteer_id}", "volunteer_id", "volunteer")

    add_record_route(api, "/volunteers/{volunteer_id}/suspend", "volunteer_id", "suspend_volunteer", Reason)

    @api.post("/volunteers/{volunteer_id}/reinstate")
    def reinstate_volunteer(volunteer_id: str, app: App, actor: Staff) -> dict[str, Any]:
        return app.reinstate_volunteer(actor, volunteer_id)

    # -- teams ----------------------------------------------------------------

    add_create_route(api, "/teams", "form_team", FormTeam)

    @api.get("/teams")
    def teams(lists: Lists, actor: Staff, community_id: str | None = None, purpose: TeamPurpose | None = None,
              limit: Limit = DEFAULT_LIMIT, cursor: str | None = None) -> dict[str, Any]:
        return list_teams(lists, actor, community_id=community_id, purpose=purpose, limit=limit, cursor=cursor)

    add_view_route(api, "/teams/{team_id}", "team_id", "team")

    add_record_route(api, "/teams/{team_id}/join", "team_id", "join_team", VolunteerRef)
    add_record_route(api, "/teams/{team_id}/leave", "team_id", "leave_team", VolunteerRef)
    add_record_route(api, "/teams/{team_id}/leader", "team_id", "appoint_team_leader", VolunteerRef,
                     route_name="appoint_leader")

    # -- activities -----------------------------------------------------------

    add_create_route(api, "/activities", "publish_activity", PublishActivity)

    @api.get("/activities")
    def activities(
        lists: Lists, actor: Staff, community_id: str | None = None,
        starts_from: Annotated[datetime | None, Query(alias="from")] = None,
        starts_to: Annotated[datetime | None, Query(alias="to")] = None, status: ActivityStatus | None = None,
        has_open_slots: bool | None = None, limit: Limit = DEFAULT_LIMIT, cursor: str | None = None,
    ) -> dict[str, Any]:
        return list_activities(lists, actor, community_id=community_id, starts_from=starts_from, starts_to=starts_to,
                               status=status, has_open_slots=has_open_slots, limit=limit, cursor=cursor)

    add_view_route(api, "/activities/{activity_id}", "activity_id", "activity")

    add_record_route(api, "/activities/{activity_id}/sign-up", "activity_id", "sign_up", VolunteerRef)
    add_record_route(api, "/activities/{activity_id}/cancel-sign-up", "activity_id", "cancel_sign_up", VolunteerRef)
    add_record_route(api, "/activities/{activity_id}/check-in", "activity_id", "check_in", Attendance)
    add_record_route(api, "/activities/{activity_id}/check-out", "activity_id", "check_out", Attendance)

    @api.post("/activities/{activity_id}/complete")
    def complete_activity(activity_id: str, app: App, actor: Staff) -> dict[str, Any]:
        return app.complete_activity(actor, activity_id)

    add_record_route(api, "/activities/{activity_id}/cancel", "activity_id", "cancel_activity", Reason)

    # -- help requests --------------------------------------------------------

    add_create_route(api, "/help-requests", "receive_help_request", ReceiveHelpRequest)

    @api.post("/help-requests/expire-overdue")
    def expire_overdue(body: ExpireOverdue, app: App, actor: Staff) -> dict[str, Any]:
        return {"expired": [str(i) for i in app.expire_overdue(actor, body)]}

    @api.get("/help-requests")
    def help_requests(lists: Lists, actor: Staff, community_id: str | None = None,
                      status: HelpListStatus = HelpListStatus.OPEN,  # type: ignore[valid-type,attr-defined]
                      limit: Limit = DEFAULT_LIMIT,
                      cursor: str | None = None) -> dict[str, Any]:
        return list_help_requests(lists, actor, community_id=community_id, status=status, limit=limit, cursor=cursor)

    add_view_route(api, "/help-requests/{request_id}", "request_id", "help_request")

    add_record_route(api, "/help-requests/{request_id}/match", "request_id", "match_help_request", MatchHelpRequest)
    add_record_route(api, "/help-requests/{request_id}/fulfil", "request_id", "fulfil_help_request", FulfilHelpRequest)
    add_record_route(api, "/help-requests/{request_id}/decline", "request_id", "decline_help_request", Reason)

    # -- points ---------------------------------------------------------------

    add_view_route(api, "/volunteers/{volunteer_id}/points", "volunteer_id", "points")

    add_record_route(api, "/volunteers/{volunteer_id}/points/bonus", "volunteer_id", "award_bonus", Bonus)
    add_record_route(api, "/volunteers/{volunteer_id}/points/redeem", "volunteer_id", "redeem_points", Redeem)

    return api
