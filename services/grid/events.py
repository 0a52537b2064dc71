"""The grid service's public events (topic `shequ.grid.v1`, keyed by aggregate id).

What consumers import (the district read side, other services' reactions,
`examples/overdue_notifier`): no domain. Nothing personal is published: no
reporter contact, landlord, tenant or supervised-person data, no mediation
agreement or notes. Case events carry category and grid cell so a consumer
needs no other state. The mapping from stored events is `services.grid.contract`.
"""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from pydantic import Field

from shared.platform.envelope import PublicEvent, PublicEventSet

CaseCategory = StrEnum("CaseCategory", [
    "noise", "sanitation", "roads_and_lighting", "drainage", "safety_hazard", "neighbour_dispute",
    "elderly_assistance", "other",
])
"""The grid domain's case categories (a test keeps the two equal)."""


class CommunityRegistered(PublicEvent):
    """A community joined the district directory."""

    community_id: str
    name: str
    district: str
    households: int
    residents: int
    floating_population: int


class CommunityDetailsUpdated(CommunityRegistered):
    """The directory entry of a community changed; carries every directory field."""



class GridCellDrawn(PublicEvent):
    cell_id: str
    name: str
    households: int


class GridWorkerAssigned(PublicEvent):
    cell_id: str
    worker_id: str = Field(description="Pseudonymous worker id")


class GridWorkerUnassigned(GridWorkerAssigned):
    """A grid worker was taken off a grid cell."""


class CaseReported(PublicEvent):
    """A resident report or service request was recorded."""

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

    version = 1
    outcome: str = Field(max_length=2000)


class CaseAccepted(CaseEvent):
    """A reported case was accepted for handling."""


class CaseAssigned(CaseEvent):
    assignee_kind: str
    assignee: str = Field(description="Pseudonymous worker id or department name")


class CaseEscalated(CaseEvent):
    level: str
    reason: str = Field(max_length=2000)


class CaseClosed(CaseEvent):
    satisfaction: int = Field(ge=1, le=5)


class CaseReopened(CaseEvent):
    deadline: datetime


class CaseRejected(CaseEvent):
    reason: str
    duplicate_of: str | None = None


class CaseNoteAdded(CaseEvent):
    """Staff were left a note on the case (the text is withheld; it may be personal)."""

    reference: str | None = Field(default=None, max_length=200, description="What caused the note, if anything")


class MediationEvent(PublicEvent):
    mediation_id: str
    dispute_type: str


class MediationOpened(MediationEvent):
    parties: int = Field(ge=2)
    case_id: str | None = None
    grid_cell_id: str | None = None


class MediationSessionHeld(MediationEvent):
    """A mediation session was held with the parties."""


class MediationSettled(MediationEvent):
    """A dispute was settled by mediation."""


class MediationFailed(MediationEvent):
    """A mediation ended without agreement."""


class InspectionCompleted(PublicEvent):
    inspection_id: str
    inspection_type: str
    site: str = Field(max_length=500)
    grid_cell_id: str | None = None
    hazards_found: int = Field(ge=0)
    case_ids: list[str] = Field(default_factory=list, description="Cases opened for the hazards")


class RentalHouseRegistered(PublicEvent):
    house_id: str
    grid_cell_id: str | None = None


class TenantHouseholdRegistered(PublicEvent):
    house_id: str
    household_id: str
    grid_cell_id: str | None = None
    size: int = Field(ge=1)
    floating: bool


class TenantHouseholdDeparted(TenantHouseholdRegistered):
    """A tenant household left a registered rental house."""


class FollowUpEvent(PublicEvent):
    follow_up_id: str
    group: str
    grid_cell_id: str | None = None


class FollowUpStarted(FollowUpEvent):
    """Follow-up of a special-group person started."""


class FollowUpVisitRecorded(FollowUpEvent):
    """A follow-up visit to a special-group person was recorded."""


class FollowUpEnded(FollowUpEvent):
    outcome: str
    reoffended: bool


class VisitRecorded(PublicEvent):
    """A grid worker visited a household or a special-group person (走访). The findings are withheld (they may be
    personal); the household or person is an opaque reference (a register number, or the follow-up id)."""

    visit_id: str
    grid_cell_id: str
    worker_id: str = Field(description="Pseudonymous worker id")
    target_kind: str = Field(description="household or person")
    target_id: str = Field(max_length=64, description="Opaque household reference, or the person's follow-up id")
    purpose: str
    visited_on: date
    follow_up: str = Field(description="none, open_case or start_follow_up")
    case_id: str | None = Field(default=None, description="The case the visit opened")
    follow_up_id: str | None = Field(default=None, description="The special-group follow-up the visit started")


public_events = PublicEventSet("grid", [
    CommunityRegistered, CommunityDetailsUpdated, GridCellDrawn, GridWorkerAssigned, GridWorkerUnassigned,
    CaseReported, CaseResolved, CaseAccepted, CaseAssigned, CaseEscalated, CaseClosed, CaseReopened, CaseRejected,
    CaseNoteAdded, MediationOpened, MediationSessionHeld, MediationSettled, MediationFailed, InspectionCompleted,
    RentalHouseRegistered, TenantHouseholdRegistered, TenantHouseholdDeparted, FollowUpStarted,
    FollowUpVisitRecorded, FollowUpEnded, VisitRecorded,
])
