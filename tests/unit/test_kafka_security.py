"""Kafka security settings reach every kafka-python client the platform makes (relay, projector, sagas, kit)."""

from __future__ import annotations

from typing import Any

import kafka as kafka_python
import pymongo
import pytest
from pydantic import ValidationError

from shared.platform import kafka
from shared.platform.consumer import EventConsumer
from shared.platform.projector import ProjectorRuntime
from shared.platform.settings import Settings

# A real client that never connects: the projector is only built here, to read its Kafka configs.
UNCONNECTED_DB = pymongo.MongoClient("mongodb://127.0.0.1:9", connect=False)["shequ_district"]

SASL_SSL = {"KAFKA_SECURITY_PROTOCOL": "SASL_SSL", "KAFKA_SASL_MECHANISM": "SCRAM-SHA-512",
            "KAFKA_SASL_USERNAME": "shequ-relay", "KAFKA_SASL_PASSWORD": "s3cret",
            "KAFKA_SSL_CAFILE": "/etc/shequ/kafka-ca.pem", "KAFKA_MAX_POLL_INTERVAL_MS": "300000",
            "KAFKA_SESSION_TIMEOUT_MS": "45000", "KAFKA_HEARTBEAT_INTERVAL_MS": "3000"}


class Recorder:
    """Stands in for a kafka-python client class: records the configuration it was built with."""

    def __init__(self, real: type, made: list[tuple[str, dict[str, Any]]]) -> None:
        self.real, self.made = real, made

    def __call__(self, *topics: Any, **config: Any) -> Any:
        unknown = set(config) - set(self.real.DEFAULT_CONFIG)
        assert not unknown, f"{self.real.__name__} has no setting {unknown}"  # kafka-python would refuse it too
        self.made.append((self.real.__name__, config))
        return object()


@pytest.fixture
def made(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, dict[str, Any]]]:
    made: list[tuple[str, dict[str, Any]]] = []
    for name in ("KafkaProducer", "KafkaConsumer", "KafkaAdminClient"):
        monkeypatch.setattr(kafka, name, Recorder(getattr(kafka_python, name), made))
    yield made
    kafka.configure(Settings())  # back to the embedded defaults for the tests after this one


def test_sasl_ssl_settings_reach_every_client(made: list[tuple[str, dict[str, Any]]], tmp_path) -> None:  # noqa: ANN001
    kafka.configure(Settings(**SASL_SSL))
    relay_producer = kafka.durable_producer("kafka-1:9093", "shequ-relay-grid")
    kafka.group_consumer("kafka-1:9093", "shequ-district", "shequ-projector", 100)
    kafka.KafkaAdmin("kafka-1:9093")
    consumer = EventConsumer("kafka-1:9093", "shequ-volunteering-reactions", [], "shequ.district.dlq")
    consumer._consumer_factory(), consumer._producer_factory()
    projector = ProjectorRuntime(db=UNCONNECTED_DB, projections=[], contracts={}, topics=["shequ.grid.v1"],  # type: ignore[arg-type]
                                 bootstrap_servers="kafka-1:9093", group_id="shequ-district",
                                 dead_letter_topic="shequ.district.dlq")
    projector._consumer_factory(), projector._consumer_factory(group=False), projector._producer_factory()
    assert relay_producer is not None
    assert {kind for kind, _ in made} == {"KafkaProducer", "KafkaConsumer", "KafkaAdminClient"}
    assert len(made) == 8
    for kind, config in made:
        assert config["security_protocol"] == "SASL_SSL", kind
        assert config["sasl_mechanism"] == "SCRAM-SHA-512"
        assert config["sasl_plain_username"] == "shequ-relay"
        assert config["sasl_plain_password"] == "s3cret"
        assert config["ssl_cafile"] == "/etc/shequ/kafka-ca.pem"
    consumers = [config for kind, config in made if kind == "KafkaConsumer"]
    assert all(c["max_poll_interval_ms"] == 300000 and c["session_timeout_ms"] == 45000 for c in consumers)


def test_the_embedded_default_is_plaintext(made: list[tuple[str, dict[str, Any]]]) -> None:
    kafka.configure(Settings())
    kafka.durable_producer("127.0.0.1:9092", "p")
    kafka.group_consumer("127.0.0.1:9092", "g", "c", 10)
    assert [c["security_protocol"] for _, c in made] == ["PLAINTEXT", "PLAINTEXT"]
    assert all("sasl_plain_password" not in c for _, c in made)
    assert made[1][1]["max_poll_interval_ms"] == 5000


@pytest.mark.parametrize(("env", "problem"), [
    ({"KAFKA_SECURITY_PROTOCOL": "SASL_SSL"}, "needs KAFKA_SASL_MECHANISM"),
    ({"KAFKA_SECURITY_PROTOCOL": "SASL_PLAINTEXT", "KAFKA_SASL_MECHANISM": "PLAIN", "KAFKA_SASL_USERNAME": "u"},
     "KAFKA_SASL_PASSWORD"),
    ({"KAFKA_SASL_MECHANISM": "PLAIN"}, "is not SASL_PLAINTEXT or SASL_SSL"),
    ({"KAFKA_SECURITY_PROTOCOL": "TLS"}, "KAFKA_SECURITY_PROTOCOL"),
    ({"KAFKA_SECURITY_PROTOCOL": "SASL_SSL", "KAFKA_SASL_MECHANISM": "GSSAPI", "KAFKA_SASL_USERNAME": "u",
      "KAFKA_SASL_PASSWORD": "p"}, "KAFKA_SASL_MECHANISM"),
])
def test_incomplete_security_settings_refuse_to_start(env: dict[str, str], problem: str) -> None:
    with pytest.raises(ValidationError, match=problem):
        Settings(**env)


def test_the_password_is_never_shown() -> None:
    settings = Settings(**SASL_SSL)
    assert "s3cret" not in repr(settings) and "s3cret" not in str(settings.model_dump())
    assert settings.kafka_client_config()["sasl_plain_password"] == "s3cret"  # only where a client needs it
