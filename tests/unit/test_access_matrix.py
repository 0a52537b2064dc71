"""The 401/403 matrix of every write route of every service, generated from the services' OpenAPI documents.

Each write route (POST, PUT, PATCH, DELETE in an app's OpenAPI document) is called with a request that is
valid by its schema: path parameters and body fields naming records are filled with real ones of community
"jinpen" (tests/api_world.py), everything else is the smallest value the schema allows (`example`), or an
explicit body where a model's own rule needs more (`BODIES`). Then, for every route:

- no token: 401 (with a Bearer challenge);
- a read-only role (district operator of every community, auditor of jinpen): 403;
- staff of another community, holding every role a write may need (community staff, grid worker, welfare
  officer): 403, naming jinpen (the use case's own community check, past the role check);
- and nothing is stored by any of the three;
- then the same roles for jinpen: neither 401 nor 403 (the refusals above were about the token, not the
  request), except for the routes only an admin may call (`ADMIN_ONLY`).

A new write route is in the matrix as soon as it is in an OpenAPI document; one whose request the generator
cannot make valid fails here until `BODIES` has it. Whether list routes leak another community's rows is
tests/unit/test_list_scoping.py (also found from the routes).
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from typing import Any

import pytest

from bootstrap.registry import domain_services
from shared.kernel.actor import Role
from tests.api_world import COMMUNITY, seed
from tests.conftest import measured
from tests.unit.test_list_scoping import EVERY_ROLE, FILL

SERVICES = [d.name for d in domain_services()]
WRITE_METHODS = ("post", "put", "patch", "delete")
WRITE_ROLES = ["community_staff", "grid_worker", "welfare_officer"]
OTHER = "elsewhere"

ADMIN_ONLY = {("grid", "POST", "/communities")}
"""Routes only an admin may call: every staff token, of any community, gets 403."""

OPEN311 = ("grid", "POST", "/open311/v2/requests.{fmt}")
"""Open311 GeoReport v2 carries its key in the form (`api_key`, not a bearer token) and answers 403 without one,
as the spec's clients expect; its matrix is `test_open311_refuses_by_its_api_key`."""

CANDIDATES = [COMMUNITY, "2024-05", "500107197001010027", "13800000000", "HH-1", "x"]
"""Strings tried in turn against a field's pattern and length: the first that fits is the field's value."""

ALIASES = {"members": "person_id", "present": "seeker_id", "applicant_id": "person_id"}
"""Fields (or, for arrays, their items) that name records of the world under another name."""

SOME_UUID = "c0ffee00-0000-4000-8000-000000000001"

BODIES: dict[tuple[str, str, str], dict[str, Any]] = {
    ("grid", "POST", "/cases/{case_id}/assign"): {"worker_id": "w-1"},
    ("grid", "POST", "/cases/{case_id}/reject"): {"reason": "not_our_responsibility"},
    ("welfare", "POST", "/relief"): {"community_id": COMMUNITY, "occasion": "festival_visit", "kind": "cash",
                                     "person_id": "{person_id}", "value_fen": 100, "on": "2024-02-09"},
    ("grid", "POST", "/visits"): {"community_id": COMMUNITY, "grid_cell_id": "{grid_cell_id}",
                                  "target_kind": "household", "target_id": "HH-1", "purpose": "routine",
                                  "visited_on": date.today().isoformat()},
}
"""Bodies a model's own rule (beyond its JSON schema) needs; "{name}" is a record of the world."""

SEARCHES = {("welfare", "POST", "/persons/search")}
"""Reads sent as a POST (a filter kept out of URLs): another community's staff find nothing, and asking for
jinpen by name is 403; jinpen's own staff find jinpen's rows."""

SCOPED_BY_TOKEN = {("volunteering", "POST", "/help-requests/expire-overdue"): {"now": "2100-01-01T00:00:00Z"}}
"""Routes that act on every record the token's communities hold (no community in the request): another
community's staff are answered, and nothing of jinpen changes; jinpen's own staff do change it."""


