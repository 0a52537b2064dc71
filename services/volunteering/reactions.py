"""Volunteering reacts to grid: a volunteer-suitable grid case becomes a help request.

Consumed from the grid topic only (never over HTTP). Idempotent by the domain,
not by the consumer's seen-store: the help request's id is derived from the
grid case id, and `receive_help_request_from_grid_case` stores nothing when it
exists already, so a redelivered, replayed or re-published CaseReported
changes nothing.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta

from services.grid.events import CaseClosed, CaseRejected, CaseReported, CaseResolved
from services.grid.events import public_events as grid_events
from services.volunteering.application import VolunteeringApplication
from shared.kernel import clock
from shared.kernel.actor import pseudonym
from shared.platform.consumer import RetryLater
from shared.kernel.directory import UnknownCommunity
from shared.platform.envelope import Envelope
from shared.kernel.actor import Actor
from shared.platform.service import Reaction

SAGA_SUBJECT = "saga:grid-cases"
SAGA_ACTOR = Actor(subject=SAGA_SUBJECT, role="system", pseudonym=pseudonym(SAGA_SUBJECT))

VOLUNTEER_SUITABLE: dict[str, str] = {
    # grid category -> help request urgency
    "elderly_assistance": "high",  # welfare group: visits, shopping, accompanying
    "sanitation": "normal",  # environment group: rubbish, clean-ups
}
"""Grid case categories volunteers can take on. Grid has no "minor repairs" category; its other
environment/infrastructure categories (noise, drainage, roads) need staff or contractors."""

DEFAULT_DEADLINE = timedelta(hours=48)
MIN_NOTICE = timedelta(hours=1)


def deadline_for(case_deadline: datetime | None, now: datetime) -> datetime:
    """The case's deadline, or a default when it has none or it is (nearly) past (e.g. on a replay)."""
    if case_deadline is not None and case_deadline > now + MIN_NOTICE:
        return case_deadline
    return now + DEFAULT_DEADLINE


def reactions(app: VolunteeringApplication) -> list[Reaction]:
    def case_reported(envelope: Envelope, event: CaseReported) -> None:
        urgency = VOLUNTEER_SUITABLE.get(str(event.category))
        if urgency is None:
            return
        try:
            app.receive_help_request_from_grid_case(
                replace(SAGA_ACTOR, correlation_id=envelope.correlationid),
                envelope.communityid, event.case_id, event.description, urgency,
                deadline_for(event.deadline, clock.now()),
            )
        except UnknownCommunity as exc:
            # The directory entry travels on another partition and may arrive later.
            raise RetryLater(str(exc)) from None

    def case_finished(envelope: Envelope, event: CaseResolved | CaseClosed | CaseRejected) -> None:
        # The case was settled without us (by staff, or before the saga saw it, e.g. when a new
        # broker replays history): an open help request for it must not linger.
        app.withdraw_help_request_for_grid_case(
            replace(SAGA_ACTOR, correlation_id=envelope.correlationid), event.case_id,
            reason="the grid case was settled by staff",
        )

    return [
        (grid_events, CaseReported, case_reported),
        (grid_events, CaseResolved, case_finished),
        (grid_events, CaseClosed, case_finished),
        (grid_events, CaseRejected, case_finished),
    ]
