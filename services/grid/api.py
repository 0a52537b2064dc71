"""Grid HTTP API: thin. Each route authenticates the caller, takes its typed command (services/grid/commands.py)
and calls one use case, which checks the community and applies the domain rules."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
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


CaseCreated = Created


async def grid_app(request: Request) -> GridApplication:
    return request.app.state.application


Grid = Annotated[GridApplication, Depends(grid_app)]
CaseWorker = Annotated[Actor, Depends(requires(Role.COMMUNITY_STAFF, Role.GRID_WORKER, Role.ADMIN))]
Admin = Annotated[Actor, Depends(requires(Role.ADMIN))]
Anyone = Annotated[Actor, Depends(requires(*Role))]
View = dict[str, Any]


def router() -> APIRouter:
    from services.grid import open311

    api = APIRouter(tags=["grid"], route_class=OneHopRoute)

    # -- directory ------------------------------------------------------------
    @api.post("/communities", status_code=201, response_model=Created)
    def register_community(body: RegisterCommunity, grid: Grid, actor: Admin) -> Created:
        return Created(id=grid.register_community(actor, body))

    @api.patch("/communities/{community_id}")
    def update_community(community_id: str, body: UpdateCommunity, grid: Grid, actor: CaseWorker) -> View:
        return grid.update_community(actor, community_id, body)

    @api.get("/communities")
    def communities(grid: Grid, _: Anyone) -> list[View]:
        return grid.communities()

    @api.get("/communities/{community_id}")
    def community(community_id: str, grid: Grid, _: Anyone) -> View:
        return grid.community_details(community_id)

    @api.post("/cells", status_code=201, response_model=Created)
    def draw_cell(body: DrawCell, grid: Grid, actor: CaseWorker) -> Created:
        return Created(id=str(grid.draw_cell(actor, body)))

    @api.post("/cells/{cell_id}/workers")
    def assign_worker(cell_id: str, body: AssignWorker, grid: Grid, actor: CaseWorker) -> View:
        return grid.assign_worker(actor, cell_id, body)

    @api.delete("/cells/{cell_id}/workers/{worker_id}")
    def unassign_worker(cell_id: str, worker_id: str, grid: Grid, actor: CaseWorker) -> View:
        return grid.unassign_worker(actor, cell_id, worker_id)

    @api.get("/cells/{cell_id}")
    def get_cell(cell_id: str, grid: Grid, actor: CaseWorker) -> View:
        return grid.cell(actor, cell_id)

    # -- cases ----------------------------------------------------------------
    @api.post("/cases", status_code=201, response_model=CaseCreated)
    def report_case(body: ReportCase, grid: Grid, actor: CaseWorker) -> CaseCreated:
        return CaseCreated(id=str(grid.report_case(actor, body)))

    @api.post("/cases/{case_id}/accept")
    def accept_case(case_id: str, grid: Grid, actor: CaseWorker) -> View:
        return grid.accept_case(actor, case_id)

    @api.post("/cases/{case_id}/assign")
    def assign_case(case_id: str, body: AssignCase, grid: Grid, actor: CaseWorker) -> View:
        return grid.assign_case(actor, case_id, body)

    @api.post("/cases/{case_id}/escalate")
    def escalate_case(case_id: str, body: EscalateCase, grid: Grid, actor: CaseWorker) -> View:
        return grid.escalate_case(actor, case_id, body)

    @api.post("/cases/{case_id}/resolve")
    def resolve_case(case_id: str, body: ResolveCase, grid: Grid, actor: CaseWorker) -> View:
        return grid.resolve_case(actor, case_id, body)

    @api.post("/cases/{case_id}/close")
    def close_case(case_id: str, body: CloseCase, grid: Grid, actor: CaseWorker) -> View:
        return grid.close_case(actor, case_id, body)

    @api.post("/cases/{case_id}/reopen")
    def reopen_case(case_id: str, body: ReopenCase, grid: Grid, actor: CaseWorker) -> View:
        return grid.reopen_case(actor, case_id, body)

    @api.post("/cases/{case_id}/reject")
    def reject_case(case_id: str, body: RejectCase, grid: Grid, actor: CaseWorker) -> View:
        return grid.reject_case(actor, case_id, body)

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

    @api.get("/cases/{case_id}")
    def get_case(case_id: str, grid: Grid, actor: CaseWorker) -> View:
        return grid.case(actor, case_id)

    @api.get("/cases/{case_id}/history")
    def case_history(case_id: str, grid: Grid, actor: CaseWorker) -> list[View]:
        return grid.case_history(actor, case_id)

    # -- mediation ------------------------------------------------------------
    @api.post("/mediations", status_code=201, response_model=Created)
    def open_mediation(body: OpenMediation, grid: Grid, actor: CaseWorker) -> Created:
        return Created(id=str(grid.open_mediation(actor, body)))

    @api.post("/mediations/{mediation_id}/sessions")
    def hold_mediation_session(mediation_id: str, body: HoldSession, grid: Grid, actor: CaseWorker) -> View:
        return grid.hold_mediation_session(actor, mediation_id, body)

    @api.post("/mediations/{mediation_id}/settle")
    def settle_mediation(mediation_id: str, body: SettleMediation, grid: Grid, actor: CaseWorker) -> View:
        return grid.settle_mediation(actor, mediation_id, body)

    @api.post("/mediations/{mediation_id}/fail")
    def fail_mediation(mediation_id: str, body: FailMediation, grid: Grid, actor: CaseWorker) -> View:
        return grid.fail_mediation(actor, mediation_id, body)

    @api.get("/mediations")
    def mediations(lists: Lists, actor: CaseWorker, community_id: str | None = None,
                   status: MediationStatus | None = None, limit: Limit = DEFAULT_LIMIT,
                   cursor: str | None = None) -> View:
        return list_mediations(lists, actor, community_id=community_id, status=status, limit=limit, cursor=cursor)

    @api.get("/mediations/{mediation_id}")
    def get_mediation(mediation_id: str, grid: Grid, actor: CaseWorker) -> View:
        return grid.mediation(actor, mediation_id)

    # -- inspections ----------------------------------------------------------
    @api.post("/inspections", status_code=201)
    def complete_inspection(body: CompleteInspection, grid: Grid, actor: CaseWorker) -> View:
        inspection = grid.complete_inspection(actor, body)
        return {"id": str(inspection.id), "case_ids": inspection.case_ids}

    @api.get("/inspections/{inspection_id}")
    def get_inspection(inspection_id: str, grid: Grid, actor: CaseWorker) -> View:
        return grid.inspection(actor, inspection_id)

    # -- rental houses --------------------------------------------------------
    @api.post("/rentals", status_code=201, response_model=Created)
    def register_rental(body: RegisterRental, grid: Grid, actor: CaseWorker) -> Created:
        return Created(id=str(grid.register_rental(actor, body)))

    @api.post("/rentals/{house_id}/tenants")
    def register_tenant(house_id: str, body: RegisterTenant, grid: Grid, actor: CaseWorker) -> View:
        return grid.register_tenant(actor, house_id, body)

    @api.delete("/rentals/{house_id}/tenants/{household_id}")
    def tenant_departed(house_id: str, household_id: str, grid: Grid, actor: CaseWorker) -> View:
        return grid.tenant_departed(actor, house_id, household_id)

    @api.get("/rentals")
    def rentals(lists: Lists, actor: CaseWorker, community_id: str | None = None, grid_cell_id: str | None = None,
                limit: Limit = DEFAULT_LIMIT, cursor: str | None = None) -> View:
        return list_rentals(lists, actor, community_id=community_id, grid_cell_id=grid_cell_id, limit=limit,
                            cursor=cursor)

    @api.get("/rentals/{house_id}")
    def get_rental_house(house_id: str, grid: Grid, actor: CaseWorker) -> View:
        return grid.rental_house(actor, house_id)

    # -- special-group follow-ups ---------------------------------------------
    @api.post("/follow-ups", status_code=201, response_model=Created)
    def start_follow_up(body: StartFollowUp, grid: Grid, actor: CaseWorker) -> Created:
        return Created(id=str(grid.start_follow_up(actor, body)))

    @api.post("/follow-ups/{follow_up_id}/visits")
    def record_follow_up_visit(follow_up_id: str, body: RecordVisit, grid: Grid, actor: CaseWorker) -> View:
        return grid.record_follow_up_visit(actor, follow_up_id, body)

    @api.post("/follow-ups/{follow_up_id}/end")
    def end_follow_up(follow_up_id: str, body: EndFollowUp, grid: Grid, actor: CaseWorker) -> View:
        return grid.end_follow_up(actor, follow_up_id, body)

    @api.get("/follow-ups")
    def follow_ups(lists: Lists, actor: CaseWorker, community_id: str | None = None, grid_cell_id: str | None = None,
                   status: FollowUpStatus | None = None, group: SpecialGroup | None = None,
                   limit: Limit = DEFAULT_LIMIT, cursor: str | None = None) -> View:
        return list_follow_ups(lists, actor, community_id=community_id, grid_cell_id=grid_cell_id, status=status,
                               group=group, limit=limit, cursor=cursor)

    @api.get("/follow-ups/{follow_up_id}")
    def get_follow_up(follow_up_id: str, grid: Grid, actor: CaseWorker) -> View:
        return grid.follow_up(actor, follow_up_id)

    # -- household visits (走访) -----------------------------------------------
    @api.post("/visits", status_code=201)
    def record_visit(body: RecordHouseholdVisit, grid: Grid, actor: CaseWorker) -> View:
        visit = grid.record_visit(actor, body)
        return {"id": str(visit.id), "case_id": visit.case_id, "follow_up_id": visit.follow_up_id}

    @api.get("/visits/{visit_id}")
    def get_visit(visit_id: str, grid: Grid, actor: CaseWorker) -> View:
        return grid.visit(actor, visit_id)

    api.include_router(open311.router(), prefix="/open311/v2")
    return api
