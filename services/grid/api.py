"""Grid HTTP API: thin. Each route authenticates the caller, takes its typed command (services/grid/commands.py)
and calls one use case, which checks the community and applies the domain rules.

Most routes come in three families, each added by one function below: creating a record (201, its id),
acting on one record named in the URL, and viewing one (the use case's answer). A route's name, which gives
its OpenAPI operation id, is the use case's name; a view route's is get_<use case>.

Annotations here are evaluated when a route is defined (no `from __future__ import annotations`): the
route families annotate their handlers with the command model and caller they are given.
"""

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Request
from pydantic import BaseModel

from services.grid.application import GridApplication
from services.grid.commands import (
    AssignCase, AssignWorker, CloseCase, CompleteInspection, DrawCell, EndFollowUp, EscalateCase, FailMediation,
    HoldSession, OpenMediation, RecordHouseholdVisit, RecordVisit, RegisterCommunity, RegisterRental, RegisterTenant, RejectCase, ReopenCase,
    ReportCase, ResolveCase, SettleMediation, StartFollowUp, UpdateCommunity,
)
from services.grid.domain import CaseCategory, CaseStatus, MediationStatus, SpecialGroup
from services.grid.queries import (
    CaseSort, FollowUpStatus, list_cases, list_follow_ups, list_mediations, list_rentals,
)
from shared.kernel.actor import Actor, Role
from shared.platform.auth import requires
from shared.platform.querytables import DEFAULT_LIMIT, Limit, Lists
from shared.platform.http import OneHopRoute


class Created(BaseModel):
    id: str


async def grid_app(request: Request) -> GridApplication:
    return request.app.state.application


Grid = Annotated[GridApplication, Depends(grid_app)]
CaseWorker = Annotated[Actor, Depends(requires(Role.COMMUNITY_STAFF, Role.GRID_WORKER, Role.ADMIN))]
Admin = Annotated[Actor, Depends(requires(Role.ADMIN))]
Anyone = Annotated[Actor, Depends(requires(*Role))]
View = dict[str, Any]


def add_create_route(api: APIRouter, path: str, use_case: str, command: type[BaseModel],
                     caller: Any = CaseWorker) -> None:
    """POST `path`: the `command` body goes to GridApplication.<use_case>, which answers the new record's id."""

    def create(body: command, grid: Grid, actor: caller) -> Created:  # type: ignore[valid-type]
        return Created(id=str(getattr(grid, use_case)(actor, body)))

    api.add_api_route(path, create, methods=["POST"], name=use_case, status_code=201, response_model=Created)


def add_record_route(api: APIRouter, path: str, id_param: str, use_case: str, command: type[BaseModel],
                     method: str = "POST") -> None:
    """`method path`: the record named by the path parameter `id_param` and the `command` body go to
    GridApplication.<use_case>, whose view of the record is the answer."""

    def act(record_id: Annotated[str, Path(alias=id_param)], body: command,  # type: ignore[valid-type]
            grid: Grid, actor: CaseWorker) -> View:
        return getattr(grid, use_case)(actor, record_id, body)

    api.add_api_route(path, act, methods=[method], name=use_case)


def add_view_route(api: APIRouter, path: str, id_param: str, use_case: str) -> None:
    """GET `path`: GridApplication.<use_case>'s view of the record named by the path parameter `id_param`
    (the route is named get_<use_case>)."""

    def view(record_id: Annotated[str, Path(alias=id_param)], grid: Grid, actor: CaseWorker) -> View:
        return getattr(grid, use_case)(actor, record_id)

    api.add_api_route(path, view, methods=["GET"], name=f"get_{use_case}")


