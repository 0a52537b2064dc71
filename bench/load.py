"""`make load`: 50 concurrent clients for 60 s against `shequ demo --no-seed` (a subprocess it starts).

    python -m bench.load [--clients 50] [--seconds 60] [--workers N]

Mixed traffic: grid case reports, volunteer registrations, collective-fund income (commands, each with an
Idempotency-Key) and the district overview and communities table (dashboard queries). Each client works
for its own community, as staff do, so commands on one community's fund are not raced by other clients.
Prints throughput and latency percentiles per kind, writes bench/results/load-<timestamp>.json, and exits
non-zero on any error (any status other than the expected one, or a transport error).

The clients share the machine's cores with the platform, so each is a kept-alive HTTP/1.1 connection on
asyncio streams (`LoadConnection`, far cheaper per request than httpx's AsyncClient), and the run reports the CPU seconds each process used: the platform's supervisor,
its HTTP workers, the projector, broker and read store, and this client.
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


def start_demo(data_dir: Path, port: int, workers: int | None = None) -> subprocess.Popen:
    env = {**os.environ, "SHEQU_DATA_DIR": str(data_dir), "PYTHONUNBUFFERED": "1", "LOG_LEVEL": "WARNING"}
    env.pop("KAFKA_BOOTSTRAP_SERVERS", None)
    env.pop("MONGO_URL", None)
    env.pop("PROMETHEUS_MULTIPROC_DIR", None)
    command = [sys.executable, "-m", "bootstrap.cli", "demo", "--port", str(port), "--no-seed"]
    if workers:
        command += ["--workers", str(workers)]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=_stderr_log(data_dir), env=env, text=True)
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        line = process.stdout.readline()
        if not line:
            break
        if line.startswith("SHEQU_READY"):
            return process
    process.kill()
    raise SystemExit("shequ demo did not start")


class LoadConnection:
    """One kept-alive HTTP/1.1 connection on asyncio streams: JSON bodies, Content-Length responses."""

    def __init__(self, host: str, port: int) -> None:
        self.host, self.port = host, port
        self._reader: asyncio.StreamReader | None = None
        self._writer: asyncio.StreamWriter | None = None

    async def request(self, method: str, path: str, body: object, headers: dict[str, str]) -> tuple[int, bytes]:
        if self._writer is None:
            self._reader, self._writer = await asyncio.open_connection(self.host, self.port)
        payload = b"" if body is None else json.dumps(body).encode()
        head = [f"{method} {path} HTTP/1.1", f"Host: {self.host}:{self.port}", f"Content-Length: {len(payload)}"]
        if body is not None:
            head.append("Content-Type: application/json")
        head += [f"{k}: {v}" for k, v in headers.items()]
        self._writer.write(("\r\n".join(head) + "\r\n\r\n").encode() + payload)
        try:
            return await self._response()
        except (OSError, asyncio.IncompleteReadError, ValueError):
            await self.close()
            raise

    async def _response(self) -> tuple[int, bytes]:
        assert self._reader is not None
        status_line = await self._reader.readline()
        status = int(status_line.split(b" ", 2)[1])
        length, closing = 0, False
        while True:
            line = await self._reader.readline()
            if line in (b"\r\n", b""):
                break
            name, _, value = line.partition(b":")
            name = name.strip().lower()
            if name == b"content-length":
                length = int(value.strip())
            elif name == b"connection" and value.strip().lower() == b"close":
                closing = True
            elif name == b"transfer-encoding":
                raise ValueError("chunked responses are not expected from these routes")
        data = await self._reader.readexactly(length)
        if closing:
            await self.close()
        return status, data

    async def close(self) -> None:
        if self._writer is not None:
            self._writer.close()
            self._writer = None


async def client(n: int, base: str, staff: str, operator: str, until: float,
                 samples: dict[str, list[float]], errors: list[str]) -> None:
    community = f"load-{n:02d}"
    rng = random.Random(n)
    kinds, weights = zip(*MIX, strict=True)
    host, _, port = base.removeprefix("http://").partition(":")
    connection = LoadConnection(host, int(port))
    i = 0
    try:
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
                status, answer = await asyncio.wait_for(connection.request(method, path, body, headers), 30)
                if status != expected:
                    errors.append(f"{kind}: {status} {answer[:200]!r}")
            except (OSError, asyncio.IncompleteReadError, asyncio.TimeoutError, ValueError) as exc:
                errors.append(f"{kind}: {type(exc).__name__} {exc}")
                await connection.close()
            samples[kind].append(time.perf_counter() - started)
            i += 1
    finally:
        await connection.close()


def _processes(root: int) -> dict[int, str]:
    """`root` and its descendants: pid -> a short name (from the command line)."""
    parents: dict[int, int] = {}
    names: dict[int, str] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
        parents[int(entry.name)] = int(stat.rsplit(")", 1)[1].split()[1])
        names[int(entry.name)] = cmdline
    found, frontier = {root}, [root]
    while frontier:
        pid = frontier.pop()
        children = [p for p, parent in parents.items() if parent == pid and p not in found]
        found.update(children)
        frontier += children
    return {pid: _short_name(names.get(pid, "?"), pid == root) for pid in found}


def _short_name(cmdline: str, root: bool) -> str:
    if root:
        return "shequ demo (supervisor: relays, query tables, reactions)"
    for needle, name in (("multiprocessing.spawn", "HTTP worker"), ("resource_tracker", "multiprocessing helper"), ("bootstrap.cli project", "projector"),
                         ("tansu", "broker (Tansu)"), ("nx-27017", "read store (nx-27017)")):
        if needle in cmdline:
            return name
    return cmdline[:60]


def _cpu_seconds(pid: int) -> float:
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


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
    parser.add_argument("--workers", type=int, default=None, help="the demo's HTTP workers (default: its own)")
    parser.add_argument("--url", help="load a platform already running there instead (with --data-dir: its keys)")
    parser.add_argument("--data-dir", type=Path, help="the running platform's data directory (signing key)")
    args = parser.parse_args()
    from rich.console import Console
    from rich.table import Table

    from shared.platform.auth import DevelopmentKeys
    from shared.platform.broker import free_port

    with tempfile.TemporaryDirectory() as tmp:
        data_dir, port = Path(tmp) / "data", free_port()
        if args.url:
            data_dir, port = args.data_dir, int(args.url.rsplit(":", 1)[1].strip("/"))
        process = start_demo(data_dir, port, args.workers) if not args.url else None
        try:
            keys = DevelopmentKeys(data_dir)
            staff = keys.mint("load-staff", ["community_staff"], ["*"])
            operator = keys.mint("load-operator", ["district_operator"], ["*"])
            admin = keys.mint("load-admin", ["admin", "community_staff"], ["*"])
            register_communities(f"http://127.0.0.1:{port}", admin, args.clients)
            print(f"{args.clients} clients for {args.seconds:.0f}s against shequ demo on :{port} ...", flush=True)
            processes = _processes(process.pid) if process is not None else {}
            before = {pid: _cpu_seconds(pid) for pid in processes}
            own_before = sum(os.times()[:2])
            samples, errors, elapsed = asyncio.run(
                run(f"http://127.0.0.1:{port}", staff, operator, args.clients, args.seconds))
            cpu: dict[str, float] = defaultdict(float)
            for pid, name in processes.items():
                cpu[name] += _cpu_seconds(pid) - before[pid]
            cpu["load client (this process)"] = sum(os.times()[:2]) - own_before
            workers = sum(1 for name in processes.values() if name == "HTTP worker")
        finally:
            if process is not None:
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
    usage = Table(title=f"CPU during the load ({os.cpu_count()} cores x {elapsed:.0f}s = "
                        f"{(os.cpu_count() or 1) * elapsed:.0f} CPU-seconds on the machine)")
    for column in ("process", "CPU seconds", "cores busy"):
        usage.add_column(column, justify="left" if column == "process" else "right")
    for name, seconds in sorted(cpu.items(), key=lambda item: -item[1]):
        usage.add_row(name, f"{seconds:.1f}", f"{seconds / elapsed:.2f}")
    usage.add_row("all of the above", f"{sum(cpu.values()):.1f}", f"{sum(cpu.values()) / elapsed:.2f}")
    Console(width=120).print(usage)
    print(f"HTTP workers: {workers}; load average at the end: {os.getloadavg()[0]:.1f} (other work on the machine "
          "shows as the difference between the cores and the CPU used above)")
    print(f"errors: {len(errors)}")
    for error in errors[:10]:
        print(f"  {error}")
    if not args.url:  # a profiling run (bench.profile load) is not a result
        RESULTS.mkdir(parents=True, exist_ok=True)
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
        out = RESULTS / f"load-{stamp}.json"
        out.write_text(json.dumps({"at": stamp, "machine": machine(), "clients": args.clients,
                                   "seconds": round(elapsed, 1), "errors": len(errors), "error_samples": errors[:20],
                                   "http_workers": workers, "cpu_seconds": dict(cpu),
                                   "load_average_end": os.getloadavg()[0], "results": report}, indent=2))
        print(f"written {out}")
    return 1 if errors else 0


if __name__ == "__main__":
    raise SystemExit(main())
