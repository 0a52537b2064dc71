"""The welfare part of the demo district: the registry, minimum allowance, a cash programme, relief, a station.

A welfare registry with categories, households on the minimum allowance, a
monthly cash programme paid in four-eyes cycles (calculated by one officer,
approved by another, disbursed), festival relief and, in Huasheng, the 金馨家园
assisted-employment station paying ~1,000 yuan a month. The reported figures:
Hualong Jiayuan's 1 in 50 residents disabled and 1 in 8 households on the
390-yuan minimum allowance.

Beside them, welfare's services: new minimum-allowance applications run through
the cycle as it is actually run (investigation, community review, a seven-day
public notice with objections, approval, a change of circumstances and the
review it brings forward, an appeal), the monthly minimum-allowance payment
cycles paying the granted amounts, and employment services (vacancies of the
community's enterprises, referrals, placements, retention, training) shaped by
Jinpen's 4,000+ postings, 1,200+ placed and 400+ laid-off resettled, Huasheng's
1,000+ jobs and its 50-60-year-olds placed as guards, and Hualong Jiayuan's
referral and order-based training.

Scale-down: registries are a sample: Hualong Jiayuan registers 1 in 10 of its
disabled residents and of its minimum-allowance households (25 and 60);
synthetic communities register 8-14 persons; job seekers are 1 in 10 of the
reported placements. Everything goes through the use cases one by one, except
the station's monthly wages (one save a month) and the referral lifecycles
(one save per seeker).
"""

from __future__ import annotations

import random
import uuid
from collections.abc import Callable
from datetime import date, datetime, timedelta
from typing import Any

from services.welfare.application import WelfareApplication
from services.welfare.commands import (
    ApplyForAllowance, ApproveAllowance, Attendance, Certify, ChangeOfCircumstances, Circumstances, CommunityReview,
    DecideAppeal, DefineProgramme, Grant, LodgeAppeal, LodgeObjection, OnDate, OpenCycle, OpenStation, PeriodicReview,
    PersonRef, RegisterHousehold, RegisterPerson, RegisterSeeker, ResolveObjection, ScheduleCourse, SeekerRef,
    StartNotice, StartPlacement, Threshold,
)
from services.welfare.domain import (
    JobSeeker, Referral, ReliefDistribution, Station, Vacancy, income_gap_fen, months_after,
)
from shared.kernel import clock
from shared.kernel.clock import recorded_at
from shared.platform.seeding import YUAN, SeedPart, person_name, phone_number


def clock_today() -> str:
    return clock.today().isoformat()


