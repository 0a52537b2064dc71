"""Grid use cases."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import fields
from datetime import datetime
from enum import Enum
from typing import Any
from uuid import UUID

from eventsourcing.utils import get_topic

from pydantic import BaseModel

from services.grid.commands import (
    AssignCase, AssignWorker, CloseCase, CompleteInspection, DrawCell, EndFollowUp, EscalateCase, FailMediation,
    HoldSession, OpenMediation, RecordHouseholdVisit, RecordVisit, RegisterCommunity, RegisterRental, RegisterTenant, RejectCase, ReopenCase,
    ReportCase, ResolveCase, SettleMediation, StartFollowUp, UpdateCommunity,
)
from services.grid.domain import (
    Case, Channel, Community, FollowUp, GridCell, Inspection, InspectionType, Mediation, RentalHouse, SpecialGroup,
    Visit, VisitTarget,
)
from shared.kernel.actor import Actor, Role
from shared.kernel.aggregate import CommunityAggregate
from shared.kernel.errors import Forbidden, Invalid, NotFound
from shared.platform.eventstore import ServiceApplication

PRIVATE_FIELDS = {"reporter_contact", "landlord", "details", "person", "notes", "findings", "actor"}
"""Personal data: kept in stored events, never shown in a history or published."""


def _plain(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, UUID):
        return str(value)
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [_plain(v) for v in value]
    return value


def _fields(command: BaseModel | dict[str, Any] | None) -> dict[str, Any] | None:
    """A nested part of a command (location, contact) as stored: only the fields given."""
    return command.model_dump(mode="json", exclude_none=True) if isinstance(command, BaseModel) else command


class GridApplication(ServiceApplication):
    """Each use case loads its aggregate once, checks the actor serves its community before changing
    anything, saves, and answers with a view of the same in-memory aggregate."""

    name = "grid"

    # -- helpers ----------------------------------------------------------------

    def _all(self, created: type, kind: type) -> Iterator[Any]:
        """Every aggregate of a kind, in creation order (read from the event log)."""
        topic = get_topic(created)
        start = 1
        while True:
            batch = self.recorder.select_notifications(start, 500, topics=[topic])
            for notification in batch:
                yield self.get(notification.originator_id, kind, kind.__name__.lower())
            if len(batch) < 500:
                return
            start = batch[-1].id + 1

    def _served(self, actor: Actor, aggregate_id: UUID | str, kind: type, label: str) -> Any:
        """Load an aggregate (404 if unknown) that the actor may act on (403 if not their community)."""
        aggregate = self.get(aggregate_id, kind, label)
        actor.ensure_acts_in(aggregate.community_id)
        return aggregate

    def _update(self, actor: Actor, aggregate_id: UUID | str, kind: type, label: str,
                change: Callable[[Any], object]) -> Any:
        """Load-check-save: the aggregate the actor may act on (404, 403 as `_served`), changed by `change`
        (whose domain rules may refuse) and saved once, by the actor."""
        aggregate = self._served(actor, aggregate_id, kind, label)
        change(aggregate)
        self.save(aggregate, actor=actor)
        return aggregate

    def _update_case(self, actor: Actor, case_id: UUID | str, change: Callable[[Case], object]) -> dict[str, Any]:
        return self.case_view(self._update(actor, case_id, Case, "case", change))

    def _update_cell(self, actor: Actor, cell_id: str, change: Callable[[GridCell], object]) -> dict[str, Any]:
        return self.cell_view(self._update(actor, cell_id, GridCell, "grid cell", change))

    def _in_community(self, aggregate_id: str | None, kind: type, label: str, community_id: str) -> Any:
        if aggregate_id is None:
            return None
        aggregate = self.get(aggregate_id, kind, label)
        if aggregate.community_id != community_id:
            raise Invalid(f"{label} {aggregate_id} is not in community {community_id}", field=f"{label}_id")
        return aggregate

    def _cell(self, cell_id: str | None, community_id: str) -> str | None:
        try:
            self._in_community(cell_id, GridCell, "grid_cell", community_id)
        except NotFound:
            raise Invalid(f"grid cell {cell_id} not found", field="grid_cell_id") from None
        return cell_id

    # -- communities and grid cells ----------------------------------------------------

    def register_community(self, actor: Actor, command: RegisterCommunity) -> str:
        actor.ensure_acts_in(command.id)
        self.save(Community(community_id=command.id, name=command.name, district=command.district,
                            households=command.households, residents=command.residents,
                            floating_population=command.floating_population), actor=actor)
        return command.id

    def community(self, community_id: str) -> Community:
        try:
            return self.get(Community.create_id(community_id), Community, "community")
        except NotFound:
            raise NotFound(f"community {community_id} not found") from None

    def update_community(self, actor: Actor, community_id: str, command: UpdateCommunity) -> dict[str, Any]:
        actor.ensure_acts_in(community_id)
        community = self.community(community_id)
        community.update(name=command.name, district=command.district, households=command.households,
                         residents=command.residents, floating_population=command.floating_population)
        self.save(community, actor=actor)
        return self.community_view(community)

    @staticmethod
    def community_view(c: Community) -> dict[str, Any]:
        return {"id": c.community_id, "name": c.name, "district": c.district, "households": c.households,
                "residents": c.residents, "floating_population": c.floating_population, "version": c.version}

    def community_details(self, community_id: str) -> dict[str, Any]:
        return self.community_view(self.community(community_id))

    def communities(self) -> list[dict[str, Any]]:
        return [self.community_view(c) for c in self._all(Community.Registered, Community)]

    def draw_cell(self, actor: Actor, command: DrawCell) -> UUID:
        actor.ensure_acts_in(command.community_id)
        self.community(command.community_id)
        cell = GridCell(community_id=command.community_id, name=command.name, households=command.households)
        self.save(cell, actor=actor)
        return cell.id

    def assign_worker(self, actor: Actor, cell_id: str, command: AssignWorker) -> dict[str, Any]:
        return self._update_cell(actor, cell_id, lambda cell: cell.assign_worker(command.worker_id))

    def unassign_worker(self, actor: Actor, cell_id: str, worker_id: str) -> dict[str, Any]:
        return self._update_cell(actor, cell_id, lambda cell: cell.unassign_worker(worker_id))

    def cell(self, actor: Actor, cell_id: str) -> dict[str, Any]:
        return self.cell_view(self._served(actor, cell_id, GridCell, "grid cell"))

    @staticmethod
    def cell_view(c: GridCell) -> dict[str, Any]:
        return {"id": str(c.id), "community_id": c.community_id, "name": c.name, "households": c.households,
                "workers": list(c.workers), "version": c.version}

    # -- cases --------------------------------------------------------------------

    def new_case(self, command: ReportCase) -> Case:
        """A reported case, not saved yet (the demo seeding saves its cases in batches)."""
        return Case.report(community_id=command.community_id, category=command.category,
                           description=command.description, channel=command.channel,
                           grid_cell_id=self._cell(command.grid_cell_id, command.community_id),
                           location=_fields(command.location), reporter_contact=_fields(command.reporter_contact),
                           attributes=command.attributes)

    def report_case(self, actor: Actor, command: ReportCase) -> UUID:
        actor.ensure_acts_in(command.community_id)
        case = self.new_case(command)
        self.save(case, actor=actor)
        return case.id

    def accept_case(self, actor: Actor, case_id: str) -> dict[str, Any]:
        return self._update_case(actor, case_id, lambda case: case.accept())

    def assign_case(self, actor: Actor, case_id: str, command: AssignCase) -> dict[str, Any]:
        return self._update_case(actor, case_id, lambda case: case.assign(command.assignee_kind, command.assignee))

    def escalate_case(self, actor: Actor, case_id: str, command: EscalateCase) -> dict[str, Any]:
        return self._update_case(actor, case_id, lambda case: case.escalate(command.level, command.reason))

    def resolve_case(self, actor: Actor, case_id: UUID | str, command: ResolveCase) -> dict[str, Any]:
        return self._update_case(actor, case_id, lambda case: case.resolve(command.outcome))

    def close_case(self, actor: Actor, case_id: str, command: CloseCase) -> dict[str, Any]:
        return self._update_case(actor, case_id, lambda case: case.close(command.satisfaction))

    def reopen_case(self, actor: Actor, case_id: UUID | str, command: ReopenCase) -> dict[str, Any]:
        return self._update_case(actor, case_id, lambda case: case.reopen(command.reason))

    def reject_case(self, actor: Actor, case_id: UUID | str, command: RejectCase) -> dict[str, Any]:
        def reject(case: Case) -> None:
            if command.duplicate_of:
                try:
                    self._in_community(command.duplicate_of, Case, "case", case.community_id)
                except NotFound:
                    raise Invalid(f"case {command.duplicate_of} not found", field="duplicate_of") from None
            case.reject(command.reason, command.duplicate_of)

        return self._update_case(actor, case_id, reject)

    def case(self, actor: Actor, case_id: UUID | str) -> dict[str, Any]:
        return self.case_view(self._served(actor, case_id, Case, "case"))

    @staticmethod
    def case_view(case: Case) -> dict[str, Any]:
        return {
            "id": str(case.id),
            "community_id": case.community_id,
            "category": case.category,
            "description": case.description,
            "status": case.status.value,
            "outcome": case.outcome,
            "reported_at": case.created_on.isoformat(),
            "updated_at": case.modified_on.isoformat(),
            "version": case.version,
            "channel": case.channel,
            "grid_cell_id": case.grid_cell_id,
            "location": case.location,
            "attributes": case.attributes,
            "deadline": case.deadline.isoformat() if case.deadline else None,
            "assignee_kind": case.assignee_kind,
            "assignee": case.assignee,
            "escalation": case.escalation,
            "status_notes": case.status_notes,
            "satisfaction": case.satisfaction,
            "duplicate_of": case.duplicate_of,
            "reporter_contact": case.reporter_contact,
            "notes": [dict(n) for n in getattr(case, "notes", [])],
        }

    def cases(self) -> Iterator[Case]:
        return self._all(Case.Reported, Case)

    def case_history(self, actor: Actor, case_id: UUID | str) -> list[dict[str, Any]]:
        case = self._served(actor, case_id, Case, "case")
        hidden = PRIVATE_FIELDS | {"originator_id", "originator_version", "timestamp", "originator_topic"}
        entries = []
        for e in self.repository.event_store.get(case.id):
            data = {f.name: _plain(getattr(e, f.name, None)) for f in fields(e) if f.name not in hidden}
            entries.append({"type": type(e).__name__, "version": e.originator_version,
                            "time": e.timestamp.isoformat(), "actor_role": (e.actor or {}).get("role"),
                            "actor_id": (e.actor or {}).get("pseudonym"), "data": data})
        return entries

    # -- mediation ------------------------------------------------------------------

    def open_mediation(self, actor: Actor, command: OpenMediation) -> UUID:
        actor.ensure_acts_in(command.community_id)
        self._in_community(command.case_id, Case, "case", command.community_id)
        mediation = Mediation.open(community_id=command.community_id, dispute_type=command.dispute_type,
                                   parties=command.parties, case_id=command.case_id,
                                   grid_cell_id=self._cell(command.grid_cell_id, command.community_id),
                                   summary=command.summary)
        self.save(mediation, actor=actor)
        return mediation.id

    def hold_mediation_session(self, actor: Actor, mediation_id: str, command: HoldSession) -> dict[str, Any]:
        return self.staff_view(self._update(actor, mediation_id, Mediation, "mediation",
                                            lambda mediation: mediation.hold_session(command.notes)))

    def settle_mediation(self, actor: Actor, mediation_id: str, command: SettleMediation) -> dict[str, Any]:
        return self.staff_view(self._update(actor, mediation_id, Mediation, "mediation",
                                            lambda mediation: mediation.settle(command.agreement)))

    def fail_mediation(self, actor: Actor, mediation_id: str, command: FailMediation) -> dict[str, Any]:
        return self.staff_view(self._update(actor, mediation_id, Mediation, "mediation",
                                            lambda mediation: mediation.fail(command.reason)))

    def mediation(self, actor: Actor, mediation_id: str) -> dict[str, Any]:
        return self.staff_view(self._served(actor, mediation_id, Mediation, "mediation"))

    # -- inspections ------------------------------------------------------------------

    def complete_inspection(self, actor: Actor, command: CompleteInspection) -> Inspection:
        """The inspection, and (if asked) a patrol case per hazard found, in one save."""
        community_id, site = command.community_id, command.site
        actor.ensure_acts_in(community_id)
        grid_cell_id = self._cell(command.grid_cell_id, community_id)
        inspection_type = InspectionType(command.inspection_type).value
        cases = [
            Case.report(community_id=community_id, grid_cell_id=grid_cell_id, channel=Channel.PATROL,
                        category=hazard.category,
                        description=f"{inspection_type} inspection at {site}: {hazard.description}"[:2000],
                        location=_fields(hazard.location), attributes=hazard.case_attributes())
            for hazard in command.hazards
        ] if command.open_cases else []
        inspection = Inspection(community_id=community_id, inspection_type=inspection_type, site=site,
                                grid_cell_id=grid_cell_id, hazards=[_fields(h) for h in command.hazards],
                                case_ids=[str(c.id) for c in cases])
        self.save(inspection, *cases, actor=actor)
        return inspection

    def inspection(self, actor: Actor, inspection_id: str) -> dict[str, Any]:
        return self.staff_view(self._served(actor, inspection_id, Inspection, "inspection"))

    # -- rental houses ------------------------------------------------------------------

    def register_rental(self, actor: Actor, command: RegisterRental) -> UUID:
        actor.ensure_acts_in(command.community_id)
        house = RentalHouse(community_id=command.community_id, address=command.address,
                            landlord=command.landlord.model_dump(mode="json"),
                            grid_cell_id=self._cell(command.grid_cell_id, command.community_id))
        self.save(house, actor=actor)
        return house.id

    def register_tenant(self, actor: Actor, house_id: str, command: RegisterTenant) -> dict[str, Any]:
        house: RentalHouse = self._served(actor, house_id, RentalHouse, "rental house")
        household_id = house.register_tenant(size=command.size, floating=command.floating, details=command.details)
        self.save(house, actor=actor)
        return {**self.staff_view(house), "household_id": household_id}

    def tenant_departed(self, actor: Actor, house_id: str, household_id: str) -> dict[str, Any]:
        return self.staff_view(self._update(actor, house_id, RentalHouse, "rental house",
                                            lambda house: house.tenant_departed(household_id)))

    def rental_house(self, actor: Actor, house_id: str) -> dict[str, Any]:
        return self.staff_view(self._served(actor, house_id, RentalHouse, "rental house"))

    # -- special-group follow-ups ----------------------------------------------------------

    def start_follow_up(self, actor: Actor, command: StartFollowUp) -> UUID:
        actor.ensure_acts_in(command.community_id)
        follow_up = FollowUp(community_id=command.community_id, group=SpecialGroup(command.group).value,
                             person=command.person,
                             grid_cell_id=self._cell(command.grid_cell_id, command.community_id))
        self.save(follow_up, actor=actor)
        return follow_up.id

    def record_follow_up_visit(self, actor: Actor, follow_up_id: str, command: RecordVisit) -> dict[str, Any]:
        return self.staff_view(self._update(actor, follow_up_id, FollowUp, "follow-up",
                                            lambda follow_up: follow_up.record_visit(command.notes)))

    def end_follow_up(self, actor: Actor, follow_up_id: str, command: EndFollowUp) -> dict[str, Any]:
        return self.staff_view(self._update(actor, follow_up_id, FollowUp, "follow-up",
                                            lambda follow_up: follow_up.end(command.outcome, command.reoffended)))

    def follow_up(self, actor: Actor, follow_up_id: str) -> dict[str, Any]:
        return self.staff_view(self._served(actor, follow_up_id, FollowUp, "follow-up"))

    # -- household visits (走访) -------------------------------------------------------------

    def record_visit(self, actor: Actor, command: RecordHouseholdVisit) -> Visit:
        """The visit, the case or follow-up it opens, and (for a special-group person) the visit counted on
        their follow-up: one save, after every rule of each has been checked."""
        community_id = command.community_id
        actor.ensure_acts_in(community_id)
        try:
            cell: GridCell = self._in_community(command.grid_cell_id, GridCell, "grid_cell", community_id)
        except NotFound:
            raise Invalid(f"grid cell {command.grid_cell_id} not found", field="grid_cell_id") from None
        person = self._visited_person(command) if command.target_kind == VisitTarget.PERSON else None
        opened: Case | FollowUp | None = None
        if command.case is not None:
            opened = Case.report(community_id=community_id, category=command.case.category,
                                 description=command.case.description, channel=Channel.GRID_WORKER,
                                 grid_cell_id=str(cell.id), attributes=command.case.attributes)
        elif command.start_follow_up is not None:
            opened = FollowUp(community_id=community_id, group=SpecialGroup(command.start_follow_up.group).value,
                              person=command.start_follow_up.person, grid_cell_id=str(cell.id))
        visit = Visit.record(
            cell=cell, worker_id=self._visitor(actor, command.worker_id), target_kind=command.target_kind,
            target_id=command.target_id, purpose=command.purpose, visited_on=command.visited_on,
            findings=command.findings, follow_up=command.follow_up, person_follow_up=person,
            case_id=str(opened.id) if isinstance(opened, Case) else None,
            follow_up_id=str(opened.id) if isinstance(opened, FollowUp) else None)
        if person is not None:
            person.record_visit(command.findings)  # 409 if their follow-up has ended
        self.save(visit, *(a for a in (opened, person) if a is not None), actor=actor)
        return visit

    @staticmethod
    def _visitor(actor: Actor, worker_id: str | None) -> str:
        """A grid worker records their own visits; staff and admins name the worker who visited."""
        if actor.role == Role.GRID_WORKER:
            if worker_id not in (None, actor.pseudonym):
                raise Forbidden("a grid worker records only their own visits")
            return actor.pseudonym
        if worker_id is None:
            raise Invalid("worker_id is required unless a grid worker records their own visit", field="worker_id")
        return worker_id

    def _visited_person(self, command: RecordHouseholdVisit) -> FollowUp:
        try:
            follow_up: FollowUp = self.get(command.target_id, FollowUp, "follow-up")
        except NotFound:
            raise Invalid(f"follow-up {command.target_id} not found", field="target_id") from None
        if follow_up.community_id != command.community_id:
            raise Invalid(f"follow-up {command.target_id} is not in community {command.community_id}",
                          field="target_id")
        return follow_up

    def visit(self, actor: Actor, visit_id: str) -> dict[str, Any]:
        return self.staff_view(self._served(actor, visit_id, Visit, "visit"))

    @staticmethod
    def staff_view(aggregate: CommunityAggregate) -> dict[str, Any]:
        """A staff view of an aggregate's state (inside the service, so personal data included)."""
        state = {k: _plain(v) for k, v in vars(aggregate).items() if not k.startswith("_")}
        return {"id": str(aggregate.id), **state, "version": aggregate.version,
                "created_at": aggregate.created_on.isoformat(), "updated_at": aggregate.modified_on.isoformat()}
