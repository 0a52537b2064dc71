"""Welfare HTTP API (prefix /welfare): thin; validation in the commands, community checks in the use cases,
rules in the domain.

Every endpoint needs a welfare officer of the record's community. Person records
(personal data) are readable by welfare officers only, and each read is audited.
"""

import re
from collections.abc import Callable
from datetime import date
from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Depends, Path, Query, Request
from pydantic import BaseModel, Field

from services.welfare.application import WelfareApplication
from services.welfare.commands import (
    Adjust, CategoryIn, DefineProgramme, DistributeRelief, End, EndPlacement, Exit, Grant, OnDate, OpenCycle,
    OpenStation, PayWage, PersonRef, Reason, RegisterHousehold, RegisterPerson, RemoveCategory, StartPlacement,
    Threshold,
)
from services.welfare.commands import (
    ApplyForAllowance, ApproveAllowance, ChangeOfCircumstances, Circumstances, CommunityReview, DecideAppeal,
    LodgeAppeal, LodgeObjection, PeriodicReview, ResolveObjection, StartNotice,
)
from services.welfare.commands import (
    Attendance, Certify, EmployerAnswer, Interview, PostVacancy, Refer, RegisterSeeker, Retention, ScheduleCourse,
    SeekerRef, StartJob, Withdraw,
)
from services.welfare.domain import AllowanceStatus, Category, Occasion
from services.welfare.queries import CycleListStatus, list_cycles, list_households, list_persons, list_relief
from shared.kernel.actor import Actor, Role
from shared.platform.auth import requires
from shared.platform.querytables import DEFAULT_LIMIT, MAX_LIMIT, Limit, Lists
from shared.platform.http import OneHopRoute


class Created(BaseModel):
    id: str


class PersonSearch(BaseModel):
    """GET /persons' filters, in a body."""

    community_id: str | None = None
    category: Category | None = None
    programme_id: UUID | None = None
    id_number: str | None = Field(default=None, description="matched by its HMAC; never stored or logged")
    limit: int = Field(default=DEFAULT_LIMIT, ge=1, le=MAX_LIMIT)
    cursor: str | None = None


async def welfare_app(request: Request) -> WelfareApplication:
    return request.app.state.application


Welfare = Annotated[WelfareApplication, Depends(welfare_app)]
Officer = Annotated[Actor, Depends(requires(Role.WELFARE_OFFICER))]
View = dict[str, Any]


# Route families: routes that differ only in path, command and use case are added by one call each, in the
# order of the document (the OpenAPI paths keep their order). A route's name, hence its OpenAPI operation id
# and summary, is its use case's name unless `name` is given. No `from __future__ import annotations` in this
# module: FastAPI must see a handler's annotations (`body: command`) as the objects passed in, not as names.


def _id_in_path(path: str) -> Any:
    """The type of the one record id a path names (`{household_id}`, ...), under that name."""
    (id_name,) = re.findall(r"\{(\w+)\}", path)
    return Annotated[str, Path(alias=id_name)]


def add_create_route(api: APIRouter, path: str, use_case: Callable[..., UUID], command: type[BaseModel]) -> None:
    """POST `path` (201): a welfare officer gives `command` to `use_case`, which checks the community and makes
    a new record; its id answers."""

    def create(body: command, app: Welfare, actor: Officer) -> Created:  # type: ignore[valid-type]
        return Created(id=str(use_case(app, actor, body)))

    api.add_api_route(path, create, methods=["POST"], name=use_case.__name__, status_code=201,
                      response_model=Created)


def add_view_route(api: APIRouter, path: str, use_case: Callable[..., View]) -> None:
    """GET `path`: `use_case`'s view of the record named in the path (the route is named get_<use_case>)."""

    def view(record_id: _id_in_path(path), app: Welfare, actor: Officer) -> View:  # type: ignore[valid-type]
        return use_case(app, actor, record_id)

    api.add_api_route(path, view, methods=["GET"], name=f"get_{use_case.__name__}")


def add_record_route(api: APIRouter, path: str, use_case: Callable[..., View], command: type[BaseModel] | None,
                     name: str | None = None) -> None:
    """POST `path`: a welfare officer gives `command` (None: a use case without a body) about the one record
    named in the path to `use_case`, which checks the record's community; its view of the record answers."""
    record_id_type = _id_in_path(path)
    if command is None:
        def act(record_id: record_id_type, app: Welfare, actor: Officer) -> View:  # type: ignore[valid-type]
            return use_case(app, actor, record_id)
    else:
        def act(record_id: record_id_type, body: command,  # type: ignore[valid-type,misc]
                app: Welfare, actor: Officer) -> View:
            return use_case(app, actor, record_id, body)

    api.add_api_route(path, act, methods=["POST"], name=name or use_case.__name__)


