"""One active relay per service, however many replicas run.

With PostgreSQL, the relay of each replica tries a session-level advisory lock
keyed by its topic; the holder publishes, the others stand by and take over
when the holder's connection goes away (crash, deploy). With SQLite there is
one host, and the relay runs in the one supervising process of `shequ serve` /
`shequ demo` (its HTTP worker processes never start a relay, query-table runner
or reaction consumer: `bootstrap/workers.py`), so leadership is trivially held.
"""

from __future__ import annotations

import hashlib
import logging
from typing import Any, Protocol

log = logging.getLogger("shequ.leadership")


class Leadership(Protocol):
    def acquire(self) -> bool: ...

    def release(self) -> None: ...


class SoleProcess:
    """The embedded store: one process owns the database."""

    def acquire(self) -> bool:
        return True

    def release(self) -> None:
        return None


class PostgresAdvisoryLock:
    """Leadership held as long as one dedicated connection holds an advisory lock."""

    def __init__(self, env: dict[str, str], name: str) -> None:
        self._params = {
            "host": env["POSTGRES_HOST"], "port": env["POSTGRES_PORT"], "user": env["POSTGRES_USER"],
            "password": env.get("POSTGRES_PASSWORD") or None, "dbname": env["POSTGRES_DBNAME"],
            "connect_timeout": 5,
        }
        # Advisory locks take a bigint: a stable hash of the name.
        self.key = int.from_bytes(hashlib.sha256(f"shequ:{name}".encode()).digest()[:8], "big", signed=True)
        self._conn: Any = None
        self._held = False

    def acquire(self) -> bool:
        """True while this process holds the lock; tries to take it when not."""
        import psycopg

        try:
            if self._conn is not None and not self._conn.closed and self._held:
                self._conn.execute("SELECT 1")  # the lock lives as long as this session
                return True
            if self._conn is None or self._conn.closed:
                self._conn = psycopg.connect(**self._params, autocommit=True)
            self._held = bool(self._conn.execute("SELECT pg_try_advisory_lock(%s)", (self.key,)).fetchone()[0])
            return self._held
        except Exception as exc:  # noqa: BLE001 - no database, no leadership; retried by the caller
            log.warning("leadership check failed: %s", exc)
            self.release()
            return False

    def release(self) -> None:
        if self._conn is not None:
            try:
                self._conn.close()  # closing the session releases the lock
            except Exception:  # noqa: BLE001
                log.debug("error closing leadership connection", exc_info=True)
        self._conn = None
        self._held = False


def leadership_for(event_store_env: dict[str, str], name: str) -> Leadership:
    if event_store_env.get("PERSISTENCE_MODULE") == "eventsourcing.postgres":
        # Scoped to the store: replicas of one service share it, other stores never contend.
        scope = f"{event_store_env['POSTGRES_DBNAME']}/{event_store_env.get('POSTGRES_SCHEMA', '')}"
        return PostgresAdvisoryLock(event_store_env, f"{name}@{scope}")
    return SoleProcess()
