"""The read-store contract: every operation the projector, the district queries and the tools send to MongoDB.

Runs over the wire against the session's nx-27017 server, and unchanged against any MONGO_URL
(`MONGO_URL=mongodb://... make test`), e.g. a MongoDB 7 replica set. Where nx-27017 differs from
MongoDB, the test states MongoDB's behaviour and is marked as an expected failure on nx-27017 only
(strict: a fixed nx-27017 makes it fail, so the note in docs/read-store.md gets revisited).
"""

from __future__ import annotations

import threading
import uuid

import pytest
from pymongo import ASCENDING, DESCENDING, InsertOne, ReplaceOne
from pymongo.errors import BulkWriteError, DuplicateKeyError

from shared.platform.readstore import ping, read_store_client
from tests.threads import run_together


@pytest.fixture(scope="module")
def is_nx(mongo_client) -> bool:  # noqa: ANN001
    """nx-27017 answers buildInfo without a server version; MongoDB always names one."""
    return "version" not in mongo_client.server_info()


def nx_differs(request, is_nx: bool, reason: str) -> None:  # noqa: ANN001
    if is_nx:
        request.applymarker(pytest.mark.xfail(reason=f"nx-27017 differs from MongoDB: {reason}", strict=True))


def community_document(community: str = "jinpen", aggregates: int = 50) -> dict:
    """A read-model document of the shapes the projections write (see services/district/*.py)."""
    return {
        "_id": community, "_rev": 1, "community_id": community, "as_of": "2026-11-20T06:30:00+00:00",
        "_seen": {str(uuid.uuid4()): n % 7 + 1 for n in range(aggregates)},
        "directory": {"name": "金盆社区", "households": 8325, "residents": 35353, "floating_population": None},
        "cases": {"neighbour_dispute": {"reported": 51, "open": 4, "resolved": 47, "closed": 0}},
        "open_cases": {str(uuid.uuid4()): {"category": "noise", "cell": None, "since": "2026-11-01T00:00:00+00:00",
                                           "deadline": "2026-11-08T00:00:00+00:00"}},
        "durations": {"noise": [["2026-10-01T00:00:00+00:00", 1.5], ["2026-10-02T00:00:00+00:00", 26.25]]},
        "cells": {"cell-1": {"workers": ["w-1", "w-2"], "durations": [["2026-10-01T00:00:00+00:00", 1.5, "noise"]],
                             "satisfaction": {str(n): 0 for n in range(1, 6)}}},
        "income": {"2026-01": {"rent": 1_300_000_00, "subsidy": -5}}, "per_capita_income": {"2025": 4_200_000},
        "big": 2**53 + 1, "rate": 0.9812, "whole_float": 3.0, "flag": True, "nothing": None, "empty": {}, "none": [],
        "mediation_cells": {}, "tax_rebates": {"2026": 0},
    }


def test_ping(mongo_client):
    ping(mongo_client)


def test_a_read_model_document_round_trips_exactly(read_db):
    collection = read_db["community_grid"]
    document = community_document(aggregates=500)
    collection.insert_one(dict(document))
    stored = collection.find_one({"_id": "jinpen"})
    assert stored == document
    assert {k: type(v) for k, v in stored.items()} == {k: type(v) for k, v in document.items()} | {
        "big": type(stored["big"])}
    assert type(stored["whole_float"]) is float and type(stored["flag"]) is bool and stored["big"] == 2**53 + 1
    replaced = {**document, "_rev": 2, "cases": {}, "new": {"nested": [[1, 2.5, "x"]]}}
    assert collection.replace_one({"_id": "jinpen", "_rev": 1}, dict(replaced)).matched_count == 1
    assert collection.find_one({"_id": "jinpen"}) == replaced


def test_a_large_growing_document_round_trips(read_db):
    """Documents grow with a community's history (dedupe versions, open cases): megabytes must round-trip."""
    collection = read_db["community_grid"]
    document = community_document(aggregates=40_000)
    collection.insert_one(dict(document))
    assert collection.find_one({"_id": "jinpen"}) == document
    document["_seen"].update({str(uuid.uuid4()): 1 for _ in range(10_000)})
    collection.replace_one({"_id": "jinpen", "_rev": 1}, {**document, "_rev": 2})
    assert len(collection.find_one({"_id": "jinpen"})["_seen"]) == 50_000


