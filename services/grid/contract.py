"""The grid service's public events (topic `shequ.grid.v1`, keyed by aggregate id).

A deliberate mapping from stored events: fields are chosen for consumers (the
district read side); nothing personal is published: no reporter contact,
landlord, tenant or supervised-person data, no mediation agreement or notes.
Case events carry category and grid cell so a consumer needs no other state.
"""

from __future__ import annotations

from datetime import datetime

from pydantic import Field

from services.grid.domain import (
    Case, CaseCategory, Community, FollowUp, GridCell, Inspection, Mediation, RentalHouse,
)
from shared.platform.envelope import EventContract, PublicEvent

contract = EventContract("grid")


def _publish(stored: type, public: type[PublicEvent], convert) -> None:  # noqa: ANN001
    contract.publishes(stored, public)(convert)


# -- directory ------------------------------------------------------------------


class CommunityRegistered(PublicEvent):
    """A community joined the district directory."""

    event_name = "CommunityRegistered"
    community_id: str
    name: str
    district: str
    households: int
    residents: int
    floating_population: int


class CommunityDetailsUpdated(CommunityRegistered):
    """The directory entry of a community changed; carries every directory field."""

    event_name = "CommunityDetailsUpdated"


def _directory(public: type[CommunityRegistered]):  # noqa: ANN202
    return lambda e: public(community_id=e.community_id, name=e.name, district=e.district,
                            households=e.households, residents=e.residents, floating_population=e.floating_population)


_publish(Community.Registered, CommunityRegistered, _directory(CommunityRegistered))
_publish(Community.DetailsUpdated, CommunityDetailsUpdated, _directory(CommunityDetailsUpdated))


class GridCellDrawn(PublicEvent):
    event_name = "GridCellDrawn"
    cell_id: str
    name: str
    households: int


class GridWorkerAssigned(PublicEvent):
    event_name = "GridWorkerAssigned"
    cell_id: str
    worker_id: str = Field(description="Pseudonymous worker id")


class GridWorkerUnassigned(GridWorkerAssigned):
    event_name = "GridWorkerUnassigned"


_publish(GridCell.Drawn, GridCellDrawn,
         lambda e: GridCellDrawn(cell_id=str(e.originator_id), name=e.name, households=e.households))
_publish(GridCell.WorkerAssigned, GridWorkerAssigned,
         lambda e: GridWorkerAssigned(cell_id=str(e.originator_id), worker_id=e.worker_id))
_publish(GridCell.WorkerUnassigned, GridWorkerUnassigned,
         lambda e: GridWorkerUnassigned(cell_id=str(e.originator_id), worker_id=e.worker_id))

# -- cases ----------------------------------------------------------------------


class CaseReported(PublicEvent):
    """A resident report or service request was recorded."""

    event_name = "CaseReported"
    version = 1
    case_id: str
    category: CaseCategory
    description: str = Field(max_length=2000)
    channel: str | None = None
    grid_cell_id: str | None = None
    deadline: datetime | None = Field(default=None, description="Resolve by; overdue after this")


class CaseEvent(PublicEvent):
    case_id: str
    category: CaseCategory | None = None
    grid_cell_id: str | None = None


class CaseResolved(CaseEvent):
    """A case was resolved."""

    event_name = "CaseResolved"
    version = 1
    outcome: str = Field(max_length=2000)


class CaseAccepted(CaseEvent):
    event_name = "CaseAccepted"


class CaseAssigned(CaseEvent):
    event_name = "CaseAssigned"
    assignee_kind: str
    assignee: str = Field(description="Pseudonymous worker id or department name")


class CaseEscalated(CaseEvent):
    event_name = "CaseEscalated"
    level: str
    reason: str = Field(max_length=2000)


class CaseClosed(CaseEvent):
    event_name = "CaseClosed"
    satisfaction: int = Field(ge=1, le=5)


class CaseReopened(CaseEvent):
    event_name = "CaseReopened"
    deadline: datetime


class CaseRejected(CaseEvent):
    event_name = "CaseRejected"
    reason: str
    duplicate_of: str | None = None


class CaseNoteAdded(CaseEvent):
    """Staff were left a note on the case (the text is withheld; it may be personal)."""

    event_name = "CaseNoteAdded"
    reference: str | None = Field(default=None, max_length=200, description="What caused the note, if anything")


def _case(public: type[CaseEvent], **fields: str):  # noqa: ANN202
    """Converter for a later case event (which carries the case's category and cell)."""

    def convert(e):  # noqa: ANN001, ANN202
        return public(case_id=str(e.originator_id), category=getattr(e, "category", None),
                      grid_cell_id=getattr(e, "grid_cell_id", None), **{k: getattr(e, v) for k, v in fields.items()})

    return convert


_publish(Case.Reported, CaseReported, lambda e: CaseReported(
    case_id=str(e.originator_id), category=e.category, description=e.description,
    channel=getattr(e, "channel", None), grid_cell_id=getattr(e, "grid_cell_id", None),
    deadline=getattr(e, "deadline", None)))
