"""The demo district: four reported communities and N synthetic ones, with twelve months of history.

`seed_district(services)` records, through the domain services' own aggregates
and use cases, what a district of communities did over the last twelve months
(ending in the current month): the directory, grid cells and workers, cases of
every category through their lifecycle (most resolved and rated, some rejected,
reopened, escalated or left open past their deadline), mediations by dispute
type, inspections with hazards, rental houses with (floating) tenant households,
special-group follow-ups; collective assets, leases, monthly billing runs, rent
payments (some tenants in arrears), debts and distributions, enterprises and
jobs, tax rebates, community companies and per-capita income for three years;
a welfare registry with categories, households on the minimum allowance, a
monthly cash programme paid in four-eyes cycles (calculated by one officer,
approved by another, disbursed), festival relief and an assisted-employment
station; volunteers, teams, activities (sign-up, check-in/out, completion and
points), help requests and point redemptions. Every event is stamped at a
plausible past moment with `shared.kernel.clock.recorded_at`. The same seed gives the
same figures (aggregate ids are random, counts and amounts are not).

The four reported communities carry the published figures of
/work/shared/domain (see its README): Jinpen's 8,325 households and 35,353
residents, 850 registered rental households at a 98% floating-population
registration rate, 51 mediations (12 neighbour, 34 family, 5 other; 47 settled),
5 released prisoners followed up with none reoffending, a 45-member volunteer
team and 5 cultural events; Huasheng's 4.2 million yuan of legacy debt and
420,000 yuan owed to 4 villager groups (both cleared over the year from re-let
factory rent and land-reserve compensation), 1,000 red-help-team volunteers in
10 teams, 150 help requests, the 金馨家园 station paying ~1,000 yuan a month;
Hualong Jiayuan's 1 in 50 residents disabled and 1 in 8 households on the
390-yuan minimum allowance; Xizhuchao's 1.3 million yuan collective income
(150k rent, 300k tax rebates, the rest remitted by its cleaning company and
farm-machinery cooperative), 31,000 yuan per-capita income, 59.5% floating
population, 63 manholes inspected and lamp repairs. Households and residents
of Huasheng, Hualong Jiayuan and Xizhuchao are not published; plausible
figures are used.

Scale-down (to seed in under a minute on two cores, ~30k events):
- welfare registries are a sample: Hualong Jiayuan registers 1 in 10 of its
  disabled residents and of its minimum-allowance households (25 and 60);
  synthetic communities register 8-14 persons;
- Xizhuchao's 196 lamps appear as 24 lighting cases, Jinpen's three years of
  mediations are all recorded in the last twelve months;
- synthetic communities get ~4 cases a month, 5-12 rental houses, 12-35
  volunteers, 5-8 activities and 4-12 help requests a year;
- Huasheng's 1,000 volunteers are all registered, but hold 24 activities.

Speed: each use case saves in its own SQLite transaction (~2.5 ms each, a
disk sync). High-volume lifecycles (cases, mediations, rentals, activities,
points, leases and the fund) are therefore run as the domain commands the use
cases call, on aggregates held in memory, and saved through the service's
`save` in batches (one atomic save per batch, the actor stamped on every
event); the welfare registry, households, programme enrolment and payment
cycles, and inspections go through the application use cases one by one.
Measured on the 2-core demo machine: the default size (4 reported + 20
synthetic communities, seed 42) stores about 29.5k events (grid 11.1k,
economy 4.0k, welfare 5.6k, volunteering 8.9k) in ~30 s, before any relay or
projector competes for the CPU; `shequ demo` prints its own figures.
"""

from __future__ import annotations

import random
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

from services.economy.domain import (
    Asset, AssetRegister, CollectiveFund, CommunityCompany, Enterprise, IncomeSurvey, month_bounds,
)
from services.grid.domain import Case, FollowUp, GridCell, Mediation, RentalHouse
from services.volunteering.domain import Activity, HelpRequest, PointsLedger, Team, Volunteer
from services.welfare.domain import Station
from shared.kernel.actor import pseudonym
from shared.kernel.clock import recorded_at
from shared.platform.directory import learn
from shared.kernel.actor import Actor
from shared.platform.eventstore import ServiceApplication

Progress = Callable[[int, int, str], None]
"""progress(done, total, description): called as each community is seeded."""

YUAN = 100  # fen

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
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰红梅建国志强海燕晓东春生秋云德福"

CASE_MIX = [  # (category, weight, description)
    ("noise", 14, "楼上夜间噪音扰民"), ("sanitation", 20, "垃圾堆放未及时清运"),
    ("roads_and_lighting", 14, "路灯损坏，夜间照明不足"), ("drainage", 12, "下水道堵塞，雨后积水"),
    ("safety_hazard", 10, "楼道堆放杂物，存在消防隐患"), ("neighbour_dispute", 10, "邻里因占用公共空间发生纠纷"),
    ("elderly_assistance", 12, "独居老人需要上门帮助"), ("other", 8, "其他居民诉求"),
]
SATISFACTION = [5, 5, 5, 5, 4, 4, 4, 3, 2]


def _person_name(rng: random.Random) -> str:
    return rng.choice(SURNAMES) + rng.choice(GIVEN) + (rng.choice(GIVEN) if rng.random() < 0.6 else "")


def _phone(rng: random.Random) -> str:
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


class _Batch:
    """Aggregates changed in memory, saved together by one service in one atomic save."""

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
                      seconds=time.perf_counter() - started, scale=seeder.scale)


class _Seeder:
    def __init__(self, services: dict[str, ServiceApplication], seed: int, now: datetime) -> None:
        self.grid, self.economy = services["grid"], services["economy"]
        self.welfare, self.volunteering = services["welfare"], services["volunteering"]
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
        self.id_serial = 0

    # -- time ---------------------------------------------------------------------

    def in_month(self, rng: random.Random, index: int, day: int | None = None, hour: int | None = None) -> datetime:
        """A working-hours moment (09:00-18:00 Beijing time) in month `index` (0 = oldest), never in the future."""
        first = self.months[index]
        last = month_bounds(first.strftime("%Y-%m"))[1].day
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

    # -- planning -----------------------------------------------------------------

    def plan(self, synthetic: int) -> list[dict[str, Any]]:
        rng = random.Random(f"{self.seed}:directory")
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
        rng = random.Random(f"{self.seed}:{cid}")
        self.scale[cid] = Counter()
        actors = self.actors(cid)
        with recorded_at(self.start - timedelta(days=3)):
            self.grid.register_community(actors["staff"], **{k: plan[k] for k in (
                "community_id", "name", "district", "households", "residents", "floating_population")})
            # The other services learn the directory entry as their grid consumers would.
            for learner in (self.economy, self.welfare, self.volunteering):
                learn(learner, cid, plan["name"], plan["residents"])
        GridSeed(self, plan, rng, actors).run()
        EconomySeed(self, plan, rng, actors).run()
        WelfareSeed(self, plan, rng, actors).run()
        VolunteeringSeed(self, plan, rng, actors).run()


