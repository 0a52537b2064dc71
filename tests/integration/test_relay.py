"""The relay: the event store is the outbox. Tested on the real broker."""

from __future__ import annotations

import threading

import pytest
from kafka.errors import KafkaTimeoutError

from services.grid.application import GridApplication
from services.grid.commands import ReportCase, ResolveCase
from services.grid.contract import contract
from shared.kernel.actor import ALL_COMMUNITIES, pseudonym
from shared.platform.envelope import Envelope
from shared.kernel.actor import Actor
from shared.platform.relay import Relay
from tests.kafka_helpers import read_topic

TOPIC = "shequ.grid.v1"
ACTOR = Actor(subject="staff-1", role="community_staff", pseudonym=pseudonym("staff-1"), correlation_id="corr-1",
              communities=(ALL_COMMUNITIES,))


def make_app(settings) -> GridApplication:
    return GridApplication(env=settings.event_store_env("grid"))


def report(app: GridApplication, n: int, community: str = "jinpen") -> list[str]:
    return [str(app.report_case(ACTOR, ReportCase(community_id=community, category="noise", description=f"case {i}")))
            for i in range(n)]


def relay_for(app, broker, **kwargs) -> Relay:
    return Relay(app, contract, TOPIC, broker.bootstrap_servers, **kwargs)


def test_publishes_public_envelopes_keyed_by_aggregate(settings, fresh_broker):
    app = make_app(settings)
    case_ids = report(app, 3)
    app.resolve_case(ACTOR, case_ids[0], ResolveCase(outcome="fixed"))
    relay = relay_for(app, fresh_broker)
    assert relay.publish_batch() == 4
    messages = read_topic(fresh_broker.bootstrap_servers, TOPIC, expect=4)
    assert len(messages) == 4
    envelopes = [Envelope.from_bytes(m.value) for m in messages]
    for message, envelope in zip(messages, envelopes, strict=True):
        assert message.key.decode() == envelope.subject
        assert envelope.source == "/shequ/grid"
        assert envelope.communityid == "jinpen"
        assert envelope.actorrole == "community_staff"
        assert envelope.actorid == pseudonym("staff-1")
        assert "staff-1" not in message.value.decode()  # the actor's name never leaves the service
    types = sorted(e.type for e in envelopes)
    assert types == ["shequ.grid.CaseReported.v1"] * 3 + ["shequ.grid.CaseResolved.v1"]
    # Both events of one case are in one partition, in order.
    first_case = [m for m in messages if m.key.decode() == case_ids[0]]
    assert [Envelope.from_bytes(m.value).aggregateversion for m in sorted(first_case, key=lambda m: m.offset)] == [1, 2]


def test_position_survives_a_restart(settings, fresh_broker):
    app = make_app(settings)
    report(app, 5)
    assert relay_for(app, fresh_broker).publish_batch() == 5
    app.close()
    # A new process: new application and relay over the same event store.
    app = make_app(settings)
    report(app, 2)
    restarted = relay_for(app, fresh_broker)
    assert restarted.publish_batch() == 2
    assert restarted.publish_batch() == 0
    assert len(read_topic(fresh_broker.bootstrap_servers, TOPIC, expect=7)) == 7


class FlakyProducer:
    """A real producer whose acknowledgements fail after `fail_after` sends."""

    def __init__(self, real, fail_after: int) -> None:
        self.real = real
        self.sent = 0
        self.fail_after = fail_after

    def send(self, *args, **kwargs):
        self.sent += 1
        future = self.real.send(*args, **kwargs)
        if self.sent > self.fail_after:
            class Failed:
                def get(self, timeout=None):
                    raise KafkaTimeoutError("simulated: broker did not acknowledge")
            return Failed()
        return future

    def flush(self, timeout=None):
        self.real.flush(timeout)

    def close(self, timeout=None):
        self.real.close(timeout=timeout)


def test_a_failure_mid_batch_loses_nothing_and_duplicates_keep_their_ids(settings, fresh_broker):
    from shared.platform.kafka import durable_producer

    app = make_app(settings)
    report(app, 6)
    flaky = relay_for(app, fresh_broker, producer_factory=lambda: FlakyProducer(
        durable_producer(fresh_broker.bootstrap_servers, "flaky"), fail_after=3))
    with pytest.raises(KafkaTimeoutError):
        flaky.publish_batch()
    assert flaky.position(fresh_broker.cluster_id) == 0  # not acknowledged, not recorded
    healthy = relay_for(app, fresh_broker)
    assert healthy.publish_batch() == 6
    messages = read_topic(fresh_broker.bootstrap_servers, TOPIC, expect=12, timeout=8)
    ids = [Envelope.from_bytes(m.value).id for m in messages]
    assert len(set(ids)) == 6  # every event arrived
    assert len(ids) > 6  # some twice, with the same envelope id


def test_a_new_cluster_gets_everything_again_with_the_same_ids(settings):
    from shared.platform.broker import EmbeddedBroker

    app = make_app(settings)
    report(app, 4)
    with EmbeddedBroker() as first:
        relay = relay_for(app, first)
        relay.publish_batch()
        first_ids = sorted(Envelope.from_bytes(m.value).id for m in read_topic(first.bootstrap_servers, TOPIC, expect=4))
    with EmbeddedBroker() as second:  # empty, new cluster id
        relay = relay_for(app, second)
        assert relay.publish_batch() == 4
        second_ids = sorted(Envelope.from_bytes(m.value).id for m in read_topic(second.bootstrap_servers, TOPIC, expect=4))
    assert first_ids == second_ids and len(first_ids) == 4


