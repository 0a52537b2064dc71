"""Grid's query tables (cases, mediations) and the lists staff read from them.

Kept by a projection of grid's own stored events, in grid's own database (shared/platform/querytables.py).
The tables hold no personal data (no description, no reporter contact): they say what to open, and
`GET /cases/{id}` shows the record.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from services.grid.domain import Case, CaseStatus, FollowUp, Mediation, RentalHouse
from shared.kernel import clock
from shared.kernel.actor import Actor
from shared.platform.querytables import (
    Add, ListQuery, QueryProjection, QueryView, Sort, Table, Upsert, aware, placeholders, timestamp_text,
)

CASES = Table("grid_cases", {
    "community_id": "text", "grid_cell_id": "text", "status": "text", "category": "text", "assignee": "text",
    "reported_at": "text", "deadline": "text", "updated_at": "text",
}, indexes=(("community_id", "status", "reported_at", "id"), ("community_id", "reported_at", "id"),
            ("community_id", "deadline")))

MEDIATIONS = Table("grid_mediations", {
    "community_id": "text", "case_id": "text", "grid_cell_id": "text", "dispute_type": "text", "status": "text",
    "opened_at": "text", "updated_at": "text",
}, indexes=(("community_id", "status", "opened_at", "id"),))

RENTALS = Table("grid_rentals", {
    "community_id": "text", "grid_cell_id": "text", "address": "text", "households": "integer",
    "residents": "integer", "floating_residents": "integer", "registered_at": "text",
}, indexes=(("community_id", "address", "id"),))
"""A rental house by its address (no landlord, no tenant details): what 出租房 registers list."""

FOLLOW_UPS = Table("grid_follow_ups", {
    "community_id": "text", "grid_cell_id": "text", "group_name": "text", "status": "text", "visits": "integer",
    "outcome": "text", "started_at": "text", "last_visit_at": "text",
}, indexes=(("community_id", "status", "started_at", "id"),))
"""A special-group follow-up without the person: the record to open, its group, visits and outcome."""

FINISHED = (CaseStatus.RESOLVED.value, CaseStatus.CLOSED.value, CaseStatus.REJECTED.value)
"""A case in one of these states is never overdue."""

# Each case event after the report sets the status it names.
STATUS_AFTER: dict[type, CaseStatus] = {
    Case.Accepted: CaseStatus.ACCEPTED, Case.Assigned: CaseStatus.ASSIGNED,  # type: ignore[attr-defined]
    Case.Escalated: CaseStatus.ESCALATED, Case.Resolved: CaseStatus.RESOLVED,  # type: ignore[attr-defined]
    Case.Closed: CaseStatus.CLOSED, Case.Reopened: CaseStatus.REOPENED,  # type: ignore[attr-defined]
    Case.Rejected: CaseStatus.REJECTED,  # type: ignore[attr-defined]
}
MEDIATION_STATUS_AFTER: dict[type, str] = {
    Mediation.Settled: "settled", Mediation.Failed: "failed",  # type: ignore[attr-defined]
}


class GridQueryTables(QueryProjection):
    name = "grid"
    tables = (CASES, MEDIATIONS, RENTALS, FOLLOW_UPS)

    def changes(self, event: Any) -> list[Upsert]:
        at = timestamp_text(event.timestamp)
        row = str(event.originator_id)
        if isinstance(event, Case.Reported):
            return [Upsert(CASES.name, row, {
                "community_id": event.community_id, "grid_cell_id": event.grid_cell_id,
                "status": CaseStatus.REPORTED.value, "category": event.category, "assignee": None,
                "reported_at": at, "deadline": timestamp_text(event.deadline), "updated_at": at})]
        if isinstance(event, Case.Event):
            values: dict[str, Any] = {"updated_at": at}
            status = STATUS_AFTER.get(type(event))
            if status is not None:
                values["status"] = status.value
            if isinstance(event, Case.Assigned):  # type: ignore[attr-defined]
                values["assignee"] = event.assignee
            if isinstance(event, Case.Reopened):  # type: ignore[attr-defined]
                values["deadline"] = timestamp_text(event.deadline)
            return [Upsert(CASES.name, row, values)]
        if isinstance(event, Mediation.Opened):  # type: ignore[attr-defined]
            return [Upsert(MEDIATIONS.name, row, {
                "community_id": event.community_id, "case_id": event.case_id, "grid_cell_id": event.grid_cell_id,
                "dispute_type": event.dispute_type, "status": "open", "opened_at": at, "updated_at": at})]
        if isinstance(event, Mediation.Event):
            values = {"updated_at": at}
            if type(event) in MEDIATION_STATUS_AFTER:
                values["status"] = MEDIATION_STATUS_AFTER[type(event)]
            return [Upsert(MEDIATIONS.name, row, values)]
        if isinstance(event, RentalHouse.Event | FollowUp.Event):
            return self._register_changes(row, at, event)
        return []

    @staticmethod
    def _register_changes(row: str, at: str | None, event: Any) -> list[Upsert]:
        if isinstance(event, RentalHouse.Registered):  # type: ignore[attr-defined]
            return [Upsert(RENTALS.name, row, {
                "community_id": event.community_id, "grid_cell_id": event.grid_cell_id, "address": event.address,
                "households": 0, "residents": 0, "floating_residents": 0, "registered_at": at})]
        if isinstance(event, RentalHouse.TenantRegistered | RentalHouse.TenantDeparted):  # type: ignore[attr-defined]
            sign = 1 if isinstance(event, RentalHouse.TenantRegistered) else -1  # type: ignore[attr-defined]
            return [Upsert(RENTALS.name, row, {"households": Add(sign), "residents": Add(sign * event.size),
                                               "floating_residents": Add(sign * event.size if event.floating else 0)})]
        if isinstance(event, FollowUp.Started):  # type: ignore[attr-defined]
            return [Upsert(FOLLOW_UPS.name, row, {
                "community_id": event.community_id, "grid_cell_id": event.grid_cell_id, "group_name": event.group,
                "status": "active", "visits": 0, "outcome": None, "started_at": at, "last_visit_at": None})]
        if isinstance(event, FollowUp.VisitRecorded):  # type: ignore[attr-defined]
            return [Upsert(FOLLOW_UPS.name, row, {"visits": Add(1), "last_visit_at": at})]
        if isinstance(event, FollowUp.Ended):  # type: ignore[attr-defined]
            return [Upsert(FOLLOW_UPS.name, row, {"status": "ended", "outcome": event.outcome})]
        return []


class CaseSort(StrEnum):
    REPORTED_AT = "reported_at"
    NEWEST_FIRST = "-reported_at"
    DEADLINE = "deadline"


CASE_SORTS: dict[CaseSort, Sort] = {
    CaseSort.REPORTED_AT: Sort("reported_at"),
    CaseSort.NEWEST_FIRST: Sort("reported_at", descending=True),
    CaseSort.DEADLINE: Sort("deadline", nullable=True),  # cases without a deadline (first release) last
}


def list_cases(
    view: QueryView, actor: Actor, *, community_id: str | None = None, grid_cell_id: str | None = None,
    status: str | None = None, category: str | None = None, assignee: str | None = None,
    overdue: bool | None = None, reported_from: datetime | None = None, reported_to: datetime | None = None,
    sort: CaseSort = CaseSort.NEWEST_FIRST, limit: int = 50, cursor: str | None = None,
) -> dict[str, Any]:
    """The cases the actor's communities hold, filtered; `overdue` is judged now, not when projected."""
    query = (ListQuery(CASES.name).scoped_to(actor, community_id).equal("grid_cell_id", grid_cell_id)
             .equal("status", status).equal("category", category).equal("assignee", assignee)
             .between("reported_at", aware("reported_from", reported_from), aware("reported_to", reported_to)))
    now = timestamp_text(clock.now())
    if overdue is True:
        query.where(f"deadline < ? AND status NOT IN ({placeholders(FINISHED)})", now, *FINISHED)
    elif overdue is False:
        query.where(f"(deadline IS NULL OR deadline >= ? OR status IN ({placeholders(FINISHED)}))", now, *FINISHED)
    return query.page(view, sort.value, CASE_SORTS[sort], limit, cursor)