def income_gap(threshold_fen: int, incomes: list[int]) -> int:
    return income_gap_fen(threshold_fen, sum(incomes) // len(incomes), len(incomes))


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
        households: list[Any] = []
        steps: list[tuple[datetime, Callable[[], Any]]] = []
        for h in range(allowance_households):
            t = self.seeding.in_month(rng, h * 11 // max(allowance_households, 1))
            size = rng.choice([1, 2, 2, 3, 3, 4])
            members = [self.person(0, [{"category": "minimum_allowance_member"}], at=t) for _ in range(size)]
            income = rng.randrange(100, threshold_yuan - 50) * YUAN
            monthly = 390 if self.kind == "hualong-jiayuan" else rng.randrange(300, 900, 10)
            grant = Grant(monthly_fen=monthly * size * YUAN if self.kind != "hualong-jiayuan" else 390 * YUAN,
                          from_date=(t + timedelta(days=7)).date())
            # Households on the allowance before their record was kept here: registered, assessed, granted.
            steps.extend(self.legacy_allowance(t, members, income, grant, households))
        self.count["welfare_persons"] = self.persons_made
        self.count["allowance_households"] = allowance_households
        # What follows draws on a generator of its own, so the rest of the demo stays as it was.
        services = random.Random(f"{self.seeding.seed}:{self.cid}:welfare-services")
        steps.extend(self.allowance_applications(services, threshold_yuan))
        steps.extend(self.allowance_payments(services))
        # One timeline: each month's payment cycle pays the households granted before it.
        self.seeding.record_until_now(sorted(steps, key=lambda step: step[0]))
        self.programme(self.disabled + elderly)
        self.relief(self.disabled + elderly, households)
        if self.kind == "huasheng":
            self.station()
        self.employment(services)

    def legacy_allowance(self, t: datetime, members: list[Any], income_fen: int, grant: Grant,
                         households: list[Any]) -> list[tuple[datetime, Callable[[], Any]]]:
        w, officer, holder = self.app, self.actors["officer"], []

        def register() -> None:
            holder.append(w.register_household(officer, RegisterHousehold(
                community_id=self.cid, members=members, income_per_person_fen=income_fen)))
            households.append(holder[0])

        assessed_on = OnDate(on=(t + timedelta(days=3)).date())
        return [(t + timedelta(hours=1), register),
                (t + timedelta(days=3), lambda: w.assess_household(officer, holder[0], assessed_on)),
                (t + timedelta(days=7), lambda: w.grant_allowance(self.actors["approver"], holder[0], grant))]

    persons_made = 0

    def disability(self) -> dict[str, Any]:
        kind = self.rng.choice(["physical", "physical", "intellectual", "mental", "visual", "hearing", "multiple"])
        return {"category": "disabled", "disability_type": kind, "disability_grade": self.rng.randint(1, 4)}

    def person(self, month: int, categories: list[dict[str, Any]], old: bool = False,
               at: datetime | None = None, rng: random.Random | None = None) -> Any:
        rng = rng or self.rng
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

    # -- the minimum-allowance cycle as it is run, and its monthly payment --------------------------------

    APPLICATIONS = {"hualong-jiayuan": 10, "jinpen": 6, "huasheng": 4, "xizhuchao": 4}

    def allowance_applications(self, rng: random.Random, threshold_yuan: int
                               ) -> list[tuple[datetime, Callable[[], Any]]]:
        """New applications through the year: investigated, reviewed by the community, a seven-day public
        notice, approved; every fifth draws an objection (upheld every tenth, and appealed), the first approved
        household's circumstances change later and its review follows. The latest are still under way."""
        steps: list[tuple[datetime, Callable[[], Any]]] = []
        count = self.APPLICATIONS.get(self.kind, 2)
        for n in range(count):
            t = self.seeding.in_month(rng, min(11, 1 + n * 11 // count), day=rng.randint(1, 10))
            size = rng.choice([1, 2, 3, 3, 4])
            members = [self.person(0, [], at=t, rng=rng) for _ in range(size)]
            incomes = [rng.randrange(0, threshold_yuan - 100) * YUAN for _ in members]
            gap = income_gap(threshold_yuan * YUAN, incomes)
            monthly = 390 * YUAN if self.kind == "hualong-jiayuan" and gap >= 390 * YUAN else gap // 100 * 100
            steps.extend(self.application(t, n, members, incomes, monthly, threshold_yuan * YUAN))
            self.count["allowance_applications"] += 1
        return steps

    def application(self, t: datetime, n: int, members: list[Any], incomes: list[int], monthly: int,
                    threshold_fen: int) -> list[tuple[datetime, Callable[[], Any]]]:
        w, officer, approver, holder = self.app, self.actors["officer"], self.actors["approver"], []

        def day(days: int) -> date:
            return (t + timedelta(days=days)).date()

        circumstances = [{"person_id": m, "monthly_income_fen": i} for m, i in zip(members, incomes, strict=True)]
        steps: list[tuple[datetime, Callable[[], Any]]] = [
            (t, lambda: holder.append(w.register_household(officer, RegisterHousehold(
                community_id=self.cid, members=members, income_per_person_fen=0)))),
            (t + timedelta(hours=1), lambda: w.apply_for_allowance(officer, holder[0], ApplyForAllowance(
                applicant_id=members[0], on=day(0)))),
            (t + timedelta(days=4), lambda: w.investigate(officer, holder[0], Circumstances(
                as_of=day(4), members=circumstances, assets_fen=len(members) * 200_000))),
            (t + timedelta(days=9), lambda: w.community_review(officer, holder[0], CommunityReview(
                on=day(9), passed=True, votes_for=9 + n % 4, votes_against=n % 2))),
            (t + timedelta(days=10), lambda: w.start_notice(officer, holder[0], StartNotice(starts_on=day(10)))),
        ]
        if n % 5 == 4:
            upheld = n % 10 == 9
            steps += [(t + timedelta(days=12), lambda: w.lodge_objection(officer, holder[0], LodgeObjection(
                          on=day(12), ground="居民反映该户有经营收入"))),
                      (t + timedelta(days=15), lambda: w.resolve_objection(officer, holder[0], 1, ResolveObjection(
                          on=day(15), upheld=upheld, finding="经入户核实" + ("属实" if upheld else "已停业"))))]
            if upheld:
                steps.append((t + timedelta(days=20), lambda: w.lodge_appeal(officer, holder[0], LodgeAppeal(
                    on=day(20), grounds="经营已转让他人"))))
                return steps
        steps.append((t + timedelta(days=18), lambda: w.approve_allowance(approver, holder[0], ApproveAllowance(
            monthly_fen=monthly, from_date=day(20)))))
        if n == 0:  # a member finds work: the change brings the review forward, which adjusts or ends it
            changed = [{**circumstances[0], "monthly_income_fen": incomes[0] + 20_000}, *circumstances[1:]]
            left = min(monthly, income_gap(threshold_fen, [c["monthly_income_fen"] for c in changed])) // 100 * 100
            review = (PeriodicReview(on=day(85), outcome="adjust", monthly_fen=left, reason="收入增加，调整保障金")
                      if left else PeriodicReview(on=day(85), outcome="end", reason="收入超过保障标准"))
            steps += [(t + timedelta(days=80), lambda: w.change_circumstances(officer, holder[0], ChangeOfCircumstances(
                          as_of=day(80), members=changed, assets_fen=len(members) * 200_000, reason="家庭成员就业"))),
                      (t + timedelta(days=85), lambda: w.review_allowance(officer, holder[0], review))]
        return steps

    def allowance_payments(self, rng: random.Random) -> list[tuple[datetime, Callable[[], Any]]]:
        """The minimum-allowance programme: each month's cycle pays every household on the roll its granted
        amount (calculated by one officer, approved by another, disbursed, closed)."""
        w, officer, approver = self.app, self.actors["officer"], self.actors["approver"]
        with recorded_at(self.seeding.start - timedelta(days=1)):
            programme = w.define_programme(officer, DefineProgramme(
                community_id=self.cid, name="城乡居民最低生活保障金", kind="minimum_allowance", amount_fen=0))
        steps: list[tuple[datetime, Callable[[], Any]]] = []
        for month in range(12):
            t = self.seeding.in_month(rng, month, day=5, hour=2)
            holder: list[Any] = []
            key, paid_on = self.seeding.month_key(month), OnDate(on=(t + timedelta(days=2)).date())
            steps += [(t, lambda key=key, holder=holder: holder.append(
                          w.open_cycle(officer, OpenCycle(programme_id=programme, month=key)))),
                      (t + timedelta(hours=2), lambda holder=holder: w.calculate(officer, holder[0])),
                      (t + timedelta(days=1), lambda holder=holder: w.approve(approver, holder[0])),
                      (t + timedelta(days=2), lambda holder=holder, on=paid_on: w.disburse(officer, holder[0], on)),
                      (t + timedelta(days=4), lambda holder=holder: w.close_cycle(officer, holder[0]))]
        return steps

    # -- employment services ---------------------------------------------------------------------------

    # kind: (vacancies, positions in all, [(group, seekers, placed, monthly wage range in yuan)], courses)
    # Jinpen: 4,000+ job postings, 1,200+ unemployed placed, 400+ laid-off resettled, its 5 released persons all
    # in work. Huasheng: 1,000+ jobs for the area, its 50-60-year-olds placed through an HR company (a guard:
    # 2,000+ yuan). Hualong Jiayuan: referral and order-based training, aiming at 80% of those able to work.
    EMPLOYMENT = {
        "jinpen": (40, 4_040, [("unemployed", 135, 120, (1_800, 3_200)), ("laid_off", 45, 40, (1_800, 2_800)),
                               ("released", 5, 5, (2_000, 2_600))], 1),
        "huasheng": (12, 1_020, [("aged_50_plus", 14, 12, (2_000, 2_600)), ("unemployed", 10, 7, (2_200, 3_500))],
                     1),
        "hualong-jiayuan": (8, 160, [("unemployed", 20, 16, (1_500, 2_500)), ("disabled", 10, 8, (1_200, 1_800))],
                            3),
        "xizhuchao": (6, 120, [("unemployed", 10, 7, (2_000, 3_000))], 1),
    }
    COURSES = [("手工编织订单培训", "handicraft"), ("家政服务培训", "housekeeping"), ("创业指导", "business_start")]

    def employment(self, rng: random.Random) -> None:
        """Vacancies of the community's enterprises, seekers referred, interviewed, accepted and placed, retention
        recorded once 3 and 6 months have passed, and training courses with attendance and certificates.

        Scale-down: persons are a 1 in 10 sample of the reported placements (Jinpen 120 of its 1,200+, 40 of
        its 400+ laid off; its 5 released persons in full); positions offered are the reported figures in full.
        The referral lifecycle runs as domain commands on aggregates held in memory, one save per seeker."""
        w, officer = self.app, self.actors["officer"]
        vacancies_n, positions, groups, courses = self.EMPLOYMENT.get(
            self.kind, (2, rng.randint(20, 60), [("unemployed", 3, rng.randint(1, 2), (1_800, 3_000))], 1))
        enterprises = self.seeding.enterprises.get(self.cid) or [str(uuid.uuid5(uuid.NAMESPACE_URL, self.cid))]
        vacancies = []
        for n in range(vacancies_n):
            with recorded_at(self.seeding.in_month(rng, n * 12 // vacancies_n)):
                share = positions // vacancies_n + (positions % vacancies_n if n == 0 else 0)
                vacancies.append(Vacancy(community_id=self.cid, enterprise_id=enterprises[n % len(enterprises)],
                                         title=rng.choice(["保安", "保洁", "营业员", "仓库管理员", "来料加工", "司机"]),
                                         positions=share, monthly_wage_fen=rng.randrange(1_800, 3_500, 100) * YUAN,
                                         posted_on=clock_today()))
        w.save(*vacancies, actor=officer)
        self.count["vacancies"] += len(vacancies)
        seekers = []
        for group, registered, placed, (low, high) in groups:
            for n in range(registered):
                t = self.seeding.in_month(rng, min(10, n * 11 // registered))
                person = self.person(0, [], at=t, rng=rng)
                with recorded_at(t + timedelta(hours=1)):
                    seeker_id = w.register_seeker(officer, RegisterSeeker(person_id=person, group=group,
                                                                          registered_on=t.date()))
                seekers.append(seeker_id)
                if n < placed:
                    self.placement(rng, seeker_id, t, [v for v in vacancies if v.posted_on <= t.date().isoformat()]
                                   or vacancies, rng.randrange(low, high, 100) * YUAN)
        w.save(*vacancies, actor=officer)
        self.count["job_seekers"] += len(seekers)
        self.training(rng, seekers, courses)

    def placement(self, rng: random.Random, seeker_id: Any, t: datetime, vacancies: list[Vacancy],
                  wage_fen: int) -> None:
        vacancy = next((v for v in vacancies if v.open_positions), None)
        if vacancy is None:
            return
        seeker: JobSeeker = self.app.get(seeker_id, JobSeeker, "job seeker")
        start = t + timedelta(days=rng.randint(5, 20))
        with recorded_at(t + timedelta(days=2)):
            referral = Referral(community_id=self.cid, seeker_id=str(seeker.id), vacancy_id=str(vacancy.id),
                                enterprise_id=vacancy.enterprise_id, group=seeker.group, on=(t + timedelta(days=2)
                                                                                             ).date().isoformat())
        steps = [(t + timedelta(days=4), lambda: referral.record_interview(clock_today(), "面试通过")),
                 (t + timedelta(days=5), lambda: referral.answer(True, clock_today(), None)),
                 (start, lambda: (referral.start(start.date().isoformat(), wage_fen), vacancy.fill(referral.id),
                                  seeker.placed(referral.id)))]
        for months in (3, 6):
            due = datetime.fromisoformat(months_after(start.date().isoformat(), months)).replace(
                hour=3, tzinfo=start.tzinfo)
            retained = rng.random() < 0.9
            steps.append((due + timedelta(days=2), lambda months=months, retained=retained: referral.record_retention(
                months, retained, clock_today()) if referral.status == "placed" else None))
        self.seeding.record_until_now(steps)
        self.app.save(referral, seeker, actor=self.actors["officer"])
        self.count["job_placements"] += referral.started_on is not None

    def training(self, rng: random.Random, seekers: list[Any], courses: int) -> None:
        w, officer = self.app, self.actors["officer"]
        for n, (title, skill) in enumerate(self.COURSES[:courses]):
            t = self.seeding.in_month(rng, 2 + n * 3)
            with recorded_at(t):
                course = w.schedule_course(officer, ScheduleCourse(community_id=self.cid, title=title, skill=skill,
                                                                   sessions=4, min_attendance=3, starts_on=t.date()))
                enrolled = rng.sample(seekers, min(len(seekers), 12))
                for seeker_id in enrolled:
                    w.enrol_in_course(officer, course, SeekerRef(seeker_id=seeker_id))
            steps = []
            for session in range(1, 5):
                present = [s for s in enrolled if rng.random() < 0.85]
                if present:
                    steps.append((t + timedelta(days=7 * session), lambda session=session, present=present:
                                  w.record_attendance(officer, course, Attendance(session=session, present=present))))
            self.seeding.record_until_now(steps)
            attended = w.course(officer, course)["attendance"]
            certified = [s for s in enrolled if len(attended[str(s)]) >= 3]
            self.seeding.record_until_now([(t + timedelta(days=30), lambda: [
                w.certify(officer, course, Certify(seeker_id=s, on=clock_today())) for s in certified])])
            self.count["training_courses"] += 1
