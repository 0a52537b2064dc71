"""`make bench`: shequ against the bare libraries it is built on, side by side in one run.

    python -m bench.run [--quick] [--rebuild-events N] [--rebuild-communities N] [--skip-postgres] [--only X]

The read store is an nx-27017 server started for the run (or $MONGO_URL), spoken to over
pymongo as in production; its rows compare shequ with a bare pymongo loop on the same server.

Prints a table and writes bench/results/<timestamp>.json. Each row measures
shequ and the bare library doing the same work in the same process and run, and
gives the ratio (shequ / bare). Targets (from the issue) are checked and shown.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import tempfile
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager, nullcontext
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from bench.common import LeanClient, ServerThread, latency_summary, machine, peak_rss, percentile, timed

RESULTS = Path(__file__).resolve().parent / "results"
ROWS: list[dict[str, Any]] = []


class ReadStore:
    """The bench's read store: $MONGO_URL, else an nx-27017 server of its own; a fresh database per benchmark."""

    def __init__(self) -> None:
        from shared.platform.docstore_server import EmbeddedDocumentStore
        from shared.platform.readstore import read_store_client

        self._tmp = None
        self.server = None
        url = os.environ.get("MONGO_URL")
        if not url:
            self._tmp = tempfile.TemporaryDirectory()
            self.server = EmbeddedDocumentStore(Path(self._tmp.name)).start()
            url = self.server.url
        self.url = url
        self.client = read_store_client(url)
        self._made: list[str] = []

    @property
    def pid(self) -> int | None:
        return self.server.pid if self.server else None

    def db(self, name: str) -> Any:
        self._made.append(f"bench_{name}_{uuid.uuid4().hex[:6]}")
        return self.client[self._made[-1]]

    def close(self) -> None:
        for name in self._made:
            self.client.drop_database(name)
        self.client.close()
        if self.server is not None:
            self.server.stop()
        if self._tmp is not None:
            self._tmp.cleanup()


def row(benchmark: str, case: str, shequ: float | None, bare: float | None, unit: str, *,
        target: str = "", met: bool | None = None, **extra: Any) -> dict[str, Any]:
    ratio = (shequ / bare) if shequ is not None and bare else None
    entry = {"benchmark": benchmark, "case": case, "shequ": shequ, "bare": bare, "ratio": ratio, "unit": unit,
             "target": target, "met": met, **extra}
    ROWS.append(entry)
    print(f"  {benchmark:<12} {case:<44} shequ={_fmt(shequ)} bare={_fmt(bare)} {unit} "
          f"ratio={_fmt(ratio)} {target} {'' if met is None else ('MET' if met else 'NOT MET')}", flush=True)
    return entry


def _fmt(value: float | None) -> str:
    if value is None:
        return "-"
    return f"{value:,.0f}" if abs(value) >= 100 else f"{value:,.2f}"


def _actor() -> Any:
    from shared.kernel.actor import pseudonym
    from shared.kernel.actor import Actor

    return Actor(subject="bench", role="community_staff", pseudonym=pseudonym("bench"))


# -- 1. command path -----------------------------------------------------------------------------------

def _bare_app(env: dict[str, str]) -> Any:
    """The bare `eventsourcing` application: one aggregate created and saved per command."""
    from bench.bare import Bare, Report

    return Bare(env=env), Report


COMMANDS = {
    "grid": ("/cases", lambda i: {"community_id": f"c{i % 24:02d}", "category": "noise", "description": f"b{i}"}),
    "economy": ("/communities/c{c}/enterprises",
                lambda i: {"name": f"firm {i}", "sector": "manufacturing", "registered_on": "2024-01-01"}),
    "volunteering": ("/volunteers", lambda i: {"community_id": f"c{i % 24:02d}", "name": f"v{i}",
                                              "phone": "138 0000 0000", "skills": ["care"]}),
}


