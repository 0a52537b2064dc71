"""Composition: turns settings and service definitions into running parts.

The CLI is the one composition root per process; it calls these builders.
Nothing connects until `start()`.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import AsyncIterator, Callable, Iterable, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

from fastapi import FastAPI
from fastapi.responses import HTMLResponse, RedirectResponse

from shared.platform import audit, metrics, trace
from shared.platform.auth import DevelopmentKeys, oidc_verifier, TokenVerifier
from shared.platform.catalogue import service_catalogue
from shared.platform.consumer import EventConsumer
from shared.platform.envelope import PublicEventSet
from shared.platform.eventstore import ServiceApplication
from shared.platform.http import api_docs_index, create_app
from shared.platform.kafka import broker_check
from shared.platform.leadership import leadership_for
from shared.platform.deadletters import DeadLetterReplayer, DeadLetterStore
from shared.platform.projector import ProjectorRuntime, Projection, ReadModelWriter
from shared.platform.querytables import QueryTableRunner
from shared.platform.rebuilds import LivePause
from shared.platform.readstore import connect_read_store, ping
from shared.platform.relay import Relay
from shared.platform.service import ServiceDefinition
from shared.platform.settings import Settings

log = logging.getLogger("shequ.runtime")


@dataclass
class RunningService:
    definition: ServiceDefinition
    application: ServiceApplication
    relay: Relay | None
    http: FastAPI
    reactions: EventConsumer | None = None
    """Consumes other services' topics for this service's reactions (sagas), if it has any."""
    query_tables: QueryTableRunner | None = None
    """Keeps the service's query tables (its list endpoints) up to date from its own event store."""

    def start(self, workers: BackgroundWorkers) -> None:
        """Start the relay, the query tables and the reaction consumer (whichever exist) as background workers."""
        if self.relay is not None:
            workers.start(f"relay-{self.definition.name}", self.relay.run)
        if self.query_tables is not None:
            workers.start(f"querytables-{self.definition.name}", self.query_tables.run)
        if self.reactions is not None:
            workers.start(f"reactions-{self.definition.name}", self.reactions.run)


@dataclass
class BackgroundWorkers:
    """Relays and projectors as threads, stopped together."""

    stop_event: threading.Event = field(default_factory=threading.Event)
    threads: list[threading.Thread] = field(default_factory=list)

    def start(self, name: str, target: Callable[[threading.Event], None]) -> None:
        thread = threading.Thread(target=self._guard(name, target), name=name, daemon=True)
        thread.start()
        self.threads.append(thread)

    def _guard(self, name: str, target: Callable[[threading.Event], None]) -> Callable[[], None]:
        def run() -> None:
            try:
                target(self.stop_event)
            except Exception:
                log.exception("background worker %s crashed", name)
                raise

        return run

    def stop(self, timeout: float = 5.0) -> None:
        self.stop_event.set()
        for thread in self.threads:
            thread.join(timeout)


class InsecureConfiguration(RuntimeError):
    pass


def build_verifier(settings: Settings) -> TokenVerifier:
    """Production trusts only the configured OpenID Connect issuer; development its own key."""
    if settings.environment == "production":
        if not (settings.oidc_issuer and settings.oidc_jwks_url):
            raise InsecureConfiguration(
                "SHEQU_ENV=production requires OIDC_ISSUER and OIDC_JWKS_URL; "
                "refusing to start with the development signing key"
            )
        return oidc_verifier(settings.oidc_issuer, settings.oidc_audience, settings.oidc_jwks_url)
    return DevelopmentKeys(settings.data_dir).verifier()


def _serve_catalogue(http: FastAPI, events: PublicEventSet) -> None:
    """GET /events/catalogue: this service's part of the public event catalogue.

    Public contract documentation (schemas, topic, key; never data), so no token is needed, like /docs.
    """
    catalogue = service_catalogue(events)

    @http.get("/events/catalogue", tags=["events"], summary="This service's public events and their JSON Schemas")
    def events_catalogue() -> dict[str, Any]:
        return catalogue


def _initialise_relay_series(service: str) -> None:
    """Export the relay's error counters at 0 from the start, so `increase()` alerts see the first error."""
    for counter in (metrics.RELAY_PUBLISHED, metrics.RELAY_ERRORS, metrics.RELAY_RESTARTS,
                    metrics.RELAY_CONTRACT_VIOLATIONS):
        counter.labels(service)


