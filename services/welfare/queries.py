"""Welfare's query tables (persons, households, payment cycles, relief) and the lists officers read from them.

Kept by a projection of welfare's own stored events, in welfare's own database (shared/platform/querytables.py).
Nothing personal is copied: no name, id number, phone, address, birth date, income or disability details; a
person is an id with a community, status, age band, categories and programmes. A search by id number is
HMAC'd at query time with the service's dedupe key (services/welfare/privacy.py) and matched against the
id-number claims the registry already holds (their ids are that HMAC), so the number is neither stored nor
logged, and is not echoed back when it is malformed.
"""

from __future__ import annotations

import re
from datetime import date, timedelta
from enum import StrEnum
from typing import Any

from services.welfare.domain import (
    AllowanceStatus, CycleStatus, Household, NationalIdClaim, PaymentCycle, Person, Programme, ReliefDistribution,
)
from services.welfare.privacy import KeyStore
from shared.kernel.actor import Actor
from shared.kernel.errors import Invalid
from shared.platform.querytables import (
    ListQuery, QueryProjection, QueryView, Sort, Table, Upsert, choices, placeholders, timestamp_text,
)

PERSONS = Table("welfare_persons", {
    "community_id": "text", "status": "text", "erased": "integer", "age_band": "text", "household_id": "text",
    "registered_at": "text",
}, indexes=(("community_id", "registered_at", "id"),))

CATEGORIES = Table("welfare_person_categories", {"person_id": "text", "category": "text", "held": "integer"},
                   indexes=(("category", "person_id"),))

ENROLMENTS = Table("welfare_enrolments", {"programme_id": "text", "person_id": "text", "enrolled": "integer"},
                   indexes=(("programme_id", "person_id"),))

ID_CLAIMS = Table("welfare_id_claims", {"person_id": "text"})
"""Claim id (uuid5 of the id number's HMAC) -> the person holding it now (none once released)."""

PROGRAMMES = Table("welfare_programmes", {"community_id": "text", "name": "text", "kind": "text",
                                          "amount_fen": "integer"})

HOUSEHOLDS = Table("welfare_households", {
    "community_id": "text", "members": "integer", "allowance_status": "text", "monthly_fen": "integer",
    "means_test_passed": "integer", "assessed_on": "text", "registered_at": "text",
}, indexes=(("community_id", "registered_at", "id"),))

CYCLES = Table("welfare_cycles", {
    "community_id": "text", "programme_id": "text", "month": "text", "status": "text", "calculated_by": "text",
    "calculated_at": "text", "approved_by": "text", "persons": "integer", "excluded": "integer",
    "dropped": "integer", "total_fen": "integer", "disbursed_on": "text",
}, indexes=(("community_id", "status", "month", "id"),))
"""`persons` and `total_fen` as calculated; after disbursement, as paid (approval may drop persons)."""

RELIEF = Table("welfare_relief", {
    "community_id": "text", "occasion": "text", "kind": "text", "recipient_person_id": "text",
    "recipient_household_id": "text", "items": "integer", "value_fen": "integer", "distributed_on": "text",
}, indexes=(("community_id", "distributed_on", "id"),))

HOUSEHOLD_STATUS_AFTER: dict[type, AllowanceStatus] = {
    Household.AllowanceGranted: AllowanceStatus.ACTIVE, Household.AllowanceResumed: AllowanceStatus.ACTIVE,  # type: ignore[attr-defined]
    Household.AllowanceSuspended: AllowanceStatus.SUSPENDED, Household.AllowanceEnded: AllowanceStatus.ENDED,  # type: ignore[attr-defined]
}
CYCLE_STATUS_AFTER: dict[type, CycleStatus] = {
    PaymentCycle.EntitlementsCalculated: CycleStatus.CALCULATED, PaymentCycle.Approved: CycleStatus.APPROVED,  # type: ignore[attr-defined]
    PaymentCycle.Disbursed: CycleStatus.DISBURSED, PaymentCycle.Closed: CycleStatus.CLOSED,  # type: ignore[attr-defined]
}


