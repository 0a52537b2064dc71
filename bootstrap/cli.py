"""`shequ`: the command line. Each command is the composition root of its process."""

from __future__ import annotations

import signal
import sys
import threading
import time
from typing import Annotated

import typer
from rich.console import Console

cli = typer.Typer(help="shequ: event-sourced community governance platform", no_args_is_help=True)
console = Console(stderr=True)


def _settings():  # noqa: ANN202 - imported lazily to keep `shequ --help` fast
    from shared.platform import kafka
    from shared.platform.logs import configure_logging
    from shared.platform.settings import Settings

    settings = Settings()
    configure_logging(settings.log_level)
    kafka.configure(settings)  # TLS / SASL and group timings for every Kafka client of this process
    return settings


def _exit_on_sigterm() -> None:
    """Turn SIGTERM into SystemExit so every `finally` (broker included) runs."""

    def handler(signum: int, frame: object) -> None:
        raise SystemExit(0)

    signal.signal(signal.SIGTERM, handler)


def _serve(app: object, host: str, port: int, on_started: object = None) -> None:
    import uvicorn

    from shared.platform.http import server_options

    # Lifespan on: the district app's refresher thread lives and stops with the server.
    config = uvicorn.Config(app, host=host, port=port, log_level="warning", timeout_graceful_shutdown=3,
                            lifespan="on", **server_options())
    server = uvicorn.Server(config)
    if on_started is not None:
        def announce() -> None:
            while not server.started and not server.should_exit:
                time.sleep(0.05)
            if server.started:
                on_started()  # type: ignore[operator]

        threading.Thread(target=announce, daemon=True).start()
    server.run()


@cli.command()
def demo(
    port: Annotated[int, typer.Option(help="HTTP port of the platform")] = 8000,
    host: Annotated[str, typer.Option(help="Interface to listen on")] = "127.0.0.1",
    communities: Annotated[int, typer.Option(min=0, help="Synthetic communities to seed besides the four reported")] = 20,
    seed: Annotated[int, typer.Option(help="Random seed of the demo district (same seed, same figures)")] = 42,
    no_seed: Annotated[bool, typer.Option(
        "--no-seed", help="No demo activity: only the four reported communities in the directory")] = False,
    workers: Annotated[int | None, typer.Option(
        min=1, max=64, help="HTTP worker processes (default: SHEQU_HTTP_WORKERS, else the machine's cores)")] = None,
) -> None:
    """Run the whole platform on embedded defaults (broker, read store and projector as child processes).

    On a first start (empty event stores) it seeds a demo district: the four
    reported communities and `--communities` synthetic ones, with twelve months
    of history; a later start reuses the stored data.
    """
    import os

    settings = _settings()
    _exit_on_sigterm()
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    processes = _http_workers(settings, workers)  # before anything imports prometheus-client

    from bootstrap.registry import domain_services
    from bootstrap.runtime import Platform
    from shared.platform.broker import EmbeddedBroker
    from shared.platform.docstore_server import EmbeddedDocumentStore

    broker = docstore = projector = None
    platform = None
    try:
        if settings.kafka_bootstrap_servers:
            bootstrap = settings.kafka_bootstrap_servers
        else:
            broker = EmbeddedBroker(log_path=settings.data_dir / "broker.log").start()
            bootstrap = broker.bootstrap_servers
            console.print(f"embedded Kafka broker (Tansu) on {bootstrap}, pid {broker.pid}")
            print(f"SHEQU_KAFKA_BOOTSTRAP_SERVERS={bootstrap}", flush=True)
            print(f"SHEQU_BROKER_PID={broker.pid}", flush=True)
        if not settings.mongo_url:
            # The read models stay on disk (data_dir/readstore): a restart keeps them.
            docstore = EmbeddedDocumentStore(settings.data_dir / "readstore").start()
            settings = settings.model_copy(update={"mongo_url": docstore.url})
            console.print(f"embedded MongoDB wire-protocol server (nx-27017) on {docstore.url}, pid {docstore.pid}")
            print(f"SHEQU_MONGO_URL={docstore.url}", flush=True)
            print(f"SHEQU_DOCSTORE_PID={docstore.pid}", flush=True)
        # The HTTP worker processes build the platform from this environment: the same broker and read store.
        os.environ.update(KAFKA_BOOTSTRAP_SERVERS=bootstrap, MONGO_URL=str(settings.mongo_url))
        platform = Platform(settings, bootstrap, domain_services(), projector_in_process=False).build()
        # Seed before the relays and projector start: on two cores they would halve the seeding speed;
        # started afterwards they publish and project the stored history in one sweep.
        if not no_seed:
            _seed_demo(platform, communities, seed)
        _warm_directory(platform, register_reported=no_seed)
        platform.start_workers()
        projector = _start_projector_process(settings, bootstrap)

        def started() -> None:
            console.print(f"[bold green]shequ is running[/]: dashboard http://{host}:{port}/  (Ctrl-C stops)")
            _print_demo_tokens(settings, host, port)
            print(f"SHEQU_READY http://{host}:{port}/", flush=True)

        if processes == 1:
            _serve(platform.http, host, port, started)
        else:
            from bootstrap.workers import serve_workers

            console.print(f"HTTP: {processes} worker processes; relays, query tables and reactions run once, here "
                          f"(pid {os.getpid()})")
            serve_workers("platform", host, port, processes, started)
    except (KeyboardInterrupt, SystemExit):
        pass
    finally:
        console.print("stopping...")
        if platform is not None:
            platform.stop()
        if projector is not None:
            from shared.platform.child_server import stop_process

            stop_process(projector, timeout=10.0)
        if docstore is not None:
            docstore.stop()
        if broker is not None:
            broker.stop()
        console.print("stopped.")


