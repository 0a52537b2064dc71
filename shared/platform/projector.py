"""Projector runtime: Kafka consumer group -> MongoDB read models.

Correctness rules, and how they are kept:
- Idempotent: every read-model document keeps, beside the figures it holds,
  its dedupe guard: the newest version it applied of each recently applied
  aggregate (`_seen`), the newest relay position (`shequ_position` header) it
  applied from each source partition (`_upto`, "grid-0": 4711), and the
  versions it could not apply (`_gaps`: the events dead-lettered from it). An
  event is skipped unless it is a gap, or newer than its aggregate's `_seen`
  mark, or, for an aggregate no longer in `_seen`, past its partition's
  `_upto`; so a redelivered batch, a re-published event or a second replay of
  a dead letter never changes a figure twice. Because the guard lives in the
  same document as the figures, one document write is atomic: no transaction
  needed.
- Bounded: `_seen` keeps the `SEEN_WINDOW` most recently applied aggregates.
  An older mark can go because `_upto` covers it: the relay publishes a
  service's log in position order, each aggregate to one partition, and the
  projector takes each partition in order, so an event at or below its
  partition's `_upto` was taken before (a duplicate). Documents stay the same
  size however many aggregates a community has (MongoDB's 16 MB limit), and
  the window keeps the exact per-aggregate answer for recent aggregates (a
  replayed dead letter). A document that ever applied an event without a
  position (not from a relay), or that predates `_upto`, is never trimmed
  (`_seen_complete`): for it `_seen` alone is the exact guard, as before.
- Coalesced: a batch loads each touched document once and writes it once.
- Concurrency-safe: documents carry a revision (`_rev`); a write that lost a
  race (another projector instance touched the same document) is retried on
  the fresh document.
- Offsets are committed only after the read store has the batch, and after the
  dead-letter topic has acknowledged what could not be read.
"""

from __future__ import annotations

import logging
import random
import threading
import time
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Protocol

from kafka import KafkaConsumer, KafkaProducer, TopicPartition
from pymongo.database import Database

from shared.platform import metrics
from shared.platform.changelog import ChangeLog
from shared.platform.deadletters import DeadLetterStore
from shared.platform.kafka import Delivery, dead_letter
from shared.platform.rebuilds import LivePause, RebuildMarker
from shared.platform.envelope import Envelope, InvalidEnvelope, PublicEvent, PublicEventSet, decode_message
from shared.platform.subscription import Counts, Subscription, close, poll, reached

log = logging.getLogger("shequ.projector")

STATUS_COLLECTION = "projector_status"
DUPLICATE_KEY = 11000
SEEN_WINDOW = 500
"""Aggregates whose `_seen` mark a trimmed document keeps (the most recently applied); see the module's docstring."""
POSITION_HEADER = "shequ_position"


class Projection(Protocol):
    """A read model: which events it takes, which document each touches, how."""

    collection: str

    def handles(self, event_type: str) -> bool: ...

    def document_id(self, envelope: Envelope, event: PublicEvent) -> str: ...

    def new_document(self, document_id: str, envelope: Envelope) -> dict[str, Any]: ...

    def apply(self, document: dict[str, Any], envelope: Envelope, event: PublicEvent) -> None: ...

    def indexes(self) -> list[tuple[str, int]]: ...


@dataclass
class BatchResult(Counts):
    """What one batch did to the read models; a runtime's `totals` sum every batch since it started."""

    applied: int = 0
    duplicates: int = 0
    dead_lettered: int = 0
    writes: int = 0


def _back_off(attempt: int) -> None:
    """Before writing again after a lost race: a short random wait, growing with the attempts, so writers
    that keep colliding on the same documents (several projector processes) stop retrying in step."""
    if attempt:
        time.sleep(random.uniform(0, 0.002 * 2 ** min(attempt, 6)))


