"""Welfare test fixtures: the application on its own SQLite store, and the service over HTTP."""

from __future__ import annotations

import pytest

from services.welfare.application import WelfareApplication
from services.welfare.config import SERVICE as WELFARE
from tests.conftest import teach_directory


@pytest.fixture
def app(tmp_path, monkeypatch):
    """The welfare application (its cipher key generated next to the store), knowing the test communities."""
    monkeypatch.delenv("WELFARE_CIPHER_KEY", raising=False)
    application = WelfareApplication(env={"PERSISTENCE_MODULE": "eventsourcing.sqlite",
                                          "SQLITE_DBNAME": str(tmp_path / "welfare.sqlite")})
    teach_directory(application)
    yield application
    application.close()


@pytest.fixture
def welfare(service_client, monkeypatch):
    monkeypatch.delenv("WELFARE_CIPHER_KEY", raising=False)
    return service_client(WELFARE)


@pytest.fixture
def officer(auth):
    """Request headers of Hualong Jiayuan's welfare officer."""
    return auth("welfare_officer", communities=["hualong"], subject="officer-wang")


@pytest.fixture
def second(auth):
    """A second officer of the same community (four eyes)."""
    return auth("welfare_officer", communities=["hualong"], subject="officer-zhao")
