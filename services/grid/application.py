"""Grid use cases."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import fields
from datetime import datetime
from enum import Enum
from typing import Any
from uuid import UUID

from eventsourcing.utils import get_topic

from services.grid.domain import (
    Case, CaseCategory, Channel, Community, FollowUp, GridCell, Inspection, InspectionType, Mediation, RentalHouse,
    SpecialGroup,
)
from shared.kernel.actor import Actor
from shared.kernel.aggregate import CommunityAggregate
from shared.kernel.errors import Invalid, NotFound
from shared.platform.eventstore import ServiceApplication

PRIVATE_FIELDS = {"reporter_contact", "landlord", "details", "person", "notes", "actor"}
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


def _hazard_attributes(hazard: dict[str, Any]) -> dict[str, str]:
    if hazard.get("attributes") is not None:
        return hazard["attributes"]
    return {"hazard_kind": "other"} if hazard.get("category", CaseCategory.SAFETY_HAZARD) == CaseCategory.SAFETY_HAZARD else {}


class GridApplication(ServiceApplication):
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

    def community_of(self, aggregate_id: str, kind: type[CommunityAggregate], label: str) -> str:
        return self.get(aggregate_id, kind, label).community_id

    # -- communities and grid cells ----------------------------------------------------

    def register_community(self, actor: Actor, **directory: Any) -> str:
        self.save(Community(**directory), actor=actor)
        return directory["community_id"]

    def community(self, community_id: str) -> Community:
        try:
            return self.get(Community.create_id(community_id), Community, "community")
        except NotFound:
            raise NotFound(f"community {community_id} not found") from None

    def update_community(self, actor: Actor, community_id: str, **changes: Any) -> dict[str, Any]:
        community = self.community(community_id)
        community.update(**changes)
        self.save(community, actor=actor)
        return self.community_view(community)

    @staticmethod
    def community_view(c: Community) -> dict[str, Any]:
        return {"id": c.community_id, "name": c.name, "district": c.district, "households": c.households,
                "residents": c.residents, "floating_population": c.floating_population, "version": c.version}

    def communities(self) -> list[dict[str, Any]]:
        return [self.community_view(c) for c in self._all(Community.Registered, Community)]

    def draw_cell(self, actor: Actor, *, community_id: str, name: str, households: int) -> UUID:
        self.community(community_id)
        cell = GridCell(community_id=community_id, name=name, households=households)
        self.save(cell, actor=actor)
        return cell.id

    def assign_worker(self, actor: Actor, cell_id: str, worker_id: str, *, assign: bool = True) -> dict[str, Any]:
        cell: GridCell = self.get(cell_id, GridCell, "grid cell")
        (cell.assign_worker if assign else cell.unassign_worker)(worker_id)
        self.save(cell, actor=actor)
        return self.cell(cell_id)

    def cell(self, cell_id: str) -> dict[str, Any]:
        c: GridCell = self.get(cell_id, GridCell, "grid cell")
        return {"id": str(c.id), "community_id": c.community_id, "name": c.name, "households": c.households,
                "workers": list(c.workers), "version": c.version}

    # -- cases --------------------------------------------------------------------

    def new_case(self, *, community_id: str, grid_cell_id: str | None = None, **report: Any) -> Case:
        return Case.report(community_id=community_id, grid_cell_id=self._cell(grid_cell_id, community_id), **report)

    def report_case(self, actor: Actor, **report: Any) -> UUID:
        case = self.new_case(**report)
        self.save(case, actor=actor)
        return case.id

    def change_case(self, actor: Actor, case_id: UUID | str, command: str, **args: Any) -> None:
        case: Case = self.get(case_id, Case, "case")
        if command == "reject" and args.get("duplicate_of"):
            try:
                self._in_community(args["duplicate_of"], Case, "case", case.community_id)
            except NotFound:
                raise Invalid(f"case {args['duplicate_of']} not found", field="duplicate_of") from None
        getattr(case, command)(**args)
        self.save(case, actor=actor)

    def resolve_case(self, actor: Actor, case_id: UUID | str, *, outcome: str) -> None:
        self.change_case(actor, case_id, "resolve", outcome=outcome)

    def add_case_note(self, actor: Actor, case_id: UUID | str, *, notes: str, reference: str | None = None) -> bool:
        """Add a staff note; idempotent per `reference`. Returns whether a note was added."""
        case: Case = self.get(case_id, Case, "case")
        added = case.add_note(notes, reference)
        if added:
            self.save(case, actor=actor)
        return added

    def case(self, case_id: UUID | str) -> dict[str, Any]:
        case: Case = self.get(case_id, Case, "case")
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

    def history(self, aggregate_id: str, kind: type = Case, label: str = "case") -> list[dict[str, Any]]:
        aggregate = self.get(aggregate_id, kind, label)
        entries = []
        for e in self.repository.event_store.get(aggregate.id):
            hidden = PRIVATE_FIELDS | {"originator_id", "originator_version", "timestamp", "originator_topic"}
            data = {f.name: _plain(getattr(e, f.name, None)) for f in fields(e) if f.name not in hidden}
            entries.append({"type": type(e).__name__, "version": e.originator_version,
                            "time": e.timestamp.isoformat(), "actor_role": (e.actor or {}).get("role"),
                            "actor_id": (e.actor or {}).get("pseudonym"), "data": data})
        return entries

    # -- mediation, inspections, rentals, follow-ups --------------------------------

    def open_mediation(self, actor: Actor, *, community_id: str, case_id: str | None = None,
                       grid_cell_id: str | None = None, **details: Any) -> UUID:
        self._in_community(case_id, Case, "case", community_id)
        mediation = Mediation.open(community_id=community_id, case_id=case_id,
                                   grid_cell_id=self._cell(grid_cell_id, community_id), **details)
        self.save(mediation, actor=actor)
        return mediation.id

    def change(self, actor: Actor, kind: type, label: str, aggregate_id: str, command: str, **args: Any) -> Any:
        aggregate = self.get(aggregate_id, kind, label)
        result = getattr(aggregate, command)(**args)
        self.save(aggregate, actor=actor)
        return result

    def complete_inspection(self, actor: Actor, *, community_id: str, inspection_type: str, site: str,
                            grid_cell_id: str | None, hazards: list[dict[str, Any]], open_cases: bool) -> Inspection:
        self._cell(grid_cell_id, community_id)
        cases = [
            self.new_case(community_id=community_id, grid_cell_id=grid_cell_id, channel=Channel.PATROL,
                          category=h.get("category") or CaseCategory.SAFETY_HAZARD,
                          description=f"{InspectionType(inspection_type).value} inspection at {site}: "
                                      f"{h['description']}"[:2000],
                          location=h.get("location"), attributes=_hazard_attributes(h))
            for h in hazards
        ] if open_cases else []
        inspection = Inspection(community_id=community_id, inspection_type=InspectionType(inspection_type).value,
                                site=site, grid_cell_id=grid_cell_id, hazards=_plain(hazards),
                                case_ids=[str(c.id) for c in cases])
        self.save(inspection, *cases, actor=actor)
        return inspection

    def register_rental(self, actor: Actor, *, community_id: str, address: str, landlord: dict[str, Any],
                        grid_cell_id: str | None = None) -> UUID:
        house = RentalHouse(community_id=community_id, address=address, landlord=landlord,
                            grid_cell_id=self._cell(grid_cell_id, community_id))
        self.save(house, actor=actor)
        return house.id

    def start_follow_up(self, actor: Actor, *, community_id: str, group: str, person: dict[str, Any],
                        grid_cell_id: str | None = None) -> UUID:
        follow_up = FollowUp(community_id=community_id, group=SpecialGroup(group).value, person=person,
                             grid_cell_id=self._cell(grid_cell_id, community_id))
        self.save(follow_up, actor=actor)
        return follow_up.id

    def view(self, aggregate_id: str, kind: type, label: str) -> dict[str, Any]:
        """A staff view of any aggregate's state (inside the service, so personal data included)."""
        aggregate = self.get(aggregate_id, kind, label)
        state = {k: _plain(v) for k, v in vars(aggregate).items() if not k.startswith("_")}
        return {"id": str(aggregate.id), **state, "version": aggregate.version,
                "created_at": aggregate.created_on.isoformat(), "updated_at": aggregate.modified_on.isoformat()}
