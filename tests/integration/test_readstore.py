"""The read store as the district uses it: one projector thread writing, API threads reading."""

from __future__ import annotations

import sys
import threading

import mongomock_ng

from shared.platform.readstore import connect_read_store


def torn_reads(client, rounds: int = 60) -> int:
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


def test_id_lookups_in_the_embedded_store_find_what_a_scan_finds():
    """The embedded store serves `_id` filters from its dictionary; every result equals a full scan's."""
    from bson import ObjectId
    from mongomock_ng.filtering import filter_applies

    from shared.platform.readstore import embedded_client

    collection = embedded_client()["district"]["lookups"]
    oid = ObjectId()
    documents = [{"_id": f"c{i:03d}", "_rev": i % 3, "n": i} for i in range(50)]
    documents += [{"_id": 7, "_rev": 1, "n": 7.5}, {"_id": oid, "_rev": 2, "n": -1},
                  {"_id": {"composite": 1}, "_rev": 0, "n": 0}]
    collection.insert_many([dict(d) for d in documents])
    filters = [
        {"_id": "c007"}, {"_id": "nope"}, {"_id": 7}, {"_id": 7.0}, {"_id": oid},
        {"_id": "c007", "_rev": 1}, {"_id": "c007", "_rev": 2},
        {"_id": {"$in": ["c001", "c002", "nope", "c001"]}}, {"_id": {"$in": []}},
        {"_id": {"$in": ["c003", 7, oid]}, "n": {"$gt": 3}},
        {"_id": {"composite": 1}}, {"_id": {"$gt": "c045"}}, {"_id": {"$in": ["c004"]}, "_rev": {"$in": [0, 1]}},
    ]
    for spec in filters:
        scanned = sorted((d for d in documents if filter_applies(spec, d)), key=repr)
        found = sorted(collection.find(spec), key=repr)
        assert found == scanned, spec
        assert collection.count_documents(spec) == len(scanned), spec
    # Writes go through the same lookup: the guard on `_rev` still holds.
    assert collection.replace_one({"_id": "c004", "_rev": 2}, {"n": 0}).matched_count == 0
    assert collection.replace_one({"_id": "c004", "_rev": 1}, {"_rev": 2, "n": 44}).matched_count == 1
    assert collection.find_one({"_id": "c004"}) == {"_id": "c004", "_rev": 2, "n": 44}
    assert collection.update_many({"_id": {"$in": ["c005", "c006"]}, "_rev": 0}, {"$set": {"n": 0}}).matched_count == 1
    assert [d["n"] for d in collection.find({"_id": {"$in": ["c005", "c006"]}})] == [5, 0]  # only c006 is at _rev 0
    assert collection.delete_many({"_id": {"$in": ["c005", "c006"]}}).deleted_count == 2
    assert collection.count_documents({}) == len(documents) - 2