_publish(Case.Accepted, CaseAccepted, _case(CaseAccepted))
_publish(Case.Assigned, CaseAssigned, _case(CaseAssigned, assignee_kind="assignee_kind", assignee="assignee"))
_publish(Case.Escalated, CaseEscalated, _case(CaseEscalated, level="level", reason="reason"))
_publish(Case.Resolved, CaseResolved, _case(CaseResolved, outcome="outcome"))
_publish(Case.Closed, CaseClosed, _case(CaseClosed, satisfaction="satisfaction"))
_publish(Case.Reopened, CaseReopened, _case(CaseReopened, deadline="deadline"))
_publish(Case.NoteAdded, CaseNoteAdded, _case(CaseNoteAdded, reference="reference"))
_publish(Case.Rejected, CaseRejected, _case(CaseRejected, reason="reason", duplicate_of="duplicate_of"))

# -- mediation --------------------------------------------------------------------


class MediationEvent(PublicEvent):
    mediation_id: str
    dispute_type: str


class MediationOpened(MediationEvent):
    event_name = "MediationOpened"
    parties: int = Field(ge=2)
    case_id: str | None = None
    grid_cell_id: str | None = None


class MediationSessionHeld(MediationEvent):
    event_name = "MediationSessionHeld"


class MediationSettled(MediationEvent):
    event_name = "MediationSettled"


class MediationFailed(MediationEvent):
    event_name = "MediationFailed"


_publish(Mediation.Opened, MediationOpened, lambda e: MediationOpened(
    mediation_id=str(e.originator_id), dispute_type=e.dispute_type, parties=e.parties, case_id=e.case_id,
    grid_cell_id=e.grid_cell_id))
for _stored, _public in ((Mediation.SessionHeld, MediationSessionHeld), (Mediation.Settled, MediationSettled),
                         (Mediation.Failed, MediationFailed)):
    _publish(_stored, _public, lambda e, p=_public: p(mediation_id=str(e.originator_id), dispute_type=e.dispute_type))

# -- inspections ------------------------------------------------------------------


class InspectionCompleted(PublicEvent):
    event_name = "InspectionCompleted"
    inspection_id: str
    inspection_type: str
    site: str = Field(max_length=500)
    grid_cell_id: str | None = None
    hazards_found: int = Field(ge=0)
    case_ids: list[str] = Field(default_factory=list, description="Cases opened for the hazards")


_publish(Inspection.Completed, InspectionCompleted, lambda e: InspectionCompleted(
    inspection_id=str(e.originator_id), inspection_type=e.inspection_type, site=e.site,
    grid_cell_id=e.grid_cell_id, hazards_found=len(e.hazards), case_ids=e.case_ids))

# -- rental registry ----------------------------------------------------------------


class RentalHouseRegistered(PublicEvent):
    event_name = "RentalHouseRegistered"
    house_id: str
    grid_cell_id: str | None = None


class TenantHouseholdRegistered(PublicEvent):
    event_name = "TenantHouseholdRegistered"
    house_id: str
    household_id: str
    grid_cell_id: str | None = None
    size: int = Field(ge=1)
    floating: bool


class TenantHouseholdDeparted(TenantHouseholdRegistered):
    event_name = "TenantHouseholdDeparted"


_publish(RentalHouse.Registered, RentalHouseRegistered,
         lambda e: RentalHouseRegistered(house_id=str(e.originator_id), grid_cell_id=e.grid_cell_id))
for _stored, _public in ((RentalHouse.TenantRegistered, TenantHouseholdRegistered),
                         (RentalHouse.TenantDeparted, TenantHouseholdDeparted)):
    _publish(_stored, _public, lambda e, p=_public: p(
        house_id=str(e.originator_id), household_id=e.household_id, grid_cell_id=e.grid_cell_id, size=e.size,
        floating=e.floating))

# -- special-group follow-up ---------------------------------------------------------


class FollowUpEvent(PublicEvent):
    follow_up_id: str
    group: str
    grid_cell_id: str | None = None


class FollowUpStarted(FollowUpEvent):
    event_name = "FollowUpStarted"


class FollowUpVisitRecorded(FollowUpEvent):
    event_name = "FollowUpVisitRecorded"


class FollowUpEnded(FollowUpEvent):
    event_name = "FollowUpEnded"
    outcome: str
    reoffended: bool


for _stored, _public in ((FollowUp.Started, FollowUpStarted), (FollowUp.VisitRecorded, FollowUpVisitRecorded)):
    _publish(_stored, _public, lambda e, p=_public: p(follow_up_id=str(e.originator_id), group=e.group,
                                                       grid_cell_id=e.grid_cell_id))
_publish(FollowUp.Ended, FollowUpEnded, lambda e: FollowUpEnded(
    follow_up_id=str(e.originator_id), group=e.group, grid_cell_id=e.grid_cell_id, outcome=e.outcome,
    reoffended=e.reoffended))