def _http_workers(settings, requested: int | None) -> int:  # noqa: ANN001
    """How many HTTP worker processes; with more than one, prometheus-client is put in multiprocess mode."""
    from bootstrap.workers import default_workers, prepare_multiprocess_metrics

    processes = requested or settings.http_workers or default_workers()
    if processes > 1:
        prepare_multiprocess_metrics(settings.data_dir)
    return processes


def _start_projector_process(settings, bootstrap: str):  # noqa: ANN001, ANN202
    """`shequ project` as its own process, as compose and k8s run it: same environment, the demo's URLs."""
    import os
    import subprocess

    from shared.platform.child_server import die_with_parent, free_port

    metrics_port = free_port()
    env = {**os.environ, "KAFKA_BOOTSTRAP_SERVERS": bootstrap, "MONGO_URL": settings.mongo_url,
           "MONGO_DATABASE": settings.mongo_database, "SHEQU_DATA_DIR": str(settings.data_dir)}
    env.pop("PROMETHEUS_MULTIPROC_DIR", None)  # the projector serves its own metrics, on its own port
    with open(settings.data_dir / "projector.log", "ab") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "bootstrap.cli", "project", "--metrics-port", str(metrics_port),
             "--metrics-host", "127.0.0.1"],
            stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, env=env,
            start_new_session=True, preexec_fn=die_with_parent)  # noqa: PLW1509
    console.print(f"district projector (shequ project) pid {process.pid}, metrics on port {metrics_port}")
    print(f"SHEQU_PROJECTOR_PID={process.pid}", flush=True)
    print(f"SHEQU_PROJECTOR_METRICS=http://127.0.0.1:{metrics_port}/metrics", flush=True)
    return process


DEMO_COMMUNITIES = ("huasheng", "hualong-jiayuan", "xizhuchao", "jinpen")


def _seed_demo(platform, communities: int, seed: int) -> None:  # noqa: ANN001
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    from bootstrap.demo import is_empty, seed_district

    services = {s.definition.name: s.application for s in platform.services}
    if not is_empty(services):
        console.print("demo district already seeded: reusing the stored events")
        return
    with Progress(TextColumn("seeding demo district"), BarColumn(), MofNCompleteColumn(),
                  TextColumn("{task.description}"), TimeElapsedColumn(), console=console) as bar:
        task = bar.add_task("", total=4 + communities)

        def progress(done: int, total: int, description: str) -> None:
            bar.update(task, completed=done, total=total, description=description)

        report = seed_district(services, communities=communities, seed=seed, progress=progress)
    console.print(f"[bold]demo district[/]: {report.summary()}")


