"""Dead letters an operator can list, inspect, replay after a fix, or discard with a reason.

The projector sends what it cannot decode or apply to the dead-letter topic (the contract other tools read)
and records it here, in the read store's `dead_letters` collection, before it commits the offset: one record
per source message (id `topic:partition:offset`), however often it failed. Records are never deleted:

- open       waiting for an operator (the DLQ depth counts these);
- replayed   applied by `replay` with the projection code running now (who, when, what it changed);
- discarded  set aside on purpose (who, when, why), kept for the record.

Replay applies the original message through the same `ReadModelWriter` as the live projector, so the same
dedupe rule decides: a document applies an aggregate version it has not seen, or one it lists in its `_gaps`
(a projection that failed on it records the gap in the same document). A second replay, a replay racing the
live projector, or a crash between the document write and marking the record all change nothing twice.
A message that could not be decoded touched no document and left no gap: its replay applies it where the
documents have not moved past that aggregate version (otherwise it is reported as already there; a rebuild
applies it in order).

Records hold no binary values (nx-27017 cannot replace them): message key, value and headers are base64.
"""

from __future__ import annotations

import base64
import logging
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from pymongo.errors import DuplicateKeyError

from shared.kernel.errors import Conflict, Invalid, NotFound
from shared.platform.envelope import Envelope, InvalidEnvelope, PublicEventSet, decode_message
from shared.platform.kafka import Delivery

log = logging.getLogger("shequ.deadletters")

COLLECTION = "dead_letters"
OPEN, REPLAYED, DISCARDED = "open", "replayed", "discarded"
STATUSES = (OPEN, REPLAYED, DISCARDED)


def record_id(topic: str, partition: int, offset: int) -> str:
    return f"{topic}:{partition}:{offset}"


def _b64(value: bytes | None) -> str | None:
    return None if value is None else base64.b64encode(bytes(value)).decode()


def _unb64(value: str | None) -> bytes | None:
    return None if value is None else base64.b64decode(value)


def _now() -> datetime:
    return datetime.now(UTC)


@dataclass
class ReplayOutcome:
    id: str
    outcome: str  # applied | already_applied | failed
    applied: int = 0
    duplicates: int = 0
    reason: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return {"id": self.id, "outcome": self.outcome, "applied": self.applied, "duplicates": self.duplicates,
                **({"reason": self.reason} if self.reason else {})}


