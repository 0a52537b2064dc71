"""The welfare service's public events (topic `shequ.welfare.v1`, keyed by aggregate id).

Never personal data: persons appear only as their pseudonymous aggregate id,
with categories, an age band, disability type and grade, and amounts. The
dedupe index, payment ledger and record-read audit events are withheld.
"""

from __future__ import annotations

from typing import Any

from services.welfare.domain import (
    Household, LocalStandard, NationalIdClaim, PaymentCycle, PaymentLedger, Person, Programme,
    ReliefDistribution, Station,
)
from shared.platform.envelope import EventContract, PublicEvent

contract = EventContract("welfare")


class PersonRegistered(PublicEvent):
    event_name = "PersonRegistered"
    person_id: str
    age_band: str


class PersonCategoryAdded(PublicEvent):
    event_name = "PersonCategoryAdded"
    person_id: str
    category: str
    age_band: str
    disability_type: str | None = None
    disability_grade: int | None = None


class PersonCategoryRemoved(PublicEvent):
    event_name = "PersonCategoryRemoved"
    person_id: str
    category: str
    disability_type: str | None = None
    disability_grade: int | None = None


class PersonMovedOut(PublicEvent):
    event_name = "PersonMovedOut"
    person_id: str
    categories: list[str]
    disability_type: str | None = None
    disability_grade: int | None = None


class PersonDied(PublicEvent):
    event_name = "PersonDied"
    person_id: str
    categories: list[str]
    disability_type: str | None = None
    disability_grade: int | None = None


class PersonErased(PublicEvent):
    event_name = "PersonErased"
    person_id: str


class AllowanceThresholdSet(PublicEvent):
    event_name = "AllowanceThresholdSet"
    threshold_fen: int
    effective_from: str


class HouseholdRegistered(PublicEvent):
    event_name = "HouseholdRegistered"
    household_id: str
    member_count: int
    income_per_person_fen: int


class MeansTestAssessed(PublicEvent):
    event_name = "MeansTestAssessed"
    household_id: str
    passed: bool
    threshold_fen: int
    income_per_person_fen: int


class AllowanceChanged(PublicEvent):
    """Base of allowance events: `monthly_fen` is the amount now paid (0 if none), `previous_fen` before."""

    household_id: str
    monthly_fen: int
    previous_fen: int


class AllowanceGranted(AllowanceChanged):
    event_name = "AllowanceGranted"


class AllowanceAdjusted(AllowanceChanged):
    event_name = "AllowanceAdjusted"


class AllowanceSuspended(AllowanceChanged):
    event_name = "AllowanceSuspended"


class AllowanceResumed(AllowanceChanged):
    event_name = "AllowanceResumed"


class AllowanceEnded(AllowanceChanged):
    event_name = "AllowanceEnded"


class ProgrammeDefined(PublicEvent):
    event_name = "ProgrammeDefined"
    programme_id: str
    name: str
    kind: str
    amount_fen: int
    rule: dict[str, Any]


class ProgrammeEnrolment(PublicEvent):
    programme_id: str
    person_id: str


class PersonEnrolled(ProgrammeEnrolment):
    event_name = "PersonEnrolled"


class PersonExited(ProgrammeEnrolment):
    event_name = "PersonExited"


class CycleEvent(PublicEvent):
    cycle_id: str
    programme_id: str
    month: str


class PaymentCycleOpened(CycleEvent):
    event_name = "PaymentCycleOpened"


class Entitlement(PublicEvent):
    event_name = "Entitlement"
    person_id: str
    amount_fen: int
    categories: list[str]
    age_band: str


class EntitlementsCalculated(CycleEvent):
    event_name = "EntitlementsCalculated"
    count: int
    total_fen: int
    excluded_count: int
    entitlements: list[Entitlement]


class PaymentCycleApproved(CycleEvent):
    event_name = "PaymentCycleApproved"
    dropped_person_ids: list[str]


class PaymentCycleDisbursed(CycleEvent):
    event_name = "PaymentCycleDisbursed"
    on: str
    count: int
    total_fen: int


class PaymentCycleClosed(CycleEvent):
    event_name = "PaymentCycleClosed"


