"""Open311 GeoReport v2 (https://wiki.open311.org/GeoReport_v2) over the grid's cases.

Services are the case catalogue; jurisdictions are the registered communities;
a service request is a case (the same one staff see under /cases/{id}). The
GET endpoints are public, so they never show reporter contact data. `api_key`
is a bearer token of a community_staff, grid_worker or admin for the jurisdiction.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from datetime import UTC, datetime, timedelta
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response
from pydantic import ValidationError
from starlette.concurrency import run_in_threadpool

from services.grid.application import GridApplication
from services.grid.commands import ReportServiceRequest
from services.grid.domain import CATALOGUE, Case, CaseCategory, Channel
from shared.kernel.actor import ALL_COMMUNITIES, pseudonym, Role
from shared.kernel.actor import Actor
from shared.kernel.errors import DomainError, NotFound
from shared.kernel import clock
from shared.platform.http import JSONResponse, OneHopRoute

WRITERS = {Role.COMMUNITY_STAFF.value, Role.GRID_WORKER.value, Role.ADMIN.value}
DEFAULT_WINDOW = timedelta(days=90)
MAX_RESULTS = 1000


class Open311Error(Exception):
    def __init__(self, code: int, description: str) -> None:
        super().__init__(description)
        self.code, self.description = code, description


# -- rendering --------------------------------------------------------------------


def _xml_value(parent: ET.Element, key: str, value: Any) -> None:
    child = ET.SubElement(parent, key)
    if isinstance(value, bool):
        child.text = "true" if value else "false"
    elif isinstance(value, list):
        item_tag = {"attributes": "attribute", "values": "value", "keywords": "keyword"}.get(key, "item")
        for item in value:
            _xml_item(child, item_tag, item)
    elif value is not None:
        child.text = str(value)


def _xml_item(parent: ET.Element, tag: str, item: Any) -> None:
    if isinstance(item, dict):
        element = ET.SubElement(parent, tag)
        for key, value in item.items():
            _xml_value(element, key, value)
    else:
        ET.SubElement(parent, tag).text = str(item)


def render(fmt: str, payload: Any, root: str, item: str, status: int = 200) -> Response:
    if fmt == "json":
        return JSONResponse(payload, status_code=status)
    element = ET.Element(root)
    for entry in payload if isinstance(payload, list) else [payload]:
        if root == item:  # a single object as the root (service definition)
            for key, value in entry.items():
                _xml_value(element, key, value)
        else:
            _xml_item(element, item, entry)
    body = b'<?xml version="1.0" encoding="utf-8"?>' + ET.tostring(element, encoding="utf-8")
    return Response(body, status_code=status, media_type="text/xml; charset=utf-8")


def error(fmt: str, code: int, description: str) -> Response:
    return render(fmt if fmt in ("json", "xml") else "json", [{"code": code, "description": description}],
                  "errors", "error", status=code)


def _format(fmt: str) -> str:
    if fmt not in ("json", "xml"):
        raise Open311Error(400, f"format must be json or xml, not {fmt!r}")
    return fmt


# -- mapping --------------------------------------------------------------------


def service(category: CaseCategory) -> dict[str, Any]:
    spec = CATALOGUE[category]
    return {"service_code": category.value, "service_name": spec.name, "description": spec.description,
            "metadata": bool(spec.attributes), "type": "realtime", "keywords": category.value.replace("_", ","),
            "group": spec.group}


def service_definition(category: CaseCategory) -> dict[str, Any]:
    attributes = [
        {"variable": True, "code": a.code, "datatype": a.datatype, "required": a.required,
         "datatype_description": "" if a.values else "Free text", "order": order, "description": a.description,
         "values": [{"key": key, "name": name} for key, name in a.values]}
        for order, a in enumerate(CATALOGUE[category].attributes, start=1)
    ]
    return {"service_code": category.value, "attributes": attributes}


def service_request(case: Case) -> dict[str, Any]:
    location = case.location or {}
    return {
        "service_request_id": str(case.id),
        "status": "open" if case.is_open else "closed",
        "status_notes": case.status_notes,
        "service_name": CATALOGUE[CaseCategory(case.category)].name,
        "service_code": case.category,
        "description": case.description,
        "agency_responsible": case.assignee,
        "service_notice": None,
        "requested_datetime": case.created_on.isoformat(),
        "updated_datetime": case.modified_on.isoformat(),
        "expected_datetime": case.deadline.isoformat() if case.deadline else None,
        "address": location.get("address"),
        "address_id": None,
        "zipcode": None,
        "lat": location.get("lat"),
        "long": location.get("long"),
        "media_url": None,
    }


EARLIEST = datetime(1900, 1, 1, tzinfo=UTC)
LATEST = datetime(9000, 1, 1, tzinfo=UTC)


def _date(value: str | None, name: str) -> datetime | None:
    if not value:
        return None
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise Open311Error(400, f"{name} must be a W3C datetime, e.g. 2010-01-01T00:00:00Z") from None
    parsed = parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)
    if not EARLIEST <= parsed <= LATEST:  # the search window arithmetic must stay in range
        raise Open311Error(400, f"{name} must be between {EARLIEST.year} and {LATEST.year}")
    return parsed


def _codes(value: str | None) -> set[str]:
    return {v.strip() for v in (value or "").split(",") if v.strip()}


# -- use cases ----------------------------------------------------------------------


def _jurisdiction(grid: GridApplication, jurisdiction_id: str | None) -> str | None:
    if jurisdiction_id:
        try:
            grid.community(jurisdiction_id)
        except NotFound:
            raise Open311Error(404, f"jurisdiction_id {jurisdiction_id!r} not found") from None
    return jurisdiction_id or None


def _category(code: str) -> CaseCategory:
    try:
        return CaseCategory(code)
    except ValueError:
        raise Open311Error(404, f"service_code {code!r} not found") from None


def list_requests(grid: GridApplication, params: dict[str, str]) -> list[dict[str, Any]]:
    community = _jurisdiction(grid, params.get("jurisdiction_id"))
    ids = _codes(params.get("service_request_id"))
    cases = [c for c in grid.cases() if community in (None, c.community_id)]
    if ids:  # the spec: with service_request_id, the other filters are ignored
        return [service_request(c) for c in cases if str(c.id) in ids]
    codes = _codes(params.get("service_code"))
    statuses = _codes(params.get("status"))
    if statuses - {"open", "closed"}:
        raise Open311Error(400, "status must be open, closed or both (comma-separated)")
    start, end = _date(params.get("start_date"), "start_date"), _date(params.get("end_date"), "end_date")
    if start is None and end is None:
        start = clock.now() - DEFAULT_WINDOW
    elif start is None:
        start = end - DEFAULT_WINDOW  # type: ignore[operator]
    elif end is None:
        end = start + DEFAULT_WINDOW
    selected = [
        c for c in cases
        if (not codes or c.category in codes)
        and (not statuses or ("open" if c.is_open else "closed") in statuses)
        and c.created_on >= start and (end is None or c.created_on <= end)
    ]
    selected.sort(key=lambda c: c.created_on, reverse=True)
    return [service_request(c) for c in selected[:MAX_RESULTS]]


def create_request(grid: GridApplication, request: Request, form: dict[str, str]) -> list[dict[str, Any]]:
    key = form.get("api_key")
    if not key:
        raise Open311Error(403, "api_key is required")
    try:
        principal = request.app.state.verifier.verify(key)
    except Exception:  # noqa: BLE001 - any rejection is an invalid key
        raise Open311Error(403, "api_key is not valid") from None
    role = next((r for r in (Role.COMMUNITY_STAFF, Role.GRID_WORKER, Role.ADMIN) if r.value in principal.roles), None)
    if role is None:
        raise Open311Error(403, "api_key does not allow creating service requests")
    community = _jurisdiction(grid, form.get("jurisdiction_id"))
    if community is None:
        mine = [c for c in principal.communities if c != ALL_COMMUNITIES]
        known = [c["id"] for c in grid.communities()]
        choices = mine if len(mine) == 1 and ALL_COMMUNITIES not in principal.communities else known
        if len(choices) != 1:
            raise Open311Error(400, "jurisdiction_id is required")
        community = choices[0]
    if role != Role.ADMIN and not principal.covers(community):
        raise Open311Error(403, f"api_key does not cover jurisdiction {community!r}")
    if not form.get("service_code"):
        raise Open311Error(400, "service_code is required")
    category = _category(form["service_code"])
    location: dict[str, Any] = {}
    if form.get("lat") or form.get("long"):
        try:
            location = {"lat": float(form["lat"]), "long": float(form["long"])}
        except (KeyError, ValueError):
            raise Open311Error(400, "lat and long must both be given as numbers") from None
    if form.get("address_string"):
        location["address"] = form["address_string"][:500]
    if not location:
        raise Open311Error(400, "a location is required: lat and long, or address_string")
    attributes = {k[len("attribute["):-1]: v for k, v in form.items() if k.startswith("attribute[") and k.endswith("]")}
    contact = {k: form[k][:200] for k in ("first_name", "last_name", "email", "phone", "device_id", "account_id")
               if form.get(k)}
    description = (form.get("description") or CATALOGUE[category].name)[:2000]
    actor = Actor(subject=principal.subject, role=role.value, pseudonym=pseudonym(principal.subject),
                  communities=tuple(sorted(principal.communities)),
                  correlation_id=(request.headers.get("x-request-id") or None))
    try:
        report = ReportServiceRequest(community_id=community, category=category, description=description,
                                      channel=Channel.OPEN311, location=location, reporter_contact=contact or None,
                                      attributes=attributes)
        case_id = grid.report_case(actor, report)
    except (DomainError, ValidationError) as exc:
        raise Open311Error(400, str(exc)) from None
    return [{"service_request_id": str(case_id), "service_notice": None, "account_id": None}]


# -- routes -------------------------------------------------------------------------


def router() -> APIRouter:
    api = APIRouter(tags=["open311"], route_class=OneHopRoute)

    def grid_of(request: Request) -> GridApplication:
        return request.app.state.application

    async def answer(fmt: str, root: str, item: str, work: Any, status: int = 200) -> Response:
        try:
            return render(_format(fmt), await run_in_threadpool(work), root, item, status)
        except Open311Error as exc:
            return error(fmt, exc.code, exc.description)

    @api.get("/services.{fmt}")
    async def services(fmt: str, request: Request) -> Response:
        def work() -> list[dict[str, Any]]:
            _jurisdiction(grid_of(request), request.query_params.get("jurisdiction_id"))
            return [service(c) for c in CaseCategory]

        return await answer(fmt, "services", "service", work)

    @api.get("/services/{service_code}.{fmt}")
    async def definition(service_code: str, fmt: str, request: Request) -> Response:
        def work() -> dict[str, Any]:
            _jurisdiction(grid_of(request), request.query_params.get("jurisdiction_id"))
            return service_definition(_category(service_code))

        return await answer(fmt, "service_definition", "service_definition", work)

    @api.post("/requests.{fmt}")
    async def create(fmt: str, request: Request) -> Response:
        form = {k: v for k, v in (await request.form()).items() if isinstance(v, str)}
        return await answer(fmt, "service_requests", "request",
                            lambda: create_request(grid_of(request), request, form), status=201)

    @api.get("/requests.{fmt}")
    async def search(fmt: str, request: Request) -> Response:
        params = dict(request.query_params)
        return await answer(fmt, "service_requests", "request", lambda: list_requests(grid_of(request), params))

    @api.get("/requests/{request_id}.{fmt}")
    async def one(request_id: str, fmt: str, request: Request) -> Response:
        def work() -> list[dict[str, Any]]:
            grid = grid_of(request)
            community = _jurisdiction(grid, request.query_params.get("jurisdiction_id"))
            try:
                case: Case = grid.get(request_id, Case, "case")
            except NotFound:
                raise Open311Error(404, f"service_request_id {request_id} not found") from None
            if community not in (None, case.community_id):
                raise Open311Error(404, f"service_request_id {request_id} not found in {community}")
            return [service_request(case)]

        return await answer(fmt, "service_requests", "request", work)

    return api