class DeadLetterStore:
    """The `dead_letters` collection: recorded by the projector, read and decided on by operators."""

    def __init__(self, db: Any, clock: Callable[[], datetime] = _now) -> None:
        self.collection = db[COLLECTION]
        self.clock = clock

    # -- recording (the projector) ----------------------------------------------------------------

    def record(self, delivery: Delivery, reason: str, *, consumer: str,
               envelope: Envelope | None = None) -> None:
        """Remember a dead-lettered message (again: one more failure on the same record). A replayed record
        that fails again (a rebuild with the bug still in) opens again; a discarded one stays discarded."""
        now = self.clock().isoformat()
        envelope = envelope or _parsed(delivery.value)
        for _attempt in range(10):
            stored = self.collection.find_one({"_id": record_id(delivery.topic, delivery.partition,
                                                                delivery.offset)})
            if stored is None:
                try:
                    self.collection.insert_one(self._new(delivery, reason, consumer, envelope, now))
                    return
                except DuplicateKeyError:
                    continue  # recorded meanwhile (another projector instance): update that one
            updated = dict(stored, reason=reason[:1000], last_failed_at=now, failures=stored.get("failures", 1) + 1,
                           _rev=stored.get("_rev", 0) + 1)
            if stored["status"] == REPLAYED:
                updated["status"] = OPEN
            if self.collection.replace_one({"_id": stored["_id"], "_rev": stored.get("_rev", 0)},
                                           updated).matched_count:
                return
        raise RuntimeError(f"could not record dead letter {delivery.topic}[{delivery.partition}]@{delivery.offset}")

    def _new(self, delivery: Delivery, reason: str, consumer: str, envelope: Envelope | None,
             now: str) -> dict[str, Any]:
        return {
            "_id": record_id(delivery.topic, delivery.partition, delivery.offset), "_rev": 1,
            "topic": delivery.topic, "partition": delivery.partition, "offset": delivery.offset,
            "key": _b64(delivery.key), "value": _b64(delivery.value),
            "headers": [[k, _b64(v)] for k, v in delivery.headers],
            "reason": reason[:1000], "consumer": consumer,
            "event": None if envelope is None else {
                "id": envelope.id, "type": envelope.type, "subject": envelope.subject,
                "version": envelope.aggregateversion, "community_id": envelope.communityid},
            "status": OPEN, "dead_lettered_at": now, "last_failed_at": now, "failures": 1,
            "replays": [], "discarded": None,
        }

    # -- reading ----------------------------------------------------------------------------------

    def get(self, ident: str) -> dict[str, Any]:
        stored = self.collection.find_one({"_id": ident})
        if stored is None:
            raise NotFound(f"no dead letter {ident!r} (ids look like topic:partition:offset)")
        return stored

    def list(self, *, status: str | None = OPEN, topic: str | None = None, limit: int = 100) -> list[dict[str, Any]]:
        """Records, oldest first (status None: all), as summaries with their age."""
        if status is not None and status not in STATUSES:
            raise Invalid(f"status must be one of {', '.join(STATUSES)} (or omitted for all)")
        query: dict[str, Any] = {}
        if status is not None:
            query["status"] = status
        if topic is not None:
            query["topic"] = topic
        records = sorted(self.collection.find(query), key=lambda r: (r["dead_lettered_at"], r["_id"]))
        return [self.summary(r) for r in records[:limit]]

    def depth(self) -> dict[str, int]:
        """How many records are in each status (open: the DLQ depth)."""
        counts = dict.fromkeys(STATUSES, 0)
        for status in STATUSES:
            counts[status] = self.collection.count_documents({"status": status})
        return counts

    def summary(self, stored: dict[str, Any]) -> dict[str, Any]:
        age = self.clock() - datetime.fromisoformat(stored["dead_lettered_at"])
        event = stored.get("event") or {}
        return {"id": stored["_id"], "status": stored["status"], "reason": stored["reason"],
                "topic": stored["topic"], "partition": stored["partition"], "offset": stored["offset"],
                "dead_lettered_at": stored["dead_lettered_at"], "age_seconds": max(0, int(age.total_seconds())),
                "failures": stored.get("failures", 1), "event_type": event.get("type"),
                "aggregate_id": event.get("subject"), "aggregate_version": event.get("version"),
                "community_id": event.get("community_id")}

    def show(self, ident: str) -> dict[str, Any]:
        """One record in full: the message as it was read (JSON when it is, else base64), its history."""
        stored = self.get(ident)
        value = _unb64(stored["value"]) or b""
        try:
            message: Any = value.decode()
        except UnicodeDecodeError:
            message = None
        return {**self.summary(stored), "consumer": stored.get("consumer"), "last_failed_at": stored["last_failed_at"],
                "key": (_unb64(stored["key"]) or b"").decode(errors="replace") if stored["key"] else None,
                "headers": {k: (_unb64(v) or b"").decode(errors="replace") for k, v in stored["headers"]},
                "message": message, "message_base64": None if message is not None else stored["value"],
                "replays": stored.get("replays", []), "discarded": stored.get("discarded")}

    def delivery(self, stored: dict[str, Any]) -> Delivery:
        """The original message, as the projector read it."""
        return Delivery(stored["topic"], stored["partition"], stored["offset"], _unb64(stored["key"]),
                        _unb64(stored["value"]) or b"", [(k, _unb64(v) or b"") for k, v in stored["headers"]])

    # -- deciding ---------------------------------------------------------------------------------

    def discard(self, ident: str, *, by: str, reason: str) -> dict[str, Any]:
        reason = (reason or "").strip()
        if not reason:
            raise Invalid("a discard needs a reason (why this message may stay out of the read models)")
        if len(reason) > 1000:
            raise Invalid("the discard reason is longer than 1000 characters")
        stored = self.get(ident)
        if stored["status"] != OPEN:
            raise Conflict(f"dead letter {ident} is {stored['status']}, not open: only an open one can be discarded")
        discarded = {"at": self.clock().isoformat(), "by": by, "reason": reason}
        self._update(stored, status=DISCARDED, discarded=discarded)
        return self.show(ident)

    def _update(self, stored: dict[str, Any], **changes: Any) -> None:
        updated = dict(stored, **changes, _rev=stored.get("_rev", 0) + 1)
        if not self.collection.replace_one({"_id": stored["_id"], "_rev": stored.get("_rev", 0)},
                                           updated).matched_count:
            raise Conflict(f"dead letter {stored['_id']} changed meanwhile; try again")

    def mark_replayed(self, ident: str, outcome: ReplayOutcome, *, by: str) -> None:
        entry = {"at": self.clock().isoformat(), "by": by, **outcome.as_dict()}
        entry.pop("id")
        for _attempt in range(10):
            stored = self.get(ident)
            changes: dict[str, Any] = {"replays": [*stored.get("replays", []), entry]}
            if outcome.outcome == "failed":
                changes["reason"] = outcome.reason or stored["reason"]
            else:
                changes["status"] = REPLAYED
            try:
                self._update(stored, **changes)
                return
            except Conflict:
                continue
        raise Conflict(f"dead letter {ident} keeps changing; try again")


