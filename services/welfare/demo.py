"""The welfare part of the demo district: the registry, minimum allowance, a cash programme, relief, a station.

A welfare registry with categories, households on the minimum allowance, a
monthly cash programme paid in four-eyes cycles (calculated by one officer,
approved by another, disbursed), festival relief and, in Huasheng, the 金馨家园
assisted-employment station paying ~1,000 yuan a month. The reported figures:
Hualong Jiayuan's 1 in 50 residents disabled and 1 in 8 households on the
390-yuan minimum allowance.

Scale-down: registries are a sample: Hualong Jiayuan registers 1 in 10 of its
disabled residents and of its minimum-allowance households (25 and 60);
synthetic communities register 8-14 persons. Everything goes through the use
cases one by one, except the station's monthly wages (one save a month).
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from services.welfare.application import WelfareApplication
from services.welfare.commands import (
    DefineProgramme, Grant, OnDate, OpenCycle, OpenStation, PersonRef, RegisterHousehold, RegisterPerson,
    StartPlacement, Threshold,
)
from services.welfare.domain import ReliefDistribution, Station
from shared.kernel.clock import recorded_at
from shared.platform.seeding import YUAN, SeedPart, person_name, phone_number


class WelfareSeed(SeedPart):
    service = "welfare"
    app: WelfareApplication

    def run(self) -> None:
        w, rng, officer = self.app, self.rng, self.actors["officer"]
        threshold_yuan = {"hualong-jiayuan": 520, "huasheng": 780, "xizhuchao": 680, "jinpen": 560}.get(
            self.kind, rng.randrange(500, 800, 10))
        with recorded_at(self.seeding.start - timedelta(days=2)):
            w.set_threshold(officer, self.cid, Threshold(threshold_fen=threshold_yuan * YUAN,
                                                         effective_from=self.seeding.start.date()))
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
            t = self.seeding.in_month(rng, h * 11 // max(allowance_households, 1))
            size = rng.choice([1, 2, 2, 3, 3, 4])
            members = [self.person(0, [{"category": "minimum_allowance_member"}], at=t) for _ in range(size)]
            with recorded_at(t + timedelta(hours=1)):
                household = w.register_household(officer, RegisterHousehold(
                    community_id=self.cid, members=members,
                    income_per_person_fen=rng.randrange(100, threshold_yuan - 50) * YUAN))
            with recorded_at(t + timedelta(days=3)):
                w.assess_household(officer, household, OnDate(on=(t + timedelta(days=3)).date()))
            with recorded_at(t + timedelta(days=7)):
                monthly = 390 if self.kind == "hualong-jiayuan" else rng.randrange(300, 900, 10)
                w.grant_allowance(self.actors["approver"], household, Grant(
                    monthly_fen=monthly * size * YUAN if self.kind != "hualong-jiayuan" else 390 * YUAN,
                    from_date=(t + timedelta(days=7)).date()))
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
        serial = self.seeding.serial()
        year = rng.randint(1932, 1944) if old else rng.randint(1950, 2000)
        born = date(year, rng.randint(1, 12), rng.randint(1, 28))
        national_id = f"{rng.choice(['320482', '500107', '320791', '430481'])}{born:%Y%m%d}" \
                      f"{serial % 1000:03d}{self.seeding.seed % 10}"
        with recorded_at(at or self.seeding.start - timedelta(days=2)):
            person = self.app.register_person(self.actors["officer"], RegisterPerson(
                community_id=self.cid, name=person_name(rng), national_id=national_id, phone=phone_number(rng),
                address=f"{self.plan['name']}{rng.randint(1, 40)}栋{rng.randint(1, 30)}0{rng.randint(1, 4)}室",
                birth_date=born, categories=categories))
        self.persons_made += 1
        return person

    def programme(self, persons: list[Any]) -> None:
        w, rng = self.app, self.rng
        officer, approver = self.actors["officer"], self.actors["approver"]
        amount = {"hualong-jiayuan": 120, "huasheng": 150}.get(self.kind, rng.choice([80, 100, 120, 150]))
        with recorded_at(self.seeding.start - timedelta(days=1)):
            programme = w.define_programme(officer, DefineProgramme(
                community_id=self.cid, name="困难残疾人及高龄老人生活补贴", kind="cash", amount_fen=amount * YUAN,
                rule={"categories": ["disabled", "aged_80_plus", "elderly_living_alone"]}))
            for person in persons:
                w.enrol(officer, programme, PersonRef(person_id=person))
        self.count["programme_enrolled"] = len(persons)
        for month in range(12):
            t = self.seeding.in_month(rng, month, day=3, hour=2)
            key = self.seeding.month_key(month)
            with recorded_at(t):
                cycle = w.open_cycle(officer, OpenCycle(programme_id=programme, month=key))
            paid_on = OnDate(on=(t + timedelta(days=2)).date())
            self.seeding.record_until_now([(t + timedelta(hours=2), lambda: w.calculate(officer, cycle)),
                                           (t + timedelta(days=1), lambda: w.approve(approver, cycle)),
                                           (t + timedelta(days=2), lambda: w.disburse(officer, cycle, paid_on)),
                                           (t + timedelta(days=5), lambda: w.close_cycle(officer, cycle))])
            self.count["payment_cycles"] += 1

    def relief(self, persons: list[Any], households: list[Any]) -> None:
        rng = self.rng
        festivals = []
        for month in range(12):
            m = self.seeding.months[month].month
            if m == 1 or (m == 2 and not festivals):
                festivals.append((month, "春节慰问：大米、食用油、慰问金"))
            elif m == 9:
                festivals.append((month, "中秋慰问：月饼、食用油"))
        for month, label in festivals:
            t = self.seeding.in_month(rng, month, day=10)
            for person in persons[:6]:
                self.give_relief(t, "festival_visit", [{"item": label, "quantity": 1}],
                                 rng.randrange(200, 500) * YUAN, person_id=person)
            for household in households[:4]:
                self.give_relief(t + timedelta(hours=2), "charity_supermarket", [{"item": "米面粮油", "quantity": 2}],
                                 300 * YUAN, household_id=household)

    def give_relief(self, at: datetime, occasion: str, items: list[dict[str, Any]], value_fen: int,
                    person_id: Any = None, household_id: Any = None) -> None:
        """Saved directly (not through the use case): the demo's item lists predate the API's item shape."""
        with recorded_at(at):
            relief = ReliefDistribution(community_id=self.cid, occasion=occasion, kind="in_kind",
                                        recipient_person_id=person_id and str(person_id),
                                        recipient_household_id=household_id and str(household_id),
                                        items=items, value_fen=value_fen, on=at.date().isoformat())
            self.app.save(relief, actor=self.actors["officer"])
        self.count["relief_distributions"] += 1

    def station(self) -> None:
        """金馨家园: residents with disabilities, ~1,000 yuan a month, a 10-yuan lunch, insurance paid."""
        w, officer = self.app, self.actors["officer"]
        with recorded_at(self.seeding.start - timedelta(days=1)):
            station_id = w.open_station(officer, OpenStation(community_id=self.cid, name="金馨家园辅助性就业站",
                                                             capacity=30, opened_on="2015-06-01"))
            for person in self.disabled[:20]:
                w.start_placement(officer, station_id, StartPlacement(
                    person_id=person, on=self.seeding.start.date(),
                    monthly_wage_fen=self.rng.randrange(1_000, 1_300, 50) * YUAN))
        station: Station = w.get(station_id, Station, "station")
        for month in range(12):
            t = self.seeding.in_month(self.rng, month, day=25, hour=3)
            if not self.seeding.past(t):
                break
            with recorded_at(t):
                for person_id, placement in list(station.placements.items()):
                    station.pay(person_id, self.seeding.month_key(month), placement["monthly_wage_fen"], 30_000, 12_000,
                                22 * 10 * YUAN)
                    self.count["station_wages"] += 1
            w.save(station, actor=officer)
        self.count["station_placements"] = len(station.placements)
