"""Security across services: the audit trail, personal data kept from district operators, hostile requests.

(a) `GET /audit` shows who did each change (subject, role, request id), filters and pages; auditors only.
(b) A district operator reads no personal data anywhere: every GET route of every domain service is 403
    for them, and the district read models (and the district HTTP API) hold none of the personal strings.
(c) Request bodies over the limit are 413.
(d) Expired, forged, role-less tokens: 401 or 403, never a read.
"""

from __future__ import annotations

import json
import re
import time
import uuid
from datetime import datetime, timedelta
from typing import Any

import jwt
import pytest

from services.economy.config import SERVICE as ECONOMY
from services.grid.config import SERVICE as GRID
from services.volunteering.config import SERVICE as VOLUNTEERING
from services.welfare.config import SERVICE as WELFARE
from shared.kernel.actor import pseudonym
from shared.platform.auth import DEV_AUDIENCE, DEV_ISSUER, DevelopmentKeys
from shared.platform.projector import Delivery, ReadModelWriter

JINPEN = {"id": "jinpen", "name": "Jinpen", "district": "Leiyang", "households": 8325, "residents": 35353,
          "floating_population": 2000}

# Personal data written below; none of it may reach a district operator.
PERSON_NAME, NATIONAL_ID, PERSON_PHONE, PERSON_ADDRESS = "王翠兰", "50010719580214432X", "13912345678", "华龙家园5栋2单元"
REPORTER = {"name": "李秀英", "phone": "13800001111", "email": "li.xiuying@example.org"}
LANDLORD = {"name": "赵德明", "phone": "13700002222"}
RENTAL_ADDRESS = "金盆路88号3单元"
TENANT = {"name": "钱小红", "id_number": "430481199001011234"}
SUPERVISED = {"name": "孙大伟", "id_number": "430481198505052345"}
VOLUNTEER_NAME, VOLUNTEER_PHONE = "周志强", "13600003333"
PERSONAL = [PERSON_NAME, NATIONAL_ID, PERSON_PHONE, PERSON_ADDRESS, *REPORTER.values(), *LANDLORD.values(),
            RENTAL_ADDRESS, *TENANT.values(), *SUPERVISED.values(), VOLUNTEER_NAME, VOLUNTEER_PHONE]


def welfare_prefix(app: Any) -> str:
    """Welfare's routes have lived under `/welfare` inside the app and at its root; work with either."""
    return "/welfare" if any(p.startswith("/welfare/") for p in app.openapi()["paths"]) else ""


def created(response) -> str:
    assert response.status_code == 201, response.text
    return response.json()["id"]


@pytest.fixture
def clients(service_client, monkeypatch):
    monkeypatch.delenv("WELFARE_CIPHER_KEY", raising=False)
    return {d.name: service_client(d) for d in (GRID, ECONOMY, WELFARE, VOLUNTEERING)}


@pytest.fixture
def world(clients, auth) -> dict[str, Any]:
    """Personal data in grid, welfare and volunteering, written by three different people with request ids."""
    grid, welfare, volunteering = clients["grid"], clients["welfare"], clients["volunteering"]
    admin = auth("admin", subject="admin-li")
    staff = auth("community_staff", communities=["jinpen"], subject="staff-chen")
    officer = auth("welfare_officer", communities=["jinpen"], subject="officer-wang")
    ids: dict[str, Any] = {"community_id": "jinpen"}
    w = welfare_prefix(welfare.app)

    assert grid.post("/communities", json=JINPEN, headers={**admin, "X-Request-ID": "req-community"}).status_code == 201
    ids["case_id"] = created(grid.post("/cases", headers={**staff, "X-Request-ID": "req-case"}, json={
        "community_id": "jinpen", "category": "sanitation", "description": "垃圾堆放在楼道",
        "location": {"address": "金盆小区3栋"}, "reporter_contact": REPORTER}))
    response = grid.post(f"/cases/{ids['case_id']}/accept", headers={**staff, "X-Request-ID": "req-accept"})
    assert response.status_code == 200, response.text
    ids["rental_id"] = created(grid.post("/rentals", headers=staff, json={
        "community_id": "jinpen", "address": RENTAL_ADDRESS, "landlord": LANDLORD}))
    response = grid.post(f"/rentals/{ids['rental_id']}/tenants", headers=staff,
                         json={"size": 2, "floating": True, "details": TENANT})
    assert response.status_code == 200, response.text
    ids["household_id"] = response.json()["household_id"]
    ids["follow_up_id"] = created(grid.post("/follow-ups", headers=staff, json={
        "community_id": "jinpen", "group": "community_correction", "person": SUPERVISED}))

    ids["person_id"] = created(welfare.post(f"{w}/persons", headers={**officer, "X-Request-ID": "req-person"}, json={
        "community_id": "jinpen", "name": PERSON_NAME, "national_id": NATIONAL_ID, "phone": PERSON_PHONE,
        "address": PERSON_ADDRESS, "birth_date": "1958-02-14",
        "categories": [{"category": "disabled", "disability_type": "physical", "disability_grade": 2}]}))
    read = welfare.get(f"{w}/persons/{ids['person_id']}", params={"purpose": "annual review"},
                       headers={**officer, "X-Request-ID": "req-read"})
    assert read.status_code == 200 and read.json()["name"] == PERSON_NAME
    response = welfare.put(f"{w}/communities/jinpen/threshold", headers=officer,
                           json={"threshold_fen": 62_000, "effective_from": "2024-01-01"})
    assert response.status_code == 200, response.text
    ids["welfare_household_id"] = created(welfare.post(f"{w}/households", headers=officer, json={
        "community_id": "jinpen", "members": [ids["person_id"]], "income_per_person_fen": 30_000}))

    ids["volunteer_id"] = created(volunteering.post("/volunteers", headers=staff, json={
        "community_id": "jinpen", "name": VOLUNTEER_NAME, "phone": VOLUNTEER_PHONE, "skills": ["first aid"]}))
    return ids