def build_service(
    definition: ServiceDefinition, settings: Settings, bootstrap_servers: str | None, verifier: TokenVerifier,
    *, with_relay: bool = True,
) -> RunningService:
    application = definition.application_class(env=settings.event_store_env(definition.name))
    application.stored_listeners.append(metrics.count_stored_event)
    relay = None
    readiness: dict[str, Callable[[], None]] = {"event_store": application.check_store}
    if with_relay and bootstrap_servers:
        relay = Relay(
            application, definition.contract, settings.topic_for(definition.name), bootstrap_servers,
            partitions=settings.kafka_topic_partitions, replication_factor=settings.kafka_replication_factor,
            batch_size=settings.relay_batch_size, idle_seconds=settings.relay_idle_seconds,
            leadership=leadership_for(settings.event_store_env(definition.name), f"relay:{definition.name}"),
        )
        readiness["broker"] = broker_check(bootstrap_servers)
        readiness["relay"] = relay.check
    query_tables = None
    if definition.query_tables is not None:
        query_tables = QueryTableRunner(application, definition.query_tables, batch_size=settings.relay_batch_size,
                                        idle_seconds=settings.relay_idle_seconds)
        readiness["query_tables"] = query_tables.check
    http = create_app(definition.name, title=f"shequ {definition.name} service", readiness=readiness,
                      verifier=verifier, max_body_bytes=settings.max_body_bytes)
    http.state.application = application
    http.state.query_view = query_tables.view if query_tables is not None else None
    http.include_router(definition.router())
    http.include_router(audit.router())
    topic = settings.topic_for(definition.name)
    http.include_router(trace.service_router(definition.contract, topic, trace.relay_position_reader(
        application, topic, bootstrap_servers if with_relay else None)))
    if relay is not None:
        _initialise_relay_series(definition.name)
    _serve_catalogue(http, definition.contract.events)
    reactions = build_reactions(definition, application, settings, bootstrap_servers) if with_relay else None
    return RunningService(definition, application, relay, http, reactions, query_tables)


def build_reactions(
    definition: ServiceDefinition, application: ServiceApplication, settings: Settings, bootstrap_servers: str | None,
) -> EventConsumer | None:
    """The consumer (group `shequ-<service>-reactions`) running a service's reactions to other services' events."""
    if definition.reactions is None or not bootstrap_servers:
        return None
    reactions = definition.reactions(application)
    consumer = EventConsumer(
        bootstrap_servers, f"shequ-{definition.name}-reactions", [events for events, _, _ in reactions],
        settings.dead_letter_topic, name=f"{definition.name}-reactions", topic_for=settings.topic_for,
        partitions=settings.kafka_topic_partitions, replication_factor=settings.kafka_replication_factor,
    )
    for _, event, handler in reactions:
        consumer.on(event, handler)
    return consumer


def build_projector(
    settings: Settings, db: Any, projections: Iterable[Projection], contracts: Sequence[PublicEventSet],
    bootstrap_servers: str, *, member_name: str = "projector", group_id: str | None = None,
) -> ProjectorRuntime:
    return ProjectorRuntime(
        db=db, projections=projections, contracts={c.service: c for c in contracts},
        topics=[settings.topic_for(c.service) for c in contracts], bootstrap_servers=bootstrap_servers,
        group_id=group_id or settings.projector_group_id, dead_letter_topic=settings.dead_letter_topic,
        batch_size=settings.projector_batch_size, member_name=member_name,
    )


def dead_letter_tools(db: Any) -> tuple[DeadLetterStore, DeadLetterReplayer]:
    """The district's dead letters and their replayer (this process's projection code, every service's events)."""
    from bootstrap.registry import domain_services
    from services.district.projections import projections

    store = DeadLetterStore(db)
    contracts = {d.contract.events.service: d.contract.events for d in domain_services()}
    return store, DeadLetterReplayer(store, ReadModelWriter(db, projections()), contracts)


def _count_dead_letters(store: DeadLetterStore) -> None:
    try:
        depth = store.depth()
    except Exception:
        metrics.DEAD_LETTERS.clear()  # no series rather than a stale count while the store is away
        raise
    for status, count in depth.items():
        metrics.DEAD_LETTERS.labels(status).set(count)


def build_district_http(
    settings: Settings, client: Any, readiness: dict[str, Callable[[], None]], verifier: TokenVerifier
) -> FastAPI:
    from services.district import api
    from services.district.queries import DistrictQueries
    from services.district.projections import projections
    from services.district.web import web_router

    db = client[settings.mongo_database]
    store, replayer = dead_letter_tools(db)
    queries = DistrictQueries(db, read_interval_seconds=settings.district_read_interval_seconds)

    @asynccontextmanager
    async def refreshing(app: FastAPI) -> AsyncIterator[None]:
        """While the app serves, a thread keeps this process's district figures current with the time, so no
        request recomputes all of them (`DistrictQueries.refresh`)."""
        with queries.refreshing():
            yield

    http = create_app("district", title="shequ district", readiness={"read_store": lambda: ping(client), **readiness},
                      verifier=verifier, max_body_bytes=settings.max_body_bytes, lifespan=refreshing)
    http.state.queries = queries
    http.state.dead_letters = replayer
    metrics.on_scrape("dead_letters", lambda: _count_dead_letters(store))
    http.include_router(api.router())
    http.include_router(trace.district_router(projections, db, partitions=settings.kafka_topic_partitions))
    http.include_router(web_router())
    return http