class ReliefDistributed(PublicEvent):
    event_name = "ReliefDistributed"
    relief_id: str
    occasion: str
    kind: str
    person_id: str | None = None
    household_id: str | None = None
    item_count: int
    value_fen: int
    on: str


class StationOpened(PublicEvent):
    event_name = "StationOpened"
    station_id: str
    name: str
    capacity: int


class PlacementStarted(PublicEvent):
    event_name = "PlacementStarted"
    station_id: str
    person_id: str
    monthly_wage_fen: int


class PlacementEnded(PublicEvent):
    event_name = "PlacementEnded"
    station_id: str
    person_id: str


class WagePaid(PublicEvent):
    event_name = "WagePaid"
    station_id: str
    person_id: str
    month: str
    wage_fen: int
    pension_insurance_fen: int
    medical_insurance_fen: int
    lunch_fen: int


contract.withholds(
    Person.RecordRead, Person.HouseholdJoined, NationalIdClaim.Claimed, NationalIdClaim.Reclaimed,
    NationalIdClaim.Released, PaymentLedger.Started, PaymentLedger.Claimed, PaymentLedger.Released,
)


def _id(e: Any) -> str:
    return str(e.originator_id)


@contract.publishes(Person.Registered, PersonRegistered)
def _registered(e: Any) -> PersonRegistered:
    return PersonRegistered(person_id=_id(e), age_band=e.age_band)


@contract.publishes(Person.CategoryAdded, PersonCategoryAdded)
def _category_added(e: Any) -> PersonCategoryAdded:
    return PersonCategoryAdded(person_id=_id(e), category=e.category, age_band=e.age_band,
                               disability_type=e.disability_type, disability_grade=e.disability_grade)


@contract.publishes(Person.CategoryRemoved, PersonCategoryRemoved)
def _category_removed(e: Any) -> PersonCategoryRemoved:
    return PersonCategoryRemoved(person_id=_id(e), category=e.category, **e.details)


def _disability(categories: dict[str, dict[str, Any]]) -> dict[str, Any]:
    return categories.get("disabled", {})


@contract.publishes(Person.MovedOut, PersonMovedOut)
def _moved_out(e: Any) -> PersonMovedOut:
    return PersonMovedOut(person_id=_id(e), categories=sorted(e.categories), **_disability(e.categories))


@contract.publishes(Person.Died, PersonDied)
def _died(e: Any) -> PersonDied:
    return PersonDied(person_id=_id(e), categories=sorted(e.categories), **_disability(e.categories))


@contract.publishes(Person.Erased, PersonErased)
def _erased(e: Any) -> PersonErased:
    return PersonErased(person_id=_id(e))


@contract.publishes(LocalStandard.Set, AllowanceThresholdSet)
def _threshold_set(e: Any) -> AllowanceThresholdSet:
    return AllowanceThresholdSet(threshold_fen=e.threshold_fen, effective_from=e.effective_from)


contract.publishes(LocalStandard.Changed, AllowanceThresholdSet)(_threshold_set)


@contract.publishes(Household.Registered, HouseholdRegistered)
def _household_registered(e: Any) -> HouseholdRegistered:
    return HouseholdRegistered(household_id=_id(e), member_count=len(e.members),
                               income_per_person_fen=e.income_per_person_fen)


@contract.publishes(Household.MeansTestAssessed, MeansTestAssessed)
def _assessed(e: Any) -> MeansTestAssessed:
    return MeansTestAssessed(household_id=_id(e), passed=e.passed, threshold_fen=e.threshold_fen,
                             income_per_person_fen=e.income_per_person_fen)


def _allowance(public: type[AllowanceChanged], monthly: Any, previous: Any) -> None:
    def convert(e: Any) -> AllowanceChanged:
        return public(household_id=_id(e), monthly_fen=monthly(e), previous_fen=previous(e))

    contract.publishes(getattr(Household, public.event_name), public)(convert)


