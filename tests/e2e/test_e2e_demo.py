"""`shequ demo` as a user runs it: a subprocess, HTTP in, district figures out, Ctrl-C."""

from __future__ import annotations

import signal
import subprocess

import httpx
import pytest

from shared.platform.broker import free_port
from tests.demo_process import process_alive, start_demo
from tests.kafka_helpers import wait_for

pytestmark = pytest.mark.e2e


def test_demo_end_to_end_then_ctrl_c_leaves_nothing_running(tmp_path):
    port = free_port()
    process, printed = start_demo(tmp_path / "data", port, "--no-seed", timeout=60)
    base = f"http://127.0.0.1:{port}"
    staff = {"Authorization": f"Bearer {printed['SHEQU_STAFF_TOKEN']}"}
    operator = {"Authorization": f"Bearer {printed['SHEQU_OPERATOR_TOKEN']}"}
    try:
        broker_pid = int(printed["SHEQU_BROKER_PID"])
        assert process_alive(broker_pid), "the embedded broker should be running"
        with httpx.Client(base_url=base, timeout=10) as http:
            counted = http.get("/district/overview", headers=operator).json()["grid"].get("cases", {})
            before = {k: counted.get(k, 0) for k in ("reported", "open", "resolved")}
            ids = []
            for community in ("jinpen", "jinpen", "huasheng"):
                response = http.post("/grid/cases", headers=staff,
                                     json={"community_id": community, "category": "noise", "description": "e2e"})
                assert response.status_code == 201, response.text
                ids.append(response.json()["id"])
            assert http.post(f"/grid/cases/{ids[0]}/resolve", headers=staff,
                             json={"outcome": "fixed"}).status_code == 200
            assert http.get("/grid/readyz").status_code == 200
            assert http.get("/district/readyz").status_code == 200

            def reflected():
                figures = http.get("/district/overview", headers=operator).json()["grid"].get("cases", {})
                figures = {k: figures.get(k, 0) for k in ("reported", "open", "resolved")}
                return figures if figures["reported"] == before["reported"] + 3 and \
                    figures["resolved"] == before["resolved"] + 1 else None

            figures = wait_for(reflected, timeout=15)
            assert figures["open"] == before["open"] + 2
            jinpen = http.get("/district/communities/jinpen", headers=operator).json()
            assert jinpen["grid"]["cases"]["reported"] >= 2
            metrics = http.get("/grid/metrics").text
            assert 'shequ_events_appended_total{event_type="CaseReported",service="grid"} ' in metrics
            assert 'shequ_relay_lag_events{service="grid"} 0.0' in metrics
            assert 'shequ_http_requests_total{method="POST",route="/cases",service="grid",status="201"}' in metrics
    finally:
        process.send_signal(signal.SIGINT)
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            raise
    assert process.returncode == 0
    wait_for(lambda: not process_alive(broker_pid), timeout=5)