class WelfareQueryTables(QueryProjection):
    name = "welfare"
    tables = (PERSONS, CATEGORIES, ENROLMENTS, ID_CLAIMS, PROGRAMMES, HOUSEHOLDS, CYCLES, RELIEF)

    def changes(self, event: Any) -> list[Upsert]:
        row = str(event.originator_id)
        for kind, changes in ((Person, _person), (NationalIdClaim, _claim), (Programme, _programme),
                              (Household, _household), (PaymentCycle, _cycle)):
            if isinstance(event, kind.Event):  # type: ignore[attr-defined]
                return changes(row, event)
        if isinstance(event, ReliefDistribution.Distributed):  # type: ignore[attr-defined]
            return [Upsert(RELIEF.name, row, {
                "community_id": event.community_id, "occasion": str(event.occasion), "kind": str(event.kind),
                "recipient_person_id": event.recipient_person_id,
                "recipient_household_id": event.recipient_household_id, "items": len(event.items),
                "value_fen": event.value_fen, "distributed_on": event.on})]
        return []


def _person(row: str, event: Any) -> list[Upsert]:
    if isinstance(event, Person.Registered):  # type: ignore[attr-defined]
        return [Upsert(PERSONS.name, row, {
            "community_id": event.community_id, "status": "active", "erased": 0, "age_band": event.age_band,
            "household_id": None, "registered_at": timestamp_text(event.timestamp)})]
    if isinstance(event, Person.CategoryAdded | Person.CategoryRemoved):  # type: ignore[attr-defined]
        held = isinstance(event, Person.CategoryAdded)  # type: ignore[attr-defined]
        return [Upsert(CATEGORIES.name, f"{row}/{event.category}",
                       {"person_id": row, "category": event.category, "held": int(held)})]
    if isinstance(event, Person.HouseholdJoined):  # type: ignore[attr-defined]
        return [Upsert(PERSONS.name, row, {"household_id": event.household_id})]
    if isinstance(event, Person.HouseholdLeft):  # type: ignore[attr-defined]
        return [Upsert(PERSONS.name, row, {"household_id": None})]
    if isinstance(event, Person.MovedOut):  # type: ignore[attr-defined]
        return [Upsert(PERSONS.name, row, {"status": "moved_out"})]
    if isinstance(event, Person.Died):  # type: ignore[attr-defined]
        return [Upsert(PERSONS.name, row, {"status": "deceased"})]
    if isinstance(event, Person.Erased):  # type: ignore[attr-defined]
        return [Upsert(PERSONS.name, row, {"erased": 1})]
    return []


def _claim(row: str, event: Any) -> list[Upsert]:
    if isinstance(event, NationalIdClaim.Claimed | NationalIdClaim.Reclaimed):  # type: ignore[attr-defined]
        return [Upsert(ID_CLAIMS.name, row, {"person_id": str(event.person_id)})]
    if isinstance(event, NationalIdClaim.Released):  # type: ignore[attr-defined]
        return [Upsert(ID_CLAIMS.name, row, {"person_id": None})]
    return []


def _programme(row: str, event: Any) -> list[Upsert]:
    if isinstance(event, Programme.Defined):  # type: ignore[attr-defined]
        return [Upsert(PROGRAMMES.name, row, {"community_id": event.community_id, "name": event.name,
                                              "kind": str(event.kind), "amount_fen": event.amount_fen})]
    if isinstance(event, Programme.PersonEnrolled | Programme.PersonExited):  # type: ignore[attr-defined]
        enrolled = isinstance(event, Programme.PersonEnrolled)  # type: ignore[attr-defined]
        return [Upsert(ENROLMENTS.name, f"{row}/{event.person_id}",
                       {"programme_id": row, "person_id": event.person_id, "enrolled": int(enrolled)})]
    return []


