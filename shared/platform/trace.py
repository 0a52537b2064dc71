"""Tracing an event: where is it? stored, published, projected.

A correlation id (the `X-Request-Id` of the HTTP request, generated if absent)
is stamped on every stored event (`actor.correlation_id`), copied into the
public envelope (`correlationid`) and the Kafka headers (`correlation_id`),
logged by the projector, and carried by the sagas' follow-up commands (which
store it on their own events). So one id finds every event a request caused,
in every service.

`shequ trace <id>` answers from the running platform over HTTP, never from logs:

- `GET /<service>/trace/{id}` (admin, every domain service): the stored events
  carrying the id, as correlation id, aggregate id or envelope id (a bounded
  scan of the notification log, newest first), and whether the relay has
  published each (the relay's tracking position for the broker's current
  cluster is at or past the event's notification id).
- `GET /district/admin/projected?aggregate=&version=&type=&community=&position=`
  (admin): whether the district read models that take that event type have
  applied that aggregate version, by the projector's own dedupe guard, so this
  is exactly what the projector considers applied: `_seen[aggregate] >= version`
  in the community document, or, for an aggregate the document's `_seen` no
  longer lists, the relay position at or below `_upto` of the partition the
  aggregate's key goes to (Kafka's default partitioner over the topic's
  `KAFKA_TOPIC_PARTITIONS`).

The same calls work against separately deployed services: `--url
grid=http://grid:8000 --url district=http://district:8000 ...`.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping, Sequence
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query, Request

from shared.kernel.actor import Role
from shared.platform.auth import requires
from shared.platform.envelope import EventContract, envelope_id
from shared.platform.eventstore import ServiceApplication
from shared.platform.http import OneHopRoute

log = logging.getLogger("shequ.trace")

DOMAIN_SERVICES = ("grid", "economy", "welfare", "volunteering")
SCAN_BATCH = 500
DEFAULT_SCAN = 20_000
"""Notifications examined per trace request at most (newest first)."""
MAX_SCAN = 200_000
DEFAULT_LIMIT = 50
MAX_LIMIT = 500
IDENT = Annotated[str, Path(min_length=1, max_length=128)]

Admin = Depends(requires(Role.ADMIN))


# --------------------------------------------------------------------------- the service side


def _matches(ident: str, service: str, event: Any) -> tuple[bool, str, str]:
    aggregate = str(event.originator_id)
    version = int(getattr(event, "originator_version", 0) or 0)
    envelope = envelope_id(service, aggregate, version)
    actor = getattr(event, "actor", None) or {}
    return ident in (actor.get("correlation_id"), aggregate, envelope), aggregate, envelope


def stored_events(
    app: ServiceApplication, contract: EventContract, ident: str, *, limit: int = DEFAULT_LIMIT,
    max_scan: int = DEFAULT_SCAN,
) -> tuple[list[dict[str, Any]], int, bool]:
    """Stored events carrying `ident` (correlation, aggregate or envelope id): newest first.

    Returns (events, notifications scanned, whether the whole log was scanned).
    """
    recorder = app.recorder
    high = recorder.max_notification_id() or 0
    found: list[dict[str, Any]] = []
    scanned = 0
    while high > 0 and scanned < max_scan and len(found) < limit:
        low = max(1, high - SCAN_BATCH + 1)
        batch = recorder.select_notifications(low, SCAN_BATCH, stop=high)
        for notification in reversed(batch):
            scanned += 1
            event = app.mapper.to_domain_event(notification)
            hit, aggregate, public_id = _matches(ident, contract.service, event)
            if not hit:
                continue
            public_type = None
            try:
                envelope = contract.to_envelope(event)
                public_type = envelope.type if envelope is not None else None
            except Exception:  # noqa: BLE001 - a trace reports, it never fails on one odd event
                log.debug("trace: no public envelope for #%s", notification.id, exc_info=True)
            actor = getattr(event, "actor", None) or {}
            timestamp = getattr(event, "timestamp", None)
            found.append({
                "service": contract.service,
                "position": notification.id,
                "event": type(event).__qualname__,
                "public_type": public_type,
                "envelope_id": public_id if public_type else None,
                "aggregate_id": aggregate,
                "aggregate_version": getattr(event, "originator_version", None),
                "community_id": getattr(event, "community_id", None),
                "time": timestamp.isoformat() if timestamp else None,
                "correlation_id": actor.get("correlation_id"),
                "actor_role": actor.get("role"),
            })
            if len(found) >= limit:
                break
        high = low - 1
    return found, scanned, high <= 0


def relay_position_reader(app: ServiceApplication, topic: str, bootstrap_servers: str | None) -> Callable[[], Any]:
    """Reads (cluster id, tracking position) of the service's relay for the broker's current cluster."""

    def read() -> tuple[str, int]:
        if not bootstrap_servers:
            raise RuntimeError("this service has no broker configured")
        from shared.platform.kafka import KafkaAdmin

        admin = KafkaAdmin(bootstrap_servers)
        try:
            cluster_id = admin.cluster_id()
        finally:
            admin.close()
        tracking = f"relay:{topic}@{cluster_id}"
        return cluster_id, app.process_recorder.max_tracking_id(tracking) or 0

    return read


def service_router(contract: EventContract, topic: str, read_position: Callable[[], tuple[str, int]]) -> APIRouter:
    """`GET /trace/{id}`: this service's stored events carrying the id, and whether each is published."""
    api = APIRouter(tags=["operations"], route_class=OneHopRoute)

    @api.get("/trace/{ident}", dependencies=[Admin])
    def trace(
        request: Request,
        ident: IDENT,
        limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = DEFAULT_LIMIT,
        scan: Annotated[int, Query(ge=1, le=MAX_SCAN, description="Notifications examined at most")] = DEFAULT_SCAN,
    ) -> dict[str, Any]:
        application: ServiceApplication = request.app.state.application
        events, scanned, complete = stored_events(application, contract, ident, limit=limit, max_scan=scan)
        relay: dict[str, Any] = {"topic": topic}
        try:
            relay["cluster_id"], relay["position"] = read_position()
        except Exception as exc:  # noqa: BLE001 - the broker being down is an answer, not an error
            relay["cluster_id"], relay["position"], relay["error"] = None, None, f"{type(exc).__name__}: {exc}"[:300]
        for event in events:
            if event["public_type"] is None:
                event["published"] = None  # withheld: never published, by design
            elif relay["position"] is None:
                event["published"] = None
            else:
                event["published"] = relay["position"] >= event["position"]
        return {"service": contract.service, "id": ident, "events": events, "relay": relay,
                "scanned": scanned, "complete": complete,
                "newest_position": application.recorder.max_notification_id() or 0}

    return api