def _warm_directory(platform, *, register_reported: bool) -> None:  # noqa: ANN001
    """Before serving: every service knows the community directory grid holds.

    Afterwards each service keeps learning it from grid's events on Kafka. An
    empty demo (--no-seed) still has the four reported communities in its directory.
    """
    from bootstrap.demo import REPORTED, directory_entry
    from bootstrap.warm_start import teach_from_grid_store
    from shared.kernel.actor import pseudonym
    from shared.kernel.actor import Actor

    apps = {s.definition.name: s.application for s in platform.services}
    grid = apps["grid"]
    if register_reported and grid.recorder.max_notification_id() is None:
        admin = Actor(subject="demo-admin", role="admin", pseudonym=pseudonym("demo-admin"))
        for entry in REPORTED:
            grid.register_community(admin, directory_entry(entry))
    learners = [app for app in apps.values() if app.requires_known_communities]
    teach_from_grid_store(grid, learners)


def _print_demo_tokens(settings, host: str = "127.0.0.1", port: int = 8000) -> None:  # noqa: ANN001
    from shared.platform.auth import DevelopmentKeys

    keys = DevelopmentKeys(settings.data_dir)
    operator = keys.mint("demo-district-operator", ["district_operator"], ["*"])
    staff = keys.mint("demo-community-staff", ["community_staff", "grid_worker"], DEMO_COMMUNITIES)
    console.print("district operator token (Authorization: Bearer ...):", soft_wrap=True)
    print(f"SHEQU_OPERATOR_TOKEN={operator}", flush=True)
    console.print(f"community staff token ({', '.join(DEMO_COMMUNITIES)}):", soft_wrap=True)
    print(f"SHEQU_STAFF_TOKEN={staff}", flush=True)
    # A second person with the welfare officer role: welfare's four-eyes rule needs an approver other than the
    # officer who calculated a payment cycle (the seeded ones were calculated by another demo officer).
    welfare = keys.mint("demo-welfare-officer", ["community_staff", "grid_worker", "welfare_officer"], DEMO_COMMUNITIES)
    console.print(f"community staff token with the welfare officer role ({', '.join(DEMO_COMMUNITIES)}):",
                  soft_wrap=True)
    print(f"SHEQU_WELFARE_TOKEN={welfare}", flush=True)
    console.print("district dashboard, signed in as the operator (open in a browser):", soft_wrap=True)
    print(f"SHEQU_DASHBOARD=http://{host}:{port}/district/#token={operator}", flush=True)
    console.print("staff workbench (open in a browser, paste a staff token):", soft_wrap=True)
    print(f"SHEQU_WORKBENCH=http://{host}:{port}/staff/", flush=True)
    base = f"http://{host}:{port}"
    console.print(f"API docs: {base}/docs  ·  try it (with the tokens above exported):", soft_wrap=True)
    console.print(f"  curl -X POST {base}/grid/cases -H \"Authorization: Bearer $SHEQU_STAFF_TOKEN\" "
                  "-H 'content-type: application/json' "
                  "-d '{\"community_id\":\"jinpen\",\"category\":\"neighbour_dispute\",\"description\":\"noise\"}'",
                  soft_wrap=True, markup=False, highlight=False)
    console.print(f"  curl {base}/district/overview -H \"Authorization: Bearer $SHEQU_OPERATOR_TOKEN\"",
                  soft_wrap=True, markup=False, highlight=False)


@cli.command()
def token(
    role: Annotated[list[str], typer.Option("--role", help="A role; repeat for several")],
    community: Annotated[list[str], typer.Option("--community", help="A community id, or * for all")] = [],  # noqa: B006
    subject: Annotated[str, typer.Option(help="Who the token is for")] = "demo-user",
    hours: Annotated[int, typer.Option(min=1, max=24 * 30)] = 12,
) -> None:
    """Mint a token for the embedded platform's development key."""
    from shared.kernel.actor import Role
    from shared.platform.auth import DevelopmentKeys

    settings = _settings()
    if settings.environment == "production":
        console.print("tokens come from your OpenID Connect issuer in production")
        raise typer.Exit(2)
    known = {r.value for r in Role}
    unknown = [r for r in role if r not in known]
    if unknown:
        console.print(f"unknown role {', '.join(unknown)}; roles: {', '.join(sorted(known))}")
        raise typer.Exit(2)
    print(DevelopmentKeys(settings.data_dir).mint(subject, role, community, ttl_seconds=hours * 3600))


