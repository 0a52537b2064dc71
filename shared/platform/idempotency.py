"""Idempotent commands: the `Idempotency-Key` request header.

A client that did not get an answer (a timeout, a dropped connection, a
service killed mid-command) retries the same write with the same
`Idempotency-Key` (at most 128 characters). The first attempt that stores its
events also stores an `IdempotencyRecord` in the SAME save, so both commit in
one transaction of the event store: either the command happened and its record
exists, or neither.

- The record's id is deterministic, `uuid5(service/subject/key)`, so a retry
  finds it by id (checked before the command runs), and two racing attempts
  cannot both store one: the loser's save fails on the record's version and
  nothing of it is stored.
- A retry whose record exists is not executed again: the answer is the
  original outcome (the same status, `{"id": ...}` of the aggregate the first
  attempt created, if any) with `Idempotent-Replayed: true`.
- The same key on another route (method and path) is a client error (422).
- Records are internal: `EventContract.to_envelope` never publishes them.

The HTTP side (`shared.platform.http`) sets the request's `IdempotencyContext` in a
context variable; `ServiceApplication.save` reads it.
"""

from __future__ import annotations

import uuid
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any

from eventsourcing.domain import Aggregate

HEADER = "Idempotency-Key"
REPLAYED_HEADER = "Idempotent-Replayed"
MAX_KEY_LENGTH = 128
NAMESPACE = uuid.UUID("5f0b6a52-9a55-4d0e-9c43-2b8e7f1d6c3a")


def record_id(service: str, subject: str, key: str) -> uuid.UUID:
    return uuid.uuid5(NAMESPACE, f"{service}/{subject}/{key}")


class IdempotencyRecord(Aggregate):
    """What one keyed command did: its route, the aggregates it saved, what it created."""

    @staticmethod
    def create_id(service: str, subject: str, key: str, **_: Any) -> uuid.UUID:
        return record_id(service, subject, key)

    def __init__(self, service: str, subject: str, key: str, request: str, status: int,
                 saved: list[list[Any]], created_id: str | None) -> None:
        self.service = service
        self.subject = subject
        self.key = key
        self.request = request
        self.status = status
        self.saved = saved
        self.created_id = created_id

    def response_body(self) -> dict[str, Any]:
        if self.created_id is not None:
            return {"id": self.created_id}
        return {"status": "already applied", "aggregates": [{"id": i, "version": v} for i, v in self.saved]}


@dataclass
class IdempotencyContext:
    """The keyed write being handled (set per request by the HTTP layer)."""

    service: str
    key: str
    subject: str
    request: str
    """Method and path, e.g. `POST /cases`: a retry must repeat it exactly."""
    status: int = 200
    record: IdempotencyRecord | None = field(default=None, repr=False)
    """The record stored with the command's events (set by the first save)."""

    @property
    def record_id(self) -> uuid.UUID:
        return record_id(self.service, self.subject, self.key)

    def new_record(self, aggregates: list[Aggregate]) -> IdempotencyRecord:
        """A record of these aggregates (call before they are saved: it reads their pending events)."""
        saved: list[list[Any]] = []
        created_id: str | None = None
        for aggregate in aggregates:
            pending = aggregate.pending_events
            if not pending:
                continue
            saved.append([str(aggregate.id), pending[-1].originator_version])
            if created_id is None and pending[0].originator_version == 1:
                created_id = str(aggregate.id)
        return IdempotencyRecord(service=self.service, subject=self.subject, key=self.key, request=self.request,
                                 status=self.status, saved=saved, created_id=created_id)


_current: ContextVar[IdempotencyContext | None] = ContextVar("shequ_idempotency", default=None)


def current() -> IdempotencyContext | None:
    return _current.get()


def activate(context: IdempotencyContext | None) -> Any:
    """Set the context of the current request; returns a token for `deactivate`."""
    return _current.set(context)


def deactivate(token: Any) -> None:
    _current.reset(token)


class IdempotentReplay(Exception):  # noqa: N818 - an outcome, not an error
    """The command was already done under this key: answer with the recorded outcome."""

    def __init__(self, record: IdempotencyRecord) -> None:
        super().__init__(f"already applied under idempotency key {record.key!r}")
        self.record = record


class KeyReused(ValueError):
    """The key was used for another request (HTTP 422)."""


def find(app: Any, context: IdempotencyContext) -> IdempotencyRecord | None:
    """The stored record for this context's key, if any (loaded by id from the event store)."""
    from eventsourcing.application import AggregateNotFoundError

    try:
        record = app.repository.get(context.record_id)
    except AggregateNotFoundError:
        return None
    return record if isinstance(record, IdempotencyRecord) else None


def check(app: Any, context: IdempotencyContext) -> None:
    """Before running a keyed command: raise `IdempotentReplay` or `KeyReused` if the key was used."""
    record = find(app, context)
    if record is None:
        return
    if record.request != context.request:
        raise KeyReused(f"idempotency key already used for {record.request}, not {context.request}")
    raise IdempotentReplay(record)
