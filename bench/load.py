"""`make load`: 50 concurrent clients for 60 s against `shequ demo --no-seed` (a subprocess it starts).

    python -m bench.load [--clients 50] [--seconds 60]

Mixed traffic: grid case reports, volunteer registrations, collective-fund income (commands, each with an
Idempotency-Key) and the district overview and communities table (dashboard queries). Each client works
for its own community, as staff do, so commands on one community's fund are not raced by other clients.
Prints throughput and latency percentiles per kind, writes bench/results/load-<timestamp>.json, and exits
non-zero on any error (any status other than the expected one, or a transport error).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from collections import defaultdict
from datetime import UTC, datetime
from pathlib import Path

import httpx

from bench.common import latency_summary, machine

RESULTS = Path(__file__).resolve().parent / "results"
MIX = (("grid case", 0.3), ("volunteer", 0.2), ("fund income", 0.2), ("overview", 0.15), ("communities", 0.15))


def _stderr_log(data_dir: Path):  # noqa: ANN202
    """The demo's logs, kept for a failed run (SHEQU_LOAD_LOG, else discarded)."""
    path = os.environ.get("SHEQU_LOAD_LOG")
    return open(path, "w") if path else subprocess.DEVNULL  # noqa: SIM115


def start_demo(data_dir: Path, port: int) -> subprocess.Popen:
    env = {**os.environ, "SHEQU_DATA_DIR": str(data_dir), "PYTHONUNBUFFERED": "1", "LOG_LEVEL": "WARNING"}
    env.pop("KAFKA_BOOTSTRAP_SERVERS", None)
    env.pop("MONGO_URL", None)
    process = subprocess.Popen([sys.executable, "-m", "bootstrap.cli", "demo", "--port", str(port), "--no-seed"],
                               stdout=subprocess.PIPE, stderr=_stderr_log(data_dir), env=env, text=True)
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        line = process.stdout.readline()
        if not line:
            break
        if line.startswith("SHEQU_READY"):
            return process
    process.kill()
    raise SystemExit("shequ demo did not start")


async def client(n: int, base: str, staff: str, operator: str, until: float,
                 samples: dict[str, list[float]], errors: list[str]) -> None:
    community = f"load-{n:02d}"
    rng = random.Random(n)
    kinds, weights = zip(*MIX, strict=True)
    async with httpx.AsyncClient(base_url=base, timeout=30) as http:
        i = 0
        while time.monotonic() < until:
            kind = rng.choices(kinds, weights)[0]
            headers = {"Authorization": f"Bearer {operator if kind in ('overview', 'communities') else staff}"}
            if kind not in ("overview", "communities"):
                headers["Idempotency-Key"] = f"{community}-{i}-{uuid.uuid4().hex[:6]}"
            if kind == "grid case":
                request = ("POST", "/grid/cases", {"community_id": community, "category": "noise",
                                                   "description": f"load {i}"}, 201)
            elif kind == "volunteer":
                request = ("POST", "/volunteering/volunteers", {"community_id": community, "name": f"v{i}",
                                                                "phone": "138 0000 0000", "skills": ["care"]}, 201)
            elif kind == "fund income":
                request = ("POST", f"/economy/communities/{community}/fund/income",
                           {"source": "rent", "amount": 1000 + i, "received_on": "2024-05-01"}, 200)
            elif kind == "overview":
                request = ("GET", "/district/overview", None, 200)
            else:
                request = ("GET", "/district/communities", None, 200)
            method, path, body, expected = request
            started = time.perf_counter()
            try:
                response = await http.request(method, path, json=body, headers=headers)
                if response.status_code != expected:
                    errors.append(f"{kind}: {response.status_code} {response.text[:200]}")
            except httpx.HTTPError as exc:
                errors.append(f"{kind}: {type(exc).__name__} {exc}")
            samples[kind].append(time.perf_counter() - started)
            i += 1


