"""Helpers shared by the benchmarks: timing, percentiles, servers, memory, machine description."""

from __future__ import annotations

import os
import platform
import statistics
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any


def percentile(samples: list[float], p: float) -> float:
    if not samples:
        return float("nan")
    ordered = sorted(samples)
    k = max(0, min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1))))
    return ordered[k]


def latency_summary(samples: list[float]) -> dict[str, float]:
    """Seconds in, milliseconds out."""
    return {"p50_ms": percentile(samples, 50) * 1000, "p95_ms": percentile(samples, 95) * 1000,
            "p99_ms": percentile(samples, 99) * 1000,
            "mean_ms": (statistics.fmean(samples) * 1000) if samples else float("nan")}


def timed(calls: int, call: Callable[[int], Any]) -> tuple[float, list[float]]:
    """(calls per second, per-call seconds)."""
    samples: list[float] = []
    started = time.perf_counter()
    for i in range(calls):
        t = time.perf_counter()
        call(i)
        samples.append(time.perf_counter() - t)
    return calls / (time.perf_counter() - started), samples


def rss_bytes(pid: int | str = "self") -> int:
    try:
        with open(f"/proc/{pid}/status") as status:
            for line in status:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) * 1024
    except FileNotFoundError:
        pass
    return 0


@contextmanager
def peak_rss(interval: float = 0.05, other: int | None = None) -> Iterator[dict[str, int]]:
    """Samples this process's resident memory while the block runs; yields {"peak": bytes, "start": bytes}
    (and "other_peak": the peak of process `other`, e.g. the read-store server, when given)."""
    result = {"start": rss_bytes(), "peak": rss_bytes(), "other_peak": rss_bytes(other) if other else 0}
    stop = threading.Event()

    def sample() -> None:
        while not stop.wait(interval):
            result["peak"] = max(result["peak"], rss_bytes())
            if other:
                result["other_peak"] = max(result["other_peak"], rss_bytes(other))

    thread = threading.Thread(target=sample, daemon=True)
    thread.start()
    try:
        yield result
    finally:
        stop.set()
        thread.join()
        result["peak"] = max(result["peak"], rss_bytes())


def machine() -> dict[str, Any]:
    cpu = "unknown"
    try:
        with open("/proc/cpuinfo") as info:
            cpu = next((line.split(":", 1)[1].strip() for line in info if line.startswith("model name")), cpu)
    except OSError:
        pass
    memory = 0
    try:
        with open("/proc/meminfo") as info:
            memory = int(next(line for line in info if line.startswith("MemTotal")).split()[1]) * 1024
    except (OSError, StopIteration):
        pass
    return {"nproc": os.cpu_count(), "cpu": cpu, "memory_gib": round(memory / 2**30, 1),
            "python": platform.python_version(), "platform": platform.platform(),
            "load_average_1_5_15": [round(x, 2) for x in os.getloadavg()]}  # other work on the shared machine


class ServerThread:
    """A uvicorn server for an ASGI app in a thread, on a free loopback port."""

    def __init__(self, app: Any) -> None:
        import uvicorn

        from shared.platform.broker import free_port
        from shared.platform.http import server_options

        self.port = free_port()
        self.server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=self.port, log_level="error",
                                                    lifespan="off", access_log=False,
                                                    **server_options()))
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def __enter__(self) -> ServerThread:
        self.thread.start()
        deadline = time.monotonic() + 20
        while not self.server.started:
            if time.monotonic() > deadline:
                raise RuntimeError("uvicorn did not start")
            time.sleep(0.02)
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.should_exit = True
        self.thread.join(10)


class LeanClient:
    """A kept-alive HTTP/1.1 connection (stdlib http.client) for the benchmarks' request loops.

    The client is not what is measured, but it runs on the same two cores: httpx's own request
    handling costs about as much CPU as the server's routing (`python -m bench.profile stages`).
    """

    def __init__(self, url: str, headers: dict[str, str] | None = None) -> None:
        import http.client
        from urllib.parse import urlsplit

        parts = urlsplit(url)
        self._connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
        self.headers = {"Content-Type": "application/json", **(headers or {})}

    def request(self, method: str, path: str, body: Any = None) -> tuple[int, bytes]:
        import json

        payload = None if body is None else json.dumps(body).encode()
        self._connection.request(method, path, body=payload, headers=self.headers)
        response = self._connection.getresponse()
        return response.status, response.read()

    def post(self, path: str, body: Any) -> tuple[int, bytes]:
        return self.request("POST", path, body)

    def close(self) -> None:
        self._connection.close()

    def __enter__(self) -> LeanClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
