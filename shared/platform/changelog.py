"""The read models' change log: which documents writers changed, in one small document per database.

Readers in other processes (the district API) need to know what changed since they last looked. Without
a log that means reading the revision of every read-model document on every request (thousands of
documents); with it, one small document.

How it stays correct on a MongoDB replica set, with several writers and readers in separate processes,
using single-document atomicity only:
- The log is one document `{_id: "log", epoch, seq, entries}`. `seq` counts the entries ever recorded;
  `entries` keeps the latest ones (bounded in number and in the document ids they name), each
  `{seq, collection, ids, revisions}` (how many documents, and `[[id, revision it will have], ...]` as one
  JSON string), or `{seq, all: true}` (anything
  may have changed: a write naming too many documents to list, recorded before and after it), or
  `{seq, all: true, reset: true}` (the read models were dropped: earlier announcements are void).
- A writer records an entry with a replace guarded by `seq` (compare and set; whoever lost the race reads
  the log again and retries), so an entry and its sequence number are one atomic write: a reader that
  sees `seq` n also sees entry n, and no two writers get the same n. (Not `$push`: nx-27017 stores pushed
  sub-documents as JSON strings, docs/read-store.md.)
- Entries are recorded *before* the write they announce, so every write a reader can see was announced
  first. A reader can therefore fetch a document before the announced write has landed: it keeps the
  document pending (stored revision below the announced one) and fetches it again until it arrives.
- A drop is recorded *after* it (a reader that read everything before the drop sees the entry after it), and
  so is a write too large to list (besides before it), for the same reason.
- A reader that fell behind the kept entries, or finds another epoch (the log was dropped and started
  again), or meets an `all` entry, reads everything, as it would without a log.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from pymongo.errors import DuplicateKeyError

CHANGES_COLLECTION = "read_model_changes"
LOG_ID = "log"
# Readers read the log on every request and writers rewrite it on every write: kept small (~15 KB at most).
# A reader that fell further behind reads everything once.
KEEP_ENTRIES = 128  # entries kept in the log document
KEEP_IDS = 1_000  # document ids named by the kept entries, in all
MOST_IDS = 100  # an entry naming more documents is recorded as `all` (a rebuild's flush): readers read everything


@dataclass(frozen=True)
class Position:
    """How far a reader has read the log: its epoch and the last sequence number read."""

    epoch: str
    seq: int


@dataclass(frozen=True)
class Changes:
    """What was announced after a position: (collection, document id) -> announced revision (None: read
    everything), and what every kept entry announced (`recent`: a reader that reads everything compares it
    with what it read, since writes announced before the position may not have landed yet)."""

    position: Position | None
    documents: dict[tuple[str, str], int] | None
    recent: dict[tuple[str, str], int]


class ChangeLog:
    """Records changes (writers) and reads them (readers) in `CHANGES_COLLECTION` of one database."""

    def __init__(self, db: Any) -> None:
        self.collection = db[CHANGES_COLLECTION]
        self._log: dict[str, Any] | None = None  # the log as this writer last wrote or read it

    # -- writers ------------------------------------------------------------------------------------------

    def record(self, collection: str, revisions: Mapping[str, int]) -> bool:
        """Announce that these documents of `collection` are about to be written at these revisions.

        Call before the write. True: too many to list, recorded as `all`; call `written()` after the write."""
        if not revisions:
            return False
        if len(revisions) > MOST_IDS:
            self._append({"all": True})
            return True
        # One string per entry, not arrays: the log is read on every request and rewritten on every write, and
        # nx-27017's cost grows with the number of values in a document more than with its bytes.
        self._append({"collection": collection, "ids": len(revisions),
                      "revisions": json.dumps(list(revisions.items()), ensure_ascii=False, separators=(",", ":"))})
        return False

    def written(self) -> None:
        """After a write `record` could not list: readers that read everything during it read again."""
        self._append({"all": True})

    def reset(self) -> None:
        """Announce that any document may have changed (call after dropping read models)."""
        self._append({"all": True, "reset": True})

    def _append(self, entry: dict[str, Any]) -> int:
        for _attempt in range(100):
            log = self._log if self._log is not None else self.collection.find_one({"_id": LOG_ID})
            if log is None:
                created = {"_id": LOG_ID, "epoch": uuid.uuid4().hex, "seq": 1, "entries": [{"seq": 1, **entry}]}
                try:
                    self.collection.insert_one(created)
                except DuplicateKeyError:
                    self._log = None  # another writer created it first
                    continue
                self._log = created
                return 1
            seq = log["seq"] + 1
            entries = _bounded([*log["entries"], {"seq": seq, **entry}])
            updated = {"_id": LOG_ID, "epoch": log["epoch"], "seq": seq, "entries": entries}
            guard = {"_id": LOG_ID, "epoch": log["epoch"], "seq": log["seq"]}
            if self.collection.replace_one(guard, updated).matched_count:
                self._log = updated
                return seq
            self._log = None  # another writer recorded meanwhile: read the log again
        raise RuntimeError(f"could not record a change in {self.collection.name}: too much contention")

    # -- readers ------------------------------------------------------------------------------------------

    def position(self) -> Position | None:
        """The log's current position (None: no log yet)."""
        log = self.collection.find_one({"_id": LOG_ID}, {"epoch": 1, "seq": 1})
        return Position(log["epoch"], log["seq"]) if log else None

    def since(self, position: Position | None) -> Changes:
        """What was announced after `position`, and the position to read from next time.

        `documents` is None when the reader must read everything: no position (it never read the log), no
        log, another epoch, fallen behind the kept entries, or an `all` entry among the new ones."""
        log = self.collection.find_one({"_id": LOG_ID})
        if log is None:
            return Changes(None, None, {})
        now = Position(log["epoch"], log["seq"])
        resets = [i for i, e in enumerate(log["entries"]) if e.get("reset")]
        recent = _announced(log["entries"][resets[-1] + 1:] if resets else log["entries"])
        if position is None or position.epoch != now.epoch or position.seq > now.seq:
            return Changes(now, None, recent)
        new = [e for e in log["entries"] if e["seq"] > position.seq]
        if position.seq < now.seq and (not new or new[0]["seq"] != position.seq + 1):
            return Changes(now, None, recent)  # the entries after our position are no longer kept
        if any(e.get("all") for e in new):
            return Changes(now, None, recent)
        return Changes(now, _announced(new), recent)


def _announced(entries: list[dict[str, Any]]) -> dict[tuple[str, str], int]:
    """(collection, document id) -> the highest revision these entries announce for it."""
    documents: dict[tuple[str, str], int] = {}
    for entry in entries:
        for doc_id, rev in json.loads(entry["revisions"]) if "revisions" in entry else ():
            key = (entry["collection"], doc_id)
            documents[key] = max(rev, documents.get(key, rev))
    return documents


def _bounded(entries: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The latest entries, at most KEEP_ENTRIES of them naming at most KEEP_IDS documents (the newest is kept)."""
    kept: list[dict[str, Any]] = []
    ids = 0
    for entry in reversed(entries):
        ids += entry.get("ids", 0)
        if kept and (len(kept) >= KEEP_ENTRIES or ids > KEEP_IDS):
            break
        kept.append(entry)
    return kept[::-1]