def bench_command_path(n: int, store: str, pg_env: dict[str, str] | None) -> None:
    """One client, one command at a time, over HTTP on loopback (a kept-alive stdlib connection: the
    client is not what is measured), against the bare library's save of one aggregate in-process."""
    from bootstrap.registry import service as definition_of
    from shared.platform.auth import DevelopmentKeys
    from shared.platform.directory import learn
    from bootstrap.runtime import build_service, build_verifier
    from shared.platform.settings import Settings

    for name, (path, body) in COMMANDS.items():
        with tempfile.TemporaryDirectory() as tmp:
            overrides = dict(pg_env or {})
            if pg_env is not None:
                overrides["POSTGRES_SCHEMA"] = _pg_schema(pg_env, f"b_{name}_{uuid.uuid4().hex[:6]}")
            settings = Settings(SHEQU_DATA_DIR=Path(tmp), **overrides)
            running = build_service(definition_of(name), settings, None, build_verifier(settings), with_relay=False)
            if getattr(running.application, "requires_known_communities", False):
                for k in range(24):  # as learned from grid's CommunityRegistered events
                    learn(running.application, f"c{k:02d}", f"community {k:02d}", 10_000)
            token = DevelopmentKeys(settings.data_dir).mint("bench", ["community_staff"], ["*"])
            bare_env = dict(settings.event_store_env(name))
            if pg_env is not None:
                bare_env["POSTGRES_SCHEMA"] = _pg_schema(pg_env, f"b_bare_{uuid.uuid4().hex[:6]}")
            else:
                bare_env["SQLITE_DBNAME"] = str(Path(tmp) / "bare.sqlite")
            bare, report = _bare_app(bare_env)
            try:
                with ServerThread(running.http) as server, LeanClient(
                        server.url, {"Authorization": f"Bearer {token}"}) as http:

                    def command(i: int) -> None:
                        status, answer = http.post(path.format(c=f"{i % 24:02d}"), body(i))
                        if status != 201:
                            raise RuntimeError(f"{name}: {status} {answer[:300]!r}")

                    for i in range(20):  # warm up
                        command(i)
                        bare.save(report(f"c{i % 24:02d}", "noise", f"w{i}"))
                    # Interleaved blocks, so that both sides see the same load of this shared machine.
                    shequ_samples, bare_samples = interleaved(n, command, lambda i: bare.save(
                        report(f"c{i % 24:02d}", "noise", f"b{i}")))
            finally:
                running.application.close()
                bare.close()
        shequ_rate, bare_rate = len(shequ_samples) / sum(shequ_samples), len(bare_samples) / sum(bare_samples)
        ratio = shequ_rate / bare_rate
        s, b = latency_summary(shequ_samples), latency_summary(bare_samples)
        row("command", f"{name} POST {path} ({store}) cmds/s", shequ_rate, bare_rate, "cmd/s",
            target="≥ 50% of bare", met=ratio >= 0.5, shequ_p50_ms=s["p50_ms"], shequ_p99_ms=s["p99_ms"],
            bare_p50_ms=b["p50_ms"], bare_p99_ms=b["p99_ms"])
        print(f"  {'':<12} latency p50/p99 ms: shequ {s['p50_ms']:.2f}/{s['p99_ms']:.2f}  "
              f"bare {b['p50_ms']:.2f}/{b['p99_ms']:.2f}", flush=True)


def interleaved(n: int, first: Any, second: Any, block: int = 25) -> tuple[list[float], list[float]]:
    """n calls of each, in alternating blocks; the per-call seconds of each."""
    a: list[float] = []
    b: list[float] = []
    for start in range(0, n, block):
        count = min(block, n - start)
        a += timed(count, lambda i, start=start: first(start + i))[1]
        b += timed(count, lambda i, start=start: second(start + i))[1]
    return a, b


def _pg_env() -> dict[str, str] | None:
    try:
        import psycopg

        with psycopg.connect(host=os.environ.get("POSTGRES_HOST", "127.0.0.1"),
                             port=os.environ.get("POSTGRES_PORT", "5432"),
                             user=os.environ.get("POSTGRES_USER", "postgres"),
                             dbname=os.environ.get("POSTGRES_TEST_DBNAME", "test"), connect_timeout=3):
            pass
    except Exception as exc:  # noqa: BLE001
        print(f"PostgreSQL unavailable ({exc}); skipping the PostgreSQL rows")
        return None
    return {"SHEQU_EVENT_STORE": "postgres", "POSTGRES_HOST": os.environ.get("POSTGRES_HOST", "127.0.0.1"),
            "POSTGRES_PORT": os.environ.get("POSTGRES_PORT", "5432"),
            "POSTGRES_USER": os.environ.get("POSTGRES_USER", "postgres"),
            "POSTGRES_DBNAME": os.environ.get("POSTGRES_TEST_DBNAME", "test")}


_SCHEMAS: list[tuple[dict[str, str], str]] = []


def _pg_schema(pg_env: dict[str, str], schema: str) -> str:
    import psycopg

    with psycopg.connect(host=pg_env["POSTGRES_HOST"], port=pg_env["POSTGRES_PORT"], user=pg_env["POSTGRES_USER"],
                         dbname=pg_env["POSTGRES_DBNAME"], autocommit=True) as conn:
        conn.execute(f'CREATE SCHEMA "{schema}"')
    _SCHEMAS.append((pg_env, schema))
    return schema


def _drop_schemas() -> None:
    import psycopg

    for pg_env, schema in _SCHEMAS:
        try:
            with psycopg.connect(host=pg_env["POSTGRES_HOST"], port=pg_env["POSTGRES_PORT"],
                                 user=pg_env["POSTGRES_USER"], dbname=pg_env["POSTGRES_DBNAME"],
                                 autocommit=True) as conn:
                conn.execute(f'DROP SCHEMA "{schema}" CASCADE')
        except Exception:  # noqa: BLE001, S110 - best effort
            pass


# -- 2. relay ------------------------------------------------------------------------------------------

ROUNDS = 3
"""The relay and projector rows alternate shequ and bare this many times and keep each side's best round:
on a shared machine the least disturbed round of each is the closest to what the code itself costs."""


