"""The demo district: four reported communities and N synthetic ones, with twelve months of history.

`seed_district(services)` records what a district of communities did over the
last twelve months (ending in the current month), through the domain services'
own aggregates and use cases: each community is registered in grid's directory
(and learned by the other services as their grid consumers would), then each
service's part, `services/<service>/demo.py`, records that service's share:
grid cells, cases, mediations, inspections, rentals and follow-ups; collective
assets, leases, billing, debts, enterprises and income; the welfare registry,
allowances, payment cycles, relief and a station; volunteers, teams,
activities, help requests and points. Every event is stamped at a plausible
past moment with `shared.kernel.clock.recorded_at`. The same seed gives the same
figures (aggregate ids are random, counts and amounts are not): each community
draws from its own random stream, the parts in a fixed order.

The four reported communities carry the published figures of
/work/shared/domain (see its README); the directory's are Jinpen's 8,325
households and 35,353 residents and Xizhuchao's 59.5% floating population
(households and residents of Huasheng, Hualong Jiayuan and Xizhuchao are not
published; plausible figures are used). Each part's docstring lists its
service's figures and what it scales down, to seed in under a minute on two
cores (~33k events).

Speed: each use case saves in its own SQLite transaction (~2.5 ms each, a
disk sync). High-volume lifecycles (cases, mediations, rentals, activities,
points, leases and the fund) are therefore run as the domain commands the use
cases call, on aggregates held in memory, and saved through the service's
`save` in batches (one atomic save per batch, the actor stamped on every
event); the welfare registry, households, programme enrolment and payment
cycles, and inspections go through the application use cases one by one.
Measured on the 2-core demo machine: the default size (4 reported + 20
synthetic communities, seed 42) stored about 33.1k events (grid 14.3k, of
which 3.0k household visits; economy 3.9k, welfare 5.7k, volunteering 9.3k) in
~25 s, before any relay or projector competes for the CPU; with welfare's
employment services and minimum-allowance cycle welfare stores about 12.1k
(the whole district about 39.5k), seeded in 82 s while the shared machine was
busy with other work (load ~11), so not comparable; `shequ demo` prints its
own figures.
"""

from __future__ import annotations

import random
import time
from collections import Counter
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from services.economy.demo import EconomySeed
from services.grid.commands import RegisterCommunity
from services.grid.demo import GridSeed
from services.volunteering.demo import VolunteeringSeed
from services.welfare.demo import WelfareSeed
from shared.kernel.actor import pseudonym
from shared.kernel.clock import recorded_at
from shared.platform.directory import learn
from shared.kernel.actor import Actor
from shared.platform.eventstore import ServiceApplication
from shared.platform.seeding import SeedPart, SeedReport, Seeding

__all__ = ["PARTS", "REPORTED", "Progress", "SeedReport", "is_empty", "seed_district"]

Progress = Callable[[int, int, str], None]
"""progress(done, total, description): called as each community is seeded."""

PARTS: tuple[type[SeedPart], ...] = (GridSeed, EconomySeed, WelfareSeed, VolunteeringSeed)
"""Run in this order on each community's random stream (reordering them changes the figures)."""

REPORTED: list[dict[str, Any]] = [
    {"community_id": "huasheng", "name": "华胜社区", "district": "金坛区", "households": 3260, "residents": 9870,
     "floating_population": 2150},
    {"community_id": "hualong-jiayuan", "name": "华龙家园社区", "district": "九龙坡区", "households": 4800,
     "residents": 12600, "floating_population": 1900},
    {"community_id": "xizhuchao", "name": "西诸朝社区", "district": "连云港经济技术开发区", "households": 2180,
     "residents": 6500, "floating_population": 3868},  # 59.5%
    {"community_id": "jinpen", "name": "金盆社区", "district": "耒阳市", "households": 8325, "residents": 35353,
     "floating_population": 2200},
]

SYNTHETIC_NAMES = [
    ("donghu", "东湖"), ("xiyuan", "西苑"), ("nanshan", "南山"), ("beicheng", "北城"), ("qingqiao", "青桥"),
    ("guihua", "桂花"), ("jinqiao", "金桥"), ("xinhua", "新华"), ("heping", "和平"), ("changan", "长安"),
    ("xingfu", "幸福"), ("yangguang", "阳光"), ("cuizhu", "翠竹"), ("jinxiu", "锦绣"), ("zijing", "紫荆"),
    ("fenglin", "枫林"), ("liuan", "柳岸"), ("yinxing", "银杏"), ("chunhui", "春晖"), ("huayuan", "华苑"),
    ("taoyuan", "桃源"), ("lianhua", "莲花"), ("binjiang", "滨江"), ("wenchang", "文昌"), ("minzhu", "民主"),
    ("shuguang", "曙光"), ("hongqi", "红旗"), ("qinghe", "清河"), ("baiyun", "白云"), ("xiangyang", "向阳"),
    ("jiangbei", "江北"), ("huxi", "湖西"), ("lanting", "兰亭"), ("songbai", "松柏"), ("meilin", "梅林"),
    ("yuquan", "玉泉"), ("tianning", "天宁"), ("shuangqiao", "双桥"), ("longtan", "龙潭"), ("fuqiang", "富强"),
]
SYNTHETIC_SUFFIXES = [("", "社区"), ("-jiayuan", "家园社区"), ("-huayuan", "花园社区"), ("-xincun", "新村社区")]
DISTRICTS = ["金坛区", "九龙坡区", "连云港经济技术开发区", "耒阳市"]