@cli.command()
def serve(
    service: Annotated[str, typer.Argument(help="grid, economy, welfare, volunteering, district or staff")],
    port: Annotated[int, typer.Option()] = 8000,
    host: Annotated[str, typer.Option()] = "0.0.0.0",  # noqa: S104 - a container's service listens on all interfaces
    workers: Annotated[int | None, typer.Option(
        min=1, max=64, help="HTTP worker processes (default: SHEQU_HTTP_WORKERS, else the machine's cores)")] = None,
) -> None:
    """Run one service as its own process, configured by environment (production style).

    With several HTTP workers this process supervises them and runs the service's relay, query tables
    and reactions once; the workers only serve requests.
    """
    settings = _settings()
    _exit_on_sigterm()
    if service == "staff":
        # The workbench's page only (no broker, no store), under /staff as in the demo: route /staff to it
        # beside the services' prefixes, keeping the prefix.
        from fastapi import FastAPI

        from bootstrap.runtime import build_workbench_http

        root = FastAPI(docs_url=None, redoc_url=None, openapi_url=None)
        root.add_api_route("/healthz", lambda: {"status": "alive"}, include_in_schema=False)
        root.mount("/staff", build_workbench_http())
        _serve(root, host, port)
        return
    if not settings.kafka_bootstrap_servers:
        console.print("KAFKA_BOOTSTRAP_SERVERS must be set for `shequ serve` (use `shequ demo` for embedded)")
        raise typer.Exit(2)
    processes = _http_workers(settings, workers)  # before anything imports prometheus-client

    from bootstrap.runtime import BackgroundWorkers, build_district_http, build_service, build_verifier
    from shared.platform.kafka import broker_check

    background = BackgroundWorkers()
    try:
        verifier = build_verifier(settings)
        if service == "district":
            if not settings.mongo_url:
                console.print("MONGO_URL must be set for `shequ serve district`")
                raise typer.Exit(2)
            from shared.platform.readstore import connect_read_store

            if processes > 1:
                from bootstrap.workers import serve_workers

                serve_workers("district", host, port, processes)
                return
            http = build_district_http(settings, connect_read_store(settings),
                                       {"broker": broker_check(settings.kafka_bootstrap_servers)}, verifier)
        else:
            from bootstrap.registry import service as definition_of

            try:
                definition = definition_of(service)
            except KeyError as exc:
                console.print(str(exc))
                raise typer.Exit(2) from None
            running = build_service(definition, settings, settings.kafka_bootstrap_servers, verifier)
            assert running.relay is not None
            running.start(background)  # the relay, query tables and reaction consumer: once, in this process
            if processes > 1:
                from bootstrap.workers import serve_workers

                serve_workers(service, host, port, processes)
                return
            http = running.http
        _serve(http, host, port)
    except (KeyboardInterrupt, SystemExit):
        pass
    finally:
        background.stop()


@cli.command()
def project(
    metrics_port: Annotated[int, typer.Option(min=0, max=65535,
                                              help="Port of the Prometheus /metrics listener (0: none)")] = 9108,
    metrics_host: Annotated[str, typer.Option(help="Interface of the metrics listener")] = "0.0.0.0",  # noqa: S104
) -> None:
    """Run the district projectors as their own process (scale out: more processes, same group)."""
    import socket

    from services.district.projections import projections
    from bootstrap.registry import domain_services
    from shared.platform.readstore import connect_read_store
    from bootstrap.runtime import BackgroundWorkers, build_projector

    settings = _settings()
    _exit_on_sigterm()
    if not settings.kafka_bootstrap_servers or not settings.mongo_url:
        console.print("KAFKA_BOOTSTRAP_SERVERS and MONGO_URL must be set for `shequ project`")
        raise typer.Exit(2)
    client = connect_read_store(settings)
    projector = build_projector(settings, client[settings.mongo_database], projections(),
                                [d.contract.events for d in domain_services()], settings.kafka_bootstrap_servers,
                                member_name=f"projector-{socket.gethostname()}")
    if metrics_port:
        from prometheus_client import start_http_server

        start_http_server(metrics_port, addr=metrics_host)  # the default registry: every projector metric
        console.print(f"projector metrics on http://{metrics_host}:{metrics_port}/metrics")
    workers = BackgroundWorkers()
    try:
        workers.start("projector", projector.run)
        while True:
            time.sleep(1)
    except (KeyboardInterrupt, SystemExit):
        pass
    finally:
        workers.stop()