def bench_relay(n: int, bootstrap: str) -> None:
    from services.grid.application import GridApplication
    from services.grid.commands import ReportCase
    from shared.kernel.actor import ALL_COMMUNITIES
    from services.grid.contract import contract
    from shared.platform.kafka import KafkaAdmin, durable_producer
    from shared.platform.relay import Relay
    from shared.platform.settings import Settings

    actor = replace(_actor(), communities=(ALL_COMMUNITIES,))  # the use case checks the actor serves c00..c23
    shequ_rates, bare_rates = [], []
    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings(SHEQU_DATA_DIR=Path(tmp))
        app = GridApplication(env=settings.event_store_env("grid"))
        for i in range(n):
            app.report_case(actor, ReportCase(community_id=f"c{i % 24:02d}", category="noise", description=f"r{i}"))
        payloads = []
        for notification in app.recorder.select_notifications(start=1, limit=n):
            envelope = contract.to_envelope(app.mapper.to_domain_event(notification))
            payloads.append((envelope.subject.encode(), envelope.to_bytes(), envelope))
        newest = app.recorder.max_notification_id()
        for round_ in range(ROUNDS):
            # A topic of its own per round: the relay's position is per topic, so each round publishes all n.
            relay = Relay(app, contract, f"bench.relay.shequ.{round_}", bootstrap, batch_size=settings.relay_batch_size)
            relay._connect()
            started = time.perf_counter()
            while relay.acknowledged() < newest:  # until the broker acknowledged the last event
                relay.publish_batch()
            shequ_rates.append(n / (time.perf_counter() - started))
            relay._disconnect()
            admin = KafkaAdmin(bootstrap)
            admin.ensure_topics([f"bench.relay.bare.{round_}"], 3, 1)
            admin.close()
            producer = durable_producer(bootstrap, "bench-bare")
            started = time.perf_counter()
            futures = [producer.send(f"bench.relay.bare.{round_}", key=k, value=v,
                                     headers=[("ce_type", e.type.encode()), ("ce_id", e.id.encode())])
                       for k, v, e in payloads]
            producer.flush(30)
            for future in futures:
                future.get(30)
            bare_rates.append(n / (time.perf_counter() - started))
            producer.close()
        app.close()
    shequ_rate, bare_rate = max(shequ_rates), max(bare_rates)
    row("relay", f"store → broker, {n:,} events (SQLite)", shequ_rate, bare_rate, "ev/s",
        target="≥ 70% of bare", met=shequ_rate / bare_rate >= 0.7, rounds_shequ=shequ_rates, rounds_bare=bare_rates,
        note=f"best of {ROUNDS} alternating rounds each; shequ includes reading the notification log, mapping + "
             "validating each envelope, tracking after each acknowledgement")
    print(f"  {'':<12} rounds ev/s: shequ {', '.join(f'{r:,.0f}' for r in shequ_rates)}; "
          f"bare {', '.join(f'{r:,.0f}' for r in bare_rates)}", flush=True)


# -- 3 and 6. projector and rebuild ------------------------------------------------------------------

def publish_events(bootstrap: str, topic: str, n: int, communities: int) -> None:
    """n real grid envelopes (cases reported; a third resolved) spread over the communities, with the headers
    the relay sends (the projector's dedupe guard reads the position)."""
    from services.grid.contract import contract
    from services.grid.domain import Case
    from shared.platform.kafka import KafkaAdmin, durable_producer

    meta = _actor().as_event_metadata()
    admin = KafkaAdmin(bootstrap)
    admin.ensure_topics([topic], 3, 1)
    admin.close()
    producer = durable_producer(bootstrap, "bench-publisher")
    sent = 0
    i = 0
    while sent < n:
        case = Case(community_id=f"c{i % communities:04d}", category="noise", description="x")
        if i % 3 == 0 and sent + 2 <= n:
            case.resolve("done")
        for event in case.collect_events():
            envelope = contract.to_envelope(replace(event, actor=meta))
            sent += 1
            producer.send(topic, key=envelope.subject.encode(), value=envelope.to_bytes(),
                          headers=[("ce_type", envelope.type.encode()), ("ce_id", envelope.id.encode()),
                                   ("shequ_position", str(sent).encode())])  # as the relay sends them
        i += 1
    producer.flush(120)
    producer.close()


def _runtime(db: Any, bootstrap: str, topic: str, group: str, member: str) -> Any:
    from services.district.projections import projections
    from bootstrap.registry import domain_services
    from shared.platform.projector import ProjectorRuntime
    from shared.platform.settings import Settings

    return ProjectorRuntime(db=db, projections=projections(),
                            contracts={d.name: d.contract.events for d in domain_services()}, topics=[topic],
                            bootstrap_servers=bootstrap, group_id=group, dead_letter_topic="bench.dlq",
                            batch_size=Settings().projector_batch_size, member_name=member)


def bare_consume(bootstrap: str, topic: str, n: int, group: str | None = None) -> float:
    """A bare kafka-python consumer reading n records: manual assignment, or (group) joining a consumer group
    with the projector's own settings, so both sides of a row pay the same join."""
    from kafka import KafkaConsumer, TopicPartition

    from shared.platform.kafka import group_consumer

    started = time.perf_counter()
    if group is not None:
        consumer = group_consumer(bootstrap, group, "bench-bare", 1000)
        consumer.subscribe([topic])
    else:
        consumer = KafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False,
                                 auto_offset_reset="earliest", max_poll_records=1000, metrics_enabled=False)
        tps = [TopicPartition(topic, p) for p in sorted(consumer.partitions_for_topic(topic) or ())]
        consumer.assign(tps)
        consumer.seek_to_beginning(*tps)
        started = time.perf_counter()
    seen = 0
    deadline = time.monotonic() + 600
    while seen < n and time.monotonic() < deadline:
        for records in consumer.poll(timeout_ms=200, max_records=1000).values():
            seen += len(records)
        if group is not None and seen:
            consumer.commit()  # as the projector does after each batch
    rate = seen / (time.perf_counter() - started)
    consumer.close()
    return rate


