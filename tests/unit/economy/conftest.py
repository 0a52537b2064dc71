"""The economy service over HTTP, for the economy tests."""

from __future__ import annotations

import pytest

from services.economy.config import SERVICE as ECONOMY


@pytest.fixture
def economy(service_client):
    return service_client(ECONOMY)
