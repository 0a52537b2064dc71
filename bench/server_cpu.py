"""Server CPU per request of the platform's HTTP stack, with uvicorn's pure-Python or C parser and loop.

    python -m bench.server_cpu [--requests 3000] [--rounds 3]

A uvicorn subprocess serves `create_app` (the middleware, exception handlers and one-hop routes every
service has); one kept-alive stdlib client sends GET /healthz (a synchronous route: one thread-pool hop)
and GET /readyz-free 404s are not used. The server process's own CPU seconds (from /proc) are divided by
the requests it answered, so the figure does not depend on how busy the rest of the machine is, as far
as CPU time can. The two settings alternate each round; the best round of each is reported.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import subprocess
import sys
import time
from pathlib import Path

from bench.common import machine

RESULTS = Path(__file__).resolve().parent / "results"
SETTINGS = {"h11 + asyncio": {"http": "h11", "loop": "asyncio"},
            "httptools + uvloop": {"http": "httptools", "loop": "uvloop"}}

SERVER = """
import sys, uvicorn
from shared.platform.http import create_app
app = create_app("bench", title="bench", readiness={}, verifier=None)
uvicorn.run(app, host="127.0.0.1", port=int(sys.argv[1]), log_level="error", lifespan="off",
            access_log=False, http=sys.argv[2], loop=sys.argv[3])
"""


def _cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def measure(setting: dict[str, str], requests: int) -> dict[str, float]:
    from shared.platform.broker import free_port

    port = free_port()
    server = subprocess.Popen([sys.executable, "-c", SERVER, str(port), setting["http"], setting["loop"]])
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
                connection.request("GET", "/healthz")
                connection.getresponse().read()
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.1)
        for _ in range(200):  # warm up
            connection.request("GET", "/healthz")
            connection.getresponse().read()
        cpu_before, started = _cpu_seconds(server.pid), time.perf_counter()
        for _ in range(requests):
            connection.request("GET", "/healthz")
            response = connection.getresponse()
            response.read()
            assert response.status == 200, response.status
        wall, cpu = time.perf_counter() - started, _cpu_seconds(server.pid) - cpu_before
        connection.close()
        return {"server_cpu_ms_per_request": cpu / requests * 1000, "wall_ms_per_request": wall / requests * 1000}
    finally:
        server.terminate()
        server.wait(10)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--requests", type=int, default=3000)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    rounds: dict[str, list[dict[str, float]]] = {name: [] for name in SETTINGS}
    for _ in range(args.rounds):
        for name, setting in SETTINGS.items():
            rounds[name].append(measure(setting, args.requests))
            print(name, rounds[name][-1], "load", os.getloadavg()[0], flush=True)
    best = {name: min(r, key=lambda x: x["server_cpu_ms_per_request"]) for name, r in rounds.items()}
    for name, figures in best.items():
        print(f"{name:20s} server CPU {figures['server_cpu_ms_per_request']:.3f} ms/request, "
              f"wall {figures['wall_ms_per_request']:.3f} ms/request (best of {args.rounds})")
    stamp = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime())
    out = RESULTS / f"server-cpu-{stamp}.json"
    out.write_text(json.dumps({"at": stamp, "machine": machine(), "requests": args.requests, "rounds": rounds,
                               "best": best, "load_average_end": os.getloadavg()[0]}, indent=2))
    print("written", out)


if __name__ == "__main__":
    main()
