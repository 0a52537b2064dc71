"""The consumer kit (shared/consumer.py), on the real broker."""

from __future__ import annotations

import threading
from dataclasses import replace

import pytest

from services.grid.contract import contract as grid_contract
from services.grid.events import CaseReported, CaseResolved
from services.grid.domain import Case
from shared.kernel.actor import pseudonym
from shared.platform.consumer import EventConsumer, MemorySeenStore, RetryLater
from shared.platform.envelope import Envelope
from shared.kernel.actor import Actor
from tests.kafka_helpers import read_topic, send_raw, wait_for

TOPIC = "shequ.grid.v1"
DLQ = "shequ.kit-test.dlq"
ACTOR = Actor(subject="s", role="community_staff", pseudonym=pseudonym("s")).as_event_metadata()


def envelopes(n: int, resolve: int = 0) -> list[Envelope]:
    out = []
    for i in range(n):
        case = Case(community_id="jinpen", category="noise", description=f"c{i}")
        if i < resolve:
            case.resolve("done")
        out.extend(grid_contract.to_envelope(replace(e, actor=ACTOR)) for e in case.collect_events())
    return out


def publish(bootstrap: str, items: list[Envelope]) -> None:
    send_raw(bootstrap, TOPIC, [(e.subject.encode(), e.to_bytes()) for e in items])


def make(bootstrap: str, group: str = "kit-test", **kwargs) -> EventConsumer:
    return EventConsumer(bootstrap, group, [grid_contract.events], DLQ, retry_backoff=0.05, **kwargs)


class Running:
    def __init__(self, consumer: EventConsumer) -> None:
        self.consumer = consumer
        self.stop = threading.Event()
        self.thread = threading.Thread(target=consumer.run, args=(self.stop,), daemon=True)

    def __enter__(self) -> EventConsumer:
        self.thread.start()
        return self.consumer

    def __exit__(self, *exc: object) -> None:
        self.stop.set()
        self.thread.join(10)


def committed(bootstrap: str, group: str) -> int:
    """Messages of TOPIC the group has committed (sum of committed offsets over partitions)."""
    from kafka import KafkaConsumer, TopicPartition

    consumer = KafkaConsumer(bootstrap_servers=bootstrap, group_id=group, enable_auto_commit=False)
    try:
        partitions = consumer.partitions_for_topic(TOPIC) or ()
        return sum(consumer.committed(TopicPartition(TOPIC, p)) or 0 for p in partitions)
    finally:
        consumer.close()


def test_registration_is_typed_and_checked(fresh_broker):
    consumer = make(fresh_broker.bootstrap_servers)

    @consumer.on(CaseReported)
    def reported(envelope, event):  # noqa: ANN001, ANN202
        pass

    consumer.on("shequ.grid.CaseResolved.v1", lambda envelope, event: None)
    assert set(consumer.handlers) == {"shequ.grid.CaseReported.v1", "shequ.grid.CaseResolved.v1"}
    assert consumer.topics == [TOPIC]
    with pytest.raises(LookupError):
        consumer.on("shequ.welfare.PaymentCycleOpened.v1", lambda e, v: None)


def test_handler_called_once_per_envelope_id_and_offsets_committed_after(fresh_broker):
    bootstrap = fresh_broker.bootstrap_servers
    items = envelopes(4, resolve=2)  # 4 reported, 2 resolved
    publish(bootstrap, items)
    publish(bootstrap, items[:3])  # duplicated deliveries
    calls: list[tuple[str, type]] = []
    consumer = make(bootstrap)
    consumer.on(CaseReported, lambda envelope, event: calls.append((envelope.id, type(event))))
    consumer.on(CaseResolved, lambda envelope, event: calls.append((envelope.id, type(event))))
    with Running(consumer):
        wait_for(lambda: committed(bootstrap, "kit-test") >= 9)
    assert sorted(c[0] for c in calls) == sorted(e.id for e in items)
    assert {c[1] for c in calls} == {CaseReported, CaseResolved}
    assert consumer.totals.handled == 6 and consumer.totals.duplicate == 3


