"""`shequ demo` as a subprocess, the way a user runs it (shared by the end-to-end tests)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path


def demo_env(data_dir: Path) -> dict[str, str]:
    env = {**os.environ, "SHEQU_DATA_DIR": str(data_dir), "PYTHONUNBUFFERED": "1"}
    env.pop("KAFKA_BOOTSTRAP_SERVERS", None)
    env.pop("MONGO_URL", None)
    return env


def start_demo(data_dir: Path, port: int, *args: str, timeout: float = 240) -> tuple[subprocess.Popen, dict[str, str]]:
    """Start the demo; return the process and what it printed as KEY=value lines up to SHEQU_READY."""
    data_dir.mkdir(parents=True, exist_ok=True)
    with open(data_dir / "demo.log", "ab") as log:  # the demo's own log, kept beside its data for a failed run
        process = subprocess.Popen([sys.executable, "-m", "bootstrap.cli", "demo", "--port", str(port), *args],
                                   stdout=subprocess.PIPE, stderr=log, env=demo_env(data_dir), text=True)
    printed: dict[str, str] = {}
    deadline = time.monotonic() + timeout  # a first start without --no-seed seeds the demo district
    while time.monotonic() < deadline and "SHEQU_READY" not in printed:
        line = process.stdout.readline()
        if not line:
            break
        key, _, value = line.strip().partition("=") if "=" in line else (line.split(" ")[0], "", line.strip())
        printed[key.split(" ")[0]] = value
    if "SHEQU_READY" not in printed:
        process.kill()
        raise AssertionError(f"shequ demo did not start; printed {printed}")
    return process, printed


def stop_demo(process: subprocess.Popen, timeout: float = 15) -> None:
    """Ctrl-C, as a user would; kill only if it does not stop in time."""
    process.send_signal(signal.SIGINT)
    try:
        process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=5)
        raise


def mint_token(data_dir: Path, *roles: str, communities: tuple[str, ...] = ("*",), subject: str = "tester") -> str:
    """A token for the demo's development key (same data directory)."""
    args = [sys.executable, "-m", "bootstrap.cli", "token", "--subject", subject]
    for role in roles:
        args += ["--role", role]
    for community in communities:
        args += ["--community", community]
    out = subprocess.run(args, capture_output=True, text=True, env=demo_env(data_dir), timeout=60, check=True)
    return out.stdout.strip().splitlines()[-1]


def process_alive(pid: int) -> bool:
    """Running (a zombie awaiting its reaper is not)."""
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().split(") ", 1)[1][0] != "Z"
    except FileNotFoundError:
        return False


def wait_settled(http, headers: dict[str, str], *, quiet_polls: int = 4, interval: float = 1.0,  # noqa: ANN001
                 timeout: float = 240) -> dict:
    """Wait until no event is on its way anywhere: every relay, saga consumer and the projector report no lag, and the
    district overview's figures stayed the same for `quiet_polls` polls in a row (sagas such as grid ->
    volunteering produce follow-up events after their trigger was projected, so a zero lag alone can be
    a moment between two hops). Returns the settled overview."""
    deadline = time.monotonic() + timeout
    previous, quiet, last = None, 0, None
    while time.monotonic() < deadline:
        overview = http.get("/district/overview", headers=headers)
        metrics = http.get("/grid/metrics")
        if overview.status_code == 200 and metrics.status_code == 200:
            body = overview.json()
            relay_lag = sum(float(line.rsplit(" ", 1)[1]) for line in metrics.text.splitlines()
                            if line.startswith(("shequ_relay_lag_events{", "shequ_saga_lag_events{")))
            figures = {k: v for k, v in body.items() if k != "freshness"}
            last = (body["freshness"]["projector_lag_events"], relay_lag)
            if last == (0, 0.0) and body.get("communities", 0) > 0 and figures == previous:
                quiet += 1
                if quiet >= quiet_polls:
                    return body
            else:
                quiet = 0
            previous = figures
        time.sleep(interval)
    raise AssertionError(f"the demo did not settle within {timeout}s (last projector lag, relay + saga lag: {last})")
