"""A district projector as its own process, on a durable file-backed read store (for fault injection).

    python -m tests.faults.projector_proc BOOTSTRAP STORE_FILE GROUP [KILL_AFTER_WRITES MARKER]

The read store is the embedded one (mongomock-ng) made durable: every successful
document write is persisted at once (the whole database pickled, then an atomic
rename), as a MongoDB write with w=majority is durable once acknowledged. With
KILL_AFTER_WRITES, the process touches MARKER after that many document writes and
stops there (sleeps), so the test can SIGKILL it mid-batch: some documents of the
batch written, the batch's offsets not committed. Without it, it runs until it
has caught up with the topics and exits 0.
"""

from __future__ import annotations

import os
import pickle
import sys
import threading
import time
from pathlib import Path
from typing import Any

import mongomock_ng

from services.district.projections import projections
from bootstrap.registry import domain_services
from shared.platform.projector import ProjectorRuntime

WRITES = ("insert_one", "replace_one", "update_one", "delete_many", "drop", "create_index")


def load(path: Path) -> Any:
    db = mongomock_ng.MongoClient(tz_aware=True)["district"]
    if path.exists():
        for name, docs in pickle.loads(path.read_bytes()).items():
            if docs:
                db[name].insert_many(docs)
    return db


def persist(db: Any, path: Path) -> None:
    snapshot = {name: list(db[name].find()) for name in db.list_collection_names()}
    tmp = path.with_suffix(".tmp")
    tmp.write_bytes(pickle.dumps(snapshot))
    os.replace(tmp, path)


class DurableCollection:
    def __init__(self, owner: DurableDb, collection: Any) -> None:
        self._owner, self._collection = owner, collection

    def __getattr__(self, name: str) -> Any:
        attr = getattr(self._collection, name)
        if name not in WRITES:
            return attr

        def write(*args: Any, **kwargs: Any) -> Any:
            result = attr(*args, **kwargs)
            self._owner.written(self._collection.name if name in ("insert_one", "replace_one") else None)
            return result

        return write


class DurableDb:
    def __init__(self, path: Path, kill_after: int | None, marker: Path | None) -> None:
        self.path, self.db = path, load(path)
        self.kill_after, self.marker, self.document_writes = kill_after, marker, 0

    def __getitem__(self, name: str) -> DurableCollection:
        return DurableCollection(self, self.db[name])

    def written(self, document_collection: str | None) -> None:
        persist(self.db, self.path)
        if document_collection is None or document_collection == "projector_status":
            return
        self.document_writes += 1
        if self.kill_after is not None and self.document_writes >= self.kill_after:
            assert self.marker is not None
            self.marker.write_text(str(self.document_writes))
            while True:  # mid-batch: wait for SIGKILL
                time.sleep(1)


def main() -> int:
    bootstrap, store, group = sys.argv[1], Path(sys.argv[2]), sys.argv[3]
    kill_after = int(sys.argv[4]) if len(sys.argv) > 4 else None
    marker = Path(sys.argv[5]) if len(sys.argv) > 5 else None
    definitions = domain_services()
    runtime = ProjectorRuntime(
        db=DurableDb(store, kill_after, marker), projections=projections(),
        contracts={d.name: d.contract.events for d in definitions},
        topics=[f"shequ.{d.name}.v1" for d in definitions], bootstrap_servers=bootstrap, group_id=group,
        dead_letter_topic="shequ.district.dlq", batch_size=1000, member_name="fault-projector",
    )
    runtime.run(threading.Event(), until_caught_up=True)
    print(f"caught up: applied={runtime.totals.applied} duplicates={runtime.totals.duplicates}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