def bench_projector(n: int, bootstrap: str, store: ReadStore) -> None:
    topic = "bench.projector"
    publish_events(bootstrap, topic, n, 24)
    shequ_rates, bare_rates = [], []
    for round_ in range(ROUNDS):  # a group (and read models) of its own per round: each reads all n
        bare_rates.append(bare_consume(bootstrap, topic, n, group=f"bench-bare-group-{round_}"))
        runtime = _runtime(store.db(f"p{round_}"), bootstrap, topic, f"bench-projector-{round_}", "bench")
        started = time.perf_counter()
        runtime.run(threading.Event(), until_caught_up=True)
        elapsed = time.perf_counter() - started
        applied = runtime.totals.applied
        shequ_rates.append(applied / elapsed)
    shequ_rate, bare_rate = max(shequ_rates), max(bare_rates)
    row("projector", f"consume+apply, {n:,} events, 24 communities (live group)", shequ_rate, bare_rate, "ev/s",
        target="≥ 70% of bare", met=shequ_rate / bare_rate >= 0.7, applied=applied, rounds_shequ=shequ_rates,
        rounds_bare=bare_rates,
        note=f"best of {ROUNDS} alternating rounds each; both sides join a consumer group (a few seconds on "
             "Tansu) and commit per batch")
    print(f"  {'':<12} rounds ev/s: shequ {', '.join(f'{r:,.0f}' for r in shequ_rates)}; "
          f"bare {', '.join(f'{r:,.0f}' for r in bare_rates)}", flush=True)
    row("projector", "read-store writes per 1,000 events (coalescing)", 1000 * runtime.totals.writes / max(applied, 1),
        None, "writes")


def bare_pymongo_rebuild(bootstrap: str, topic: str, n: int, db: Any, batch: int) -> float:
    """The bare loop: the same records from a bare consumer, counted per community in a dict, one unordered
    bulk of `$inc` upserts per batch (top-level fields only), through the same server. No decoding, no
    validation, no dedupe, no documents: the floor of consume + write."""
    import json

    from kafka import KafkaConsumer, TopicPartition
    from pymongo import UpdateOne

    consumer = KafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False, auto_offset_reset="earliest",
                             max_poll_records=5000, metrics_enabled=False)
    tps = [TopicPartition(topic, p) for p in sorted(consumer.partitions_for_topic(topic) or ())]
    consumer.assign(tps)
    consumer.seek_to_beginning(*tps)
    collection = db["bare"]
    started = time.perf_counter()
    seen = 0
    counts: dict[str, dict[str, int]] = {}
    pending = 0
    deadline = time.monotonic() + 1800
    while seen < n and time.monotonic() < deadline:
        for records in consumer.poll(timeout_ms=200, max_records=5000).values():
            for record in records:
                event = json.loads(record.value)
                figures = counts.setdefault(event["communityid"], {})
                kind = event["type"].rsplit(".", 2)[-2]
                figures[kind] = figures.get(kind, 0) + 1
            seen += len(records)
            pending += len(records)
        if counts and (pending >= batch or seen >= n):
            collection.bulk_write([UpdateOne({"_id": c}, {"$inc": f}, upsert=True) for c, f in counts.items()],
                                  ordered=False)
            counts, pending = {}, 0
    rate = seen / (time.perf_counter() - started)
    consumer.close()
    return rate


def bench_rebuild(n: int, bootstrap: str, communities: int, store: ReadStore, batch: int | None) -> None:
    topic = "bench.rebuild"
    started = time.perf_counter()
    publish_events(bootstrap, topic, n, communities)
    print(f"  (published {n:,} events for the rebuild in {time.perf_counter() - started:.0f}s)", flush=True)
    bare_rate = bare_consume(bootstrap, topic, n)
    runtime = _runtime(store.db("r"), bootstrap, topic, "unused", "rebuild")
    if batch:
        runtime.rebuild_batch_size = batch
    bare_db_rate = bare_pymongo_rebuild(bootstrap, topic, n, store.db("bare"), runtime.rebuild_batch_size)
    with peak_rss(other=store.pid) as memory:
        started = time.perf_counter()
        runtime.rebuild(threading.Event())
        elapsed = time.perf_counter() - started
    rate = runtime.totals.applied / elapsed
    row("rebuild", f"replay {n:,} events, {communities} communities", rate, bare_rate, "ev/s",
        target="≥ 10,000 ev/s", met=rate >= 10_000, applied=runtime.totals.applied, seconds=round(elapsed, 1),
        batch=runtime.rebuild_batch_size, writes=runtime.totals.writes,
        note="bare: a bare kafka-python consumer reading the same records")
    row("rebuild", f"… against a bare pymongo loop ({n:,} events, same server)", rate, bare_db_rate, "ev/s",
        note="bare: bare consumer + one bulk of $inc upserts per batch, no decoding, no dedupe")
    row("memory", f"peak RSS during the rebuild of {n:,} events", memory["peak"] / 2**20, None, "MiB",
        target="< 1 GiB", met=memory["peak"] < 2**30, start_mib=memory["start"] / 2**20,
        read_store_server_peak_mib=memory["other_peak"] / 2**20 if store.pid else None)
    if store.pid:
        print(f"  {'':<12} read-store server (nx-27017) peak RSS: {memory['other_peak'] / 2**20:,.0f} MiB")


# -- 4. freshness -------------------------------------------------------------------------------------