def _household(row: str, event: Any) -> list[Upsert]:
    if isinstance(event, Household.Registered):  # type: ignore[attr-defined]
        return [Upsert(HOUSEHOLDS.name, row, {
            "community_id": event.community_id, "members": len(event.members),
            "allowance_status": AllowanceStatus.NONE.value, "monthly_fen": 0, "means_test_passed": None,
            "assessed_on": None, "registered_at": timestamp_text(event.timestamp)})]
    values: dict[str, Any] = {}
    if isinstance(event, Household.MeansTestAssessed):  # type: ignore[attr-defined]
        values.update(means_test_passed=int(event.passed), assessed_on=event.on)
    if isinstance(event, Household.CircumstancesRecorded):  # type: ignore[attr-defined]
        values.update(members=len(event.incomes), means_test_passed=int(event.passed), assessed_on=event.as_of)
    if type(event) in HOUSEHOLD_STATUS_AFTER:
        values["allowance_status"] = HOUSEHOLD_STATUS_AFTER[type(event)].value
    if hasattr(event, "monthly_fen"):  # granted, adjusted, resumed: the allowance now paid
        values["monthly_fen"] = event.monthly_fen
    if isinstance(event, Household.AllowanceEnded):  # type: ignore[attr-defined]
        values["monthly_fen"] = 0
    return [Upsert(HOUSEHOLDS.name, row, values)] if values else []


def _cycle(row: str, event: Any) -> list[Upsert]:
    if isinstance(event, PaymentCycle.Opened):  # type: ignore[attr-defined]
        return [Upsert(CYCLES.name, row, {
            "community_id": event.community_id, "programme_id": event.programme_id, "month": event.month,
            "status": CycleStatus.OPEN.value, "calculated_by": None, "calculated_at": None, "approved_by": None,
            "persons": 0, "excluded": 0, "dropped": 0, "total_fen": 0, "disbursed_on": None})]
    values: dict[str, Any] = {}
    if type(event) in CYCLE_STATUS_AFTER:
        values["status"] = CYCLE_STATUS_AFTER[type(event)].value
    if isinstance(event, PaymentCycle.EntitlementsCalculated):  # type: ignore[attr-defined]
        values.update(calculated_by=event.calculated_by, calculated_at=timestamp_text(event.timestamp),
                      persons=len(event.entitlements), excluded=len(event.excluded),
                      total_fen=sum(e["amount_fen"] for e in event.entitlements))
    if isinstance(event, PaymentCycle.Approved):  # type: ignore[attr-defined]
        values.update(approved_by=event.approved_by, dropped=len(event.dropped))
    if isinstance(event, PaymentCycle.Disbursed):  # type: ignore[attr-defined]
        values.update(disbursed_on=event.on, persons=event.count, total_fen=event.total_fen)
    return [Upsert(CYCLES.name, row, values)] if values else []


# -- reading ------------------------------------------------------------------------------------

NATIONAL_ID = re.compile(r"^[0-9]{17}[0-9Xx]$")


def list_persons(view: QueryView, keys: KeyStore, actor: Actor, *, community_id: str | None = None,
                 category: str | None = None, programme_id: str | None = None, id_number: str | None = None,
                 limit: int = 50, cursor: str | None = None) -> dict[str, Any]:
    """Persons, newest registration first, with their categories and programmes; never a personal field."""
    query = ListQuery(PERSONS.name).scoped_to(actor, community_id)
    if category is not None:
        query.where("EXISTS (SELECT 1 FROM {welfare_person_categories} c WHERE c.category = ? "
                    "AND c.person_id = item.id AND c.held = 1)", category)
    if programme_id is not None:
        query.where("EXISTS (SELECT 1 FROM {welfare_enrolments} e WHERE e.programme_id = ? "
                    "AND e.person_id = item.id AND e.enrolled = 1)", programme_id)
    if id_number is not None:
        if not NATIONAL_ID.match(id_number.strip()):
            raise Invalid("id_number must be 17 digits and a final digit or X", field="id_number")
        query.where("id IN (SELECT person_id FROM {welfare_id_claims} WHERE id = ?)",
                    str(keys.dedupe_id(id_number.upper())))
    page = query.page(view, "-registered_at", Sort("registered_at", descending=True), limit, cursor)
    _attach(view, page["items"], "categories", "SELECT person_id, category AS value FROM "
            "{welfare_person_categories} WHERE held = 1")
    _attach(view, page["items"], "programme_ids", "SELECT person_id, programme_id AS value FROM "
            "{welfare_enrolments} WHERE enrolled = 1")
    for item in page["items"]:
        item["erased"] = bool(item["erased"])
    return page