class ReadModelWriter:
    """Applies decoded events to documents: load once, apply, write once (one bulk write per collection).

    With `cache_documents` (the rebuild, which owns the read models it is filling), a document the
    writer wrote last is kept in memory and not read again for the next batch; the write's revision
    guard still proves it current, and a document someone else changed meanwhile is read again.
    """

    def __init__(self, db: Database, projections: Iterable[Projection], *, cache_documents: int = 0) -> None:
        self.db = db
        self.projections = list(projections)
        self.cache_documents = cache_documents
        self._cache: dict[tuple[str, str], dict[str, Any]] = {}
        # (projection index, document id) -> [document, base revision, raw messages applied since written]
        self._dirty: dict[tuple[int, str], list[Any]] = {}
        self._staged_events = 0
        # Every write is announced in the change log first, so readers in other processes find what changed
        # from one small document instead of scanning every document's revision.
        self.changes = ChangeLog(db)

    def ensure_indexes(self) -> None:
        for projection in self.projections:
            for key, direction in projection.indexes():
                self.db[projection.collection].create_index([(key, direction)])

    def apply(
        self, events: list[tuple[Envelope, PublicEvent, Delivery]], on_failure: Callable[[Delivery, str], None]
    ) -> BatchResult:
        result = BatchResult()
        work = self._group(events)
        for index, doc_ids in _by_collection(work).items():
            projection = self.projections[index]
            collection = self.db[projection.collection]
            pending = self._load(collection, doc_ids)
            for attempt in range(10):
                _back_off(attempt)
                writes: list[tuple[str, dict[str, Any], int | None, int, int]] = []
                for doc_id, stored in pending.items():
                    def reload(doc_id: str = doc_id, collection: Any = collection) -> dict[str, Any] | None:
                        return collection.find_one({"_id": doc_id})

                    base = stored.get("_rev", 0) if stored is not None else None
                    new_doc, base, applied, duplicates = self._apply_to(
                        projection, doc_id, stored, base, work[(index, doc_id)], on_failure, reload)
                    if new_doc is None:
                        result.applied += applied
                        result.duplicates += duplicates
                    else:
                        writes.append((doc_id, new_doc, base, applied, duplicates))
                uncertain = self._write(collection, writes)
                for doc_id, new_doc, _base, applied, duplicates in writes:
                    if doc_id not in uncertain:
                        result.applied += applied
                        result.duplicates += duplicates
                        result.writes += 1
                        self._remember(collection.name, new_doc)
                if not uncertain:
                    break
                # Lost a race (another writer changed the document), or could not tell: apply again on the
                # fresh document. Events a write of ours did store are skipped there as duplicates.
                first = {doc_id: (applied, duplicates) for doc_id, _, _, applied, duplicates in writes}
                fresh = {d["_id"]: d for d in collection.find({"_id": {"$in": sorted(uncertain)}})}
                pending = {}
                for doc_id in uncertain:
                    self._cache.pop((collection.name, doc_id), None)
                    if _holds(fresh.get(doc_id), work[(index, doc_id)]):
                        result.applied += first[doc_id][0]
                        result.duplicates += first[doc_id][1]
                        result.writes += 1
                    else:
                        pending[doc_id] = fresh.get(doc_id)
                if not pending:
                    break
            else:
                raise RuntimeError(f"could not write {projection.collection}: too much contention")
        return result

    # -- write-back (the rebuild): apply now, write every so many events --------------------------------

    @property
    def staged(self) -> int:
        """Events applied to documents in memory and not yet written."""
        return self._staged_events

    def stage(
        self, events: list[tuple[Envelope, PublicEvent, Delivery]], on_failure: Callable[[Delivery, str], None],
        decode: Callable[[Delivery], tuple[Envelope, PublicEvent]],
    ) -> BatchResult:
        """Apply events to the documents in memory without writing them; `flush()` writes each changed
        document once, however many batches changed it. Each changed document keeps the raw messages applied
        to it since its last write, so a document someone else wrote meanwhile is rebuilt from the store and
        those messages (`decode` reads them again): nothing is lost, nothing counted twice."""
        result = BatchResult()
        work = self._group(events)
        for index, doc_ids in _by_collection(work).items():
            projection = self.projections[index]
            collection = self.db[projection.collection]
            missing = [d for d in doc_ids if (index, d) not in self._dirty]
            loaded = self._load(collection, missing) if missing else {}
            for doc_id in doc_ids:
                entry = self._dirty.get((index, doc_id))
                if entry is None:
                    stored = loaded[doc_id]
                    entry = [stored, stored.get("_rev") if stored is not None else None, []]
                items = work[(index, doc_id)]

                def reload(entry: list[Any] = entry, doc_id: str = doc_id, index: int = index) -> Any:
                    self._cache.pop((self.projections[index].collection, doc_id), None)
                    entry[0], entry[1], _ = self._restore(index, doc_id, entry[2], decode)
                    return entry[0]

                positions: list[int] = []
                new_doc, base, applied, duplicates = self._apply_to(
                    projection, doc_id, entry[0], entry[1], items, on_failure, reload, positions)
                result.applied += applied
                result.duplicates += duplicates
                if new_doc is not None:
                    entry[0], entry[1] = new_doc, base
                    entry[2].extend(items[p][2] for p in positions)
                    self._dirty[(index, doc_id)] = entry
                    self._staged_events += applied
        return result

    def flush(self, decode: Callable[[Delivery], tuple[Envelope, PublicEvent]]) -> BatchResult:
        """Write every document `stage()` changed (one bulk write per collection)."""
        result = BatchResult()
        for index, doc_ids in _by_collection(self._dirty).items():
            collection = self.db[self.projections[index].collection]
            pending = doc_ids
            for attempt in range(10):
                _back_off(attempt)
                writes = [(d, self._dirty[(index, d)][0], self._dirty[(index, d)][1], 0, 0) for d in pending]
                uncertain = self._write(collection, writes)
                for doc_id, new_doc, _, _, _ in writes:
                    if doc_id not in uncertain:
                        result.writes += 1
                        self._remember(collection.name, new_doc)
                        del self._dirty[(index, doc_id)]
                pending = []
                for doc_id in sorted(uncertain):  # lost a race, or could not tell: rebuild from the store
                    self._cache.pop((collection.name, doc_id), None)
                    entry = self._dirty[(index, doc_id)]
                    restored, base, changed = self._restore(index, doc_id, entry[2], decode)
                    if not changed:
                        del self._dirty[(index, doc_id)]  # the store holds all of it already (our write, or theirs)
                        result.writes += 1
                        continue
                    entry[0], entry[1] = restored, base
                    pending.append(doc_id)
                if not pending:
                    break
            else:
                raise RuntimeError(f"could not write {collection.name}: too much contention")
        self._staged_events = 0
        return result

    def _restore(self, index: int, doc_id: str, deliveries: list[Delivery],
                 decode: Callable[[Delivery], tuple[Envelope, PublicEvent]]
                 ) -> tuple[dict[str, Any] | None, int | None, bool]:
        """The stored document with `deliveries` applied again (what a staged document should be), its base
        revision, and whether applying them changed it (False: the store already holds every one)."""
        projection = self.projections[index]
        collection = self.db[projection.collection]
        fresh = collection.find_one({"_id": doc_id})
        base = fresh.get("_rev") if fresh is not None else None
        items = [(*decode(d), d) for d in deliveries]
        doc, base, _, _ = self._apply_to(projection, doc_id, fresh, base, items, lambda d, r: None,
                                         lambda: collection.find_one({"_id": doc_id}))
        return (doc if doc is not None else fresh), base, doc is not None

    def _group(self, events: list[tuple[Envelope, PublicEvent, Delivery]]
               ) -> dict[tuple[int, str], list[tuple[Envelope, PublicEvent, Delivery]]]:
        """(projection index, document id) -> the events for that document, in order."""
        work: dict[tuple[int, str], list[tuple[Envelope, PublicEvent, Delivery]]] = defaultdict(list)
        for item in events:
            envelope, event, _ = item
            for index, projection in enumerate(self.projections):
                if projection.handles(envelope.type):
                    work[(index, projection.document_id(envelope, event))].append(item)
        return work

    def _load(self, collection: Any, doc_ids: list[str]) -> dict[str, dict[str, Any] | None]:
        """The stored documents (None: not stored yet), from the cache where it has them."""
        found: dict[str, dict[str, Any] | None] = {}
        missing = []
        for doc_id in doc_ids:
            cached = self._cache.get((collection.name, doc_id))
            if cached is None:
                missing.append(doc_id)
            else:
                found[doc_id] = cached
        if missing:
            loaded = {d["_id"]: d for d in collection.find({"_id": {"$in": missing}})}
            for doc_id in missing:
                found[doc_id] = loaded.get(doc_id)
        return {doc_id: found[doc_id] for doc_id in doc_ids}

    def _remember(self, collection: str, document: dict[str, Any]) -> None:
        if not self.cache_documents:
            return
        if len(self._cache) >= self.cache_documents:
            self._cache.pop(next(iter(self._cache)))  # the oldest entry: bounded memory
        self._cache[(collection, document["_id"])] = document

    def _apply_to(
        self, projection: Projection, doc_id: str, document: dict[str, Any] | None, base: int | None,
        items: list[tuple[Envelope, PublicEvent, Delivery]], on_failure: Callable[[Delivery, str], None],
        reload: Callable[[], dict[str, Any] | None], applied_at: list[int] | None = None,
    ) -> tuple[dict[str, Any] | None, int | None, int, int]:
        """Apply events in order to the document; return (new document, its base revision, applied, duplicates).

        The document is the reader's own copy (pymongo hands out fresh dicts; the cache holds only what this
        writer wrote last), so events are applied to it in place, without a defensive copy. A handler that
        raises has its event dead-lettered, and the document is reloaded from the store and rebuilt without
        that event, so no event is ever half-applied. The base revision (None: not stored yet) guards the write.
        """
        failed: set[int] = set()
        while True:
            doc = document
            applied = duplicates = 0
            if applied_at is not None:
                applied_at.clear()
            gapped = 0
            for position, (envelope, event, delivery) in enumerate(items):
                if doc is None:
                    doc = projection.new_document(doc_id, envelope)
                    doc.setdefault("_seen", {})
                    doc.setdefault("_upto", {})
                if position in failed:
                    # The document remembers what it lacks, so a replay of the dead letter applies it even
                    # after later versions of the aggregate were applied.
                    gapped += _add_gap(doc, envelope.subject, envelope.aggregateversion)
                    continue
                source, relay_position = source_position(envelope, delivery)
                if not _missing(doc, envelope.subject, envelope.aggregateversion, source, relay_position):
                    duplicates += 1
                    continue
                try:
                    projection.apply(doc, envelope, event)
                except Exception as exc:  # noqa: BLE001 - one bad event must not stop the district
                    log.exception("projection %s failed on %s", projection.collection, envelope.id,
                                  extra=_trace_fields(envelope))
                    on_failure(delivery, f"projection {projection.collection} failed: {type(exc).__name__}: {exc}")
                    failed.add(position)
                    self._cache.pop((projection.collection, doc_id), None)
                    document = reload()  # the failed handler may have half-changed `doc`
                    base = document.get("_rev") if document is not None else None
                    break
                _record(doc, envelope.subject, envelope.aggregateversion, source, relay_position)
                _fill_gap(doc, envelope.subject, envelope.aggregateversion)
                if log.isEnabledFor(logging.DEBUG):
                    log.debug("applied %s %s v%s to %s/%s", envelope.type, envelope.subject,
                              envelope.aggregateversion, projection.collection, doc_id, extra=_trace_fields(envelope))
                at = envelope.time.isoformat()
                if doc.get("as_of") is None or at > doc["as_of"]:
                    doc["as_of"] = at
                applied += 1
                if applied_at is not None:
                    applied_at.append(position)
            else:
                return (doc if applied or gapped else None), base, applied, duplicates

    def _write(self, collection: Any, writes: list[tuple[str, dict[str, Any], int | None, int, int]]) -> set[str]:
        """Insert (base None) or replace each document if it is still at revision `base`, in one bulk write.

        Returns the documents whose write may not have happened: an insert that met an existing
        document, or, when fewer replacements matched than were sent, every replaced document (a
        bulk result counts matches, it does not name them; the caller reads them again to see).
        """
        if not writes:
            return set()
        from pymongo import InsertOne, ReplaceOne
        from pymongo.errors import BulkWriteError

        started = time.perf_counter()
        operations = []
        for _doc_id, new_doc, base, _, _ in writes:
            new_doc["_rev"] = (base or 0) + 1
            operations.append(InsertOne(new_doc) if base is None
                              else ReplaceOne({"_id": new_doc["_id"], "_rev": base}, new_doc))
        replaced = [doc_id for doc_id, _, base, _, _ in writes if base is not None]
        unlisted = self.changes.record(collection.name, {doc_id: doc["_rev"] for doc_id, doc, _, _, _ in writes})
        uncertain: set[str] = set()
        try:
            matched = collection.bulk_write(operations, ordered=False).matched_count
        except BulkWriteError as exc:
            errors = exc.details.get("writeErrors", [])
            other = [e for e in errors if e.get("code") != DUPLICATE_KEY]
            if other:
                raise
            uncertain.update(writes[e["index"]][0] for e in errors)
            matched = exc.details.get("nMatched", 0)
        finally:
            if unlisted:
                self.changes.written()
        if matched < len(replaced):
            uncertain.update(replaced)
        metrics.READSTORE_WRITE_SECONDS.labels(collection.name).observe(time.perf_counter() - started)
        metrics.READSTORE_WRITES.labels(collection.name).inc(len(writes))
        return uncertain

    def drop(self) -> None:
        for projection in self.projections:
            self.db[projection.collection].drop()
        self.db[STATUS_COLLECTION].drop()
        self.changes.reset()  # after the drop: a reader that read everything before it reads everything again


