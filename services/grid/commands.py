"""Grid commands: what a caller asks the grid to do, typed and validated (the HTTP request bodies)."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, model_validator

from services.grid.domain import (
    AssigneeKind, CaseCategory, Channel, DisputeType, EscalationLevel, FollowUpOutcome, InspectionType,
    RejectionReason, SpecialGroup, VISIT_TARGET_ID, VisitFollowUp, VisitPurpose, VisitTarget,
)

COMMUNITY_ID = Field(min_length=1, max_length=64, pattern=r"^[a-z0-9][a-z0-9-]*$")
Text = Annotated[str, Field(min_length=1, max_length=2000)]
Name = Annotated[str, Field(min_length=1, max_length=200)]
Count = Annotated[int, Field(ge=0, le=10_000_000)]


class Command(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Location(Command):
    lat: float | None = Field(default=None, ge=-90, le=90)
    long: float | None = Field(default=None, ge=-180, le=180)
    address: str | None = Field(default=None, min_length=1, max_length=500)

    @model_validator(mode="after")
    def point_or_address(self) -> Location:
        if (self.lat is None) != (self.long is None) or (self.lat is None and self.address is None):
            raise ValueError("give lat and long, or an address")
        return self


class Contact(Command):
    name: str | None = Field(default=None, max_length=200)
    phone: str | None = Field(default=None, max_length=50)
    email: str | None = Field(default=None, max_length=200)


class ReportCase(Command):
    community_id: str = COMMUNITY_ID
    category: CaseCategory
    description: str = Field(min_length=1, max_length=2000)
    channel: Channel = Channel.RESIDENT
    grid_cell_id: str | None = None
    location: Location | None = None
    reporter_contact: Contact | None = None
    attributes: dict[str, str] = Field(default_factory=dict)


class ReportServiceRequest(ReportCase):
    """A case reported through the Open311 front door (open311.py parses its form): the location and the
    contact keep Open311's own fields, and the domain validates the location as for any report."""

    location: dict[str, Any] | None = None  # type: ignore[assignment]
    reporter_contact: dict[str, str] | None = None  # type: ignore[assignment]


class ResolveCase(Command):
    outcome: str = Field(min_length=1, max_length=2000)


class AssignCase(Command):
    worker_id: str | None = Field(default=None, min_length=1, max_length=64)
    department: str | None = Field(default=None, min_length=1, max_length=200)

    @model_validator(mode="after")
    def exactly_one(self) -> AssignCase:
        if (self.worker_id is None) == (self.department is None):
            raise ValueError("give exactly one of worker_id or department")
        return self

    @property
    def assignee_kind(self) -> AssigneeKind:
        return AssigneeKind.WORKER if self.worker_id else AssigneeKind.DEPARTMENT

    @property
    def assignee(self) -> str:
        return self.worker_id or self.department  # type: ignore[return-value]  # exactly one is set


class EscalateCase(Command):
    level: EscalationLevel
    reason: Text


class CloseCase(Command):
    satisfaction: int = Field(ge=1, le=5)


class ReopenCase(Command):
    reason: Text


class RejectCase(Command):
    reason: RejectionReason
    duplicate_of: str | None = None


class RegisterCommunity(Command):
    id: str = COMMUNITY_ID
    name: Name
    district: Name
    households: Count
    residents: Count
    floating_population: Count = 0


class UpdateCommunity(Command):
    name: Name | None = None
    district: Name | None = None
    households: Count | None = None
    residents: Count | None = None
    floating_population: Count | None = None


class DrawCell(Command):
    community_id: str = COMMUNITY_ID
    name: Name
    households: Count = 0


class AssignWorker(Command):
    worker_id: str = Field(min_length=1, max_length=64, description="Pseudonymous worker id")


class OpenMediation(Command):
    community_id: str = COMMUNITY_ID
    dispute_type: DisputeType
    parties: int = Field(ge=2, le=1000)
    case_id: str | None = None
    grid_cell_id: str | None = None
    summary: str = Field(default="", max_length=2000)


class HoldSession(Command):
    notes: str = Field(default="", max_length=2000)


class SettleMediation(Command):
    agreement: Text


class FailMediation(Command):
    reason: Text


class Hazard(Command):
    description: Text
    category: CaseCategory = CaseCategory.SAFETY_HAZARD
    location: Location | None = None
    attributes: dict[str, str] | None = Field(default=None, description="Default for safety hazards: kind other")

    def case_attributes(self) -> dict[str, str]:
        """The attributes of the case opened for this hazard: a safety hazard needs a kind."""
        if self.attributes is not None:
            return self.attributes
        return {"hazard_kind": "other"} if self.category == CaseCategory.SAFETY_HAZARD else {}


class CompleteInspection(Command):
    community_id: str = COMMUNITY_ID
    inspection_type: InspectionType
    site: Name
    grid_cell_id: str | None = None
    hazards: list[Hazard] = Field(default_factory=list, max_length=100)
    open_cases: bool = False


class RegisterRental(Command):
    community_id: str = COMMUNITY_ID
    address: Name
    landlord: Contact
    grid_cell_id: str | None = None


class RegisterTenant(Command):
    size: int = Field(ge=1, le=100)
    floating: bool
    details: dict[str, str] = Field(default_factory=dict, description="Personal data; kept in the service")


class StartFollowUp(Command):
    community_id: str = COMMUNITY_ID
    group: SpecialGroup
    person: dict[str, str] = Field(default_factory=dict, description="Personal data; kept in the service")
    grid_cell_id: str | None = None


class RecordVisit(Command):
    notes: str = Field(default="", max_length=2000)


class EndFollowUp(Command):
    outcome: FollowUpOutcome
    reoffended: bool


class VisitCase(Command):
    """The case a visit opens: reported by the grid worker in the visit's cell."""

    category: CaseCategory
    description: Text
    attributes: dict[str, str] = Field(default_factory=dict)


class VisitFollowUpStart(Command):
    """The special-group follow-up a visit starts, in the visit's cell."""

    group: SpecialGroup
    person: dict[str, str] = Field(default_factory=dict, description="Personal data; kept in the service")


class RecordHouseholdVisit(Command):
    """A visit (走访) to a household (an opaque register reference) or a special-group person (their follow-up id).

    A grid worker records their own visit; staff record a worker's visit with `worker_id`. Asking for a
    follow-up opens a case (`case`) or starts a special-group follow-up (`start_follow_up`)."""

    community_id: str = COMMUNITY_ID
    grid_cell_id: str = Field(min_length=1, max_length=64)
    target_kind: VisitTarget
    target_id: str = Field(pattern=VISIT_TARGET_ID, description="Opaque household reference or follow-up id")
    purpose: VisitPurpose
    visited_on: date
    findings: str = Field(default="", max_length=2000, description="Kept in the service; may be personal")
    worker_id: str | None = Field(default=None, min_length=1, max_length=64,
                                  description="Pseudonymous worker id; a grid worker's own when omitted")
    case: VisitCase | None = None
    start_follow_up: VisitFollowUpStart | None = None

    @model_validator(mode="after")
    def one_follow_up(self) -> RecordHouseholdVisit:
        if self.case is not None and self.start_follow_up is not None:
            raise ValueError("a visit opens a case or starts a follow-up, not both")
        return self

    @property
    def follow_up(self) -> VisitFollowUp:
        if self.case is not None:
            return VisitFollowUp.OPEN_CASE
        return VisitFollowUp.START_FOLLOW_UP if self.start_follow_up is not None else VisitFollowUp.NONE
