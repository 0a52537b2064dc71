"""Reading and writing topics directly, to observe the platform from outside."""

from __future__ import annotations

import time
from typing import Any

from kafka import KafkaConsumer, KafkaProducer, TopicPartition


def read_topic(bootstrap: str, topic: str, *, expect: int, timeout: float = 20.0) -> list[Any]:
    """Every message of a topic from offset 0 (waits until `expect` have arrived)."""
    consumer = KafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False, auto_offset_reset="earliest")
    try:
        deadline = time.monotonic() + timeout
        partitions = None
        while partitions is None and time.monotonic() < deadline:
            partitions = consumer.partitions_for_topic(topic)
            if partitions is None:
                time.sleep(0.1)
        if partitions is None:
            return []
        tps = [TopicPartition(topic, p) for p in sorted(partitions)]
        consumer.assign(tps)
        consumer.seek_to_beginning(*tps)
        messages: list[Any] = []
        while time.monotonic() < deadline:
            for records in consumer.poll(timeout_ms=200).values():
                messages.extend(records)
            if len(messages) >= expect:
                # Drain a little longer to catch unexpected extras.
                for records in consumer.poll(timeout_ms=300).values():
                    messages.extend(records)
                break
        return messages
    finally:
        consumer.close()


def send_raw(bootstrap: str, topic: str, values: list[tuple[bytes | None, bytes]]) -> None:
    producer = KafkaProducer(bootstrap_servers=bootstrap, acks="all")
    try:
        for key, value in values:
            producer.send(topic, key=key, value=value).get(timeout=10)
    finally:
        producer.close()


def wait_for(predicate, timeout: float = 20.0, interval: float = 0.1) -> Any:  # noqa: ANN001
    deadline = time.monotonic() + timeout
    last = None
    while time.monotonic() < deadline:
        last = predicate()
        if last:
            return last
        time.sleep(interval)
    raise AssertionError(f"condition not met within {timeout}s (last value: {last!r})")
