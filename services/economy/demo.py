"""The economy part of the demo district: the collective fund and assets, leases, billing, enterprises.

Monthly billing runs and rent payments (some tenants in arrears), debts and
distributions, enterprises and jobs, tax rebates, community companies and
per-capita income for three years. The reported figures: Huasheng's 4.2
million yuan of legacy debt and 420,000 yuan owed to 4 villager groups (both
cleared over the year from re-let factory rent and land-reserve compensation);
Xizhuchao's 1.3 million yuan collective income (150k rent, 300k tax rebates,
the rest remitted by its cleaning company and farm-machinery cooperative) and
31,000 yuan per-capita income. Every community publishes its monthly disclosure (三务公开) early in the
following month; Huasheng re-lets its defaulted factory by tender and corrects one disclosure after a
double-booked expense is reversed; Xizhuchao bills property fees to the households of its taken-over
estates, collected fully after a year of door-to-door work; Jinpen pays 50,000 yuan for its ten public
notice boards (党务居务公开栏). Everything is saved in batches.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from datetime import date, timedelta

from services.economy.application import EconomyApplication
from services.economy.domain import (
    Asset, AssetRegister, CollectiveFund, CommunityCompany, DisclosureBook, Enterprise, IncomeSurvey, PropertyFeeAccount,
    PropertyFeeRegister, Tender, disclosure_figures,
)
from shared.kernel.actor import pseudonym
from shared.kernel.clock import recorded_at
from shared.platform.seeding import YUAN, Batch, SeedPart


class EconomySeed(SeedPart):
    service = "economy"
    app: EconomyApplication

    def run(self) -> None:
        self.batch = Batch(self.app, self.actors["staff"])
        with recorded_at(self.seeding.start - timedelta(days=1)):
            self.fund = CollectiveFund(self.cid)
            self.register = AssetRegister(self.cid)
            self.book = DisclosureBook(self.cid)
        self.leases: list[tuple[Asset, str, float]] = []  # asset, lease id, payment reliability
        self.assets: list[Asset] = []
        self.scheduled: dict[int, list[Callable[[], None]]] = {}
        # Its own stream: the new public-affairs history leaves every other seeded figure as it was.
        self.affairs_rng = random.Random(f"{self.seeding.seed}:{self.cid}:public-affairs")
        for month in range(1, 12):  # the previous month's disclosure, on the 5th
            self.at(month, lambda month=month: self.disclose(month - 1))
        getattr(self, f"_{self.kind.replace('-', '_')}", self._synthetic)()
        self.monthly()
        self.surveys()
        self.batch.add(self.fund, self.register, self.book)
        self.batch.flush()

    def at(self, month: int, action: Callable[[], None]) -> None:
        """Do `action` in `month`, in order with the billing runs (each aggregate's history stays in time order)."""
        self.scheduled.setdefault(month, []).append(action)

    # -- building blocks (as the use cases compose them) -----------------------------

    def asset(self, asset_type: str, name: str, area: int, value_yuan: int) -> Asset:
        with recorded_at(self.seeding.start - timedelta(days=1)):
            asset = Asset.register(self.cid, asset_type=asset_type, name=name, area_m2=area,
                                   book_value=value_yuan * YUAN,
                                   registered_on=self.seeding.start.date() - timedelta(days=1))
            self.register.list_asset(str(asset.id))
        self.batch.add(asset)
        self.assets.append(asset)
        self.count["assets"] += 1
        return asset

    def enterprise(self, name: str, sector: str, jobs: tuple[int, int], month: int = 0) -> Enterprise:
        t = self.seeding.start - timedelta(days=1) if month == 0 else self.seeding.in_month(self.rng, month)
        with recorded_at(t):
            enterprise = Enterprise.register(self.cid, name=name, sector=sector,
                                             attracted_by=pseudonym(f"demo-staff-{self.cid}") if month else None,
                                             registered_on=t.date())
            enterprise.report_jobs(total=jobs[0], local=jobs[1], reported_on=t.date())
        self.batch.add(enterprise)
        self.count["enterprises"] += 1
        self.seeding.enterprises.setdefault(self.cid, []).append(str(enterprise.id))  # for welfare's vacancies
        return enterprise

    def lease(self, asset: Asset, tenant: Enterprise, rent_yuan: int, month: int = 0, reliability: float = 0.97,
              years: int = 3) -> str:
        starts = self.seeding.months[month]
        t = self.seeding.in_month(self.rng, month, day=1)
        with recorded_at(t):
            lease_id = asset.lease(tenant_enterprise_id=str(tenant.id), monthly_rent=rent_yuan * YUAN, starts_on=starts,
                                   ends_on=starts.replace(year=starts.year + years) - timedelta(days=1),
                                   deposit=rent_yuan * 2 * YUAN)
        self.leases.append((asset, lease_id, reliability))
        self.count["leases"] += 1
        return lease_id

    def disclose(self, month: int, day: int = 5) -> None:
        """Publish the month's disclosure from the ledger as it stands (run early in the next month)."""
        t = self.seeding.in_month(self.affairs_rng, month + 1, day=day)
        if not self.seeding.past(t):
            return
        with recorded_at(t):
            self.book.publish(self.seeding.month_key(month), published_on=t.date(),
                              figures=disclosure_figures(self.fund, self.assets, self.seeding.month_key(month)))
        self.count["disclosures"] += 1

    def tender_lease(self, asset: Asset, bidders: list[tuple[Enterprise, int]], month: int, *, starts_on: date,
                     years: int, award: bool = True) -> None:
        """A tender opened on the 6th of `month`, sealed bids until the 20th; closed on the 21st and the highest
        bid leased from `starts_on` for `years` when `award`, else left open (its bids still sealed)."""
        rng = self.affairs_rng
        opened = self.seeding.in_month(rng, month, day=6)
        with recorded_at(opened):
            tender = Tender.open(asset, lease_starts_on=starts_on,
                                 lease_ends_on=starts_on.replace(year=starts_on.year + years) - timedelta(days=1),
                                 minimum_rent=min(rent for _, rent in bidders) * YUAN, deposit=0,
                                 closes_on=self.seeding.months[month].replace(day=20), opened_on=opened.date())
        self.batch.add(tender)
        self.count["tenders"] += 1
        for n, (bidder, rent) in enumerate(bidders):
            t = self.seeding.in_month(rng, month, day=8 + n * 3)
            if t.date() < opened.date() or not self.seeding.past(t):
                continue
            with recorded_at(t):
                tender.place_bid(bidder_enterprise_id=str(bidder.id), monthly_rent=rent * YUAN, placed_on=t.date())
        if not award:
            return
        closed = self.seeding.in_month(rng, month, day=21)
        with recorded_at(closed):
            tender.close(closed_on=closed.date())
            winner = tender.winner()
            bid = tender.bids[winner]
            lease_id = asset.lease(tenant_enterprise_id=bid["bidder_enterprise_id"], monthly_rent=bid["monthly_rent"],
                                   starts_on=tender.lease_starts_on, ends_on=tender.lease_ends_on, deposit=0)
            tender.record_award(winner, lease_id=lease_id, reason=None, awarded_on=closed.date())
        self.leases.append((asset, lease_id, 0.97))
        self.count["leases"] += 1

    def property_fees(self, estates: list[tuple[str, int]], rate_fen_per_m2: int, holdouts: float) -> None:
        """Households of the estates billed monthly per m²; a share holds out for the first half year, then
        pays its arrears over months 6-9 once its problems are solved; everyone pays after the 10th."""
        rng = self.affairs_rng
        with recorded_at(self.seeding.start - timedelta(days=1)):
            register = PropertyFeeRegister(self.cid)
            accounts = []
            for estate, households in estates:
                for n in range(households):
                    dwelling = f"{estate}{n // 24 + 1}-{n % 24 // 12 + 1}-{n % 12 // 2 + 1}0{n % 2 + 1}"
                    account = PropertyFeeAccount.open(self.cid, dwelling=dwelling, area_m2=rng.randrange(68, 136),
                                                      opened_on=self.seeding.months[0])
                    account.set_schedule(basis="per_m2", rate=rate_fen_per_m2,
                                         effective_from=self.seeding.month_key(0))
                    register.list_account(str(account.id))
                    accounts.append((account, rng.random() < holdouts, rng.randrange(6, 10)))
        self.batch.add(register)

        def month_of_fees(month: int) -> None:
            key = self.seeding.month_key(month)
            with recorded_at(self.seeding.in_month(rng, month, day=1, hour=2)):
                for account, _, _ in accounts:
                    account.bill(key)
            for account, holds_out, settles in accounts:
                day = self.seeding.months[month].replace(day=rng.randint(10, 28))
                outstanding = account.statement()["outstanding"]
                if day >= self.seeding.now.date() or not outstanding or (holds_out and month < settles):
                    continue  # (this month's later payers have not paid yet)
                t = self.seeding.in_month(rng, month, day=day.day)
                with recorded_at(t):
                    account.pay(amount=outstanding, paid_on=t.date())
                self.count["property_fee_payments"] += 1

        for month in range(12):
            self.at(month, lambda month=month: month_of_fees(month))
        for account, _, _ in accounts:
            self.batch.add(account)
        self.count["property_fee_households"] = len(accounts)

    def income(self, source: str, yuan: int, month: int, reference: str = "") -> None:
        t = self.seeding.in_month(self.rng, month)
        with recorded_at(t):
            self.fund.record_income(source=source, amount=yuan * YUAN, received_on=t.date(), reference=reference)

    def expense(self, category: str, yuan: int, month: int, description: str) -> None:
        t = self.seeding.in_month(self.rng, month)
        with recorded_at(t):
            self.fund.record_expense(category=category, amount=yuan * YUAN, spent_on=t.date(), description=description)

    def tax_rebate(self, enterprise: Enterprise, yuan: int, month: int) -> None:
        t = self.seeding.in_month(self.rng, month)
        with recorded_at(t):
            enterprise.receive_tax_rebate(amount=yuan * YUAN, year=t.year - 1, received_on=t.date())
            self.fund.record_income(source="tax_rebate", amount=yuan * YUAN, received_on=t.date(),
                                    reference=f"enterprise {enterprise.id}")
        self.count["tax_rebates"] += 1

    def company(self, name: str, kind: str, founded: int, revenue_yuan: int, jobs: tuple[int, int]) -> None:
        with recorded_at(self.seeding.start - timedelta(days=1)):
            company = CommunityCompany.found(self.cid, name=name, kind=kind, founded_on=date(founded, 3, 1))
        year = self.seeding.now.year
        for y, share in ((year - 2, 0.82), (year - 1, 0.93)):
            with recorded_at(self.seeding.in_month(self.rng, 0 if y == year - 2 else 2)):
                company.report_revenue(year=y, amount=int(revenue_yuan * share) * YUAN)
        with recorded_at(self.seeding.in_month(self.rng, 6)):
            company.report_jobs(total=jobs[0], local=jobs[1], reported_on=self.seeding.in_month(self.rng, 6).date())
        self.batch.add(company)
        self.count["companies"] += 1

    def monthly(self) -> None:
        """A billing run on the 1st of each month; tenants pay (or fall behind) after the 10th."""
        rng = self.rng
        for month in range(12):
            key = self.seeding.month_key(month)
            for action in self.scheduled.get(month, []):
                action()
            with recorded_at(self.seeding.in_month(rng, month, day=1, hour=1)):
                for asset in {id(a): a for a, _, _ in self.leases}.values():
                    for lease_id in asset.billable_leases(key):
                        asset.bill_rent(lease_id, key)
                        self.count["rent_bills"] += 1
            for asset, lease_id, reliability in self.leases:
                lease = asset.leases[lease_id]
                if not lease.outstanding or rng.random() > reliability:
                    continue
                t = self.seeding.in_month(rng, month, day=rng.randint(5, 25))
                if not self.seeding.past(t) or t.date() < lease.starts_on:
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
        year = self.seeding.now.year
        for back, factor in ((3, 0.88), (2, 0.94), (1, 1.0)):
            with recorded_at(self.seeding.in_month(self.rng, 1 if back == 1 else 0)):
                self.batch.add(IncomeSurvey.report(self.cid, year=year - back,
                                                   per_capita_net_income=int(base * factor) * YUAN))
        self.count["income_surveys"] = 3

    # -- communities --------------------------------------------------------------

    def _huasheng(self) -> None:
        """Legacy debt and unpaid distributions, factories re-let, land to the state reserve, debt cleared."""
        rng = self.rng
        with recorded_at(self.seeding.start - timedelta(days=1)):
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

        rivals = [self.enterprise(name, "manufacturing", jobs, month=3) for name, jobs in (
            ("金坛永固建材有限公司", (60, 30)), ("常州恒信包装有限公司", (45, 25)))]

        def relet() -> None:  # the defaulting tenant leaves; the factory is re-let by tender (重新发包) to the best bid
            t = self.seeding.in_month(rng, 3, day=5)
            with recorded_at(t):
                factories[0].terminate_lease(old_lease, reason="default", terminated_on=t.date())
            self.tender_lease(factories[0], [(rivals[0], 58_000), (newcomer, 72_000), (rivals[1], 64_000)], 3,
                              starts_on=self.seeding.months[4], years=3)

        self.mistake = ""

        def double_booked() -> None:  # recorded twice in month 5, disclosed, reversed, then the disclosure corrected
            t = self.seeding.in_month(self.affairs_rng, 5, day=27)
            with recorded_at(t):
                self.mistake = self.fund.record_expense(category="maintenance", amount=18_000 * YUAN,
                                                        spent_on=t.date(), description="厂房屋面维修（重复入账）")

        def correct() -> None:
            t = self.seeding.in_month(self.affairs_rng, 6, day=12)
            if not self.seeding.past(t):
                return
            with recorded_at(t):
                self.fund.reverse_entry(self.mistake, reason="厂房屋面维修费重复入账", reversed_on=t.date())
                month = self.seeding.month_key(5)
                self.book.correct(month, figures=disclosure_figures(self.fund, self.assets, month),
                                  reason="5月维修支出重复入账18,000元，已冲销，更正公布", corrected_on=t.date())
            self.count["disclosure_corrections"] += 1

        self.at(5, double_booked)
        self.at(6, correct)

        land = self.asset("land", "华胜村东地块（收储）", 26_000, 0)

        def land_reserve() -> None:
            t = self.seeding.in_month(rng, 2, day=18)
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
            t = self.seeding.in_month(rng, month, day=28)
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
        for asset, tenant, rent, years in ((land[0], coop_land, 4_500, 3), (land[1], farm, 4_000, 3),
                                           (shop, trader, 4_000, 1)):  # the shop's one-year lease ends this month
            self.lease(asset, tenant, rent, 0, years=years)  # 12,500 a month: 150k a year
        # The shop is put out to tender again for next year (对外招标): open this month, its bids still sealed.
        following = (self.seeding.months[11].replace(day=28) + timedelta(days=4)).replace(day=1)
        self.at(11, lambda: self.tender_lease(shop, [(trader, 4_200), (farm, 4_500)], 11, starts_on=following, years=1,
                                              award=False))
        # The estates taken over in 2018 (原有居民集中区): 0.80 yuan per m² a month; 1 in 6 households held out.
        self.property_fees([("西诸朝新村", 168), ("朝阳小区", 96), ("幸福家园", 72)], 80, holdouts=1 / 6)
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
        self.at(2, lambda: self.expense("public_services", 50_000, 2, "党务、居务公开栏及宣传栏10块"))

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
                         rng.randrange(300_000, 1_200_000, 10_000),
                         (total := rng.randint(10, 40), rng.randint(8, total)))
        if rng.random() < 0.3:
            with recorded_at(self.seeding.start - timedelta(days=1)):
                amount = rng.randrange(100_000, 800_000, 10_000)
                self.fund.incur_debt(creditor="道路改造工程款", amount=amount * YUAN, incurred_on=date(2019, 6, 30))

            def repay(month: int, amount: int = amount) -> None:
                t = self.seeding.in_month(rng, month, day=25)
                with recorded_at(t):
                    self.fund.repay_debt(creditor="道路改造工程款", amount=amount // 4 * YUAN, repaid_on=t.date())

            for month in (4, 9):
                self.at(month, lambda month=month: repay(month))