@cli.command()
def rebuild() -> None:
    """Drop the district read models and rebuild them from the topics, from offset 0.

    The live projectors may keep running: they pause while the rebuild runs (it waits
    for each to acknowledge, and refuses with nothing dropped if one does not) and
    resume from their own offsets afterwards. Expect figures to fill in again while it runs.
    """
    from services.district.projections import projections
    from bootstrap.registry import domain_services
    from shared.platform.readstore import connect_read_store
    from bootstrap.runtime import build_projector

    settings = _settings()
    if not settings.kafka_bootstrap_servers or not settings.mongo_url:
        console.print("KAFKA_BOOTSTRAP_SERVERS and MONGO_URL must be set for `shequ rebuild`; "
                      "the embedded demo rebuilds with POST /district/admin/rebuild")
        raise typer.Exit(2)
    client = connect_read_store(settings)
    projector = build_projector(settings, client[settings.mongo_database], projections(),
                                [d.contract.events for d in domain_services()], settings.kafka_bootstrap_servers,
                                member_name="rebuild")
    from shared.platform.rebuilds import RebuildRefused

    started = time.perf_counter()
    try:
        projector.rebuild_from_scratch(threading.Event(), pause_timeout=settings.rebuild_pause_timeout_seconds)
    except RebuildRefused as exc:
        console.print(f"rebuild refused: {exc}")
        raise typer.Exit(1) from exc
    console.print(f"rebuilt: {projector.totals.applied} events applied in {time.perf_counter() - started:.1f}s, "
                  f"{projector.totals.dead_lettered} dead-lettered")


dlq = typer.Typer(help="Dead letters of the district projector: list, show, replay after a fix, discard",
                  no_args_is_help=True)
cli.add_typer(dlq, name="dlq")


def _dead_letters():  # noqa: ANN202
    from bootstrap.runtime import dead_letter_tools
    from shared.platform.readstore import connect_read_store

    settings = _settings()
    if not settings.mongo_url:
        console.print("MONGO_URL must be set for `shequ dlq` (the read store the projector records dead letters in)")
        raise typer.Exit(2)
    return dead_letter_tools(connect_read_store(settings)[settings.mongo_database])


def _operator_name(by: str | None) -> str:
    import getpass

    return by or f"cli:{getpass.getuser()}"


def _domain_errors():  # noqa: ANN202 - a context manager: a refused operation exits 1 with its reason
    import contextlib

    from shared.kernel.errors import DomainError

    @contextlib.contextmanager
    def refused():  # noqa: ANN202
        try:
            yield
        except DomainError as exc:
            console.print(f"[red]{exc}[/]")
            raise typer.Exit(1) from None

    return refused()


@dlq.command("list")
def dlq_list(
    status: Annotated[str, typer.Option(help="open, replayed, discarded or all")] = "open",
    topic: Annotated[str | None, typer.Option(help="Only messages read from this topic")] = None,
    limit: Annotated[int, typer.Option(min=1, max=100_000)] = 100,
    as_json: Annotated[bool, typer.Option("--json", help="Machine-readable output")] = False,
) -> None:
    """Dead letters, oldest first: reason, topic, partition, offset and age."""
    import json

    from rich.table import Table

    store, _ = _dead_letters()
    with _domain_errors():
        rows = store.list(status=None if status == "all" else status, topic=topic, limit=limit)
    if as_json:
        print(json.dumps({"dead_letters": rows, "depth": store.depth()}, ensure_ascii=False, indent=2))
        return
    table = Table(title=f"dead letters ({status})")
    for column in ("id", "status", "age", "topic", "partition", "offset", "event", "reason"):
        table.add_column(column, overflow="fold")
    for row in rows:
        table.add_row(row["id"], row["status"], _age(row["age_seconds"]), row["topic"], str(row["partition"]),
                      str(row["offset"]), row["event_type"] or "", row["reason"])
    Console(width=200).print(table)
    console.print(" ".join(f"{k}: {v}" for k, v in store.depth().items()))


def _age(seconds: int) -> str:
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if seconds >= size:
            return f"{seconds // size}{unit}"
    return f"{seconds}s"


@dlq.command("show")
def dlq_show(ident: Annotated[str, typer.Argument(metavar="ID", help="topic:partition:offset")]) -> None:
    """One dead letter in full: the message, its headers, replays and discard (JSON)."""
    import json

    store, _ = _dead_letters()
    with _domain_errors():
        print(json.dumps(store.show(ident), ensure_ascii=False, indent=2))