# --------------------------------------------------------------------------- the district side


def projected(db: Any, projections: Sequence[Any], *, aggregate: str, version: int, event_type: str,
              community: str, position: int | None = None, partitions: int = 3) -> dict[str, Any]:
    """Whether every read model taking `event_type` has applied `aggregate` at `version` (or later).

    Every district projection keeps one document per community (document id =
    the envelope's community id) with its dedupe guard (`_seen`, `_upto`, `_gaps`;
    see `shared.platform.projector`). `position` is the event's relay position, needed
    for an aggregate the document's `_seen` window no longer lists.
    """
    from kafka.partitioner.default import murmur2

    service = event_type.split(".")[1] if event_type.count(".") >= 3 else ""
    source = f"{service}-{(murmur2(aggregate.encode()) & 0x7FFFFFFF) % partitions}"
    models = []
    for projection in projections:
        if not projection.handles(event_type):
            continue
        document = db[projection.collection].find_one({"_id": community}) or {}
        seen = (document.get("_seen") or {}).get(aggregate)
        dead_lettered = version in (document.get("_gaps") or {}).get(aggregate, ())
        model = {"collection": projection.collection, "document": community, "seen_version": seen}
        if seen is not None or "_upto" not in document or document.get("_seen_complete"):
            model["projected"] = seen is not None and seen >= version and not dead_lettered
        else:  # folded into the partition's position mark
            model["upto"] = document["_upto"].get(source, 0)
            model["projected"] = position is not None and position <= model["upto"] and not dead_lettered
        models.append(model)
    return {"aggregate": aggregate, "version": version, "type": event_type, "community": community,
            "read_models": models, "projected": all(m["projected"] for m in models) if models else None}


