"""Welfare HTTP API (prefix /welfare): thin; validation in the request models, rules in the domain.

Every endpoint needs a welfare officer of the record's community. Person records
(personal data) are readable by welfare officers only, and each read is audited.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Depends, Query, Request
from pydantic import BaseModel, ConfigDict, Field, model_validator

from services.welfare.application import WelfareApplication
from services.welfare.domain import (
    Category, DisabilityType, Household, PaymentCycle, Person, Programme, ProgrammeKind, Occasion, Station,
)
from shared.kernel.actor import ensure_community, Role
from shared.platform.auth import requires
from shared.kernel.actor import Actor

COMMUNITY_ID = Field(min_length=1, max_length=64, pattern=r"^[a-z0-9][a-z0-9-]*$")
FEN = Field(ge=0, le=10**10)
MONTH = Field(pattern=r"^[0-9]{4}-(0[1-9]|1[0-2])$")
TEXT = Field(min_length=1, max_length=500)


class Body(BaseModel):
    model_config = ConfigDict(extra="forbid")


class CategoryIn(Body):
    category: Category
    disability_type: DisabilityType | None = None
    disability_grade: int | None = Field(default=None, ge=1, le=4)


class RegisterPerson(Body):
    community_id: str = COMMUNITY_ID
    name: str = Field(min_length=1, max_length=100)
    national_id: str = Field(pattern=r"^[0-9]{17}[0-9Xx]$")
    phone: str = Field(min_length=3, max_length=32)
    address: str = Field(min_length=1, max_length=300)
    birth_date: date
    categories: list[CategoryIn] = Field(default_factory=list, max_length=5)


class RemoveCategory(Body):
    category: Category


class OnDate(Body):
    on: date


class Reason(Body):
    reason: str = TEXT


class Threshold(Body):
    threshold_fen: int = Field(gt=0, le=10**8)
    effective_from: date


class RegisterHousehold(Body):
    community_id: str = COMMUNITY_ID
    members: list[UUID] = Field(min_length=1, max_length=30)
    income_per_person_fen: int = FEN


class Grant(Body):
    monthly_fen: int = Field(gt=0, le=10**8)
    from_date: date


class Adjust(Body):
    monthly_fen: int = Field(gt=0, le=10**8)
    reason: str = TEXT


class End(Body):
    reason: str = TEXT
    on: date


class Rule(Body):
    categories: list[Category] = Field(default_factory=list)
    max_income_per_person_fen: int | None = Field(default=None, ge=0, le=10**10)
    min_age: int | None = Field(default=None, ge=0, le=130)
    max_age: int | None = Field(default=None, ge=0, le=130)


class DefineProgramme(Body):
    community_id: str = COMMUNITY_ID
    name: str = Field(min_length=1, max_length=200)
    kind: ProgrammeKind
    amount_fen: int = FEN
    rule: Rule = Field(default_factory=Rule)


class PersonRef(Body):
    person_id: UUID


class Exit(Body):
    person_id: UUID
    reason: str = TEXT


class OpenCycle(Body):
    programme_id: UUID
    month: str = MONTH


class Item(Body):
    name: str = Field(min_length=1, max_length=100)
    quantity: int = Field(gt=0, le=10**6)


class DistributeRelief(Body):
    community_id: str = COMMUNITY_ID
    occasion: Occasion
    kind: ProgrammeKind
    person_id: UUID | None = None
    household_id: UUID | None = None
    items: list[Item] = Field(default_factory=list, max_length=50)
    value_fen: int = FEN
    on: date

    @model_validator(mode="after")
    def one_recipient(self) -> DistributeRelief:
        if (self.person_id is None) == (self.household_id is None):
            raise ValueError("give exactly one of person_id or household_id")
        return self


class OpenStation(Body):
    community_id: str = COMMUNITY_ID
    name: str = Field(min_length=1, max_length=200)
    capacity: int = Field(gt=0, le=10_000)
    opened_on: date


class StartPlacement(Body):
    person_id: UUID
    on: date
    monthly_wage_fen: int = FEN


class EndPlacement(Body):
    on: date
    reason: str = TEXT


class PayWage(Body):
    person_id: UUID
    month: str = MONTH
    wage_fen: int = FEN
    pension_insurance_fen: int = FEN
    medical_insurance_fen: int = FEN
    lunch_fen: int = FEN


class Created(BaseModel):
    id: str


async def welfare_app(request: Request) -> WelfareApplication:
    return request.app.state.application


Welfare = Annotated[WelfareApplication, Depends(welfare_app)]
Officer = Annotated[Actor, Depends(requires(Role.WELFARE_OFFICER))]


def router() -> APIRouter:  # noqa: C901 - one flat list of routes reads best
    api = APIRouter(tags=["welfare"])

    def guard(app: WelfareApplication, actor: Actor, ident: UUID | str, kind: type, label: str) -> None:
        ensure_community(actor, app.community_of(ident, kind, label))

    # persons
    @api.post("/persons", status_code=201, response_model=Created)
    def register_person(body: RegisterPerson, app: Welfare, actor: Officer) -> Created:
        ensure_community(actor, body.community_id)
        person_id = app.register_person(
            actor, community_id=body.community_id, name=body.name, national_id=body.national_id.upper(),
            phone=body.phone, address=body.address, birth_date=body.birth_date.isoformat(),
            categories=[c.model_dump(mode="json") for c in body.categories])
        return Created(id=str(person_id))

    @api.get("/persons/{person_id}")
    def read_person(person_id: str, app: Welfare, actor: Officer,
                    purpose: Annotated[str | None, Query(max_length=200)] = None) -> dict[str, Any]:
        guard(app, actor, person_id, Person, "person")
        return app.person_record(actor, person_id, purpose)

    @api.post("/persons/{person_id}/categories")
    def add_category(person_id: str, body: CategoryIn, app: Welfare, actor: Officer) -> dict[str, str]:
        guard(app, actor, person_id, Person, "person")
        app.add_category(actor, person_id, body.category, body.disability_type, body.disability_grade)
        return {"status": "added"}

    @api.post("/persons/{person_id}/categories/removal")
    def remove_category(person_id: str, body: RemoveCategory, app: Welfare, actor: Officer) -> dict[str, str]:
        guard(app, actor, person_id, Person, "person")
        app.remove_category(actor, person_id, body.category)
        return {"status": "removed"}

    @api.post("/persons/{person_id}/move-out")
    def move_out(person_id: str, body: OnDate, app: Welfare, actor: Officer) -> dict[str, str]:
        guard(app, actor, person_id, Person, "person")
        app.move_out(actor, person_id, body.on.isoformat())
        return {"status": "moved_out"}

    @api.post("/persons/{person_id}/death")
    def record_death(person_id: str, body: OnDate, app: Welfare, actor: Officer) -> dict[str, str]:
        guard(app, actor, person_id, Person, "person")
        app.record_death(actor, person_id, body.on.isoformat())
        return {"status": "deceased"}

    @api.post("/persons/{person_id}/erasure")
    def erase_person(person_id: str, body: Reason, app: Welfare, actor: Officer) -> dict[str, str]:
        guard(app, actor, person_id, Person, "person")
        app.erase_person(actor, person_id, body.reason)
        return {"status": "erased"}

    # households
    @api.put("/communities/{community_id}/threshold")
    def set_threshold(community_id: str, body: Threshold, app: Welfare, actor: Officer) -> dict[str, Any]:
        ensure_community(actor, community_id)
        app.set_threshold(actor, community_id, body.threshold_fen, body.effective_from.isoformat())
        return app.threshold(community_id) or {}

    @api.post("/households", status_code=201, response_model=Created)
    def register_household(body: RegisterHousehold, app: Welfare, actor: Officer) -> Created:
        ensure_community(actor, body.community_id)
        return Created(id=str(app.register_household(actor, community_id=body.community_id, members=body.members,
                                                     income_per_person_fen=body.income_per_person_fen)))

    @api.get("/households/{household_id}")
    def get_household(household_id: str, app: Welfare, actor: Officer) -> dict[str, Any]:
        guard(app, actor, household_id, Household, "household")
        return app.household(household_id)

    @api.post("/households/{household_id}/means-test")
    def assess(household_id: str, body: OnDate, app: Welfare, actor: Officer) -> dict[str, Any]:
        guard(app, actor, household_id, Household, "household")
        app.assess_household(actor, household_id, body.on.isoformat())
        return app.household(household_id)

    def allowance(household_id: str, app: WelfareApplication, actor: Actor, action: str, **kw: Any) -> dict:
        guard(app, actor, household_id, Household, "household")
        app.change_allowance(actor, household_id, action, **kw)
        return app.household(household_id)

    @api.post("/households/{household_id}/allowance")
    def grant(household_id: str, body: Grant, app: Welfare, actor: Officer) -> dict[str, Any]:
        return allowance(household_id, app, actor, "grant", monthly_fen=body.monthly_fen,
                         from_date=body.from_date.isoformat())

    @api.post("/households/{household_id}/allowance/adjustment")
    def adjust(household_id: str, body: Adjust, app: Welfare, actor: Officer) -> dict[str, Any]:
        return allowance(household_id, app, actor, "adjust", monthly_fen=body.monthly_fen, reason=body.reason)

    @api.post("/households/{household_id}/allowance/suspension")
    def suspend(household_id: str, body: Reason, app: Welfare, actor: Officer) -> dict[str, Any]:
        return allowance(household_id, app, actor, "suspend", reason=body.reason)

    @api.post("/households/{household_id}/allowance/resumption")
    def resume(household_id: str, app: Welfare, actor: Officer) -> dict[str, Any]:
        return allowance(household_id, app, actor, "resume")

    @api.post("/households/{household_id}/allowance/end")
    def end(household_id: str, body: End, app: Welfare, actor: Officer) -> dict[str, Any]:
        return allowance(household_id, app, actor, "end", reason=body.reason, on=body.on.isoformat())

    # programmes and payment cycles
    @api.post("/programmes", status_code=201, response_model=Created)
    def define_programme(body: DefineProgramme, app: Welfare, actor: Officer) -> Created:
        ensure_community(actor, body.community_id)
        return Created(id=str(app.define_programme(
            actor, community_id=body.community_id, name=body.name, kind=body.kind, amount_fen=body.amount_fen,
            rule=body.rule.model_dump(mode="json"))))

    @api.get("/programmes/{programme_id}")
    def get_programme(programme_id: str, app: Welfare, actor: Officer) -> dict[str, Any]:
        guard(app, actor, programme_id, Programme, "programme")
        return app.programme(programme_id)

    @api.post("/programmes/{programme_id}/enrolments")
    def enrol(programme_id: str, body: PersonRef, app: Welfare, actor: Officer) -> dict[str, Any]:
        guard(app, actor, programme_id, Programme, "programme")
        app.enrol(actor, programme_id, body.person_id)
        return app.programme(programme_id)

    @api.post("/programmes/{programme_id}/exits")
    def exit_(programme_id: str, body: Exit, app: Welfare, actor: Officer) -> dict[str, Any]:
        guard(app, actor, programme_id, Programme, "programme")
        app.exit(actor, programme_id, body.person_id, body.reason)
        return app.programme(programme_id)

    @api.post("/cycles", status_code=201, response_model=Created)
    def open_cycle(body: OpenCycle, app: Welfare, actor: Officer) -> Created:
        guard(app, actor, body.programme_id, Programme, "programme")
        return Created(id=str(app.open_cycle(actor, body.programme_id, body.month)))

    @api.get("/cycles/{cycle_id}")
    def get_cycle(cycle_id: str, app: Welfare, actor: Officer) -> dict[str, Any]:
        guard(app, actor, cycle_id, PaymentCycle, "payment cycle")
        return app.cycle(cycle_id)

    @api.post("/cycles/{cycle_id}/calculation")
    def calculate(cycle_id: str, app: Welfare, actor: Officer) -> dict[str, Any]:
        guard(app, actor, cycle_id, PaymentCycle, "payment cycle")
        app.calculate(actor, cycle_id)
        return app.cycle(cycle_id)

    @api.post("/cycles/{cycle_id}/approval")
    def approve(cycle_id: str, app: Welfare, actor: Officer) -> dict[str, Any]:
        guard(app, actor, cycle_id, PaymentCycle, "payment cycle")
        app.approve(actor, cycle_id)
        return app.cycle(cycle_id)

    @api.post("/cycles/{cycle_id}/disbursement")
    def disburse(cycle_id: str, body: OnDate, app: Welfare, actor: Officer) -> dict[str, Any]:
        guard(app, actor, cycle_id, PaymentCycle, "payment cycle")
        app.disburse(actor, cycle_id, body.on.isoformat())
        return app.cycle(cycle_id)

    @api.post("/cycles/{cycle_id}/closure")
    def close_cycle(cycle_id: str, app: Welfare, actor: Officer) -> dict[str, Any]:
        guard(app, actor, cycle_id, PaymentCycle, "payment cycle")
        app.close_cycle(actor, cycle_id)
        return app.cycle(cycle_id)

    # relief and assisted employment
    @api.post("/relief", status_code=201, response_model=Created)
    def distribute_relief(body: DistributeRelief, app: Welfare, actor: Officer) -> Created:
        ensure_community(actor, body.community_id)
        return Created(id=str(app.distribute_relief(
            actor, community_id=body.community_id, occasion=body.occasion, kind=body.kind, person_id=body.person_id,
            household_id=body.household_id, items=[i.model_dump() for i in body.items], value_fen=body.value_fen,
            on=body.on.isoformat())))

    @api.post("/stations", status_code=201, response_model=Created)
    def open_station(body: OpenStation, app: Welfare, actor: Officer) -> Created:
        ensure_community(actor, body.community_id)
        return Created(id=str(app.open_station(actor, community_id=body.community_id, name=body.name,
                                               capacity=body.capacity, opened_on=body.opened_on.isoformat())))

    @api.get("/stations/{station_id}")
    def get_station(station_id: str, app: Welfare, actor: Officer) -> dict[str, Any]:
        guard(app, actor, station_id, Station, "station")
        return app.station(station_id)

    @api.post("/stations/{station_id}/placements")
    def start_placement(station_id: str, body: StartPlacement, app: Welfare, actor: Officer) -> dict[str, Any]:
        guard(app, actor, station_id, Station, "station")
        app.start_placement(actor, station_id, body.person_id, body.on.isoformat(), body.monthly_wage_fen)
        return app.station(station_id)

    @api.post("/stations/{station_id}/placements/{person_id}/end")
    def end_placement(station_id: str, person_id: UUID, body: EndPlacement, app: Welfare,
                      actor: Officer) -> dict[str, Any]:
        guard(app, actor, station_id, Station, "station")
        app.end_placement(actor, station_id, person_id, body.on.isoformat(), body.reason)
        return app.station(station_id)

    @api.post("/stations/{station_id}/wages")
    def pay_wage(station_id: str, body: PayWage, app: Welfare, actor: Officer) -> dict[str, Any]:
        guard(app, actor, station_id, Station, "station")
        app.pay_wage(actor, station_id, body.person_id, month=body.month, wage_fen=body.wage_fen,
                     pension_insurance_fen=body.pension_insurance_fen,
                     medical_insurance_fen=body.medical_insurance_fen, lunch_fen=body.lunch_fen)
        return app.station(station_id)

    return api
