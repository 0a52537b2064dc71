"""The relay: a service's event store is its outbox.

It reads the notification log in order, publishes each stored event's public
envelope to the service topic keyed by aggregate id, and records its position
(a tracking record in the event store's own database) only after the broker
acknowledged the whole batch. At-least-once: a crash between acknowledgement and
tracking re-publishes the batch with the same envelope ids, which consumers drop.

The position is kept per broker cluster id: a new, empty cluster (Tansu keeps
topics in memory) has no position, so everything is published to it again.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import KW_ONLY, dataclass, field
from datetime import UTC, datetime
from typing import Any

from eventsourcing.persistence import Tracking
from kafka import KafkaProducer
from kafka.errors import KafkaError
from pydantic import ValidationError

from shared.platform import metrics
from shared.platform.envelope import EventContract, InvalidEnvelope, Outgoing
from shared.platform.eventstore import ServiceApplication
from shared.platform.kafka import KafkaAdmin
from shared.platform.leadership import Leadership, SoleProcess

log = logging.getLogger("shequ.relay")


class ContractViolation(RuntimeError):
    """A stored event whose public envelope does not satisfy the published contract.

    Always a bug (a converter or model out of step with the schema): the relay
    stops, publishing nothing of the batch, rather than publish garbage.
    """

    def __init__(self, service: str, position: int, stored_type: str, reason: str) -> None:
        super().__init__(f"relay {service}: stored event #{position} ({stored_type}) violates the public "
                         f"contract: {reason}")
        self.service, self.position, self.stored_type, self.reason = service, position, stored_type, reason


@dataclass(eq=False)
class Relay:
    """Publishes one service's stored events to its topic (see the module's docstring); `run` is its loop."""

    app: ServiceApplication
    contract: EventContract
    topic: str
    bootstrap_servers: str
    _: KW_ONLY
    partitions: int = 3
    replication_factor: int = 1
    batch_size: int = 500
    idle_seconds: float = 0.5
    cluster_check_seconds: float = 2.0
    producer_factory: Callable[[], KafkaProducer] | None = None
    """None: a durable producer for `bootstrap_servers`."""
    leadership: Leadership = field(default_factory=SoleProcess)
    standby_seconds: float = 2.0

    def __post_init__(self) -> None:
        self.service = self.contract.service
        self._producer: KafkaProducer | None = None
        self._admin: KafkaAdmin | None = None
        self._cluster_id: str | None = None
        self._cluster_checked_at = 0.0
        self.connected = False
        self.standing_by = False
        self.failed: str | None = None
        # A full batch sent but not yet acknowledged: (futures, its last position). Under a backlog the next
        # batch is read, mapped and sent while this one is in flight; its tracking is recorded only after
        # the broker acknowledged every record of it, as always.
        self._unsettled: tuple[list[Any], int] | None = None
        self._sent_upto: int | None = None

    def _new_producer(self) -> KafkaProducer:
        if self.producer_factory is not None:
            return self.producer_factory()
        from shared.platform.kafka import durable_producer

        return durable_producer(self.bootstrap_servers, f"shequ-relay-{self.service}")

    # -- position -------------------------------------------------------------

    def tracking_name(self, cluster_id: str) -> str:
        return f"relay:{self.topic}@{cluster_id}"

    def position(self, cluster_id: str) -> int:
        return self.app.process_recorder.max_tracking_id(self.tracking_name(cluster_id)) or 0

    def acknowledged(self) -> int:
        """The recorded position on the current cluster: everything up to it was acknowledged by the broker."""
        return self.position(self._connect())

    # -- connection -------------------------------------------------------------

    def _connect(self) -> str:
        """(Re)connect if needed; return the current cluster id."""
        now = time.monotonic()
        if self._admin is None:
            self._admin = KafkaAdmin(self.bootstrap_servers)
        if self._cluster_id is None or now - self._cluster_checked_at > self.cluster_check_seconds:
            cluster_id = self._admin.cluster_id()
            if cluster_id != self._cluster_id:
                self._forget_unsettled()
                self._admin.ensure_topics([self.topic], self.partitions, self.replication_factor)
                position = self.position(cluster_id)
                log.info("relay %s: publishing to cluster %s from position %s", self.service, cluster_id, position)
                if position == 0 and self.app.recorder.max_notification_id():
                    metrics.RELAY_RESTARTS.labels(self.service).inc()  # a new, empty cluster gets everything
                self._cluster_id = cluster_id
            self._cluster_checked_at = now
        if self._producer is None:
            self._producer = self._new_producer()
        self.connected = True
        return self._cluster_id

    def _forget_unsettled(self) -> None:
        """Sent but unacknowledged records are published again from the recorded position (at least once)."""
        self._unsettled = None
        self._sent_upto = None

    def _disconnect(self) -> None:
        self._forget_unsettled()
        self.connected = False
        for client in (self._producer, self._admin):
            if client is not None:
                try:
                    client.close(timeout=1) if isinstance(client, KafkaProducer) else client.close()
                except Exception:  # noqa: BLE001 - closing a broken client must not mask the cause
                    log.debug("relay %s: error closing client", self.service, exc_info=True)
        self._producer = None
        self._admin = None
        self._cluster_id = None

    # -- publishing -------------------------------------------------------------

    def publish_batch(self) -> int:
        """Publish the next batch; return how many notifications it covered.

        A batch shorter than `batch_size` (the relay has caught up) is flushed and its tracking recorded
        before returning. A full batch (a backlog) is left in flight, and settled by the next call after
        that call has sent its own batch, so the broker's round trips overlap the mapping and validation
        of the next batch instead of draining the producer's pipeline once per batch.
        """
        cluster_id = self._connect()
        recorder = self.app.process_recorder
        position = self._sent_upto if self._sent_upto is not None else self.position(cluster_id)
        notifications = recorder.select_notifications(
            start=position, limit=self.batch_size, inclusive_of_start=False
        )
        self._update_lag(position, notifications)
        previous, self._unsettled = self._unsettled, None
        try:
            outgoing = [(n, o) for n in notifications if (o := self._checked(n)) is not None]
        except ContractViolation:
            if previous is not None:
                self._settle(previous, cluster_id)  # what was sent before the violation is acknowledged
            raise
        assert self._producer is not None or not notifications
        futures = [self._send(notification, checked) for notification, checked in outgoing]
        if previous is not None:
            self._settle(previous, cluster_id)
        if not notifications:
            self._sent_upto = None
            return 0
        sent = (futures, notifications[-1].id)
        if len(notifications) < self.batch_size:
            self._producer.flush(timeout=15)
            self._settle(sent, cluster_id)
            self._sent_upto = None
        else:
            self._unsettled, self._sent_upto = sent, notifications[-1].id
        return len(notifications)

    def _send(self, notification: Any, outgoing: Outgoing) -> Any:
        assert self._producer is not None
        return self._producer.send(
            self.topic,
            key=outgoing.subject.encode(),
            value=outgoing.value,
            headers=[
                ("ce_type", outgoing.type.encode()),
                ("ce_id", outgoing.id.encode()),
                ("shequ_position", str(notification.id).encode()),
                *([("correlation_id", outgoing.correlationid.encode())] if outgoing.correlationid else []),
            ],
        )

    def _settle(self, sent: tuple[list[Any], int], cluster_id: str) -> None:
        """Wait for the broker's acknowledgement of every record of a batch, then record its position."""
        futures, last = sent
        for future in futures:
            future.get(timeout=15)  # raises if the broker did not acknowledge
        self.app.process_recorder.insert_tracking(Tracking(self.tracking_name(cluster_id), last))
        metrics.RELAY_PUBLISHED.labels(self.service).inc(len(futures))
        self._update_lag(last, ())

    def _checked(self, notification: Any) -> Outgoing | None:
        """The notification's public event as it will be sent, checked as a consumer will check it;
        None if withheld.

        The check is the consumer's own: the exact bytes to be sent are parsed as a
        CloudEvent whose `data` is strictly the public model (`contract.events.check`, what
        `decode(..., strict=True)` checks), i.e. validated against the schema the catalogue is generated from.
        """
        domain_event = self.app.mapper.to_domain_event(notification)
        try:
            outgoing = self.contract.to_outgoing(domain_event)
            if outgoing is None:
                return None
            self.contract.events.check(outgoing.value, outgoing.public)
        except (ValidationError, InvalidEnvelope, LookupError, TypeError, ValueError) as exc:
            violation = ContractViolation(self.service, notification.id, type(domain_event).__qualname__,
                                          f"{type(exc).__name__}: {exc}")
            metrics.RELAY_CONTRACT_VIOLATIONS.labels(self.service).inc()
            log.error("%s; the relay stops and publishes nothing of this batch (fix the contract, then restart)",
                      violation)
            raise violation from exc
        return outgoing

    def _update_lag(self, position: int, pending: object) -> None:
        newest = self.app.recorder.max_notification_id() or 0
        metrics.RELAY_LAG.labels(self.service).set(max(0, newest - position))
        oldest = pending[0] if pending else None  # type: ignore[index]
        if oldest is None:
            metrics.RELAY_LAG_SECONDS.labels(self.service).set(0)
        else:
            stored_at = self.app.mapper.to_domain_event(oldest).timestamp
            metrics.RELAY_LAG_SECONDS.labels(self.service).set(
                max(0.0, (datetime.now(UTC) - stored_at).total_seconds())
            )

    def lag(self) -> int:
        """Events not yet acknowledged by the current cluster (-1 if unknown)."""
        if self._cluster_id is None:
            return -1
        return max(0, (self.app.recorder.max_notification_id() or 0) - self.position(self._cluster_id))

    def run(self, stop: threading.Event) -> None:
        backoff = 0.2
        try:
            while not stop.is_set():
                if not self.leadership.acquire():
                    # Another replica's relay publishes this store; stand by to take over.
                    self.standing_by = True
                    self._disconnect()
                    stop.wait(self.standby_seconds)
                    continue
                self.standing_by = False
                try:
                    self.app.events_stored.clear()
                    published = self.publish_batch()
                    backoff = 0.2
                    if published < self.batch_size:
                        # Wake at once when new events are stored, or after idle_seconds.
                        waited = 0.0
                        while not stop.is_set() and waited < self.idle_seconds:
                            if self.app.events_stored.wait(0.05):
                                break
                            waited += 0.05
                except ContractViolation as exc:
                    self.failed = str(exc)
                    self._disconnect()
                    raise  # loud: BackgroundWorkers logs the crash; nothing after this event is published
                except (KafkaError, OSError, TimeoutError) as exc:
                    metrics.RELAY_ERRORS.labels(self.service).inc()
                    log.warning("relay %s: broker unavailable (%s); retrying in %.1fs", self.service, exc, backoff)
                    self._disconnect()
                    stop.wait(backoff)
                    backoff = min(backoff * 2, 5.0)
                except Exception as exc:  # noqa: BLE001 - e.g. the event store is briefly unreachable
                    metrics.RELAY_ERRORS.labels(self.service).inc()
                    log.exception("relay %s: unexpected error (%s); retrying in %.1fs", self.service, exc, backoff)
                    self._disconnect()
                    stop.wait(backoff)
                    backoff = min(backoff * 2, 5.0)
        finally:
            if self._unsettled is not None and self._cluster_id is not None:
                try:  # a batch still in flight at stop: record it if the broker acknowledges it now
                    self._settle(self._unsettled, self._cluster_id)
                except Exception:  # noqa: BLE001 - unrecorded, it is published again on the next start
                    log.info("relay %s: the batch in flight at stop is published again next time", self.service)
            self._disconnect()
            self.leadership.release()

    def check(self) -> None:
        """Readiness: a relay stopped by a contract violation makes its service not ready."""
        if self.failed:
            raise RuntimeError(f"relay stopped: {self.failed}")
