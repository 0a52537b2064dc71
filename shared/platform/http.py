"""The FastAPI app every service gets: errors, health, readiness, metrics, a request-body limit.

Hostile input never becomes a 500: request models reject it (422), bodies over
the limit are refused (413), and validation or parsing errors raised inside a
handler are client errors (422). Anything else is a bug: logged with its
traceback, answered with a 500 that names the request id and nothing internal.
"""

from __future__ import annotations

import functools
import html
import importlib.util
import inspect
import logging
import time
from collections.abc import AsyncIterator, Callable, Mapping, Sequence
from typing import Any

from eventsourcing.persistence import InterfaceError as StoreInterfaceError
from eventsourcing.persistence import OperationalError as StoreOperationalError
from fastapi import Depends, FastAPI, Request
from fastapi.responses import JSONResponse as StarletteJSONResponse
from fastapi.responses import PlainTextResponse, Response
from fastapi.routing import APIRoute
from starlette.concurrency import run_in_threadpool
from prometheus_client import CONTENT_TYPE_LATEST
from pydantic import ValidationError
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from shared.platform import idempotency, metrics
from shared.platform.auth import TokenVerifier
from shared.kernel.errors import Conflict, DomainError, Forbidden, Invalid, NotFound

log = logging.getLogger("shequ.http")

ReadinessCheck = Callable[[], None]
"""Raises (with a readable message) when a dependency is not reachable."""

DEFAULT_MAX_BODY_BYTES = 256 * 1024
RETRY_AFTER_SECONDS = 2
WRITE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
OPERATIONAL_PATHS = ("/healthz", "/readyz", "/metrics")


try:
    import orjson
except ImportError:  # pragma: no cover - orjson is a dependency; the stdlib encoder is the fallback
    orjson = None  # type: ignore[assignment]


class JSONResponse(StarletteJSONResponse):
    """A JSON body the platform builds itself (errors, readiness, replays), encoded by orjson when installed.

    Same bytes as Starlette's (UTF-8, Chinese text unescaped, compact) at a fraction of the cost. Not the
    app's default response class on purpose: FastAPI already encodes a route's declared return type with
    pydantic-core straight to bytes, and a response class other than the default would turn that off.
    """

    def render(self, content: Any) -> bytes:
        if orjson is None:  # pragma: no cover
            return super().render(content)
        try:
            return orjson.dumps(content, option=orjson.OPT_NON_STR_KEYS)
        except orjson.JSONEncodeError:  # e.g. an integer beyond 64 bits: the stdlib encoder's answer (or error)
            return super().render(content)


def server_options() -> dict[str, str]:
    """uvicorn's HTTP parser and event loop: the C ones (httptools, uvloop) when installed, else the pure-Python ones.

    Explicit rather than uvicorn's "auto", so what production runs is decided (and tested) here.
    """
    return {"http": "httptools" if importlib.util.find_spec("httptools") else "h11",
            "loop": "uvloop" if importlib.util.find_spec("uvloop") else "asyncio"}


class OneHopRoute(APIRoute):
    """A route whose synchronous handler costs one thread-pool hop, not two.

    FastAPI runs a `def` handler in the thread pool and then, because it is not a coroutine, validates its
    return value against the response model in the thread pool again. Wrapped in a coroutine that runs
    the handler in the pool itself, the handler keeps its thread (blocking store calls never run on the
    event loop) and the response is validated on the loop, one hop fewer per request. The signature,
    annotations and module globals FastAPI reads come from the handler (`functools.wraps`).
    """

    def __init__(self, path: str, endpoint: Callable[..., Any], **kwargs: Any) -> None:
        if not inspect.iscoroutinefunction(endpoint) and inspect.isfunction(endpoint):
            endpoint = _in_threadpool(endpoint)
        super().__init__(path, endpoint, **kwargs)