class ProjectorRuntime:
    """Runs read-model projections over the shequ topics in one consumer group."""

    def __init__(
        self,
        *,
        db: Database,
        projections: Iterable[Projection],
        contracts: Mapping[str, PublicEventSet],
        topics: Iterable[str],
        bootstrap_servers: str,
        group_id: str,
        dead_letter_topic: str,
        batch_size: int = 1000,
        rebuild_batch_size: int = 200_000,
        rebuild_cache_documents: int = 20_000,
        member_name: str = "projector",
        consumer_factory: Callable[[], KafkaConsumer] | None = None,
        producer_factory: Callable[[], KafkaProducer] | None = None,
    ) -> None:
        from shared.platform.kafka import member_clients

        self._arguments = dict(db=db, projections=projections, contracts=contracts, topics=topics,
                               bootstrap_servers=bootstrap_servers, group_id=group_id,
                               dead_letter_topic=dead_letter_topic, batch_size=batch_size,
                               rebuild_batch_size=rebuild_batch_size,
                               rebuild_cache_documents=rebuild_cache_documents, member_name=member_name,
                               consumer_factory=consumer_factory, producer_factory=producer_factory)
        projections = list(projections)
        self._arguments["projections"] = projections
        self.writer = ReadModelWriter(db, projections)
        self.dead_letters = DeadLetterStore(db)
        self.db = db
        self.contracts = dict(contracts)
        self.topics = list(topics)
        self.dead_letter_topic = dead_letter_topic
        self.batch_size = batch_size
        self.rebuild_batch_size = rebuild_batch_size
        self.rebuild_cache_documents = rebuild_cache_documents
        self.member_name = member_name
        default_consumer, default_producer = member_clients(bootstrap_servers, group_id, member_name, batch_size)
        self._consumer_factory = consumer_factory or default_consumer
        self._producer_factory = producer_factory or default_producer
        self._subscription = Subscription(
            name=f"projector {member_name}", topics=self.topics, consumer_factory=self._consumer_factory,
            producer_factory=self._producer_factory, batch_size=batch_size,
            on_lag=lambda tp, lag: metrics.PROJECTOR_LAG.labels(tp.topic, str(tp.partition)).set(lag),
            before_poll=self._honour_rebuild,
            after_poll=lambda: self._write_status(force=False),
        )
        self.lag = self._subscription.lag
        self.assigned = self._subscription.assigned
        self.last_batch_at: datetime | None = None
        self.totals = BatchResult()
        self._status_written_at = 0.0
        self.rebuild_marker = RebuildMarker(db)
        self.paused_for: str | None = None
        """The rebuild this live member paused for (`shared.platform.rebuilds`), or None."""
        self._marker_checked_at = 0.0

    def fresh(self) -> ProjectorRuntime:
        """A new runtime with the same configuration and zeroed counters (for a rebuild)."""
        return ProjectorRuntime(**self._arguments)

    # -- decoding ---------------------------------------------------------------

    def decode(self, delivery: Delivery) -> tuple[Envelope, PublicEvent]:
        return decode_message(delivery.value, self.contracts)

    def _decode_again(self, delivery: Delivery) -> tuple[Envelope, PublicEvent]:
        return self.decode(delivery)

    def flush(self) -> BatchResult:
        """Write what `process(stage=True)` applied in memory."""
        started = time.perf_counter()
        result = self.writer.flush(self._decode_again)
        self.totals.add(result)  # only writes: the events were counted when staged
        log.info("projector %s: wrote %d documents in %.3fs", self.member_name, result.writes,
                 time.perf_counter() - started)
        return result

    # -- one batch ------------------------------------------------------------

    def process(self, deliveries: list[Delivery], dlq: KafkaProducer, *, stage: bool = False) -> BatchResult:
        """Decode, dead-letter what cannot be read, apply the rest. Durable on return (staged: applied in memory
        only, until `flush()`)."""
        started = time.perf_counter()
        dead: list[tuple[Delivery, str]] = []
        decoded: list[tuple[Envelope, PublicEvent, Delivery]] = []
        for delivery in deliveries:
            try:
                envelope, event = self.decode(delivery)
            except InvalidEnvelope as exc:
                dead.append((delivery, str(exc)))
                continue
            decoded.append((envelope, event, delivery))
        if stage:
            result = self.writer.stage(decoded, lambda d, reason: dead.append((d, reason)), self._decode_again)
        else:
            result = self.writer.apply(decoded, lambda d, reason: dead.append((d, reason)))
        correlation = {id(d): e.correlationid for e, _, d in decoded}
        futures = [self._dead_letter(dlq, delivery, reason, correlation.get(id(delivery)))
                   for delivery, reason in dead]
        if futures:
            dlq.flush(timeout=15)
            for future in futures:
                future.get(timeout=15)
        envelopes = {id(d): e for e, _, d in decoded}
        for delivery, reason in dead:  # before the offsets are committed: an operator can replay it
            self.dead_letters.record(delivery, reason, consumer=self.member_name, envelope=envelopes.get(id(delivery)))
        result.dead_lettered = len(dead)
        for delivery, reason in dead:
            metrics.PROJECTOR_DEAD_LETTERED.labels(delivery.topic, _reason_label(reason)).inc()
        per_topic: dict[str, int] = defaultdict(int)
        for _, _, delivery in decoded:
            per_topic[delivery.topic] += 1
        for topic, count in per_topic.items():
            metrics.PROJECTOR_APPLIED.labels(topic).inc(count)
        if result.duplicates:
            metrics.PROJECTOR_DUPLICATES.labels(deliveries[0].topic).inc(result.duplicates)
        metrics.PROJECTOR_BATCH_SIZE.observe(len(deliveries))
        elapsed = time.perf_counter() - started
        metrics.PROJECTOR_BATCH_SECONDS.observe(elapsed)
        log.info("projector %s: batch of %d applied=%d duplicates=%d dead_lettered=%d writes=%d in %.3fs",
                 self.member_name, len(deliveries), result.applied, result.duplicates, result.dead_lettered,
                 result.writes, elapsed)
        self.totals.add(result)
        return result

    def _dead_letter(self, dlq: KafkaProducer, delivery: Delivery, reason: str,
                     correlation_id: str | None = None) -> Any:
        # The envelope's correlation id when it decoded, else the relay's Kafka header (if any).
        correlation_id = correlation_id or delivery.header("correlation_id")
        log.warning("dead-lettering %s[%s]@%s: %s", delivery.topic, delivery.partition, delivery.offset, reason,
                    extra={"correlation_id": correlation_id} if correlation_id else None)
        return dead_letter(dlq, self.dead_letter_topic, delivery, reason)

    # -- the loop -------------------------------------------------------------

    def run(self, stop: threading.Event, *, until_caught_up: bool = False) -> None:
        """Consume in the consumer group until `stop` is set (see `Subscription.run` for until_caught_up)."""
        self.writer.ensure_indexes()
        try:
            self._subscription.run(stop, self._process_live, until_caught_up=until_caught_up)
        finally:
            try:  # no longer a live member: a rebuild does not wait for this one
                self._write_status(force=True, running=False)
            except Exception:  # noqa: BLE001 - the read store may be what stopped us
                log.warning("projector %s: could not record its stop", self.member_name, exc_info=True)

    def _process_live(self, deliveries: list[Delivery], dlq: KafkaProducer,
                      consumer: KafkaConsumer) -> dict[TopicPartition, int] | None:
        if self.paused_for is not None:
            # Polled from a partition assigned since the pause: put it back unapplied and commit nothing.
            first: dict[TopicPartition, int] = {}
            for delivery in deliveries:
                tp = TopicPartition(delivery.topic, delivery.partition)
                first[tp] = min(first.get(tp, delivery.offset), delivery.offset)
            for tp, offset in first.items():
                consumer.seek(tp, offset)
            consumer.pause(*first)
            return {}
        self.process(deliveries, dlq)
        self.last_batch_at = datetime.now(UTC)
        return None  # commit everything polled: the batch is durable

    def _honour_rebuild(self, consumer: KafkaConsumer) -> None:
        """Before each poll: pause while a rebuild's marker stands, resume when it is gone (at most 4 reads
        of the marker a second; a batch polled before the pause is seen is applied and committed before the
        acknowledgement, which is what the rebuild waits for)."""
        now = time.monotonic()
        if now - self._marker_checked_at >= 0.25:
            self._marker_checked_at = now
            marker = self.rebuild_marker.standing()
            rebuild_id = marker["rebuild"] if marker is not None else None
            if rebuild_id != self.paused_for:
                if rebuild_id is None:
                    consumer.resume(*consumer.paused())
                    log.info("projector %s: rebuild %s over, resuming", self.member_name, self.paused_for)
                else:
                    log.info("projector %s: pausing for rebuild %s by %s", self.member_name, rebuild_id,
                             marker.get("by") if marker else None)
                self.paused_for = rebuild_id
                if rebuild_id is not None:
                    consumer.pause(*consumer.assignment())
                self._write_status(force=True)  # the acknowledgement (or its end)
        if self.paused_for is not None:
            consumer.pause(*consumer.assignment())  # partitions assigned since, after a rebalance

    def pause_live_members(self, timeout: float = 60.0) -> LivePause:
        """Place the rebuild marker and wait until every live member paused (RebuildRefused otherwise)."""
        from shared.platform.kafka import group_timings

        # A member polls at least once per max poll interval or the group evicts it; one quiet for longer than
        # that (and a margin) is taken as gone. A stopped member says so itself (`running: False`).
        fresh = group_timings().get("max_poll_interval_ms", 300_000) / 1000 + 10
        hold = LivePause(self.rebuild_marker, lambda: list(self.db[STATUS_COLLECTION].find()), by=self.member_name,
                         member_fresh_seconds=fresh)
        hold.acquire(timeout)
        return hold

    def rebuild_from_scratch(self, stop: threading.Event, *, hold: LivePause | None = None,
                             pause_timeout: float = 60.0) -> BatchResult:
        """Pause the live members (unless `hold` already did), drop the read models, replay every topic from
        offset 0, and release them: the way to rebuild while projectors run (`shared.platform.rebuilds`)."""
        hold = hold or self.pause_live_members(pause_timeout)
        try:
            self.writer.drop()
            return self.rebuild(stop, hold=hold)
        finally:
            hold.release()

    def rebuild(self, stop: threading.Event, *, hold: LivePause | None = None) -> BatchResult:
        """Read every partition from offset 0 to its current end, outside the group, into the read models as
        they are (a replay: whatever they hold already is skipped as a duplicate).

        No group coordination and no commits: the live projector resumes from its own offsets afterwards.
        To start from empty read models while live members run, use `rebuild_from_scratch`, which pauses them
        (`hold`, kept alive here) so that nothing is applied out of order.
        """
        self.writer.ensure_indexes()
        consumer = self._consumer_factory(group=False)
        dlq = self._producer_factory()
        live_writer = self.writer
        # The rebuild fills the read models itself: it keeps what it wrote instead of reading it back.
        self.writer = ReadModelWriter(self.db, live_writer.projections, cache_documents=self.rebuild_cache_documents)
        try:
            partitions = [TopicPartition(topic, p) for topic in self.topics
                          for p in sorted(consumer.partitions_for_topic(topic) or ())]
            consumer.assign(partitions)
            consumer.seek_to_beginning(*partitions)
            targets = consumer.end_offsets(partitions)
            # No offsets to commit, so documents are written rarely: events are applied in memory as they are
            # read, and each changed document is written once per `rebuild_batch_size` events (and at the end).
            while not stop.is_set():
                if hold is not None:
                    hold.keep_alive()
                deliveries = poll(consumer, min(self.batch_size, 5000))
                done = not deliveries and reached(consumer, targets)
                if deliveries:
                    self.process(deliveries, dlq, stage=True)
                    self.last_batch_at = datetime.now(UTC)
                if self.writer.staged and (done or self.writer.staged >= self.rebuild_batch_size):
                    self.flush()
                if done:
                    break
            if self.writer.staged:
                self.flush()  # stopped before the end: what was read so far is written all the same
            self._write_status(force=True, running=False)
            return self.totals
        finally:
            self.writer = live_writer
            close(consumer, dlq)

    def _write_status(self, *, force: bool, running: bool = True) -> None:
        now = time.monotonic()
        if not force and now - self._status_written_at < 1.0:
            return
        self._status_written_at = now
        self.db[STATUS_COLLECTION].replace_one(
            {"_id": self.member_name},
            {
                "_id": self.member_name,
                "lag": dict(self.lag),
                "updated_at": datetime.now(UTC).isoformat(),
                "last_batch_at": self.last_batch_at.isoformat() if self.last_batch_at else None,
                "applied": self.totals.applied,
                "duplicates": self.totals.duplicates,
                "dead_lettered": self.totals.dead_lettered,
                "running": running,  # a live member (a rebuild waits for it to pause), or stopped / a rebuild
                "paused_for": self.paused_for,
            },
            upsert=True,
        )


