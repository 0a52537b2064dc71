"""Grid's query tables (cases, mediations) and the lists staff read from them.

Kept by a projection of grid's own stored events, in grid's own database (shared/platform/querytables.py).
The tables hold no personal data (no description, no reporter contact): they say what to open, and
`GET /cases/{id}` shows the record.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from services.grid.domain import Case, CaseStatus, Mediation
from shared.kernel import clock
from shared.kernel.actor import Actor
from shared.platform.querytables import ListQuery, aware, QueryProjection, QueryView, Sort, Table, Upsert, timestamp_text

CASES = Table("grid_cases", {
    "community_id": "text", "grid_cell_id": "text", "status": "text", "category": "text", "assignee": "text",
    "reported_at": "text", "deadline": "text", "updated_at": "text",
}, indexes=(("community_id", "status", "reported_at", "id"), ("community_id", "reported_at", "id"),
            ("community_id", "deadline")))

MEDIATIONS = Table("grid_mediations", {
    "community_id": "text", "case_id": "text", "grid_cell_id": "text", "dispute_type": "text", "status": "text",
    "opened_at": "text", "updated_at": "text",
}, indexes=(("community_id", "status", "opened_at", "id"),))

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
    tables = (CASES, MEDIATIONS)

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
        query.where(f"deadline < ? AND status NOT IN ({', '.join('?' for _ in FINISHED)})", now, *FINISHED)
    elif overdue is False:
        query.where(f"(deadline IS NULL OR deadline >= ? OR status IN ({', '.join('?' for _ in FINISHED)}))",
                    now, *FINISHED)
    return query.page(view, sort.value, CASE_SORTS[sort], limit, cursor)


def list_mediations(view: QueryView, actor: Actor, *, community_id: str | None = None, status: str | None = None,
                    limit: int = 50, cursor: str | None = None) -> dict[str, Any]:
    """Mediations, newest first."""
    query = ListQuery(MEDIATIONS.name).scoped_to(actor, community_id).equal("status", status)
    return query.page(view, "-opened_at", Sort("opened_at", descending=True), limit, cursor)
