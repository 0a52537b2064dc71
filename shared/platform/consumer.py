"""The consumer kit: a small, typed way to react to shequ topics.

    consumer = EventConsumer(bootstrap, "shequ-notifier", [grid_events], "shequ.notifier.dlq")

    @consumer.on(CaseReported)                    # or consumer.on("shequ.grid.CaseReported.v1", handler)
    def reported(envelope: Envelope, event: CaseReported) -> None: ...

    consumer.run(stop)                            # stop: threading.Event

Rules the loop keeps:
- A consumer group; offsets are committed only after the handlers of every
  message before them returned (or the message was dead-lettered and the
  dead-letter topic acknowledged it). A crash re-delivers, never skips.
- A message that is not a shequ CloudEvent, or whose data does not match its
  contract, goes to the dead-letter topic with a `dlq_reason` header (as the
  district projector does). Event types nobody subscribed to are skipped.
- A handler that raises is retried a few times with backoff, then the message
  is dead-lettered with the reason. A handler that raises `RetryLater` (the
  state it needs is not there yet, e.g. an event from another topic arrived
  first) has its partition rewound and paused for a growing delay, while other
  partitions keep flowing; only after `retry_later_for` seconds is it
  dead-lettered, so it is parked, never dropped.
- Envelope ids already handled are skipped via a `SeenStore`. The seen store is
  an optimisation (it saves work on redelivery), not the guarantee: an
  in-memory store forgets on restart, and a crash between the handler and
  `mark` re-runs the handler. Handlers must be idempotent themselves (shequ's
  saga handlers are: deterministic aggregate ids and state checks).
"""

from __future__ import annotations

import logging
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Protocol, TypeVar

from kafka import KafkaConsumer, KafkaProducer, TopicPartition
from prometheus_client import Counter, Gauge

from shared.platform.envelope import Envelope, InvalidEnvelope, PublicEvent, PublicEventSet
from shared.platform.kafka import Delivery, KafkaAdmin, dead_letter
from shared.platform.subscription import Counts, Subscription

log = logging.getLogger("shequ.consumer")

SAGA_MESSAGES = Counter(
    "shequ_saga_messages_total",
    "Messages seen by event consumers (kit), by outcome: handled, duplicate, ignored, retried, dead_lettered",
    ["consumer", "outcome"],
)

SAGA_LAG = Gauge(
    "shequ_saga_lag_events",
    "Messages on a consumed partition not yet handled by an event consumer (kit), per topic and partition",
    ["consumer", "topic", "partition"], multiprocess_mode="max",
)

E = TypeVar("E", bound=PublicEvent)
Handler = Callable[[Envelope, Any], None]


class RetryLater(Exception):
    """Raised by a handler when the message cannot be handled *yet*; it is redelivered later."""


class SeenStore(Protocol):
    """Which envelope ids were handled already (an optimisation; handlers stay idempotent)."""

    def seen(self, envelope_id: str) -> bool: ...

    def mark(self, envelope_id: str) -> None: ...


class MemorySeenStore:
    """The last `capacity` handled envelope ids, in memory (forgotten on restart)."""

    def __init__(self, capacity: int = 100_000) -> None:
        self.capacity = capacity
        self._ids: OrderedDict[str, None] = OrderedDict()
        self._lock = threading.Lock()

    def seen(self, envelope_id: str) -> bool:
        with self._lock:
            if envelope_id in self._ids:
                self._ids.move_to_end(envelope_id)
                return True
            return False

    def mark(self, envelope_id: str) -> None:
        with self._lock:
            self._ids[envelope_id] = None
            self._ids.move_to_end(envelope_id)
            while len(self._ids) > self.capacity:
                self._ids.popitem(last=False)


@dataclass
class Totals(Counts):
    """What a consumer did with the messages it was given, since it started."""

    handled: int = 0
    duplicate: int = 0
    ignored: int = 0
    retried: int = 0
    dead_lettered: int = 0


class _Rewind(Exception):
    """Internal: stop this partition's batch here and redeliver from this message later."""


def default_topic_for(service: str) -> str:
    return f"shequ.{service}.v1"