def test_nothing_is_committed_before_the_handler_returns(fresh_broker):
    bootstrap = fresh_broker.bootstrap_servers
    publish(bootstrap, envelopes(1))
    entered, release = threading.Event(), threading.Event()

    def slow(envelope, event):  # noqa: ANN001, ANN202
        entered.set()
        release.wait(10)

    consumer = make(bootstrap, group="kit-slow")
    consumer.on(CaseReported, slow)
    with Running(consumer):
        assert entered.wait(20)
        assert committed(bootstrap, "kit-slow") == 0
        release.set()
        wait_for(lambda: committed(bootstrap, "kit-slow") == 1)


def test_undecodable_messages_are_dead_lettered_and_the_next_is_handled(fresh_broker):
    bootstrap = fresh_broker.bootstrap_servers
    good = envelopes(1)[0]
    bad_data = good.model_copy(update={"id": "bad-data", "data": {"case_id": "x", "category": "nonsense"}})
    send_raw(bootstrap, TOPIC, [(b"k", b"not json"), (b"k", bad_data.to_bytes()), (b"k", good.to_bytes())])
    handled = []
    consumer = make(bootstrap, group="kit-dlq")
    consumer.on(CaseReported, lambda envelope, event: handled.append(envelope.id))
    with Running(consumer):
        wait_for(lambda: handled == [good.id])
        dead = read_topic(bootstrap, DLQ, expect=2)
    assert [m.value for m in dead] == [b"not json", bad_data.to_bytes()]
    reasons = [dict(m.headers)["dlq_reason"].decode() for m in dead]
    assert reasons[0].startswith("not JSON") and "data invalid" in reasons[1]
    assert dict(dead[0].headers)["dlq_consumer"] == b"kit-dlq"


def test_a_failing_handler_is_retried_then_dead_lettered(fresh_broker):
    bootstrap = fresh_broker.bootstrap_servers
    first, second = envelopes(2)
    publish(bootstrap, [first, second])
    attempts: dict[str, int] = {}

    def flaky(envelope, event):  # noqa: ANN001, ANN202
        attempts[envelope.id] = attempts.get(envelope.id, 0) + 1
        if envelope.id == first.id:
            raise RuntimeError("always broken")
        if attempts[envelope.id] < 2:
            raise RuntimeError("broken once")

    consumer = make(bootstrap, group="kit-retry", attempts=3)
    consumer.on(CaseReported, flaky)
    with Running(consumer):
        wait_for(lambda: committed(bootstrap, "kit-retry") == 2)
        dead = read_topic(bootstrap, DLQ, expect=1)
    assert attempts == {first.id: 3, second.id: 2}
    assert [Envelope.from_bytes(m.value).id for m in dead] == [first.id]
    assert "handler failed after 3 attempts: RuntimeError: always broken" in dict(dead[0].headers)["dlq_reason"].decode()
    assert consumer.totals.handled == 1 and consumer.totals.dead_lettered == 1


def test_retry_later_redelivers_without_dropping(fresh_broker):
    bootstrap = fresh_broker.bootstrap_servers
    item = envelopes(1)[0]
    publish(bootstrap, [item])
    ready = threading.Event()
    handled = []

    def needs_state(envelope, event):  # noqa: ANN001, ANN202
        if not ready.is_set():
            raise RetryLater("not yet")
        handled.append(envelope.id)

    consumer = make(bootstrap, group="kit-later")
    consumer.on(CaseReported, needs_state)
    with Running(consumer):
        wait_for(lambda: consumer.totals.retried >= 3)
        assert committed(bootstrap, "kit-later") == 0
        ready.set()
        wait_for(lambda: handled == [item.id])
        wait_for(lambda: committed(bootstrap, "kit-later") == 1)
    assert consumer.totals.dead_lettered == 0


def test_memory_seen_store_is_bounded():
    store = MemorySeenStore(capacity=2)
    for i in "abc":
        store.mark(i)
    assert not store.seen("a") and store.seen("b") and store.seen("c")
