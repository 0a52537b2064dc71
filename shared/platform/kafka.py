"""Kafka clients configured the way shequ needs them (kafka-python).

Group timings are short because Tansu holds a group join for the whole
rebalance timeout; they are settings, so production can use Kafka's defaults,
and so are TLS and SASL (`configure`, called by the composition root).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from kafka import KafkaAdminClient, KafkaConsumer, KafkaProducer, TopicPartition
from kafka.admin import NewTopic
from kafka.errors import TopicAlreadyExistsError


@dataclass
class ClientSettings:
    """What every client of this process connects with: security (TLS, SASL) and consumer-group timings.

    The composition root sets it from `Settings` once per process (`configure`); the defaults are the
    embedded broker's (plaintext, short timings: Tansu holds a group join for the whole rebalance timeout).
    """

    connection: dict[str, Any] = field(default_factory=lambda: {"security_protocol": "PLAINTEXT"})
    group_timings: dict[str, int] = field(default_factory=lambda: {
        "max_poll_interval_ms": 5000, "session_timeout_ms": 6000, "heartbeat_interval_ms": 1000})


_clients = ClientSettings()


def configure(settings: Any) -> None:
    """Use `settings` (a `shared.platform.settings.Settings`) for every Kafka client made from now on."""
    global _clients
    _clients = ClientSettings(settings.kafka_client_config(), settings.kafka_group_timings())


def group_timings() -> dict[str, int]:
    return dict(_clients.group_timings)


def durable_producer(bootstrap_servers: str, client_id: str) -> KafkaProducer:
    """A producer whose acknowledged sends are on every in-sync replica, once."""
    return KafkaProducer(
        bootstrap_servers=bootstrap_servers,
        client_id=client_id,
        **_clients.connection,
        acks="all",
        enable_idempotence=True,
        max_in_flight_requests_per_connection=5,
        linger_ms=5,
        retries=5,
        request_timeout_ms=10_000,
        max_block_ms=10_000,
        compression_type=None,
        metrics_enabled=False,  # the client's own sensors cost CPU on every send; ours are prometheus
    )


def group_consumer(bootstrap_servers: str, group_id: str | None, client_id: str, max_records: int) -> KafkaConsumer:
    """A consumer in a group that commits offsets itself, after the work is durable (no group: manual assignment)."""
    return KafkaConsumer(
        bootstrap_servers=bootstrap_servers,
        group_id=group_id,
        client_id=client_id,
        **_clients.connection,
        enable_auto_commit=False,
        auto_offset_reset="earliest",
        max_poll_records=max_records,
        metrics_enabled=False,  # the client's own sensors cost CPU on every fetch; ours are prometheus
        **group_timings(),
    )


def member_clients(bootstrap_servers: str, group_id: str, member: str, max_records: int
                   ) -> tuple[Callable[..., KafkaConsumer], Callable[[], KafkaProducer]]:
    """The default clients of a consumer-group member (the projector, a consumer kit), named after it: its
    consumer (in the group; outside it with `group=False`, for a replay) and its dead-letter producer."""

    def consumer(group: bool = True) -> KafkaConsumer:
        return group_consumer(bootstrap_servers, group_id if group else None, f"shequ-{member}", max_records)

    def producer() -> KafkaProducer:
        return durable_producer(bootstrap_servers, f"shequ-{member}-dlq")

    return consumer, producer


class KafkaAdmin:
    """Topic creation and cluster identity."""

    def __init__(self, bootstrap_servers: str) -> None:
        self._client = KafkaAdminClient(
            bootstrap_servers=bootstrap_servers, client_id="shequ-admin", request_timeout_ms=10_000,
            **_clients.connection,
        )

    def cluster_id(self) -> str:
        return str(self._client.describe_cluster()["cluster_id"])

    def ensure_topics(self, names: Iterable[str], partitions: int, replication_factor: int) -> None:
        existing = set(self._client.list_topics())
        missing = [NewTopic(n, partitions, replication_factor) for n in names if n not in existing]
        if not missing:
            return
        try:
            self._client.create_topics(missing, raise_errors=False)
        except TopicAlreadyExistsError:
            pass

    def close(self) -> None:
        self._client.close()


@dataclass
class Delivery:
    """One consumed message, detached from the client."""

    topic: str
    partition: int
    offset: int
    key: bytes | None
    value: bytes
    headers: list[tuple[str, bytes]] = field(default_factory=list)

    @classmethod
    def of(cls, record: Any) -> Delivery:
        return cls(record.topic, record.partition, record.offset, record.key, record.value, list(record.headers or []))

    @property
    def tp(self) -> TopicPartition:
        return TopicPartition(self.topic, self.partition)

    def header(self, name: str) -> str | None:
        for key, value in self.headers:
            if key == name and value:
                try:
                    return bytes(value).decode()[:128]
                except UnicodeDecodeError:
                    return None
        return None


def dead_letter(producer: KafkaProducer, topic: str, delivery: Delivery, reason: str,
                extra_headers: Iterable[tuple[str, bytes]] = ()) -> Any:
    """Send an unreadable message to the dead-letter topic, unchanged, with why and where it came from."""
    headers = [
        ("dlq_reason", reason[:1000].encode()),
        *extra_headers,
        ("dlq_topic", delivery.topic.encode()),
        ("dlq_partition", str(delivery.partition).encode()),
        ("dlq_offset", str(delivery.offset).encode()),
        ("dlq_at", datetime.now(UTC).isoformat().encode()),
    ]
    return producer.send(topic, key=delivery.key, value=delivery.value, headers=headers)


def broker_check(bootstrap_servers: str) -> Callable[[], None]:
    def check() -> None:
        admin = KafkaAdmin(bootstrap_servers)
        try:
            admin.cluster_id()
        finally:
            admin.close()

    return check
