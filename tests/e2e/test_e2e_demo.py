"""`shequ demo` as a user runs it: a subprocess, HTTP in, district figures out, Ctrl-C, and a restart."""

from __future__ import annotations

import signal
import subprocess
from datetime import date

import httpx
import pytest

from shared.platform.broker import free_port
from tests.demo_process import mint_token, process_alive, start_demo, stop_demo, wait_settled
from tests.kafka_helpers import wait_for

pytestmark = pytest.mark.e2e


def check_household_visits(http: httpx.Client, staff: dict, operator: dict) -> None:
    """Visits over HTTP, one opening a case: the district's coverage of the cell and its community follow."""
    cell = http.post("/grid/cells", headers=staff, json={"community_id": "jinpen", "name": "走访网格", "households": 8})
    assert cell.status_code == 201, cell.text
    cell_id = cell.json()["id"]
    assert http.post(f"/grid/cells/{cell_id}/workers", headers=staff, json={"worker_id": "e2e-worker"}).is_success
    today = date.today()
    visit = {"community_id": "jinpen", "grid_cell_id": cell_id, "target_kind": "household", "purpose": "elderly_care",
             "visited_on": today.isoformat(), "worker_id": "e2e-worker", "findings": "独居老人"}
    for household in ("E2E-1", "E2E-2", "E2E-1"):
        assert http.post("/grid/visits", headers=staff, json={**visit, "target_id": household}).status_code == 201
    opened = http.post("/grid/visits", headers=staff, json={
        **visit, "target_id": "E2E-3", "case": {"category": "elderly_assistance", "description": "需要上门帮助"}})
    assert opened.status_code == 201, opened.text
    assert http.get(f"/grid/cases/{opened.json()['case_id']}", headers=staff).json()["channel"] == "grid_worker"
    refused = http.post("/grid/visits", headers=staff, json={**visit, "target_id": "E2E-4", "worker_id": "stranger"})
    assert refused.status_code == 422 and "does not serve" in refused.text
    quarter = f"{today.year}-Q{(today.month - 1) // 3 + 1}"

    def covered():
        jinpen = http.get("/district/communities/jinpen", headers=operator).json()
        cells = (jinpen.get("visits") or {}).get("quarters", {}).get(quarter, {}).get("cells", {})
        return cells.get(cell_id) if cells.get(cell_id, {}).get("visits") == 4 else None

    figures = wait_for(covered, timeout=15)
    assert (figures["households_visited"], figures["registered_households"], figures["coverage"]) == (3, 8, 0.375)
    assert figures["cases_opened"] == 1 and figures["by_purpose"] == {"elderly_care": 4}
    # The overview is served from what the district API process last read (DISTRICT_READ_INTERVAL_SECONDS),
    # maybe by another worker than the one that answered above: it follows within the read interval.
    overview = wait_for(lambda: http.get("/district/overview", headers=operator).json()["visits"]["quarters"]
                        .get(quarter), timeout=15)
    assert overview["households_visited"] >= 3


def test_demo_end_to_end_then_ctrl_c_leaves_nothing_running(tmp_path):
    port = free_port()
    process, printed = start_demo(tmp_path / "data", port, "--no-seed", timeout=60)
    base = f"http://127.0.0.1:{port}"
    staff = {"Authorization": f"Bearer {printed['SHEQU_STAFF_TOKEN']}"}
    operator = {"Authorization": f"Bearer {printed['SHEQU_OPERATOR_TOKEN']}"}
    try:
        broker_pid = int(printed["SHEQU_BROKER_PID"])
        children = [broker_pid, int(printed["SHEQU_DOCSTORE_PID"]), int(printed["SHEQU_PROJECTOR_PID"])]
        assert all(process_alive(pid) for pid in children), "broker, read store and projector should be running"
        assert printed["SHEQU_MONGO_URL"].startswith("mongodb://127.0.0.1:")
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
            check_household_visits(http, staff, operator)
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
    wait_for(lambda: not any(process_alive(pid) for pid in children), timeout=5)


