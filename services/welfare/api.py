"""Welfare HTTP API (prefix /welfare): thin; validation in the commands, community checks in the use cases,
rules in the domain.

Every endpoint needs a welfare officer of the record's community. Person records
(personal data) are readable by welfare officers only, and each read is audited.
"""

from __future__ import annotations

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


def router() -> APIRouter:
    """Each route: the caller (welfare officer), the command, the one use case that checks the community
    and answers."""
    api = APIRouter(tags=["welfare"], route_class=OneHopRoute)

    # persons
    @api.post("/persons", status_code=201, response_model=Created)
    def register_person(body: RegisterPerson, app: Welfare, actor: Officer) -> Created:
        return Created(id=str(app.register_person(actor, body)))

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

    @api.post("/persons/{person_id}/categories")
    def add_category(person_id: str, body: CategoryIn, app: Welfare, actor: Officer) -> dict[str, str]:
        app.add_category(actor, person_id, body)
        return {"status": "added"}

    @api.post("/persons/{person_id}/categories/removal")
    def remove_category(person_id: str, body: RemoveCategory, app: Welfare, actor: Officer) -> dict[str, str]:
        app.remove_category(actor, person_id, body)
        return {"status": "removed"}

    @api.post("/persons/{person_id}/move-out")
    def move_out(person_id: str, body: OnDate, app: Welfare, actor: Officer) -> dict[str, str]:
        app.move_out(actor, person_id, body)
        return {"status": "moved_out"}

    @api.post("/persons/{person_id}/death")
    def record_death(person_id: str, body: OnDate, app: Welfare, actor: Officer) -> dict[str, str]:
        app.record_death(actor, person_id, body)
        return {"status": "deceased"}

    @api.post("/persons/{person_id}/erasure")
    def erase_person(person_id: str, body: Reason, app: Welfare, actor: Officer) -> dict[str, str]:
        app.erase_person(actor, person_id, body)
        return {"status": "erased"}

    # households
    @api.put("/communities/{community_id}/threshold")
    def set_threshold(community_id: str, body: Threshold, app: Welfare, actor: Officer) -> dict[str, Any]:
        return app.set_threshold(actor, community_id, body)

    @api.post("/households", status_code=201, response_model=Created)
    def register_household(body: RegisterHousehold, app: Welfare, actor: Officer) -> Created:
        return Created(id=str(app.register_household(actor, body)))

    @api.get("/households")
    def households(lists: Lists, actor: Officer, community_id: str | None = None,
                   status: AllowanceStatus | None = None, limit: Limit = DEFAULT_LIMIT,
                   cursor: str | None = None) -> dict[str, Any]:
        return list_households(lists, actor, community_id=community_id, status=status, limit=limit, cursor=cursor)

    @api.get("/households/{household_id}")
    def get_household(household_id: str, app: Welfare, actor: Officer) -> dict[str, Any]:
        return app.household(actor, household_id)

    @api.post("/households/{household_id}/means-test")
    def assess(household_id: str, body: OnDate, app: Welfare, actor: Officer) -> dict[str, Any]:
        return app.assess_household(actor, household_id, body)

    @api.post("/households/{household_id}/allowance")
    def grant(household_id: str, body: Grant, app: Welfare, actor: Officer) -> dict[str, Any]:
        return app.grant_allowance(actor, household_id, body)

    @api.post("/households/{household_id}/allowance/adjustment")
    def adjust(household_id: str, body: Adjust, app: Welfare, actor: Officer) -> dict[str, Any]:
        return app.adjust_allowance(actor, household_id, body)

    @api.post("/households/{household_id}/allowance/suspension")
    def suspend(household_id: str, body: Reason, app: Welfare, actor: Officer) -> dict[str, Any]:
        return app.suspend_allowance(actor, household_id, body)

    @api.post("/households/{household_id}/allowance/resumption")
    def resume(household_id: str, app: Welfare, actor: Officer) -> dict[str, Any]:
        return app.resume_allowance(actor, household_id)

    @api.post("/households/{household_id}/allowance/end")
    def end(household_id: str, body: End, app: Welfare, actor: Officer) -> dict[str, Any]:
        return app.end_allowance(actor, household_id, body)

    # the minimum-allowance (低保) cycle on a household: application, investigation, community review,
    # public notice with objections, approval; change of circumstances, periodic review, appeal
    @api.post("/households/{household_id}/application")
    def apply_for_allowance(household_id: str, body: ApplyForAllowance, app: Welfare, actor: Officer
                            ) -> dict[str, Any]:
        return app.apply_for_allowance(actor, household_id, body)

    @api.post("/households/{household_id}/investigation")
    def investigate(household_id: str, body: Circumstances, app: Welfare, actor: Officer) -> dict[str, Any]:
        return app.investigate(actor, household_id, body)

    @api.post("/households/{household_id}/circumstances")
    def change_circumstances(household_id: str, body: ChangeOfCircumstances, app: Welfare, actor: Officer
                             ) -> dict[str, Any]:
        return app.change_circumstances(actor, household_id, body)

    @api.post("/households/{household_id}/community-review")
    def community_review(household_id: str, body: CommunityReview, app: Welfare, actor: Officer) -> dict[str, Any]:
        return app.community_review(actor, household_id, body)

    @api.post("/households/{household_id}/notice")
    def start_notice(household_id: str, body: StartNotice, app: Welfare, actor: Officer) -> dict[str, Any]:
        return app.start_notice(actor, household_id, body)

    @api.post("/households/{household_id}/objections")
    def lodge_objection(household_id: str, body: LodgeObjection, app: Welfare, actor: Officer) -> dict[str, Any]:
        return app.lodge_objection(actor, household_id, body)

    @api.post("/households/{household_id}/objections/{number}/resolution")
    def resolve_objection(household_id: str, number: Annotated[int, Path(ge=1, le=10_000)], body: ResolveObjection,
                          app: Welfare, actor: Officer) -> dict[str, Any]:
        return app.resolve_objection(actor, household_id, number, body)

    @api.post("/households/{household_id}/approval")
    def approve_allowance(household_id: str, body: ApproveAllowance, app: Welfare, actor: Officer) -> dict[str, Any]:
        return app.approve_allowance(actor, household_id, body)

    @api.post("/households/{household_id}/review")
    def review_allowance(household_id: str, body: PeriodicReview, app: Welfare, actor: Officer) -> dict[str, Any]:
        return app.review_allowance(actor, household_id, body)

    @api.post("/households/{household_id}/appeal")
    def lodge_appeal(household_id: str, body: LodgeAppeal, app: Welfare, actor: Officer) -> dict[str, Any]:
        return app.lodge_appeal(actor, household_id, body)

    @api.post("/households/{household_id}/appeal/decision")
    def decide_appeal(household_id: str, body: DecideAppeal, app: Welfare, actor: Officer) -> dict[str, Any]:
        return app.decide_appeal(actor, household_id, body)

    # programmes and payment cycles
    @api.post("/programmes", status_code=201, response_model=Created)
    def define_programme(body: DefineProgramme, app: Welfare, actor: Officer) -> Created:
        return Created(id=str(app.define_programme(actor, body)))

    @api.get("/programmes/{programme_id}")
    def get_programme(programme_id: str, app: Welfare, actor: Officer) -> dict[str, Any]:
        return app.programme(actor, programme_id)

    @api.post("/programmes/{programme_id}/enrolments")
    def enrol(programme_id: str, body: PersonRef, app: Welfare, actor: Officer) -> dict[str, Any]:
        return app.enrol(actor, programme_id, body)

    @api.post("/programmes/{programme_id}/exits")
    def exit_(programme_id: str, body: Exit, app: Welfare, actor: Officer) -> dict[str, Any]:
        return app.exit(actor, programme_id, body)

    @api.post("/cycles", status_code=201, response_model=Created)
    def open_cycle(body: OpenCycle, app: Welfare, actor: Officer) -> Created:
        return Created(id=str(app.open_cycle(actor, body)))

    @api.get("/cycles")
    def cycles(lists: Lists, actor: Officer, community_id: str | None = None,
               status: CycleListStatus | None = None,  # type: ignore[valid-type]
               limit: Limit = DEFAULT_LIMIT, cursor: str | None = None) -> dict[str, Any]:
        return list_cycles(lists, actor, community_id=community_id, status=status, limit=limit, cursor=cursor)

    @api.get("/cycles/{cycle_id}")
    def get_cycle(cycle_id: str, app: Welfare, actor: Officer) -> dict[str, Any]:
        return app.cycle(actor, cycle_id)

    @api.post("/cycles/{cycle_id}/calculation")
    def calculate(cycle_id: str, app: Welfare, actor: Officer) -> dict[str, Any]:
        return app.calculate(actor, cycle_id)

    @api.post("/cycles/{cycle_id}/approval")
    def approve(cycle_id: str, app: Welfare, actor: Officer) -> dict[str, Any]:
        return app.approve(actor, cycle_id)

    @api.post("/cycles/{cycle_id}/disbursement")
    def disburse(cycle_id: str, body: OnDate, app: Welfare, actor: Officer) -> dict[str, Any]:
        return app.disburse(actor, cycle_id, body)

    @api.post("/cycles/{cycle_id}/closure")
    def close_cycle(cycle_id: str, app: Welfare, actor: Officer) -> dict[str, Any]:
        return app.close_cycle(actor, cycle_id)

    # relief and assisted employment
    @api.post("/relief", status_code=201, response_model=Created)
    def distribute_relief(body: DistributeRelief, app: Welfare, actor: Officer) -> Created:
        return Created(id=str(app.distribute_relief(actor, body)))

    @api.get("/relief")
    def relief(lists: Lists, actor: Officer, community_id: str | None = None,
               on_from: Annotated[date | None, Query(alias="from")] = None,
               on_to: Annotated[date | None, Query(alias="to")] = None, occasion: Occasion | None = None,
               limit: Limit = DEFAULT_LIMIT, cursor: str | None = None) -> dict[str, Any]:
        return list_relief(lists, actor, community_id=community_id, on_from=on_from, on_to=on_to, occasion=occasion,
                           limit=limit, cursor=cursor)

    @api.post("/stations", status_code=201, response_model=Created)
    def open_station(body: OpenStation, app: Welfare, actor: Officer) -> Created:
        return Created(id=str(app.open_station(actor, body)))

    @api.get("/stations/{station_id}")
    def get_station(station_id: str, app: Welfare, actor: Officer) -> dict[str, Any]:
        return app.station(actor, station_id)

    @api.post("/stations/{station_id}/placements")
    def start_placement(station_id: str, body: StartPlacement, app: Welfare, actor: Officer) -> dict[str, Any]:
        return app.start_placement(actor, station_id, body)

    @api.post("/stations/{station_id}/placements/{person_id}/end")
    def end_placement(station_id: str, person_id: UUID, body: EndPlacement, app: Welfare,
                      actor: Officer) -> dict[str, Any]:
        return app.end_placement(actor, station_id, person_id, body)

    @api.post("/stations/{station_id}/wages")
    def pay_wage(station_id: str, body: PayWage, app: Welfare, actor: Officer) -> dict[str, Any]:
        return app.pay_wage(actor, station_id, body)

    # employment services: seekers, vacancies, referrals (interview, answer, placement, retention), training
    @api.post("/seekers", status_code=201, response_model=Created)
    def register_seeker(body: RegisterSeeker, app: Welfare, actor: Officer) -> Created:
        return Created(id=str(app.register_seeker(actor, body)))

    @api.get("/seekers/{seeker_id}")
    def get_seeker(seeker_id: str, app: Welfare, actor: Officer) -> dict[str, Any]:
        return app.seeker(actor, seeker_id)

    @api.post("/seekers/{seeker_id}/withdrawal")
    def withdraw_seeker(seeker_id: str, body: Withdraw, app: Welfare, actor: Officer) -> dict[str, Any]:
        return app.withdraw_seeker(actor, seeker_id, body)

    @api.post("/vacancies", status_code=201, response_model=Created)
    def post_vacancy(body: PostVacancy, app: Welfare, actor: Officer) -> Created:
        return Created(id=str(app.post_vacancy(actor, body)))

    @api.get("/vacancies/{vacancy_id}")
    def get_vacancy(vacancy_id: str, app: Welfare, actor: Officer) -> dict[str, Any]:
        return app.vacancy(actor, vacancy_id)

    @api.post("/vacancies/{vacancy_id}/closure")
    def close_vacancy(vacancy_id: str, body: Withdraw, app: Welfare, actor: Officer) -> dict[str, Any]:
        return app.close_vacancy(actor, vacancy_id, body)

    @api.post("/referrals", status_code=201, response_model=Created)
    def refer(body: Refer, app: Welfare, actor: Officer) -> Created:
        return Created(id=str(app.refer(actor, body)))

    @api.get("/referrals/{referral_id}")
    def get_referral(referral_id: str, app: Welfare, actor: Officer) -> dict[str, Any]:
        return app.referral(actor, referral_id)

    @api.post("/referrals/{referral_id}/interviews")
    def record_interview(referral_id: str, body: Interview, app: Welfare, actor: Officer) -> dict[str, Any]:
        return app.record_interview(actor, referral_id, body)

    @api.post("/referrals/{referral_id}/answer")
    def employer_answer(referral_id: str, body: EmployerAnswer, app: Welfare, actor: Officer) -> dict[str, Any]:
        return app.employer_answer(actor, referral_id, body)

    @api.post("/referrals/{referral_id}/placement")
    def start_job(referral_id: str, body: StartJob, app: Welfare, actor: Officer) -> dict[str, Any]:
        return app.start_job(actor, referral_id, body)

    @api.post("/referrals/{referral_id}/retention")
    def record_retention(referral_id: str, body: Retention, app: Welfare, actor: Officer) -> dict[str, Any]:
        return app.record_retention(actor, referral_id, body)

    @api.post("/referrals/{referral_id}/placement/end")
    def end_job(referral_id: str, body: Withdraw, app: Welfare, actor: Officer) -> dict[str, Any]:
        return app.end_job(actor, referral_id, body)

    @api.post("/courses", status_code=201, response_model=Created)
    def schedule_course(body: ScheduleCourse, app: Welfare, actor: Officer) -> Created:
        return Created(id=str(app.schedule_course(actor, body)))

    @api.get("/courses/{course_id}")
    def get_course(course_id: str, app: Welfare, actor: Officer) -> dict[str, Any]:
        return app.course(actor, course_id)

    @api.post("/courses/{course_id}/enrolments")
    def enrol_in_course(course_id: str, body: SeekerRef, app: Welfare, actor: Officer) -> dict[str, Any]:
        return app.enrol_in_course(actor, course_id, body)

    @api.post("/courses/{course_id}/attendance")
    def record_attendance(course_id: str, body: Attendance, app: Welfare, actor: Officer) -> dict[str, Any]:
        return app.record_attendance(actor, course_id, body)

    @api.post("/courses/{course_id}/certificates")
    def certify(course_id: str, body: Certify, app: Welfare, actor: Officer) -> dict[str, Any]:
        return app.certify(actor, course_id, body)

    return api