def audit(client, headers, **params) -> dict[str, Any]:
    response = client.get("/audit", headers=headers, params=params)
    assert response.status_code == 200, response.text
    return response.json()


def every_entry(client, headers, limit: int = 100, **params) -> list[dict[str, Any]]:
    entries, after = [], 0
    while True:
        page = audit(client, headers, after=after, limit=limit, **params)
        entries += page["entries"]
        if page["next_after"] is None:
            return entries
        assert page["next_after"] > after
        after = page["next_after"]


# -- (a) audit ------------------------------------------------------------------------------------------------


def test_audit_shows_who_did_each_change(clients, world, auth):
    grid, welfare = clients["grid"], clients["welfare"]
    auditor = auth("auditor", communities=["*"], subject="auditor-zhou")

    grid_entries = every_entry(grid, auditor)
    assert grid_entries and all(e["actor"] is not None for e in grid_entries)
    by_request = {e["actor"]["correlation_id"]: e for e in grid_entries}
    assert by_request["req-community"]["actor"] | {"pseudonym": None} == {
        "subject": "admin-li", "role": "admin", "pseudonym": None, "correlation_id": "req-community"}
    case_entry = by_request["req-case"]
    assert case_entry["aggregate_id"] == world["case_id"] and case_entry["aggregate_type"] == "Case"
    assert case_entry["actor"] == {"subject": "staff-chen", "role": "community_staff",
                                   "pseudonym": pseudonym("staff-chen"), "correlation_id": "req-case"}
    assert case_entry["community_id"] == "jinpen" and datetime.fromisoformat(case_entry["time"]).tzinfo
    assert case_entry["event"] == "Reported" and by_request["req-accept"]["event"] == "Accepted"
    assert by_request["req-community"]["aggregate_type"] == "Community"
    positions = [e["position"] for e in grid_entries]
    assert positions == sorted(positions) and len(set(positions)) == len(positions)

    welfare_entries = every_entry(welfare, auditor)
    registered = [e for e in welfare_entries if e["actor"]["correlation_id"] == "req-person"]
    assert {e["aggregate_type"] for e in registered} >= {"Person"}
    assert all(e["actor"]["subject"] == "officer-wang" and e["actor"]["role"] == "welfare_officer"
               for e in registered)
    # reading personal data is audited like a change
    [read] = [e for e in welfare_entries if e["actor"]["correlation_id"] == "req-read"]
    assert read["aggregate_id"] == world["person_id"] and read["event"] == "RecordRead"
    assert read["actor"]["subject"] == "officer-wang"
    # the audit shows names of events and ids, never the personal payload
    raw = json.dumps(welfare_entries, ensure_ascii=False) + json.dumps(grid_entries, ensure_ascii=False)
    assert not [s for s in PERSONAL if s in raw]


