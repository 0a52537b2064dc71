"""Prometheus metrics shared by every process.

Labels are bounded: service names, route templates, event type names, topics,
partitions, status codes. Never ids or free text.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

from prometheus_client import Counter, Gauge, Histogram
from starlette.types import ASGIApp, Message, Receive, Scope, Send

HTTP_REQUESTS = Counter(
    "shequ_http_requests_total", "HTTP requests handled", ["service", "method", "route", "status"]
)
HTTP_LATENCY = Histogram(
    "shequ_http_request_duration_seconds",
    "HTTP request latency",
    ["service", "method", "route"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5),
)
COMMANDS = Counter(
    "shequ_commands_total", "Commands by outcome (accepted, rejected, conflict, not_found, unauthorized, error)",
    ["service", "command", "outcome"],
)
EVENTS_APPENDED = Counter("shequ_events_appended_total", "Events stored in an event store", ["service", "event_type"])
# Gauges: with several worker processes (prometheus-client multiprocess mode) only the supervising process
# sets them; "max" over the processes' files is its value.
RELAY_LAG = Gauge("shequ_relay_lag_events", "Stored events not yet acknowledged by the broker", ["service"],
                  multiprocess_mode="max")
RELAY_LAG_SECONDS = Gauge(
    "shequ_relay_lag_seconds", "Age of the oldest stored event not yet acknowledged by the broker", ["service"],
    multiprocess_mode="max",
)
RELAY_PUBLISHED = Counter("shequ_relay_published_total", "Envelopes acknowledged by the broker", ["service"])
RELAY_ERRORS = Counter("shequ_relay_publish_errors_total", "Failed publish attempts (retried)", ["service"])
RELAY_RESTARTS = Counter(
    "shequ_relay_republish_total", "Times a relay started publishing from the beginning for a new cluster", ["service"]
)
PROJECTOR_LAG = Gauge("shequ_projector_lag_events", "Messages not yet applied", ["topic", "partition"],
                      multiprocess_mode="max")
PROJECTOR_APPLIED = Counter("shequ_projector_events_applied_total", "Events applied to read models", ["topic"])
PROJECTOR_DUPLICATES = Counter(
    "shequ_projector_duplicates_total", "Events skipped because a read model already had them", ["topic"]
)
PROJECTOR_DEAD_LETTERED = Counter(
    "shequ_projector_dead_lettered_total", "Messages sent to the dead-letter topic", ["topic", "reason"]
)
PROJECTOR_BATCH_SIZE = Histogram(
    "shequ_projector_batch_size", "Messages per applied batch", buckets=(1, 10, 50, 100, 250, 500, 1000, 5000)
)
PROJECTOR_BATCH_SECONDS = Histogram(
    "shequ_projector_batch_duration_seconds", "Time to apply and commit one batch",
    buckets=(0.005, 0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
)
READSTORE_WRITE_SECONDS = Histogram(
    "shequ_readstore_write_duration_seconds",
    "Latency of one read-model write: the bulk write of a batch's touched documents of one collection", ["collection"],
    buckets=(0.0005, 0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1, 2.5, 10),
)
READSTORE_WRITES = Counter("shequ_readstore_writes_total", "Read-model document writes", ["collection"])
DEAD_LETTERS = Gauge(
    "shequ_dead_letters", "Dead letters recorded in the read store, by status (open: waiting for a replay or a "
    "discard: the DLQ depth); counted from the store when scraped, so any process with the store reports it",
    ["status"], multiprocess_mode="mostrecent",  # every worker counts the same store: the latest count stands
)

_scrape_hooks: dict[str, Callable[[], None]] = {}


def on_scrape(name: str, hook: Callable[[], None]) -> None:
    """Run `hook` before each /metrics answer (a gauge read from a store at scrape); the last one per name."""
    _scrape_hooks[name] = hook


def refresh_for_scrape() -> None:
    for name, hook in list(_scrape_hooks.items()):
        try:
            hook()
        except Exception:  # noqa: BLE001 - a scrape answers with what it has
            logging.getLogger("shequ.metrics").warning("metric hook %s failed", name, exc_info=True)


WRITE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})


def command_outcome(status: int) -> str:
    if status < 400:
        return "accepted"
    if status == 409:
        return "conflict"
    if status == 404:
        return "not_found"
    if status in (401, 403):
        return "unauthorized"
    return "rejected" if status < 500 else "error"


def exposition() -> bytes:
    """The text of /metrics: this process's metrics, or every process's (multiprocess mode, several workers)."""
    import os

    from prometheus_client import (
        CollectorRegistry, GCCollector, PlatformCollector, ProcessCollector, generate_latest, multiprocess,
    )

    if not os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        return generate_latest()
    registry = CollectorRegistry()
    multiprocess.MultiProcessCollector(registry)  # shequ's own metrics, added up over every process
    for collector in (ProcessCollector, PlatformCollector, GCCollector):  # process_*, python_*: this worker's
        collector(registry=registry)
    return generate_latest(registry)


class MetricsMiddleware:
    """Counts requests by route template (never the raw path: ids would explode cardinality)."""

    def __init__(self, app: ASGIApp, service: str) -> None:
        self.app = app
        self.service = service

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500

        async def record_status(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, record_status)
        finally:
            route = scope.get("route")
            template = getattr(route, "path", None) or "unmatched"
            HTTP_REQUESTS.labels(self.service, scope["method"], template, str(status)).inc()
            HTTP_LATENCY.labels(self.service, scope["method"], template).observe(time.perf_counter() - started)
            if scope["method"] in WRITE_METHODS and template != "unmatched":
                COMMANDS.labels(self.service, f"{scope['method']} {template}", command_outcome(status)).inc()


RELAY_CONTRACT_VIOLATIONS = Counter(
    "shequ_relay_contract_violations_total",
    "Envelopes that failed their public schema; the relay stopped instead of publishing them", ["service"],
)


def count_stored_event(service: str, event_type: str) -> None:
    """A `ServiceApplication.stored_listeners` hook: events appended, by service and type."""
    EVENTS_APPENDED.labels(service, event_type).inc()
