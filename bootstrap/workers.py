"""Serving HTTP with several worker processes.

`shequ serve` and `shequ demo` run their HTTP app in `--workers N` processes (default: SHEQU_HTTP_WORKERS,
else the machine's cores). The supervising process (the one the command started) keeps everything that
must run ONCE: relays, query-table runners, reaction consumers (and, for the demo, the embedded broker,
read store and projector process). Each worker process only builds the HTTP app from the same environment
(`http_app`, a uvicorn factory) and serves requests on the shared listening socket; it starts no
background runner, so nothing is published, projected or tabulated twice.

Several processes on one event store are safe:
- SQLite: the store is in WAL mode (the `eventsourcing` default for a file), writers are serialised by
  SQLite's own lock and wait for it up to SQLITE_LOCK_TIMEOUT seconds; every write transaction starts
  with its write, so a waiting writer never fails on a stale snapshot.
- PostgreSQL: natively, each process with its own connection pool.
- Optimistic concurrency is the store's: an aggregate version is a primary key, so of two commands that
  loaded the same version in two processes one is stored and the other answers 409.

Metrics: with more than one worker, prometheus-client runs in multiprocess mode (PROMETHEUS_MULTIPROC_DIR,
emptied at start, under the data directory), and each worker's /metrics adds up every process's files.
"""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path
from typing import Any

ROLE_VARIABLE = "SHEQU_HTTP_APP"
"""Which app a worker process builds: `platform` (every service under its prefix) or a service name."""

MULTIPROC_VARIABLE = "PROMETHEUS_MULTIPROC_DIR"


def default_workers() -> int:
    return max(1, os.cpu_count() or 1)


def prepare_multiprocess_metrics(data_dir: Path) -> Path:
    """Empty the metrics directory and point prometheus-client at it, before prometheus-client is imported.

    Files left by an earlier run would be added to this run's counters, so the directory starts empty.
    """
    if "prometheus_client" in sys.modules and not os.environ.get(MULTIPROC_VARIABLE):
        raise RuntimeError("prometheus_client was imported before its multiprocess directory was set")
    directory = Path(os.environ.get(MULTIPROC_VARIABLE) or data_dir / "metrics")
    shutil.rmtree(directory, ignore_errors=True)
    directory.mkdir(parents=True, exist_ok=True)
    os.environ[MULTIPROC_VARIABLE] = str(directory)
    return directory


def http_app() -> Any:
    """The uvicorn factory each worker process calls: the HTTP app of this environment, no background runner."""
    from bootstrap.registry import domain_services
    from bootstrap.runtime import Platform, build_district_http, build_service, build_verifier
    from shared.platform import kafka
    from shared.platform.kafka import broker_check
    from shared.platform.logs import configure_logging
    from shared.platform.readstore import connect_read_store
    from shared.platform.settings import Settings

    _die_with_supervisor()
    settings = Settings()
    configure_logging(settings.log_level)
    kafka.configure(settings)
    role = os.environ.get(ROLE_VARIABLE, "platform")
    bootstrap_servers = settings.kafka_bootstrap_servers
    if role == "platform":
        assert bootstrap_servers, "the platform's workers get the broker from the supervising process"
        return Platform(settings, bootstrap_servers, domain_services(), projector_in_process=False).build().http
    verifier = build_verifier(settings)
    if role == "district":
        return build_district_http(settings, connect_read_store(settings),
                                   {"broker": broker_check(bootstrap_servers or "")}, verifier)
    from bootstrap.registry import service as definition_of

    return build_service(definition_of(role), settings, bootstrap_servers, verifier).http


def _die_with_supervisor() -> None:
    """A worker whose supervisor died (even by SIGKILL) goes too, at once: it must not keep the port."""
    if sys.platform.startswith("linux"):
        import ctypes
        import signal

        pr_set_pdeathsig = 1
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(pr_set_pdeathsig, signal.SIGKILL)


def serve_workers(role: str, host: str, port: int, workers: int, on_started: Any = None) -> None:
    """Serve `role`'s app in `workers` processes until SIGINT/SIGTERM; returns once they have stopped."""
    import threading
    import time
    import urllib.request

    import uvicorn
    from uvicorn.supervisors import Multiprocess

    from shared.platform.http import server_options

    os.environ[ROLE_VARIABLE] = role
    # Lifespan on: the district app's refresher thread lives and stops with the server.
    config = uvicorn.Config(f"{__name__}:http_app", factory=True, host=host, port=port, workers=workers,
                            log_level="warning", timeout_graceful_shutdown=3, lifespan="on", **server_options())
    supervisor = Multiprocess(config, sockets=[config.bind_socket()])
    if on_started is not None:
        def announce() -> None:  # ready when a worker answers
            probe = f"http://{'127.0.0.1' if host in ('0.0.0.0', '') else host}:{port}/"  # noqa: S104
            deadline = time.monotonic() + 120
            while time.monotonic() < deadline and not supervisor.should_exit.is_set():
                try:
                    urllib.request.urlopen(probe, timeout=2)  # noqa: S310 - our own loopback listener
                except urllib.error.HTTPError:
                    pass  # any HTTP answer means the app is serving
                except OSError:
                    time.sleep(0.1)
                    continue
                on_started()
                return

        threading.Thread(target=announce, daemon=True).start()
    supervisor.run()