def _in_threadpool(handler: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(handler)
    async def run(*args: Any, **kwargs: Any) -> Any:
        return await run_in_threadpool(handler, *args, **kwargs)

    return run


def _store_outage_errors() -> tuple[type[BaseException], ...]:
    """Exceptions that mean "the event store cannot be reached now" (not a bug, not the client's fault)."""
    errors: list[type[BaseException]] = [StoreOperationalError, StoreInterfaceError]
    try:
        import psycopg
        import psycopg_pool

        errors += [psycopg.OperationalError, psycopg.InterfaceError, psycopg_pool.PoolTimeout]
    except ImportError:  # pragma: no cover - psycopg is a dependency, but SQLite-only installs work
        pass
    return tuple(errors)


STORE_OUTAGE_ERRORS = _store_outage_errors()


class StoreUnavailable(Exception):  # noqa: N818 - the outcome's name
    """The event store is known to be unreachable: fail fast (503) instead of waiting on it."""


class StoreGuard:
    """Fails requests fast while the event store is known to be down.

    The `eventsourcing` PostgreSQL recorder retries a failed statement ten times,
    waiting for a pooled connection each time, so the first command during an
    outage takes ~10 x (POSTGRES_CONNECT_TIMEOUT + 0.2) s to fail. That failure
    marks the store down; from then on each request first probes the server
    with one direct connection (1 s timeout, at most every 0.5 s, shared) and
    is answered 503 at once while the probe fails. The first probe that
    succeeds clears the mark.
    """

    PROBE_INTERVAL = 0.5

    def __init__(self, application: Any) -> None:
        self.application = application
        self.down_since: float | None = None
        self._probed_at = 0.0
        self._probe_ok = False

    def mark_down(self) -> None:
        if self.down_since is None:
            self.down_since = time.monotonic()
            log.warning("event store unreachable: failing requests fast until it answers again")

    def _probe(self) -> bool:
        datastore = getattr(getattr(self.application, "recorder", None), "datastore", None)
        pool = getattr(datastore, "pool", None)
        try:
            if pool is not None:  # PostgreSQL: one direct connection, outside the (waiting) pool
                import psycopg

                kwargs = {k: v for k, v in (pool.kwargs or {}).items() if k != "row_factory"}
                with psycopg.connect(pool.conninfo, connect_timeout=1, **kwargs) as conn:
                    conn.execute("SELECT 1")
            else:
                self.application.check_store()
        except Exception:  # noqa: BLE001 - any failure means "still down"
            return False
        return True

    def available(self) -> bool:
        """False while the store is marked down and a (recent) probe failed."""
        if self.down_since is None:
            return True
        now = time.monotonic()
        if now - self._probed_at >= self.PROBE_INTERVAL:
            self._probed_at = now
            self._probe_ok = self._probe()
            if self._probe_ok:
                log.info("event store reachable again after %.1fs", now - self.down_since)
                self.down_since = None
        return self._probe_ok


def store_guard(app: Any) -> StoreGuard | None:
    """The app's guard (made on first use), if the app has an event store."""
    guard = getattr(app.state, "store_guard", None)
    if guard is None:
        application = getattr(app.state, "application", None)
        if application is None:
            return None
        guard = app.state.store_guard = StoreGuard(application)
    return guard


def _outage_response(message: str) -> JSONResponse:
    return JSONResponse({"detail": message, "retry_after_seconds": RETRY_AFTER_SECONDS},
                        status_code=503, headers={"Retry-After": str(RETRY_AFTER_SECONDS)})


async def command_scope(request: Request) -> AsyncIterator[None]:
    """App-wide dependency: fail fast while the event store is down; set up a keyed write's idempotency.

    Async (so it runs in the request's task): the context variable it sets is
    copied into the thread that runs a synchronous handler.
    """
    if request.url.path.endswith(OPERATIONAL_PATHS):
        yield
        return
    guard = store_guard(request.app)
    if guard is not None and guard.down_since is not None and not await run_in_threadpool(guard.available):
        raise StoreUnavailable("the event store is unreachable; nothing was changed")
    key = request.headers.get(idempotency.HEADER)
    application = getattr(request.app.state, "application", None)
    if key is None or request.method not in WRITE_METHODS or application is None:
        yield
        return
    if not key or len(key) > idempotency.MAX_KEY_LENGTH or not key.isprintable():
        raise Invalid(f"{idempotency.HEADER} must be 1 to {idempotency.MAX_KEY_LENGTH} printable characters",
                      field=idempotency.HEADER)
    try:
        from shared.platform.auth import _principal

        subject = _principal(request).subject
    except Exception:  # noqa: BLE001 - no valid token: the handler's own check answers 401/403
        yield
        return
    route = request.scope.get("route")
    context = idempotency.IdempotencyContext(
        service=str(request.app.state.service), key=key, subject=subject,
        request=f"{request.method} {request.url.path}", status=getattr(route, "status_code", None) or 200,
    )
    await run_in_threadpool(idempotency.check, application, context)  # raises if the key was used
    token = idempotency.activate(context)
    try:
        yield
    finally:
        try:
            idempotency.deactivate(token)
        except ValueError:  # reset from another context: the variable dies with the request anyway
            pass


async def _send_json(send: Send, status: int, body: dict[str, object]) -> None:
    payload = JSONResponse(body).body
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(payload)).encode()),
                            (b"connection", b"close")]})
    await send({"type": "http.response.body", "body": payload})


