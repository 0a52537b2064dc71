"""Typed settings, read from environment variables in one place.

Every variable is documented in the README. Nothing here connects to anything:
settings are plain values that the composition root turns into clients.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

from pydantic import Field, SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

SERVICES: tuple[str, ...] = ("grid", "economy", "welfare", "volunteering")
"""The domain services, each with its own event store and public topic."""


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=None, extra="ignore", case_sensitive=False)

    # Where embedded stores (SQLite event stores, signing keys) live.
    data_dir: Path = Field(default=Path(".shequ"), validation_alias="SHEQU_DATA_DIR")

    # Kafka. Unset means "no external broker": `shequ demo` starts the embedded one.
    kafka_bootstrap_servers: str | None = Field(default=None, validation_alias="KAFKA_BOOTSTRAP_SERVERS")
    kafka_topic_partitions: int = Field(default=3, ge=1, validation_alias="KAFKA_TOPIC_PARTITIONS")
    kafka_replication_factor: int = Field(default=1, ge=1, validation_alias="KAFKA_REPLICATION_FACTOR")

    kafka_max_poll_interval_ms: int = Field(default=5000, ge=1000, validation_alias="KAFKA_MAX_POLL_INTERVAL_MS")
    kafka_session_timeout_ms: int = Field(default=6000, ge=1000, validation_alias="KAFKA_SESSION_TIMEOUT_MS")
    kafka_heartbeat_interval_ms: int = Field(default=1000, ge=100, validation_alias="KAFKA_HEARTBEAT_INTERVAL_MS")
    # Kafka security: every producer, consumer and admin client (relays, projector, sagas, consumer kit).
    kafka_security_protocol: Literal["PLAINTEXT", "SSL", "SASL_PLAINTEXT", "SASL_SSL"] = Field(
        default="PLAINTEXT", validation_alias="KAFKA_SECURITY_PROTOCOL")
    kafka_sasl_mechanism: Literal["PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512"] | None = Field(
        default=None, validation_alias="KAFKA_SASL_MECHANISM")
    kafka_sasl_username: str | None = Field(default=None, validation_alias="KAFKA_SASL_USERNAME")
    kafka_sasl_password: SecretStr | None = Field(default=None, validation_alias="KAFKA_SASL_PASSWORD")
    kafka_ssl_cafile: Path | None = Field(default=None, validation_alias="KAFKA_SSL_CAFILE")
    kafka_ssl_certfile: Path | None = Field(default=None, validation_alias="KAFKA_SSL_CERTFILE")
    kafka_ssl_keyfile: Path | None = Field(default=None, validation_alias="KAFKA_SSL_KEYFILE")

    @model_validator(mode="after")
    def _kafka_security_is_complete(self) -> Settings:
        if self.kafka_security_protocol.startswith("SASL_"):
            if not (self.kafka_sasl_mechanism and self.kafka_sasl_username and self.kafka_sasl_password):
                raise ValueError(f"KAFKA_SECURITY_PROTOCOL={self.kafka_security_protocol} needs KAFKA_SASL_MECHANISM, "
                                 "KAFKA_SASL_USERNAME and KAFKA_SASL_PASSWORD")
        elif self.kafka_sasl_mechanism:
            raise ValueError("KAFKA_SASL_MECHANISM is set but KAFKA_SECURITY_PROTOCOL is not SASL_PLAINTEXT or SASL_SSL")
        return self

    def kafka_client_config(self) -> dict[str, Any]:
        """Connection settings common to every kafka-python client (producer, consumer, admin)."""
        config: dict[str, Any] = {"security_protocol": self.kafka_security_protocol}
        if self.kafka_security_protocol.startswith("SASL_"):
            config.update(sasl_mechanism=self.kafka_sasl_mechanism, sasl_plain_username=self.kafka_sasl_username,
                          sasl_plain_password=self.kafka_sasl_password.get_secret_value()
                          if self.kafka_sasl_password else None)
        if self.kafka_security_protocol.endswith("SSL"):
            config.update({key: str(value) for key, value in (
                ("ssl_cafile", self.kafka_ssl_cafile), ("ssl_certfile", self.kafka_ssl_certfile),
                ("ssl_keyfile", self.kafka_ssl_keyfile)) if value is not None})
        return config

    def kafka_group_timings(self) -> dict[str, int]:
        return {"max_poll_interval_ms": self.kafka_max_poll_interval_ms,
                "session_timeout_ms": self.kafka_session_timeout_ms,
                "heartbeat_interval_ms": self.kafka_heartbeat_interval_ms}

    # MongoDB read store. Unset: `shequ demo` starts the embedded nx-27017 server and sets it for every process.
    mongo_url: str | None = Field(default=None, validation_alias="MONGO_URL")
    mongo_database: str = Field(default="shequ_district", validation_alias="MONGO_DATABASE")
    # District API: how long a request may serve the figures read by another (seconds; 0: every request reads).
    district_read_interval_seconds: float = Field(default=0.2, ge=0, le=5,
                                                  validation_alias="DISTRICT_READ_INTERVAL_SECONDS")

    # Event stores: the eventsourcing library's persistence, one store per service.
    event_store: Literal["sqlite", "postgres"] = Field(default="sqlite", validation_alias="SHEQU_EVENT_STORE")
    postgres_host: str = Field(default="127.0.0.1", validation_alias="POSTGRES_HOST")
    postgres_port: int = Field(default=5432, validation_alias="POSTGRES_PORT")
    postgres_user: str = Field(default="postgres", validation_alias="POSTGRES_USER")
    postgres_password: str = Field(default="", validation_alias="POSTGRES_PASSWORD")
    postgres_dbname: str = Field(default="shequ", validation_alias="POSTGRES_DBNAME")
    postgres_schema: str = Field(default="", validation_alias="POSTGRES_SCHEMA")

    # Relay (event store -> Kafka).
    relay_batch_size: int = Field(default=500, ge=1, le=10_000, validation_alias="RELAY_BATCH_SIZE")
    relay_idle_seconds: float = Field(default=0.5, gt=0, validation_alias="RELAY_IDLE_SECONDS")

    # Projectors (Kafka -> MongoDB).
    projector_group_id: str = Field(default="shequ-district", validation_alias="PROJECTOR_GROUP_ID")
    projector_batch_size: int = Field(default=5000, ge=1, le=50_000, validation_alias="PROJECTOR_BATCH_SIZE")
    dead_letter_topic: str = Field(default="shequ.district.dlq", validation_alias="DEAD_LETTER_TOPIC")
    # How long a rebuild waits for every live projector member to pause before it refuses (nothing dropped).
    rebuild_pause_timeout_seconds: float = Field(default=60.0, gt=0, le=3600,
                                                 validation_alias="REBUILD_PAUSE_TIMEOUT_SECONDS")

    # Security. Production verifies tokens against an OpenID Connect issuer and
    # refuses to start without one; development uses a generated key in data_dir.
    environment: Literal["development", "production"] = Field(default="development", validation_alias="SHEQU_ENV")
    oidc_issuer: str | None = Field(default=None, validation_alias="OIDC_ISSUER")
    oidc_audience: str = Field(default="shequ", validation_alias="OIDC_AUDIENCE")
    oidc_jwks_url: str | None = Field(default=None, validation_alias="OIDC_JWKS_URL")
    max_body_bytes: int = Field(default=256 * 1024, ge=1024, validation_alias="MAX_BODY_BYTES")

    # HTTP worker processes of `shequ serve` / `shequ demo` (--workers overrides; unset: the machine's cores).
    http_workers: int | None = Field(default=None, ge=1, le=64, validation_alias="SHEQU_HTTP_WORKERS")

    log_level: str = Field(default="INFO", validation_alias="LOG_LEVEL")

    def topic_for(self, service: str) -> str:
        return f"shequ.{service}.v1"

    def event_store_env(self, service: str) -> dict[str, str]:
        """The `eventsourcing` library's environment for one service's event store.

        The library also honours service-prefixed overrides from the process
        environment (e.g. GRID_POSTGRES_DBNAME), so one database per service
        is a matter of configuration.
        """
        if self.event_store == "postgres":
            env = {
                "PERSISTENCE_MODULE": "eventsourcing.postgres",
                "POSTGRES_HOST": self.postgres_host,
                "POSTGRES_PORT": str(self.postgres_port),
                "POSTGRES_USER": self.postgres_user,
                "POSTGRES_PASSWORD": self.postgres_password,
                "POSTGRES_DBNAME": self.postgres_dbname,
                # Fail fast when the server is down or restarting: the pool waits at most this long for a
                # connection, and the library retries a statement ten times (~10 x (1 + 0.2) s in all);
                # the HTTP layer then answers 503 + Retry-After at once until the server answers again.
                "POSTGRES_CONNECT_TIMEOUT": "1",
                "POSTGRES_PRE_PING": "y",
                # Bounded queue for a pooled connection: beyond it a request fails (503) rather than piling up.
                "POSTGRES_MAX_WAITING": "200",
                # Never hold row locks for long: a blocked statement fails instead of hanging the request.
                "POSTGRES_LOCK_TIMEOUT": "5",
                "POSTGRES_IDLE_IN_TRANSACTION_SESSION_TIMEOUT": "5",
            }
            if self.postgres_schema:
                env["POSTGRES_SCHEMA"] = self.postgres_schema
            return env
        store_dir = self.data_dir / "eventstores"
        store_dir.mkdir(parents=True, exist_ok=True)
        return {
            "PERSISTENCE_MODULE": "shared.platform.sqlitestore",  # SQLite, writers queued (see the module)
            "SQLITE_DBNAME": str(store_dir / f"{service}.sqlite"),
            "SQLITE_LOCK_TIMEOUT": "10",
        }