def register_communities(base: str, admin: str, clients: int, timeout: float = 120) -> None:
    """As a district would: register the load's communities in grid, then wait until every service knows them."""
    headers = {"Authorization": f"Bearer {admin}"}
    with httpx.Client(base_url=base, timeout=30, headers=headers) as http:
        for n in range(clients):
            response = http.post("/grid/communities", json={
                "id": f"load-{n:02d}", "name": f"压测社区{n:02d}", "district": "压测区", "households": 1000,
                "residents": 2800})
            if response.status_code not in (201, 409):
                raise RuntimeError(f"registering load-{n:02d}: {response.status_code} {response.text}")
        deadline = time.monotonic() + timeout
        last = f"load-{clients - 1:02d}"
        probes = (("/economy/communities/{c}/fund/income", {"source": "other", "amount": 1, "received_on": "2024-05-01"}),
                  ("/volunteering/volunteers", {"community_id": "{c}", "name": "探针", "phone": "13000000000"}))
        for path, body in probes:
            while True:
                filled = {k: (v.format(c=last) if isinstance(v, str) else v) for k, v in body.items()}
                response = http.post(path.format(c=last), json=filled)
                if response.status_code != 422 or "district directory" not in response.text:
                    break
                if time.monotonic() > deadline:
                    raise RuntimeError("the services did not learn the load communities in time")
                time.sleep(0.5)


async def run(base: str, staff: str, operator: str, clients: int, seconds: float) -> tuple[dict, list[str], float]:
    samples: dict[str, list[float]] = defaultdict(list)
    errors: list[str] = []
    started = time.monotonic()
    await asyncio.gather(*(client(n, base, staff, operator, started + seconds, samples, errors)
                           for n in range(clients)))
    return samples, errors, time.monotonic() - started


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=60)
    args = parser.parse_args()
    from rich.console import Console
    from rich.table import Table

    from shared.platform.auth import DevelopmentKeys
    from shared.platform.broker import free_port

    with tempfile.TemporaryDirectory() as tmp:
        data_dir, port = Path(tmp) / "data", free_port()
        process = start_demo(data_dir, port)
        try:
            keys = DevelopmentKeys(data_dir)
            staff = keys.mint("load-staff", ["community_staff"], ["*"])
            operator = keys.mint("load-operator", ["district_operator"], ["*"])
            admin = keys.mint("load-admin", ["admin", "community_staff"], ["*"])
            register_communities(f"http://127.0.0.1:{port}", admin, args.clients)
            print(f"{args.clients} clients for {args.seconds:.0f}s against shequ demo on :{port} ...", flush=True)
            samples, errors, elapsed = asyncio.run(
                run(f"http://127.0.0.1:{port}", staff, operator, args.clients, args.seconds))
        finally:
            process.send_signal(signal.SIGINT)
            try:
                process.wait(30)
            except subprocess.TimeoutExpired:
                process.kill()
    table = Table(title=f"shequ load: {args.clients} clients, {elapsed:.0f}s, embedded platform")
    for column in ("kind", "requests", "req/s", "p50 ms", "p95 ms", "p99 ms"):
        table.add_column(column, justify="left" if column == "kind" else "right")
    report: dict[str, dict] = {}
    everything = [s for kind_samples in samples.values() for s in kind_samples]
    for kind, kind_samples in [*sorted(samples.items()), ("all", everything)]:
        summary = latency_summary(kind_samples)
        report[kind] = {"requests": len(kind_samples), "per_second": len(kind_samples) / elapsed, **summary}
        table.add_row(kind, f"{len(kind_samples):,}", f"{len(kind_samples) / elapsed:,.1f}",
                      f"{summary['p50_ms']:.1f}", f"{summary['p95_ms']:.1f}", f"{summary['p99_ms']:.1f}")
    Console(width=120).print(table)
    print(f"errors: {len(errors)}")
    for error in errors[:10]:
        print(f"  {error}")
    RESULTS.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    out = RESULTS / f"load-{stamp}.json"
    out.write_text(json.dumps({"at": stamp, "machine": machine(), "clients": args.clients,
                               "seconds": round(elapsed, 1), "errors": len(errors), "error_samples": errors[:20],
                               "results": report}, indent=2))
    print(f"written {out}")
    return 1 if errors else 0


if __name__ == "__main__":
    raise SystemExit(main())
