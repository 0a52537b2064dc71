"""The volunteering service, for the tests that drive it over HTTP."""

from __future__ import annotations

import pytest

from services.volunteering.config import SERVICE as VOLUNTEERING


@pytest.fixture
def client(service_client):
    return service_client(VOLUNTEERING)