class _Part:
    def __init__(self, seeder: _Seeder, plan: dict[str, Any], rng: random.Random, actors: dict[str, Actor]) -> None:
        self.s, self.plan, self.rng, self.actors = seeder, plan, rng, actors
        self.cid, self.kind = plan["community_id"], plan["kind"]
        self.count = seeder.scale[self.cid]


# ====================================================================== grid


class GridSeed(_Part):
    def run(self) -> None:
        self.batch = _Batch(self.s.grid, self.actors["grid"])
        self.cells()
        cases_per_month = {"jinpen": 12, "huasheng": 9, "hualong-jiayuan": 8, "xizhuchao": 7}.get(self.kind, 4)
        cases: list[Case] = []
        for month in range(12):
            for _ in range(self.rng.randint(cases_per_month - 1, cases_per_month + 1)):
                cases.append(self.case(month, cases))
        if self.kind == "xizhuchao":
            for n in range(24):
                self.case(self.rng.randrange(12), cases, category="roads_and_lighting",
                          description=f"新装路灯第{n * 8 + 1}-{n * 8 + 8}号调试与维修")
        self.mediations()
        self.batch.flush()
        self.inspections()
        self.rentals()
        self.follow_ups()
        self.batch.flush()

    def cells(self) -> None:
        n = {"jinpen": 20, "huasheng": 10, "hualong-jiayuan": 12, "xizhuchao": 8}.get(self.kind,
                                                                                     self.rng.randint(4, 9))
        households = self.plan["households"]
        self.cell_ids, self.workers = [], []
        with recorded_at(self.s.start - timedelta(days=2)):
            for i in range(n):
                cell = GridCell(community_id=self.cid, name=f"第{i + 1}网格", households=households // n)
                for w in range(1 if self.rng.random() < 0.6 else 2):
                    worker = pseudonym(f"demo-gridworker-{self.cid}-{i}-{w}")
                    cell.assign_worker(worker)
                    self.workers.append(worker)
                self.batch.add(cell)
                self.cell_ids.append(str(cell.id))
        self.batch.flush()  # cases validate their cell against the store
        self.count["grid_cells"] = n
        self.count["grid_workers"] = len(self.workers)

    def case(self, month: int, earlier: list[Case], category: str | None = None,
             description: str | None = None) -> Case:
        rng = self.rng
        if category is None:
            category, _, description = rng.choices(CASE_MIX, weights=[w for _, w, _ in CASE_MIX])[0]
        t = self.s.in_month(rng, month)
        attributes = {"hazard_kind": rng.choice(["fire", "electrical", "structural"])} \
            if category == "safety_hazard" else {}
        if category == "noise":
            attributes = {"time_of_day": rng.choice(["day", "night"])}
        with recorded_at(t):
            case = self.s.grid.new_case(community_id=self.cid, grid_cell_id=rng.choice(self.cell_ids),
                                        category=category, description=description,
                                        channel=rng.choice(["resident", "resident", "grid_worker", "hotline",
                                                            "volunteer"]),
                                        location={"address": f"{self.plan['name']}{rng.randint(1, 40)}栋"},
                                        reporter_contact={"phone": _phone(rng)}, attributes=attributes)
        self.count["cases"] += 1
        self.lifecycle(case, t, earlier)
        self.batch.add(case)
        return case

    def lifecycle(self, case: Case, t: datetime, earlier: list[Case]) -> None:
        rng = self.rng
        fate = rng.random()
        steps: list[tuple[float, Callable[[], None]]] = []
        if fate < 0.05 and earlier:
            original = rng.choice(earlier[-20:])
            steps = [(rng.uniform(1, 6), lambda: case.reject(reason="duplicate", duplicate_of=str(original.id)))]
        elif fate < 0.08:
            steps = [(rng.uniform(1, 12), lambda: case.reject(reason="not_our_responsibility"))]
        else:
            stall = fate > 0.95  # left open, past its deadline in time
            worker = rng.choice(self.workers)
            limit = {"safety_hazard": 24, "elderly_assistance": 24, "sanitation": 48, "drainage": 48,
                     "noise": 72, "roads_and_lighting": 120}.get(case.category, 168)
            steps = [(rng.uniform(0.2, 2), case.accept),
                     (rng.uniform(0.2, 3), lambda: case.assign(kind="worker", assignee=worker))]
            if rng.random() < 0.08:
                steps.append((rng.uniform(2, 24),
                              lambda: case.escalate(level="street", reason="需要街道协调相关部门")))
            if not stall:
                late = rng.random() < 0.12
                steps.append((rng.uniform(limit * 1.05, limit * 2.5) if late else rng.uniform(limit * 0.1, limit * 0.9),
                              lambda: case.resolve(outcome="已处理完毕，现场复核合格")))
                if rng.random() < 0.8:
                    steps.append((rng.uniform(6, 72), lambda: case.close(satisfaction=rng.choice(SATISFACTION))))
                    if rng.random() < 0.04:
                        steps.append((rng.uniform(24, 120), lambda: case.reopen(reason="居民反映问题复发")))
                        steps.append((rng.uniform(4, 48), lambda: case.resolve(outcome="二次处理完毕")))
        for hours, command in steps:
            t = t + timedelta(hours=hours)
            if not self.s.past(t):
                return
            with recorded_at(t):
                command()
        if case.status.value == "closed":
            self.count["cases_closed"] += 1

    def mediations(self) -> None:
        rng = self.rng
        if self.kind == "jinpen":  # 51 in three years: 12 neighbour, 34 family, 5 other; 47 settled
            types = ["neighbour"] * 12 + ["family"] * 34 + ["other"] * 5
            failed = {5, 20, 33, 48}
        else:
            n = {"huasheng": 14, "hualong-jiayuan": 22, "xizhuchao": 12}.get(self.kind, rng.randint(3, 9))
            types = rng.choices(["neighbour", "family", "property", "labour", "other"], [4, 4, 2, 1, 1], k=n)
            failed = {i for i in range(n) if rng.random() < 0.12}
        summaries = {"neighbour": "邻里噪音与占道纠纷", "family": "家庭赡养与婚姻纠纷", "property": "房屋租赁与物业纠纷",
                     "labour": "工伤赔偿与欠薪纠纷", "other": "其他民间纠纷"}
        for i, dispute in enumerate(types):
            month = i * 12 // len(types) if self.kind == "jinpen" else rng.randrange(12)
            t = self.s.in_month(rng, min(month, 10))  # opened at least a month ago, so each is concluded
            with recorded_at(t):
                mediation = Mediation.open(community_id=self.cid, dispute_type=dispute, parties=rng.choice([2, 2, 3]),
                                           grid_cell_id=rng.choice(self.cell_ids), summary=summaries[dispute])
            for _ in range(rng.randint(1, 3)):
                t += timedelta(days=rng.uniform(1, 6))
                with recorded_at(min(t, self.s.now - timedelta(minutes=5))):
                    mediation.hold_session(notes="调解员组织双方当面协商")
            t += timedelta(days=rng.uniform(1, 5))
            with recorded_at(min(t, self.s.now - timedelta(minutes=4))):
                if i in failed:
                    mediation.fail(reason="双方未达成一致，引导通过诉讼解决")
                else:
                    mediation.settle(agreement="双方签订人民调解协议书")
            self.batch.add(mediation)
            self.count["mediations"] += 1
            self.count["mediations_settled"] += i not in failed

    def inspections(self) -> None:
        rng, actor = self.rng, self.actors["grid"]
        plan: list[tuple[int, str, str, list[dict[str, Any]]]] = []
        for month in range(12):
            if self.kind == "jinpen":  # monthly fire-hydrant and key-site inspections
                plan.append((month, "fire_safety", "消防栓（金盆市场片区）",
                             [{"description": "消防栓水压不足", "category": "safety_hazard",
                               "attributes": {"hazard_kind": "fire"}}] if rng.random() < 0.3 else []))
                plan.append((month, "key_site", "批发市场重点场所", []))
            elif rng.random() < 0.8:
                plan.append((month, rng.choice(["fire_safety", "environment", "sanitation"]), "小区公共区域",
                             [{"description": "电动车楼道充电", "category": "safety_hazard",
                               "attributes": {"hazard_kind": "electrical"}}] if rng.random() < 0.3 else []))
        if self.kind == "xizhuchao":  # the unmanaged estate taken over: 63 manholes inspected
            for n in range(63):
                hazards = [{"description": "窨井堵塞需清掏", "category": "drainage"}] if n % 5 == 0 else []
                plan.append((rng.randrange(12), "environment", f"接管小区第{n + 1}号窨井", hazards))
        for month, kind, site, hazards in sorted(plan, key=lambda p: p[0]):
            t = self.s.in_month(rng, month)
            with recorded_at(t):
                inspection = self.s.grid.complete_inspection(actor, community_id=self.cid, inspection_type=kind,
                                                             site=site, grid_cell_id=rng.choice(self.cell_ids),
                                                             hazards=hazards, open_cases=True)
            self.count["inspections"] += 1
            self.count["hazards"] += len(hazards)
            for case_id in inspection.case_ids:
                case = self.s.grid.get(case_id, Case, "case")
                self.lifecycle(case, t, [])
                self.batch.add(case)

    def rentals(self) -> None:
        rng = self.rng
        if self.kind == "jinpen":  # 850 rental households; 98% of the floating population registered
            households, houses = 850, 300
            floating = self.plan["floating_population"]
            target, floating_households = round(floating * 0.98), 800
        else:
            houses = {"huasheng": 40, "hualong-jiayuan": 30, "xizhuchao": 70}.get(self.kind, rng.randint(5, 12))
            households = houses * 2 + rng.randint(0, houses)
            floating_households = int(households * 0.85)
            target = None
        sizes = [rng.choice([1, 2, 2, 3, 3, 4]) for _ in range(floating_households)]
        if target is not None:  # adjust sizes so floating persons hit the target exactly
            i = 0
            while sum(sizes) != target:
                step = 1 if sum(sizes) < target else -1
                if 1 <= sizes[i % len(sizes)] + step <= 6:
                    sizes[i % len(sizes)] += step
                i += 1
        rental_houses = []
        for h in range(houses):
            t = self.s.in_month(rng, rng.randrange(12) if self.kind != "jinpen" else h * 12 // houses)
            with recorded_at(t):
                house = RentalHouse(community_id=self.cid, address=f"{self.plan['name']}{rng.randint(1, 60)}栋"
                                                                   f"{rng.randint(1, 6)}0{rng.randint(1, 4)}室",
                                    landlord={"name": _person_name(rng), "phone": _phone(rng)},
                                    grid_cell_id=rng.choice(self.cell_ids))
            rental_houses.append((house, t))
        for n in range(households):
            house, t = rental_houses[n % houses]
            floating = n < floating_households
            moment = t + timedelta(days=rng.uniform(0, 20), hours=n % 7)
            with recorded_at(min(moment, self.s.now - timedelta(minutes=3))):
                house.register_tenant(size=sizes[n] if floating else rng.choice([2, 3, 4]), floating=floating,
                                      details={"name": _person_name(rng), "phone": _phone(rng),
                                               "origin": rng.choice(["湖南衡阳", "四川达州", "河南周口", "安徽阜阳",
                                                                     "江西赣州", "贵州毕节"])})
        if self.kind != "jinpen":  # some tenants moved on (not in Jinpen: its 850 are the registered count)
            for house, t in rental_houses[: houses // 6]:
                if house.tenants:
                    moment = t + timedelta(days=rng.uniform(40, 200))
                    if self.s.past(moment):
                        with recorded_at(moment):
                            house.tenant_departed(next(iter(house.tenants)))
                        self.count["tenants_departed"] += 1
        for house, _ in rental_houses:
            self.batch.add(house)
        self.count["rental_houses"] = houses
        self.count["rental_households"] = households

    def follow_ups(self) -> None:
        rng = self.rng
        n = {"jinpen": 5, "huasheng": 3, "hualong-jiayuan": 4, "xizhuchao": 2}.get(self.kind, rng.randint(0, 3))
        for i in range(n):
            group = "released_prisoner" if self.kind == "jinpen" or rng.random() < 0.6 else "community_correction"
            start = self.s.in_month(rng, rng.randrange(0, 4))
            with recorded_at(start):
                follow_up = FollowUp(community_id=self.cid, group=group,
                                     person={"name": _person_name(rng), "released_on": start.date().isoformat()},
                                     grid_cell_id=rng.choice(self.cell_ids))
            t = last = start
            while True:
                t += timedelta(days=rng.uniform(25, 35))
                if not self.s.past(t):
                    break
                with recorded_at(t):
                    follow_up.record_visit(notes="走访了解就业与家庭情况")
                last = t
            if i < 2 and follow_up.visits >= 6:  # two completed their follow-up; nobody reoffended
                with recorded_at(min(last + timedelta(days=2), self.s.now - timedelta(minutes=2))):
                    follow_up.end(outcome="completed", reoffended=False)
            self.batch.add(follow_up)
            self.count["follow_ups"] += 1


# ====================================================================== economy


class EconomySeed(_Part):
    def run(self) -> None:
        self.batch = _Batch(self.s.economy, self.actors["staff"])
        with recorded_at(self.s.start - timedelta(days=1)):
            self.fund = CollectiveFund(self.cid)
            self.register = AssetRegister(self.cid)
        self.leases: list[tuple[Asset, str, float]] = []  # asset, lease id, payment reliability
        self.scheduled: dict[int, list[Callable[[], None]]] = {}
        getattr(self, f"_{self.kind.replace('-', '_')}", self._synthetic)()
        self.monthly()
        self.surveys()
        self.batch.add(self.fund, self.register)
        self.batch.flush()

    def at(self, month: int, action: Callable[[], None]) -> None:
        """Do `action` in `month`, in order with the billing runs (each aggregate's history stays in time order)."""
        self.scheduled.setdefault(month, []).append(action)

    # -- building blocks (as the use cases compose them) -----------------------------

    def asset(self, asset_type: str, name: str, area: int, value_yuan: int) -> Asset:
        with recorded_at(self.s.start - timedelta(days=1)):
            asset = Asset.register(self.cid, asset_type=asset_type, name=name, area_m2=area,
                                   book_value=value_yuan * YUAN, registered_on=self.s.start.date() - timedelta(days=1))
            self.register.list_asset(str(asset.id))
        self.batch.add(asset)
        self.count["assets"] += 1
        return asset

    def enterprise(self, name: str, sector: str, jobs: tuple[int, int], month: int = 0) -> Enterprise:
        t = self.s.start - timedelta(days=1) if month == 0 else self.s.in_month(self.rng, month)
        with recorded_at(t):
            enterprise = Enterprise.register(self.cid, name=name, sector=sector,
                                             attracted_by=pseudonym(f"demo-staff-{self.cid}") if month else None,
                                             registered_on=t.date())
            enterprise.report_jobs(total=jobs[0], local=jobs[1], reported_on=t.date())
        self.batch.add(enterprise)
        self.count["enterprises"] += 1
        return enterprise

    def lease(self, asset: Asset, tenant: Enterprise, rent_yuan: int, month: int = 0, reliability: float = 0.97,
              years: int = 3) -> str:
        starts = self.s.months[month]
        t = self.s.in_month(self.rng, month, day=1)
        with recorded_at(t):
            lease_id = asset.lease(tenant_enterprise_id=str(tenant.id), monthly_rent=rent_yuan * YUAN,
                                   starts_on=starts, ends_on=starts.replace(year=starts.year + years) - timedelta(days=1),
                                   deposit=rent_yuan * 2 * YUAN)
        self.leases.append((asset, lease_id, reliability))
        self.count["leases"] += 1
        return lease_id

    def income(self, source: str, yuan: int, month: int, reference: str = "") -> None:
        t = self.s.in_month(self.rng, month)
        with recorded_at(t):
            self.fund.record_income(source=source, amount=yuan * YUAN, received_on=t.date(), reference=reference)

    def expense(self, category: str, yuan: int, month: int, description: str) -> None:
        t = self.s.in_month(self.rng, month)
        with recorded_at(t):
            self.fund.record_expense(category=category, amount=yuan * YUAN, spent_on=t.date(), description=description)

    def tax_rebate(self, enterprise: Enterprise, yuan: int, month: int) -> None:
        t = self.s.in_month(self.rng, month)
        with recorded_at(t):
            enterprise.receive_tax_rebate(amount=yuan * YUAN, year=t.year - 1, received_on=t.date())
            self.fund.record_income(source="tax_rebate", amount=yuan * YUAN, received_on=t.date(),
                                    reference=f"enterprise {enterprise.id}")
        self.count["tax_rebates"] += 1

    def company(self, name: str, kind: str, founded: int, revenue_yuan: int, jobs: tuple[int, int]) -> None:
        with recorded_at(self.s.start - timedelta(days=1)):
            company = CommunityCompany.found(self.cid, name=name, kind=kind, founded_on=date(founded, 3, 1))
        year = self.s.now.year
        for y, share in ((year - 2, 0.82), (year - 1, 0.93)):
            with recorded_at(self.s.in_month(self.rng, 0 if y == year - 2 else 2)):
                company.report_revenue(year=y, amount=int(revenue_yuan * share) * YUAN)
        with recorded_at(self.s.in_month(self.rng, 6)):
            company.report_jobs(total=jobs[0], local=jobs[1], reported_on=self.s.in_month(self.rng, 6).date())
        self.batch.add(company)
        self.count["companies"] += 1

    def monthly(self) -> None:
        """A billing run on the 1st of each month; tenants pay (or fall behind) after the 10th."""
        rng = self.rng
        for month in range(12):
            key = self.s.month_key(month)
            for action in self.scheduled.get(month, []):
                action()
            with recorded_at(self.s.in_month(rng, month, day=1, hour=1)):
                for asset in {id(a): a for a, _, _ in self.leases}.values():
                    for lease_id in asset.billable_leases(key):
                        asset.bill_rent(lease_id, key)
                        self.count["rent_bills"] += 1
            for asset, lease_id, reliability in self.leases:
                lease = asset.leases[lease_id]
                if not lease.outstanding or rng.random() > reliability:
                    continue
                t = self.s.in_month(rng, month, day=rng.randint(5, 25))
                if not self.s.past(t) or t.date() < lease.starts_on:
                    continue
                amount = lease.outstanding if reliability > 0.9 else min(lease.outstanding, lease.monthly_rent)
                with recorded_at(t):
                    asset.pay_rent(lease_id, amount=amount, paid_on=t.date())
                    self.fund.record_income(source="rent", amount=amount, received_on=t.date(),
                                            reference=f"lease {lease_id}")
                self.count["rent_payments"] += 1
            if month % 3 == 2:
                self.expense("maintenance", rng.randrange(8_000, 40_000, 100), month, "厂房与道路维修")
            self.expense("staff", rng.randrange(20_000, 45_000, 100), month, "社区工作人员补贴")
        for asset in {id(a): a for a, _, _ in self.leases}.values():
            self.batch.add(asset)

    def surveys(self) -> None:
        base = {"huasheng": 23_800, "xizhuchao": 31_000, "jinpen": 28_500, "hualong-jiayuan": 19_600}.get(
            self.kind, self.rng.randrange(18_000, 36_000, 100))
        year = self.s.now.year
        for back, factor in ((3, 0.88), (2, 0.94), (1, 1.0)):
            with recorded_at(self.s.in_month(self.rng, 1 if back == 1 else 0)):
                self.batch.add(IncomeSurvey.report(self.cid, year=year - back,
                                                   per_capita_net_income=int(base * factor) * YUAN))
        self.count["income_surveys"] = 3

    # -- communities --------------------------------------------------------------

    def _huasheng(self) -> None:
        """Legacy debt and unpaid distributions, factories re-let, land to the state reserve, debt cleared."""
        rng = self.rng
        with recorded_at(self.s.start - timedelta(days=1)):
            self.fund.incur_debt(creditor="历年厂房租金欠收及管理亏损", amount=4_200_000 * YUAN,
                                 incurred_on=date(2010, 12, 31))
            for g in range(1, 5):
                self.fund.declare_distribution(villager_group=f"第{g}村民小组", amount=105_000 * YUAN,
                                               declared_on=date(2010, 12, 31))
        factories = [self.asset("factory_building", f"华胜工业园{n}号厂房", 3_000 + n * 400, 2_400_000)
                     for n in range(1, 7)]
        old = self.enterprise("金坛某五金加工厂", "manufacturing", (40, 22))
        old_lease = self.lease(factories[0], old, 36_000, 0, reliability=0.0)  # pays nothing: arrears
        better = [self.enterprise(name, sector, jobs) for name, sector, jobs in (
            ("常州华胜精密机械有限公司", "manufacturing", (260, 180)), ("金坛新材料科技有限公司", "manufacturing", (310, 190)),
            ("华胜物流有限公司", "logistics", (120, 80)), ("江苏绿源电子有限公司", "manufacturing", (240, 150)),
            ("金坛宏达纺织有限公司", "manufacturing", (180, 120)))]
        for factory, tenant in zip(factories[1:], better, strict=True):
            self.lease(factory, tenant, rng.randrange(55_000, 80_000, 1000), 0)
        newcomer = self.enterprise("常州智能装备有限公司", "manufacturing", (220, 140), month=3)

        def relet() -> None:  # the defaulting tenant leaves; the factory is re-let to a better enterprise
            t = self.s.in_month(rng, 3, day=5)
            with recorded_at(t):
                factories[0].terminate_lease(old_lease, reason="default", terminated_on=t.date())
            self.lease(factories[0], newcomer, 72_000, 4)

        land = self.asset("land", "华胜村东地块（收储）", 26_000, 0)

        def land_reserve() -> None:
            t = self.s.in_month(rng, 2, day=18)
            with recorded_at(t):
                land.transfer_to_land_reserve(compensation=2_600_000 * YUAN, transferred_on=t.date())
                self.fund.record_income(source="land_compensation", amount=2_600_000 * YUAN, received_on=t.date(),
                                        reference=f"asset {land.id}")

        self.at(2, land_reserve)
        self.at(3, relet)
        self.count["land_reserve_transfers"] = 1
        for e in better[:3]:
            self.at(4, lambda e=e, yuan=rng.randrange(60_000, 120_000, 1000): self.tax_rebate(e, yuan, 4))

        def repay(month: int) -> None:  # the debt and the groups repaid over the year (cleared by month 10)
            t = self.s.in_month(rng, month, day=28)
            with recorded_at(t):
                self.fund.repay_debt(creditor="历年厂房租金欠收及管理亏损", amount=525_000 * YUAN, repaid_on=t.date())
                if month % 2:
                    for g in range(1, 5):
                        self.fund.pay_distribution(villager_group=f"第{g}村民小组", amount=26_250 * YUAN,
                                                   paid_on=t.date())

        for month in range(3, 11):
            self.at(month, lambda month=month: repay(month))
        self.count["debt_cleared_yuan"] = 4_200_000

    def _xizhuchao(self) -> None:
        """1.3 million yuan: 150k lease income, 300k tax rebates, the rest from its two companies."""
        rng = self.rng
        land = [self.asset("land", f"西诸朝{n}号承包地", 20_000, 0) for n in range(1, 3)]
        shop = self.asset("shop", "西诸朝沿街门面", 600, 900_000)
        coop_land = self.enterprise("连云港西诸朝农机专业合作社", "agriculture", (35, 30))
        farm = self.enterprise("开发区绿野种植家庭农场", "agriculture", (12, 10))
        trader = self.enterprise("西诸朝便民超市", "wholesale_retail", (8, 8))
        for asset, tenant, rent in ((land[0], coop_land, 4_500), (land[1], farm, 4_000), (shop, trader, 4_000)):
            self.lease(asset, tenant, rent, 0)  # 12,500 a month: 150k a year
        taxpayers = [self.enterprise(name, sector, jobs, month=m) for name, sector, jobs, m in (
            ("连云港港城物流有限公司", "logistics", (140, 60), 0), ("江苏开发区医药科技有限公司", "manufacturing", (380, 90), 0),
            ("连云港海辰建材有限公司", "construction", (95, 40), 5), ("西诸朝商贸有限公司", "wholesale_retail", (30, 22), 7))]
        for e, yuan, month in zip(taxpayers, (110_000, 95_000, 55_000, 40_000), (3, 4, 8, 10), strict=True):
            self.at(month, lambda e=e, yuan=yuan, month=month: self.tax_rebate(e, yuan, month))  # 300k
        self.company("西诸朝保洁服务有限公司", "cleaning", 2013, 1_600_000, (46, 44))
        self.company("西诸朝农机专业合作社", "farm_cooperative", 2014, 900_000, (28, 26))
        for month in range(12):  # profit remitted monthly: 850k a year
            self.at(month, lambda month=month: self.income("community_company", 70_000 if month < 11 else 80_000,
                                                           month, ""))
        del rng

    def _jinpen(self) -> None:
        """Five wholesale markets built by the community; their operators employ 12,000+."""
        rng = self.rng
        markets = ["金盆农副产品批发市场", "金盆建材批发市场", "金盆五金机电市场", "金盆服装小商品市场", "金盆水果批发市场"]
        for n, name in enumerate(markets):
            asset = self.asset("market", name, rng.randrange(12_000, 40_000, 500), rng.randrange(8, 30) * 1_000_000)
            operator = self.enterprise(f"{name}经营管理有限公司", "wholesale_retail", (2_400 + n * 50, 2_100))
            self.lease(asset, operator, rng.randrange(90_000, 160_000, 1000), 0, reliability=0.9 if n == 3 else 0.98)
            if n < 3:
                self.at(5 + n, lambda o=operator, yuan=rng.randrange(150_000, 260_000, 1000), m=5 + n:
                        self.tax_rebate(o, yuan, m))
        self.at(1, lambda: self.expense("public_services", 240_000, 1, "36名保洁员工资（19万平方米）"))

    def _hualong_jiayuan(self) -> None:
        rng = self.rng
        shops = [self.asset("shop", f"华龙家园底商{n}号", rng.randrange(80, 240, 10), 400_000) for n in range(1, 5)]
        for n, shop in enumerate(shops):
            tenant = self.enterprise(f"华龙家园{['手工坊', '家政服务社', '便民超市', '康复理疗馆'][n]}", "services",
                                     (total := rng.randint(6, 25), rng.randint(3, total)))
            self.lease(shop, tenant, rng.randrange(3_000, 6_000, 100), 0, reliability=0.6 if n == 1 else 0.97)

    def _synthetic(self) -> None:
        rng = self.rng
        n = rng.randint(2, 5)
        for i in range(n):
            kind = rng.choice(["shop", "shop", "factory_building", "market"])
            area = {"shop": (60, 400), "factory_building": (1_500, 6_000), "market": (3_000, 12_000)}[kind]
            asset = self.asset(kind, f"{self.plan['name']}{['门面', '厂房', '市场'][min(i, 2)]}{i + 1}号",
                               rng.randrange(*area, 10), rng.randrange(3, 40) * 100_000)
            tenant = self.enterprise(f"{self.plan['name'][:2]}{rng.choice(['恒达', '兴隆', '宏发', '鑫源', '瑞丰'])}"
                                     f"{rng.choice(['商贸', '机械', '物流', '餐饮'])}有限公司",
                                     rng.choice(["wholesale_retail", "manufacturing", "logistics", "services"]),
                                     (total := rng.randint(5, 120), rng.randint(3, total)))
            rent = {"shop": (2_000, 8_000), "factory_building": (20_000, 60_000), "market": (30_000, 90_000)}[kind]
            reliability = 0.55 if rng.random() < 0.25 else 0.97  # some tenants fall into arrears
            self.lease(asset, tenant, rng.randrange(*rent, 100), rng.choice([0, 0, 0, 2, 5]), reliability)
            if rng.random() < 0.4:
                month = rng.randrange(3, 12)
                self.at(month, lambda t=tenant, yuan=rng.randrange(10_000, 80_000, 1000), m=month:
                        self.tax_rebate(t, yuan, m))
        if rng.random() < 0.25:
            self.company(f"{self.plan['name'][:2]}物业保洁服务有限公司", "cleaning", rng.randint(2012, 2019),
                         rng.randrange(300_000, 1_200_000, 10_000), (total := rng.randint(10, 40), rng.randint(8, total)))
        if rng.random() < 0.3:
            with recorded_at(self.s.start - timedelta(days=1)):
                amount = rng.randrange(100_000, 800_000, 10_000)
                self.fund.incur_debt(creditor="道路改造工程款", amount=amount * YUAN, incurred_on=date(2019, 6, 30))

            def repay(month: int, amount: int = amount) -> None:
                t = self.s.in_month(rng, month, day=25)
                with recorded_at(t):
                    self.fund.repay_debt(creditor="道路改造工程款", amount=amount // 4 * YUAN, repaid_on=t.date())

            for month in (4, 9):
                self.at(month, lambda month=month: repay(month))


# ====================================================================== welfare


class WelfareSeed(_Part):
    def run(self) -> None:
        w, rng, officer = self.s.welfare, self.rng, self.actors["officer"]
        threshold_yuan = {"hualong-jiayuan": 520, "huasheng": 780, "xizhuchao": 680, "jinpen": 560}.get(
            self.kind, rng.randrange(500, 800, 10))
        with recorded_at(self.s.start - timedelta(days=2)):
            w.set_threshold(officer, self.cid, threshold_yuan * YUAN, self.s.start.date().isoformat())
        if self.kind == "hualong-jiayuan":  # 1 in 50 disabled (252 -> 25), 1 in 8 households on 低保 (600 -> 60)
            disabled, allowance_households, others = 25, 60, 6
        elif self.kind == "huasheng":
            disabled, allowance_households, others = 24, 8, 6
        elif self.kind == "jinpen":
            disabled, allowance_households, others = 10, 12, 8
        elif self.kind == "xizhuchao":
            disabled, allowance_households, others = 6, 6, 4
        else:
            disabled, allowance_households, others = rng.randint(2, 5), rng.randint(2, 5), rng.randint(1, 4)
        self.disabled = [self.person(0, [self.disability()]) for _ in range(disabled)]
        elderly = [self.person(0, [{"category": rng.choice(["elderly_living_alone", "aged_80_plus"])}], old=True)
                   for _ in range(others)]
        households = []
        for h in range(allowance_households):
            t = self.s.in_month(rng, h * 11 // max(allowance_households, 1))
            size = rng.choice([1, 2, 2, 3, 3, 4])
            members = [self.person(0, [{"category": "minimum_allowance_member"}], at=t) for _ in range(size)]
            with recorded_at(t + timedelta(hours=1)):
                household = w.register_household(officer, community_id=self.cid, members=members,
                                                  income_per_person_fen=rng.randrange(100, threshold_yuan - 50) * YUAN)
            with recorded_at(t + timedelta(days=3)):
                w.assess_household(officer, household, (t + timedelta(days=3)).date().isoformat())
            with recorded_at(t + timedelta(days=7)):
                monthly = 390 if self.kind == "hualong-jiayuan" else rng.randrange(300, 900, 10)
                w.change_allowance(self.actors["approver"], household, "grant", monthly_fen=monthly * size * YUAN
                                   if self.kind != "hualong-jiayuan" else 390 * YUAN,
                                   from_date=(t + timedelta(days=7)).date().isoformat())
            households.append(household)
        self.count["welfare_persons"] = self.persons_made
        self.count["allowance_households"] = allowance_households
        self.programme(self.disabled + elderly)
        self.relief(self.disabled + elderly, households)
        if self.kind == "huasheng":
            self.station()

    persons_made = 0

    def disability(self) -> dict[str, Any]:
        kind = self.rng.choice(["physical", "physical", "intellectual", "mental", "visual", "hearing", "multiple"])
        return {"category": "disabled", "disability_type": kind, "disability_grade": self.rng.randint(1, 4)}

    def person(self, month: int, categories: list[dict[str, Any]], old: bool = False,
               at: datetime | None = None) -> Any:
        rng = self.rng
        self.s.id_serial += 1
        year = rng.randint(1932, 1944) if old else rng.randint(1950, 2000)
        born = date(year, rng.randint(1, 12), rng.randint(1, 28))
        national_id = f"{rng.choice(['320482', '500107', '320791', '430481'])}{born:%Y%m%d}" \
                      f"{self.s.id_serial % 1000:03d}{self.s.seed % 10}"
        with recorded_at(at or self.s.start - timedelta(days=2)):
            person = self.s.welfare.register_person(
                self.actors["officer"], community_id=self.cid, name=_person_name(rng), national_id=national_id,
                phone=_phone(rng), address=f"{self.plan['name']}{rng.randint(1, 40)}栋{rng.randint(1, 30)}0"
                                           f"{rng.randint(1, 4)}室", birth_date=born.isoformat(),
                categories=categories)
        self.persons_made += 1
        return person

    def programme(self, persons: list[Any]) -> None:
        w, rng = self.s.welfare, self.rng
        officer, approver = self.actors["officer"], self.actors["approver"]
        amount = {"hualong-jiayuan": 120, "huasheng": 150}.get(self.kind, rng.choice([80, 100, 120, 150]))
        with recorded_at(self.s.start - timedelta(days=1)):
            programme = w.define_programme(officer, community_id=self.cid, name="困难残疾人及高龄老人生活补贴",
                                           kind="cash", amount_fen=amount * YUAN,
                                           rule={"categories": ["disabled", "aged_80_plus", "elderly_living_alone"]})
            for person in persons:
                w.enrol(officer, programme, person)
        self.count["programme_enrolled"] = len(persons)
        for month in range(12):
            t = self.s.in_month(rng, month, day=3, hour=2)
            key = self.s.month_key(month)
            cycle: list[Any] = []
            with recorded_at(t):
                cycle.append(w.open_cycle(officer, programme, key))
            plan = [(t + timedelta(hours=2), lambda: w.calculate(officer, cycle[0])),
                    (t + timedelta(days=1), lambda: w.approve(approver, cycle[0])),
                    (t + timedelta(days=2), lambda: w.disburse(officer, cycle[0], (t + timedelta(days=2)).date()
                                                               .isoformat())),
                    (t + timedelta(days=5), lambda: w.close_cycle(officer, cycle[0]))]
            for moment, step in plan:
                if not self.s.past(moment):
                    break
                with recorded_at(moment):
                    step()
            self.count["payment_cycles"] += 1

    def relief(self, persons: list[Any], households: list[Any]) -> None:
        w, rng = self.s.welfare, self.rng
        festivals = []
        for month in range(12):
            m = self.s.months[month].month
            if m == 1 or (m == 2 and not festivals):
                festivals.append((month, "春节慰问：大米、食用油、慰问金"))
            elif m == 9:
                festivals.append((month, "中秋慰问：月饼、食用油"))
        for month, label in festivals:
            t = self.s.in_month(rng, month, day=10)
            for person in persons[:6]:
                with recorded_at(t):
                    w.distribute_relief(self.actors["officer"], community_id=self.cid, occasion="festival_visit",
                                        kind="in_kind", person_id=person, household_id=None,
                                        items=[{"item": label, "quantity": 1}], value_fen=rng.randrange(200, 500) * YUAN,
                                        on=t.date().isoformat())
                self.count["relief_distributions"] += 1
            for household in households[:4]:
                with recorded_at(t + timedelta(hours=2)):
                    w.distribute_relief(self.actors["officer"], community_id=self.cid, occasion="charity_supermarket",
                                        kind="in_kind", person_id=None, household_id=household,
                                        items=[{"item": "米面粮油", "quantity": 2}], value_fen=300 * YUAN,
                                        on=t.date().isoformat())
                self.count["relief_distributions"] += 1

    def station(self) -> None:
        """金馨家园: residents with disabilities, ~1,000 yuan a month, a 10-yuan lunch, insurance paid."""
        w, officer = self.s.welfare, self.actors["officer"]
        with recorded_at(self.s.start - timedelta(days=1)):
            station_id = w.open_station(officer, community_id=self.cid, name="金馨家园辅助性就业站", capacity=30,
                                        opened_on="2015-06-01")
            for person in self.disabled[:20]:
                w.start_placement(officer, station_id, person, self.s.start.date().isoformat(),
                                  self.rng.randrange(1_000, 1_300, 50) * YUAN)
        station: Station = w.get(station_id, Station, "station")
        for month in range(12):
            t = self.s.in_month(self.rng, month, day=25, hour=3)
            if not self.s.past(t):
                break
            with recorded_at(t):
                for person_id, placement in list(station.placements.items()):
                    station.pay(person_id, self.s.month_key(month), placement["monthly_wage_fen"], 30_000, 12_000,
                                22 * 10 * YUAN)
                    self.count["station_wages"] += 1
            w.save(station, actor=officer)
        self.count["station_placements"] = len(station.placements)


# ====================================================================== volunteering


class VolunteeringSeed(_Part):
    def run(self) -> None:
        self.batch = _Batch(self.s.volunteering, self.actors["staff"])
        rng = self.rng
        n = {"huasheng": 1000, "jinpen": 45, "hualong-jiayuan": 80, "xizhuchao": 60}.get(self.kind,
                                                                                      rng.randint(12, 35))
        skills = ["维修", "法律", "医疗", "心理疏导", "文艺", "摄影", "驾驶", "电脑", "烹饪", "巡逻"]
        self.volunteers = []
        for i in range(n):
            with recorded_at(self.s.start - timedelta(days=rng.randint(1, 30))):
                v = Volunteer(community_id=self.cid, name=_person_name(rng), phone=_phone(rng),
                              skills=sorted(set(rng.sample(skills, rng.randint(1, 3)))))
            self.volunteers.append(v)
            self.batch.add(v)
        self.count["volunteers"] = n
        self.teams = self.form_teams()
        self.ledgers: dict[str, PointsLedger] = {}
        self.activities()
        self.help_requests()
        self.redemptions()
        for ledger in self.ledgers.values():
            self.batch.add(ledger)
        self.batch.flush()

    def form_teams(self) -> list[Team]:
        rng = self.rng
        if self.kind == "huasheng":  # 红色帮帮团: 10 teams, everyone in one
            specs = [("问题收集队", "issue_collection"), ("法律援助队", "legal_aid"), ("环境巡查队", "environment_patrol"),
                     ("助老服务队", "elderly_care"), ("文化宣传队", "culture"), ("治安巡逻队", "other"),
                     ("家电维修队", "other"), ("医疗保健队", "elderly_care"), ("心理疏导队", "other"),
                     ("邻里互助队", "other")]
            specs = [(f"红色帮帮团{name}", purpose) for name, purpose in specs]
        elif self.kind == "jinpen":
            specs = [("金盆志愿服务队", "other"), ("老年协会", "elderly_care"), ("金盆艺术团", "culture")]
        else:
            specs = rng.sample([("环境巡查队", "environment_patrol"), ("助老服务队", "elderly_care"),
                                ("文艺宣传队", "culture"), ("法律服务队", "legal_aid"), ("民情收集队", "issue_collection")],
                               rng.randint(2, 3))
        teams = []
        with recorded_at(self.s.start - timedelta(hours=5)):
            for name, purpose in specs:
                teams.append(Team(community_id=self.cid, name=name, purpose=purpose))
            for i, v in enumerate(self.volunteers):
                teams[i % len(teams)].join(v)
            for team in teams:
                if team.members:
                    team.appoint_leader(team.members[0])
        for team in teams:
            self.batch.add(team)
        self.count["teams"] = len(teams)
        return teams

    def activities(self) -> None:
        rng = self.rng
        titles = {"culture": "社区文艺汇演", "elderly_care": "走访慰问独居老人", "environment_patrol": "小区环境整治",
                  "legal_aid": "法律咨询进社区", "issue_collection": "民情恳谈会", "other": "邻里互助服务日"}
        per_year = {"huasheng": 24, "jinpen": 12, "hualong-jiayuan": 12, "xizhuchao": 10}.get(self.kind,
                                                                                            rng.randint(5, 8))
        for k in range(per_year):
            month = k * 12 // per_year
            team = self.teams[k % len(self.teams)]
            culture = self.kind == "jinpen" and k % 2 == 0 and self.count["cultural_events"] < 5
            if culture:
                team = next(t for t in self.teams if t.purpose.value == "culture")
                self.count["cultural_events"] += 1
            starts = self.s.in_month(rng, month, day=rng.randint(2, 26), hour=rng.choice([1, 6]))
            ends = starts + timedelta(hours=rng.choice([2, 3, 4]))
            with recorded_at(starts - timedelta(days=7)):
                activity = Activity.publish(community_id=self.cid, title=titles[team.purpose.value],
                                            place=f"{self.plan['name']}活动中心", starts_at=starts, ends_at=ends,
                                            slots=40 if culture else 12, points_per_hour=10, team=team)
            in_team = set(team.members)
            members = [v for v in self.volunteers if str(v.id) in in_team]
            joined = rng.sample(members, min(len(members), 36 if culture else rng.randint(3, 8)))
            with recorded_at(starts - timedelta(days=rng.uniform(1, 6))):
                for v in joined:
                    activity.sign_up(v)
            self.batch.add(activity)
            self.count["activities"] += 1
            if not self.s.past(ends + timedelta(hours=1)):
                continue  # still to come
            if rng.random() < 0.06:
                with recorded_at(starts - timedelta(hours=20)):
                    activity.cancel(reason="天气原因取消")
                continue
            present = [v for v in joined if rng.random() < 0.85]
            for v in present:
                at = starts + timedelta(minutes=rng.randint(-20, 15))
                with recorded_at(at):
                    activity.check_in(v, at)
            for v in present:
                at = ends + timedelta(minutes=rng.randint(-30, 10))
                with recorded_at(at):
                    activity.check_out(str(v.id), at)
            with recorded_at(ends + timedelta(hours=1)):
                activity.complete()
                by_id = {str(v.id): v for v in present}
                for vid, points in activity.awards().items():
                    if points <= 0:
                        continue
                    ledger = self.ledgers.get(vid) or PointsLedger.open_for(by_id[vid])
                    self.ledgers[vid] = ledger
                    ledger.award_for_activity(str(activity.id), activity.minutes[vid], points)
            self.count["participations"] += len(present)

    def help_requests(self) -> None:
        rng = self.rng
        n = {"huasheng": 150, "jinpen": 24, "hualong-jiayuan": 30, "xizhuchao": 15}.get(self.kind, rng.randint(4, 12))
        needs = ["帮助独居老人代购生活用品", "陪同残疾居民就医", "疏通厨房下水", "为困难家庭孩子辅导功课", "法律咨询：劳动合同纠纷",
                 "维修家中电路", "协助办理医保手续", "反映小区路面破损"]
        for i in range(n):
            t = self.s.in_month(rng, i * 12 // n)
            deadline = t + timedelta(days=rng.choice([2, 3, 7]))
            with recorded_at(t):
                request = HelpRequest.receive(community_id=self.cid, need=rng.choice(needs),
                                              urgency=rng.choice(["low", "normal", "normal", "high", "urgent"]),
                                              deadline=deadline, now=t)
            fate = rng.random()
            steps: list[tuple[datetime, Callable[[], None]]] = []
            if fate < 0.05:
                steps = [(t + timedelta(hours=5), lambda: request.decline(reason="不属于志愿服务范围，已转相关部门"))]
            elif fate < 0.09:
                steps = [(deadline + timedelta(hours=1), lambda d=deadline: request.expire(d + timedelta(hours=1)))]
            else:
                team = rng.choice(self.teams)
                helper = rng.choice(self.volunteers)
                by_team = self.kind == "huasheng" or rng.random() < 0.3
                steps = [(t + timedelta(hours=rng.uniform(1, 10)),
                          lambda: request.match(team=team) if by_team else request.match(volunteer=helper)),
                         (t + timedelta(hours=rng.uniform(12, 40)),
                          lambda: request.fulfil(rng.choice([30, 60, 90, 120, 180]), "已上门帮助解决"))]
            for moment, step in steps:
                if not self.s.past(moment):
                    break
                with recorded_at(moment):
                    step()
            self.batch.add(request)
            self.count["help_requests"] += 1

    def redemptions(self) -> None:
        rng = self.rng
        rich = [ledger for ledger in self.ledgers.values() if ledger.balance >= 30]
        for ledger in rich[: max(1, len(rich) // 4)]:
            with recorded_at(self.s.start_of_today(rng) - timedelta(days=rng.randint(1, 40))):
                ledger.redeem(min(ledger.balance, rng.choice([20, 30, 50])), "积分超市兑换生活用品")
            self.count["redemptions"] += 1