class DeadLetterReplayer:
    """Replays dead letters into the read models with the projection code of this process."""

    def __init__(self, store: DeadLetterStore, writer: Any, contracts: Mapping[str, PublicEventSet]) -> None:
        self.store = store
        self.writer = writer  # shared.platform.projector.ReadModelWriter
        self.contracts = dict(contracts)

    def replay(self, ids: Iterable[str] | None = None, *, by: str) -> list[ReplayOutcome]:
        """Replay the named records (None: every open one, oldest first). Discarded records are refused."""
        if ids is None:
            targets = [self.store.get(r["id"]) for r in self.store.list(status=OPEN, limit=100_000)]
        else:
            targets = [self.store.get(i) for i in ids]
            discarded = [t["_id"] for t in targets if t["status"] == DISCARDED]
            if discarded:
                raise Conflict(f"discarded dead letters are not replayed: {', '.join(discarded)}")
        targets.sort(key=lambda t: (t["topic"], t["partition"], t["offset"]))
        outcomes = []
        for stored in targets:
            outcome = self._replay_one(stored)
            self.store.mark_replayed(stored["_id"], outcome, by=by)
            outcomes.append(outcome)
        return outcomes

    def _replay_one(self, stored: dict[str, Any]) -> ReplayOutcome:
        delivery = self.store.delivery(stored)
        try:
            envelope, event = decode_message(delivery.value, self.contracts)
        except InvalidEnvelope as exc:
            return ReplayOutcome(stored["_id"], "failed", reason=str(exc))
        failures: list[str] = []
        result = self.writer.apply([(envelope, event, delivery)], lambda d, reason: failures.append(reason))
        if failures:
            return ReplayOutcome(stored["_id"], "failed", result.applied, result.duplicates, failures[0])
        log.info("replayed dead letter %s: applied to %d documents, already in %d", stored["_id"], result.applied,
                 result.duplicates)
        return ReplayOutcome(stored["_id"], "applied" if result.applied else "already_applied", result.applied,
                             result.duplicates)


def _parsed(value: bytes) -> Envelope | None:
    try:
        return Envelope.from_bytes(value)
    except InvalidEnvelope:
        return None
