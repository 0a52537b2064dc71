"""The one Kafka subscription loop: the district projector and the consumer kit (sagas) both run on it.

Connect, subscribe, poll a batch, hand it to the caller's `process`, commit what it returns, publish the lag,
and on a broker error close everything and reconnect with a growing backoff, until `stop` is set.
Offsets are committed only after `process` returned, so a crash redelivers and never skips.

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
from dataclasses import dataclass, field
from typing import Any

from kafka import KafkaConsumer, KafkaProducer, TopicPartition
from kafka.errors import KafkaError
from kafka.structs import OffsetAndMetadata

from shared.platform.kafka import Delivery

log = logging.getLogger("shequ.subscription")

Offsets = Mapping[TopicPartition, int]
Process = Callable[[list[Delivery], KafkaProducer, KafkaConsumer], Offsets | None]
"""Handles one batch durably; returns the offsets to commit (next offset per partition), or None for all."""


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

    def run(self, stop: threading.Event, process: Process, *, until_caught_up: bool = False) -> None:
        """Consume until `stop` is set. With until_caught_up, return once every assigned partition was read
        up to the end offsets seen at assignment (tests and tools)."""
        backoff = 0.5
        while not stop.is_set():
            consumer = dlq = None
            try:
                self.prepare()
                consumer = self.consumer_factory()
                dlq = self.producer_factory()
                consumer.subscribe(self.topics)
                targets: dict[TopicPartition, int] = {}
                while not stop.is_set():
                    self.before_poll(consumer)
                    deliveries = poll(consumer, self.batch_size)
                    assignment = consumer.assignment()
                    if assignment:
                        self.assigned.set()
                        if until_caught_up and set(targets) != assignment:
                            targets = consumer.end_offsets(list(assignment))
                    if deliveries:
                        offsets = process(deliveries, dlq, consumer)
                        if offsets is None:
                            consumer.commit()
                        elif offsets:
                            consumer.commit({tp: OffsetAndMetadata(o, "", -1) for tp, o in offsets.items()})
                    self.refresh_lag(consumer, force=not deliveries)
                    self.after_poll()
                    backoff = 0.5
                    if until_caught_up and targets and not deliveries and reached(consumer, targets):
                        return
            except KafkaError as exc:
                log.warning("%s: broker unavailable (%s); retrying in %.1fs", self.name, exc, backoff)
                stop.wait(backoff)
                backoff = min(backoff * 2, 5.0)
            finally:
                self.assigned.clear()
                close(consumer, dlq)

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