@dlq.command("replay")
def dlq_replay(
    ident: Annotated[list[str] | None, typer.Argument(metavar="ID...", help="topic:partition:offset")] = None,
    every_open: Annotated[bool, typer.Option("--all", help="Every open dead letter, oldest first")] = False,
    by: Annotated[str | None, typer.Option(help="Who replays (recorded; default cli:<user>)")] = None,
) -> None:
    """Apply dead letters with the projection code installed now (after the fix). Applied exactly once:
    a read model that has the event already is left as it is. Exit 1 if any still fails."""
    import json

    if bool(ident) == every_open:
        console.print("name the dead letters to replay, or --all (not both)")
        raise typer.Exit(2)
    _, replayer = _dead_letters()
    with _domain_errors():
        outcomes = replayer.replay(None if every_open else ident, by=_operator_name(by))
    print(json.dumps([o.as_dict() for o in outcomes], ensure_ascii=False, indent=2))
    if any(o.outcome == "failed" for o in outcomes):
        raise typer.Exit(1)


@dlq.command("discard")
def dlq_discard(
    ident: Annotated[str, typer.Argument(metavar="ID", help="topic:partition:offset")],
    reason: Annotated[str, typer.Option(help="Why this message may stay out of the read models (recorded)")],
    by: Annotated[str | None, typer.Option(help="Who discards (recorded; default cli:<user>)")] = None,
) -> None:
    """Set an open dead letter aside for good: kept, marked discarded, with who, when and why."""
    import json

    store, _ = _dead_letters()
    with _domain_errors():
        print(json.dumps(store.discard(ident, by=_operator_name(by), reason=reason), ensure_ascii=False, indent=2))


@cli.command("trace")
def trace_command(
    ident: Annotated[str, typer.Argument(metavar="ID", help="A request (correlation) id, an aggregate id or an envelope id")],
    url: Annotated[list[str], typer.Option(
        "--url", help="The platform's URL (services under /<service>), or name=url for one service; repeatable",
    )] = ["http://127.0.0.1:8000"],  # noqa: B006
    token: Annotated[str | None, typer.Option(envvar="SHEQU_TOKEN", show_default=False,
                                              help="An admin bearer token (default: $SHEQU_TOKEN)")] = None,
    limit: Annotated[int, typer.Option(min=1, max=500, help="Events per service at most")] = 50,
    scan: Annotated[int, typer.Option(min=1, max=200_000, help="Stored events examined per service at most")] = 20_000,
    as_json: Annotated[bool, typer.Option("--json", help="Machine-readable output")] = False,
) -> None:
    """Where is an event? For each service: stored, published to Kafka, projected into the district read models.

    Exit status: 0 when events were found, 1 when none carry the id, 2 on a usage or connection problem.
    """
    import json

    from rich.table import Table

    from shared.platform.trace import stage, trace

    if not token:
        console.print("an admin token is needed: --token or SHEQU_TOKEN (shequ token --role admin --community '*')")
        raise typer.Exit(2)
    report = trace(ident, url, token, limit=limit, scan=scan)
    failed = {name: s["error"] for name, s in report["services"].items() if "error" in s}
    if as_json:
        print(json.dumps(report, ensure_ascii=False, indent=2))
    else:
        out = Console(width=200)
        table = Table(title=f"trace {ident}")
        for column in ("service", "#", "event", "aggregate", "v", "community", "time", "request id", "stage"):
            table.add_column(column, overflow="fold")
        for event in report["events"]:
            table.add_row(event["service"], str(event["position"]), event["public_type"] or event["event"],
                          event["aggregate_id"], str(event["aggregate_version"]), event["community_id"] or "",
                          (event["time"] or "")[:23], event["correlation_id"] or "", stage(event))
        out.print(table)
        for name, service in report["services"].items():
            if "error" in service:
                out.print(f"[red]{name}[/]: {service['error']}")
            else:
                relay = service["relay"]
                where = (f"relay position {relay['position']} on cluster {relay['cluster_id']}"
                         if relay.get("position") is not None else f"relay position unknown ({relay.get('error')})")
                scanned = "whole log" if service["complete"] else f"newest {service['scanned']} events"
                out.print(f"{name}: {where}; scanned {scanned}")
    if failed and len(failed) == len(report["services"]):
        raise typer.Exit(2)
    if not report["events"]:
        raise typer.Exit(1)


def main() -> None:
    cli(prog_name="shequ")


if __name__ == "__main__":
    sys.exit(main())
