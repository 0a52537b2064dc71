"""`shequ trace`: a request id followed from the HTTP request to the district read model (end to end)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys

import httpx
import pytest

from shared.platform.auth import DevelopmentKeys
from shared.platform.broker import free_port
from tests.kafka_helpers import wait_for
from tests.demo_process import start_demo

pytestmark = pytest.mark.e2e


def stop_demo(process: subprocess.Popen) -> None:
    process.send_signal(signal.SIGINT)
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        process.kill()
        raise


def shequ_trace(base: str, token: str, *args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "SHEQU_TOKEN": token}
    return subprocess.run([sys.executable, "-m", "bootstrap.cli", "trace", "--url", base, *args],
                          capture_output=True, text=True, env=env, timeout=60)


@pytest.fixture(scope="module")
def platform(tmp_path_factory):
    data_dir = tmp_path_factory.mktemp("trace") / "data"
    port = free_port()
    process, printed = start_demo(data_dir, port, "--no-seed", timeout=60)
    admin = DevelopmentKeys(data_dir).mint("ops-admin", ["admin"], ["*"])
    try:
        yield f"http://127.0.0.1:{port}", printed, admin
    finally:
        stop_demo(process)


def test_trace_follows_a_request_to_the_district_read_model(platform):
    base, printed, admin = platform
    staff = {"Authorization": f"Bearer {printed['SHEQU_STAFF_TOKEN']}", "X-Request-Id": "trace-me-123"}
    with httpx.Client(base_url=base, timeout=10) as http:
        response = http.post("/grid/cases", headers=staff,
                             json={"community_id": "jinpen", "category": "noise", "description": "trace me"})
        assert response.status_code == 201, response.text
        case_id = response.json()["id"]
        response = http.post(f"/grid/cases/{case_id}/resolve", headers=staff, json={"outcome": "quiet now"})
        assert response.status_code == 200, response.text

    def traced():
        result = shequ_trace(base, admin, "--json", "trace-me-123")
        assert result.returncode in (0, 1), result.stdout + result.stderr
        report = json.loads(result.stdout)
        events = report["events"]
        return report if len(events) == 2 and all(e["projected"] for e in events) else None

    report = wait_for(traced, timeout=30, interval=0.5)
    events = report["events"]
    assert [e["public_type"] for e in events] == ["shequ.grid.CaseReported.v1", "shequ.grid.CaseResolved.v1"]
    for event in events:
        assert event["service"] == "grid" and event["aggregate_id"] == case_id
        assert event["correlation_id"] == "trace-me-123" and event["community_id"] == "jinpen"
        assert event["published"] is True and event["projected"] is True
        assert "community_grid" in event["read_models"]
    assert [e["aggregate_version"] for e in events] == [1, 2]
    assert set(report["services"]) == {"grid", "economy", "welfare", "volunteering"}
    assert report["services"]["grid"]["relay"]["position"] >= max(e["position"] for e in events)

    # The human-readable table: both events, each at its furthest stage.
    table = shequ_trace(base, admin, "trace-me-123")
    assert table.returncode == 0, table.stderr
    assert "shequ.grid.CaseReported.v1" in table.stdout and "shequ.grid.CaseResolved.v1" in table.stdout
    assert table.stdout.count("projected") >= 2, table.stdout

    # The same events by aggregate id, and one by its envelope id.
    by_aggregate = json.loads(shequ_trace(base, admin, "--json", case_id).stdout)["events"]
    assert [e["position"] for e in by_aggregate] == [e["position"] for e in events]
    by_envelope = json.loads(shequ_trace(base, admin, "--json", events[0]["envelope_id"]).stdout)["events"]
    assert [e["public_type"] for e in by_envelope] == ["shequ.grid.CaseReported.v1"]


def test_trace_follows_the_saga_follow_up_into_another_service(platform):
    base, printed, admin = platform
    staff = {"Authorization": f"Bearer {printed['SHEQU_STAFF_TOKEN']}", "X-Request-Id": "trace-saga-7"}
    with httpx.Client(base_url=base, timeout=10) as http:
        response = http.post("/grid/cases", headers=staff, json={
            "community_id": "jinpen", "category": "elderly_assistance", "description": "shopping for Mrs Li"})
        assert response.status_code == 201, response.text

    def reached_volunteering():
        report = json.loads(shequ_trace(base, admin, "--json", "trace-saga-7").stdout)
        services = {e["service"] for e in report["events"]}
        return report if services == {"grid", "volunteering"} and all(e["projected"] for e in report["events"]
                                                                      if e["public_type"]) else None

    report = wait_for(reached_volunteering, timeout=30, interval=0.5)
    follow_up = [e for e in report["events"] if e["service"] == "volunteering"]
    assert follow_up and all(e["correlation_id"] == "trace-saga-7" for e in follow_up)
    assert all(e["actor_role"] == "system" for e in follow_up)


def test_trace_needs_an_admin_token_and_reports_unknown_ids(platform):
    base, printed, admin = platform
    with httpx.Client(base_url=base, timeout=10) as http:
        assert http.get("/grid/trace/anything").status_code == 401
        staff = {"Authorization": f"Bearer {printed['SHEQU_STAFF_TOKEN']}"}
        assert http.get("/grid/trace/anything", headers=staff).status_code == 403
        assert http.get("/district/admin/projected", headers=staff, params={
            "aggregate": "a", "version": 1, "type": "shequ.grid.CaseReported.v1", "community": "jinpen"},
        ).status_code == 403
    missing = shequ_trace(base, admin, "no-such-request-id")
    assert missing.returncode == 1, missing.stdout + missing.stderr
    no_token = shequ_trace(base, "", "trace-me-123")
    assert no_token.returncode == 2
