"""The read store as the district uses it: one projector thread writing, API threads reading."""

from __future__ import annotations

import sys
import threading

import mongomock_ng

from shared.readstore import connect_read_store


def torn_reads(client, rounds: int = 400) -> int:
    """Count reads that saw a document missing, half-replaced, or that failed while it was being replaced."""
    collection = client["district"]["community_volunteering"]
    document = {"_id": "jinpen", **{f"figure_{i}": {"n": i, "by": {str(j): j for j in range(20)}} for i in range(40)}}
    collection.insert_one(dict(document))
    stop = threading.Event()

    def write() -> None:
        revision = 0
        while not stop.is_set():
            revision += 1
            collection.replace_one({"_id": "jinpen"}, {**document, "_rev": revision})

    writer = threading.Thread(target=write, daemon=True)
    interval = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)  # switch threads as often as possible: races show up at once
    writer.start()
    torn = 0
    try:
        for _ in range(rounds):
            try:
                docs = list(collection.find({}, {"_seen": 0}))
                torn += len(docs) != 1 or any(f"figure_{i}" not in docs[0] for i in range(40))
                torn += collection.find_one({"_id": "jinpen"}) is None
            except RuntimeError:  # "dictionary changed size during iteration"
                torn += 1
    finally:
        stop.set()
        writer.join(5)
        sys.setswitchinterval(interval)
    return torn


def test_embedded_store_never_shows_a_half_replaced_document(settings):
    assert torn_reads(connect_read_store(settings)) == 0


def test_the_raw_embedded_store_does_tear_which_is_why_it_is_wrapped():
    """Documents the hazard the wrapper removes (if mongomock-ng becomes thread-safe, drop the wrapper)."""
    assert torn_reads(mongomock_ng.MongoClient()) > 0
