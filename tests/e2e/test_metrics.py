"""The metrics catalogue (docs/metrics.md) against a running platform (end to end).

Starts `shequ demo --no-seed` as a subprocess and drives it so every metric of
the catalogue has a reason to move: commands on all four services (accepted, a
409 conflict, a 422), a poison message and a re-delivered envelope on a topic
(dead letters, duplicates), a volunteer-suitable grid case (the grid ->
volunteering saga). Then it scrapes `/grid/metrics` (the process's default
registry: every metric of every service, relay and consumer) and the projector's
own listener (the demo runs `shequ project` as its own process, as production does), and
checks that every catalogued metric has samples, and that label cardinality is
bounded: no ids or free text in label values, route labels are templates, and
no metric has more than MAX_SERIES series.
"""

from __future__ import annotations

import re
import signal
import subprocess
from collections import defaultdict
from pathlib import Path

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families

from shared.platform.auth import DevelopmentKeys
from shared.platform.broker import free_port
from tests.kafka_helpers import read_topic, send_raw, wait_for
from tests.demo_process import start_demo

pytestmark = pytest.mark.e2e

ROOT = Path(__file__).resolve().parents[2]
CATALOGUE = ROOT / "docs" / "metrics.md"
MAX_SERIES = 300
MAX_LABEL_LENGTH = 64
UUID_LIKE = re.compile(r"[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}", re.I)
LONG_HEX = re.compile(r"[0-9a-f]{16,}", re.I)
ROW = re.compile(r"^\|\s*`([a-z_*]+)`\s*\|\s*([a-z]+|various)\s*\|([^|]*)\|")


def catalogue() -> dict[str, tuple[str, set[str]]]:
    """metric name -> (type, label names), from the table in docs/metrics.md (wildcard rows left out)."""
    rows: dict[str, tuple[str, set[str]]] = {}
    for line in CATALOGUE.read_text(encoding="utf-8").splitlines():
        match = ROW.match(line)
        if match and "*" not in match[1]:
            labels = {label.strip() for label in match[3].split(",") if label.strip()}
            rows[match[1]] = (match[2], labels)
    return rows


def scrape(text: str) -> dict[str, list[tuple[str, dict[str, str]]]]:
    """family name -> [(sample name, labels)], families named as exposed (counters keep `_total`)."""
    families: dict[str, list[tuple[str, dict[str, str]]]] = defaultdict(list)
    for family in text_string_to_metric_families(text):
        name = family.name + "_total" if family.type == "counter" else family.name
        for sample in family.samples:
            if sample.name.endswith("_created"):
                continue
            families[name].append((sample.name, dict(sample.labels)))
    return families


def test_catalogue_parses():
    rows = catalogue()
    assert len(rows) >= 19, rows
    assert rows["shequ_http_requests_total"] == ("counter", {"service", "method", "route", "status"})
    assert rows["shequ_projector_batch_size"] == ("histogram", set())
    assert rows["shequ_saga_messages_total"] == ("counter", {"consumer", "outcome"})


def drive(http: httpx.Client, printed: dict[str, str], keys: DevelopmentKeys) -> None:
    staff = {"Authorization": f"Bearer {printed['SHEQU_STAFF_TOKEN']}"}
    officer = {"Authorization": f"Bearer {keys.mint('metrics-officer', ['welfare_officer'], ['jinpen'])}"}

    def ok(response: httpx.Response, status: int = 200) -> dict:
        assert response.status_code == status, response.text
        return response.json()

    # grid: accepted, 409 (resolving a resolved case), 422 (an unknown category), 404
    case = ok(http.post("/grid/cases", headers=staff, json={
        "community_id": "jinpen", "category": "noise", "description": "metrics"}), 201)["id"]
    ok(http.post(f"/grid/cases/{case}/resolve", headers=staff, json={"outcome": "done"}))
    assert http.post(f"/grid/cases/{case}/resolve", headers=staff, json={"outcome": "again"}).status_code == 409
    assert http.post("/grid/cases", headers=staff, json={
        "community_id": "jinpen", "category": "no-such-category", "description": "x"}).status_code == 422
    assert http.get(f"/grid/cases/{'0' * 8}-0000-0000-0000-{'0' * 12}", headers=staff).status_code == 404
    # the grid -> volunteering saga: a volunteer-suitable case becomes a help request
    ok(http.post("/grid/cases", headers=staff, json={
        "community_id": "jinpen", "category": "elderly_assistance", "description": "shopping"}), 201)
    # economy, welfare, volunteering: one accepted command each
    ok(http.post("/economy/communities/jinpen/assets", headers=staff, json={
        "asset_type": "shop", "name": "Shop 1", "area_m2": 80, "book_value": 100_000, "registered_on": "2020-01-01"}),
        201)
    paths = http.get("/welfare/openapi.json").json()["paths"]
    welfare = "/welfare/welfare" if any(p.startswith("/welfare/") for p in paths) else "/welfare"
    ok(http.post(f"{welfare}/persons", headers=officer, json={
        "community_id": "jinpen", "name": "王翠兰", "national_id": "50010719580214432X", "phone": "13912345678",
        "address": "金盆小区1栋", "birth_date": "1958-02-14",
        "categories": [{"category": "disabled", "disability_type": "physical", "disability_grade": 2}]}), 201)
    ok(http.post("/volunteering/volunteers", headers=staff, json={
        "community_id": "jinpen", "name": "李雷", "phone": "13800000000", "skills": ["first aid"]}), 201)
    # unmatched path: counted under the `unmatched` route, never the raw path
    assert http.get("/grid/no/such/path/0f8fad5b-d9cb-469f-a165-70867728950e", headers=staff).status_code == 404


