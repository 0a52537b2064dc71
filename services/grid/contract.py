"""How grid's stored events become its public events (`services.grid.events`): the producer's side.

A deliberate mapping: each public field is chosen for consumers, and anything
personal in a stored event stays in the event store.
"""

from __future__ import annotations

from services.grid.domain import Case, Community, FollowUp, GridCell, Inspection, Mediation, RentalHouse, Visit
from services.grid import events as public
from shared.platform.envelope import EventContract

contract = EventContract(public.public_events)

contract.copies(Community.Registered, public.CommunityRegistered)
contract.copies(Community.DetailsUpdated, public.CommunityDetailsUpdated)

contract.copies(GridCell.Drawn, public.GridCellDrawn, id_field="cell_id")
contract.copies(GridCell.WorkerAssigned, public.GridWorkerAssigned, id_field="cell_id")
contract.copies(GridCell.WorkerUnassigned, public.GridWorkerUnassigned, id_field="cell_id")

# Every case event carries the case's category and grid cell; events stored before v2 lack some
# fields (channel, grid cell, deadline) and publish them as null.
for stored, published in (
    (Case.Reported, public.CaseReported), (Case.Accepted, public.CaseAccepted), (Case.Assigned, public.CaseAssigned),
    (Case.Escalated, public.CaseEscalated), (Case.Resolved, public.CaseResolved), (Case.Closed, public.CaseClosed),
    (Case.Reopened, public.CaseReopened), (Case.NoteAdded, public.CaseNoteAdded),
    (Case.Rejected, public.CaseRejected),
):
    contract.copies(stored, published, id_field="case_id")

for stored, published in ((Mediation.Opened, public.MediationOpened), (Mediation.SessionHeld,
                          public.MediationSessionHeld), (Mediation.Settled, public.MediationSettled),
                          (Mediation.Failed, public.MediationFailed)):
    contract.copies(stored, published, id_field="mediation_id")

contract.copies(Inspection.Completed, public.InspectionCompleted, id_field="inspection_id",
                hazards_found=lambda e: len(e.hazards))

contract.copies(RentalHouse.Registered, public.RentalHouseRegistered, id_field="house_id")
contract.copies(RentalHouse.TenantRegistered, public.TenantHouseholdRegistered, id_field="house_id")
contract.copies(RentalHouse.TenantDeparted, public.TenantHouseholdDeparted, id_field="house_id")

for stored, published in ((FollowUp.Started, public.FollowUpStarted), (FollowUp.VisitRecorded,
                          public.FollowUpVisitRecorded), (FollowUp.Ended, public.FollowUpEnded)):
    contract.copies(stored, published, id_field="follow_up_id")

contract.copies(Visit.Recorded, public.VisitRecorded, id_field="visit_id")