def directory_entry(plan: dict[str, Any]) -> RegisterCommunity:
    """The grid command registering a planned community (REPORTED or synthetic) in the directory."""
    return RegisterCommunity(id=plan["community_id"], name=plan["name"], district=plan["district"],
                             households=plan["households"], residents=plan["residents"],
                             floating_population=plan["floating_population"])


def _events(app: ServiceApplication) -> int:
    return app.recorder.max_notification_id() or 0


def is_empty(services: dict[str, ServiceApplication]) -> bool:
    """Seeding happens only into an empty district (the grid store owns the directory)."""
    return services["grid"].recorder.max_notification_id() is None


def seed_district(services: dict[str, ServiceApplication], *, communities: int = 20, seed: int = 42,
                  progress: Progress | None = None, now: datetime | None = None) -> SeedReport:
    started = time.perf_counter()
    before = {name: _events(app) for name, app in services.items()}
    seeder = _Seeder(services, seed, now or datetime.now(UTC))
    plans = seeder.plan(communities)
    total = len(plans)
    for done, plan in enumerate(plans):
        if progress:
            progress(done, total, f"{plan['name']} ({plan['community_id']})")
        seeder.community(plan)
    if progress:
        progress(total, total, "done")
    return SeedReport(communities=[p["community_id"] for p in plans],
                      events_by_service={name: _events(app) - before[name] for name, app in services.items()},
                      seconds=time.perf_counter() - started, scale=seeder.seeding.scale)


class _Seeder:
    """Plans the district's communities and seeds each one: the directory entry, then every service's part."""

    def __init__(self, services: dict[str, ServiceApplication], seed: int, now: datetime) -> None:
        self.services = services
        self.seeding = Seeding(seed, now)

    # -- planning -----------------------------------------------------------------

    def plan(self, synthetic: int) -> list[dict[str, Any]]:
        rng = random.Random(f"{self.seeding.seed}:directory")
        plans = [dict(p, kind=p["community_id"]) for p in REPORTED]
        names = rng.sample(SYNTHETIC_NAMES, min(synthetic, len(SYNTHETIC_NAMES)))
        while len(names) < synthetic:
            names.append(rng.choice(SYNTHETIC_NAMES))
        used: set[str] = set()
        for slug, name in names:
            suffix_slug, suffix = rng.choice(SYNTHETIC_SUFFIXES)
            community_id, n = slug + suffix_slug, 2
            while community_id in used:
                community_id, n = f"{slug}{suffix_slug}-{n}", n + 1
            used.add(community_id)
            households = rng.randrange(1200, 6500, 10)
            residents = int(households * rng.uniform(2.4, 3.1))
            plans.append({"community_id": community_id, "name": name + suffix + ("" if n == 2 else f"({n - 1})"),
                          "district": rng.choice(DISTRICTS), "households": households, "residents": residents,
                          "floating_population": int(residents * rng.uniform(0.08, 0.45)), "kind": "synthetic"})
        return plans

    def actors(self, cid: str) -> dict[str, Actor]:
        def actor(subject: str, role: str) -> Actor:
            return Actor(subject=subject, role=role, pseudonym=pseudonym(subject), communities=(cid,))

        return {"staff": actor(f"demo-staff-{cid}", "community_staff"),
                "grid": actor(f"demo-grid-{cid}", "grid_worker"),
                "officer": actor(f"demo-welfare-a-{cid}", "welfare_officer"),
                "approver": actor(f"demo-welfare-b-{cid}", "welfare_officer")}

    # -- one community --------------------------------------------------------------

    def community(self, plan: dict[str, Any]) -> None:
        cid = plan["community_id"]
        rng = random.Random(f"{self.seeding.seed}:{cid}")
        self.seeding.scale[cid] = Counter()
        actors = self.actors(cid)
        with recorded_at(self.seeding.start - timedelta(days=3)):
            self.services["grid"].register_community(actors["staff"], directory_entry(plan))
            # The other services learn the directory entry as their grid consumers would.
            for name in ("economy", "welfare", "volunteering"):
                learn(self.services[name], cid, plan["name"], plan["residents"])
        for part in PARTS:
            part(self.seeding, self.services[part.service], plan, rng, actors).run()