def test_audit_filters_and_paging(clients, world, auth):
    grid = clients["grid"]
    auditor = auth("auditor", communities=["*"], subject="auditor-zhou")
    everything = every_entry(grid, auditor)
    assert len(everything) >= 5

    # paging: one entry a page gives the same entries in the same order
    assert every_entry(grid, auditor, limit=1) == everything
    first = audit(grid, auditor, limit=2)
    assert [e["position"] for e in first["entries"]] == [e["position"] for e in everything[:2]]
    assert first["next_after"] == everything[1]["position"]
    rest = audit(grid, auditor, after=first["next_after"], limit=500)
    assert rest["entries"] == everything[2:] and rest["next_after"] is None

    # by actor
    by_staff = every_entry(grid, auditor, actor="staff-chen")
    assert by_staff and all(e["actor"]["subject"] == "staff-chen" for e in by_staff)
    assert len(by_staff) == len([e for e in everything if e["actor"]["subject"] == "staff-chen"])
    assert every_entry(grid, auditor, actor="nobody") == []
    # by aggregate
    by_case = every_entry(grid, auditor, aggregate=world["case_id"])
    assert len(by_case) >= 2 and {e["aggregate_id"] for e in by_case} == {world["case_id"]}
    # by community
    assert every_entry(grid, auditor, community="jinpen") == [e for e in everything if e["community_id"] == "jinpen"]
    assert every_entry(grid, auditor, community="huasheng") == []
    # by time (inclusive bounds)
    case_time = datetime.fromisoformat(by_case[0]["time"])
    since = every_entry(grid, auditor, **{"from": case_time.isoformat()})
    assert since and all(datetime.fromisoformat(e["time"]) >= case_time for e in since)
    assert by_case[0] in since
    until = every_entry(grid, auditor, to=case_time.isoformat())
    assert by_case[0] in until and all(datetime.fromisoformat(e["time"]) <= case_time for e in until)
    later = (datetime.fromisoformat(everything[-1]["time"]) + timedelta(hours=1)).isoformat()
    assert every_entry(grid, auditor, **{"from": later}) == []
    assert every_entry(grid, auditor, to="2000-01-01T00:00:00Z") == []
    # combined
    combined = every_entry(grid, auditor, actor="staff-chen", aggregate=world["case_id"], community="jinpen")
    assert combined and all(e["actor"]["subject"] == "staff-chen" for e in combined)

    # bad parameters are 422, never 500
    for params in ({"limit": 501}, {"limit": 0}, {"after": -1}, {"aggregate": "not-a-uuid"}, {"from": "yesterday"}):
        assert grid.get("/audit", headers=auditor, params=params).status_code == 422, params


def test_audit_is_for_auditors_of_the_community(clients, world, auth):
    grid, welfare = clients["grid"], clients["welfare"]
    for client in (grid, welfare, clients["economy"], clients["volunteering"]):
        assert client.get("/audit").status_code == 401
        for role in ("admin", "community_staff", "welfare_officer", "district_operator", "grid_worker"):
            assert client.get("/audit", headers=auth(role)).status_code == 403, role
    elsewhere = auth("auditor", communities=["huasheng"], subject="auditor-he")
    assert every_entry(grid, elsewhere) == []
    assert grid.get("/audit", headers=elsewhere, params={"community": "jinpen"}).status_code == 403
    local = auth("auditor", communities=["jinpen"], subject="auditor-wu")
    entries = every_entry(welfare, local)
    assert entries and {e["community_id"] for e in entries} == {"jinpen"}


# -- (b) district operators never read personal data ------------------------------------------------------------


def path_for(template: str, ids: dict[str, Any]) -> str:
    values = {"year": "2024", "fmt": "json", "service_code": "sanitation", "aggregate_id": ids["follow_up_id"],
              "request_id": ids["case_id"], "lease_id": str(uuid.uuid4()), "entry_id": str(uuid.uuid4()),
              "worker_id": "w-1", **ids}
    return re.sub(r"\{(\w+)\}", lambda m: str(values.get(m.group(1), uuid.uuid4())), template)


# The community directory (names and head counts of communities) is for every signed-in role, district
# operators included: it holds no personal data. Any other GET route a district operator can read fails the test.
DIRECTORY = {("grid", "/communities"), ("grid", "/communities/{community_id}")}


def leaked(text: str) -> list[str]:
    return [s for s in PERSONAL if s in text]


