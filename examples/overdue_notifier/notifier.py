"""An example downstream service built on the shequ consumer kit (shared/consumer.py).

It reads the grid and welfare topics in its own consumer group and logs an alert
(one JSON line on stdout) when
- a grid case is still open after its deadline (cases and deadlines are tracked
  from CaseReported / CaseReopened, forgotten on CaseResolved / CaseRejected /
  CaseClosed; checked on a timer), or
- a welfare payment cycle has had its entitlements calculated but waits for
  approval longer than `approval_wait`.

State is in memory: on start the group resumes from its committed offsets, so a
fresh group (or `--group` with a new name) replays the topics from offset 0 to
rebuild it. Each alert is raised once per case deadline / cycle.

    KAFKA_BOOTSTRAP_SERVERS=127.0.0.1:PORT .venv/bin/python -m examples.overdue_notifier.notifier
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from services.grid.events import (
    CaseClosed, CaseRejected, CaseReopened, CaseReported, CaseResolved,
)
from services.grid.events import public_events as grid_events
from services.welfare.events import EntitlementsCalculated, PaymentCycleApproved, PaymentCycleClosed
from services.welfare.events import public_events as welfare_events
from shared.platform.consumer import EventConsumer
from shared.platform.envelope import Envelope

log = logging.getLogger("shequ.example.overdue_notifier")


def print_json(alert: dict[str, Any]) -> None:
    print(json.dumps(alert, ensure_ascii=False, sort_keys=True), flush=True)


@dataclass
class OpenCase:
    community_id: str
    category: str
    deadline: datetime


@dataclass
class WaitingCycle:
    community_id: str
    programme_id: str
    month: str
    since: datetime


class OverdueNotifier:
    def __init__(
        self,
        bootstrap_servers: str,
        *,
        group_id: str = "shequ-example-overdue-notifier",
        approval_wait: timedelta = timedelta(hours=48),
        check_every: float = 30.0,
        now: Callable[[], datetime] = lambda: datetime.now(UTC),
        emit: Callable[[dict[str, Any]], None] = print_json,
    ) -> None:
        self.approval_wait, self.check_every, self.now, self.emit = approval_wait, check_every, now, emit
        self.cases: dict[str, OpenCase] = {}
        self.cycles: dict[str, WaitingCycle] = {}
        self._alerted: set[tuple[str, str]] = set()
        self._lock = threading.Lock()
        self.consumer = EventConsumer(bootstrap_servers, group_id, [grid_events, welfare_events],
                                      f"{group_id}.dlq", name="overdue-notifier")
        on = self.consumer.on
        on(CaseReported, self._case_opened)
        on(CaseReopened, self._case_opened)
        for closed in (CaseResolved, CaseRejected, CaseClosed):
            on(closed, self._case_closed)
        on(EntitlementsCalculated, self._cycle_waiting)
        on(PaymentCycleApproved, self._cycle_done)
        on(PaymentCycleClosed, self._cycle_done)

    # -- tracking -----------------------------------------------------------------

    def _case_opened(self, envelope: Envelope, event: CaseReported | CaseReopened) -> None:
        if event.deadline is None:
            return
        with self._lock:
            category = str(event.category) if event.category else ""
            self.cases[event.case_id] = OpenCase(envelope.communityid, category, event.deadline)

    def _case_closed(self, envelope: Envelope, event: Any) -> None:
        with self._lock:
            self.cases.pop(event.case_id, None)

    def _cycle_waiting(self, envelope: Envelope, event: EntitlementsCalculated) -> None:
        with self._lock:
            self.cycles[event.cycle_id] = WaitingCycle(envelope.communityid, event.programme_id, event.month,
                                                       envelope.time)

    def _cycle_done(self, envelope: Envelope, event: Any) -> None:
        with self._lock:
            self.cycles.pop(event.cycle_id, None)

    # -- the timer ------------------------------------------------------------------

    def check(self) -> list[dict[str, Any]]:
        """Raise every alert that is due and was not raised yet; return them."""
        now = self.now()
        alerts = []
        with self._lock:
            for case_id, case in self.cases.items():
                key = ("case_overdue", f"{case_id}@{case.deadline.isoformat()}")
                if case.deadline < now and key not in self._alerted:
                    self._alerted.add(key)
                    alerts.append({"alert": "grid_case_overdue", "case_id": case_id,
                                   "community_id": case.community_id, "category": case.category,
                                   "deadline": case.deadline.isoformat(),
                                   "overdue_hours": round((now - case.deadline).total_seconds() / 3600, 1)})
            for cycle_id, cycle in self.cycles.items():
                key = ("cycle_waiting", cycle_id)
                if now - cycle.since > self.approval_wait and key not in self._alerted:
                    self._alerted.add(key)
                    alerts.append({"alert": "payment_cycle_awaiting_approval", "cycle_id": cycle_id,
                                   "community_id": cycle.community_id, "programme_id": cycle.programme_id,
                                   "month": cycle.month, "waiting_since": cycle.since.isoformat(),
                                   "waiting_hours": round((now - cycle.since).total_seconds() / 3600, 1)})
        for alert in alerts:
            self.emit({"at": now.isoformat(), "level": "warning", **alert})
        return alerts

    def run(self, stop: threading.Event) -> None:
        consumer = threading.Thread(target=self.consumer.run, args=(stop,), name="notifier-consumer", daemon=True)
        consumer.start()
        while not stop.wait(self.check_every):
            self.check()
        consumer.join(10)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Log an alert for overdue grid cases and waiting payment cycles")
    parser.add_argument("--bootstrap", default=os.environ.get("KAFKA_BOOTSTRAP_SERVERS"),
                        help="Kafka bootstrap servers (default: $KAFKA_BOOTSTRAP_SERVERS)")
    parser.add_argument("--group", default="shequ-example-overdue-notifier")
    parser.add_argument("--approval-wait-hours", type=float, default=48.0)
    parser.add_argument("--check-every", type=float, default=30.0, help="seconds between checks")
    args = parser.parse_args(argv)
    if not args.bootstrap:
        parser.error("set KAFKA_BOOTSTRAP_SERVERS (the demo prints it) or pass --bootstrap")
    logging.basicConfig(level=logging.WARNING, stream=sys.stderr)
    notifier = OverdueNotifier(args.bootstrap, group_id=args.group,
                               approval_wait=timedelta(hours=args.approval_wait_hours), check_every=args.check_every)
    stop = threading.Event()
    try:
        notifier.run(stop)
    except KeyboardInterrupt:
        stop.set()
    return 0


if __name__ == "__main__":
    sys.exit(main())