def router() -> APIRouter:
    from services.grid import open311

    api = APIRouter(tags=["grid"], route_class=OneHopRoute)

    # -- directory ------------------------------------------------------------
    add_create_route(api, "/communities", "register_community", RegisterCommunity, caller=Admin)
    add_record_route(api, "/communities/{community_id}", "community_id", "update_community", UpdateCommunity,
                     method="PATCH")

    @api.get("/communities")
    def communities(grid: Grid, _: Anyone) -> list[View]:
        return grid.communities()

    @api.get("/communities/{community_id}")
    def community(community_id: str, grid: Grid, _: Anyone) -> View:
        return grid.community_details(community_id)

    add_create_route(api, "/cells", "draw_cell", DrawCell)
    add_record_route(api, "/cells/{cell_id}/workers", "cell_id", "assign_worker", AssignWorker)

    @api.delete("/cells/{cell_id}/workers/{worker_id}")
    def unassign_worker(cell_id: str, worker_id: str, grid: Grid, actor: CaseWorker) -> View:
        return grid.unassign_worker(actor, cell_id, worker_id)

    add_view_route(api, "/cells/{cell_id}", "cell_id", "cell")

    # -- cases ----------------------------------------------------------------
    add_create_route(api, "/cases", "report_case", ReportCase)

    @api.post("/cases/{case_id}/accept")
    def accept_case(case_id: str, grid: Grid, actor: CaseWorker) -> View:
        return grid.accept_case(actor, case_id)

    add_record_route(api, "/cases/{case_id}/assign", "case_id", "assign_case", AssignCase)
    add_record_route(api, "/cases/{case_id}/escalate", "case_id", "escalate_case", EscalateCase)
    add_record_route(api, "/cases/{case_id}/resolve", "case_id", "resolve_case", ResolveCase)
    add_record_route(api, "/cases/{case_id}/close", "case_id", "close_case", CloseCase)
    add_record_route(api, "/cases/{case_id}/reopen", "case_id", "reopen_case", ReopenCase)
    add_record_route(api, "/cases/{case_id}/reject", "case_id", "reject_case", RejectCase)

    @api.get("/cases")
    def cases(
        lists: Lists, actor: CaseWorker, community_id: str | None = None, grid_cell_id: str | None = None,
        status: CaseStatus | None = None, category: CaseCategory | None = None, assignee: str | None = None,
        overdue: bool | None = None, reported_from: datetime | None = None, reported_to: datetime | None = None,
        sort: CaseSort = CaseSort.NEWEST_FIRST, limit: Limit = DEFAULT_LIMIT, cursor: str | None = None,
    ) -> View:
        return list_cases(lists, actor, community_id=community_id, grid_cell_id=grid_cell_id, status=status,
                          category=category, assignee=assignee, overdue=overdue, reported_from=reported_from,
                          reported_to=reported_to, sort=sort, limit=limit, cursor=cursor)

    add_view_route(api, "/cases/{case_id}", "case_id", "case")

    @api.get("/cases/{case_id}/history")
    def case_history(case_id: str, grid: Grid, actor: CaseWorker) -> list[View]:
        return grid.case_history(actor, case_id)

    # -- mediation ------------------------------------------------------------
    add_create_route(api, "/mediations", "open_mediation", OpenMediation)
    add_record_route(api, "/mediations/{mediation_id}/sessions", "mediation_id", "hold_mediation_session", HoldSession)
    add_record_route(api, "/mediations/{mediation_id}/settle", "mediation_id", "settle_mediation", SettleMediation)
    add_record_route(api, "/mediations/{mediation_id}/fail", "mediation_id", "fail_mediation", FailMediation)

    @api.get("/mediations")
    def mediations(lists: Lists, actor: CaseWorker, community_id: str | None = None,
                   status: MediationStatus | None = None, limit: Limit = DEFAULT_LIMIT,
                   cursor: str | None = None) -> View:
        return list_mediations(lists, actor, community_id=community_id, status=status, limit=limit, cursor=cursor)

    add_view_route(api, "/mediations/{mediation_id}", "mediation_id", "mediation")

    # -- inspections ----------------------------------------------------------
    @api.post("/inspections", status_code=201)
    def complete_inspection(body: CompleteInspection, grid: Grid, actor: CaseWorker) -> View:
        inspection = grid.complete_inspection(actor, body)
        return {"id": str(inspection.id), "case_ids": inspection.case_ids}

    add_view_route(api, "/inspections/{inspection_id}", "inspection_id", "inspection")

    # -- rental houses --------------------------------------------------------
    add_create_route(api, "/rentals", "register_rental", RegisterRental)
    add_record_route(api, "/rentals/{house_id}/tenants", "house_id", "register_tenant", RegisterTenant)

    @api.delete("/rentals/{house_id}/tenants/{household_id}")
    def tenant_departed(house_id: str, household_id: str, grid: Grid, actor: CaseWorker) -> View:
        return grid.tenant_departed(actor, house_id, household_id)

    @api.get("/rentals")
    def rentals(lists: Lists, actor: CaseWorker, community_id: str | None = None, grid_cell_id: str | None = None,
                limit: Limit = DEFAULT_LIMIT, cursor: str | None = None) -> View:
        return list_rentals(lists, actor, community_id=community_id, grid_cell_id=grid_cell_id, limit=limit,
                            cursor=cursor)

    add_view_route(api, "/rentals/{house_id}", "house_id", "rental_house")

    # -- special-group follow-ups ---------------------------------------------
    add_create_route(api, "/follow-ups", "start_follow_up", StartFollowUp)
    add_record_route(api, "/follow-ups/{follow_up_id}/visits", "follow_up_id", "record_follow_up_visit", RecordVisit)
    add_record_route(api, "/follow-ups/{follow_up_id}/end", "follow_up_id", "end_follow_up", EndFollowUp)

    @api.get("/follow-ups")
    def follow_ups(lists: Lists, actor: CaseWorker, community_id: str | None = None, grid_cell_id: str | None = None,
                   status: FollowUpStatus | None = None, group: SpecialGroup | None = None,
                   limit: Limit = DEFAULT_LIMIT, cursor: str | None = None) -> View:
        return list_follow_ups(lists, actor, community_id=community_id, grid_cell_id=grid_cell_id, status=status,
                               group=group, limit=limit, cursor=cursor)

    add_view_route(api, "/follow-ups/{follow_up_id}", "follow_up_id", "follow_up")

    # -- household visits (走访) -----------------------------------------------
    @api.post("/visits", status_code=201)
    def record_visit(body: RecordHouseholdVisit, grid: Grid, actor: CaseWorker) -> View:
        visit = grid.record_visit(actor, body)
        return {"id": str(visit.id), "case_id": visit.case_id, "follow_up_id": visit.follow_up_id}

    add_view_route(api, "/visits/{visit_id}", "visit_id", "visit")

    api.include_router(open311.router(), prefix="/open311/v2")
    return api
