"""The district read store: MongoDB through pymongo, the same code path everywhere.

Production points MONGO_URL at a MongoDB replica set; `shequ demo`, the tests and
the bench point it at the embedded nx-27017 server (`shared.docstore_server`),
which speaks the same wire protocol. There is no in-process store and no special
case: what runs here is what runs in production. Differences of nx-27017 that the
code must stay clear of are listed in docs/read-store.md.
"""

from __future__ import annotations

from typing import Any

from shared.platform.settings import Settings


class ReadStoreNotConfigured(RuntimeError):
    pass


def read_store_client(url: str, **options: Any) -> Any:
    """A pymongo client for the read store (not yet connected: pymongo connects lazily).

    Writes use write concern `majority`: on a replica set an acknowledged read-model write
    survives a failover, so a read model never goes back. Datetimes come back timezone-aware.
    """
    from pymongo import MongoClient

    return MongoClient(url, tz_aware=True, serverSelectionTimeoutMS=5000, w="majority", **options)


def connect_read_store(settings: Settings) -> Any:
    """The configured read store's client. MONGO_URL is required: `shequ demo` sets it for its embedded server."""
    if not settings.mongo_url:
        raise ReadStoreNotConfigured(
            "MONGO_URL is not set: point it at MongoDB (or run `shequ demo`, which starts the embedded nx-27017)")
    return read_store_client(settings.mongo_url)


def ping(client: Any) -> None:
    """Raise if the read store cannot be reached (readiness)."""
    client.admin.command("ping")