def _by_collection(keys: Iterable[tuple[int, str]]) -> dict[int, list[str]]:
    """(projection index, document id) keys -> projection index -> document ids, in order."""
    grouped: dict[int, list[str]] = defaultdict(list)
    for index, doc_id in keys:
        grouped[index].append(doc_id)
    return grouped


def _holds(document: dict[str, Any] | None, items: list[tuple[Envelope, PublicEvent, Delivery]]) -> bool:
    """Whether a stored document has taken every one of these events: applied it, or recorded it as a gap."""
    if document is None:
        return False
    gaps = document.get("_gaps", {})
    return all(e.aggregateversion in gaps.get(e.subject, ())
               or not _missing(document, e.subject, e.aggregateversion, *source_position(e, d))
               for e, _, d in items)


def source_position(envelope: Envelope, delivery: Delivery) -> tuple[str, int | None]:
    """The event's source partition as `_upto` names it ("grid-0"), and its relay position (None: no header)."""
    for name, value in delivery.headers:
        if name == POSITION_HEADER:
            try:
                return f"{envelope.service}-{delivery.partition}", int(value)
            except ValueError:
                break
    return f"{envelope.service}-{delivery.partition}", None


def _missing(document: dict[str, Any], subject: str, version: int, source: str, position: int | None) -> bool:
    """Whether the document has not applied this version of the aggregate (see the module's docstring)."""
    if version in document.get("_gaps", {}).get(subject, ()):
        return True
    seen = document.get("_seen", {})
    if subject in seen:
        return seen[subject] < version
    upto = document.get("_upto")
    if upto is None or position is None or document.get("_seen_complete"):
        return True  # `_seen` holds every aggregate this document applied, and not this one
    return upto.get(source, 0) < position