def test_relay_loop_notices_a_broker_restart_on_the_same_address(settings):
    from shared.platform.broker import EmbeddedBroker
    from tests.kafka_helpers import wait_for

    app = make_app(settings)
    report(app, 3)
    first = EmbeddedBroker().start()
    relay = relay_for(app, first, cluster_check_seconds=0.2, idle_seconds=0.1)
    stop = threading.Event()
    worker = threading.Thread(target=relay.run, args=(stop,), daemon=True)
    worker.start()
    try:
        wait_for(lambda: relay.position(first.cluster_id) == 3)
        first.stop()
        report(app, 2)  # commands keep being accepted while the broker is down
        second = EmbeddedBroker(port=first.port).start()
        try:
            wait_for(lambda: relay.position(second.cluster_id) == 5, timeout=30)
            assert len(read_topic(second.bootstrap_servers, TOPIC, expect=5)) == 5
        finally:
            stop.set()
            worker.join(10)
            second.stop()
    finally:
        stop.set()
        first.stop()


@pytest.mark.postgres
def test_relay_on_the_postgres_event_store(postgres_env, tmp_path, fresh_broker):
    from shared.platform.settings import Settings

    settings = Settings(SHEQU_DATA_DIR=tmp_path, **postgres_env)
    app = make_app(settings)
    assert type(app.recorder).__module__ == "eventsourcing.postgres"
    report(app, 3)
    assert relay_for(app, fresh_broker).publish_batch() == 3
    app.close()
    app = make_app(settings)
    report(app, 1)
    assert relay_for(app, fresh_broker).publish_batch() == 1
    assert len(read_topic(fresh_broker.bootstrap_servers, TOPIC, expect=4)) == 4


@pytest.mark.postgres
def test_only_one_replica_relays_a_postgres_store_and_another_takes_over(postgres_env, tmp_path, fresh_broker):
    """Two replicas of a service: one relay publishes, the other stands by until the leader stops."""
    from shared.platform.leadership import leadership_for
    from shared.platform.settings import Settings
    from tests.kafka_helpers import wait_for

    settings = Settings(SHEQU_DATA_DIR=tmp_path, **postgres_env)
    env = settings.event_store_env("grid")
    apps = [make_app(settings), make_app(settings)]
    relays = [relay_for(app, fresh_broker, leadership=leadership_for(env, "relay:grid"), standby_seconds=0.2)
              for app in apps]
    stops = [threading.Event(), threading.Event()]
    threads = [threading.Thread(target=relay.run, args=(stop,), daemon=True) for relay, stop in zip(relays, stops)]
    for thread in threads:
        thread.start()
    try:
        report(apps[0], 3)
        wait_for(lambda: relays[0].position(fresh_broker.cluster_id) == 3, timeout=60)
        # Whichever started first holds the lock; the other has tried and stands by.
        wait_for(lambda: sum(r.standing_by for r in relays) == 1, timeout=60)
        leader = 0 if relays[1].standing_by else 1
        standby = 1 - leader
        stops[leader].set()
        threads[leader].join(10)
        report(apps[standby], 2)
        wait_for(lambda: relays[standby].position(fresh_broker.cluster_id) == 5, timeout=60)
        assert not relays[standby].standing_by  # it took over
        ids = [Envelope.from_bytes(m.value).id for m in read_topic(fresh_broker.bootstrap_servers, TOPIC, expect=5)]
        assert len(ids) == len(set(ids)) == 5  # nothing published twice by competing relays
    finally:
        for stop in stops:
            stop.set()
        for thread in threads:
            thread.join(10)


def test_a_backlog_is_pipelined_and_each_batch_recorded_only_after_its_acknowledgement(settings, fresh_broker):
    app = make_app(settings)
    report(app, 12)
    relay = relay_for(app, fresh_broker, batch_size=5)
    assert relay.publish_batch() == 5
    assert relay.acknowledged() == 0  # sent, in flight: not recorded yet
    assert relay.publish_batch() == 5
    assert relay.acknowledged() == 5  # the first batch settled after the second was sent
    assert relay.publish_batch() == 2  # caught up: flushed and recorded at once
    assert relay.acknowledged() == 12
    assert relay.publish_batch() == 0
    messages = read_topic(fresh_broker.bootstrap_servers, TOPIC, expect=12)
    positions = sorted(int(dict(m.headers)["shequ_position"]) for m in messages)
    assert positions == list(range(1, 13))  # each once


def test_a_batch_in_flight_when_the_connection_breaks_is_published_again(settings, fresh_broker):
    app = make_app(settings)
    report(app, 10)
    relay = relay_for(app, fresh_broker, batch_size=5)
    assert relay.publish_batch() == 5
    relay._disconnect()  # e.g. the broker went away before acknowledging: nothing was recorded
    assert relay.acknowledged() == 0
    assert relay.publish_batch() == 5
    assert relay.publish_batch() == 5
    assert relay.publish_batch() == 0
    assert relay.acknowledged() == 10
    positions = [int(dict(m.headers)["shequ_position"]) for m in
                 read_topic(fresh_broker.bootstrap_servers, TOPIC, expect=15)]
    assert sorted(set(positions)) == list(range(1, 11))  # at least once: the first five may be there twice