def test_guarded_replace_matches_only_the_expected_revision(read_db):
    collection = read_db["community_grid"]
    collection.insert_one(community_document())
    assert collection.replace_one({"_id": "jinpen", "_rev": 0}, {"_rev": 9}).matched_count == 0
    assert collection.replace_one({"_id": "nowhere", "_rev": 1}, {"_rev": 9}).matched_count == 0
    assert collection.find_one({"_id": "jinpen"})["_rev"] == 1
    assert collection.replace_one({"_id": "jinpen", "_rev": 1}, {"_rev": 2, "x": 1}).matched_count == 1
    assert collection.find_one({"_id": "jinpen"}) == {"_id": "jinpen", "_rev": 2, "x": 1}
    assert collection.count_documents({"_id": "nowhere"}) == 0  # a guarded replace never creates


def test_inserting_an_existing_document_is_a_duplicate_key_error(read_db):
    collection = read_db["community_grid"]
    collection.insert_one({"_id": "jinpen", "_rev": 1})
    with pytest.raises(DuplicateKeyError):
        collection.insert_one({"_id": "jinpen", "_rev": 1, "other": True})
    assert collection.find_one({"_id": "jinpen"}) == {"_id": "jinpen", "_rev": 1}


def test_unordered_bulk_write_reports_what_failed_and_writes_the_rest(read_db):
    """The projector's write: one unordered bulk of inserts (new documents) and guarded replaces."""
    collection = read_db["community_grid"]
    collection.insert_many([{"_id": "a", "_rev": 1}, {"_id": "b", "_rev": 1}, {"_id": "c", "_rev": 3}])
    operations = [InsertOne({"_id": "a", "_rev": 1, "lost": True}), InsertOne({"_id": "new", "_rev": 1}),
                  ReplaceOne({"_id": "b", "_rev": 1}, {"_id": "b", "_rev": 2}),
                  ReplaceOne({"_id": "c", "_rev": 2}, {"_id": "c", "_rev": 3, "lost": True}),
                  InsertOne({"_id": "newer", "_rev": 1})]
    with pytest.raises(BulkWriteError) as raised:
        collection.bulk_write(operations, ordered=False)
    details = raised.value.details
    assert [(e["index"], e["code"]) for e in details["writeErrors"]] == [(0, 11000)]
    assert (details["nInserted"], details["nMatched"], details["nModified"]) == (2, 1, 1)
    assert sorted(collection.find(), key=lambda d: d["_id"]) == [
        {"_id": "a", "_rev": 1}, {"_id": "b", "_rev": 2}, {"_id": "c", "_rev": 3}, {"_id": "new", "_rev": 1},
        {"_id": "newer", "_rev": 1}]
    result = collection.bulk_write([ReplaceOne({"_id": i, "_rev": 1}, {"_id": i, "_rev": 2})
                                    for i in ("new", "newer", "a")], ordered=False)
    assert result.matched_count == 3


def test_a_bulk_of_thousands_of_documents(read_db):
    """A rebuild batch touches every community's documents at once."""
    collection = read_db["community_grid"]
    collection.bulk_write([InsertOne(community_document(f"c{i:04d}", aggregates=5)) for i in range(3000)],
                          ordered=False)
    result = collection.bulk_write([ReplaceOne({"_id": f"c{i:04d}", "_rev": 1},
                                               {**community_document(f"c{i:04d}", 5), "_rev": 2})
                                    for i in range(3000)], ordered=False)
    assert result.matched_count == 3000
    assert collection.count_documents({"_rev": 2}) == 3000


