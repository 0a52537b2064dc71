"""Welfare commands: what each use case is given, validated before it runs (bad input is a 422).

The HTTP API receives them as request bodies; the application takes them typed,
so a use case never sees an unchecked value.
"""

from __future__ import annotations

from datetime import date
from enum import StrEnum
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field, model_validator

from services.welfare.domain import Category, DisabilityType, Occasion, ProgrammeKind, SeekerGroup

COMMUNITY_ID = Field(min_length=1, max_length=64, pattern=r"^[a-z0-9][a-z0-9-]*$")
FEN = Field(ge=0, le=10**10)
MONTH = Field(pattern=r"^[0-9]{4}-(0[1-9]|1[0-2])$")
TEXT = Field(min_length=1, max_length=500)


class Command(BaseModel):
    """A command's content: unknown fields are refused (422), not ignored."""

    model_config = ConfigDict(extra="forbid")


# Shared contents of commands that differ only in their name (each name stays its own OpenAPI schema). The
# commands below them have no docstring of their own: it would become their schema's description.


class DatedReason(Command):
    """Something ends or is withdrawn on a date, for a reason."""

    on: date
    reason: str = TEXT


class Finding(Command):
    """A decision on a date: the matter upheld or not, and why."""

    on: date
    upheld: bool
    finding: str = TEXT


class MonthlyAllowance(Command):
    """A monthly amount paid from a date."""

    monthly_fen: int = Field(gt=0, le=10**8)
    from_date: date


class CategoryIn(Command):
    category: Category
    disability_type: DisabilityType | None = None
    disability_grade: int | None = Field(default=None, ge=1, le=4)


class RegisterPerson(Command):
    community_id: str = COMMUNITY_ID
    name: str = Field(min_length=1, max_length=100)
    national_id: str = Field(pattern=r"^[0-9]{17}[0-9Xx]$")
    phone: str = Field(min_length=3, max_length=32)
    address: str = Field(min_length=1, max_length=300)
    birth_date: date
    categories: list[CategoryIn] = Field(default_factory=list, max_length=5)


class RemoveCategory(Command):
    category: Category


class OnDate(Command):
    on: date


class Reason(Command):
    reason: str = TEXT


class Threshold(Command):
    threshold_fen: int = Field(gt=0, le=10**8)
    effective_from: date
    asset_limit_per_person_fen: int | None = Field(default=None, ge=0, le=10**10)
    notice_days: int = Field(default=7, ge=1, le=60, description="how long a public notice (公示) lasts")


class RegisterHousehold(Command):
    community_id: str = COMMUNITY_ID
    members: list[UUID] = Field(min_length=1, max_length=30)
    income_per_person_fen: int = FEN


class Grant(MonthlyAllowance):
    pass


class Adjust(Command):
    monthly_fen: int = Field(gt=0, le=10**8)
    reason: str = TEXT


class End(Command):
    reason: str = TEXT
    on: date


class Rule(Command):
    categories: list[Category] = Field(default_factory=list)
    max_income_per_person_fen: int | None = Field(default=None, ge=0, le=10**10)
    min_age: int | None = Field(default=None, ge=0, le=130)
    max_age: int | None = Field(default=None, ge=0, le=130)


class DefineProgramme(Command):
    community_id: str = COMMUNITY_ID
    name: str = Field(min_length=1, max_length=200)
    kind: ProgrammeKind
    amount_fen: int = FEN
    rule: Rule = Field(default_factory=Rule)


class PersonRef(Command):
    person_id: UUID


class Exit(Command):
    person_id: UUID
    reason: str = TEXT


class OpenCycle(Command):
    programme_id: UUID
    month: str = MONTH


class Item(Command):
    name: str = Field(min_length=1, max_length=100)
    quantity: int = Field(gt=0, le=10**6)


class DistributeRelief(Command):
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


class OpenStation(Command):
    community_id: str = COMMUNITY_ID
    name: str = Field(min_length=1, max_length=200)
    capacity: int = Field(gt=0, le=10_000)
    opened_on: date