def resolve(schema: dict[str, Any], spec: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in schema:
        schema = spec["components"]["schemas"][schema["$ref"].rsplit("/", 1)[-1]]
    return schema


def example(schema: dict[str, Any], spec: dict[str, Any], ids: dict[str, Any], name: str | None = None) -> Any:
    """The smallest value `schema` allows, with fields that name records filled from the world `ids`."""
    schema = resolve(schema, spec)
    if schema.get("type", "string") == "string" and schema.get("type") != "array":
        for known in (name, ALIASES.get(name or "")):
            if known in ids:
                return str(ids[known])
    for key in ("anyOf", "oneOf", "allOf"):
        if key in schema:
            options = [resolve(s, spec) for s in schema[key]]
            return example(next((o for o in options if o.get("type") != "null"), options[0]), spec, ids, name)
    if "const" in schema:
        return schema["const"]
    if "enum" in schema:
        return schema["enum"][0]
    kind = schema.get("type")
    if kind == "object" or "properties" in schema:
        properties = schema.get("properties", {})
        return {field: example(properties.get(field, {}), spec, ids, field) for field in schema.get("required", [])}
    if kind == "array":
        item = example(schema.get("items", {}), spec, ids, ALIASES.get(name or ""))
        return [item] * max(schema.get("minItems", 0), 1 if name in ALIASES else 0)
    if kind in ("integer", "number"):
        low = schema.get("minimum", schema.get("exclusiveMinimum", 0) + 1 if "exclusiveMinimum" in schema else 1)
        value = min(max(low, 1), schema.get("maximum", max(low, 1)))
        return int(value) if kind == "integer" else value
    if kind == "boolean":
        return False
    if schema.get("format") == "date":
        return "2024-05-01"
    if schema.get("format") == "uuid":
        return SOME_UUID
    if schema.get("format") == "date-time":
        return datetime.now(UTC).replace(microsecond=0).isoformat()
    shortest, longest = max(schema.get("minLength", 1), 1), schema.get("maxLength", 10_000)
    fits = [c for c in CANDIDATES + ["x" * shortest] if shortest <= len(c) <= longest
            and re.search(schema.get("pattern", ""), c)]
    return fits[0] if fits else "x" * shortest


def fill(value: Any, ids: dict[str, Any]) -> Any:
    if isinstance(value, str):
        return value.format(**ids)
    if isinstance(value, dict):
        return {k: fill(v, ids) for k, v in value.items()}
    if isinstance(value, list):
        return [fill(v, ids) for v in value]
    return value


def write_routes(spec: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    return [(method.upper(), path, operation) for path, operations in spec["paths"].items()
            for method, operation in operations.items() if method in WRITE_METHODS]


def request_for(service: str, method: str, path: str, operation: dict[str, Any], spec: dict[str, Any],
                ids: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    """The route's URL and request arguments: real records in the path, a schema-valid body."""
    missing = set(re.findall(r"\{(\w+)\}", path)) - set(ids)
    assert not missing, f"{method} {path}: the world has no record for {sorted(missing)} (tests/api_world.py)"
    url = path.format(**{k: str(v) for k, v in ids.items()})
    body_schema = operation.get("requestBody", {}).get("content", {}).get("application/json", {}).get("schema")
    given = BODIES.get((service, method, path), SCOPED_BY_TOKEN.get((service, method, path)))
    if given is not None:
        return url, {"json": fill(given, ids)}
    return url, ({"json": example(body_schema, spec, ids)} if body_schema is not None else {})


@pytest.fixture
def world(service_client, auth):
    """service -> (client, its OpenAPI document, the records of its world)."""
    built = {}

    def make(service: str):
        if service not in built:
            client = service_client(next(d for d in domain_services() if d.name == service))
            headers = auth(*[r.value for r in Role], communities=["*"], subject="fuzzer")
            ids = seed(service, client.app, headers)
            built[service] = (client, client.app.openapi(), ids)
        return built[service]

    return make


def stored(client) -> int:  # noqa: ANN001
    return client.application.recorder.max_notification_id() or 0


@pytest.mark.parametrize("service", SERVICES)
def test_every_write_route_refuses_the_wrong_token(service, world, auth, request):
    client, spec, ids = world(service)
    refusals = {"none": {}, "operator": auth("district_operator", communities=["*"]),
                "auditor": auth("auditor", communities=[COMMUNITY]),
                "foreign": auth(*WRITE_ROLES, communities=[OTHER], subject="fuzzer")}
    own = auth(*WRITE_ROLES, communities=[COMMUNITY], subject="fuzzer")
    wrong: list[str] = []
    routes = 0
    for method, path, operation in write_routes(spec):
        if (service, method, path) == OPEN311:
            continue
        routes += 1
        url, arguments = request_for(service, method, path, operation, spec, ids)
        before = stored(client)
        answers = {}
        for who, headers in refusals.items():
            answers[who] = client.request(method, url, headers=headers, **arguments)
        scoped = (service, method, path) in SCOPED_BY_TOKEN
        search = (service, method, path) in SEARCHES
        if search:
            client.query_tables.catch_up()
        expected = {"none": 401, "operator": 403, "auditor": 403, "foreign": 200 if scoped or search else 403}
        got = {who: r.status_code for who, r in answers.items()}
        if got != expected:
            wrong.append(f"{method} {path}: {got} (expected {expected}); foreign said {answers['foreign'].text[:200]}")
            continue
        if "bearer" not in answers["none"].headers.get("www-authenticate", "").lower():
            wrong.append(f"{method} {path}: a 401 without a Bearer challenge")
        admin_only = (service, method, path) in ADMIN_ONLY
        if search:
            named = client.request(method, url, headers=refusals["foreign"], json={"community_id": COMMUNITY})
            if answers["foreign"].json()["items"] != [] or named.status_code != 403:
                wrong.append(f"{method} {path}: another community's search found {answers['foreign'].text[:200]}"
                             f" / asking for jinpen answered {named.status_code}")
        elif not (admin_only or scoped) and COMMUNITY not in answers["foreign"].json()["detail"]:
            wrong.append(f"{method} {path}: foreign staff refused for another reason: {answers['foreign'].text[:200]}")
        if stored(client) != before:
            wrong.append(f"{method} {path}: a refused request stored events")
        allowed = client.request(method, url, headers=own, **arguments)
        if admin_only != (allowed.status_code in (401, 403)):
            wrong.append(f"{method} {path}: jinpen's own staff got {allowed.status_code}: {allowed.text[:300]}")
        if scoped and stored(client) == before:
            wrong.append(f"{method} {path}: jinpen's own staff changed nothing, so the scoping was not shown")
        if search and {row["community_id"] for row in allowed.json()["items"]} != {COMMUNITY}:
            wrong.append(f"{method} {path}: jinpen's own staff did not find jinpen's rows: {allowed.text[:200]}")
    measured(request, f"access matrix {service}: {routes} write routes x 5 tokens (none 401, operator 403, "
                      f"auditor 403, other community 403, own community allowed); {len(wrong)} wrong")
    assert routes >= 10
    assert not wrong, "\n".join(wrong)


def test_the_district_write_routes_are_for_admins_only(read_settings, mongo_client, auth):
    from fastapi.testclient import TestClient

    from bootstrap.runtime import build_district_http, build_verifier

    app = build_district_http(read_settings, mongo_client, {}, build_verifier(read_settings))
    client = TestClient(app, raise_server_exceptions=False)
    spec = app.openapi()
    routes = write_routes(spec)
    assert ("POST", "/admin/rebuild") in [(m, p) for m, p, _ in routes]
    for method, path, operation in routes:
        url = re.sub(r"\{\w+\}", "x", path)
        body = operation.get("requestBody", {}).get("content", {}).get("application/json", {}).get("schema")
        arguments = {"json": example(body, spec, {})} if body is not None else {}
        assert client.request(method, url, **arguments).status_code == 401, path
        for roles, communities in ((["district_operator"], ["*"]), (["auditor"], [COMMUNITY]),
                                   (WRITE_ROLES, ["*"])):
            refused = client.request(method, url, headers=auth(*roles, communities=communities), **arguments)
            assert refused.status_code == 403, (path, roles, refused.text)
        assert client.request(method, url, headers=auth("admin"), **arguments).status_code not in (401, 403), path


def test_open311_refuses_by_its_api_key(world, dev_keys):
    client, _, ids = world("grid")
    form = {"service_code": "sanitation", "description": "rubbish", "jurisdiction_id": COMMUNITY,
            "lat": "26.4", "long": "112.8"}
    before = stored(client)
    assert client.post("/open311/v2/requests.json", data=form).status_code == 403
    for roles, communities in ((["district_operator"], ["*"]), (["auditor"], [COMMUNITY]),
                               (["community_staff"], [OTHER])):
        key = dev_keys.mint("open311-client", roles, communities)
        assert client.post("/open311/v2/requests.json", data={**form, "api_key": key}).status_code == 403, roles
    assert stored(client) == before
    key = dev_keys.mint("open311-client", ["community_staff"], [COMMUNITY])
    assert client.post("/open311/v2/requests.json", data={**form, "api_key": key}).status_code == 201


@pytest.mark.parametrize(("service", "path"), sorted(FILL))
def test_no_token_of_another_community_lists_its_rows(service_client, auth, service, path):
    """Beside tests/unit/test_list_scoping.py (staff of another community): every other kind of token."""
    client = service_client(next(d for d in domain_services() if d.name == service))
    FILL[(service, path)](client, auth(*EVERY_ROLE), COMMUNITY)
    client.query_tables.catch_up()
    assert client.get(path).status_code == 401
    for roles in (["auditor"], ["district_operator"], WRITE_ROLES, [r.value for r in Role if r != Role.ADMIN]):
        headers = auth(*roles, communities=[OTHER])
        listed = client.get(path, headers=headers)
        assert listed.status_code == 403 or listed.json()["items"] == [], (roles, listed.text[:300])
        asked = client.get(path, params={"community_id": COMMUNITY}, headers=headers)
        assert asked.status_code == 403, (roles, asked.text[:300])