def test_concurrent_guarded_writes_from_several_clients_lose_nothing(mongo_url, read_db):
    """Projector replicas (and a rebuild beside them) write the same community documents."""
    clients = [read_store_client(mongo_url) for _ in range(4)]
    read_db["counts"].insert_one({"_id": "jinpen", "_rev": 0, "n": 0, "pad": "x" * 20_000})
    wins = [0] * len(clients)

    def work(k: int) -> None:
        collection = clients[k][read_db.name]["counts"]
        for _ in range(40):
            while True:
                document = collection.find_one({"_id": "jinpen"})
                base = document["_rev"]
                document.update(_rev=base + 1, n=document["n"] + 1)
                if collection.replace_one({"_id": "jinpen", "_rev": base}, document).matched_count == 1:
                    wins[k] += 1
                    break

    threads = [threading.Thread(target=work, args=(k,)) for k in range(len(clients))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    for client in clients:
        client.close()
    stored = read_db["counts"].find_one({"_id": "jinpen"})
    assert sum(wins) == 160 and stored["n"] == 160 and stored["_rev"] == 160


def test_readers_never_see_a_half_replaced_document(read_db):
    """The district API reads while the projector replaces: every read sees one whole revision."""
    collection = read_db["community_volunteering"]
    document = {"_id": "jinpen", **{f"figure_{i}": {"n": i, "by": {str(j): j for j in range(20)}} for i in range(40)}}
    collection.insert_one({**document, "_rev": 0})
    stop = threading.Event()

    def write() -> None:
        revision = 0
        while not stop.is_set():
            revision += 1
            collection.replace_one({"_id": "jinpen"}, {**document, "_rev": revision})

    writer = threading.Thread(target=write, daemon=True)
    writer.start()
    torn = reads = 0
    try:
        for _ in range(60):
            docs = list(collection.find({}, {"_seen": 0}))
            reads += 1
            torn += len(docs) != 1 or any(docs[0].get(f"figure_{i}") != document[f"figure_{i}"] for i in range(40))
            torn += collection.find_one({"_id": "jinpen"}) is None
    finally:
        stop.set()
        writer.join(10)
    assert reads == 60 and torn == 0


def test_id_lookups(read_db):
    collection = read_db["community_grid"]
    collection.insert_many([{"_id": f"c{i:03d}", "_rev": i % 3, "n": i} for i in range(50)])
    assert collection.find_one({"_id": "c007"}) == {"_id": "c007", "_rev": 1, "n": 7}
    assert collection.find_one({"_id": "nope"}) is None
    found = collection.find({"_id": {"$in": ["c001", "c002", "nope", "c001"]}})
    assert sorted(d["_id"] for d in found) == ["c001", "c002"]
    assert list(collection.find({"_id": {"$in": []}})) == []
    assert collection.count_documents({"_id": {"$in": ["c004", "c005"]}, "_rev": {"$in": [1, 2]}}) == 2


def test_projections_the_queries_use(read_db):
    collection = read_db["community_grid"]
    collection.insert_many([community_document("a"), {"_id": "b", "_rev": 4}])
    revisions = sorted(collection.find({}, {"_rev": 1, "as_of": 1}), key=lambda d: d["_id"])
    assert revisions == [{"_id": "a", "_rev": 1, "as_of": "2026-11-20T06:30:00+00:00"}, {"_id": "b", "_rev": 4}]
    without_guard = collection.find_one({"_id": "a"}, {"_seen": 0})
    assert "_seen" not in without_guard
    assert without_guard == {k: v for k, v in community_document("a").items() if k != "_seen"} | {
        "open_cases": without_guard["open_cases"]}


def test_status_documents_are_upserted(read_db):
    """The projector's status (lag per partition, totals) is one upserted document per member."""
    collection = read_db["projector_status"]
    status = {"_id": "projector-a", "lag": {"shequ.grid.v1:0": 3}, "applied": 10, "updated_at": "2026-11-20"}
    assert collection.replace_one({"_id": "projector-a"}, status, upsert=True).upserted_id == "projector-a"
    moved = {**status, "lag": {"shequ.grid.v1:0": 0}, "applied": 13}
    result = collection.replace_one({"_id": "projector-a"}, moved, upsert=True)
    assert result.upserted_id is None and result.matched_count == 1
    assert list(collection.find()) == [moved]


def test_the_rebuild_marker_operations(read_db):
    """The rebuild's marker in `projector_control`: created once (a second is a duplicate key), taken over only
    under the id it was read with, refreshed and removed only by its own rebuild."""
    collection = read_db["projector_control"]
    marker = {"_id": "rebuild", "rebuild": "r1", "by": "a", "refreshed_at": "2026-12-04T00:00:00+00:00"}
    collection.insert_one(marker)
    with pytest.raises(DuplicateKeyError):
        collection.insert_one({**marker, "rebuild": "r2"})
    assert collection.replace_one({"_id": "rebuild", "rebuild": "r0"}, {**marker, "rebuild": "r2"}).matched_count == 0
    assert collection.replace_one({"_id": "rebuild", "rebuild": "r1"}, {**marker, "rebuild": "r2"}).matched_count == 1
    assert collection.update_one({"_id": "rebuild", "rebuild": "r1"},
                                 {"$set": {"refreshed_at": "later"}}).matched_count == 0
    assert collection.update_one({"_id": "rebuild", "rebuild": "r2"},
                                 {"$set": {"refreshed_at": "later"}}).matched_count == 1
    assert collection.find_one({"_id": "rebuild"}) == {**marker, "rebuild": "r2", "refreshed_at": "later"}
    assert collection.delete_one({"_id": "rebuild", "rebuild": "r1"}).deleted_count == 0
    assert collection.delete_one({"_id": "rebuild", "rebuild": "r2"}).deleted_count == 1
    assert collection.find_one({"_id": "rebuild"}) is None


def test_indexes_are_created_once_and_listed(read_db):
    collection = read_db["communities"]
    collection.insert_one({"_id": "jinpen", "district": "jiulongpo"})
    for _ in range(2):  # every projector start creates them: idempotent
        collection.create_index([("district", ASCENDING)])
    keys = [spec["key"] for spec in collection.index_information().values()]
    assert [("district", 1)] in keys and [("_id", 1)] in keys
    assert collection.count_documents({"district": "jiulongpo"}) == 1


def test_dropping_collections_and_databases(mongo_client, read_db):
    read_db["community_grid"].insert_one({"_id": "a"})
    read_db["projector_status"].insert_one({"_id": "p"})
    assert {"community_grid", "projector_status"} <= set(read_db.list_collection_names())
    read_db["community_grid"].drop()
    read_db["community_grid"].drop()  # dropping what is gone is no error (a rebuild drops every model)
    assert "community_grid" not in read_db.list_collection_names()
    assert read_db["community_grid"].count_documents({}) == 0
    mongo_client.drop_database(read_db.name)
    assert read_db["projector_status"].count_documents({}) == 0


def test_reading_a_missing_collection_does_not_create_it(request, is_nx, read_db):
    nx_differs(request, is_nx, "a read (find_one, count_documents) creates the collection it names")
    read_db["other"].insert_one({"_id": 1})
    assert read_db["community_grid"].find_one({"_id": "a"}) is None
    assert read_db["community_grid"].count_documents({}) == 0
    assert read_db.list_collection_names() == ["other"]


def test_sorting_paging_and_grouping(read_db):
    """Not used by the district queries today (they sort and page figures in Python), proven for the tools."""
    collection = read_db["community_grid"]
    collection.insert_many([{"_id": f"c{i:02d}", "district": "east" if i % 2 else "west", "open": i % 5}
                            for i in range(20)])
    page = list(collection.find({}, {"_id": 1}).sort([("open", DESCENDING), ("_id", ASCENDING)]).skip(2).limit(3))
    assert [d["_id"] for d in page] == ["c14", "c19", "c03"]
    grouped = {d["_id"]: d["open"] for d in collection.aggregate([
        {"$match": {"open": {"$gt": 0}}}, {"$group": {"_id": "$district", "open": {"$sum": "$open"}}}])}
    assert grouped == {"east": 20, "west": 20}


def test_nested_update_operators_with_few_fields(read_db):
    collection = read_db["community_grid"]
    collection.insert_one({"_id": "jinpen", "_rev": 1})
    collection.update_one({"_id": "jinpen"}, {"$set": {"cases.noise.open": 1}, "$inc": {"cases.noise.reported": 2}})
    collection.update_one({"_id": "jinpen"}, {"$set": {"cases.noise.open": 0}, "$inc": {"cases.noise.reported": 1,
                                                                                      "_rev": 1}})
    assert collection.find_one({"_id": "jinpen"}) == {"_id": "jinpen", "_rev": 2,
                                                       "cases": {"noise": {"open": 0, "reported": 3}}}
    collection.update_one({"_id": "huasheng"}, {"$set": {"cases.noise.open": 1}}, upsert=True)
    assert collection.find_one({"_id": "huasheng"}) == {"_id": "huasheng", "cases": {"noise": {"open": 1}}}


@pytest.mark.parametrize("operator", ["$inc", "$setOnInsert"])
def test_an_upsert_that_inserts_expands_nested_paths(request, is_nx, read_db, operator):
    """MongoDB expands `a.b` into {"a": {"b": ...}} when an upsert inserts; nx-27017 0.8.1 does so for `$set`
    only, and stores a field literally named "cases.noise.reported" for `$inc` and `$setOnInsert`."""
    nx_differs(request, is_nx, f"an inserting upsert stores {operator} paths as dotted field names")
    collection = read_db["community_grid"]
    collection.update_one({"_id": "jinpen"}, {operator: {"cases.noise.reported": 2}}, upsert=True)
    assert collection.find_one({"_id": "jinpen"}) == {"_id": "jinpen", "cases": {"noise": {"reported": 2}}}


@pytest.mark.parametrize("operator", ["$inc", "$max"])
def test_an_update_of_many_nested_fields_applies_every_field(request, is_nx, read_db, operator):
    """MongoDB applies every field of an update; nx-27017 0.8.1 silently applies none of the `$inc`/`$max`
    fields once an update names 64 or more nested paths (it still answers modified). The projector never sends
    such updates: it replaces whole documents (docs/read-store.md)."""
    nx_differs(request, is_nx, f"{operator} of >= 64 nested paths is silently dropped")
    collection = read_db["community_grid"]
    collection.insert_one({"_id": "jinpen", "c": {f"k{i}": 1 for i in range(64)}})
    result = collection.update_one({"_id": "jinpen"}, {operator: {f"c.k{i}": 5 if operator == "$max" else 4
                                                                  for i in range(64)}})
    assert result.modified_count == 1
    assert collection.find_one({"_id": "jinpen"})["c"] == {f"k{i}": 5 for i in range(64)}


def test_pushing_sub_documents_keeps_them_documents(request, is_nx, read_db):
    """MongoDB appends the value as it was sent; nx-27017 0.8.1 stores a pushed sub-document (or array) as its JSON
    text, and turns the elements already there into text too. The change log replaces its document instead."""
    nx_differs(request, is_nx, "$push stores sub-documents as JSON strings")
    collection = read_db["read_model_changes"]
    collection.insert_one({"_id": "log", "entries": [{"seq": 1}]})
    collection.update_one({"_id": "log"}, {"$push": {"entries": {"$each": [{"seq": 2}], "$slice": -2}}})
    assert collection.find_one({"_id": "log"})["entries"] == [{"seq": 1}, {"seq": 2}]


def test_a_replace_guarded_by_a_counter_is_a_compare_and_set_across_clients(mongo_url, read_db):
    """The change log's write (shared/platform/changelog.py): a replace guarded by `seq` from several clients at
    once; exactly one of the writers of each value wins, and the document holds every winner's entry."""
    collection = read_db["read_model_changes"]
    collection.insert_one({"_id": "log", "epoch": "e", "seq": 0, "entries": []})
    won: list[int] = []
    clients = [read_store_client(mongo_url) for _ in range(4)]

    def append(client, number: int) -> None:  # noqa: ANN001
        mine = client[read_db.name]["read_model_changes"]
        done = 0
        while done < 20:
            log = mine.find_one({"_id": "log"})
            entries = [*log["entries"], {"seq": log["seq"] + 1, "by": number}]
            updated = {"_id": "log", "epoch": "e", "seq": log["seq"] + 1, "entries": entries}
            if mine.replace_one({"_id": "log", "epoch": "e", "seq": log["seq"]}, updated).matched_count:
                won.append(log["seq"] + 1)
                done += 1

    try:
        run_together(append, [(c, n) for n, c in enumerate(clients)])
    finally:
        for client in clients:
            client.close()
    assert sorted(won) == list(range(1, 81))
    log = collection.find_one({"_id": "log"})
    assert [e["seq"] for e in log["entries"]] == list(range(1, 81))
    assert sorted(e["by"] for e in log["entries"]) == sorted(n for n in range(4) for _ in range(20))


def test_many_nested_set_fields_apply(read_db):
    collection = read_db["community_grid"]
    collection.insert_one({"_id": "jinpen", "c": {f"k{i}": 1 for i in range(200)}})
    collection.update_one({"_id": "jinpen"}, {"$set": {f"c.k{i}": 5 for i in range(200)}})
    assert collection.find_one({"_id": "jinpen"})["c"] == {f"k{i}": 5 for i in range(200)}
