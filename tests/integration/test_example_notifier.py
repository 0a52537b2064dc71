"""The example downstream service (examples/overdue_notifier), on the real broker."""

from __future__ import annotations

import threading
import uuid
from datetime import UTC, datetime, timedelta

from examples.overdue_notifier.notifier import OverdueNotifier
from services.grid.events import CaseReported, CaseResolved
from services.welfare.events import EntitlementsCalculated, PaymentCycleApproved
from shared.platform.envelope import Envelope, PublicEvent
from tests.kafka_helpers import send_raw, wait_for

NOW = datetime(2025, 3, 10, 12, 0, tzinfo=UTC)


def envelope(service: str, subject: str, version: int, event: PublicEvent, time: datetime) -> tuple[bytes, bytes]:
    env = Envelope(id=str(uuid.uuid4()), source=f"/shequ/{service}",
                   type=f"shequ.{service}.{event.event_name}.v{event.version}", subject=subject, time=time,
                   communityid="jinpen", aggregateversion=version, data=event.model_dump(mode="json"))
    return subject.encode(), env.to_bytes()


def test_alerts_for_overdue_cases_and_waiting_cycles_once(fresh_broker):
    bootstrap = fresh_broker.bootstrap_servers
    overdue, resolved, on_time = (str(uuid.uuid4()) for _ in range(3))
    waiting, approved = str(uuid.uuid4()), str(uuid.uuid4())
    day = timedelta(days=1)
    send_raw(bootstrap, "shequ.grid.v1", [
        envelope("grid", overdue, 1, CaseReported(case_id=overdue, category="drainage", description="flooded",
                                                  deadline=NOW - day), NOW - 3 * day),
        envelope("grid", resolved, 1, CaseReported(case_id=resolved, category="noise", description="loud",
                                                   deadline=NOW - day), NOW - 3 * day),
        envelope("grid", resolved, 2, CaseResolved(case_id=resolved, category="noise", outcome="quiet"), NOW - 2 * day),
        envelope("grid", on_time, 1, CaseReported(case_id=on_time, category="noise", description="later",
                                                  deadline=NOW + day), NOW),
    ])
    cycle = {"programme_id": "p1", "month": "2025-03"}
    send_raw(bootstrap, "shequ.welfare.v1", [
        envelope("welfare", waiting, 2, EntitlementsCalculated(cycle_id=waiting, count=0, total_fen=0, excluded_count=0,
                                                               entitlements=[], **cycle), NOW - 3 * day),
        envelope("welfare", approved, 2, EntitlementsCalculated(cycle_id=approved, count=0, total_fen=0,
                                                                excluded_count=0, entitlements=[], **cycle),
                 NOW - 3 * day),
        envelope("welfare", approved, 3, PaymentCycleApproved(cycle_id=approved, dropped_person_ids=[], **cycle),
                 NOW - 2 * day),
    ])
    emitted: list[dict] = []
    notifier = OverdueNotifier(bootstrap, group_id="notifier-test", now=lambda: NOW, check_every=0.2,
                               emit=emitted.append)
    stop = threading.Event()
    thread = threading.Thread(target=notifier.run, args=(stop,), daemon=True)
    thread.start()
    try:
        wait_for(lambda: notifier.consumer.totals.handled >= 7, timeout=60)
        wait_for(lambda: len(emitted) >= 2)
        stop.wait(0.6)  # a few more checks: nothing is raised twice
    finally:
        stop.set()
        thread.join(15)
    by_kind = {a["alert"]: a for a in emitted}
    assert len(emitted) == 2
    assert by_kind["grid_case_overdue"]["case_id"] == overdue
    assert by_kind["grid_case_overdue"]["overdue_hours"] == 24.0
    assert by_kind["payment_cycle_awaiting_approval"]["cycle_id"] == waiting
    assert by_kind["payment_cycle_awaiting_approval"]["community_id"] == "jinpen"