class EventConsumer:
    """Subscribe typed handlers to shequ event types; run them in a consumer group."""

    def __init__(
        self,
        bootstrap_servers: str,
        group_id: str,
        contracts: Iterable[PublicEventSet] | Mapping[str, PublicEventSet],
        dead_letter_topic: str,
        *,
        name: str | None = None,
        topics: Iterable[str] | None = None,
        topic_for: Callable[[str], str] = default_topic_for,
        seen: SeenStore | None = None,
        attempts: int = 3,
        retry_backoff: float = 0.1,
        retry_later_for: float = 600.0,
        batch_size: int = 100,
        partitions: int = 3,
        replication_factor: int = 1,
        consumer_factory: Callable[[], KafkaConsumer] | None = None,
        producer_factory: Callable[[], KafkaProducer] | None = None,
    ) -> None:
        from shared.platform.kafka import member_clients

        self.bootstrap_servers = bootstrap_servers
        self.group_id = group_id
        self.name = name or group_id
        self.contracts = dict(contracts) if isinstance(contracts, Mapping) else {c.service: c for c in contracts}
        self.dead_letter_topic = dead_letter_topic
        self._topics = list(topics) if topics is not None else None
        self.topic_for = topic_for
        self.seen_store: SeenStore = seen if seen is not None else MemorySeenStore()
        self.attempts = max(1, attempts)
        self.retry_backoff = retry_backoff
        self.retry_later_for = retry_later_for
        self.batch_size = batch_size
        self.partitions = partitions
        self.replication_factor = replication_factor
        default_consumer, default_producer = member_clients(bootstrap_servers, group_id, self.name, batch_size)
        self._consumer_factory = consumer_factory or default_consumer
        self._producer_factory = producer_factory or default_producer
        self.handlers: dict[str, list[Handler]] = {}
        self.totals = Totals()
        self.assigned = threading.Event()
        # Partitions waiting for a RetryLater message: tp -> (resume at, first failure, attempts)
        self._waiting: dict[TopicPartition, tuple[float, float, int]] = {}
        self.lag: dict[str, int] = {}

    # -- registration -----------------------------------------------------------

    def type_name(self, public: type[PublicEvent]) -> str:
        for events in self.contracts.values():
            if events.includes(public):
                return events.type_name(public)
        raise LookupError(f"{public.__qualname__} is in none of this consumer's contracts "
                          f"({', '.join(self.contracts)})")

    def on(self, event: type[E] | str, handler: Callable[[Envelope, E], None] | None = None) -> Any:
        """Register `handler(envelope, event)` for a public event class or type name; usable as a decorator."""
        type_name = event if isinstance(event, str) else self.type_name(event)
        service = type_name.split(".")[1] if type_name.count(".") >= 3 else ""
        events = self.contracts.get(service)
        if events is None or type_name not in events.public_types:
            raise LookupError(f"{type_name} is in none of this consumer's contracts ({', '.join(self.contracts)})")

        def register(fn: Callable[[Envelope, E], None]) -> Callable[[Envelope, E], None]:
            self.handlers.setdefault(type_name, []).append(fn)
            return fn

        return register(handler) if handler is not None else register

    @property
    def topics(self) -> list[str]:
        if self._topics is not None:
            return self._topics
        services = sorted({t.split(".")[1] for t in self.handlers})
        return [self.topic_for(s) for s in services]

    # -- one message ------------------------------------------------------------

    def _count(self, outcome: str, n: int = 1) -> None:
        setattr(self.totals, outcome, getattr(self.totals, outcome) + n)
        SAGA_MESSAGES.labels(self.name, outcome).inc(n)

    def handle(self, message: Delivery, dlq: KafkaProducer | None) -> None:
        """Handle one message completely (handled, skipped or dead-lettered), or raise `_Rewind`."""
        try:
            envelope = Envelope.from_bytes(message.value)
        except InvalidEnvelope as exc:
            self._dead_letter(dlq, message, str(exc))
            return
        handlers = self.handlers.get(envelope.type)
        if not handlers:
            self._count("ignored")
            return
        if self.seen_store.seen(envelope.id):
            self._count("duplicate")
            return
        try:
            event = self.contracts[envelope.service].decode(envelope)
        except (InvalidEnvelope, KeyError) as exc:
            self._dead_letter(dlq, message, str(exc))
            return
        attempt = 0
        while True:
            attempt += 1
            try:
                for handler in handlers:
                    handler(envelope, event)
            except RetryLater as exc:
                self._count("retried")
                if self._give_up_waiting(message.tp):
                    self._dead_letter(dlq, message, f"gave up waiting: {exc}")
                    return
                log.info("consumer %s: %s (%s) not ready: %s; will redeliver", self.name, envelope.type,
                         envelope.id, exc)
                raise _Rewind from exc
            except Exception as exc:  # noqa: BLE001 - one bad message must not stop the consumer
                if attempt >= self.attempts:
                    log.exception("consumer %s: handler failed on %s (%s)", self.name, envelope.type, envelope.id)
                    self._dead_letter(dlq, message, f"handler failed after {attempt} attempts: "
                                                    f"{type(exc).__name__}: {exc}")
                    return
                self._count("retried")
                time.sleep(self.retry_backoff * 3 ** (attempt - 1))
                continue
            break
        self._waiting.pop(message.tp, None)
        self.seen_store.mark(envelope.id)
        self._count("handled")

    def _give_up_waiting(self, tp: TopicPartition) -> bool:
        now = time.monotonic()
        _, first, attempts = self._waiting.get(tp, (0.0, now, 0))
        if now - first >= self.retry_later_for:
            self._waiting.pop(tp, None)
            return True
        delay = min(self.retry_backoff * 2 ** attempts, 5.0)
        self._waiting[tp] = (now + delay, first, attempts + 1)
        return False

    def _dead_letter(self, dlq: KafkaProducer | None, message: Delivery, reason: str) -> None:
        log.warning("consumer %s: dead-lettering %s[%s]@%s: %s", self.name, message.topic, message.partition,
                    message.offset, reason)
        if dlq is None:
            raise RuntimeError("no dead-letter producer")
        dead_letter(dlq, self.dead_letter_topic, message, reason,
                    [("dlq_consumer", self.group_id.encode())]).get(timeout=15)
        self._count("dead_lettered")

    # -- one batch ---------------------------------------------------------------

    def process(self, messages: list[Delivery], dlq: KafkaProducer | None,
                consumer: KafkaConsumer | None = None) -> dict[TopicPartition, int]:
        """Handle a batch in order per partition; return the offsets to commit (next offset per partition)."""
        commit: dict[TopicPartition, int] = {}
        rewound: set[TopicPartition] = set()
        for message in messages:
            tp = message.tp
            if tp in rewound:
                continue
            try:
                self.handle(message, dlq)
            except _Rewind:
                rewound.add(tp)
                if consumer is not None:
                    consumer.seek(tp, message.offset)
                    consumer.pause(tp)
                continue
            commit[tp] = message.offset + 1
        return commit

    # -- the loop ------------------------------------------------------------------

    def run(self, stop: threading.Event) -> None:
        """Consume until `stop` is set; reconnects when the broker goes away."""
        if not self.handlers:
            raise RuntimeError(f"consumer {self.name} has no handlers")
        Subscription(
            name=f"consumer {self.name}", topics=self.topics, consumer_factory=self._consumer_factory,
            producer_factory=self._producer_factory, batch_size=self.batch_size, prepare=self._prepare,
            before_poll=self._resume_due, assigned=self.assigned, lag=self.lag,
            on_lag=lambda tp, lag: SAGA_LAG.labels(self.name, tp.topic, str(tp.partition)).set(lag),
        ).run(stop, self.process)

    def _prepare(self) -> None:
        """Before each connection: the topics exist (a consumer may start before any producer), nothing parked."""
        admin = KafkaAdmin(self.bootstrap_servers)
        try:
            admin.ensure_topics(self.topics, self.partitions, self.replication_factor)
        finally:
            admin.close()
        self._waiting.clear()

    def _resume_due(self, consumer: KafkaConsumer) -> None:
        now = time.monotonic()
        paused = consumer.paused()
        for tp in list(paused):
            waiting = self._waiting.get(tp)
            if waiting is None or waiting[0] <= now:
                consumer.resume(tp)