def bench_freshness(samples: int, bootstrap: str, store: ReadStore) -> None:
    from fastapi.testclient import TestClient

    from services.district.queries import DistrictQueries
    from bootstrap.registry import domain_services
    from shared.platform.auth import DevelopmentKeys
    from bootstrap.runtime import Platform
    from shared.platform.settings import Settings

    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings(SHEQU_DATA_DIR=Path(tmp), KAFKA_BOOTSTRAP_SERVERS=bootstrap, MONGO_URL=store.url,
                            MONGO_DATABASE=store.db("fresh").name)
        platform = Platform(settings, bootstrap, domain_services()).build()
        platform.start_workers()
        token = DevelopmentKeys(settings.data_dir).mint("bench", ["community_staff"], ["*"])
        operator = DevelopmentKeys(settings.data_dir).mint("op", ["district_operator"], ["*"])
        http = TestClient(platform.http, raise_server_exceptions=False)
        query_errors = 0
        staff, ops = {"Authorization": f"Bearer {token}"}, {"Authorization": f"Bearer {operator}"}
        queries = DistrictQueries(platform.read_client[settings.mongo_database])
        try:
            platform.projector.assigned.wait(30)
            stop = threading.Event()

            def background() -> None:  # the steady load: ~10 commands a second besides the measured ones
                i = 0
                while not stop.wait(0.1):
                    http.post("/volunteering/volunteers", headers=staff, json={
                        "community_id": "bg", "name": f"v{i}", "phone": "138 0000 0000", "skills": []})
                    i += 1

            loader = threading.Thread(target=background, daemon=True)
            loader.start()
            delays: list[float] = []
            for i in range(samples):
                accepted = http.post("/grid/cases", headers=staff,
                                     json={"community_id": "fresh", "category": "noise", "description": f"f{i}"})
                t0 = time.perf_counter()
                assert accepted.status_code == 201
                deadline = t0 + 30
                while time.perf_counter() < deadline:
                    grid = http.get("/district/communities/fresh", headers=ops)
                    query_errors += grid.status_code not in (200, 404)
                    if grid.status_code == 200 and grid.json()["grid"]["cases"]["reported"] >= i + 1:
                        break
                    time.sleep(0.005)
                delays.append(time.perf_counter() - t0)
            stop.set()
            loader.join(5)
            del queries
        finally:
            platform.stop()
    s = latency_summary(delays)
    row("freshness", f"command accepted → district API, {samples} samples", s["p99_ms"], None, "ms p99",
        target="p99 < 1 s", met=s["p99_ms"] < 1000, p50_ms=s["p50_ms"], p95_ms=s["p95_ms"],
        query_errors=query_errors)
    if query_errors:
        print(f"  {'':<12} district API errors while polling: {query_errors} (see docs/performance.md)")


# -- 5. district queries ------------------------------------------------------------------------------

