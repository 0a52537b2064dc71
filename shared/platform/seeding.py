"""Mechanics of seeding demo history, shared by each service's part (`services/<service>/demo.py`).

A seeding run (`Seeding`) covers the twelve months ending in the current month;
each service's `SeedPart` records one community's share through that service's
aggregates, stamping every event at a plausible past moment with
`shared.kernel.clock.recorded_at`. Names and phone numbers come from the community's
random stream, so the same seed gives the same figures.
"""

from __future__ import annotations

import calendar
import random
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, ClassVar

from shared.kernel.clock import recorded_at
from shared.kernel.actor import Actor
from shared.platform.eventstore import ServiceApplication

YUAN = 100  # fen

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰红梅建国志强海燕晓东春生秋云德福"


def person_name(rng: random.Random) -> str:
    return rng.choice(SURNAMES) + rng.choice(GIVEN) + (rng.choice(GIVEN) if rng.random() < 0.6 else "")


def phone_number(rng: random.Random) -> str:
    return f"1{rng.choice('3578')}{rng.randrange(10**9):09d}"


@dataclass
class SeedReport:
    communities: list[str]
    events_by_service: dict[str, int]
    seconds: float
    scale: dict[str, Counter] = field(default_factory=dict)
    """Per community: how many of each thing were seeded (cases, mediations, volunteers, ...)."""

    @property
    def events(self) -> int:
        return sum(self.events_by_service.values())

    def summary(self) -> str:
        return (f"seeded {len(self.communities)} communities: {self.events:,} events stored "
                f"({', '.join(f'{k} {v:,}' for k, v in self.events_by_service.items())}) in {self.seconds:.1f}s")


class Batch:
    """Aggregates changed in memory, saved together by one service in one atomic save.

    Each use case saves in its own SQLite transaction (~2.5 ms, a disk sync), so
    high-volume lifecycles run as domain commands and are saved in batches.
    """

    def __init__(self, app: ServiceApplication, actor: Actor, size: int = 400) -> None:
        self.app, self.actor, self.size = app, actor, size
        self.pending: dict[Any, Any] = {}

    def add(self, *aggregates: Any) -> None:
        for aggregate in aggregates:
            self.pending[aggregate.id] = aggregate
        if len(self.pending) >= self.size:
            self.flush()

    def flush(self) -> None:
        if self.pending:
            self.app.save(*self.pending.values(), actor=self.actor)
            self.pending.clear()


class Seeding:
    """One seeding run: its seed, its twelve months (ending in the current month) and what it seeded."""

    def __init__(self, seed: int, now: datetime) -> None:
        self.seed = seed
        self.now = now.astimezone(UTC)
        first = self.now.date().replace(day=1)
        months = []
        for _ in range(12):
            months.append(first)
            first = (first - timedelta(days=1)).replace(day=1)
        self.months = list(reversed(months))  # first days of the twelve months, oldest first
        self.start = datetime(self.months[0].year, self.months[0].month, 1, 1, tzinfo=UTC)
        self.scale: dict[str, Counter] = {}
        self.enterprises: dict[str, list[str]] = {}  # community -> ids of the enterprises seeded there
        self._serial = 0

    def serial(self) -> int:
        """The next number of a run-wide sequence (unique synthetic identifiers across communities)."""
        self._serial += 1
        return self._serial

    def in_month(self, rng: random.Random, index: int, day: int | None = None, hour: int | None = None) -> datetime:
        """A working-hours moment (09:00-18:00 Beijing time) in month `index` (0 = oldest), never in the future."""
        first = self.months[index]
        last = calendar.monthrange(first.year, first.month)[1]
        moment = datetime(first.year, first.month, day or rng.randint(1, last), hour if hour is not None
                          else rng.randint(1, 9), rng.randrange(60), tzinfo=UTC)
        if moment >= self.now:
            moment = self.start_of_today(rng)
        return moment

    def start_of_today(self, rng: random.Random) -> datetime:
        floor = max(self.now - timedelta(hours=rng.randint(1, 8)), self.now.replace(hour=0, minute=0, second=0))
        return min(floor, self.now - timedelta(minutes=1))

    def past(self, moment: datetime) -> bool:
        return moment < self.now - timedelta(seconds=1)

    def month_key(self, index: int) -> str:
        return self.months[index].strftime("%Y-%m")

    def record_until_now(self, steps: Iterable[tuple[datetime, Callable[[], Any]]]) -> None:
        """Run each step stamped at its moment, in order; history stops at the first moment still to come."""
        for moment, step in steps:
            if not self.past(moment):
                return
            with recorded_at(moment):
                step()


class SeedPart:
    """One service's share of seeding one community, recorded through that service's application."""

    service: ClassVar[str]
    """The service (registry name) whose application this part records through."""

    def __init__(self, seeding: Seeding, app: ServiceApplication, plan: dict[str, Any], rng: random.Random,
                 actors: dict[str, Actor]) -> None:
        self.seeding, self.app, self.plan, self.rng, self.actors = seeding, app, plan, rng, actors
        self.cid, self.kind = plan["community_id"], plan["kind"]
        self.count = seeding.scale[self.cid]

    def run(self) -> None:
        raise NotImplementedError