def test_district_operator_cannot_read_personal_data_over_http(clients, world, auth):
    operator = auth("district_operator", communities=["*"], subject="operator-sun")
    checked: set[tuple[str, str]] = set()
    for name, client in clients.items():
        paths = client.app.openapi()["paths"]
        for template, item in paths.items():
            if "get" not in item:
                continue
            path = path_for(template, world)
            anonymous = client.get(path)
            if anonymous.status_code != 401:
                # a public route (directory, Open311, event catalogue): it must show nothing personal either
                assert not leaked(anonymous.text), (name, template)
                assert not leaked(client.get(path, headers=operator).text), (name, template)
                continue
            response = client.get(path, headers=operator)
            assert not leaked(response.text), (name, template)
            if (name, template) in DIRECTORY:
                assert response.status_code == 200 and "jinpen" in response.text
                continue
            assert response.status_code == 403, (name, template, response.status_code, response.text)
            checked.add((name, template))
    w = welfare_prefix(clients["welfare"].app)
    assert ("welfare", f"{w}/persons/{{person_id}}") in checked and ("grid", "/cases/{case_id}") in checked
    assert {name for name, _ in checked} == set(clients) and len(checked) >= 25
    # the same reads succeed for their own roles, so the 403s above are about the role
    officer = auth("welfare_officer", communities=["jinpen"])
    assert clients["welfare"].get(f"{w}/persons/{world['person_id']}", headers=officer).status_code == 200


def project(clients, db) -> Any:  # noqa: ANN001
    from services.district.projections import projections
    from services.grid.contract import contract as grid_contract
    from services.volunteering.contract import contract as volunteering_contract
    from services.welfare.contract import contract as welfare_contract

    writer = ReadModelWriter(db, projections())
    failures: list[str] = []
    for name, contract in (("grid", grid_contract), ("welfare", welfare_contract),
                           ("volunteering", volunteering_contract)):
        app = clients[name].application
        items = []
        for n in app.recorder.select_notifications(1, 100_000):
            envelope = contract.to_envelope(app.mapper.to_domain_event(n))
            if envelope is not None:
                items.append((envelope, contract.events.decode(envelope), Delivery(f"shequ.{name}.v1", 0, n.id, None, b"")))
        assert items, name
        writer.apply(items, lambda delivery, reason: failures.append(reason))
    assert failures == []
    return db


def test_district_read_models_hold_no_personal_data(clients, world, auth, read_settings, read_db, mongo_client):
    from bootstrap.runtime import build_district_http, build_verifier
    from fastapi.testclient import TestClient

    db = project(clients, read_db)
    documents = {name: list(db[name].find()) for name in db.list_collection_names()}
    assert documents and any(documents.values())
    dump = json.dumps(documents, ensure_ascii=False, default=str)
    assert "jinpen" in dump  # the projection did run over this world
    assert leaked(dump) == []

    # and the district API (the district operator's whole view) shows none of it
    settings = read_settings
    assert settings.mongo_database == read_db.name  # the district API reads the database projected into
    district = TestClient(build_district_http(settings, mongo_client, {}, build_verifier(settings)),
                          raise_server_exceptions=False)
    operator = auth("district_operator", communities=["*"], subject="operator-sun")
    paths = district.app.openapi()["paths"]
    queries = {"/rankings": {"indicator": "open_cases"}, "/timeseries": {"indicator": "open_cases"}}
    answered = 0
    for template, item in paths.items():
        if "get" not in item:
            continue
        response = district.get(path_for(template, world), headers=operator, params=queries.get(template, {}))
        assert response.status_code < 500, (template, response.text)
        assert leaked(response.text) == [], template
        answered += response.status_code == 200
    assert answered >= 4


# -- (c) body size --------------------------------------------------------------------------------------------


