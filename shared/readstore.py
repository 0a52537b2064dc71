"""The district read store: MongoDB through pymongo.

With MONGO_URL unset, the embedded in-process store (mongomock-ng) is used; the
code above this module is the same for both. The embedded store is not
thread-safe (a reader can see a document half-replaced), so it is wrapped to
run each operation under one lock and to read cursors fully inside it.
"""

from __future__ import annotations

import threading
from typing import Any

from shared.settings import Settings

_CURSOR_METHODS = frozenset({"find", "aggregate", "list_indexes"})


class _Locked:
    """Runs every method of the wrapped object under a lock; returns locked wrappers for children."""

    def __init__(self, target: Any, lock: threading.RLock) -> None:
        self._target = target
        self._lock = lock

    def __getitem__(self, name: str) -> _Locked:
        with self._lock:
            return _Locked(self._target[name], self._lock)

    def __getattr__(self, name: str) -> Any:
        attribute = getattr(self._target, name)
        if not callable(attribute):
            return _Locked(attribute, self._lock) if _is_store_object(attribute) else attribute

        def locked(*args: Any, **kwargs: Any) -> Any:
            with self._lock:
                result = attribute(*args, **kwargs)
                if name in _CURSOR_METHODS:
                    return iter(list(result))
                return _Locked(result, self._lock) if _is_store_object(result) else result

        return locked


def _is_store_object(value: Any) -> bool:
    return type(value).__module__.startswith("mongomock") and type(value).__name__ in {"Database", "Collection"}


def connect_read_store(settings: Settings) -> Any:
    """Return a pymongo-compatible client (not yet connected: pymongo connects lazily)."""
    if settings.mongo_url:
        from pymongo import MongoClient

        return MongoClient(settings.mongo_url, tz_aware=True, serverSelectionTimeoutMS=5000, w="majority")
    import mongomock_ng

    return _Locked(mongomock_ng.MongoClient(tz_aware=True), threading.RLock())


def ping(client: Any) -> None:
    """Raise if the read store cannot be reached (readiness)."""
    client.admin.command("ping")
