"""Grid reacts to volunteering: a fulfilled help request resolves its grid case.

Consumed from the volunteering topic only (never over HTTP).
- HelpRequestFulfilled: resolve the case with the volunteer's outcome, and in
  the same save leave a note whose reference is the help request; an open case
  that already carries that reference (resolved by us, then reopened by staff)
  or a case that is no longer open is left alone. So a redelivery never
  resolves twice.
- HelpRequestDeclined / HelpRequestExpired: add a note (idempotent per
  reference); the case stays open for staff.
- The case not being in grid's store yet (a rebuild or restart reordered the
  topics) raises RetryLater: the message is redelivered later, never dropped.
"""

from __future__ import annotations

from dataclasses import replace

from services.grid.application import GridApplication
from services.grid.domain import Case
from services.volunteering.events import HelpRequestDeclined, HelpRequestExpired, HelpRequestFulfilled
from services.volunteering.events import public_events as volunteering_events
from shared.kernel.actor import pseudonym
from shared.platform.consumer import RetryLater
from shared.platform.envelope import Envelope
from shared.kernel.actor import Actor
from shared.kernel.errors import NotFound
from shared.platform.service import Reaction

SAGA_SUBJECT = "saga:volunteer-help"
SAGA_ACTOR = Actor(subject=SAGA_SUBJECT, role="system", pseudonym=pseudonym(SAGA_SUBJECT))


def reference(help_request_id: str, what: str) -> str:
    return f"volunteering/help-request/{help_request_id}/{what}"


class WrongCommunity(ValueError):
    pass


def reactions(app: GridApplication) -> list[Reaction]:
    def load(envelope: Envelope, case_id: str) -> Case:
        try:
            case: Case = app.get(case_id, Case, "case")
        except NotFound:
            raise RetryLater(f"grid case {case_id} is not in the grid store (yet)") from None
        if case.community_id != envelope.communityid:
            raise WrongCommunity(f"grid case {case_id} is in {case.community_id}, not {envelope.communityid}")
        return case

    def actor(envelope: Envelope) -> Actor:
        return replace(SAGA_ACTOR, correlation_id=envelope.correlationid)

    def fulfilled(envelope: Envelope, event: HelpRequestFulfilled) -> None:
        if not event.grid_case_id:
            return
        case = load(envelope, event.grid_case_id)
        ref = reference(event.help_request_id, "fulfilled")
        if not case.is_open or any(n.get("reference") == ref for n in case.notes):
            return
        case.resolve(event.outcome)
        case.add_note(f"Resolved by volunteer help request {event.help_request_id} "
                      f"({event.hours:g} h): {event.outcome}", ref)
        app.save(case, actor=actor(envelope))

    def not_done(what: str):  # noqa: ANN202
        def handle(envelope: Envelope, event: HelpRequestDeclined | HelpRequestExpired) -> None:
            if not event.grid_case_id:
                return
            case = load(envelope, event.grid_case_id)
            if not case.is_open:
                return  # settled meanwhile: nothing for staff to pick up
            added = case.add_note(f"Volunteer help request {event.help_request_id} was {what}: {event.reason}. "
                                  "The case stays open for staff.", reference(event.help_request_id, what))
            if added:  # False for a redelivery: the note is there already
                app.save(case, actor=actor(envelope))

        return handle

    return [
        (volunteering_events, HelpRequestFulfilled, fulfilled),
        (volunteering_events, HelpRequestDeclined, not_done("declined")),
        (volunteering_events, HelpRequestExpired, not_done("expired")),
    ]