def list_mediations(view: QueryView, actor: Actor, *, community_id: str | None = None, status: str | None = None,
                    limit: int = 50, cursor: str | None = None) -> dict[str, Any]:
    """Mediations, newest first."""
    query = ListQuery(MEDIATIONS.name).scoped_to(actor, community_id).equal("status", status)
    return query.page(view, "-opened_at", Sort("opened_at", descending=True), limit, cursor)


def list_rentals(view: QueryView, actor: Actor, *, community_id: str | None = None, grid_cell_id: str | None = None,
                 limit: int = 50, cursor: str | None = None) -> dict[str, Any]:
    """Rental houses by address, with how many households and residents (floating ones too) live there."""
    query = ListQuery(RENTALS.name).scoped_to(actor, community_id).equal("grid_cell_id", grid_cell_id)
    return query.page(view, "address", Sort("address"), limit, cursor)


class FollowUpStatus(StrEnum):
    ACTIVE = "active"
    ENDED = "ended"


def list_follow_ups(view: QueryView, actor: Actor, *, community_id: str | None = None,
                    grid_cell_id: str | None = None, status: FollowUpStatus | None = None, group: str | None = None,
                    limit: int = 50, cursor: str | None = None) -> dict[str, Any]:
    """Special-group follow-ups, longest running first (the person stays on the record)."""
    query = (ListQuery(FOLLOW_UPS.name).scoped_to(actor, community_id).equal("grid_cell_id", grid_cell_id)
             .equal("status", status).equal("group_name", group))
    page = query.page(view, "started_at", Sort("started_at"), limit, cursor)
    for item in page["items"]:
        item["group"] = item.pop("group_name")
    return page