def _record(document: dict[str, Any], subject: str, version: int, source: str, position: int | None) -> None:
    """Mark the version applied: in `_seen` (most recent last, trimmed to the window) and in `_upto`."""
    seen = document["_seen"]
    upto = document.get("_upto")
    if upto is None or position is None:
        # Not covered by `_upto` (a document from before it, or an event without a position): from now on
        # this document keeps every aggregate's mark.
        document["_seen_complete"] = True
        if upto is None:
            document["_upto"] = upto = {}
    if position is not None:
        if position > upto.get(source, 0):
            upto[source] = position
        elif subject not in seen and not document.get("_seen_complete"):
            return  # a dead letter replayed into its gap: the aggregate's newer mark is already in `_upto`
    previous = seen.pop(subject, 0)
    seen[subject] = max(previous, version)
    while len(seen) > SEEN_WINDOW and not document.get("_seen_complete"):
        del seen[next(iter(seen))]  # the least recently applied aggregate: `_upto` covers it


def _add_gap(document: dict[str, Any], subject: str, version: int) -> int:
    gaps = document.setdefault("_gaps", {}).setdefault(subject, [])
    if version in gaps:
        return 0
    gaps.append(version)
    return 1


def _fill_gap(document: dict[str, Any], subject: str, version: int) -> None:
    gaps = document.get("_gaps")
    if not gaps or version not in gaps.get(subject, ()):
        return
    gaps[subject].remove(version)
    if not gaps[subject]:
        del gaps[subject]
    if not gaps:
        del document["_gaps"]


def _trace_fields(envelope: Envelope) -> dict[str, Any]:
    """Log fields (shared.platform.logs emits them) that tie a log line to a request and an event."""
    fields: dict[str, Any] = {"event_id": envelope.id}
    if envelope.correlationid:
        fields["correlation_id"] = envelope.correlationid
    return fields


def _reason_label(reason: str) -> str:
    """A bounded label for a dead-letter reason."""
    for prefix, label in (
        ("not JSON", "not_json"),
        ("not a JSON object", "not_json"),
        ("not a shequ CloudEvent", "bad_envelope"),
        ("unknown event type", "unknown_type"),
        ("unknown source", "unknown_source"),
        ("projection", "projection_error"),
    ):
        if reason.startswith(prefix):
            return label
    return "invalid_data" if "data invalid" in reason else "other"
