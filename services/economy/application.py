"""Economy use cases. Each loads its aggregate once, checks the actor serves its community before any change,
saves every aggregate it touches in one atomic `save`, and answers with a view of the in-memory aggregates."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any, TypeVar
from uuid import UUID

from eventsourcing.persistence import JSONTranscoder, Transcoding

from services.economy.domain import (
    AGING_BUCKETS,
    Asset,
    AssetRegister,
    CollectiveFund,
    CommunityCompany,
    DisclosureBook,
    Enterprise,
    IncomeSource,
    IncomeSurvey,
    OnePerCommunity,
    PropertyFeeAccount,
    PropertyFeeRegister,
    Tender,
    collection_rate,
    disclosure_figures,
    month_bounds,
)
from services.economy.commands import (
    AwardTender, BillMonth, CloseTender, CorrectDisclosure, CorrectIncomeSurvey, DeclareDistribution, FoundCompany,
    IncurDebt, LeaseAsset, OpenFeeAccount, OpenTender, PayDistribution, PayPropertyFee, PayRent, PlaceBid,
    PublishDisclosure, ReceiveTaxRebate, RecordExpense, RecordIncome, RegisterAsset, RegisterEnterprise, RepayDebt,
    ReportIncomeSurvey, ReportJobs, ReportRevenue, ReverseEntry, SetFeeSchedule, TerminateLease, TransferToLandReserve,
    WriteOffRent,
)
from shared.kernel import clock
from shared.kernel.actor import Actor
from shared.kernel.directory import KnownCommunity, known_community_id
from shared.kernel.errors import Conflict, NotFound
from shared.platform.eventstore import SNAPSHOT_EVERY, ServiceApplication

Id = UUID | str
Served = TypeVar("Served")


class DateAsISO(Transcoding):
    type = date
    name = "date_iso"

    def encode(self, obj: date) -> str:
        return obj.isoformat()

    def decode(self, data: str) -> date:
        return date.fromisoformat(data)


class EconomyApplication(ServiceApplication):
    requires_known_communities = True  # learned from grid's directory events (services/directory.py)
    name = "economy"
    snapshotting_intervals = dict.fromkeys(  # long-lived: snapshot, not replay
        (CollectiveFund, AssetRegister, DisclosureBook, PropertyFeeRegister), SNAPSHOT_EVERY)

    def register_transcodings(self, transcoder: JSONTranscoder) -> None:
        super().register_transcodings(transcoder)
        transcoder.register(DateAsISO())

    # -- per-community records --------------------------------------------------------------------

    def _one_per_community(self, kind: type[OnePerCommunity], community_id: str) -> Any:
        """The community's fund or asset register; a new, unsaved one before its first change."""
        try:
            return self.get(kind.id_for(community_id), kind, kind.label)
        except NotFound:
            return kind(community_id)

    def _fund(self, community_id: str) -> CollectiveFund:
        return self._one_per_community(CollectiveFund, community_id)

    def _assets(self, community_id: str) -> list[Asset]:
        register: AssetRegister = self._one_per_community(AssetRegister, community_id)
        return [self.get(asset_id, Asset, "asset") for asset_id in register.asset_ids]

    def _served(self, actor: Actor, aggregate_id: Id, kind: type, label: str) -> Any:
        """Load an aggregate (404 if unknown) of a community the actor serves (403 if not)."""
        aggregate = self.get(aggregate_id, kind, label)
        actor.ensure_serves(aggregate.community_id)
        return aggregate

    def _change_served(self, actor: Actor, aggregate_id: Id, kind: type[Served], label: str,
                       change: Callable[[Served], Any]) -> Served:
        """Load one aggregate of a community the actor serves (404, 403), apply one change, save; the changed
        aggregate, for the view. Use cases that touch a second aggregate load and save it themselves."""
        aggregate = self._served(actor, aggregate_id, kind, label)
        change(aggregate)
        self.save(aggregate, actor=actor)
        return aggregate

    def _enterprise_in(self, community_id: str, enterprise_id: Id) -> Enterprise:
        """A tenant or bidder: an enterprise (404 if unknown) registered in the community of the asset (409 if not)."""
        enterprise: Enterprise = self.get(enterprise_id, Enterprise, "enterprise")
        if enterprise.community_id != community_id:
            raise Conflict(f"enterprise {enterprise_id} is registered in {enterprise.community_id}, "
                           f"not in {community_id}")
        return enterprise

    # -- assets and leases ------------------------------------------------------------------------

    def register_asset(self, actor: Actor, community_id: str, command: RegisterAsset) -> UUID:
        actor.ensure_serves(community_id)
        asset = Asset.register(community_id, asset_type=command.asset_type, name=command.name,
                               area_m2=command.area_m2, book_value=command.book_value,
                               registered_on=command.registered_on)
        register: AssetRegister = self._one_per_community(AssetRegister, community_id)
        register.list_asset(str(asset.id))
        self.save(asset, register, actor=actor)
        return asset.id

    def lease_asset(self, actor: Actor, asset_id: Id, command: LeaseAsset) -> str:
        asset: Asset = self._served(actor, asset_id, Asset, "asset")
        tenant = self._enterprise_in(asset.community_id, command.tenant_enterprise_id)
        lease_id = asset.lease(tenant_enterprise_id=str(tenant.id), monthly_rent=command.monthly_rent,
                               starts_on=command.starts_on, ends_on=command.ends_on, deposit=command.deposit)
        self.save(asset, actor=actor)
        return lease_id

    def bill_rent(self, actor: Actor, asset_id: Id, lease_id: str, command: BillMonth) -> dict[str, Any]:
        """Bill one month of one lease; a month already billed is not billed again (`billed` is false)."""
        asset: Asset = self._served(actor, asset_id, Asset, "asset")
        billed = asset.bill_rent(lease_id, command.month)
        if billed:
            self.save(asset, actor=actor)
        return {"billed": billed, **self._lease_statement(asset, lease_id, clock.today())}

    def run_billing(self, actor: Actor, community_id: str, command: BillMonth) -> dict[str, Any]:
        """Bill the month on every lease of the community covering it; leases already billed are skipped."""
        actor.ensure_serves(community_id)
        month = command.month
        month_bounds(month)
        touched, billed = [], []
        for asset in self._assets(community_id):
            leases = asset.billable_leases(month)
            for lease_id in leases:
                asset.bill_rent(lease_id, month)
                billed.append({"asset_id": str(asset.id), "lease_id": lease_id,
                               "amount": asset.leases[lease_id].charges[month][1]})
            if leases:
                touched.append(asset)
        if touched:
            self.save(*touched, actor=actor)
        return {"community_id": community_id, "month": month, "billed": billed,
                "total_billed": sum(b["amount"] for b in billed)}

    def pay_rent(self, actor: Actor, asset_id: Id, lease_id: str, command: PayRent) -> dict[str, Any]:
        """The payment, and the same amount as rent income of the community's fund, in one save."""
        asset: Asset = self._served(actor, asset_id, Asset, "asset")
        asset.pay_rent(lease_id, amount=command.amount, paid_on=command.paid_on)
        fund = self._fund(asset.community_id)
        fund.record_income(source=IncomeSource.RENT, amount=command.amount, received_on=command.paid_on,
                           reference=f"lease {lease_id}")
        self.save(asset, fund, actor=actor)
        return self._lease_statement(asset, lease_id, command.paid_on)

    def write_off_rent(self, actor: Actor, asset_id: Id, lease_id: str, command: WriteOffRent) -> dict[str, Any]:
        asset = self._change_served(actor, asset_id, Asset, "asset", lambda asset: asset.write_off_rent(
            lease_id, amount=command.amount, written_off_on=command.written_off_on, reason=command.reason))
        return self._lease_statement(asset, lease_id, command.written_off_on)

    def terminate_lease(self, actor: Actor, asset_id: Id, lease_id: str, command: TerminateLease) -> dict[str, Any]:
        asset = self._change_served(actor, asset_id, Asset, "asset", lambda asset: asset.terminate_lease(
            lease_id, reason=command.reason, terminated_on=command.terminated_on))
        return self._lease_statement(asset, lease_id, command.terminated_on)

    def transfer_to_land_reserve(self, actor: Actor, asset_id: Id, command: TransferToLandReserve) -> dict[str, Any]:
        """The transfer, and any compensation as income of the community's fund, in one save."""
        asset: Asset = self._served(actor, asset_id, Asset, "asset")
        compensation, transferred_on = command.compensation, command.transferred_on
        asset.transfer_to_land_reserve(compensation=compensation, transferred_on=transferred_on)
        touched: list[Any] = [asset]
        if compensation:
            fund = self._fund(asset.community_id)
            fund.record_income(source=IncomeSource.LAND_COMPENSATION, amount=compensation, received_on=transferred_on,
                               reference=f"asset {asset.id}")
            touched.append(fund)
        self.save(*touched, actor=actor)
        return self._asset_card(asset, transferred_on)

    # -- enterprises ------------------------------------------------------------------------------

    def register_enterprise(self, actor: Actor, community_id: str, command: RegisterEnterprise) -> UUID:
        actor.ensure_serves(community_id)
        enterprise = Enterprise.register(community_id, name=command.name, sector=command.sector,
                                         attracted_by=command.attracted_by, registered_on=command.registered_on)
        self.save(enterprise, actor=actor)
        return enterprise.id

    def report_enterprise_jobs(self, actor: Actor, enterprise_id: Id, command: ReportJobs) -> dict[str, Any]:
        enterprise = self._change_served(actor, enterprise_id, Enterprise, "enterprise", lambda enterprise: (
            enterprise.report_jobs(total=command.total, local=command.local, reported_on=command.reported_on)))
        return self._enterprise_view(enterprise)

    def receive_tax_rebate(self, actor: Actor, enterprise_id: Id, command: ReceiveTaxRebate) -> dict[str, Any]:
        """The rebate, and the same amount as income of the community's fund, in one save."""
        enterprise: Enterprise = self._served(actor, enterprise_id, Enterprise, "enterprise")
        enterprise.receive_tax_rebate(amount=command.amount, year=command.year, received_on=command.received_on)
        fund = self._fund(enterprise.community_id)
        fund.record_income(source=IncomeSource.TAX_REBATE, amount=command.amount, received_on=command.received_on,
                           reference=f"enterprise {enterprise.id}")
        self.save(enterprise, fund, actor=actor)
        return self._enterprise_view(enterprise)

    def enterprise(self, actor: Actor, enterprise_id: Id) -> dict[str, Any]:
        return self._enterprise_view(self._served(actor, enterprise_id, Enterprise, "enterprise"))

    # -- the collective fund ----------------------------------------------------------------------

    def _change_fund(self, actor: Actor, community_id: str, change: Callable[[CollectiveFund], Any]) -> dict[str, Any]:
        """Check the community, apply one change to its fund, save; the view shows a new entry's id."""
        actor.ensure_serves(community_id)
        fund = self._fund(community_id)
        entry_id = change(fund)
        self.save(fund, actor=actor)
        return {**({"entry_id": entry_id} if entry_id else {}), **self._fund_view(fund)}

    def record_income(self, actor: Actor, community_id: str, command: RecordIncome) -> dict[str, Any]:
        return self._change_fund(actor, community_id, lambda fund: fund.record_income(
            source=command.source, amount=command.amount, received_on=command.received_on))

    def record_expense(self, actor: Actor, community_id: str, command: RecordExpense) -> dict[str, Any]:
        return self._change_fund(actor, community_id, lambda fund: fund.record_expense(
            category=command.category, amount=command.amount, spent_on=command.spent_on,
            description=command.description))

    def reverse_entry(self, actor: Actor, community_id: str, entry_id: str, command: ReverseEntry) -> dict[str, Any]:
        return self._change_fund(actor, community_id, lambda fund: fund.reverse_entry(
            entry_id, reason=command.reason, reversed_on=command.reversed_on))

    def incur_debt(self, actor: Actor, community_id: str, command: IncurDebt) -> dict[str, Any]:
        return self._change_fund(actor, community_id, lambda fund: fund.incur_debt(
            creditor=command.creditor, amount=command.amount, incurred_on=command.incurred_on))

    def repay_debt(self, actor: Actor, community_id: str, command: RepayDebt) -> dict[str, Any]:
        return self._change_fund(actor, community_id, lambda fund: fund.repay_debt(
            creditor=command.creditor, amount=command.amount, repaid_on=command.repaid_on))

    def declare_distribution(self, actor: Actor, community_id: str, command: DeclareDistribution) -> dict[str, Any]:
        return self._change_fund(actor, community_id, lambda fund: fund.declare_distribution(
            villager_group=command.villager_group, amount=command.amount, declared_on=command.declared_on))

    def pay_distribution(self, actor: Actor, community_id: str, command: PayDistribution) -> dict[str, Any]:
        return self._change_fund(actor, community_id, lambda fund: fund.pay_distribution(
            villager_group=command.villager_group, amount=command.amount, paid_on=command.paid_on))

    def fund(self, actor: Actor, community_id: str) -> dict[str, Any]:
        actor.ensure_serves(community_id)
        return self._fund_view(self._fund(community_id))

    # -- companies and income surveys -------------------------------------------------------------

    def found_company(self, actor: Actor, community_id: str, command: FoundCompany) -> UUID:
        actor.ensure_serves(community_id)
        company = CommunityCompany.found(community_id, name=command.name, kind=command.kind,
                                         founded_on=command.founded_on)
        self.save(company, actor=actor)
        return company.id

    def report_company_revenue(self, actor: Actor, company_id: Id, command: ReportRevenue) -> dict[str, Any]:
        company = self._change_served(actor, company_id, CommunityCompany, "community company", lambda company: (
            company.report_revenue(year=command.year, amount=command.amount)))
        return self._company_view(company)

    def report_company_jobs(self, actor: Actor, company_id: Id, command: ReportJobs) -> dict[str, Any]:
        company = self._change_served(actor, company_id, CommunityCompany, "community company", lambda company: (
            company.report_jobs(total=command.total, local=command.local, reported_on=command.reported_on)))
        return self._company_view(company)

    def company(self, actor: Actor, company_id: Id) -> dict[str, Any]:
        return self._company_view(self._served(actor, company_id, CommunityCompany, "community company"))

    def report_income_survey(self, actor: Actor, community_id: str, command: ReportIncomeSurvey) -> dict[str, Any]:
        actor.ensure_serves(community_id)
        try:
            existing = self._income_survey(community_id, command.year)
        except NotFound:
            existing = None
        if existing is not None:
            raise Conflict(f"per-capita income for {community_id} in {command.year} is already reported "
                           f"({existing.per_capita_net_income} fen); submit a correction instead")
        survey = IncomeSurvey.report(community_id, year=command.year,
                                     per_capita_net_income=command.per_capita_net_income)
        self.save(survey, actor=actor)
        return self._income_survey_view(survey)

    def correct_income_survey(self, actor: Actor, community_id: str, year: int,
                              command: CorrectIncomeSurvey) -> dict[str, Any]:
        actor.ensure_serves(community_id)
        survey = self._income_survey(community_id, year)
        survey.correct(per_capita_net_income=command.per_capita_net_income, reason=command.reason)
        self.save(survey, actor=actor)
        return self._income_survey_view(survey)

    def income_survey(self, actor: Actor, community_id: str, year: int) -> dict[str, Any]:
        actor.ensure_serves(community_id)
        return self._income_survey_view(self._income_survey(community_id, year))

    def _income_survey(self, community_id: str, year: int) -> IncomeSurvey:
        return self.get(IncomeSurvey.id_for(community_id, year), IncomeSurvey, f"income survey for {year}")

    # -- reads: each loads once and checks the community; `as_of` defaults to today ------------------

    def asset_card(self, actor: Actor, asset_id: Id, as_of: date | None = None) -> dict[str, Any]:
        return self._asset_card(self._served(actor, asset_id, Asset, "asset"), as_of or clock.today())

    def asset_statement(self, actor: Actor, asset_id: Id, as_of: date | None = None) -> dict[str, Any]:
        return self._asset_statement(self._served(actor, asset_id, Asset, "asset"), as_of or clock.today())

    def lease_statement(self, actor: Actor, asset_id: Id, lease_id: str, as_of: date | None = None) -> dict[str, Any]:
        asset = self._served(actor, asset_id, Asset, "asset")
        return self._lease_statement(asset, lease_id, as_of or clock.today())

    def arrears(self, actor: Actor, community_id: str, as_of: date | None = None) -> dict[str, Any]:
        actor.ensure_serves(community_id)
        day = as_of or clock.today()
        statements = [self._asset_statement(asset, day) for asset in self._assets(community_id)]
        return {"community_id": community_id, "as_of": day,
                "outstanding": sum(s["outstanding"] for s in statements),
                "aging": {b: sum(s["aging"][b] for s in statements) for b in AGING_BUCKETS},
                "assets": [{k: s[k] for k in ("asset_id", "outstanding", "aging")} for s in statements if s["outstanding"]]}

    # -- public disclosure (三务公开) --------------------------------------------------------------------

    def publish_disclosure(self, actor: Actor, community_id: str, command: PublishDisclosure) -> dict[str, Any]:
        """The month's figures, generated from the fund and the leases, frozen in the published event."""
        actor.ensure_serves(community_id)
        book: DisclosureBook = self._one_per_community(DisclosureBook, community_id)
        figures = disclosure_figures(self._fund(community_id), self._assets(community_id), command.month)
        book.publish(command.month, figures=figures, published_on=command.published_on)
        self.save(book, actor=actor)
        return self._disclosure_view(book.disclosure(command.month))

    def correct_disclosure(self, actor: Actor, community_id: str, month: str,
                           command: CorrectDisclosure) -> dict[str, Any]:
        """The month's figures generated again (after a ledger correction), published with the reason."""
        actor.ensure_serves(community_id)
        book: DisclosureBook = self._one_per_community(DisclosureBook, community_id)
        book.disclosure(month)
        figures = disclosure_figures(self._fund(community_id), self._assets(community_id), month)
        book.correct(month, figures=figures, reason=command.reason, corrected_on=command.corrected_on)
        self.save(book, actor=actor)
        return self._disclosure_view(book.disclosure(month))

    def public_disclosures(self, community_id: str) -> dict[str, Any]:
        """What residents see without a token: every published disclosure with its corrections, newest first."""
        try:
            community: KnownCommunity = self.get(known_community_id(community_id), KnownCommunity, "community")
        except NotFound:
            raise NotFound(f"community {community_id} is not in the district directory") from None
        book: DisclosureBook = self._one_per_community(DisclosureBook, community_id)
        return {"community_id": community_id, "name": community.name,
                "disclosures": [self._disclosure_view(d) for _, d in sorted(book.disclosures.items(), reverse=True)]}

    @staticmethod
    def _disclosure_view(disclosure: dict[str, Any]) -> dict[str, Any]:
        corrections = disclosure["corrections"]
        return {**disclosure, "corrections": list(corrections),
                "current_figures": corrections[-1]["figures"] if corrections else disclosure["figures"]}

    # -- lease tendering --------------------------------------------------------------------------

    def open_tender(self, actor: Actor, command: OpenTender) -> UUID:
        asset: Asset = self._served(actor, command.asset_id, Asset, "asset")
        tender = Tender.open(asset, lease_starts_on=command.lease_starts_on, lease_ends_on=command.lease_ends_on,
                             minimum_rent=command.minimum_rent, deposit=command.deposit,
                             closes_on=command.closes_on, opened_on=command.opened_on)
        self.save(tender, actor=actor)
        return tender.id

    def place_bid(self, actor: Actor, tender_id: Id, command: PlaceBid) -> dict[str, Any]:
        tender: Tender = self._served(actor, tender_id, Tender, "tender")
        bidder = self._enterprise_in(tender.community_id, command.bidder_enterprise_id)
        bid_id = tender.place_bid(bidder_enterprise_id=str(bidder.id), monthly_rent=command.monthly_rent,
                                  placed_on=command.placed_on)
        self.save(tender, actor=actor)
        return {"bid_id": bid_id, **self._tender_view(tender)}

    def close_tender(self, actor: Actor, tender_id: Id, command: CloseTender) -> dict[str, Any]:
        tender = self._change_served(actor, tender_id, Tender, "tender", lambda tender: (
            tender.close(closed_on=command.closed_on)))
        return self._tender_view(tender)

    def award_tender(self, actor: Actor, tender_id: Id, command: AwardTender) -> dict[str, Any]:
        """The winning bid becomes a lease of the asset (the lease rules apply), tender and asset in one save."""
        tender: Tender = self._served(actor, tender_id, Tender, "tender")
        asset: Asset = self.get(tender.asset_id, Asset, "asset")
        bid_id = tender.winner(command.bid_id, command.reason)
        bid = tender.bids[bid_id]
        lease_id = asset.lease(tenant_enterprise_id=bid["bidder_enterprise_id"], monthly_rent=bid["monthly_rent"],
                               starts_on=tender.lease_starts_on, ends_on=tender.lease_ends_on, deposit=tender.deposit)
        tender.record_award(bid_id, lease_id=lease_id, reason=command.reason, awarded_on=command.awarded_on)
        self.save(tender, asset, actor=actor)
        return self._tender_view(tender)

    def tender(self, actor: Actor, tender_id: Id) -> dict[str, Any]:
        return self._tender_view(self._served(actor, tender_id, Tender, "tender"))

    @staticmethod
    def _tender_view(tender: Tender) -> dict[str, Any]:
        """Bids stay sealed (who and how much) until the tender closes."""
        sealed = tender.closed_on is None
        bids = [{"bid_id": bid_id, "placed_on": bid["placed_on"],
                 **({} if sealed else {"bidder_enterprise_id": bid["bidder_enterprise_id"],
                                       "monthly_rent": bid["monthly_rent"]})}
                for bid_id, bid in tender.bids.items()]
        return {"id": str(tender.id), "community_id": tender.community_id, "asset_id": tender.asset_id,
                "status": tender.status, "lease_starts_on": tender.lease_starts_on,
                "lease_ends_on": tender.lease_ends_on, "minimum_rent": tender.minimum_rent,
                "deposit": tender.deposit, "opened_on": tender.opened_on, "closes_on": tender.closes_on,
                "closed_on": tender.closed_on, "sealed": sealed, "bids": bids,
                "highest_bid_id": None if sealed else tender.highest_bid(), "award": tender.award}

    # -- property fees ----------------------------------------------------------------------------

    def open_fee_account(self, actor: Actor, community_id: str, command: OpenFeeAccount) -> UUID:
        actor.ensure_serves(community_id)
        account = PropertyFeeAccount.open(community_id, dwelling=command.dwelling, area_m2=command.area_m2,
                                          opened_on=command.opened_on)
        if account.id in self.repository:
            raise Conflict(f"household {account.dwelling} already has a property-fee account ({account.id})")
        register: PropertyFeeRegister = self._one_per_community(PropertyFeeRegister, community_id)
        register.list_account(str(account.id))
        self.save(account, register, actor=actor)
        return account.id

    def set_fee_schedule(self, actor: Actor, account_id: Id, command: SetFeeSchedule) -> dict[str, Any]:
        account = self._change_served(actor, account_id, PropertyFeeAccount, "property-fee account", lambda account: (
            account.set_schedule(basis=command.basis, rate=command.rate, effective_from=command.effective_from)))
        return self._fee_account_view(account, clock.today())

    def bill_property_fee(self, actor: Actor, account_id: Id, command: BillMonth) -> dict[str, Any]:
        """Bill one household for a month; a month already billed is not billed again (`billed` is false)."""
        account: PropertyFeeAccount = self._served(actor, account_id, PropertyFeeAccount, "property-fee account")
        billed = account.bill(command.month)
        if billed:
            self.save(account, actor=actor)
        return {"billed": billed, **self._fee_account_view(account, clock.today())}

    def run_property_fee_billing(self, actor: Actor, community_id: str, command: BillMonth) -> dict[str, Any]:
        """Bill the month to every household with a schedule for it; households already billed are skipped,
        and those that cannot be billed are listed with the reason, nothing else changed for them."""
        actor.ensure_serves(community_id)
        month_bounds(command.month)
        billed, not_billed, touched = [], [], []
        for account in self._fee_accounts(community_id):
            try:
                if not account.bill(command.month):
                    continue
            except Conflict as refused:
                not_billed.append({"account_id": str(account.id), "reason": str(refused)})
                continue
            touched.append(account)
            billed.append({"account_id": str(account.id), "amount": account.bills[command.month][1]})
        if touched:
            self.save(*touched, actor=actor)
        return {"community_id": community_id, "month": command.month, "billed": billed, "not_billed": not_billed,
                "total_billed": sum(b["amount"] for b in billed)}

    def pay_property_fee(self, actor: Actor, account_id: Id, command: PayPropertyFee) -> dict[str, Any]:
        account = self._change_served(actor, account_id, PropertyFeeAccount, "property-fee account", lambda account: (
            account.pay(amount=command.amount, paid_on=command.paid_on)))
        return self._fee_account_view(account, command.paid_on)

    def fee_account(self, actor: Actor, account_id: Id, as_of: date | None = None) -> dict[str, Any]:
        account = self._served(actor, account_id, PropertyFeeAccount, "property-fee account")
        return self._fee_account_view(account, as_of or clock.today())

    def property_fees(self, actor: Actor, community_id: str, as_of: date | None = None) -> dict[str, Any]:
        """The community's collection: billed, paid, arrears (aged), households in arrears, collection rate."""
        actor.ensure_serves(community_id)
        day = as_of or clock.today()
        statements = [(account, account.statement(day)) for account in self._fee_accounts(community_id)]
        billed = sum(s["billed"] for _, s in statements)
        paid = sum(s["paid"] for _, s in statements)
        return {"community_id": community_id, "as_of": day, "households": len(statements), "billed": billed,
                "paid": paid, "outstanding": billed - paid, "collection_rate": collection_rate(billed, paid),
                "aging": {b: sum(s["aging"][b] for _, s in statements) for b in AGING_BUCKETS},
                "households_in_arrears": sum(1 for _, s in statements if s["outstanding"]),
                "in_arrears": [{"account_id": str(a.id), "dwelling": a.dwelling, "outstanding": s["outstanding"]}
                               for a, s in statements if s["outstanding"]]}

    def _fee_accounts(self, community_id: str) -> list[PropertyFeeAccount]:
        register: PropertyFeeRegister = self._one_per_community(PropertyFeeRegister, community_id)
        return [self.get(account_id, PropertyFeeAccount, "property-fee account") for account_id in register.account_ids]

    @staticmethod
    def _fee_account_view(account: PropertyFeeAccount, as_of: date) -> dict[str, Any]:
        return {"id": str(account.id), "community_id": account.community_id, "dwelling": account.dwelling,
                "area_m2": account.area_m2, "opened_on": account.opened_on, "as_of": as_of,
                "schedules": [{"effective_from": m, "basis": basis, "rate": rate} for m, basis, rate in account.schedules],
                "bills": [{"month": m, "due_on": due, "amount": amount} for m, (due, amount) in sorted(account.bills.items())],
                "statement": account.statement(as_of)}

    # -- views of in-memory aggregates ----------------------------------------------------------------

    def _asset_card(self, asset: Asset, as_of: date) -> dict[str, Any]:
        leases = [self._lease_view(lease, as_of) for lease in asset.leases.values()]
        rent = sum(lease["statement"]["paid"] for lease in leases)
        return {
            "id": str(asset.id), "community_id": asset.community_id, "asset_type": asset.asset_type,
            "name": asset.name, "area_m2": asset.area_m2, "book_value": asset.book_value, "status": asset.status,
            "current_leases": [lease for lease in leases if lease["terminated_on"] is None],
            "past_leases": [lease for lease in leases if lease["terminated_on"] is not None],
            "transferred_on": asset.transferred_on, "compensation": asset.compensation,
            "income_to_date": {"rent": rent, "land_compensation": asset.compensation, "total": rent + asset.compensation},
        }

    @staticmethod
    def _asset_statement(asset: Asset, as_of: date) -> dict[str, Any]:
        leases = [lease.statement(as_of) for lease in asset.leases.values()]
        totals = {k: sum(s[k] for s in leases) for k in ("billed", "paid", "written_off", "outstanding")}
        aging = {b: sum(s["aging"][b] for s in leases) for b in AGING_BUCKETS}
        return {"asset_id": str(asset.id), "community_id": asset.community_id, "as_of": as_of, **totals,
                "aging": aging, "leases": leases}

    def _lease_statement(self, asset: Asset, lease_id: str, as_of: date) -> dict[str, Any]:
        return {"asset_id": str(asset.id), "community_id": asset.community_id, "as_of": as_of,
                **self._lease_view(asset.lease_of(lease_id), as_of)}

    @staticmethod
    def _lease_view(lease: Any, as_of: date) -> dict[str, Any]:
        return {"lease_id": lease.lease_id, "tenant_enterprise_id": lease.tenant_enterprise_id,
                "monthly_rent": lease.monthly_rent, "starts_on": lease.starts_on, "ends_on": lease.ends_on,
                "deposit": lease.deposit, "terminated_on": lease.terminated_on,
                "termination_reason": lease.termination_reason, "statement": lease.statement(as_of),
                "charges": [{"month": m, "due_on": due, "amount": amount} for m, (due, amount) in sorted(lease.charges.items())]}

    @staticmethod
    def _fund_view(fund: CollectiveFund) -> dict[str, Any]:
        return {"community_id": fund.community_id, "income": fund.income, "income_by_source": fund.income_by_source,
                "expenses": fund.expenses, "expenses_by_category": fund.expenses_by_category,
                "net_income": fund.income - fund.expenses, "debt_outstanding": fund.debt_outstanding,
                "debts": {c: owed for c, owed in fund.debts.items() if owed}, "debt_repaid": fund.debt_repaid,
                "distributions": fund.distributions, "distributions_paid": fund.distributions_paid,
                "balance": fund.balance}

    @staticmethod
    def _enterprise_view(e: Enterprise) -> dict[str, Any]:
        return {"id": str(e.id), "community_id": e.community_id, "name": e.name, "sector": e.sector,
                "attracted_by": e.attracted_by, "registered_on": e.registered_on, "jobs_total": e.jobs_total,
                "jobs_local": e.jobs_local, "tax_rebates": sum(amount for _, _, amount in e.tax_rebates)}

    @staticmethod
    def _company_view(c: CommunityCompany) -> dict[str, Any]:
        return {"id": str(c.id), "community_id": c.community_id, "name": c.name, "kind": c.kind,
                "founded_on": c.founded_on, "revenue_by_year": {str(y): a for y, a in c.revenue_by_year.items()},
                "jobs_total": c.jobs_total, "jobs_local": c.jobs_local}

    @staticmethod
    def _income_survey_view(s: IncomeSurvey) -> dict[str, Any]:
        return {"community_id": s.community_id, "year": s.year, "per_capita_net_income": s.per_capita_net_income,
                "corrections": s.corrections}