def build_workbench_http() -> FastAPI:
    """The staff workbench's page: it calls the services' APIs on the same origin (`/grid`, `/economy`, ...)."""
    from services.staff_web.web import workbench_app

    return workbench_app()


@dataclass
class Platform:
    """Every service, the district read side and their workers, in one process."""

    settings: Settings
    bootstrap_servers: str
    definitions: Sequence[ServiceDefinition]
    services: list[RunningService] = field(default_factory=list)
    projector: ProjectorRuntime | None = None
    read_client: Any = None
    workers: BackgroundWorkers = field(default_factory=BackgroundWorkers)
    http: FastAPI | None = None
    projector_in_process: bool = True
    """False: the projector runs as its own process (`shequ project`, as `shequ demo` and production run it);
    this process serves the district API and runs only the rebuilds asked of it."""
    _projector_workers: BackgroundWorkers | None = None
    _rebuild_lock: threading.Lock = field(default_factory=threading.Lock)

    def build(self) -> Platform:
        from services.district.projections import projections

        verifier = build_verifier(self.settings)
        self.services = [build_service(d, self.settings, self.bootstrap_servers, verifier) for d in self.definitions]
        self.read_client = connect_read_store(self.settings)
        db = self.read_client[self.settings.mongo_database]
        self.projector = build_projector(
            self.settings, db, projections(), [d.contract.events for d in self.definitions], self.bootstrap_servers
        )
        # Each service keeps its own OpenAPI document under its prefix (as when deployed alone); the root
        # has none of its own, and its /docs page links to theirs.
        district = build_district_http(self.settings, self.read_client,
                                       {"broker": broker_check(self.bootstrap_servers)}, verifier)
        # A mounted app's lifespan does not run by itself: the root runs the district's (its refresher).
        root = FastAPI(title="shequ", docs_url=None, redoc_url=None, openapi_url=None,
                       lifespan=lambda app: district.router.lifespan_context(district))
        for service in self.services:
            root.mount(f"/{service.definition.name}", service.http)
        district.state.rebuild = self.rebuild_read_models
        root.mount("/district", district)
        root.mount("/staff", build_workbench_http())
        mounted = [(s.definition.name, s.http.title) for s in self.services] + [("district", district.title)]

        @root.get("/", include_in_schema=False)
        def index() -> RedirectResponse:
            return RedirectResponse("/district/")

        @root.get("/docs", include_in_schema=False)
        def docs_index() -> HTMLResponse:
            return HTMLResponse(api_docs_index(mounted))

        self.http = root
        return self

    def start_workers(self) -> None:
        for service in self.services:
            service.start(self.workers)
        if self.projector_in_process:
            self._start_projector(rebuild_first=False)

    def _start_projector(self, *, rebuild_first: bool, hold: LivePause | None = None) -> None:
        assert self.projector is not None
        self._projector_workers = BackgroundWorkers()
        projector = self.projector

        def work(stop: threading.Event) -> None:
            if rebuild_first:
                projector.rebuild_from_scratch(stop, hold=hold)
                log.info("rebuild done: %s events applied", projector.totals.applied)
            projector.run(stop)

        self._projector_workers.start("projector", work)

    def rebuild_read_models(self) -> dict[str, Any]:
        """Drop the district read models and replay every topic from offset 0. Every live projector member
        pauses first, this process's own and any other (`shared.platform.rebuilds`); RebuildRefused, with
        nothing dropped, if one does not. The replay itself runs in the background."""
        assert self.projector is not None
        with self._rebuild_lock:
            if self._projector_workers is not None:
                self._projector_workers.stop()  # this process's live projector, or a rebuild still running
            live = self.projector
            self.projector = live.fresh()
            if not self.projector_in_process:
                self.projector.member_name = "rebuild"
            try:
                hold = self.projector.pause_live_members(self.settings.rebuild_pause_timeout_seconds)
            except Exception:  # refused (or the read store failed): nothing was dropped, carry on live
                self.projector = live.fresh()
                if self.projector_in_process:
                    self._start_projector(rebuild_first=False)
                raise
            if self.projector_in_process:
                self._start_projector(rebuild_first=True, hold=hold)
            else:
                projector = self.projector
                self._projector_workers = BackgroundWorkers()
                self._projector_workers.start("rebuild", lambda stop: projector.rebuild_from_scratch(stop, hold=hold))
        return {"status": "rebuilding", "topics": self.projector.topics}

    def stop(self) -> None:
        self.workers.stop()
        if self._projector_workers is not None:
            self._projector_workers.stop()
        for service in self.services:
            service.application.close()
        if self.read_client is not None:
            self.read_client.close()
