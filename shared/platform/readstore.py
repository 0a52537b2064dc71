"""The district read store: MongoDB through pymongo.

With MONGO_URL unset, the embedded in-process store (mongomock-ng) is used; the
code above this module is the same for both. The embedded store is not
thread-safe (a reader can see a document half-replaced), so it is wrapped to
run each operation under one lock and to read cursors fully inside it.
"""

from __future__ import annotations

import threading
from typing import Any

from shared.platform.settings import Settings

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
    return embedded_client()


def embedded_client() -> Any:
    """The embedded read store: mongomock-ng, locked, with `_id` lookups served from its dictionary."""
    import mongomock_ng

    install_id_lookup()
    return _Locked(mongomock_ng.MongoClient(tz_aware=True), threading.RLock())


def install_id_lookup() -> None:
    """Serve `_id` lookups from the embedded store's dictionary instead of a scan (idempotent).

    mongomock-ng evaluates every query against every document; MongoDB answers a filter that pins
    `_id` from its mandatory `_id` index. The projector and the district queries look documents up
    by `_id` (one per community), so without this the embedded store is O(communities) per lookup.
    A filter whose `_id` is a plain value or an `$in` list reads only those documents, and the rest of
    the filter is still applied to them, so results are the same (in `$in` order, which MongoDB also
    does not promise without a sort). Any other filter scans as before.
    """
    from mongomock_ng import collection as module

    if getattr(module.Collection, "_shequ_id_lookup", False):
        return
    scan = module.Collection._iter_documents

    def iter_documents(self: Any, filter: Any) -> Any:  # noqa: A002 - mongomock's own parameter name
        ids = _pinned_ids(filter)
        if ids is None:
            return scan(self, filter)
        store = self._store
        found = [store[i] for i in ids if i in store]
        rest = {key: value for key, value in filter.items() if key != "_id"}  # `_id` is matched already
        return (document for document in found if not rest or module.filter_applies(rest, document))

    module.Collection._iter_documents = iter_documents
    module.Collection._shequ_id_lookup = True


def _pinned_ids(filter: Any) -> list[Any] | None:  # noqa: A002
    """The `_id` values a filter is limited to, or None if it is not (or not simply) limited."""
    if not isinstance(filter, dict) or "_id" not in filter:
        return None
    value = filter["_id"]
    if isinstance(value, dict):
        if set(value) != {"$in"} or not isinstance(value["$in"], list | tuple):
            return None
        candidates = list(value["$in"])
    else:
        candidates = [value]
    # Plain hashable ids only; documents, lists and regexes as ids keep mongomock's own matching.
    if not all(type(v) in (str, int) or type(v).__name__ == "ObjectId" for v in candidates):
        return None
    return list(dict.fromkeys(candidates))


def ping(client: Any) -> None:
    """Raise if the read store cannot be reached (readiness)."""
    client.admin.command("ping")