def _attach(view: QueryView, items: list[dict[str, Any]], name: str, sql: str) -> None:
    """Each person's values from a one-to-many table (one query for the page), sorted."""
    ids = [item["id"] for item in items]
    found: dict[str, list[str]] = {i: [] for i in ids}
    if ids:
        for row in view.select(f"{sql} AND person_id IN ({placeholders(ids)})", ids):
            found[row["person_id"]].append(row["value"])
    for item in items:
        item[name] = sorted(found[item["id"]])


def list_households(view: QueryView, actor: Actor, *, community_id: str | None = None,
                    status: AllowanceStatus | None = None, limit: int = 50,
                    cursor: str | None = None) -> dict[str, Any]:
    """Households by allowance status (none, active, suspended, ended), newest registration first."""
    query = ListQuery(HOUSEHOLDS.name).scoped_to(actor, community_id).equal("allowance_status", status)
    page = query.page(view, "-registered_at", Sort("registered_at", descending=True), limit, cursor)
    for item in page["items"]:
        passed = item["means_test_passed"]
        item["means_test_passed"] = None if passed is None else bool(passed)
    return page


CycleListStatus = choices("CycleListStatus", CycleStatus, awaiting_second_approval="awaiting_second_approval")
"""A cycle's status, or `awaiting_second_approval`: calculated by one officer, to be approved by another."""


def list_cycles(view: QueryView, actor: Actor, *, community_id: str | None = None,
                status: StrEnum | None = None, limit: int = 50, cursor: str | None = None) -> dict[str, Any]:
    """Payment cycles, oldest month first, with the programme's name; `approvable_by_me`: waiting for a second
    approver and not calculated by the caller (the four-eyes rule)."""
    waiting = CycleStatus.CALCULATED.value
    query = (ListQuery(CYCLES.name).scoped_to(actor, community_id)
             .equal("status", waiting if status == "awaiting_second_approval" else status)
             .compute("programme_name", "(SELECT p.name FROM {welfare_programmes} p WHERE p.id = item.programme_id)")
             .compute("approvable_by_me", "CASE WHEN item.status = ? AND item.calculated_by <> ? THEN 1 ELSE 0 END",
                      waiting, actor.pseudonym))
    page = query.page(view, "month", Sort("month"), limit, cursor)
    for item in page["items"]:
        item["approvable_by_me"] = bool(item["approvable_by_me"])
    return page


def list_relief(view: QueryView, actor: Actor, *, community_id: str | None = None, on_from: date | None = None,
                on_to: date | None = None, occasion: str | None = None, limit: int = 50,
                cursor: str | None = None) -> dict[str, Any]:
    """Relief distributed between two dates (both included), newest first: occasion, kind, recipient, value."""
    if on_from is not None and on_to is not None and on_to < on_from:
        raise Invalid("to must not be before from", field="to")
    query = (ListQuery(RELIEF.name).scoped_to(actor, community_id).equal("occasion", occasion)
             .between("distributed_on", on_from and on_from.isoformat(),
                      on_to and (on_to + timedelta(days=1)).isoformat()))
    return query.page(view, "-distributed_on", Sort("distributed_on", descending=True), limit, cursor)