def add_person_route(api: APIRouter, path: str, use_case: Callable[..., None], command: type[BaseModel],
                     status: str) -> None:
    """POST `path`: a welfare officer gives `command` about the person named in the path to `use_case`, which
    checks the person's community; the answer is `{"status": status}`, not a view of the person."""

    def change(person_id: str, body: command,  # type: ignore[valid-type]
               app: Welfare, actor: Officer) -> dict[str, str]:
        use_case(app, actor, person_id, body)
        return {"status": status}

    api.add_api_route(path, change, methods=["POST"], name=use_case.__name__)


def router() -> APIRouter:
    """Each route: the caller (welfare officer), the command, the one use case that checks the community
    and answers."""
    api = APIRouter(tags=["welfare"], route_class=OneHopRoute)
    use_cases = WelfareApplication

    # persons
    add_create_route(api, "/persons", use_cases.register_person, RegisterPerson)

    @api.get("/persons")
    def persons(lists: Lists, app: Welfare, actor: Officer, community_id: str | None = None,
                category: Category | None = None, programme_id: UUID | None = None,
                id_number: Annotated[str | None, Query(description="matched by its HMAC; never stored or logged (a URL "
                                                    "is, by proxies: POST /persons/search keeps it out)")] = None,
                limit: Limit = DEFAULT_LIMIT, cursor: str | None = None) -> dict[str, Any]:
        return list_persons(lists, app.keys, actor, community_id=community_id, category=category,
                            programme_id=programme_id and str(programme_id), id_number=id_number, limit=limit,
                            cursor=cursor)

    @api.post("/persons/search")
    def search_persons(body: PersonSearch, lists: Lists, app: Welfare, actor: Officer) -> dict[str, Any]:
        """As GET /persons, with the id number in the body: a URL is kept by browsers, proxies and ingress logs."""
        return list_persons(lists, app.keys, actor, community_id=body.community_id, category=body.category,
                            programme_id=body.programme_id and str(body.programme_id), id_number=body.id_number,
                            limit=body.limit, cursor=body.cursor)

    @api.get("/persons/{person_id}")
    def read_person(person_id: str, app: Welfare, actor: Officer,
                    purpose: Annotated[str | None, Query(max_length=200)] = None) -> dict[str, Any]:
        return app.person_record(actor, person_id, purpose)

    add_person_route(api, "/persons/{person_id}/categories", use_cases.add_category, CategoryIn, "added")
    add_person_route(api, "/persons/{person_id}/categories/removal",
                     use_cases.remove_category, RemoveCategory, "removed")
    add_person_route(api, "/persons/{person_id}/move-out", use_cases.move_out, OnDate, "moved_out")
    add_person_route(api, "/persons/{person_id}/death", use_cases.record_death, OnDate, "deceased")
    add_person_route(api, "/persons/{person_id}/erasure", use_cases.erase_person, Reason, "erased")

    # households
    @api.put("/communities/{community_id}/threshold")
    def set_threshold(community_id: str, body: Threshold, app: Welfare, actor: Officer) -> dict[str, Any]:
        return app.set_threshold(actor, community_id, body)

    add_create_route(api, "/households", use_cases.register_household, RegisterHousehold)

    @api.get("/households")
    def households(lists: Lists, actor: Officer, community_id: str | None = None,
                   status: AllowanceStatus | None = None, limit: Limit = DEFAULT_LIMIT,
                   cursor: str | None = None) -> dict[str, Any]:
        return list_households(lists, actor, community_id=community_id, status=status, limit=limit, cursor=cursor)

    add_view_route(api, "/households/{household_id}", use_cases.household)
    add_record_route(api, "/households/{household_id}/means-test", use_cases.assess_household, OnDate, name="assess")
    add_record_route(api, "/households/{household_id}/allowance", use_cases.grant_allowance, Grant, name="grant")
    add_record_route(api, "/households/{household_id}/allowance/adjustment", use_cases.adjust_allowance, Adjust,
                     name="adjust")
    add_record_route(api, "/households/{household_id}/allowance/suspension", use_cases.suspend_allowance, Reason,
                     name="suspend")
    add_record_route(api, "/households/{household_id}/allowance/resumption", use_cases.resume_allowance, None,
                     name="resume")
    add_record_route(api, "/households/{household_id}/allowance/end", use_cases.end_allowance, End, name="end")

    # the minimum-allowance (低保) cycle on a household: application, investigation, community review,
    # public notice with objections, approval; change of circumstances, periodic review, appeal
    add_record_route(api, "/households/{household_id}/application", use_cases.apply_for_allowance, ApplyForAllowance)
    add_record_route(api, "/households/{household_id}/investigation", use_cases.investigate, Circumstances)
    add_record_route(api, "/households/{household_id}/circumstances",
                     use_cases.change_circumstances, ChangeOfCircumstances)
    add_record_route(api, "/households/{household_id}/community-review", use_cases.community_review, CommunityReview)
    add_record_route(api, "/households/{household_id}/notice", use_cases.start_notice, StartNotice)
    add_record_route(api, "/households/{household_id}/objections", use_cases.lodge_objection, LodgeObjection)

    @api.post("/households/{household_id}/objections/{number}/resolution")
    def resolve_objection(household_id: str, number: Annotated[int, Path(ge=1, le=10_000)], body: ResolveObjection,
                          app: Welfare, actor: Officer) -> dict[str, Any]:
        return app.resolve_objection(actor, household_id, number, body)

    add_record_route(api, "/households/{household_id}/approval", use_cases.approve_allowance, ApproveAllowance)
    add_record_route(api, "/households/{household_id}/review", use_cases.review_allowance, PeriodicReview)
    add_record_route(api, "/households/{household_id}/appeal", use_cases.lodge_appeal, LodgeAppeal)
    add_record_route(api, "/households/{household_id}/appeal/decision", use_cases.decide_appeal, DecideAppeal)

    # programmes and payment cycles
    add_create_route(api, "/programmes", use_cases.define_programme, DefineProgramme)
    add_view_route(api, "/programmes/{programme_id}", use_cases.programme)
    add_record_route(api, "/programmes/{programme_id}/enrolments", use_cases.enrol, PersonRef)
    add_record_route(api, "/programmes/{programme_id}/exits", use_cases.exit, Exit, name="exit_")
    add_create_route(api, "/cycles", use_cases.open_cycle, OpenCycle)

    @api.get("/cycles")
    def cycles(lists: Lists, actor: Officer, community_id: str | None = None,
               status: CycleListStatus | None = None,  # type: ignore[valid-type]
               limit: Limit = DEFAULT_LIMIT, cursor: str | None = None) -> dict[str, Any]:
        return list_cycles(lists, actor, community_id=community_id, status=status, limit=limit, cursor=cursor)

    add_view_route(api, "/cycles/{cycle_id}", use_cases.cycle)
    add_record_route(api, "/cycles/{cycle_id}/calculation", use_cases.calculate, None)
    add_record_route(api, "/cycles/{cycle_id}/approval", use_cases.approve, None)
    add_record_route(api, "/cycles/{cycle_id}/disbursement", use_cases.disburse, OnDate)
    add_record_route(api, "/cycles/{cycle_id}/closure", use_cases.close_cycle, None)

    # relief and assisted employment
    add_create_route(api, "/relief", use_cases.distribute_relief, DistributeRelief)

    @api.get("/relief")
    def relief(lists: Lists, actor: Officer, community_id: str | None = None,
               on_from: Annotated[date | None, Query(alias="from")] = None,
               on_to: Annotated[date | None, Query(alias="to")] = None, occasion: Occasion | None = None,
               limit: Limit = DEFAULT_LIMIT, cursor: str | None = None) -> dict[str, Any]:
        return list_relief(lists, actor, community_id=community_id, on_from=on_from, on_to=on_to, occasion=occasion,
                           limit=limit, cursor=cursor)

    add_create_route(api, "/stations", use_cases.open_station, OpenStation)
    add_view_route(api, "/stations/{station_id}", use_cases.station)
    add_record_route(api, "/stations/{station_id}/placements", use_cases.start_placement, StartPlacement)

    @api.post("/stations/{station_id}/placements/{person_id}/end")
    def end_placement(station_id: str, person_id: UUID, body: EndPlacement, app: Welfare,
                      actor: Officer) -> dict[str, Any]:
        return app.end_placement(actor, station_id, person_id, body)

    add_record_route(api, "/stations/{station_id}/wages", use_cases.pay_wage, PayWage)

    # employment services: seekers, vacancies, referrals (interview, answer, placement, retention), training
    add_create_route(api, "/seekers", use_cases.register_seeker, RegisterSeeker)
    add_view_route(api, "/seekers/{seeker_id}", use_cases.seeker)
    add_record_route(api, "/seekers/{seeker_id}/withdrawal", use_cases.withdraw_seeker, Withdraw)
    add_create_route(api, "/vacancies", use_cases.post_vacancy, PostVacancy)
    add_view_route(api, "/vacancies/{vacancy_id}", use_cases.vacancy)
    add_record_route(api, "/vacancies/{vacancy_id}/closure", use_cases.close_vacancy, Withdraw)
    add_create_route(api, "/referrals", use_cases.refer, Refer)
    add_view_route(api, "/referrals/{referral_id}", use_cases.referral)
    add_record_route(api, "/referrals/{referral_id}/interviews", use_cases.record_interview, Interview)
    add_record_route(api, "/referrals/{referral_id}/answer", use_cases.employer_answer, EmployerAnswer)
    add_record_route(api, "/referrals/{referral_id}/placement", use_cases.start_job, StartJob)
    add_record_route(api, "/referrals/{referral_id}/retention", use_cases.record_retention, Retention)
    add_record_route(api, "/referrals/{referral_id}/placement/end", use_cases.end_job, Withdraw)
    add_create_route(api, "/courses", use_cases.schedule_course, ScheduleCourse)
    add_view_route(api, "/courses/{course_id}", use_cases.course)
    add_record_route(api, "/courses/{course_id}/enrolments", use_cases.enrol_in_course, SeekerRef)
    add_record_route(api, "/courses/{course_id}/attendance", use_cases.record_attendance, Attendance)
    add_record_route(api, "/courses/{course_id}/certificates", use_cases.certify, Certify)

    return api
