"""Grid aggregates. Events are named in the past tense.

Personal data (reporter contact, landlord, tenants, supervised persons, notes)
lives only in stored events; the public contract never maps it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from enum import StrEnum
from typing import Any
from uuid import UUID, uuid4, uuid5

from eventsourcing.domain import event

from shared.kernel.aggregate import CommunityAggregate
from shared.kernel.errors import Conflict, Invalid
from shared.kernel import clock

COMMUNITY_NAMESPACE = UUID("5d0f3c1e-2b7a-4a51-9c3e-7f1a2b3c4d5e")


class CaseCategory(StrEnum):
    NOISE = "noise"
    SANITATION = "sanitation"
    ROADS_AND_LIGHTING = "roads_and_lighting"
    DRAINAGE = "drainage"
    SAFETY_HAZARD = "safety_hazard"
    NEIGHBOUR_DISPUTE = "neighbour_dispute"
    ELDERLY_ASSISTANCE = "elderly_assistance"
    OTHER = "other"


@dataclass(frozen=True)
class Attribute:
    """An Open311 service attribute: extra information a report of this category may carry."""

    code: str
    description: str
    required: bool = False
    values: tuple[tuple[str, str], ...] = ()  # (key, name); empty means free text

    @property
    def datatype(self) -> str:
        return "singlevaluelist" if self.values else "string"


@dataclass(frozen=True)
class CategorySpec:
    name: str
    description: str
    resolve_within_hours: int
    group: str
    attributes: tuple[Attribute, ...] = field(default=())


CATALOGUE: dict[CaseCategory, CategorySpec] = {
    CaseCategory.NOISE: CategorySpec(
        "Noise", "Noise from neighbours, shops, building sites", 72, "environment",
        (Attribute("time_of_day", "When does the noise happen?", values=(("day", "Day"), ("night", "Night"))),)),
    CaseCategory.SANITATION: CategorySpec("Sanitation", "Rubbish, cleaning, septic tanks", 48, "environment"),
    CaseCategory.ROADS_AND_LIGHTING: CategorySpec("Roads and lighting", "Potholes, broken street lamps", 120,
                                                  "infrastructure"),
    CaseCategory.DRAINAGE: CategorySpec("Drainage", "Blocked sewers, manholes, flooding", 48, "infrastructure"),
    CaseCategory.SAFETY_HAZARD: CategorySpec(
        "Safety hazard", "Fire, electrical or structural danger", 24, "safety",
        (Attribute("hazard_kind", "Kind of hazard", required=True,
                   values=(("fire", "Fire"), ("electrical", "Electrical"), ("structural", "Structural"),
                           ("other", "Other"))),)),
    CaseCategory.NEIGHBOUR_DISPUTE: CategorySpec("Neighbour dispute", "Disputes between neighbours", 168, "safety"),
    CaseCategory.ELDERLY_ASSISTANCE: CategorySpec("Elderly assistance", "Help for elderly residents", 24, "welfare"),
    CaseCategory.OTHER: CategorySpec("Other", "Anything else", 168, "other"),
}


class Channel(StrEnum):
    RESIDENT = "resident"
    GRID_WORKER = "grid_worker"
    PATROL = "patrol"
    HOTLINE = "hotline"
    VOLUNTEER = "volunteer"
    OPEN311 = "open311"


class CaseStatus(StrEnum):
    REPORTED = "reported"
    ACCEPTED = "accepted"
    ASSIGNED = "assigned"
    ESCALATED = "escalated"
    RESOLVED = "resolved"
    CLOSED = "closed"
    REOPENED = "reopened"
    REJECTED = "rejected"


S = CaseStatus
ACTIVE = frozenset({S.REPORTED, S.ACCEPTED, S.ASSIGNED, S.ESCALATED, S.REOPENED})
# Command -> the states it is allowed from; from every other state it is a 409.
TRANSITIONS: dict[str, frozenset[CaseStatus]] = {
    "accept": frozenset({S.REPORTED}),
    "assign": frozenset({S.ACCEPTED, S.ASSIGNED, S.ESCALATED, S.REOPENED}),
    "escalate": frozenset({S.ACCEPTED, S.ASSIGNED, S.ESCALATED, S.REOPENED}),
    "resolve": ACTIVE,
    "close": frozenset({S.RESOLVED}),
    "reopen": frozenset({S.RESOLVED, S.CLOSED}),
    "reject": frozenset({S.REPORTED, S.ACCEPTED}),
}
OPEN_STATES = ACTIVE  # Open311 "open"; everything else is "closed"


class AssigneeKind(StrEnum):
    WORKER = "worker"
    DEPARTMENT = "department"


class EscalationLevel(StrEnum):
    STREET = "street"
    DISTRICT = "district"


class RejectionReason(StrEnum):
    DUPLICATE = "duplicate"
    NOT_OUR_RESPONSIBILITY = "not_our_responsibility"


def deadline_for(category: str, start: datetime) -> datetime:
    return start + timedelta(hours=CATALOGUE[CaseCategory(category)].resolve_within_hours)


def validate_location(location: dict[str, Any] | None) -> None:
    if location is None:
        return
    has_point = location.get("lat") is not None and location.get("long") is not None
    if not has_point and not location.get("address"):
        raise Invalid("a location needs lat and long, or an address", field="location")
    if has_point and not (-90 <= location["lat"] <= 90 and -180 <= location["long"] <= 180):
        raise Invalid("lat/long out of range", field="location")


def validate_attributes(category: str, attributes: dict[str, str]) -> None:
    known = {a.code: a for a in CATALOGUE[CaseCategory(category)].attributes}
    for code, value in attributes.items():
        if code not in known:
            raise Invalid(f"category {category} has no attribute {code!r}", field="attributes")
        if known[code].values and value not in {k for k, _ in known[code].values}:
            raise Invalid(f"attribute {code!r} must be one of {[k for k, _ in known[code].values]}",
                          field="attributes")
    missing = [c for c, a in known.items() if a.required and c not in attributes]
    if missing:
        raise Invalid(f"category {category} requires attribute(s) {missing}", field="attributes")


class Community(CommunityAggregate):
    """A community in the district directory; its id is derived from its slug."""

    @staticmethod
    def create_id(community_id: str, **_: Any) -> UUID:
        return uuid5(COMMUNITY_NAMESPACE, community_id)

    @event("Registered")
    def __init__(self, community_id: str, name: str, district: str, households: int, residents: int,
                 floating_population: int) -> None:
        self.community_id = community_id
        self.name, self.district = name, district
        self.households, self.residents, self.floating_population = households, residents, floating_population

    def update(self, **changes: Any) -> None:
        changes = {k: v for k, v in changes.items() if v is not None}
        if not changes:
            raise Invalid("nothing to update")
        self._details_updated(**{f: changes.get(f, getattr(self, f)) for f in DIRECTORY_FIELDS})

    @event("DetailsUpdated")
    def _details_updated(self, name: str, district: str, households: int, residents: int,
                         floating_population: int) -> None:
        self.name, self.district = name, district
        self.households, self.residents, self.floating_population = households, residents, floating_population


DIRECTORY_FIELDS = ("name", "district", "households", "residents", "floating_population")


class GridCell(CommunityAggregate):
    """A grid cell of a community, served by grid workers (pseudonymous ids)."""

    @event("Drawn")
    def __init__(self, community_id: str, name: str, households: int) -> None:
        self.community_id, self.name, self.households = community_id, name, households
        self.workers: list[str] = []

    def assign_worker(self, worker_id: str) -> None:
        if worker_id in self.workers:
            raise Conflict(f"worker {worker_id} already serves grid cell {self.name}")
        self._worker_assigned(worker_id)

    @event("WorkerAssigned")
    def _worker_assigned(self, worker_id: str) -> None:
        self.workers.append(worker_id)

    def unassign_worker(self, worker_id: str) -> None:
        if worker_id not in self.workers:
            raise Conflict(f"worker {worker_id} does not serve grid cell {self.name}")
        self._worker_unassigned(worker_id)

    @event("WorkerUnassigned")
    def _worker_unassigned(self, worker_id: str) -> None:
        self.workers.remove(worker_id)


class Case(CommunityAggregate):
    """A resident report or service request, from report to closure."""

    class Reported(CommunityAggregate.Created):
        """The stored "case reported" event, version 2.

        Version 1 (the first release) recorded only community_id, category and
        description. Version 2 adds how the case came in and where: channel, grid
        cell, structured location (lat/long and/or address), reporter contact,
        Open311 attributes and the resolve-by deadline. Events stored before
        class versions were recorded carry no `class_version` and are read as v1,
        so the upcaster only fills in what is missing (a no-op on events that have
        the v2 fields). It invents nothing: no location, no deadline for old cases.
        """

        class_version = 2
        category: str
        description: str
        channel: str = "resident"
        grid_cell_id: str | None = None
        location: dict | None = None
        reporter_contact: dict | None = None
        attributes: dict | None = None
        deadline: datetime | None = None

        @staticmethod
        def upcast_v1_v2(state: dict[str, Any]) -> None:
            state.setdefault("channel", Channel.RESIDENT.value)  # v1 had only the resident report form
            for name in ("grid_cell_id", "location", "reporter_contact", "deadline"):
                state.setdefault(name, None)
            state.setdefault("attributes", {})

    @classmethod
    def report(cls, *, community_id: str, category: str, description: str, channel: str = Channel.RESIDENT,
               grid_cell_id: str | None = None, location: dict[str, Any] | None = None,
               reporter_contact: dict[str, str] | None = None, attributes: dict[str, str] | None = None,
               now: datetime | None = None) -> Case:
        category = CaseCategory(category)
        validate_location(location)
        validate_attributes(category, attributes or {})
        deadline = deadline_for(category, now or clock.now())
        return cls(community_id=community_id, category=category.value, description=description,
                   channel=Channel(channel).value, grid_cell_id=grid_cell_id, location=location,
                   reporter_contact=reporter_contact, attributes=attributes or {}, deadline=deadline)

    @event("Reported")
    def __init__(self, community_id: str, category: str, description: str, channel: str = "resident",
                 grid_cell_id: str | None = None, location: dict | None = None,
                 reporter_contact: dict | None = None, attributes: dict | None = None,
                 deadline: datetime | None = None) -> None:
        self.community_id, self.category, self.description = community_id, category, description
        self.channel, self.grid_cell_id, self.location = channel, grid_cell_id, location
        self.reporter_contact, self.attributes, self.deadline = reporter_contact, attributes or {}, deadline
        self.status = CaseStatus.REPORTED
        self.outcome: str | None = None
        self.assignee_kind: str | None = None
        self.assignee: str | None = None
        self.escalation: str | None = None
        self.status_notes: str | None = None
        self.satisfaction: int | None = None
        self.duplicate_of: str | None = None
        self.resolved_at: datetime | None = None
        self.notes: list[dict[str, Any]] = []

    def _require(self, command: str) -> None:
        if self.status not in TRANSITIONS[command]:
            allowed = ", ".join(sorted(TRANSITIONS[command]))
            raise Conflict(f"case {self.id} is {self.status}; {command} needs a case that is {allowed}")

    @property
    def _context(self) -> dict[str, Any]:
        """Carried by every later case event, so each is readable on its own."""
        return {"category": self.category, "grid_cell_id": self.grid_cell_id}

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATES

    def accept(self) -> None:
        self._require("accept")
        self._accepted(**self._context)

    @event("Accepted")
    def _accepted(self, category: str, grid_cell_id: str | None) -> None:
        self.status = CaseStatus.ACCEPTED

    def assign(self, kind: str, assignee: str) -> None:
        self._require("assign")
        self._assigned(AssigneeKind(kind).value, assignee, **self._context)

    @event("Assigned")
    def _assigned(self, assignee_kind: str, assignee: str, category: str, grid_cell_id: str | None) -> None:
        self.status = CaseStatus.ASSIGNED
        self.assignee_kind, self.assignee = assignee_kind, assignee

    def escalate(self, level: str, reason: str) -> None:
        self._require("escalate")
        level = EscalationLevel(level)
        if self.escalation == EscalationLevel.DISTRICT or self.escalation == level:
            raise Conflict(f"case {self.id} is already escalated to {self.escalation}")
        self._escalated(level.value, reason, **self._context)

    @event("Escalated")
    def _escalated(self, level: str, reason: str, category: str, grid_cell_id: str | None) -> None:
        self.status = CaseStatus.ESCALATED
        self.escalation, self.status_notes = level, reason

    def resolve(self, outcome: str) -> None:
        self._require("resolve")
        self._resolved(outcome, **self._context)

    @event("Resolved")
    def _resolved(self, outcome: str, category: str | None = None, grid_cell_id: str | None = None) -> None:
        self.status = CaseStatus.RESOLVED
        self.outcome = self.status_notes = outcome

    def add_note(self, notes: str, reference: str | None = None) -> bool:
        """A note for staff, in any state. With a `reference` (e.g. the event that caused it), adding the
        same reference again is a no-op that returns False, so a redelivered message adds one note."""
        if not notes.strip():
            raise Invalid("a note needs text", field="notes")
        if reference is not None and any(n.get("reference") == reference for n in self.notes):
            return False
        self._note_added(notes, reference, **self._context)
        return True

    @event("NoteAdded")
    def _note_added(self, notes: str, reference: str | None, category: str, grid_cell_id: str | None) -> None:
        self.notes.append({"notes": notes, "reference": reference})

    def close(self, satisfaction: int) -> None:
        self._require("close")
        if not 1 <= satisfaction <= 5:
            raise Invalid("satisfaction must be 1 to 5", field="satisfaction")
        self._closed(satisfaction, **self._context)

    @event("Closed")
    def _closed(self, satisfaction: int, category: str, grid_cell_id: str | None) -> None:
        self.status = CaseStatus.CLOSED
        self.satisfaction = satisfaction

    def reopen(self, reason: str, now: datetime | None = None) -> None:
        self._require("reopen")
        self._reopened(reason, deadline_for(self.category, now or clock.now()), **self._context)

    @event("Reopened")
    def _reopened(self, reason: str, deadline: datetime, category: str, grid_cell_id: str | None) -> None:
        self.status = CaseStatus.REOPENED
        self.status_notes, self.deadline, self.outcome, self.satisfaction = reason, deadline, None, None

    def reject(self, reason: str, duplicate_of: str | None = None) -> None:
        self._require("reject")
        reason = RejectionReason(reason)
        if (reason == RejectionReason.DUPLICATE) != (duplicate_of is not None):
            raise Invalid("duplicate_of is required for a duplicate, and only then", field="duplicate_of")
        if duplicate_of == str(self.id):
            raise Invalid("a case cannot duplicate itself", field="duplicate_of")
        self._rejected(reason.value, duplicate_of, **self._context)

    @event("Rejected")
    def _rejected(self, reason: str, duplicate_of: str | None, category: str, grid_cell_id: str | None) -> None:
        self.status = CaseStatus.REJECTED
        self.duplicate_of = duplicate_of
        self.status_notes = f"duplicate of {duplicate_of}" if duplicate_of else reason.replace("_", " ")


class DisputeType(StrEnum):
    NEIGHBOUR = "neighbour"
    FAMILY = "family"
    PROPERTY = "property"
    LABOUR = "labour"
    OTHER = "other"


class MediationStatus(StrEnum):
    OPEN = "open"
    SETTLED = "settled"
    FAILED = "failed"


class Mediation(CommunityAggregate):
    """A dispute mediated by the community (人民调解)."""

    @classmethod
    def open(cls, *, community_id: str, dispute_type: str, parties: int, case_id: str | None = None,
             grid_cell_id: str | None = None, summary: str = "") -> Mediation:
        if parties < 2:
            raise Invalid("a dispute has at least two parties", field="parties")
        return cls(community_id=community_id, dispute_type=DisputeType(dispute_type).value, parties=parties,
                   case_id=case_id, grid_cell_id=grid_cell_id, summary=summary)

    @event("Opened")
    def __init__(self, community_id: str, dispute_type: str, parties: int, case_id: str | None,
                 grid_cell_id: str | None, summary: str) -> None:
        self.community_id, self.dispute_type, self.parties = community_id, dispute_type, parties
        self.case_id, self.grid_cell_id, self.summary = case_id, grid_cell_id, summary
        self.status = MediationStatus.OPEN
        self.sessions = 0
        self.agreement: str | None = None
        self.failure_reason: str | None = None

    def _require_open(self) -> None:
        if self.status != MediationStatus.OPEN:
            raise Conflict(f"mediation {self.id} is {self.status}; only an open mediation can change")

    def hold_session(self, notes: str = "") -> None:
        self._require_open()
        self._session_held(notes, self.dispute_type)

    @event("SessionHeld")
    def _session_held(self, notes: str, dispute_type: str) -> None:
        self.sessions += 1

    def settle(self, agreement: str) -> None:
        self._require_open()
        self._settled(agreement, self.dispute_type)

    @event("Settled")
    def _settled(self, agreement: str, dispute_type: str) -> None:
        self.status, self.agreement = MediationStatus.SETTLED, agreement

    def fail(self, reason: str) -> None:
        self._require_open()
        self._failed(reason, self.dispute_type)

    @event("Failed")
    def _failed(self, reason: str, dispute_type: str) -> None:
        self.status, self.failure_reason = MediationStatus.FAILED, reason


class InspectionType(StrEnum):
    FIRE_SAFETY = "fire_safety"
    KEY_SITE = "key_site"
    ENVIRONMENT = "environment"
    SANITATION = "sanitation"


class Inspection(CommunityAggregate):
    """A completed inspection or patrol, with the hazards it found."""

    @event("Completed")
    def __init__(self, community_id: str, inspection_type: str, site: str, grid_cell_id: str | None,
                 hazards: list[dict], case_ids: list[str]) -> None:
        self.community_id, self.inspection_type, self.site = community_id, inspection_type, site
        self.grid_cell_id, self.hazards, self.case_ids = grid_cell_id, hazards, case_ids


class RentalHouse(CommunityAggregate):
    """A registered rental house and the tenant households living in it."""

    @event("Registered")
    def __init__(self, community_id: str, address: str, landlord: dict, grid_cell_id: str | None) -> None:
        self.community_id, self.address, self.landlord, self.grid_cell_id = community_id, address, landlord, grid_cell_id
        self.tenants: dict[str, dict[str, Any]] = {}

    def register_tenant(self, *, size: int, floating: bool, details: dict[str, Any]) -> str:
        if size < 1:
            raise Invalid("a household has at least one person", field="size")
        household_id = str(uuid4())
        self._tenant_registered(household_id, size, floating, details, self.grid_cell_id)
        return household_id

    @event("TenantRegistered")
    def _tenant_registered(self, household_id: str, size: int, floating: bool, details: dict,
                           grid_cell_id: str | None) -> None:
        self.tenants[household_id] = {"size": size, "floating": floating, "details": details}

    def tenant_departed(self, household_id: str) -> None:
        tenant = self.tenants.get(household_id)
        if tenant is None:
            raise Conflict(f"household {household_id} does not live in rental house {self.id}")
        self._tenant_departed(household_id, tenant["size"], tenant["floating"], self.grid_cell_id)

    @event("TenantDeparted")
    def _tenant_departed(self, household_id: str, size: int, floating: bool, grid_cell_id: str | None) -> None:
        del self.tenants[household_id]


class SpecialGroup(StrEnum):
    RELEASED_PRISONER = "released_prisoner"
    COMMUNITY_CORRECTION = "community_correction"


class FollowUpOutcome(StrEnum):
    COMPLETED = "completed"
    TRANSFERRED = "transferred"
    MOVED_AWAY = "moved_away"
    OTHER = "other"


class FollowUp(CommunityAggregate):
    """Follow-up of a person in a special group (安置帮教 / 社区矫正)."""

    @event("Started")
    def __init__(self, community_id: str, group: str, person: dict, grid_cell_id: str | None) -> None:
        self.community_id, self.group, self.person, self.grid_cell_id = community_id, group, person, grid_cell_id
        self.active = True
        self.visits = 0
        self.outcome: str | None = None
        self.reoffended: bool | None = None

    def _require_active(self) -> None:
        if not self.active:
            raise Conflict(f"follow-up {self.id} has ended")

    def record_visit(self, notes: str = "") -> None:
        self._require_active()
        self._visit_recorded(notes, self.group, self.grid_cell_id)

    @event("VisitRecorded")
    def _visit_recorded(self, notes: str, group: str, grid_cell_id: str | None) -> None:
        self.visits += 1

    def end(self, outcome: str, reoffended: bool) -> None:
        self._require_active()
        self._ended(FollowUpOutcome(outcome).value, reoffended, self.group, self.grid_cell_id)

    @event("Ended")
    def _ended(self, outcome: str, reoffended: bool, group: str, grid_cell_id: str | None) -> None:
        self.active, self.outcome, self.reoffended = False, outcome, reoffended


class VisitPurpose(StrEnum):
    ROUTINE = "routine"  # 日常走访
    SPECIAL_GROUP = "special_group"  # 安置帮教 / 社区矫正
    ELDERLY_CARE = "elderly_care"  # 独居、空巢老人
    HARDSHIP = "hardship"  # 低保、困难家庭
    FESTIVAL = "festival"  # 节日慰问
    DISPUTE = "dispute"  # 矛盾纠纷排查
    SAFETY = "safety"  # 安全隐患
    OPINION = "opinion"  # 征求意见 (e.g. before a property takeover)


class VisitTarget(StrEnum):
    HOUSEHOLD = "household"
    PERSON = "person"  # a special-group person, referenced by their follow-up


class VisitFollowUp(StrEnum):
    NONE = "none"
    OPEN_CASE = "open_case"
    START_FOLLOW_UP = "start_follow_up"


def local_today() -> date:
    """Today in the district's time zone (UTC+8): a visit made this morning in Beijing is not in the future."""
    return (clock.now() + timedelta(hours=8)).date()


