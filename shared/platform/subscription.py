"""The one Kafka subscription loop: the district projector and the consumer kit (sagas) both run on it.

Connect, subscribe, poll a batch, hand it to the caller's `process`, commit what it returns, publish the lag,
and on a broker error close everything and reconnect with a growing backoff, until `stop` is set.
Offsets are committed only after `process` returned, so a crash redelivers and never skips.

A batch must be done within the group's max poll interval (KAFKA_MAX_POLL_INTERVAL_MS, 5 s on the embedded
broker): past it the broker evicts the member, refuses the commit, and the batch is read again after the
rejoin, as slowly, so a starved process (CPU contention: a CI machine, a noisy node) would redo the same batch
forever. So the loop sizes its batches by how long they take: a batch that took more than half the interval
makes the next ones smaller (aiming at a quarter of it), one refused commit too; quick batches grow them back
up to `batch_size`.

Why not the `eventsourcing` library's projection runners: they follow one application's notification log
(a database) with a tracking record; here the source is Kafka, whose consumer group already tracks the
position (committed offsets) and whose topics carry several services' events. The relay, which does follow
a notification log, keeps its position with the library's tracking records (`shared.platform.relay`).
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, fields
from typing import Any

from kafka import KafkaConsumer, KafkaProducer, TopicPartition
from kafka.errors import CommitFailedError, KafkaError
from kafka.structs import OffsetAndMetadata

from shared.platform import kafka
from shared.platform.kafka import Delivery

log = logging.getLogger("shequ.subscription")

Offsets = Mapping[TopicPartition, int]
Process = Callable[[list[Delivery], KafkaProducer, KafkaConsumer], Offsets | None]
"""Handles one batch durably; returns the offsets to commit (next offset per partition), or None for all."""


@dataclass
class Counts:
    """Integer counters of what a subscriber did; `add` sums another set into this one, field by field."""

    def add(self, other: Counts) -> None:
        for counter in fields(self):
            setattr(self, counter.name, getattr(self, counter.name) + getattr(other, counter.name))


@dataclass
class Subscription:
    """A consumer group member reading `topics`, with a producer for dead letters."""

    name: str
    topics: list[str]
    consumer_factory: Callable[[], KafkaConsumer]
    producer_factory: Callable[[], KafkaProducer]
    batch_size: int
    on_lag: Callable[[TopicPartition, int], None] = lambda tp, lag: None
    prepare: Callable[[], None] = lambda: None
    """Runs before each connection (e.g. creating topics); a KafkaError in it is retried like any other."""
    before_poll: Callable[[KafkaConsumer], None] = lambda consumer: None
    after_poll: Callable[[], None] = lambda: None
    """Runs after each poll and lag refresh (e.g. publishing a status document, rate-limited by the caller)."""
    assigned: threading.Event = field(default_factory=threading.Event)
    lag: dict[str, int] = field(default_factory=dict)
    _lag_refreshed_at: float = 0.0
    _max_records: int = 0
    """The next poll's batch size: `batch_size`, less while batches take too long for the poll interval."""

    def run(self, stop: threading.Event, process: Process, *, until_caught_up: bool = False) -> None:
        """Consume until `stop` is set. With until_caught_up, return once every assigned partition was read
        up to the end offsets seen at assignment (tests and tools)."""
        backoff = 0.5
        self._max_records = self._max_records or self.batch_size
        while not stop.is_set():
            consumer = dlq = None
            in_flight: tuple[int, float] | None = None  # (messages, polled at) of the batch being handled
            try:
                self.prepare()
                consumer = self.consumer_factory()
                dlq = self.producer_factory()
                consumer.subscribe(self.topics)
                subscribed_at = time.monotonic()
                targets: dict[TopicPartition, int] = {}
                held: set[TopicPartition] = set()
                while not stop.is_set():
                    self.before_poll(consumer)
                    polled_at = time.monotonic()
                    deliveries = poll(consumer, self._max_records)
                    assignment = consumer.assignment()
                    if assignment != held:  # a (re)join of the group: when, and what it got
                        log.info("%s: assigned %d partitions (%s) %.1fs after subscribing", self.name,
                                 len(assignment), ", ".join(sorted(f"{tp.topic}:{tp.partition}" for tp in assignment)),
                                 time.monotonic() - subscribed_at)
                        held = set(assignment)
                    if assignment:
                        self.assigned.set()
                        if until_caught_up and set(targets) != assignment:
                            targets = consumer.end_offsets(list(assignment))
                    if deliveries:
                        in_flight = (len(deliveries), polled_at)
                        offsets = process(deliveries, dlq, consumer)
                        if offsets is None:
                            consumer.commit()
                        elif offsets:
                            consumer.commit({tp: OffsetAndMetadata(o, "", -1) for tp, o in offsets.items()})
                    self.refresh_lag(consumer, force=not deliveries)
                    self.after_poll()
                    if in_flight is not None:
                        self._fit_batch(in_flight[0], time.monotonic() - in_flight[1])
                        in_flight = None
                    backoff = 0.5
                    if until_caught_up and targets and not deliveries and reached(consumer, targets):
                        return
            except KafkaError as exc:
                if isinstance(exc, CommitFailedError) and in_flight is not None:
                    # Evicted for taking too long: the batch is read again, so read less of it at a time.
                    self._fit_batch(in_flight[0], time.monotonic() - in_flight[1], refused=True)
                log.warning("%s: broker unavailable (%s); retrying in %.1fs", self.name, exc, backoff)
                stop.wait(backoff)
                backoff = min(backoff * 2, 5.0)
            finally:
                self.assigned.clear()
                close(consumer, dlq)

    def _fit_batch(self, count: int, seconds: float, *, refused: bool = False) -> None:
        """Size the next batches so that one is handled well within the group's max poll interval."""
        limit = kafka.group_timings().get("max_poll_interval_ms", 300_000) / 1000
        size = self._max_records
        if refused or seconds > limit / 2:
            size = max(1, min(size, int(count * (limit / 4) / max(seconds, 1e-3))))
        elif seconds < limit / 8 and count >= size:
            size = min(self.batch_size, size * 2)
        if size != self._max_records:
            log.log(logging.WARNING if size < self._max_records else logging.INFO,
                    "%s: a batch of %d took %.1fs from poll to commit%s (max poll interval %.0fs): batches of %d now",
                    self.name, count, seconds, ", commit refused" if refused else "", limit, size)
            self._max_records = size

    def refresh_lag(self, consumer: KafkaConsumer, *, force: bool) -> None:
        """Publish how far behind each assigned partition is (at most once a second while busy)."""
        now = time.monotonic()
        if now - self._lag_refreshed_at < (0.5 if force else 1.0):
            return
        self._lag_refreshed_at = now
        assignment = list(consumer.assignment())
        if not assignment:
            return
        ends = consumer.end_offsets(assignment)
        for tp in assignment:
            # Tansu reports the last batch's base offset + 1 as the end offset: clamp.
            lag = max(0, ends.get(tp, 0) - (consumer.position(tp) or 0))
            self.lag[f"{tp.topic}:{tp.partition}"] = lag
            self.on_lag(tp, lag)


def poll(consumer: KafkaConsumer, max_records: int) -> list[Delivery]:
    polled = consumer.poll(timeout_ms=200, max_records=max_records)
    return [Delivery.of(m) for records in polled.values() for m in records]


def reached(consumer: KafkaConsumer, targets: Mapping[TopicPartition, int]) -> bool:
    return all(consumer.position(tp) >= end for tp, end in targets.items())


def close(*clients: Any) -> None:
    for client in clients:
        if client is not None:
            try:
                client.close()
            except Exception:  # noqa: BLE001 - closing must not mask the cause of a stop
                log.debug("error closing client", exc_info=True)
