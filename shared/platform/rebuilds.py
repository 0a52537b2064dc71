"""A rebuild pauses the live projector members first, through a marker in the read store.

Why: the read models skip an event whose aggregate version is not newer than the last one a document applied
(`_seen`), which is exact only while each aggregate's events arrive in order. A rebuild drops the documents
and replays from offset 0; a live member still applying would put a newer version of some aggregate into a
fresh document ahead of the replay (a case's CaseResolved before its CaseReported), and the replay would then
skip the older one as a duplicate: a figure lost. So, before anything is dropped:

1. the rebuild writes the marker (one document, `projector_control/rebuild`), refreshed while it runs;
2. every live member checks it before each poll: it pauses its partitions, puts back what it polled and had
   not applied (no commit), and acknowledges by naming the rebuild in its status document;
3. the rebuild waits until every live member (a status document written recently, `running`) acknowledged;
   one that does not within the timeout makes the rebuild refuse, with nothing dropped;
4. it drops, replays up to the end offsets it found, and deletes the marker; the members resume from their
   committed offsets, which are behind those ends, so they apply the rest in order (what the replay already
   holds is skipped as a duplicate, exactly).

A marker whose rebuild stopped refreshing it (its process died) is abandoned: members resume, and a new
rebuild may take it over. Stopping on a signal, a rebuild writes what it read and deletes the marker.

What this does not cover: a member whose status went quiet for longer than the group's max poll interval
(and a margin) is taken as gone, not waited for; were it frozen mid-batch (not dead) and woke during the
replay, it could still write that one batch. The group evicted it by then, so it commits nothing and
stops there, but a figure of that batch may be off until the next rebuild.
"""

from __future__ import annotations

import logging
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from pymongo.database import Database
from pymongo.errors import DuplicateKeyError

log = logging.getLogger("shequ.rebuilds")

CONTROL_COLLECTION = "projector_control"
MARKER_ID = "rebuild"


class RebuildRefused(Exception):
    """The rebuild did not start (nothing was dropped): another one is running, or a live member did not pause."""


def _now() -> datetime:
    return datetime.now(UTC)


def _age(stamp: str | None, now: datetime) -> float:
    if not stamp:
        return float("inf")
    return (now - datetime.fromisoformat(stamp)).total_seconds()


class RebuildMarker:
    """The marker in the read store: written by a rebuild, read by the live members."""

    def __init__(self, db: Database, *, abandoned_after: float = 120.0) -> None:
        self.collection = db[CONTROL_COLLECTION]
        self.abandoned_after = abandoned_after
        """Seconds without a refresh after which a marker is taken as left by a rebuild that died."""

    def standing(self) -> dict[str, Any] | None:
        """The marker of a rebuild in progress, or None (none, or abandoned)."""
        marker = self.collection.find_one({"_id": MARKER_ID})
        if marker is None or _age(marker.get("refreshed_at"), _now()) > self.abandoned_after:
            return None
        return marker

    def place(self, by: str) -> str:
        """Write a new marker (taking over an abandoned one); its rebuild id. RebuildRefused if one stands."""
        now = _now().isoformat()
        rebuild_id = uuid.uuid4().hex
        marker = {"_id": MARKER_ID, "rebuild": rebuild_id, "by": by, "requested_at": now, "refreshed_at": now}
        try:
            self.collection.insert_one(marker)
            return rebuild_id
        except DuplicateKeyError:
            pass
        current = self.collection.find_one({"_id": MARKER_ID})
        if current is not None and _age(current.get("refreshed_at"), _now()) <= self.abandoned_after:
            raise RebuildRefused(f"a rebuild by {current.get('by')} is in progress since {current.get('requested_at')}")
        # Take over the abandoned marker, unless another rebuild just did (the filter names the one we saw).
        taken = self.collection.replace_one(
            {"_id": MARKER_ID, "rebuild": current.get("rebuild") if current else None}, marker)
        if taken.matched_count != 1:
            raise RebuildRefused("another rebuild started at the same moment")
        log.warning("took over the marker of an abandoned rebuild (%s by %s)",
                    current.get("rebuild") if current else None, current.get("by") if current else None)
        return rebuild_id

    def refresh(self, rebuild_id: str) -> None:
        self.collection.update_one({"_id": MARKER_ID, "rebuild": rebuild_id},
                                   {"$set": {"refreshed_at": _now().isoformat()}})

    def remove(self, rebuild_id: str) -> None:
        self.collection.delete_one({"_id": MARKER_ID, "rebuild": rebuild_id})


class LivePause:
    """A rebuild's hold on the live members: `acquire` places the marker and waits for them; `release` ends it."""

    def __init__(self, marker: RebuildMarker, members: Callable[[], list[dict[str, Any]]], *, by: str,
                 member_fresh_seconds: float = 30.0, refresh_every: float = 5.0) -> None:
        self.marker = marker
        self.members = members
        """The status documents of the projector members (`running`, `updated_at`, `paused_for`)."""
        self.by = by
        self.member_fresh_seconds = member_fresh_seconds
        self.refresh_every = refresh_every
        self.rebuild_id: str | None = None
        self._refreshed_at = 0.0

    def acquire(self, timeout: float) -> None:
        """Place the marker and wait until every live member paused (RebuildRefused: nothing is held)."""
        self.rebuild_id = self.marker.place(self.by)
        self._refreshed_at = time.monotonic()
        deadline = time.monotonic() + timeout
        waiting = self.unpaused()
        while waiting:
            if time.monotonic() >= deadline:
                self.release()
                raise RebuildRefused(
                    f"live projector members did not pause within {timeout:.0f}s: {', '.join(sorted(waiting))}; "
                    "nothing was dropped")
            time.sleep(0.1)
            self.keep_alive()
            waiting = self.unpaused()
        log.info("rebuild %s: the live members paused", self.rebuild_id)

    def unpaused(self) -> list[str]:
        """Live members (a recent status, running) that have not acknowledged this rebuild."""
        now = _now()
        return [m["_id"] for m in self.members()
                if m.get("running") and m["_id"] != self.by
                and _age(m.get("updated_at"), now) <= self.member_fresh_seconds
                and m.get("paused_for") != self.rebuild_id]

    def keep_alive(self) -> None:
        """Refresh the marker (rate-limited): the members take a marker left unrefreshed as abandoned."""
        if self.rebuild_id and time.monotonic() - self._refreshed_at >= self.refresh_every:
            self._refreshed_at = time.monotonic()
            self.marker.refresh(self.rebuild_id)

    def release(self) -> None:
        if self.rebuild_id is not None:
            self.marker.remove(self.rebuild_id)
            log.info("rebuild %s: released the live members", self.rebuild_id)
            self.rebuild_id = None