class BodyLimitMiddleware:
    """Refuses request bodies over `max_bytes` with 413, by Content-Length and by counting streamed bytes.

    The body (at most `max_bytes`) is read before the app runs and replayed to
    it, so an oversized chunked upload is refused before any handler sees it.
    """

    def __init__(self, app: ASGIApp, max_bytes: int = DEFAULT_MAX_BODY_BYTES) -> None:
        self.app = app
        self.max_bytes = max_bytes

    def _too_large(self) -> dict[str, object]:
        return {"detail": f"request body too large: the limit is {self.max_bytes} bytes",
                "max_body_bytes": self.max_bytes}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = [v for k, v in scope.get("headers", []) if k.lower() == b"content-length"]
        if declared:
            try:
                length = int(declared[0])
                if length < 0:
                    raise ValueError
            except ValueError:
                await _send_json(send, 400, {"detail": "invalid Content-Length header"})
                return
            if length > self.max_bytes:
                await _send_json(send, 413, self._too_large())
                return
        chunks: list[bytes] = []
        received = 0
        while True:
            message = await receive()
            if message["type"] != "http.request":  # the client went away
                return
            chunk = message.get("body", b"")
            received += len(chunk)
            if received > self.max_bytes:
                await _send_json(send, 413, self._too_large())
                return
            chunks.append(chunk)
            if not message.get("more_body", False):
                break
        body = b"".join(chunks)
        replayed = False

        async def replay() -> Message:
            nonlocal replayed
            if not replayed:
                replayed = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()

        await self.app(scope, replay, send)


def _request_id(request: Request) -> str | None:
    return getattr(request.state, "correlation_id", None) or request.headers.get("x-request-id")