def test_body_over_the_limit_is_413(clients, auth):
    grid = clients["grid"]
    staff = auth("admin")
    limit = grid.app.state.max_body_bytes
    padding = "x" * (limit + 1)
    body = {**JINPEN, "name": padding}
    response = grid.post("/communities", json=body, headers=staff)
    assert response.status_code == 413 and "limit" in response.json()["detail"]
    assert grid.application.recorder.max_notification_id() in (None, 0)

    # streamed (chunked, no Content-Length): counted as it arrives
    def chunks():
        yield b'{"id": "jinpen", "name": "'
        for _ in range(limit // 1024 + 2):
            yield b"x" * 1024
        yield b'"}'

    response = grid.post("/communities", content=chunks(), headers={**staff, "Content-Type": "application/json"})
    assert response.status_code == 413
    # a declared length over the limit is refused before reading
    response = grid.post("/communities", content=b"{}", headers={**staff, "Content-Length": str(limit + 1)})
    assert response.status_code in (400, 413)
    # bodies within the limit go through
    assert grid.post("/communities", json=JINPEN, headers=staff).status_code == 201


def test_body_limit_follows_settings(tmp_path):
    from fastapi.testclient import TestClient

    from bootstrap.runtime import build_service, build_verifier
    from shared.platform.settings import Settings

    settings = Settings(SHEQU_DATA_DIR=tmp_path / "small", MAX_BODY_BYTES=2048)
    running = build_service(GRID, settings, None, build_verifier(settings), with_relay=False)
    try:
        client = TestClient(running.http, raise_server_exceptions=False)
        headers = {"Authorization": f"Bearer {DevelopmentKeys(settings.data_dir).mint('admin-li', ['admin'], ['*'])}"}
        assert client.post("/communities", json={**JINPEN, "name": "x" * 3000}, headers=headers).status_code == 413
        assert client.post("/communities", json={**JINPEN, "name": "x" * 100}, headers=headers).status_code == 201
    finally:
        running.application.close()


# -- (d) tokens -------------------------------------------------------------------------------------------------


def test_bad_tokens(clients, dev_keys, auth):
    grid = clients["grid"]
    now = int(time.time())

    def token(**claims: Any) -> dict[str, str]:
        base = {"iss": DEV_ISSUER, "aud": DEV_AUDIENCE, "sub": "mallory", "iat": now, "exp": now + 600,
                "roles": ["admin"], "communities": ["*"]}
        return {"Authorization": f"Bearer {jwt.encode({**base, **claims}, dev_keys.private_key, algorithm='ES256')}"}

    write = ("/communities", JINPEN)
    # expired (past the 30 s leeway): 401 naming the reason
    response = grid.post(write[0], json=write[1], headers=token(iat=now - 7200, exp=now - 3600))
    assert response.status_code == 401 and "expired" in response.json()["detail"]
    assert "invalid_token" in response.headers["www-authenticate"]
    # an unknown role grants nothing: 403 for every protected route
    unknown = token(roles=["superuser"])
    assert grid.post(write[0], json=write[1], headers=unknown).status_code == 403
    w = welfare_prefix(clients["welfare"].app)
    assert clients["welfare"].get(f"{w}/persons/{uuid.uuid4()}", headers=unknown).status_code == 403
    assert grid.get("/audit", headers=unknown).status_code == 403
    # malformed claims, wrong issuer or audience, wrong key, no signature: 401
    other_key = jwt.encode({"iss": DEV_ISSUER, "aud": DEV_AUDIENCE, "sub": "x", "exp": now + 600, "roles": ["admin"]},
                           "not-the-key-but-long-enough-for-hs256-0123456789", algorithm="HS256")
    unsigned = jwt.encode({"iss": DEV_ISSUER, "aud": DEV_AUDIENCE, "sub": "x", "exp": now + 600, "roles": ["admin"]},
                          None, algorithm="none")
    for headers in (token(roles="admin"), token(communities="*"), token(iss="someone-else"), token(aud="other"),
                    {"Authorization": f"Bearer {other_key}"}, {"Authorization": f"Bearer {unsigned}"},
                    {"Authorization": "Bearer not.a.jwt"}, {"Authorization": "Basic YWRtaW46YWRtaW4="},
                    {"Authorization": "Bearer "}):
        response = grid.post(write[0], json=write[1], headers=headers)
        assert response.status_code == 401, (headers, response.text)
    assert grid.application.recorder.max_notification_id() in (None, 0)
    # the right token still works
    assert grid.post(write[0], json=write[1], headers=auth("admin")).status_code == 201


# -- (e) errors raised inside handlers ----------------------------------------------------------------------------


def test_errors_inside_handlers_are_4xx_or_a_clean_500(settings):
    from fastapi.testclient import TestClient
    from pydantic import BaseModel

    from shared.platform.http import create_app
    from bootstrap.runtime import build_verifier

    app = create_app("probe", title="probe", readiness={}, verifier=build_verifier(settings))

    class Model(BaseModel):
        n: int

    @app.get("/validation")
    def validation() -> None:
        Model.model_validate({"n": "not a number"})

    @app.get("/value")
    def value() -> None:
        int("x")

    @app.get("/overflow")
    def overflow() -> None:
        datetime.max + timedelta(days=1)  # noqa: B018

    @app.get("/bug")
    def bug() -> None:
        raise KeyError("internal detail")

    client = TestClient(app, raise_server_exceptions=False)
    response = client.get("/validation")
    assert response.status_code == 422 and response.json()["detail"][0]["loc"] == ["n"]
    assert "not a number" not in response.text  # inputs are not echoed
    assert client.get("/value").status_code == 422
    assert client.get("/overflow").status_code == 422
    response = client.get("/bug", headers={"X-Request-ID": "req-bug"})
    assert response.status_code == 500 and response.json() == {
        "detail": "internal error; it has been logged", "request_id": "req-bug"}
    assert "internal detail" not in response.text
