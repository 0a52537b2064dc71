"""A district projector as its own process, on the real read-store server (for fault injection).

    python -m tests.faults.projector_proc BOOTSTRAP MONGO_URL DATABASE GROUP [KILL_AFTER_WRITES MARKER]

The read store is the test session's nx-27017 server (or MONGO_URL): a document write is
durable once the server acknowledged it, as with MongoDB and w=majority. With
KILL_AFTER_WRITES, the process sends its bulk writes one document at a time, touches
MARKER after that many document writes and stops there (sleeps), so the test can SIGKILL
it mid-batch: some documents of the batch written, the batch's offsets not committed.
Without it, it runs until it has caught up with the topics and exits 0.
"""

from __future__ import annotations

import sys
import threading
import time
from pathlib import Path
from types import SimpleNamespace
from typing import Any

from services.district.projections import projections
from bootstrap.registry import domain_services
from shared.platform.projector import ProjectorRuntime
from shared.platform.readstore import read_store_client


class OneAtATime:
    """A collection whose bulk writes go to the server one document at a time, counted."""

    def __init__(self, owner: Killable, collection: Any) -> None:
        self._owner, self._collection = owner, collection

    def __getattr__(self, name: str) -> Any:
        return getattr(self._collection, name)

    def bulk_write(self, requests: list[Any], ordered: bool = True) -> Any:
        matched = 0
        for request in requests:
            matched += self._collection.bulk_write([request], ordered=ordered).matched_count
            self._owner.written()
        return SimpleNamespace(matched_count=matched)


class Killable:
    def __init__(self, db: Any, kill_after: int, marker: Path) -> None:
        self.db, self.kill_after, self.marker, self.document_writes = db, kill_after, marker, 0
        self.name = db.name

    def __getitem__(self, name: str) -> Any:
        return self.db[name] if name == "projector_status" else OneAtATime(self, self.db[name])

    def written(self) -> None:
        self.document_writes += 1
        if self.document_writes >= self.kill_after:
            self.marker.write_text(str(self.document_writes))
            while True:  # mid-batch: wait for SIGKILL
                time.sleep(1)


def main() -> int:
    bootstrap, url, database, group = sys.argv[1:5]
    kill_after = int(sys.argv[5]) if len(sys.argv) > 5 else None
    marker = Path(sys.argv[6]) if len(sys.argv) > 6 else None
    db = read_store_client(url)[database]
    definitions = domain_services()
    runtime = ProjectorRuntime(
        db=Killable(db, kill_after, marker) if kill_after is not None else db, projections=projections(),
        contracts={d.name: d.contract.events for d in definitions},
        topics=[f"shequ.{d.name}.v1" for d in definitions], bootstrap_servers=bootstrap, group_id=group,
        dead_letter_topic="shequ.district.dlq", batch_size=1000, member_name="fault-projector",
    )
    runtime.run(threading.Event(), until_caught_up=True)
    print(f"caught up: applied={runtime.totals.applied} duplicates={runtime.totals.duplicates}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
