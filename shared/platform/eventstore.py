"""The event store each service builds its use cases on.

- `ServiceApplication`: the `eventsourcing` Application each service builds its
  use cases on. Its recorder is a process recorder, so the relay can keep its
  position (a tracking record) in the same database as the events: the event
  store is the outbox.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from dataclasses import replace
from collections.abc import Callable
from typing import Any, ClassVar
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError, Application, project_aggregate
from eventsourcing.domain import Aggregate
from eventsourcing.persistence import IntegrityError, ProcessRecorder

from shared.kernel.actor import Actor
from shared.kernel.aggregate import CommunityAggregate
from shared.kernel.directory import KnownCommunity, UnknownCommunity, known_community_id
from shared.kernel.errors import Conflict, NotFound
from shared.platform import idempotency


log = logging.getLogger("shequ.eventstore")

SNAPSHOT_EVERY = 100
"""Events between two snapshots of a long-lived aggregate: a load replays at most this many."""

# Fault injection, for the test suite only (tests/test_faults.py): a keyed command whose Idempotency-Key
# equals SHEQU_FAULT_HANG_KEY hangs "before" or "after" its save (SHEQU_FAULT_HANG_AT), after touching
# the file SHEQU_FAULT_MARKER, so a test can SIGKILL the process at exactly that point. Unset: no effect.
_FAULT_HANG_KEY = os.environ.get("SHEQU_FAULT_HANG_KEY", "")


def _hang_for_fault_injection(where: str) -> None:
    if os.environ.get("SHEQU_FAULT_HANG_AT", "after") != where:
        return
    marker = os.environ.get("SHEQU_FAULT_MARKER")
    if marker:
        with open(marker, "w") as file:
            file.write(where)
    while True:  # until the test kills the process
        time.sleep(1)


class ServiceApplication(Application):
    """Base of each service's application (its use cases)."""

    requires_known_communities: ClassVar[bool] = False
    """True for services that must check community ids against the directory learned from grid."""

    def __init__(self, env: dict[str, str] | None = None) -> None:
        super().__init__(env)
        # Set whenever events are stored, so the relay publishes at once.
        self.events_stored = threading.Event()
        # Called with (service, event type) for each stored event: the composition root hooks metrics here,
        # so a use case never touches a metrics library.
        self.stored_listeners: list[Callable[[str, str], None]] = []
        self._known_communities: set[str] = set()

    # Each service lists its long-lived aggregates (one per community, say, that every fund entry extends) in
    # `snapshotting_intervals`: every that many events the library stores a snapshot beside the events, in the
    # same database, and loads the latest one plus the events after it, instead of replaying the whole
    # history on every command (tests/integration/test_snapshots.py: snapshot-loaded state equals replayed).

    def take_snapshot(self, aggregate_id: Any, version: int | None = None,
                      projector_func: Any = project_aggregate) -> None:
        """A snapshot only saves replaying: failing to take one must not fail the command already stored."""
        try:
            super().take_snapshot(aggregate_id, version, projector_func)
        except Exception:
            log.exception("snapshot of %s at version %s not taken (loads replay its events meanwhile)",
                          aggregate_id, version)

    def construct_recorder(self) -> ProcessRecorder:
        return self.factory.process_recorder()

    @property
    def process_recorder(self) -> ProcessRecorder:
        return self.recorder  # type: ignore[return-value]

    def save(self, *objs: Any, actor: Actor | None = None, **kwargs: Any) -> Any:  # type: ignore[override]
        if actor is None:
            raise TypeError("every change must say who made it: pass actor=")
        meta = actor.as_event_metadata()
        for obj in objs:
            if isinstance(obj, Aggregate):
                pending = obj.pending_events
                pending[:] = [replace(e, actor=meta) if hasattr(e, "actor") else e for e in pending]
        if self.requires_known_communities:
            self._ensure_communities_known(objs)
        # A keyed command (Idempotency-Key): its record is stored in this same save, so the
        # record and the command's events commit in one transaction, or neither does.
        keyed = idempotency.current()
        record = None
        if keyed is not None and keyed.record is None and keyed.subject == actor.subject:
            record = keyed.new_record([o for o in objs if isinstance(o, Aggregate)])
            objs = (*objs, record)
        if keyed is not None and _FAULT_HANG_KEY and keyed.key == _FAULT_HANG_KEY:
            _hang_for_fault_injection("before")
        try:
            recordings = super().save(*objs, **kwargs)
        except IntegrityError:
            if record is not None:
                stored = idempotency.find(self, keyed)
                if stored is not None:  # a concurrent attempt with the same key won
                    if stored.request != keyed.request:
                        raise idempotency.KeyReused(
                            f"idempotency key already used for {stored.request}, not {keyed.request}") from None
                    raise idempotency.IdempotentReplay(stored) from None
            raise Conflict("the record was changed by a concurrent command; read it again and retry") from None
        if record is not None:
            keyed.record = record
            if _FAULT_HANG_KEY and keyed.key == _FAULT_HANG_KEY:
                _hang_for_fault_injection("after")
        return recordings

    def _ensure_communities_known(self, objs: tuple[Any, ...]) -> None:
        """A record may only be created in a community of the district directory (grid owns it)."""
        for obj in objs:
            if not isinstance(obj, CommunityAggregate) or isinstance(obj, KnownCommunity) or not obj.pending_events:
                continue
            if obj.pending_events[0].originator_version != 1:
                continue  # not new: its community was checked when it was created
            community_id = obj.community_id
            if community_id in self._known_communities:
                continue
            if known_community_id(community_id) not in self.repository:
                raise UnknownCommunity(community_id)
            self._known_communities.add(community_id)  # directory entries are never removed

    def _notify(self, recordings: list[Any]) -> None:
        for recording in recordings:
            event_type = type(recording.domain_event).__qualname__.replace(".", "")
            for listener in self.stored_listeners:
                listener(self.name, event_type)
        if recordings:
            self.events_stored.set()

    def get(self, aggregate_id: UUID | str, kind: type[Aggregate], label: str) -> Any:
        """Load an aggregate of an expected kind, or raise NotFound."""
        try:
            ident = aggregate_id if isinstance(aggregate_id, UUID) else UUID(str(aggregate_id))
        except ValueError:
            raise NotFound(f"{label} {aggregate_id} not found") from None
        try:
            aggregate = self.repository.get(ident)
        except AggregateNotFoundError:
            raise NotFound(f"{label} {aggregate_id} not found") from None
        if not isinstance(aggregate, kind):
            raise NotFound(f"{label} {aggregate_id} not found")
        return aggregate

    def check_store(self) -> None:
        """Raise if the event store cannot be read (readiness)."""
        self.recorder.max_notification_id()
