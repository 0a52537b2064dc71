"""Profiles of the command path, for `bench/results/profile-*.txt`.

    python -m bench.profile commands [--calls 2000] [--service grid] [--postgres]
    python -m bench.profile stages   [--calls 2000]
    python -m bench.profile load     [--clients 50] [--seconds 30]
    python -m bench.profile guard    [--events 20000] [--communities 24]

`commands`: the bench's command loop (httpx client -> uvicorn -> FastAPI -> use case -> SQLite) in one
process, under cProfile (CPU time) in EVERY thread (the event loop, the thread-pool workers that run
synchronous handlers, the client), merged; prints the top functions by own time and by cumulative time.

`stages`: the same request split into what each layer adds, each stage timed alone in one run (so the
differences are measured, not guessed): a bare save, the use case, a trivial route through the same
HTTP stack, the trivial route with the auth dependency, the full command.

`guard`: the read models' writer alone (no broker) applying `--events` grid events, as the relay publishes
them (with their positions), over `--communities` in batches of 1,000 on the bench's read store: time, and
the size of each part of the largest community document (what the dedupe guard `_seen`/`_upto` costs).
"""

from __future__ import annotations

import argparse
import cProfile
import io
import pstats
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

from bench.common import LeanClient, ServerThread, latency_summary, timed


class ThreadProfiles:
    """One cProfile per thread (cProfile only sees the thread it was enabled in), merged at the end.

    Timed by each thread's CPU clock (`time.thread_time`): waiting (for a socket, a lock, the thread
    pool, an fsync) costs nothing, so the listing is where the CPU of the two cores goes.
    """

    def __init__(self) -> None:
        self.profiles: list[cProfile.Profile] = []
        self._lock = threading.Lock()

    def _start_in_thread(self, *_: Any) -> None:
        sys.setprofile(None)
        profile = cProfile.Profile(time.thread_time)
        with self._lock:
            self.profiles.append(profile)
        profile.enable()

    def __enter__(self) -> ThreadProfiles:
        threading.setprofile(self._start_in_thread)  # every thread started from now on
        main = cProfile.Profile(time.thread_time)
        self.profiles.append(main)
        main.enable()
        return self

    def __exit__(self, *exc: object) -> None:
        threading.setprofile(None)
        for profile in self.profiles:
            profile.disable()

    def report(self, top: int = 45) -> str:
        out = io.StringIO()
        stats = pstats.Stats(self.profiles[0], stream=out)
        for profile in self.profiles[1:]:
            try:
                stats.add(profile)
            except TypeError:  # a thread that never ran anything profiled
                pass
        stats.strip_dirs()
        out.write("== by own time (tottime) ==\n")
        stats.sort_stats("tottime").print_stats(top)
        out.write("== by cumulative time ==\n")
        stats.sort_stats("cumulative").print_stats(top)
        return out.getvalue()


def _service(tmp: str, name: str, pg: bool) -> tuple[Any, Any, str]:
    from bench.run import _pg_env, _pg_schema
    from bootstrap.registry import service as definition_of
    from bootstrap.runtime import build_service, build_verifier
    from shared.platform.auth import DevelopmentKeys
    from shared.platform.directory import learn
    from shared.platform.settings import Settings

    overrides: dict[str, str] = {}
    if pg:
        pg_env = _pg_env()
        assert pg_env is not None, "PostgreSQL is not reachable"
        overrides = {**pg_env, "POSTGRES_SCHEMA": _pg_schema(pg_env, f"prof_{int(time.time())}")}
    settings = Settings(SHEQU_DATA_DIR=Path(tmp), **overrides)
    running = build_service(definition_of(name), settings, None, build_verifier(settings), with_relay=False)
    if getattr(running.application, "requires_known_communities", False):
        for k in range(24):
            learn(running.application, f"c{k:02d}", f"community {k:02d}", 10_000)
    token = DevelopmentKeys(settings.data_dir).mint("bench", ["community_staff"], ["*"])
    return running, settings, token


def profile_commands(calls: int, name: str, pg: bool) -> str:
    from bench.run import COMMANDS, _drop_schemas

    path, body = COMMANDS[name]
    with tempfile.TemporaryDirectory() as tmp:
        running, _, token = _service(tmp, name, pg)
        try:
            with ThreadProfiles() as profiles:
                with ServerThread(running.http) as server, LeanClient(
                        server.url, {"Authorization": f"Bearer {token}"}) as http:
                    for i in range(20):
                        assert http.post(path.format(c=f"{i % 24:02d}"), body(i))[0] == 201
                    started = time.perf_counter()
                    for i in range(calls):
                        assert http.post(path.format(c=f"{i % 24:02d}"), body(i))[0] == 201
                    elapsed = time.perf_counter() - started
        finally:
            running.application.close()
            _drop_schemas()
    head = (f"command path profile: {name} POST {path}, {calls} commands, {'PostgreSQL' if pg else 'SQLite'}, "
            f"stdlib http.client (kept alive) and uvicorn server in one process, cProfile timed by each thread's "
            f"CPU clock in every thread (profiled: {elapsed / calls * 1000:.2f} ms a command wall; cProfile "
            f"roughly doubles the cost of Python calls)\n\n")
    return head + profiles.report()


