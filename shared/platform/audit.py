"""The audit trail: who changed what, when, under which request id.

The event log *is* the audit trail: every stored event carries the actor
(subject, role, pseudonym, communities, correlation id), its community and its
timestamp (`shared.platform.eventstore`). This module pages through a service's
notification log and shows, for each event, only the event's name and ids and
who caused it: never a field of the event's payload, so personal data (a
welfare beneficiary's name, say) cannot leak through the audit. Reads of
personal data are stored as events too (welfare `Person.RecordRead`), so they
show up here like any change.

`GET /audit` (auditor only) is mounted on every domain service by
`bootstrap.runtime.build_service`. An auditor sees the communities their token
covers (`*`: all); entries without a community are shown to `*` auditors only.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Depends, Query, Request
from pydantic import BaseModel

from shared.kernel.actor import ALL_COMMUNITIES, Role
from shared.kernel.errors import Forbidden
from shared.platform.auth import requires
from shared.kernel.actor import Actor
from shared.platform.eventstore import ServiceApplication
from shared.platform.http import OneHopRoute

MAX_LIMIT = 500
DEFAULT_LIMIT = 100
SCAN_BATCH = 500
MAX_SCAN = 20_000
"""Notifications examined per request at most; with a narrow filter the page may come back short with a cursor."""
MAX_POSITION = 2**62
"""Bounds the cursor so it always fits the stores' 64-bit integer columns."""


@dataclass(frozen=True)
class AuditFilter:
    aggregate_id: UUID | None = None
    subject: str | None = None
    community_id: str | None = None
    since: datetime | None = None
    until: datetime | None = None
    communities: frozenset[str] = frozenset({ALL_COMMUNITIES})
    """The communities the caller may see (`*`: all)."""

    def matches(self, entry: dict[str, Any], timestamp: datetime | None) -> bool:
        community = entry["community_id"]
        if ALL_COMMUNITIES not in self.communities and community not in self.communities:
            return False
        if self.aggregate_id is not None and entry["aggregate_id"] != str(self.aggregate_id):
            return False
        if self.subject is not None and (entry["actor"] or {}).get("subject") != self.subject:
            return False
        if self.community_id is not None and community != self.community_id:
            return False
        if self.since is not None and (timestamp is None or timestamp < self.since):
            return False
        if self.until is not None and (timestamp is None or timestamp > self.until):
            return False
        return True


def _aware(moment: datetime | None) -> datetime | None:
    if moment is None:
        return None
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def _names(event: Any) -> tuple[str, str]:
    """(aggregate type, event type): `Person.RecordRead` -> ("Person", "RecordRead")."""
    qualname = type(event).__qualname__
    aggregate_type, _, event_type = qualname.rpartition(".")
    return aggregate_type or qualname, event_type or qualname


def entry_of(position: int, event: Any) -> tuple[dict[str, Any], datetime | None]:
    """The audit entry of one stored event: names, ids, time and actor; no payload fields."""
    aggregate_type, event_type = _names(event)
    timestamp = _aware(getattr(event, "timestamp", None))
    actor = getattr(event, "actor", None) or None
    entry = {
        "position": position,
        "time": timestamp.isoformat() if timestamp else None,
        "aggregate_id": str(event.originator_id),
        "aggregate_type": aggregate_type,
        "aggregate_version": getattr(event, "originator_version", None),
        "event": event_type,
        "community_id": getattr(event, "community_id", None),
        "actor": None if actor is None else {
            "subject": actor.get("subject"),
            "role": actor.get("role"),
            "pseudonym": actor.get("pseudonym"),
            "correlation_id": actor.get("correlation_id"),
        },
    }
    return entry, timestamp


def audit_page(
    app: ServiceApplication, query: AuditFilter = AuditFilter(), *, after: int = 0, limit: int = DEFAULT_LIMIT,
) -> dict[str, Any]:
    """Entries after position `after`, oldest first, at most `limit`.

    `next_after` is the cursor for the next page (pass it as `after`), or None
    when the log has been read to its end.
    """
    limit = max(1, min(limit, MAX_LIMIT))
    after = max(0, min(after, MAX_POSITION))
    entries: list[dict[str, Any]] = []
    cursor = after
    scanned = 0
    exhausted = False
    while len(entries) < limit and scanned < MAX_SCAN:
        batch = app.recorder.select_notifications(cursor, SCAN_BATCH, inclusive_of_start=False)
        if not batch:
            exhausted = True
            break
        for notification in batch:
            scanned += 1
            cursor = notification.id
            entry, timestamp = entry_of(notification.id, app.mapper.to_domain_event(notification))
            if query.matches(entry, timestamp):
                entries.append(entry)
                if len(entries) >= limit:
                    break
        if len(batch) < SCAN_BATCH and cursor == batch[-1].id:
            exhausted = True  # read to the end of the log
            break
    if not exhausted and len(entries) >= limit and cursor >= app.recorder.max_notification_id():
        exhausted = True
    return {"entries": entries, "next_after": None if exhausted else cursor}


class AuditActor(BaseModel):
    subject: str | None
    role: str | None
    pseudonym: str | None
    correlation_id: str | None


class AuditEntry(BaseModel):
    position: int
    time: str | None
    aggregate_id: str
    aggregate_type: str
    aggregate_version: int | None
    event: str
    community_id: str | None
    actor: AuditActor | None


class AuditPage(BaseModel):
    entries: list[AuditEntry]
    next_after: int | None


Auditor = Annotated[Actor, Depends(requires(Role.AUDITOR))]


def router() -> APIRouter:
    """`GET /audit`: the service's changes (and audited reads), for auditors."""
    api = APIRouter(tags=["audit"], route_class=OneHopRoute)

    @api.get("/audit", response_model=AuditPage)
    def audit(
        request: Request,
        actor: Auditor,
        aggregate: Annotated[UUID | None, Query(description="Only this aggregate's events")] = None,
        subject: Annotated[str | None, Query(alias="actor", min_length=1, max_length=256,
                                             description="Only events caused by this subject")] = None,
        community: Annotated[str | None, Query(min_length=1, max_length=64)] = None,
        since: Annotated[datetime | None, Query(alias="from", description="Inclusive; ISO 8601")] = None,
        until: Annotated[datetime | None, Query(alias="to", description="Inclusive; ISO 8601")] = None,
        after: Annotated[int, Query(ge=0, le=MAX_POSITION, description="Cursor: `next_after` of the last page")] = 0,
        limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = DEFAULT_LIMIT,
    ) -> dict[str, Any]:
        scope = frozenset(actor.communities)
        if community is not None and ALL_COMMUNITIES not in scope and community not in scope:
            raise Forbidden(f"the token does not cover community {community!r}")
        query = AuditFilter(aggregate_id=aggregate, subject=subject, community_id=community,
                            since=_aware(since), until=_aware(until), communities=scope)
        application: ServiceApplication = request.app.state.application
        return audit_page(application, query, after=after, limit=limit)

    return api