VISIT_TARGET_ID = r"^[A-Za-z0-9][A-Za-z0-9._:-]{0,63}$"
"""A household or person reference: an opaque id (a register number or follow-up id), never a name or address."""


class Visit(CommunityAggregate):
    """A grid worker's visit (走访) to a household or a special-group person in a grid cell of theirs.

    The findings are kept in the service (they may be personal). A follow-up of the visit is a case
    or a special-group follow-up, opened by the same rules as any other and referenced here.
    """

    @classmethod
    def record(cls, *, cell: GridCell, worker_id: str, target_kind: str, target_id: str, purpose: str,
               visited_on: date, findings: str, follow_up: str = VisitFollowUp.NONE,
               person_follow_up: FollowUp | None = None, case_id: str | None = None,
               follow_up_id: str | None = None, today: date | None = None) -> Visit:
        target_kind, purpose, follow_up = VisitTarget(target_kind), VisitPurpose(purpose), VisitFollowUp(follow_up)
        if worker_id not in cell.workers:
            raise Invalid(f"worker {worker_id} does not serve grid cell {cell.name}", field="worker_id")
        if visited_on > (today or local_today()):
            raise Invalid(f"a visit on {visited_on} has not happened yet", field="visited_on")
        if not re.fullmatch(VISIT_TARGET_ID, target_id):
            raise Invalid("target_id must be an opaque reference (letters, digits, . _ : -), not a name or address",
                          field="target_id")
        if target_kind == VisitTarget.PERSON:
            if person_follow_up is None or str(person_follow_up.id) != target_id:
                raise Invalid("a person is visited through their follow-up: target_id is the follow-up id",
                              field="target_id")
            if person_follow_up.grid_cell_id not in (None, str(cell.id)):
                raise Invalid(f"follow-up {target_id} is in another grid cell", field="target_id")
            if follow_up == VisitFollowUp.START_FOLLOW_UP:
                raise Conflict(f"the person of follow-up {target_id} is already followed up")
        if follow_up != VisitFollowUp.NONE and not findings.strip():
            raise Invalid("a visit that needs a follow-up records what was found", field="findings")
        if (follow_up == VisitFollowUp.OPEN_CASE) != (case_id is not None) or \
                (follow_up == VisitFollowUp.START_FOLLOW_UP) != (follow_up_id is not None):
            raise Invalid("the follow-up opened must match the follow-up asked for", field="follow_up")
        return cls(community_id=cell.community_id, grid_cell_id=str(cell.id), worker_id=worker_id,
                   target_kind=target_kind.value, target_id=target_id, purpose=purpose.value,
                   visited_on=visited_on.isoformat(), findings=findings, follow_up=follow_up.value,
                   case_id=case_id, follow_up_id=follow_up_id)

    @event("Recorded")
    def __init__(self, community_id: str, grid_cell_id: str, worker_id: str, target_kind: str, target_id: str,
                 purpose: str, visited_on: str, findings: str, follow_up: str, case_id: str | None,
                 follow_up_id: str | None) -> None:
        self.community_id, self.grid_cell_id, self.worker_id = community_id, grid_cell_id, worker_id
        self.target_kind, self.target_id, self.purpose = target_kind, target_id, purpose
        self.visited_on, self.findings, self.follow_up = visited_on, findings, follow_up
        self.case_id, self.follow_up_id = case_id, follow_up_id