_allowance(AllowanceGranted, lambda e: e.monthly_fen, lambda e: e.previous_fen)
_allowance(AllowanceAdjusted, lambda e: e.monthly_fen if e.active else 0, lambda e: e.previous_fen)
_allowance(AllowanceSuspended, lambda e: 0, lambda e: e.previous_fen)
_allowance(AllowanceResumed, lambda e: e.monthly_fen, lambda e: 0)
_allowance(AllowanceEnded, lambda e: 0, lambda e: e.previous_fen)


@contract.publishes(Programme.Defined, ProgrammeDefined)
def _programme_defined(e: Any) -> ProgrammeDefined:
    return ProgrammeDefined(programme_id=_id(e), name=e.name, kind=e.kind, amount_fen=e.amount_fen, rule=e.rule)


@contract.publishes(Programme.PersonEnrolled, PersonEnrolled)
def _enrolled(e: Any) -> PersonEnrolled:
    return PersonEnrolled(programme_id=_id(e), person_id=e.person_id)


@contract.publishes(Programme.PersonExited, PersonExited)
def _exited(e: Any) -> PersonExited:
    return PersonExited(programme_id=_id(e), person_id=e.person_id)


def _cycle(e: Any) -> dict[str, str]:
    return {"cycle_id": _id(e), "programme_id": e.programme_id, "month": e.month}


@contract.publishes(PaymentCycle.Opened, PaymentCycleOpened)
def _cycle_opened(e: Any) -> PaymentCycleOpened:
    return PaymentCycleOpened(**_cycle(e))


@contract.publishes(PaymentCycle.EntitlementsCalculated, EntitlementsCalculated)
def _calculated(e: Any) -> EntitlementsCalculated:
    rows = [Entitlement(person_id=r["person_id"], amount_fen=r["amount_fen"], categories=r["categories"],
                        age_band=r["age_band"]) for r in e.entitlements]
    return EntitlementsCalculated(**_cycle(e), count=len(rows), total_fen=sum(r.amount_fen for r in rows),
                                  excluded_count=len(e.excluded), entitlements=rows)


@contract.publishes(PaymentCycle.Approved, PaymentCycleApproved)
def _approved(e: Any) -> PaymentCycleApproved:
    return PaymentCycleApproved(**_cycle(e), dropped_person_ids=[d["person_id"] for d in e.dropped])


@contract.publishes(PaymentCycle.Disbursed, PaymentCycleDisbursed)
def _disbursed(e: Any) -> PaymentCycleDisbursed:
    return PaymentCycleDisbursed(**_cycle(e), on=e.on, count=e.count, total_fen=e.total_fen)


@contract.publishes(PaymentCycle.Closed, PaymentCycleClosed)
def _cycle_closed(e: Any) -> PaymentCycleClosed:
    return PaymentCycleClosed(**_cycle(e))


@contract.publishes(ReliefDistribution.Distributed, ReliefDistributed)
def _relief(e: Any) -> ReliefDistributed:
    return ReliefDistributed(relief_id=_id(e), occasion=e.occasion, kind=e.kind, person_id=e.recipient_person_id,
                             household_id=e.recipient_household_id, item_count=len(e.items),
                             value_fen=e.value_fen, on=e.on)


@contract.publishes(Station.Opened, StationOpened)
def _station_opened(e: Any) -> StationOpened:
    return StationOpened(station_id=_id(e), name=e.name, capacity=e.capacity)


@contract.publishes(Station.PlacementStarted, PlacementStarted)
def _placement_started(e: Any) -> PlacementStarted:
    return PlacementStarted(station_id=_id(e), person_id=e.person_id, monthly_wage_fen=e.monthly_wage_fen)


@contract.publishes(Station.PlacementEnded, PlacementEnded)
def _placement_ended(e: Any) -> PlacementEnded:
    return PlacementEnded(station_id=_id(e), person_id=e.person_id)


@contract.publishes(Station.WagePaid, WagePaid)
def _wage_paid(e: Any) -> WagePaid:
    return WagePaid(station_id=_id(e), person_id=e.person_id, month=e.month, wage_fen=e.wage_fen,
                    pension_insurance_fen=e.pension_insurance_fen, medical_insurance_fen=e.medical_insurance_fen,
                    lunch_fen=e.lunch_fen)