def district_router(projections: Callable[[], Sequence[Any]], db: Any, *, partitions: int = 3) -> APIRouter:
    """`GET /admin/projected`: whether the district read models (in `db`) have applied an aggregate version."""
    api = APIRouter(tags=["operations"], route_class=OneHopRoute)
    models = list(projections())

    @api.get("/admin/projected", dependencies=[Admin])
    def is_projected(
        aggregate: Annotated[str, Query(min_length=1, max_length=128)],
        version: Annotated[int, Query(ge=1)],
        event_type: Annotated[str, Query(alias="type", min_length=1, max_length=128)],
        community: Annotated[str, Query(min_length=1, max_length=64)],
        position: Annotated[int | None, Query(ge=1, description="The event's relay position")] = None,
    ) -> dict[str, Any]:
        """Whether the district read models have applied this aggregate version."""
        return projected(db, models, aggregate=aggregate, version=version, event_type=event_type,
                         community=community, position=position, partitions=partitions)

    return api


# --------------------------------------------------------------------------- the client (`shequ trace`)


def endpoints(urls: Sequence[str]) -> dict[str, str]:
    """`--url` values -> base URL per service.

    A bare URL is the platform's gateway (the embedded demo, or an ingress that
    routes /<service>/ to each service): every service under /<service>.
    `name=url` is one service's own URL (served at its root).
    """
    bases: dict[str, str] = {}
    gateway = None
    for url in urls:
        name, sep, value = url.partition("=")
        if sep and "://" not in name:
            bases[name.strip()] = value.rstrip("/")
        else:
            gateway = url.rstrip("/")
    for service in (*DOMAIN_SERVICES, "district"):
        if service not in bases and gateway is not None:
            bases[service] = f"{gateway}/{service}"
    return bases


def trace(ident: str, urls: Sequence[str], token: str, *, limit: int = DEFAULT_LIMIT, scan: int = DEFAULT_SCAN,
          timeout: float = 10.0, client: Any = None) -> dict[str, Any]:
    """Ask every service for the events carrying `ident`, then the district whether each is projected."""
    import httpx

    bases = endpoints(urls)
    headers = {"Authorization": f"Bearer {token}"}
    http = client or httpx.Client(timeout=timeout)
    report: dict[str, Any] = {"id": ident, "events": [], "services": {}}
    try:
        for service in DOMAIN_SERVICES:
            if service not in bases:
                continue
            try:
                response = http.get(f"{bases[service]}/trace/{ident}", headers=headers,
                                    params={"limit": limit, "scan": scan})
            except httpx.HTTPError as exc:
                report["services"][service] = {"error": f"{type(exc).__name__}: {exc}"}
                continue
            if response.status_code != 200:
                report["services"][service] = {"error": f"HTTP {response.status_code}: {response.text[:200]}"}
                continue
            body = response.json()
            report["services"][service] = {k: body[k] for k in ("relay", "scanned", "complete", "newest_position")}
            report["events"].extend(body["events"])
        district = bases.get("district")
        for event in report["events"]:
            event["projected"] = None
            if not event["public_type"] or not event["published"] or district is None:
                continue
            try:
                response = http.get(f"{district}/admin/projected", headers=headers, params={
                    "aggregate": event["aggregate_id"], "version": event["aggregate_version"],
                    "type": event["public_type"], "community": event["community_id"],
                    "position": event["position"]})
            except httpx.HTTPError as exc:
                event["projected_error"] = f"{type(exc).__name__}: {exc}"
                continue
            if response.status_code != 200:
                event["projected_error"] = f"HTTP {response.status_code}: {response.text[:200]}"
                continue
            answer = response.json()
            event["projected"] = answer["projected"]
            event["read_models"] = [m["collection"] for m in answer["read_models"]]
    finally:
        if client is None:
            http.close()
    report["events"].sort(key=lambda e: (e["time"] or "", e["service"], e["position"]))
    return report


def stage(event: Mapping[str, Any]) -> str:
    """The furthest stage an event reached: stored, published, projected (or withheld)."""
    if not event.get("public_type"):
        return "stored (withheld: not public)"
    if not event.get("published"):
        return "stored"
    if event.get("projected") is None:
        return "published (no district read model takes it)" if "read_models" in event else "published"
    return "projected" if event["projected"] else "published"