def profile_load(clients: int, seconds: float) -> str:
    """`make load`'s clients (a subprocess) against the whole platform in this process, every thread profiled."""
    import subprocess

    from bench.common import ServerThread
    from bench.run import ReadStore
    from bootstrap.registry import domain_services
    from bootstrap.runtime import Platform
    from shared.platform.broker import EmbeddedBroker
    from shared.platform.settings import Settings

    store = ReadStore()
    try:
        with EmbeddedBroker() as broker, tempfile.TemporaryDirectory() as tmp:
            settings = Settings(SHEQU_DATA_DIR=Path(tmp), KAFKA_BOOTSTRAP_SERVERS=broker.bootstrap_servers,
                                MONGO_URL=store.url, MONGO_DATABASE=store.db("load").name)
            platform = Platform(settings, broker.bootstrap_servers, domain_services()).build()
            from bootstrap.cli import _warm_directory

            _warm_directory(platform, register_reported=True)
            try:
                with ThreadProfiles() as profiles:
                    platform.start_workers()
                    with ServerThread(platform.http) as server:
                        started = time.perf_counter()
                        load = subprocess.run(
                            [sys.executable, "-m", "bench.load", "--url", server.url, "--data-dir", str(tmp),
                             "--clients", str(clients), "--seconds", str(seconds)],
                            capture_output=True, text=True, timeout=seconds + 300)
                        elapsed = time.perf_counter() - started
            finally:
                platform.stop()
    finally:
        store.close()
    head = (f"profile under load: bench.load ({clients} clients, {seconds:.0f} s, a subprocess) against the whole "
            f"platform in ONE process (relays, query tables, reactions and projector as threads, as "
            f"`--workers 1`), cProfile timed by each thread's CPU clock in every thread; {elapsed:.0f} s in all.\n"
            "The load's own report (under cProfile, so slower than without):\n\n"
            + load.stdout[-6000:] + "\n")
    return head + profiles.report(60)


def stages(calls: int, pg: bool) -> list[tuple[str, dict[str, float]]]:
    """Each layer of a grid POST /cases timed alone, back to back in one run."""
    import httpx
    from fastapi import Depends, FastAPI

    from bench.bare import Bare, Report
    from bench.run import _actor, _drop_schemas
    from services.grid.commands import ReportCase
    from shared.kernel.actor import ALL_COMMUNITIES, Role
    from shared.platform.auth import requires
    from shared.platform.http import create_app
    from dataclasses import replace

    results: list[tuple[str, dict[str, float]]] = []

    def record(label: str, samples: list[float]) -> None:
        summary = latency_summary(samples)
        results.append((label, summary))
        print(f"  {label:<58} mean {summary['mean_ms']:.3f} ms  p50 {summary['p50_ms']:.3f} ms", flush=True)

    with tempfile.TemporaryDirectory() as tmp:
        running, settings, token = _service(tmp, "grid", pg)
        app = running.application
        bare_env = dict(settings.event_store_env("grid"))
        if not pg:
            bare_env["SQLITE_DBNAME"] = str(Path(tmp) / "bare.sqlite")
        else:
            from bench.run import _pg_env, _pg_schema

            bare_env["POSTGRES_SCHEMA"] = _pg_schema(_pg_env() or {}, f"prof_bare_{int(time.time())}")
        bare = Bare(env=bare_env)
        actor = replace(_actor(), communities=(ALL_COMMUNITIES,))
        try:
            for _ in range(2):  # twice: the second round is the one reported (warm caches)
                results.clear()
                _, s = timed(calls, lambda i: bare.save(Report(f"c{i % 24:02d}", "noise", f"b{i}")))
                record("bare eventsourcing save", s)
                _, s = timed(calls, lambda i: app.report_case(actor, ReportCase(
                    community_id=f"c{i % 24:02d}", category="noise", description=f"b{i}")))
                record("use case (ReportCase validated + report_case)", s)
                _, s = timed(calls, lambda i: running.http.state.verifier.verify(token))
                record("JWT verification (verifier.verify)", s)

                trivial = create_app("trivial", title="t", readiness={}, verifier=running.http.state.verifier)
                staff = Depends(requires(Role.COMMUNITY_STAFF))

                @trivial.post("/sync", status_code=201)
                def sync_route(body: dict) -> dict:
                    return {"id": "x"}

                @trivial.post("/async", status_code=201)
                async def async_route(body: dict) -> dict:
                    return {"id": "x"}

                @trivial.post("/auth", status_code=201)
                async def auth_route(body: ReportCase, actor: Any = staff) -> dict:
                    return {"id": "x"}

                headers = {"Authorization": f"Bearer {token}"}
                payload = {"community_id": "c01", "category": "noise", "description": "b"}
                with ServerThread(trivial) as server, httpx.Client(base_url=server.url, headers=headers) as http:
                    for route in ("/sync", "/async", "/auth"):
                        for _ in range(20):
                            http.post(route, json=payload)
                        _, s = timed(calls, lambda i, route=route: http.post(route, json=payload))
                        record(f"httpx -> trivial route {route} (same middleware)", s)
                    with LeanClient(server.url, headers) as lean:
                        for route in ("/sync", "/async", "/auth"):
                            _, s = timed(calls, lambda i, route=route: lean.post(route, payload))
                            record(f"http.client -> trivial route {route} (same middleware)", s)
                bare_app = FastAPI()

                @bare_app.post("/async", status_code=201)
                async def bare_route(body: dict) -> dict:
                    return {"id": "x"}

                with ServerThread(bare_app) as server, LeanClient(server.url, headers) as lean:
                    _, s = timed(calls, lambda i: lean.post("/async", payload))
                    record("http.client -> plain FastAPI async route (no middleware)", s)
                with ServerThread(running.http) as server, httpx.Client(base_url=server.url, headers=headers) as http:
                    for i in range(20):
                        http.post("/cases", json=payload)
                    _, s = timed(calls, lambda i: http.post("/cases", json={
                        "community_id": f"c{i % 24:02d}", "category": "noise", "description": f"b{i}"}))
                    record("httpx -> full command POST /cases", s)
                    with LeanClient(server.url, headers) as lean:
                        _, s = timed(calls, lambda i: lean.post("/cases", {
                            "community_id": f"c{i % 24:02d}", "category": "noise", "description": f"b{i}"}))
                        record("http.client -> full command POST /cases", s)
        finally:
            bare.close()
            app.close()
            _drop_schemas()
    return results