def create_app(
    service: str, *, title: str, readiness: Mapping[str, ReadinessCheck], verifier: TokenVerifier,
    max_body_bytes: int = DEFAULT_MAX_BODY_BYTES, lifespan: Callable[[FastAPI], Any] | None = None,
) -> FastAPI:
    app = FastAPI(title=title, version="1.0", docs_url="/docs", redoc_url=None,
                  dependencies=[Depends(command_scope)], lifespan=lifespan)
    app.router.route_class = OneHopRoute
    app.state.service = service
    app.state.verifier = verifier
    app.state.max_body_bytes = max_body_bytes
    # Added first, so it runs inside the metrics middleware: refused bodies are counted too.
    app.add_middleware(BodyLimitMiddleware, max_bytes=max_body_bytes)
    app.add_middleware(metrics.MetricsMiddleware, service=service)

    @app.exception_handler(DomainError)
    async def domain_error(request: Request, exc: DomainError) -> JSONResponse:
        status = (409 if isinstance(exc, Conflict) else 404 if isinstance(exc, NotFound)
                  else 403 if isinstance(exc, Forbidden) else 422)
        body: dict[str, object] = {"detail": str(exc)}
        if isinstance(exc, Invalid) and exc.field:
            body["field"] = exc.field
        return JSONResponse(body, status_code=status)

    @app.exception_handler(idempotency.IdempotentReplay)
    async def idempotent_replay(request: Request, exc: idempotency.IdempotentReplay) -> JSONResponse:
        """A retry of a command already done under this Idempotency-Key: the original outcome, not a second one."""
        record = exc.record
        return JSONResponse(record.response_body(), status_code=record.status,
                            headers={idempotency.REPLAYED_HEADER: "true"})

    @app.exception_handler(idempotency.KeyReused)
    async def key_reused(request: Request, exc: idempotency.KeyReused) -> JSONResponse:
        return JSONResponse({"detail": str(exc), "field": idempotency.HEADER}, status_code=422)

    @app.exception_handler(StoreUnavailable)
    async def store_unavailable(request: Request, exc: StoreUnavailable) -> JSONResponse:
        return _outage_response(str(exc))

    async def store_outage(request: Request, exc: Exception) -> JSONResponse:
        """The event store did not answer (server restarting, network, pool exhausted): retry later."""
        log.warning("%s %s: event store unavailable: %s", request.method, request.url.path, str(exc)[:300])
        guard = store_guard(request.app)
        if guard is not None:
            guard.mark_down()
        return _outage_response("the event store is unavailable; retry shortly (with the same "
                                "Idempotency-Key, a command that did get stored is not done twice)")

    for error in STORE_OUTAGE_ERRORS:
        app.add_exception_handler(error, store_outage)

    @app.exception_handler(ValidationError)
    async def validation_error(request: Request, exc: ValidationError) -> JSONResponse:
        """A model validated inside a handler (not by FastAPI): the input was wrong."""
        log.info("%s %s: validation error in handler: %s", request.method, request.url.path, exc.error_count())
        errors = exc.errors(include_url=False, include_context=False, include_input=False)
        return JSONResponse({"detail": [{k: v for k, v in e.items() if k in ("type", "loc", "msg")} for e in errors]},
                            status_code=422)

    @app.exception_handler(ValueError)
    async def value_error(request: Request, exc: ValueError) -> JSONResponse:
        """Domain parsing of client input (an unknown enumeration value, a malformed id or date)."""
        log.info("%s %s: value error: %s", request.method, request.url.path, exc)
        return JSONResponse({"detail": f"invalid input: {str(exc)[:300]}"}, status_code=422)

    @app.exception_handler(OverflowError)
    async def overflow_error(request: Request, exc: OverflowError) -> JSONResponse:
        """Arithmetic on an extreme client value (a date at the edge of the calendar, say)."""
        log.info("%s %s: value out of range: %s", request.method, request.url.path, exc)
        return JSONResponse({"detail": f"a value is out of range: {str(exc)[:300]}"}, status_code=422)

    @app.exception_handler(Exception)
    async def unexpected(request: Request, exc: Exception) -> JSONResponse:
        request_id = _request_id(request)
        log.error("%s %s failed (request %s)", request.method, request.url.path, request_id,
                  exc_info=(type(exc), exc, exc.__traceback__))
        return JSONResponse({"detail": "internal error; it has been logged", "request_id": request_id},
                            status_code=500)

    @app.get("/healthz", include_in_schema=False)
    def healthz() -> dict[str, str]:
        return {"status": "alive"}

    @app.get("/readyz", include_in_schema=False)
    def readyz() -> Response:
        failures: dict[str, str] = {}
        for name, check in readiness.items():
            try:
                check()
            except Exception as exc:  # noqa: BLE001 - readiness reports any failure
                failures[name] = f"{type(exc).__name__}: {exc}"[:300]
        body = {"status": "ready" if not failures else "not ready",
                "checks": {name: failures.get(name, "ok") for name in readiness}}
        return JSONResponse(body, status_code=200 if not failures else 503)

    @app.get("/metrics", include_in_schema=False)
    def prometheus_metrics() -> Response:
        metrics.refresh_for_scrape()
        return PlainTextResponse(metrics.exposition(), media_type=CONTENT_TYPE_LATEST)

    return app


def api_docs_index(services: Sequence[tuple[str, str]]) -> str:
    """The platform's /docs page when every service is mounted under its prefix: a link to each one's docs."""
    rows = "".join(
        f'<li><a href="/{html.escape(name)}/docs">{html.escape(title)}</a> '
        f'(<a href="/{html.escape(name)}/openapi.json">OpenAPI</a>)</li>' for name, title in services)
    return ("<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>shequ API documentation</title>"
            "</head><body><h1>shequ API documentation</h1><p>Each service documents its own API; every endpoint "
            f"needs a bearer token (see the README).</p><ul>{rows}</ul></body></html>")