class StartPlacement(Command):
    person_id: UUID
    on: date
    monthly_wage_fen: int = FEN


class EndPlacement(DatedReason):
    pass


class PayWage(Command):
    person_id: UUID
    month: str = MONTH
    wage_fen: int = FEN
    pension_insurance_fen: int = FEN
    medical_insurance_fen: int = FEN
    lunch_fen: int = FEN


# ---------------------------------------------------------------- employment services


class RegisterSeeker(Command):
    person_id: UUID
    group: SeekerGroup
    registered_on: date


class Withdraw(DatedReason):
    pass


class PostVacancy(Command):
    community_id: str = COMMUNITY_ID
    enterprise_id: UUID  # economy's enterprise id (services/economy, EnterpriseRegistered)
    title: str = Field(min_length=1, max_length=200)
    positions: int = Field(gt=0, le=10_000)
    monthly_wage_fen: int = FEN
    posted_on: date


class Refer(Command):
    seeker_id: UUID
    vacancy_id: UUID
    on: date


class Interview(Command):
    on: date
    outcome: str = TEXT


class EmployerAnswer(Command):
    accepted: bool
    on: date
    reason: str | None = Field(default=None, max_length=500)


class StartJob(Command):
    on: date
    monthly_wage_fen: int = FEN


class Retention(Command):
    months: int = Field(description="3 or 6")
    retained: bool


class ScheduleCourse(Command):
    community_id: str = COMMUNITY_ID
    title: str = Field(min_length=1, max_length=200)
    skill: str = Field(min_length=1, max_length=100)
    sessions: int = Field(gt=0, le=500)
    min_attendance: int = Field(gt=0, le=500)
    starts_on: date

    @model_validator(mode="after")
    def attendance_within_sessions(self) -> ScheduleCourse:
        if self.min_attendance > self.sessions:
            raise ValueError("min_attendance cannot exceed sessions")
        return self


class SeekerRef(Command):
    seeker_id: UUID


class Attendance(Command):
    session: int = Field(gt=0, le=500)
    present: list[UUID] = Field(min_length=1, max_length=500)


class Certify(Command):
    seeker_id: UUID
    on: date


# ---------------------------------------------------------------- the minimum-allowance (低保) cycle


class ApplyForAllowance(Command):
    applicant_id: UUID
    on: date


class MemberIncome(Command):
    person_id: UUID
    monthly_income_fen: int = FEN


class Circumstances(Command):
    """Members, their monthly incomes and the household's assets, as of a date (an investigation)."""

    as_of: date
    members: list[MemberIncome] = Field(min_length=1, max_length=30)
    assets_fen: int = FEN

    @model_validator(mode="after")
    def members_once(self) -> Circumstances:
        if len({m.person_id for m in self.members}) != len(self.members):
            raise ValueError("a member is listed twice")
        return self


class ChangeOfCircumstances(Circumstances):
    reason: str = TEXT


class CommunityReview(Command):
    on: date
    passed: bool
    votes_for: int = Field(ge=0, le=10_000)
    votes_against: int = Field(ge=0, le=10_000)


class StartNotice(Command):
    starts_on: date
    days: int | None = Field(default=None, ge=1, le=60, description="default: the community's notice_days")


class LodgeObjection(Command):
    on: date
    ground: str = TEXT


class ResolveObjection(Finding):
    pass


class ApproveAllowance(MonthlyAllowance):
    pass


class ReviewOutcome(StrEnum):
    CONTINUE = "continue"
    ADJUST = "adjust"
    END = "end"


class PeriodicReview(Command):
    on: date
    outcome: ReviewOutcome
    monthly_fen: int | None = Field(default=None, gt=0, le=10**8)
    reason: str = TEXT


class LodgeAppeal(Command):
    on: date
    grounds: str = TEXT


class DecideAppeal(Finding):
    pass
