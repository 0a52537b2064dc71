"""The grid part of the demo district: cells and workers, cases, mediations, inspections, rentals, follow-ups.

Cases of every category run through their lifecycle (most resolved and rated,
some rejected, reopened, escalated or left open past their deadline). The
reported figures: Jinpen's 850 registered rental households at a 98%
floating-population registration rate, its 51 mediations (12 neighbour, 34
family, 5 other; 47 settled) and 5 released prisoners followed up with none
reoffending; Xizhuchao's 63 manholes inspected and its lamp repairs.

Household visits (走访) by each cell's own workers: Xizhuchao's door-to-door round after it took over
its unmanaged estate (every household of the estate's two cells visited within 60 days, so those cells
show full coverage that quarter), Hualong Jiayuan's work-injury case pushed through 22 visits to one
household, Huasheng's and Jinpen's Spring Festival visits to poor households (40 and 60), every
special-group follow-up visit made as a visit to the person, and a sample of routine visits (1-3 a cell a
month in the reported communities, 0-1 in synthetic ones; a few open a case). Household references are
the cell's register numbers (e.g. `xizhuchao-01-0117`), never names or addresses.

Scale-down: Xizhuchao's 196 lamps appear as 24 lighting cases, Jinpen's three
years of mediations are all recorded in the last twelve months; synthetic
communities get ~4 cases a month and 5-12 rental houses. Cells, cases, mediations,
rentals and follow-ups are saved in batches; inspections go through the use case.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from typing import Any

from services.grid.application import GridApplication
from services.grid.commands import CompleteInspection, ReportCase
from services.grid.domain import Case, FollowUp, GridCell, Mediation, RentalHouse, Visit, local_today
from shared.kernel.actor import pseudonym
from shared.kernel.clock import recorded_at
from shared.platform.seeding import Batch, SeedPart, person_name, phone_number

CASE_MIX = [  # (category, weight, description)
    ("noise", 14, "楼上夜间噪音扰民"), ("sanitation", 20, "垃圾堆放未及时清运"),
    ("roads_and_lighting", 14, "路灯损坏，夜间照明不足"), ("drainage", 12, "下水道堵塞，雨后积水"),
    ("safety_hazard", 10, "楼道堆放杂物，存在消防隐患"), ("neighbour_dispute", 10, "邻里因占用公共空间发生纠纷"),
    ("elderly_assistance", 12, "独居老人需要上门帮助"), ("other", 8, "其他居民诉求"),
]
SATISFACTION = [5, 5, 5, 5, 4, 4, 4, 3, 2]
VISIT_MIX = [  # (purpose, weight, findings)
    ("routine", 40, "家庭情况正常，已宣传政策"), ("elderly_care", 18, "独居老人身体状况良好"),
    ("hardship", 14, "家庭收入偏低，已告知救助政策"), ("dispute", 8, "邻里矛盾已疏导"),
    ("safety", 10, "检查用电用气安全"), ("opinion", 10, "征求居民对小区管理的意见"),
]
VISIT_CASES = [  # what a routine visit sometimes finds and reports as a case: (category, description, attributes)
    ("elderly_assistance", "走访发现独居老人需要上门帮助", {}),
    ("safety_hazard", "走访发现楼道电动车充电", {"hazard_kind": "electrical"}),
    ("sanitation", "走访发现楼栋垃圾堆放", {}),
]


class GridSeed(SeedPart):
    service = "grid"
    app: GridApplication

    def run(self) -> None:
        self.batch = Batch(self.app, self.actors["grid"])
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
        # Visits draw from their own stream, so the figures seeded before and after them stay as they were.
        self.visit_rng = random.Random(f"visits:{self.seeding.seed}:{self.cid}")
        self.follow_ups()
        self.visits()
        self.batch.flush()

    def cells(self) -> None:
        n = {"jinpen": 20, "huasheng": 10, "hualong-jiayuan": 12, "xizhuchao": 8}.get(self.kind,
                                                                                     self.rng.randint(4, 9))
        households = self.plan["households"]
        self.cell_ids, self.workers, self.drawn = [], [], {}
        with recorded_at(self.seeding.start - timedelta(days=2)):
            for i in range(n):
                cell = GridCell(community_id=self.cid, name=f"第{i + 1}网格", households=households // n)
                for w in range(1 if self.rng.random() < 0.6 else 2):
                    worker = pseudonym(f"demo-gridworker-{self.cid}-{i}-{w}")
                    cell.assign_worker(worker)
                    self.workers.append(worker)
                self.batch.add(cell)
                self.cell_ids.append(str(cell.id))
                self.drawn[str(cell.id)] = cell
        self.batch.flush()  # cases validate their cell against the store
        self.count["grid_cells"] = n
        self.count["grid_workers"] = len(self.workers)

    def case(self, month: int, earlier: list[Case], category: str | None = None,
             description: str | None = None) -> Case:
        rng = self.rng
        if category is None:
            category, _, description = rng.choices(CASE_MIX, weights=[w for _, w, _ in CASE_MIX])[0]
        t = self.seeding.in_month(rng, month)
        attributes = {"hazard_kind": rng.choice(["fire", "electrical", "structural"])} \
            if category == "safety_hazard" else {}
        if category == "noise":
            attributes = {"time_of_day": rng.choice(["day", "night"])}
        with recorded_at(t):
            case = self.app.new_case(ReportCase(
                community_id=self.cid, grid_cell_id=rng.choice(self.cell_ids), category=category,
                description=description,
                channel=rng.choice(["resident", "resident", "grid_worker", "hotline", "volunteer"]),
                location={"address": f"{self.plan['name']}{rng.randint(1, 40)}栋"},
                reporter_contact={"phone": phone_number(rng)}, attributes=attributes))
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
            if not self.seeding.past(t):
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
            t = self.seeding.in_month(rng, min(month, 10))  # opened at least a month ago, so each is concluded
            with recorded_at(t):
                mediation = Mediation.open(community_id=self.cid, dispute_type=dispute, parties=rng.choice([2, 2, 3]),
                                           grid_cell_id=rng.choice(self.cell_ids), summary=summaries[dispute])
            for _ in range(rng.randint(1, 3)):
                t += timedelta(days=rng.uniform(1, 6))
                with recorded_at(min(t, self.seeding.now - timedelta(minutes=5))):
                    mediation.hold_session(notes="调解员组织双方当面协商")
            t += timedelta(days=rng.uniform(1, 5))
            with recorded_at(min(t, self.seeding.now - timedelta(minutes=4))):
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
            t = self.seeding.in_month(rng, month)
            with recorded_at(t):
                inspection = self.app.complete_inspection(actor, CompleteInspection(
                    community_id=self.cid, inspection_type=kind, site=site, grid_cell_id=rng.choice(self.cell_ids),
                    hazards=hazards, open_cases=True))
            self.count["inspections"] += 1
            self.count["hazards"] += len(hazards)
            for case_id in inspection.case_ids:
                case = self.app.get(case_id, Case, "case")
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
            t = self.seeding.in_month(rng, rng.randrange(12) if self.kind != "jinpen" else h * 12 // houses)
            with recorded_at(t):
                house = RentalHouse(community_id=self.cid, address=f"{self.plan['name']}{rng.randint(1, 60)}栋"
                                                                   f"{rng.randint(1, 6)}0{rng.randint(1, 4)}室",
                                    landlord={"name": person_name(rng), "phone": phone_number(rng)},
                                    grid_cell_id=rng.choice(self.cell_ids))
            rental_houses.append((house, t))
        for n in range(households):
            house, t = rental_houses[n % houses]
            floating = n < floating_households
            moment = t + timedelta(days=rng.uniform(0, 20), hours=n % 7)
            with recorded_at(min(moment, self.seeding.now - timedelta(minutes=3))):
                house.register_tenant(size=sizes[n] if floating else rng.choice([2, 3, 4]), floating=floating,
                                      details={"name": person_name(rng), "phone": phone_number(rng),
                                               "origin": rng.choice(["湖南衡阳", "四川达州", "河南周口", "安徽阜阳",
                                                                     "江西赣州", "贵州毕节"])})
        if self.kind != "jinpen":  # some tenants moved on (not in Jinpen: its 850 are the registered count)
            for house, t in rental_houses[: houses // 6]:
                if house.tenants:
                    moment = t + timedelta(days=rng.uniform(40, 200))
                    if self.seeding.past(moment):
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
            start = self.seeding.in_month(rng, rng.randrange(0, 4))
            with recorded_at(start):
                follow_up = FollowUp(community_id=self.cid, group=group,
                                     person={"name": person_name(rng), "released_on": start.date().isoformat()},
                                     grid_cell_id=rng.choice(self.cell_ids))
            t = last = start
            while True:
                t += timedelta(days=rng.uniform(25, 35))
                if not self.seeding.past(t):
                    break
                with recorded_at(t):
                    self.visit(follow_up.grid_cell_id, "person", str(follow_up.id), "special_group",
                               "走访了解就业与家庭情况", person=follow_up)
                    follow_up.record_visit(notes="走访了解就业与家庭情况")
                last = t
            if i < 2 and follow_up.visits >= 6:  # two completed their follow-up; nobody reoffended
                with recorded_at(min(last + timedelta(days=2), self.seeding.now - timedelta(minutes=2))):
                    follow_up.end(outcome="completed", reoffended=False)
            self.batch.add(follow_up)
            self.count["follow_ups"] += 1

    # -- household visits (走访) ---------------------------------------------------------------------

    def visit(self, cell_id: str, target_kind: str, target_id: str, purpose: str, findings: str,
              person: FollowUp | None = None, opens: Case | None = None) -> Visit:
        """One visit by a worker of the cell, on the date of the moment being recorded."""
        cell = self.drawn[cell_id]
        visit = Visit.record(cell=cell, worker_id=self.visit_rng.choice(cell.workers), target_kind=target_kind,
                             target_id=target_id, purpose=purpose, visited_on=local_today(), findings=findings,
                             person_follow_up=person, follow_up="open_case" if opens else "none",
                             case_id=str(opens.id) if opens else None)
        self.batch.add(visit)
        self.count["visits"] += 1
        return visit

    def household(self, cell_id: str, number: int) -> str:
        """The register number of a household of the cell (its cells hold households // cells each)."""
        return f"{self.cid}-{self.cell_ids.index(cell_id) + 1:02d}-{number + 1:04d}"

    @contextmanager
    def visit_stream(self) -> Iterator[None]:
        """Case lifecycles draw from the visits' stream while visits open cases."""
        rng, self.rng = self.rng, self.visit_rng
        try:
            yield
        finally:
            self.rng = rng

    def visits(self) -> None:
        rng, seeding = self.visit_rng, self.seeding
        reported = self.kind != "synthetic"
        for cell_id, cell in self.drawn.items():
            for month in range(12):
                for _ in range(rng.randint(1, 3) if reported else rng.randint(0, 1)):
                    t = seeding.in_month(rng, month)
                    purpose, _, findings = rng.choices(VISIT_MIX, weights=[w for _, w, _ in VISIT_MIX])[0]
                    opens = None
                    if rng.random() < 0.04:
                        category, description, attributes = rng.choice(VISIT_CASES)
                        with recorded_at(t):
                            opens = Case.report(community_id=self.cid, category=category, description=description,
                                                channel="grid_worker", grid_cell_id=cell_id, attributes=attributes)
                        with self.visit_stream():
                            self.lifecycle(opens, t, [])
                        self.batch.add(opens)
                        self.count["cases"] += 1
                    with recorded_at(t):
                        self.visit(cell_id, "household", self.household(cell_id, rng.randrange(cell.households)),
                                   purpose, findings, opens=opens)
        if self.kind == "xizhuchao":  # the estate taken over: every household of two cells, within 60 days
            quarter_start = max(i for i in range(10) if seeding.months[i].month in (1, 4, 7, 10))
            start = seeding.in_month(rng, quarter_start, day=1, hour=1)
            for cell_id in self.cell_ids[:2]:
                for number in range(self.drawn[cell_id].households):
                    with recorded_at(start + timedelta(days=rng.uniform(0, 60), hours=rng.uniform(0, 8))):
                        self.visit(cell_id, "household", self.household(cell_id, number), "opinion",
                                   "逐户上门走访，征求对物业接管的意见")
        if self.kind == "hualong-jiayuan":  # a work-injury compensation pushed through 22 visits to one household
            cell_id = self.cell_ids[0]
            for n in range(22):
                with recorded_at(seeding.in_month(rng, n * 12 // 22, day=min(28, 1 + (n % 2) * 14))):
                    self.visit(cell_id, "household", self.household(cell_id, 41), "dispute",
                               "协助工伤赔偿，跟进企业协商进展")
        festival = {"huasheng": 40, "jinpen": 60}.get(self.kind, 0)
        months = [i for i, first in enumerate(seeding.months) if first.month in (1, 2)]
        if festival and months:  # Spring Festival visits to poor households
            for _ in range(festival):
                cell_id = rng.choice(self.cell_ids)
                with recorded_at(seeding.in_month(rng, months[0])):
                    self.visit(cell_id, "household", self.household(cell_id, rng.randrange(
                        self.drawn[cell_id].households)), "festival", "春节慰问困难家庭，送去米面油")
