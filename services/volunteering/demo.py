"""The volunteering part of the demo district: volunteers, teams, activities, help requests, points.

Activities run from sign-up through check-in/out to completion and points;
help requests are matched and fulfilled (a few declined or expired); some
points are redeemed. The reported figures: Jinpen's 45-member volunteer team
and 5 cultural events; Huasheng's 1,000 red-help-team volunteers in 10 teams
and 150 help requests.

Scale-down: synthetic communities get 12-35 volunteers, 5-8 activities and
4-12 help requests a year; Huasheng's 1,000 volunteers are all registered, but
hold 24 activities. Everything is saved in batches.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

from services.volunteering.application import VolunteeringApplication
from services.volunteering.domain import Activity, HelpRequest, PointsLedger, Team, Volunteer
from shared.kernel.clock import recorded_at
from shared.platform.seeding import Batch, SeedPart, person_name, phone_number


class VolunteeringSeed(SeedPart):
    service = "volunteering"
    app: VolunteeringApplication

    def run(self) -> None:
        self.batch = Batch(self.app, self.actors["staff"])
        rng = self.rng
        n = {"huasheng": 1000, "jinpen": 45, "hualong-jiayuan": 80, "xizhuchao": 60}.get(self.kind,
                                                                                      rng.randint(12, 35))
        skills = ["维修", "法律", "医疗", "心理疏导", "文艺", "摄影", "驾驶", "电脑", "烹饪", "巡逻"]
        self.volunteers = []
        for i in range(n):
            with recorded_at(self.seeding.start - timedelta(days=rng.randint(1, 30))):
                v = Volunteer(community_id=self.cid, name=person_name(rng), phone=phone_number(rng),
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
        with recorded_at(self.seeding.start - timedelta(hours=5)):
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
                team = next(t for t in self.teams if t.purpose == "culture")
                self.count["cultural_events"] += 1
            starts = self.seeding.in_month(rng, month, day=rng.randint(2, 26), hour=rng.choice([1, 6]))
            ends = starts + timedelta(hours=rng.choice([2, 3, 4]))
            with recorded_at(starts - timedelta(days=7)):
                activity = Activity.publish(community_id=self.cid, title=titles[team.purpose],
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
            if not self.seeding.past(ends + timedelta(hours=1)):
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
            t = self.seeding.in_month(rng, i * 12 // n)
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
            self.seeding.record_until_now(steps)
            self.batch.add(request)
            self.count["help_requests"] += 1

    def redemptions(self) -> None:
        rng = self.rng
        rich = [ledger for ledger in self.ledgers.values() if ledger.balance >= 30]
        for ledger in rich[: max(1, len(rich) // 4)]:
            with recorded_at(self.seeding.start_of_today(rng) - timedelta(days=rng.randint(1, 40))):
                ledger.redeem(min(ledger.balance, rng.choice([20, 30, 50])), "积分超市兑换生活用品")
            self.count["redemptions"] += 1