def test_a_restart_keeps_the_read_models_and_the_replay_counts_nothing_twice(tmp_path):
    """`shequ demo --no-seed`, some commands, Ctrl-C, start again on the same data directory.

    The read models are on disk (the embedded nx-27017 server's files), so the district figures are there at
    once; the new, empty in-memory broker is fed again by the relays from the event stores, and the projector
    skips every event of that replay by its per-aggregate versions: figures identical, nothing applied anew.
    """
    from shared.platform.readstore import read_store_client

    data_dir = tmp_path / "data"
    port = free_port()
    process, printed = start_demo(data_dir, port, "--no-seed", timeout=60)
    staff = {"Authorization": f"Bearer {printed['SHEQU_STAFF_TOKEN']}"}
    operator = {"Authorization": f"Bearer {printed['SHEQU_OPERATOR_TOKEN']}"}
    base = f"http://127.0.0.1:{port}"
    try:
        with httpx.Client(base_url=base, timeout=10) as http:
            ids = _report_four_cases_resolve_one(http, staff, "restart")
            assert http.post("/volunteering/volunteers", headers=staff, json={
                "community_id": "jinpen", "name": "李雷", "phone": "13800000000", "skills": []}).status_code == 201
            before = _figures(wait_settled(http, operator, quiet_polls=3, timeout=90))
            table_before = _table(http, operator)
    finally:
        stop_demo(process)
    assert before["grid"]["cases"]["reported"] == 4 and before["grid"]["cases"]["resolved"] == 1
    assert before["volunteering"]["registered_volunteers"] == 1
    assert (data_dir / "readstore").is_dir() and any((data_dir / "readstore").glob("*.db"))

    process, printed = start_demo(data_dir, port, "--no-seed", timeout=60)
    client = read_store_client(printed["SHEQU_MONGO_URL"])
    status = client["shequ_district"]["projector_status"]
    try:
        with httpx.Client(base_url=base, timeout=10) as http:
            # Before any replay reached it: the read side came back from disk.
            assert _figures(http.get("/district/overview", headers=operator).json()) == before

            def replayed() -> list | None:
                """The live projector's status once it has read the replay to the end of every partition."""
                live = [s for s in status.find() if s["_id"].startswith("projector")]
                done = live and all(s["last_batch_at"] and s["lag"] and not any(s["lag"].values()) for s in live)
                return live if done and sum(s["duplicates"] for s in live) >= 6 else None

            live = wait_for(replayed, timeout=90, interval=0.5)
            after = _figures(wait_settled(http, operator, quiet_polls=3, timeout=90))
            assert after == before
            assert _table(http, operator) == table_before
            assert _published(http) >= 6  # the relays fed the new broker everything again (commands and directory)
        live = [s for s in status.find() if s["_id"].startswith("projector")]
        assert sum(s["applied"] for s in live) == 0, live  # the replay changed nothing: every event a duplicate
    finally:
        client.close()
        stop_demo(process)


def test_a_rebuild_while_commands_arrive_pauses_the_projector_and_loses_nothing(tmp_path):
    """POST /district/admin/rebuild in the demo (the projector is its own process): the projector pauses, the
    district process drops and replays, and commands on the same aggregates meanwhile (a case resolved while
    the read models are empty) are applied after the replay, in order: every figure as if nothing happened."""
    from shared.platform.readstore import read_store_client

    data_dir = tmp_path / "data"
    port = free_port()
    process, printed = start_demo(data_dir, port, "--no-seed", timeout=60)
    staff = {"Authorization": f"Bearer {printed['SHEQU_STAFF_TOKEN']}"}
    operator = {"Authorization": f"Bearer {printed['SHEQU_OPERATOR_TOKEN']}"}
    admin = {"Authorization": f"Bearer {mint_token(data_dir, 'admin')}"}
    client = read_store_client(printed["SHEQU_MONGO_URL"])
    try:
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=90) as http:
            ids = _report_four_cases_resolve_one(http, staff, "rebuild")
            before = _figures(wait_settled(http, operator, quiet_polls=3, timeout=90))
            assert before["grid"]["cases"]["reported"] == 4 and before["grid"]["cases"]["resolved"] == 1

            response = http.post("/district/admin/rebuild", headers=admin)
            assert response.status_code == 202, response.text
            for case_id in ids[1:3]:  # newer versions of aggregates the replay has yet to reach
                assert http.post(f"/grid/cases/{case_id}/resolve", headers=staff,
                                 json={"outcome": "fixed"}).status_code == 200
            after = _figures(wait_settled(http, operator, quiet_polls=3, timeout=120))
            assert after["grid"]["cases"] == {**before["grid"]["cases"], "open": before["grid"]["cases"]["open"] - 2,
                                              "resolved": 3}
        statuses = {s["_id"]: s for s in client["shequ_district"]["projector_status"].find()}
        live = [s for name, s in statuses.items() if name.startswith("projector")]
        assert live and all(s["running"] and s["paused_for"] is None for s in live), statuses
        assert statuses["rebuild"]["applied"] >= 5 and statuses["rebuild"]["dead_lettered"] == 0
        assert client["shequ_district"]["dead_letters"].count_documents({}) == 0
        assert process_alive(int(printed["SHEQU_PROJECTOR_PID"]))
    finally:
        client.close()
        stop_demo(process)


def _report_four_cases_resolve_one(http, staff: dict, description: str) -> list[str]:  # noqa: ANN001
    """Cases in jinpen (two), huasheng and xizhuchao; the first resolved. Their ids."""
    ids = []
    for community in ("jinpen", "jinpen", "huasheng", "xizhuchao"):
        response = http.post("/grid/cases", headers=staff,
                             json={"community_id": community, "category": "noise", "description": description})
        assert response.status_code == 201, response.text
        ids.append(response.json()["id"])
    assert http.post(f"/grid/cases/{ids[0]}/resolve", headers=staff, json={"outcome": "fixed"}).status_code == 200
    return ids


def _figures(overview: dict) -> dict:
    return {k: v for k, v in overview.items() if k != "freshness"}


def _table(http, headers: dict) -> list:  # noqa: ANN001
    rows = http.get("/district/communities", headers=headers, params={"limit": 1000}).json()["rows"]
    return sorted(rows, key=lambda r: r["community_id"])


def _published(http) -> int:  # noqa: ANN001
    """Events the relays of this process published (to the new broker): the replay of the event stores."""
    return int(sum(float(line.rsplit(" ", 1)[1]) for line in http.get("/grid/metrics").text.splitlines()
                   if line.startswith("shequ_relay_published_total{")))
