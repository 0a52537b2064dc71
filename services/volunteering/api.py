"""Volunteering HTTP API: thin; validation in the request models, rules in the domain.

community_staff act within the communities their token covers; admin anywhere.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from services.volunteering.application import VolunteeringApplication
from services.volunteering.domain import TeamPurpose, Urgency
from shared.kernel.actor import ALL_COMMUNITIES, ensure_community, Role
from shared.platform.auth import requires
from shared.kernel.actor import Actor
from shared.kernel import clock

COMMUNITY_ID = Field(min_length=1, max_length=64, pattern=r"^[a-z0-9][a-z0-9-]*$")
ID = Field(min_length=1, max_length=64)
OPTIONAL_ID = Field(default=None, min_length=1, max_length=64)
TEXT = Field(min_length=1, max_length=2000)
NAME = Field(min_length=1, max_length=200)


class Body(BaseModel):
    model_config = ConfigDict(extra="forbid")


class RegisterVolunteer(Body):
    community_id: str = COMMUNITY_ID
    name: str = NAME
    phone: str = Field(min_length=3, max_length=32, pattern=r"^\+?[0-9 -]+$")
    skills: list[Annotated[str, Field(min_length=1, max_length=64)]] = Field(default_factory=list, max_length=30)


class Reason(Body):
    reason: str = TEXT


class FormTeam(Body):
    community_id: str = COMMUNITY_ID
    name: str = NAME
    purpose: TeamPurpose


class VolunteerRef(Body):
    volunteer_id: str = ID


class PublishActivity(Body):
    community_id: str = COMMUNITY_ID
    title: str = NAME
    place: str = NAME
    starts_at: AwareDatetime
    ends_at: AwareDatetime
    slots: int = Field(ge=1, le=10_000)
    points_per_hour: int = Field(ge=0, le=1_000)
    team_id: str | None = OPTIONAL_ID


class Attendance(Body):
    volunteer_id: str = ID
    at: AwareDatetime | None = None


class ReceiveHelpRequest(Body):
    community_id: str = COMMUNITY_ID
    need: str = TEXT
    urgency: Urgency = Urgency.NORMAL
    deadline: AwareDatetime
    grid_case_id: str | None = OPTIONAL_ID


class MatchHelpRequest(Body):
    volunteer_id: str | None = OPTIONAL_ID
    team_id: str | None = OPTIONAL_ID


class FulfilHelpRequest(Body):
    hours: float = Field(gt=0, le=24)
    outcome: str = TEXT


class ExpireOverdue(Body):
    now: AwareDatetime | None = None


class Bonus(Body):
    points: int = Field(ge=1, le=100_000)
    reason: str = TEXT


class Redeem(Body):
    points: int = Field(ge=1, le=100_000)
    purpose: str = TEXT


class Created(BaseModel):
    id: str


async def volunteering_app(request: Request) -> VolunteeringApplication:
    return request.app.state.application


App = Annotated[VolunteeringApplication, Depends(volunteering_app)]
Staff = Annotated[Actor, Depends(requires(Role.ADMIN, Role.COMMUNITY_STAFF))]


def authorize(actor: Actor, community_id: str) -> None:
    if actor.role != Role.ADMIN:
        ensure_community(actor, community_id)


def router() -> APIRouter:  # noqa: C901 - one route per use case
    api = APIRouter(tags=["volunteering"])

    def on(app: VolunteeringApplication, actor: Actor, aggregate_id: str) -> None:
        authorize(actor, app.community_of(aggregate_id))

    # -- volunteers -----------------------------------------------------------

    @api.post("/volunteers", status_code=201, response_model=Created)
    def register_volunteer(body: RegisterVolunteer, app: App, actor: Staff) -> Created:
        authorize(actor, body.community_id)
        return Created(id=str(app.register_volunteer(actor, community_id=body.community_id, name=body.name,
                                                      phone=body.phone, skills=body.skills)))

    @api.get("/volunteers/{volunteer_id}")
    def get_volunteer(volunteer_id: str, app: App, actor: Staff) -> dict[str, Any]:
        on(app, actor, volunteer_id)
        return app.volunteer(volunteer_id)

    @api.post("/volunteers/{volunteer_id}/suspend")
    def suspend_volunteer(volunteer_id: str, body: Reason, app: App, actor: Staff) -> dict[str, Any]:
        on(app, actor, volunteer_id)
        app.suspend_volunteer(actor, volunteer_id, reason=body.reason)
        return app.volunteer(volunteer_id)

    @api.post("/volunteers/{volunteer_id}/reinstate")
    def reinstate_volunteer(volunteer_id: str, app: App, actor: Staff) -> dict[str, Any]:
        on(app, actor, volunteer_id)
        app.reinstate_volunteer(actor, volunteer_id)
        return app.volunteer(volunteer_id)

    # -- teams ----------------------------------------------------------------

    @api.post("/teams", status_code=201, response_model=Created)
    def form_team(body: FormTeam, app: App, actor: Staff) -> Created:
        authorize(actor, body.community_id)
        return Created(id=str(app.form_team(actor, community_id=body.community_id, name=body.name,
                                             purpose=body.purpose)))

    @api.get("/teams/{team_id}")
    def get_team(team_id: str, app: App, actor: Staff) -> dict[str, Any]:
        on(app, actor, team_id)
        return app.team(team_id)

    @api.post("/teams/{team_id}/join")
    def join_team(team_id: str, body: VolunteerRef, app: App, actor: Staff) -> dict[str, Any]:
        on(app, actor, team_id)
        app.join_team(actor, team_id, body.volunteer_id)
        return app.team(team_id)

    @api.post("/teams/{team_id}/leave")
    def leave_team(team_id: str, body: VolunteerRef, app: App, actor: Staff) -> dict[str, Any]:
        on(app, actor, team_id)
        app.leave_team(actor, team_id, body.volunteer_id)
        return app.team(team_id)

    @api.post("/teams/{team_id}/leader")
    def appoint_leader(team_id: str, body: VolunteerRef, app: App, actor: Staff) -> dict[str, Any]:
        on(app, actor, team_id)
        app.appoint_team_leader(actor, team_id, body.volunteer_id)
        return app.team(team_id)

    # -- activities -----------------------------------------------------------

    @api.post("/activities", status_code=201, response_model=Created)
    def publish_activity(body: PublishActivity, app: App, actor: Staff) -> Created:
        authorize(actor, body.community_id)
        return Created(id=str(app.publish_activity(
            actor, community_id=body.community_id, title=body.title, place=body.place, starts_at=body.starts_at,
            ends_at=body.ends_at, slots=body.slots, points_per_hour=body.points_per_hour, team_id=body.team_id)))

    @api.get("/activities/{activity_id}")
    def get_activity(activity_id: str, app: App, actor: Staff) -> dict[str, Any]:
        on(app, actor, activity_id)
        return app.activity(activity_id)

    @api.post("/activities/{activity_id}/sign-up")
    def sign_up(activity_id: str, body: VolunteerRef, app: App, actor: Staff) -> dict[str, Any]:
        on(app, actor, activity_id)
        app.sign_up(actor, activity_id, body.volunteer_id)
        return app.activity(activity_id)

    @api.post("/activities/{activity_id}/cancel-sign-up")
    def cancel_sign_up(activity_id: str, body: VolunteerRef, app: App, actor: Staff) -> dict[str, Any]:
        on(app, actor, activity_id)
        app.cancel_sign_up(actor, activity_id, body.volunteer_id)
        return app.activity(activity_id)

    @api.post("/activities/{activity_id}/check-in")
    def check_in(activity_id: str, body: Attendance, app: App, actor: Staff) -> dict[str, Any]:
        on(app, actor, activity_id)
        app.check_in(actor, activity_id, body.volunteer_id, at=body.at)
        return app.activity(activity_id)

    @api.post("/activities/{activity_id}/check-out")
    def check_out(activity_id: str, body: Attendance, app: App, actor: Staff) -> dict[str, Any]:
        on(app, actor, activity_id)
        app.check_out(actor, activity_id, body.volunteer_id, at=body.at)
        return app.activity(activity_id)

    @api.post("/activities/{activity_id}/complete")
    def complete_activity(activity_id: str, app: App, actor: Staff) -> dict[str, Any]:
        on(app, actor, activity_id)
        app.complete_activity(actor, activity_id)
        return app.activity(activity_id)

    @api.post("/activities/{activity_id}/cancel")
    def cancel_activity(activity_id: str, body: Reason, app: App, actor: Staff) -> dict[str, Any]:
        on(app, actor, activity_id)
        app.cancel_activity(actor, activity_id, reason=body.reason)
        return app.activity(activity_id)

    # -- help requests --------------------------------------------------------

    @api.post("/help-requests", status_code=201, response_model=Created)
    def receive_help_request(body: ReceiveHelpRequest, app: App, actor: Staff) -> Created:
        authorize(actor, body.community_id)
        return Created(id=str(app.receive_help_request(
            actor, community_id=body.community_id, need=body.need, urgency=body.urgency, deadline=body.deadline,
            grid_case_id=body.grid_case_id)))

    @api.post("/help-requests/expire-overdue")
    def expire_overdue(body: ExpireOverdue, app: App, actor: Staff) -> dict[str, Any]:
        scope = None if actor.role == Role.ADMIN or ALL_COMMUNITIES in actor.communities else set(actor.communities)
        expired = app.expire_overdue(actor, body.now or clock.now(), scope)
        return {"expired": [str(i) for i in expired]}

    @api.get("/help-requests/{request_id}")
    def get_help_request(request_id: str, app: App, actor: Staff) -> dict[str, Any]:
        on(app, actor, request_id)
        return app.help_request(request_id)

    @api.post("/help-requests/{request_id}/match")
    def match_help_request(request_id: str, body: MatchHelpRequest, app: App, actor: Staff) -> dict[str, Any]:
        on(app, actor, request_id)
        app.match_help_request(actor, request_id, volunteer_id=body.volunteer_id, team_id=body.team_id)
        return app.help_request(request_id)

    @api.post("/help-requests/{request_id}/fulfil")
    def fulfil_help_request(request_id: str, body: FulfilHelpRequest, app: App, actor: Staff) -> dict[str, Any]:
        on(app, actor, request_id)
        app.fulfil_help_request(actor, request_id, hours=body.hours, outcome=body.outcome)
        return app.help_request(request_id)

    @api.post("/help-requests/{request_id}/decline")
    def decline_help_request(request_id: str, body: Reason, app: App, actor: Staff) -> dict[str, Any]:
        on(app, actor, request_id)
        app.decline_help_request(actor, request_id, reason=body.reason)
        return app.help_request(request_id)

    # -- points ---------------------------------------------------------------

    @api.get("/volunteers/{volunteer_id}/points")
    def get_points(volunteer_id: str, app: App, actor: Staff) -> dict[str, Any]:
        on(app, actor, volunteer_id)
        return app.points(volunteer_id)

    @api.post("/volunteers/{volunteer_id}/points/bonus")
    def award_bonus(volunteer_id: str, body: Bonus, app: App, actor: Staff) -> dict[str, Any]:
        on(app, actor, volunteer_id)
        app.award_bonus(actor, volunteer_id, points=body.points, reason=body.reason)
        return app.points(volunteer_id)

    @api.post("/volunteers/{volunteer_id}/points/redeem")
    def redeem_points(volunteer_id: str, body: Redeem, app: App, actor: Staff) -> dict[str, Any]:
        on(app, actor, volunteer_id)
        app.redeem_points(actor, volunteer_id, points=body.points, purpose=body.purpose)
        return app.points(volunteer_id)

    return api