def guard(events: int, communities: int) -> str:
    from dataclasses import replace

    import bson
    from kafka.partitioner.default import murmur2

    from bench.run import ReadStore, _actor
    from services.district.projections import projections
    from services.grid.contract import contract
    from services.grid.domain import Case
    from shared.platform.kafka import Delivery
    from shared.platform import projector
    from shared.platform.projector import ReadModelWriter

    meta = _actor().as_event_metadata()
    items: list[Any] = []
    case_number = 0
    while len(items) < events:  # the bench's own mix: cases reported, a third resolved
        case = Case(community_id=f"c{case_number % communities:04d}", category="noise", description="x")
        if case_number % 3 == 0 and len(items) + 2 <= events:
            case.resolve("done")
        for event in case.collect_events():
            envelope = contract.to_envelope(replace(event, actor=meta))
            position = len(items) + 1
            partition = (murmur2(envelope.subject.encode()) & 0x7FFFFFFF) % 3
            items.append((envelope, contract.events.decode(envelope),
                          Delivery("shequ.grid.v1", partition, position, None, b"",
                                   [("shequ_position", str(position).encode())])))
        case_number += 1
    store = ReadStore()
    try:
        db = store.db("guard")
        writer = ReadModelWriter(db, projections())
        started = time.perf_counter()
        for start in range(0, events, 1000):
            writer.apply(items[start:start + 1000], lambda delivery, reason: None)
        elapsed = time.perf_counter() - started
        largest = max(db["community_grid"].find(), key=lambda d: len(bson.encode(d)))
        parts = sorted(((k, len(bson.encode({"v": v}))) for k, v in largest.items()), key=lambda kv: -kv[1])
    finally:
        store.close()
    lines = [f"{events:,} grid events over {communities} communities, batches of 1,000, SEEN_WINDOW "
             f"{getattr(projector, 'SEEN_WINDOW', None) or 'none (before the window)'}: "
             f"applied in {elapsed:.2f} s ({events / elapsed:,.0f} ev/s)",
             f"largest community_grid document {len(bson.encode(largest)) / 1024:,.1f} KB; its parts (bytes):"]
    lines += [f"  {key:<16} {size:>10,}" for key, size in parts if size > 100]
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("what", choices=("commands", "stages", "load", "guard"))
    parser.add_argument("--events", type=int, default=20_000)
    parser.add_argument("--communities", type=int, default=24)
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=30)
    parser.add_argument("--calls", type=int, default=2000)
    parser.add_argument("--service", default="grid")
    parser.add_argument("--postgres", action="store_true")
    args = parser.parse_args()
    if args.what == "commands":
        print(profile_commands(args.calls, args.service, args.postgres))
    elif args.what == "load":
        print(profile_load(args.clients, args.seconds))
    elif args.what == "guard":
        print(guard(args.events, args.communities))
    else:
        stages(args.calls, args.postgres)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
