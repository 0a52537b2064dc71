"""Grid HTTP API: thin; validation in the request models, rules in the domain."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel, ConfigDict, Field, model_validator

from services.grid.application import GridApplication
from services.grid.domain import (
    AssigneeKind, CaseCategory, Channel, DisputeType, EscalationLevel, FollowUp, FollowUpOutcome, GridCell, Inspection,
    InspectionType, Mediation, RejectionReason, RentalHouse, SpecialGroup, Case,
)
from shared.kernel.actor import ensure_community, Role
from shared.platform.auth import requires
from shared.kernel.actor import Actor

COMMUNITY_ID = Field(min_length=1, max_length=64, pattern=r"^[a-z0-9][a-z0-9-]*$")
Text = Annotated[str, Field(min_length=1, max_length=2000)]
Name = Annotated[str, Field(min_length=1, max_length=200)]
Count = Annotated[int, Field(ge=0, le=10_000_000)]


class Body(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Location(Body):
    lat: float | None = Field(default=None, ge=-90, le=90)
    long: float | None = Field(default=None, ge=-180, le=180)
    address: str | None = Field(default=None, min_length=1, max_length=500)

    @model_validator(mode="after")
    def point_or_address(self) -> Location:
        if (self.lat is None) != (self.long is None) or (self.lat is None and self.address is None):
            raise ValueError("give lat and long, or an address")
        return self


class Contact(Body):
    name: str | None = Field(default=None, max_length=200)
    phone: str | None = Field(default=None, max_length=50)
    email: str | None = Field(default=None, max_length=200)


class ReportCase(Body):
    community_id: str = COMMUNITY_ID
    category: CaseCategory
    description: str = Field(min_length=1, max_length=2000)
    channel: Channel = Channel.RESIDENT
    grid_cell_id: str | None = None
    location: Location | None = None
    reporter_contact: Contact | None = None
    attributes: dict[str, str] = Field(default_factory=dict)


class ResolveCase(Body):
    outcome: str = Field(min_length=1, max_length=2000)


class AssignCase(Body):
    worker_id: str | None = Field(default=None, min_length=1, max_length=64)
    department: str | None = Field(default=None, min_length=1, max_length=200)

    @model_validator(mode="after")
    def exactly_one(self) -> AssignCase:
        if (self.worker_id is None) == (self.department is None):
            raise ValueError("give exactly one of worker_id or department")
        return self


class EscalateCase(Body):
    level: EscalationLevel
    reason: Text


class CloseCase(Body):
    satisfaction: int = Field(ge=1, le=5)


class ReopenCase(Body):
    reason: Text


class RejectCase(Body):
    reason: RejectionReason
    duplicate_of: str | None = None


class RegisterCommunity(Body):
    id: str = COMMUNITY_ID
    name: Name
    district: Name
    households: Count
    residents: Count
    floating_population: Count = 0


class UpdateCommunity(Body):
    name: Name | None = None
    district: Name | None = None
    households: Count | None = None
    residents: Count | None = None
    floating_population: Count | None = None


class DrawCell(Body):
    community_id: str = COMMUNITY_ID
    name: Name
    households: Count = 0


class Worker(Body):
    worker_id: str = Field(min_length=1, max_length=64, description="Pseudonymous worker id")


class OpenMediation(Body):
    community_id: str = COMMUNITY_ID
    dispute_type: DisputeType
    parties: int = Field(ge=2, le=1000)
    case_id: str | None = None
    grid_cell_id: str | None = None
    summary: str = Field(default="", max_length=2000)


class Session(Body):
    notes: str = Field(default="", max_length=2000)


class Settle(Body):
    agreement: Text


class Fail(Body):
    reason: Text


class Hazard(Body):
    description: Text
    category: CaseCategory = CaseCategory.SAFETY_HAZARD
    location: Location | None = None
    attributes: dict[str, str] | None = Field(default=None, description="Default for safety hazards: kind other")


class CompleteInspection(Body):
    community_id: str = COMMUNITY_ID
    inspection_type: InspectionType
    site: Name
    grid_cell_id: str | None = None
    hazards: list[Hazard] = Field(default_factory=list, max_length=100)
    open_cases: bool = False


class RegisterRental(Body):
    community_id: str = COMMUNITY_ID
    address: Name
    landlord: Contact
    grid_cell_id: str | None = None


class RegisterTenant(Body):
    size: int = Field(ge=1, le=100)
    floating: bool
    details: dict[str, str] = Field(default_factory=dict, description="Personal data; kept in the service")


class StartFollowUp(Body):
    community_id: str = COMMUNITY_ID
    group: SpecialGroup
    person: dict[str, str] = Field(default_factory=dict, description="Personal data; kept in the service")
    grid_cell_id: str | None = None


class Visit(Body):
    notes: str = Field(default="", max_length=2000)


class EndFollowUp(Body):
    outcome: FollowUpOutcome
    reoffended: bool


class Created(BaseModel):
    id: str


CaseCreated = Created


async def grid_app(request: Request) -> GridApplication:
    return request.app.state.application


Grid = Annotated[GridApplication, Depends(grid_app)]
CaseWorker = Annotated[Actor, Depends(requires(Role.COMMUNITY_STAFF, Role.GRID_WORKER, Role.ADMIN))]
Admin = Annotated[Actor, Depends(requires(Role.ADMIN))]
Anyone = Annotated[Actor, Depends(requires(*Role))]


def serves(actor: Actor, community_id: str) -> None:
    """Admins may act anywhere; staff and grid workers only within their communities."""
    if actor.role != Role.ADMIN:
        ensure_community(actor, community_id)


def router() -> APIRouter:
    from services.grid import open311

    api = APIRouter(tags=["grid"])

    # -- directory ------------------------------------------------------------
    @api.post("/communities", status_code=201, response_model=Created)
    def register_community(body: RegisterCommunity, grid: Grid, actor: Admin) -> Created:
        data = body.model_dump()
        return Created(id=grid.register_community(actor, community_id=data.pop("id"), **data))

    @api.patch("/communities/{community_id}")
    def update_community(community_id: str, body: UpdateCommunity, grid: Grid, actor: CaseWorker) -> dict[str, Any]:
        serves(actor, community_id)
        return grid.update_community(actor, community_id, **body.model_dump())

    @api.get("/communities")
    def communities(grid: Grid, _: Anyone) -> list[dict[str, Any]]:
        return grid.communities()

    @api.get("/communities/{community_id}")
    def community(community_id: str, grid: Grid, _: Anyone) -> dict[str, Any]:
        return grid.community_view(grid.community(community_id))

    @api.post("/cells", status_code=201, response_model=Created)
    def draw_cell(body: DrawCell, grid: Grid, actor: CaseWorker) -> Created:
        serves(actor, body.community_id)
        return Created(id=str(grid.draw_cell(actor, **body.model_dump())))

    @api.post("/cells/{cell_id}/workers")
    def assign_worker(cell_id: str, body: Worker, grid: Grid, actor: CaseWorker) -> dict[str, Any]:
        serves(actor, grid.community_of(cell_id, GridCell, "grid cell"))
        return grid.assign_worker(actor, cell_id, body.worker_id)

    @api.delete("/cells/{cell_id}/workers/{worker_id}")
    def unassign_worker(cell_id: str, worker_id: str, grid: Grid, actor: CaseWorker) -> dict[str, Any]:
        serves(actor, grid.community_of(cell_id, GridCell, "grid cell"))
        return grid.assign_worker(actor, cell_id, worker_id, assign=False)

    @api.get("/cells/{cell_id}")
    def get_cell(cell_id: str, grid: Grid, actor: CaseWorker) -> dict[str, Any]:
        cell = grid.cell(cell_id)
        serves(actor, cell["community_id"])
        return cell

    # -- cases ----------------------------------------------------------------
    @api.post("/cases", status_code=201, response_model=CaseCreated)
    def report_case(body: ReportCase, grid: Grid, actor: CaseWorker) -> CaseCreated:
        serves(actor, body.community_id)
        report = body.model_dump(mode="json", exclude_none=True)
        return CaseCreated(id=str(grid.report_case(actor, **report)))

    def case_command(command: str, model: type[BaseModel], to_args: Any = None) -> None:
        def handler(case_id: str, body: model, grid: Grid, actor: CaseWorker) -> dict[str, Any]:  # type: ignore[valid-type]
            serves(actor, grid.case(case_id)["community_id"])
            args = to_args(body) if to_args else body.model_dump(mode="json")  # type: ignore[attr-defined]
            grid.change_case(actor, case_id, command, **args)
            return grid.case(case_id)

        handler.__name__ = f"{command}_case"
        handler.__annotations__["body"] = model  # a closure variable: resolve it for FastAPI
        api.post(f"/cases/{{case_id}}/{command}")(handler)

    @api.post("/cases/{case_id}/accept")
    def accept_case(case_id: str, grid: Grid, actor: CaseWorker) -> dict[str, Any]:
        serves(actor, grid.case(case_id)["community_id"])
        grid.change_case(actor, case_id, "accept")
        return grid.case(case_id)

    case_command("assign", AssignCase, lambda b: {"kind": AssigneeKind.WORKER if b.worker_id else AssigneeKind.DEPARTMENT,
                                                  "assignee": b.worker_id or b.department})
    case_command("escalate", EscalateCase)
    case_command("resolve", ResolveCase)
    case_command("close", CloseCase)
    case_command("reopen", ReopenCase)
    case_command("reject", RejectCase)

    @api.get("/cases/{case_id}")
    def get_case(case_id: str, grid: Grid, actor: CaseWorker) -> dict[str, Any]:
        case = grid.case(case_id)
        serves(actor, case["community_id"])
        return case

    @api.get("/cases/{case_id}/history")
    def case_history(case_id: str, grid: Grid, actor: CaseWorker) -> list[dict[str, Any]]:
        serves(actor, grid.community_of(case_id, Case, "case"))
        return grid.history(case_id)

    # -- mediation, inspections, rentals, follow-ups -------------------------------
    def command(path: str, kind: type, label: str, name: str, model: type[BaseModel]) -> None:
        def handler(aggregate_id: str, body: model, grid: Grid, actor: CaseWorker) -> dict[str, Any]:  # type: ignore[valid-type]
            serves(actor, grid.community_of(aggregate_id, kind, label))
            result = grid.change(actor, kind, label, aggregate_id, name, **body.model_dump(mode="json"))  # type: ignore[attr-defined]
            view = grid.view(aggregate_id, kind, label)
            return {**view, "household_id": result} if result else view

        handler.__name__ = f"{label.replace(' ', '_')}_{name}"
        handler.__annotations__["body"] = model
        api.post(path)(handler)

    def reader(path: str, kind: type, label: str) -> None:
        def handler(aggregate_id: str, grid: Grid, actor: CaseWorker) -> dict[str, Any]:
            view = grid.view(aggregate_id, kind, label)
            serves(actor, view["community_id"])
            return view

        handler.__name__ = f"get_{label.replace(' ', '_')}"
        api.get(path)(handler)

    @api.post("/mediations", status_code=201, response_model=Created)
    def open_mediation(body: OpenMediation, grid: Grid, actor: CaseWorker) -> Created:
        serves(actor, body.community_id)
        return Created(id=str(grid.open_mediation(actor, **body.model_dump(mode="json"))))

    command("/mediations/{aggregate_id}/sessions", Mediation, "mediation", "hold_session", Session)
    command("/mediations/{aggregate_id}/settle", Mediation, "mediation", "settle", Settle)
    command("/mediations/{aggregate_id}/fail", Mediation, "mediation", "fail", Fail)
    reader("/mediations/{aggregate_id}", Mediation, "mediation")

    @api.post("/inspections", status_code=201)
    def complete_inspection(body: CompleteInspection, grid: Grid, actor: CaseWorker) -> dict[str, Any]:
        serves(actor, body.community_id)
        inspection = grid.complete_inspection(actor, **body.model_dump(mode="json", exclude_none=True)
                                              | {"grid_cell_id": body.grid_cell_id})
        return {"id": str(inspection.id), "case_ids": inspection.case_ids}

    reader("/inspections/{aggregate_id}", Inspection, "inspection")

    @api.post("/rentals", status_code=201, response_model=Created)
    def register_rental(body: RegisterRental, grid: Grid, actor: CaseWorker) -> Created:
        serves(actor, body.community_id)
        return Created(id=str(grid.register_rental(actor, **body.model_dump(mode="json"))))

    command("/rentals/{aggregate_id}/tenants", RentalHouse, "rental house", "register_tenant", RegisterTenant)

    @api.delete("/rentals/{aggregate_id}/tenants/{household_id}")
    def tenant_departed(aggregate_id: str, household_id: str, grid: Grid, actor: CaseWorker) -> dict[str, Any]:
        serves(actor, grid.community_of(aggregate_id, RentalHouse, "rental house"))
        grid.change(actor, RentalHouse, "rental house", aggregate_id, "tenant_departed", household_id=household_id)
        return grid.view(aggregate_id, RentalHouse, "rental house")

    reader("/rentals/{aggregate_id}", RentalHouse, "rental house")

    @api.post("/follow-ups", status_code=201, response_model=Created)
    def start_follow_up(body: StartFollowUp, grid: Grid, actor: CaseWorker) -> Created:
        serves(actor, body.community_id)
        return Created(id=str(grid.start_follow_up(actor, **body.model_dump(mode="json"))))

    command("/follow-ups/{aggregate_id}/visits", FollowUp, "follow-up", "record_visit", Visit)
    command("/follow-ups/{aggregate_id}/end", FollowUp, "follow-up", "end", EndFollowUp)
    reader("/follow-ups/{aggregate_id}", FollowUp, "follow-up")

    api.include_router(open311.router(), prefix="/open311/v2")
    return api
