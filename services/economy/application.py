"""Economy use cases. Each command saves every aggregate it touches in one atomic `save`."""

from __future__ import annotations

from datetime import date
from typing import Any
from uuid import UUID

from eventsourcing.persistence import JSONTranscoder, Transcoding

from services.economy.domain import (
    AGING_BUCKETS,
    Asset,
    AssetRegister,
    CollectiveFund,
    CommunityCompany,
    Enterprise,
    IncomeSource,
    IncomeSurvey,
    month_bounds,
)
from shared.kernel.actor import Actor
from shared.kernel.errors import Conflict, NotFound
from shared.platform.eventstore import ServiceApplication

Id = UUID | str


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

    def register_transcodings(self, transcoder: JSONTranscoder) -> None:
        super().register_transcodings(transcoder)
        transcoder.register(DateAsISO())

    # -- per-community singletons -----------------------------------------------------------------

    def _fund(self, community_id: str) -> CollectiveFund:
        try:
            return self.get(CollectiveFund.id_for(community_id), CollectiveFund, "collective fund")
        except NotFound:
            return CollectiveFund(community_id)

    def _register(self, community_id: str) -> AssetRegister:
        try:
            return self.get(AssetRegister.id_for(community_id), AssetRegister, "asset register")
        except NotFound:
            return AssetRegister(community_id)

    def _assets(self, community_id: str) -> list[Asset]:
        register = self._register(community_id)
        return [self.get(asset_id, Asset, "asset") for asset_id in register.asset_ids]

    # -- assets and leases ------------------------------------------------------------------------

    def register_asset(self, actor: Actor, community_id: str, **details: Any) -> UUID:
        asset = Asset.register(community_id, **details)
        register = self._register(community_id)
        register.list_asset(str(asset.id))
        self.save(asset, register, actor=actor)
        return asset.id

    def asset(self, asset_id: Id) -> Asset:
        return self.get(asset_id, Asset, "asset")

    def enterprise(self, enterprise_id: Id) -> Enterprise:
        return self.get(enterprise_id, Enterprise, "enterprise")

    def lease_asset(self, actor: Actor, asset_id: Id, *, tenant_enterprise_id: str, **terms: Any) -> str:
        asset = self.asset(asset_id)
        tenant = self.enterprise(tenant_enterprise_id)
        if tenant.community_id != asset.community_id:
            raise Conflict(f"enterprise {tenant_enterprise_id} is registered in {tenant.community_id}, "
                           f"not in {asset.community_id}")
        lease_id = asset.lease(tenant_enterprise_id=str(tenant.id), **terms)
        self.save(asset, actor=actor)
        return lease_id

    def bill_rent(self, actor: Actor, asset_id: Id, lease_id: str, month: str) -> bool:
        asset = self.asset(asset_id)
        billed = asset.bill_rent(lease_id, month)
        if billed:
            self.save(asset, actor=actor)
        return billed

    def run_billing(self, actor: Actor, community_id: str, month: str) -> dict[str, Any]:
        """Bill `month` on every lease of the community covering it; leases already billed are skipped."""
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

    def pay_rent(self, actor: Actor, asset_id: Id, lease_id: str, *, amount: int, paid_on: date) -> None:
        asset = self.asset(asset_id)
        asset.pay_rent(lease_id, amount=amount, paid_on=paid_on)
        fund = self._fund(asset.community_id)
        fund.record_income(source=IncomeSource.RENT, amount=amount, received_on=paid_on, reference=f"lease {lease_id}")
        self.save(asset, fund, actor=actor)

    def write_off_rent(self, actor: Actor, asset_id: Id, lease_id: str, **details: Any) -> None:
        asset = self.asset(asset_id)
        asset.write_off_rent(lease_id, **details)
        self.save(asset, actor=actor)

    def terminate_lease(self, actor: Actor, asset_id: Id, lease_id: str, **details: Any) -> None:
        asset = self.asset(asset_id)
        asset.terminate_lease(lease_id, **details)
        self.save(asset, actor=actor)

    def transfer_to_land_reserve(self, actor: Actor, asset_id: Id, *, compensation: int, transferred_on: date) -> None:
        asset = self.asset(asset_id)
        asset.transfer_to_land_reserve(compensation=compensation, transferred_on=transferred_on)
        touched: list[Any] = [asset]
        if compensation:
            fund = self._fund(asset.community_id)
            fund.record_income(source=IncomeSource.LAND_COMPENSATION, amount=compensation, received_on=transferred_on,
                               reference=f"asset {asset.id}")
            touched.append(fund)
        self.save(*touched, actor=actor)

    # -- enterprises ------------------------------------------------------------------------------

    def register_enterprise(self, actor: Actor, community_id: str, **details: Any) -> UUID:
        enterprise = Enterprise.register(community_id, **details)
        self.save(enterprise, actor=actor)
        return enterprise.id

    def report_enterprise_jobs(self, actor: Actor, enterprise_id: Id, **report: Any) -> None:
        enterprise = self.enterprise(enterprise_id)
        enterprise.report_jobs(**report)
        self.save(enterprise, actor=actor)

    def receive_tax_rebate(self, actor: Actor, enterprise_id: Id, *, amount: int, year: int,
                           received_on: date) -> None:
        enterprise = self.enterprise(enterprise_id)
        enterprise.receive_tax_rebate(amount=amount, year=year, received_on=received_on)
        fund = self._fund(enterprise.community_id)
        fund.record_income(source=IncomeSource.TAX_REBATE, amount=amount, received_on=received_on,
                           reference=f"enterprise {enterprise.id}")
        self.save(enterprise, fund, actor=actor)

    # -- the collective fund ----------------------------------------------------------------------

    def fund_command(self, actor: Actor, community_id: str, command: str, **details: Any) -> Any:
        """record_income, record_expense, reverse_entry, incur_debt, repay_debt, declare/pay_distribution."""
        fund = self._fund(community_id)
        result = getattr(fund, command)(**details)
        self.save(fund, actor=actor)
        return result

    # -- companies and income surveys -------------------------------------------------------------

    def found_company(self, actor: Actor, community_id: str, **details: Any) -> UUID:
        company = CommunityCompany.found(community_id, **details)
        self.save(company, actor=actor)
        return company.id

    def company(self, company_id: Id) -> CommunityCompany:
        return self.get(company_id, CommunityCompany, "community company")

    def company_command(self, actor: Actor, company_id: Id, command: str, **details: Any) -> None:
        company = self.company(company_id)
        getattr(company, command)(**details)
        self.save(company, actor=actor)

    def report_income_survey(self, actor: Actor, community_id: str, *, year: int, per_capita_net_income: int) -> None:
        try:
            existing = self.income_survey(community_id, year)
        except NotFound:
            existing = None
        if existing is not None:
            raise Conflict(f"per-capita income for {community_id} in {year} is already reported "
                           f"({existing.per_capita_net_income} fen); submit a correction instead")
        survey = IncomeSurvey.report(community_id, year=year, per_capita_net_income=per_capita_net_income)
        self.save(survey, actor=actor)

    def correct_income_survey(self, actor: Actor, community_id: str, year: int, **details: Any) -> None:
        survey = self.income_survey(community_id, year)
        survey.correct(**details)
        self.save(survey, actor=actor)

    def income_survey(self, community_id: str, year: int) -> IncomeSurvey:
        return self.get(IncomeSurvey.id_for(community_id, year), IncomeSurvey, f"income survey for {year}")

    # -- reads ------------------------------------------------------------------------------------

    def asset_card(self, asset_id: Id, as_of: date) -> dict[str, Any]:
        asset = self.asset(asset_id)
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

    def asset_statement(self, asset_id: Id, as_of: date) -> dict[str, Any]:
        asset = self.asset(asset_id)
        leases = [lease.statement(as_of) for lease in asset.leases.values()]
        totals = {k: sum(s[k] for s in leases) for k in ("billed", "paid", "written_off", "outstanding")}
        aging = {b: sum(s["aging"][b] for s in leases) for b in AGING_BUCKETS}
        return {"asset_id": str(asset.id), "community_id": asset.community_id, "as_of": as_of, **totals,
                "aging": aging, "leases": leases}

    def lease_statement(self, asset_id: Id, lease_id: str, as_of: date) -> dict[str, Any]:
        asset = self.asset(asset_id)
        return {"asset_id": str(asset.id), "community_id": asset.community_id, "as_of": as_of,
                **self._lease_view(asset.lease_of(lease_id), as_of)}

    @staticmethod
    def _lease_view(lease: Any, as_of: date) -> dict[str, Any]:
        return {"lease_id": lease.lease_id, "tenant_enterprise_id": lease.tenant_enterprise_id,
                "monthly_rent": lease.monthly_rent, "starts_on": lease.starts_on, "ends_on": lease.ends_on,
                "deposit": lease.deposit, "terminated_on": lease.terminated_on,
                "termination_reason": lease.termination_reason, "statement": lease.statement(as_of),
                "charges": [{"month": m, "due_on": due, "amount": amount} for m, (due, amount) in sorted(lease.charges.items())]}

    def arrears(self, community_id: str, as_of: date) -> dict[str, Any]:
        statements = [self.asset_statement(asset.id, as_of) for asset in self._assets(community_id)]
        return {"community_id": community_id, "as_of": as_of,
                "outstanding": sum(s["outstanding"] for s in statements),
                "aging": {b: sum(s["aging"][b] for s in statements) for b in AGING_BUCKETS},
                "assets": [{k: s[k] for k in ("asset_id", "outstanding", "aging")} for s in statements if s["outstanding"]]}

    def fund_view(self, community_id: str) -> dict[str, Any]:
        fund = self._fund(community_id)
        return {"community_id": community_id, "income": fund.income, "income_by_source": fund.income_by_source,
                "expenses": fund.expenses, "expenses_by_category": fund.expenses_by_category,
                "net_income": fund.income - fund.expenses, "debt_outstanding": fund.debt_outstanding,
                "debts": {c: owed for c, owed in fund.debts.items() if owed}, "debt_repaid": fund.debt_repaid,
                "distributions": fund.distributions, "distributions_paid": fund.distributions_paid,
                "balance": fund.balance}

    def enterprise_view(self, enterprise_id: Id) -> dict[str, Any]:
        e = self.enterprise(enterprise_id)
        return {"id": str(e.id), "community_id": e.community_id, "name": e.name, "sector": e.sector,
                "attracted_by": e.attracted_by, "registered_on": e.registered_on, "jobs_total": e.jobs_total,
                "jobs_local": e.jobs_local, "tax_rebates": sum(amount for _, _, amount in e.tax_rebates)}

    def company_view(self, company_id: Id) -> dict[str, Any]:
        c = self.company(company_id)
        return {"id": str(c.id), "community_id": c.community_id, "name": c.name, "kind": c.kind,
                "founded_on": c.founded_on, "revenue_by_year": {str(y): a for y, a in c.revenue_by_year.items()},
                "jobs_total": c.jobs_total, "jobs_local": c.jobs_local}

    def income_survey_view(self, community_id: str, year: int) -> dict[str, Any]:
        s = self.income_survey(community_id, year)
        return {"community_id": community_id, "year": s.year, "per_capita_net_income": s.per_capita_net_income,
                "corrections": s.corrections}