def test_every_catalogued_metric_is_emitted_with_bounded_labels(tmp_path):
    data_dir = tmp_path / "data"
    port = free_port()
    process, printed = start_demo(data_dir, port, "--no-seed", timeout=60)
    keys = DevelopmentKeys(data_dir)
    bootstrap = printed["SHEQU_KAFKA_BOOTSTRAP_SERVERS"]
    try:
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=10) as http:
            drive(http, printed, keys)
            # A poison message (the projector and the volunteering saga consumer both dead-letter it), and a
            # published envelope delivered again (the projector skips it as a duplicate).
            published = read_topic(bootstrap, "shequ.grid.v1", expect=1)
            assert published, "the grid relay published nothing"
            send_raw(bootstrap, "shequ.grid.v1", [(b"poison", b"{not json"), (published[0].key, published[0].value)])

            needed = {
                "shequ_projector_dead_lettered_total": lambda s: s[1].get("reason") == "not_json",
                "shequ_projector_duplicates_total": lambda s: True,
                "shequ_saga_messages_total": lambda s: s[1].get("outcome") == "dead_lettered",
            }

            def settled():
                # The platform process, and the projector, which `shequ demo` runs as its own process.
                families = scrape(http.get("/grid/metrics").text)
                try:
                    projector = httpx.get(printed["SHEQU_PROJECTOR_METRICS"], timeout=10).text
                except httpx.TransportError:
                    return None  # its listener is not up yet
                for name, samples in scrape(projector).items():
                    if name.startswith("shequ_"):
                        families[name].extend(samples)
                handled = any(labels.get("outcome") == "handled" for _, labels in families["shequ_saga_messages_total"])
                ready = handled and all(any(check(s) for s in families[name]) for name, check in needed.items())
                ready = ready and all(families.get(name) for name in catalogue())  # e.g. lag after assignment
                return families if ready else None

            families = wait_for(settled, timeout=30, interval=0.5)
    finally:
        process.send_signal(signal.SIGINT)
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            raise

    # 1. Every catalogued metric is there, with samples, and with exactly the catalogued labels.
    rows = catalogue()
    missing = sorted(name for name in rows if not families.get(name))
    assert not missing, f"catalogued metrics without samples: {missing}"
    for name, (kind, labels) in rows.items():
        exposed = {key for _, sample_labels in families[name] for key in sample_labels} - {"le"}
        assert exposed == labels, f"{name}: catalogue says labels {sorted(labels)}, exposed {sorted(exposed)}"
    assert any(n.startswith("process_") for n in families) and any(n.startswith("python_") for n in families)
    undocumented = sorted(n for n in families if n.startswith("shequ_") and n not in rows)
    assert not undocumented, f"metrics missing from docs/metrics.md: {undocumented}"

    # 2. What the drive did shows up as it should.
    commands = {(labels["service"], labels["outcome"]) for _, labels in families["shequ_commands_total"]}
    assert {("grid", "accepted"), ("grid", "conflict"), ("grid", "rejected"), ("economy", "accepted"),
            ("welfare", "accepted"), ("volunteering", "accepted")} <= commands
    statuses = {labels["status"] for _, labels in families["shequ_http_requests_total"]}
    assert {"200", "201", "404", "409", "422"} <= statuses
    appended = {labels["service"] for _, labels in families["shequ_events_appended_total"]}
    assert appended == {"grid", "economy", "welfare", "volunteering"}

    # 3. Label cardinality is bounded: no ids, no free text, templates for routes, few series per metric.
    for name, samples in families.items():
        series = {tuple(sorted((k, v) for k, v in labels.items() if k != "le")) for _, labels in samples}
        assert len(series) <= MAX_SERIES, f"{name} has {len(series)} series"
        for _, labels in samples:
            for key, value in labels.items():
                assert len(value) <= MAX_LABEL_LENGTH, f"{name}{{{key}}} is too long: {value!r}"
                assert not UUID_LIKE.search(value) and not LONG_HEX.search(value), f"{name}{{{key}={value!r}}}"
    routes = {labels["route"] for _, labels in families["shequ_http_requests_total"]}
    assert "unmatched" in routes
    for route in routes - {"unmatched"}:
        assert route.startswith("/"), route
        for segment in route.strip("/").split("/"):
            assert not re.search(r"\d", segment) or segment.startswith("{"), f"route {route} is not a template"
