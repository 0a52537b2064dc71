"""The subscription loop on the real broker: a starved consumer still makes progress.

A batch that takes longer than the group's max poll interval gets the member evicted and its commit
refused; read again at the same size, it would be refused again, forever (the district projector's
figures then never settle: the flaky dashboard test of issue 19). The loop must shrink its batches until
one fits, and commit everything.
"""

from __future__ import annotations

import threading
import time

from kafka import KafkaProducer

from shared.platform import kafka
from shared.platform.kafka import ClientSettings, Delivery, group_consumer
from shared.platform.subscription import Subscription
from tests.kafka_helpers import wait_for

TOPIC = "shequ.slow.v1"
MESSAGES = 2000
SECONDS_PER_MESSAGE = 0.002  # a batch of 2,000 takes 4 s: four times the 1 s poll interval below


def test_a_consumer_slower_than_the_poll_interval_shrinks_its_batches_and_commits_everything(
        fresh_broker, monkeypatch):
    bootstrap = fresh_broker.bootstrap_servers
    monkeypatch.setattr(kafka, "_clients", ClientSettings(group_timings={
        "max_poll_interval_ms": 1000, "session_timeout_ms": 6000, "heartbeat_interval_ms": 500}))
    producer = KafkaProducer(bootstrap_servers=bootstrap, acks="all")
    for n in range(MESSAGES):
        producer.send(TOPIC, key=str(n % 7).encode(), value=str(n).encode())
    producer.flush(timeout=30)
    producer.close()

    handled: set[int] = set()
    batches: list[int] = []

    def process(deliveries: list[Delivery], dlq, consumer):  # noqa: ANN001, ANN202 - the Process signature
        batches.append(len(deliveries))
        time.sleep(SECONDS_PER_MESSAGE * len(deliveries))  # a starved process: each message costs this long
        handled.update(int(d.value) for d in deliveries)
        return None

    subscription = Subscription(
        name="slow", topics=[TOPIC], batch_size=MESSAGES,
        consumer_factory=lambda: group_consumer(bootstrap, "slow-group", "slow", MESSAGES),
        producer_factory=lambda: None,
    )
    stop = threading.Event()
    runner = threading.Thread(target=subscription.run, args=(stop, process), kwargs={"until_caught_up": True})
    runner.start()
    try:
        runner.join(timeout=120)
        assert not runner.is_alive(), f"not caught up: {len(handled)} of {MESSAGES} handled in batches {batches}"
    finally:
        stop.set()
        runner.join(timeout=30)
    assert handled == set(range(MESSAGES))
    assert max(batches[-3:]) < MESSAGES / 2  # it read smaller batches after the slow ones

    # Everything was committed: a new member of the group has nothing left to read.
    again: list[int] = []
    follower = Subscription(
        name="follower", topics=[TOPIC], batch_size=MESSAGES,
        consumer_factory=lambda: group_consumer(bootstrap, "slow-group", "follower", MESSAGES),
        producer_factory=lambda: None,
    )
    probe = threading.Thread(target=follower.run, args=(stop, lambda d, p, c: again.extend(d) or None))
    stop.clear()
    probe.start()
    try:
        wait_for(follower.assigned.is_set, timeout=60)
        time.sleep(1)  # a few polls after the assignment
    finally:
        stop.set()
        probe.join(timeout=30)
    assert again == []