def bench_queries(sizes: tuple[int, ...], calls: int, store: ReadStore, spaced_samples: int = 12,
                  spaced_seconds: float = 6.0) -> None:
    """District overview and table after a projector write, and cached, against bare pymongo loops on the same
    server: the reads a request needs now (the change log's document, the written document, the projector's
    status) and the revision scan of every document that requests did before the change log."""
    from services.district.queries import COLLECTIONS, DistrictQueries
    from services.district.projections import projections
    from services.grid.contract import contract
    from services.grid.domain import Case
    from shared.platform.changelog import CHANGES_COLLECTION, LOG_ID
    from shared.platform.projector import STATUS_COLLECTION, Delivery, ReadModelWriter

    meta = _actor().as_event_metadata()
    for size in sizes:
        db = store.db(f"q{size}")
        writer = ReadModelWriter(db, projections())
        writer.ensure_indexes()
        batch = []
        for c in range(size):
            for k in range(3):
                case = Case(community_id=f"c{c:04d}", category="noise", description="q")
                if k == 0:
                    case.resolve("ok")
                for event in case.collect_events():
                    envelope = contract.to_envelope(replace(event, actor=meta))
                    batch.append((envelope, contract.events.decode(envelope), Delivery("t", 0, 0, None, b"")))
        writer.apply(batch, lambda d, r: None)

        def write(i: int) -> str:
            community = f"c{i % size:04d}"
            case = Case(community_id=community, category="noise", description="q")
            envelope = contract.to_envelope(replace(case.collect_events()[0], actor=meta))
            writer.apply([(envelope, contract.events.decode(envelope), Delivery("t", 0, 0, None, b""))],
                         lambda d, r: None)
            return community

        queries = DistrictQueries(db)
        refresher = ExitStack()  # as the district API serves: its lifespan's refresher running
        refresher.enter_context(queries.refreshing())
        for name, call in (("overview", queries.overview), ("communities table", queries.communities)):
            call()
            _, warm = timed(calls, lambda i: call())
            cold_samples = []
            for i in range(calls):  # a projector write first: the cached snapshot is stale
                write(i)
                t = time.perf_counter()
                call()
                cold_samples.append(time.perf_counter() - t)
            w, c = latency_summary(warm), latency_summary(cold_samples)
            met = c["p95_ms"] < 50 if (name == "overview" and size >= 1000) else None
            same_reads, scan = [], []
            for i in range(calls):  # the floor: the same reads with bare pymongo, after the same write
                community = write(calls + i)
                t = time.perf_counter()
                db[CHANGES_COLLECTION].find_one({"_id": LOG_ID})
                list(db["community_grid"].find({"_id": {"$in": [community]}}, {"_seen": 0}))
                list(db[STATUS_COLLECTION].find())
                same_reads.append(time.perf_counter() - t)
            for _ in range(max(5, calls // 5)):  # what every request read before the change log
                t = time.perf_counter()
                for collection in COLLECTIONS.values():
                    list(db[collection].find({}, {"_rev": 1, "as_of": 1}))
                scan.append(time.perf_counter() - t)
            bare, scanned = latency_summary(same_reads), latency_summary(scan)
            row("queries", f"{name} at {size:,} communities (after a write)", c["p95_ms"], bare["p95_ms"], "ms p95",
                target="overview p95 < 50 ms at 1,000" if name == "overview" else "", met=met,
                p50_ms=c["p50_ms"], warm_p50_ms=w["p50_ms"], warm_p95_ms=w["p95_ms"],
                bare_p50_ms=bare["p50_ms"], revision_scan_p50_ms=scanned["p50_ms"],
                revision_scan_p95_ms=scanned["p95_ms"], samples=calls,
                note="bare: bare pymongo reading the change log document, the written document and the projector "
                     "status after the same write (what a request reads); revision_scan: every document's "
                     "revision, what each request read before the change log")
            print(f"  {'':<12} unchanged read models (cached): p50 {w['p50_ms']:.2f} ms p95 {w['p95_ms']:.2f} ms; "
                  f"bare revision scan p95 {scanned['p95_ms']:.2f} ms", flush=True)
        refresher.close()
        if size >= 1000:
            _overview_requests_apart(db, write, spaced_samples, spaced_seconds)


def _overview_requests_apart(db: Any, write: Callable[[int], str], samples: int, apart: float) -> None:
    """The overview after a write with requests `apart` seconds apart (more than `cache_seconds`, 5 s), without
    and with the refresher: without it every such request recomputes every community's figures for the time;
    with it, only the written community's. Interleaved with the bare pymongo loop of the same reads."""
    from services.district.queries import DistrictQueries
    from shared.platform.changelog import CHANGES_COLLECTION, LOG_ID
    from shared.platform.projector import STATUS_COLLECTION

    for refreshed in (False, True):
        queries = DistrictQueries(db)
        queries.overview()
        served, bare = [], []
        with queries.refreshing() if refreshed else nullcontext():
            for i in range(samples):
                time.sleep(apart / 2)
                community = write(10_000 + 2 * i)
                t = time.perf_counter()
                db[CHANGES_COLLECTION].find_one({"_id": LOG_ID})
                list(db["community_grid"].find({"_id": {"$in": [community]}}, {"_seen": 0}))
                list(db[STATUS_COLLECTION].find())
                bare.append(time.perf_counter() - t)
                time.sleep(apart / 2)
                write(10_000 + 2 * i + 1)
                t = time.perf_counter()
                queries.overview()
                served.append(time.perf_counter() - t)
        c, b = latency_summary(served), latency_summary(bare)
        how = "with the refresher" if refreshed else "without the refresher (before)"
        row("queries", f"overview at 1,000, requests {apart:g} s apart, {how}", c["p95_ms"], b["p95_ms"], "ms p95",
            target="overview p95 < 50 ms at 1,000" if refreshed else "", met=c["p95_ms"] < 50 if refreshed else None,
            p50_ms=c["p50_ms"],
            max_ms=max(served) * 1000, bare_p50_ms=b["p50_ms"], samples=samples,
            load_average_1_5_15=[round(x, 2) for x in os.getloadavg()],
            note="each request right after a projector write, the previous one more than cache_seconds before; "
                 "bare: the same reads with bare pymongo after a write, between the requests")


# -- main --------------------------------------------------------------------------------------------

# -- 8. service lists (query tables) ------------------------------------------------------------------------

@contextmanager
def _service_in_a_fresh_store(definition: Any, pg_env: dict[str, str] | None) -> Iterator[tuple[Any, Any]]:
    """(running service, settings) on an empty SQLite file or PostgreSQL schema of its own."""
    from bootstrap.runtime import build_service, build_verifier
    from shared.platform.settings import Settings

    with tempfile.TemporaryDirectory() as tmp:
        overrides = dict(pg_env or {})
        if pg_env is not None:
            overrides["POSTGRES_SCHEMA"] = _pg_schema(pg_env, f"b_lists_{uuid.uuid4().hex[:6]}")
        settings = Settings(SHEQU_DATA_DIR=Path(tmp), **overrides)
        running = build_service(definition, settings, None, build_verifier(settings), with_relay=False)
        try:
            yield running, settings
        finally:
            running.application.close()


def _save_in_batches(application: Any, aggregates: Iterator[Any]) -> None:
    actor, batch = _actor(), []
    for aggregate in aggregates:
        batch.append(aggregate)
        if len(batch) == 1000:
            application.save(*batch, actor=actor)
            batch.clear()
    if batch:
        application.save(*batch, actor=actor)


def _catch_up_row(running: Any, what: str, store: str) -> None:
    """How fast the query tables take in everything stored so far."""
    started = time.perf_counter()
    applied = running.query_tables.catch_up()
    rate = applied / (time.perf_counter() - started)
    row("lists", f"{running.definition.name} query tables catch-up, {what} ({store}) ev/s", rate, None, "ev/s")


def _list_row(running: Any, settings: Any, what: str, store: str, calls: int, path: str,
              params: Callable[[int], dict[str, Any]], least: int) -> None:
    """The p95 of one list over HTTP (each page at least `least` items)."""
    import httpx

    from shared.platform.auth import DevelopmentKeys

    token = DevelopmentKeys(settings.data_dir).mint("bench", ["community_staff"], ["*"])
    with ServerThread(running.http) as server, httpx.Client(
            base_url=server.url, headers={"Authorization": f"Bearer {token}"}) as http:
        def list_page(i: int) -> None:
            response = http.get(path, params=params(i))
            if response.status_code != 200 or len(response.json()["items"]) < least:
                raise RuntimeError(f"lists: {response.status_code} {response.text[:200]}")

        for i in range(20):  # warm up
            list_page(i)
        _, samples = timed(calls, list_page)
    summary = latency_summary(samples)
    query = "&".join(params(0))
    row("lists", f"GET /{running.definition.name}{path}?{query}, {what} ({store}) p95", summary["p95_ms"], None, "ms",
        target="p95 < 50 ms", met=summary["p95_ms"] < 50, p50_ms=summary["p50_ms"], p99_ms=summary["p99_ms"])


def bench_lists(n: int, calls: int, store: str, pg_env: dict[str, str] | None) -> None:
    """n cases in grid's own store; p95 of GET /cases?community_id=&status=&limit=50 from its query tables."""
    from services.grid.config import SERVICE as GRID
    from services.grid.domain import Case

    def cases() -> Iterator[Any]:
        for i in range(n):  # 24 communities; one case in seven accepted
            case = Case.report(community_id=f"c{i % 24:02d}", category=("noise", "drainage")[i % 2],
                               description=f"b{i}")
            if i % 7 == 0:
                case.accept()
            yield case

    with _service_in_a_fresh_store(GRID, pg_env) as (running, settings):
        _save_in_batches(running.application, cases())
        _catch_up_row(running, f"{n:,} cases", store)
        _list_row(running, settings, f"{n:,} cases", store, calls, "/cases",
                  lambda i: {"community_id": f"c{i % 24:02d}", "status": "reported", "limit": 50}, 50)


def bench_lease_lists(n: int, calls: int, store: str, pg_env: dict[str, str] | None) -> None:
    """n leases (one per asset, six months billed, a quarter never paid) in economy's own store; p95 of the
    arrears worklists: leases by aging bucket (judged at query time) and assets in arrears with their lease."""
    from services.economy.config import SERVICE as ECONOMY
    from services.economy.domain import Asset, Enterprise
    from shared.platform.directory import learn

    today = date.today()
    months = [(today.replace(day=1) - timedelta(days=31 * k)).strftime("%Y-%m") for k in range(6, 0, -1)]
    tenants = [Enterprise.register(f"c{c:02d}", name=f"tenant {c}", sector="services", attracted_by=None,
                                   registered_on=today) for c in range(24)]

    def leased_assets() -> Iterator[Any]:
        yield from tenants
        for i in range(n):
            asset = Asset.register(f"c{i % 24:02d}", asset_type="shop", name=f"shop {i:06d}", area_m2=20,
                                   book_value=0, registered_on=today - timedelta(days=400))
            lease_id = asset.lease(tenant_enterprise_id=str(tenants[i % 24].id), monthly_rent=100_000,
                                   starts_on=today - timedelta(days=365), ends_on=today + timedelta(days=365),
                                   deposit=0)
            for month in months:
                asset.bill_rent(lease_id, month)
            paying = (i // 24) % 4  # in every community: a quarter never pay, the others two, four or six months
            if paying:
                asset.pay_rent(lease_id, amount=100_000 * paying * 2, paid_on=today)
            yield asset

    with _service_in_a_fresh_store(ECONOMY, pg_env) as (running, settings):
        for c in range(24):  # as if learned from grid's directory events
            learn(running.application, f"c{c:02d}", f"c{c:02d}", 10_000)
        _save_in_batches(running.application, leased_assets())
        what = f"{n:,} leases"
        _catch_up_row(running, what, store)
        _list_row(running, settings, what, store, calls, "/leases",
                  lambda i: {"community_id": f"c{i % 24:02d}", "aging_bucket": "90+", "limit": 50}, 50)
        _list_row(running, settings, what, store, calls, "/assets",
                  lambda i: {"community_id": f"c{i % 24:02d}", "in_arrears": "true", "limit": 50}, 50)


TARGETS = (
    ("command path ≥ 50% of bare, SQLite", lambda r: r["benchmark"] == "command" and "(SQLite)" in r["case"]),
    ("command path ≥ 50% of bare, PostgreSQL", lambda r: r["benchmark"] == "command" and "(PostgreSQL)" in r["case"]),
    ("relay ≥ 70% of a bare producer", lambda r: r["benchmark"] == "relay" and r["met"] is not None),
    ("projector ≥ 70% of a bare consumer", lambda r: r["benchmark"] == "projector" and r["met"] is not None),
    ("freshness p99 < 1 s", lambda r: r["benchmark"] == "freshness"),
    ("overview p95 < 50 ms at 1,000 communities", lambda r: r["benchmark"] == "queries" and r["met"] is not None),
    ("rebuild ≥ 10,000 ev/s", lambda r: r["benchmark"] == "rebuild" and r["met"] is not None),
    ("rebuild peak RSS < 1 GiB", lambda r: r["benchmark"] == "memory"),
    ("list p95 < 50 ms", lambda r: r["benchmark"] == "lists" and r["met"] is not None),
)


def target_summary(rows: list[dict[str, Any]]) -> list[str]:
    """One line per target measured in this run: met or not met, with the figures that decide it."""
    lines = []
    for target, selects in TARGETS:
        chosen = [r for r in rows if selects(r)]
        if not chosen:
            continue
        met = all(r["met"] for r in chosen)
        # A target relative to the bare library is decided by the ratio (one decimal: 69.8% is not 70%);
        # an absolute one by shequ's own figure.
        figures = ", ".join(f"{r['ratio']:.1%}" if "of bare" in (r["target"] or "") and r["ratio"] is not None
                            else f"{_fmt(r['shequ'])} {r['unit']}" for r in chosen)
        lines.append(f"{'MET    ' if met else 'NOT MET'}  {target}: {figures}")
    return lines


def print_table(rows: list[dict[str, Any]]) -> None:
    from rich.console import Console
    from rich.table import Table

    table = Table(title="shequ benchmarks (shequ vs the bare library, same run)")
    for column in ("benchmark", "case", "shequ", "bare", "unit", "ratio", "target", "status"):
        table.add_column(column, justify="right" if column in ("shequ", "bare", "ratio") else "left")
    for r in rows:
        status = "" if r["met"] is None else ("[green]met[/]" if r["met"] else "[red]not met[/]")
        table.add_row(r["benchmark"], r["case"], _fmt(r["shequ"]), _fmt(r["bare"]), r["unit"],
                      "-" if r["ratio"] is None else f"{r['ratio']:.0%}", r["target"], status)
    Console(width=200).print(table)


SECTIONS = ("commands", "relay", "projector", "freshness", "queries", "rebuild", "lists")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="small sizes (about a minute)")
    parser.add_argument("--rebuild-events", type=int, default=None, help="events in the rebuild (e.g. 1000000)")
    parser.add_argument("--rebuild-communities", type=int, default=24,
                        help="communities the rebuild's events are spread over (e.g. 1000 with 1000000 events)")
    parser.add_argument("--rebuild-batch", type=int, default=None,
                        help="events per rebuild batch (default: the projector's own, 20,000)")
    parser.add_argument("--skip-postgres", action="store_true")
    parser.add_argument("--only", action="append", choices=SECTIONS,
                        help="run only these benchmarks (repeatable), e.g. --only rebuild --rebuild-events 1000000")
    args = parser.parse_args()
    wanted = set(args.only or SECTIONS)
    logging.basicConfig(level=logging.ERROR)
    for noisy in ("kafka", "shequ"):
        logging.getLogger(noisy).setLevel(logging.CRITICAL)
    commands = 150 if args.quick else 500
    events = 5_000 if args.quick else 20_000
    rebuild_events = args.rebuild_events or (10_000 if args.quick else 50_000)
    from shared.platform.broker import EmbeddedBroker

    started = time.perf_counter()
    if "commands" in wanted:
        print("1. command path", flush=True)
        bench_command_path(commands, "SQLite", None)
        pg = None if args.skip_postgres else _pg_env()
        try:
            if pg is not None:
                bench_command_path(commands, "PostgreSQL", pg)
        finally:
            _drop_schemas()
    if "lists" in wanted:
        print("8. service lists", flush=True)
        list_cases = 10_000 if args.quick else 100_000
        leases = 5_000 if args.quick else 10_000
        bench_lists(list_cases, 50 if args.quick else 200, "SQLite", None)
        bench_lease_lists(leases, 50 if args.quick else 200, "SQLite", None)
        pg = None if args.skip_postgres else _pg_env()
        try:
            if pg is not None:
                bench_lists(list_cases, 50 if args.quick else 200, "PostgreSQL", pg)
                bench_lease_lists(leases, 50 if args.quick else 200, "PostgreSQL", pg)
        finally:
            _drop_schemas()
    store = ReadStore() if wanted & {"projector", "freshness", "queries", "rebuild"} else None
    try:
        if wanted & {"relay", "projector"}:
            with EmbeddedBroker() as broker:
                if "relay" in wanted:
                    print("2. relay", flush=True)
                    bench_relay(events, broker.bootstrap_servers)
                if "projector" in wanted:
                    print("3. projector", flush=True)
                    bench_projector(events, broker.bootstrap_servers, store)
        if "freshness" in wanted:
            with EmbeddedBroker() as broker:
                print("4. freshness", flush=True)
                bench_freshness(30 if args.quick else 100, broker.bootstrap_servers, store)
        if "queries" in wanted:
            print("5. district queries", flush=True)
            bench_queries((24, 1000), 20 if args.quick else 50, store, spaced_samples=5 if args.quick else 12)
        if "rebuild" in wanted:
            with EmbeddedBroker() as broker:
                print("6./7. rebuild and memory", flush=True)
                bench_rebuild(rebuild_events, broker.bootstrap_servers, args.rebuild_communities, store,
                              args.rebuild_batch)
    finally:
        if store is not None:
            store.close()
    print_table(ROWS)
    RESULTS.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    out = RESULTS / f"{stamp}.json"
    out.write_text(json.dumps({"at": stamp, "machine": machine(), "quick": args.quick, "only": sorted(wanted),
                               "read_store": "MONGO_URL" if os.environ.get("MONGO_URL") else "nx-27017 0.8.1",
                               "rebuild_events": rebuild_events, "rebuild_communities": args.rebuild_communities,
                               "seconds": round(time.perf_counter() - started, 1), "results": ROWS,
                               "targets": target_summary(ROWS)}, indent=2))
    print(f"written {out} ({time.perf_counter() - started:.0f}s)")
    print("targets:")
    for line in target_summary(ROWS):
        print(f"  {line}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
