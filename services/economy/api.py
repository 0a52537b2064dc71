"""Economy HTTP API: thin; validation in the request models, rules in the domain.

Writes and reads are for community staff of the community concerned; an admin
may also register reference data (assets, enterprises, community companies).
Money is an integer number of fen: floats and numeric strings are refused (StrictInt).
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Request
from pydantic import BaseModel, ConfigDict, Field, StrictInt

from services.economy.application import EconomyApplication
from services.economy.domain import (
    AssetType,
    CompanyKind,
    ExpenseCategory,
    IncomeSource,
    Sector,
    TerminationReason,
)
from shared.kernel.actor import ensure_community, Role
from shared.platform.auth import requires
from shared.kernel.actor import Actor
from shared.kernel import clock

Fen = Annotated[StrictInt, Field(gt=0, le=10**15, description="fen")]
FenOrZero = Annotated[StrictInt, Field(ge=0, le=10**15, description="fen")]
Jobs = Annotated[StrictInt, Field(ge=0, le=10**7)]
Year = Annotated[StrictInt, Field(ge=1949, le=2200)]
Month = Annotated[str, Field(pattern=r"^\d{4}-(0[1-9]|1[0-2])$", description="YYYY-MM")]
Text = Annotated[str, Field(min_length=1, max_length=200)]
Reason = Annotated[str, Field(min_length=1, max_length=1000)]
Ref = Annotated[str, Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9][A-Za-z0-9_.:-]*$")]
CommunityId = Annotated[str, Path(min_length=1, max_length=64, pattern=r"^[a-z0-9][a-z0-9-]*$")]
AggregateId = Annotated[str, Path(min_length=1, max_length=64)]


class Command(BaseModel):
    model_config = ConfigDict(extra="forbid")


class RegisterAsset(Command):
    asset_type: AssetType
    name: Text
    area_m2: StrictInt = Field(gt=0, le=10**9)
    book_value: FenOrZero
    registered_on: date


class LeaseAsset(Command):
    tenant_enterprise_id: str = Field(min_length=1, max_length=64)
    monthly_rent: Fen
    starts_on: date
    ends_on: date
    deposit: FenOrZero = 0


class BillMonth(Command):
    month: Month


class PayRent(Command):
    amount: Fen
    paid_on: date


class WriteOffRent(Command):
    amount: Fen
    written_off_on: date
    reason: Reason


class TerminateLease(Command):
    reason: TerminationReason
    terminated_on: date


class TransferToLandReserve(Command):
    compensation: FenOrZero
    transferred_on: date


class RegisterEnterprise(Command):
    name: Text
    sector: Sector
    attracted_by: Ref | None = Field(default=None, description="staff or resident reference, not a name")
    registered_on: date


class ReportJobs(Command):
    total: Jobs
    local: Jobs
    reported_on: date


class ReceiveTaxRebate(Command):
    amount: Fen
    year: Year
    received_on: date


class RecordIncome(Command):
    source: IncomeSource
    amount: Fen
    received_on: date


class RecordExpense(Command):
    category: ExpenseCategory
    amount: Fen
    spent_on: date
    description: Reason


class ReverseEntry(Command):
    reason: Reason
    reversed_on: date


class IncurDebt(Command):
    creditor: Text
    amount: Fen
    incurred_on: date


class RepayDebt(Command):
    creditor: Text
    amount: Fen
    repaid_on: date


class DeclareDistribution(Command):
    villager_group: Ref
    amount: Fen
    declared_on: date


class PayDistribution(Command):
    villager_group: Ref
    amount: Fen
    paid_on: date


class FoundCompany(Command):
    name: Text
    kind: CompanyKind
    founded_on: date


class ReportRevenue(Command):
    year: Year
    amount: FenOrZero


class ReportIncomeSurvey(Command):
    year: Year
    per_capita_net_income: Fen


class CorrectIncomeSurvey(Command):
    per_capita_net_income: Fen
    reason: Reason


class Created(BaseModel):
    id: str


async def economy_app(request: Request) -> EconomyApplication:
    return request.app.state.application


Economy = Annotated[EconomyApplication, Depends(economy_app)]
Staff = Annotated[Actor, Depends(requires(Role.COMMUNITY_STAFF))]
Registrar = Annotated[Actor, Depends(requires(Role.COMMUNITY_STAFF, Role.ADMIN))]


def router() -> APIRouter:
    api = APIRouter(tags=["economy"])

    def asset_of(economy: EconomyApplication, asset_id: str, actor: Actor) -> Any:
        asset = economy.asset(asset_id)
        ensure_community(actor, asset.community_id)
        return asset

    # -- assets and leases ------------------------------------------------------------------------

    @api.post("/communities/{community_id}/assets", status_code=201, response_model=Created)
    def register_asset(community_id: CommunityId, body: RegisterAsset, economy: Economy, actor: Registrar) -> Created:
        ensure_community(actor, community_id)
        return Created(id=str(economy.register_asset(actor, community_id, **body.model_dump())))

    @api.post("/assets/{asset_id}/leases", status_code=201, response_model=Created)
    def lease_asset(asset_id: AggregateId, body: LeaseAsset, economy: Economy, actor: Staff) -> Created:
        asset_of(economy, asset_id, actor)
        return Created(id=economy.lease_asset(actor, asset_id, **body.model_dump()))

    @api.post("/assets/{asset_id}/leases/{lease_id}/rent-bills")
    def bill_rent(asset_id: AggregateId, lease_id: AggregateId, body: BillMonth, economy: Economy,
                  actor: Staff) -> dict[str, Any]:
        asset_of(economy, asset_id, actor)
        billed = economy.bill_rent(actor, asset_id, lease_id, body.month)
        return {"billed": billed, **economy.lease_statement(asset_id, lease_id, clock.today())}

    @api.post("/assets/{asset_id}/leases/{lease_id}/payments")
    def pay_rent(asset_id: AggregateId, lease_id: AggregateId, body: PayRent, economy: Economy,
                 actor: Staff) -> dict[str, Any]:
        asset_of(economy, asset_id, actor)
        economy.pay_rent(actor, asset_id, lease_id, **body.model_dump())
        return economy.lease_statement(asset_id, lease_id, body.paid_on)

    @api.post("/assets/{asset_id}/leases/{lease_id}/write-offs")
    def write_off_rent(asset_id: AggregateId, lease_id: AggregateId, body: WriteOffRent, economy: Economy,
                       actor: Staff) -> dict[str, Any]:
        asset_of(economy, asset_id, actor)
        economy.write_off_rent(actor, asset_id, lease_id, **body.model_dump())
        return economy.lease_statement(asset_id, lease_id, body.written_off_on)

    @api.post("/assets/{asset_id}/leases/{lease_id}/termination")
    def terminate_lease(asset_id: AggregateId, lease_id: AggregateId, body: TerminateLease, economy: Economy,
                        actor: Staff) -> dict[str, Any]:
        asset_of(economy, asset_id, actor)
        economy.terminate_lease(actor, asset_id, lease_id, **body.model_dump())
        return economy.lease_statement(asset_id, lease_id, body.terminated_on)

    @api.post("/assets/{asset_id}/land-reserve-transfer")
    def transfer_to_land_reserve(asset_id: AggregateId, body: TransferToLandReserve, economy: Economy,
                                 actor: Staff) -> dict[str, Any]:
        asset_of(economy, asset_id, actor)
        economy.transfer_to_land_reserve(actor, asset_id, **body.model_dump())
        return economy.asset_card(asset_id, body.transferred_on)

    @api.post("/communities/{community_id}/billing-runs")
    def run_billing(community_id: CommunityId, body: BillMonth, economy: Economy, actor: Staff) -> dict[str, Any]:
        ensure_community(actor, community_id)
        return economy.run_billing(actor, community_id, body.month)

    @api.get("/assets/{asset_id}")
    def asset_card(asset_id: AggregateId, economy: Economy, actor: Staff, as_of: date | None = None) -> dict[str, Any]:
        asset_of(economy, asset_id, actor)
        return economy.asset_card(asset_id, as_of or clock.today())

    @api.get("/assets/{asset_id}/statement")
    def asset_statement(asset_id: AggregateId, economy: Economy, actor: Staff,
                        as_of: date | None = None) -> dict[str, Any]:
        asset_of(economy, asset_id, actor)
        return economy.asset_statement(asset_id, as_of or clock.today())

    @api.get("/assets/{asset_id}/leases/{lease_id}/statement")
    def lease_statement(asset_id: AggregateId, lease_id: AggregateId, economy: Economy, actor: Staff,
                        as_of: date | None = None) -> dict[str, Any]:
        asset_of(economy, asset_id, actor)
        return economy.lease_statement(asset_id, lease_id, as_of or clock.today())

    @api.get("/communities/{community_id}/arrears")
    def arrears(community_id: CommunityId, economy: Economy, actor: Staff, as_of: date | None = None) -> dict[str, Any]:
        ensure_community(actor, community_id)
        return economy.arrears(community_id, as_of or clock.today())

    # -- enterprises ------------------------------------------------------------------------------

    def enterprise_of(economy: EconomyApplication, enterprise_id: str, actor: Actor) -> None:
        ensure_community(actor, economy.enterprise(enterprise_id).community_id)

    @api.post("/communities/{community_id}/enterprises", status_code=201, response_model=Created)
    def register_enterprise(community_id: CommunityId, body: RegisterEnterprise, economy: Economy,
                            actor: Registrar) -> Created:
        ensure_community(actor, community_id)
        return Created(id=str(economy.register_enterprise(actor, community_id, **body.model_dump())))

    @api.post("/enterprises/{enterprise_id}/jobs-reports")
    def report_enterprise_jobs(enterprise_id: AggregateId, body: ReportJobs, economy: Economy,
                               actor: Staff) -> dict[str, Any]:
        enterprise_of(economy, enterprise_id, actor)
        economy.report_enterprise_jobs(actor, enterprise_id, **body.model_dump())
        return economy.enterprise_view(enterprise_id)

    @api.post("/enterprises/{enterprise_id}/tax-rebates")
    def receive_tax_rebate(enterprise_id: AggregateId, body: ReceiveTaxRebate, economy: Economy,
                           actor: Staff) -> dict[str, Any]:
        enterprise_of(economy, enterprise_id, actor)
        economy.receive_tax_rebate(actor, enterprise_id, **body.model_dump())
        return economy.enterprise_view(enterprise_id)

    @api.get("/enterprises/{enterprise_id}")
    def enterprise(enterprise_id: AggregateId, economy: Economy, actor: Staff) -> dict[str, Any]:
        enterprise_of(economy, enterprise_id, actor)
        return economy.enterprise_view(enterprise_id)

    # -- the collective fund ----------------------------------------------------------------------

    def fund_route(path: str, model: type[Command], command: str) -> None:
        def handler(community_id: CommunityId, body: Command, economy: Economy, actor: Staff) -> dict[str, Any]:
            ensure_community(actor, community_id)
            entry_id = economy.fund_command(actor, community_id, command, **body.model_dump())
            return {**({"entry_id": entry_id} if entry_id else {}), **economy.fund_view(community_id)}

        handler.__name__ = command
        handler.__annotations__["body"] = model  # a local, so the string annotation could not be resolved
        api.post(f"/communities/{{community_id}}/fund/{path}")(handler)

    fund_route("income", RecordIncome, "record_income")
    fund_route("expenses", RecordExpense, "record_expense")
    fund_route("debts", IncurDebt, "incur_debt")
    fund_route("debt-repayments", RepayDebt, "repay_debt")
    fund_route("distributions", DeclareDistribution, "declare_distribution")
    fund_route("distribution-payments", PayDistribution, "pay_distribution")

    @api.post("/communities/{community_id}/fund/entries/{entry_id}/reversal")
    def reverse_entry(community_id: CommunityId, entry_id: AggregateId, body: ReverseEntry, economy: Economy,
                      actor: Staff) -> dict[str, Any]:
        ensure_community(actor, community_id)
        economy.fund_command(actor, community_id, "reverse_entry", entry_id=entry_id, **body.model_dump())
        return economy.fund_view(community_id)

    @api.get("/communities/{community_id}/fund")
    def fund(community_id: CommunityId, economy: Economy, actor: Staff) -> dict[str, Any]:
        ensure_community(actor, community_id)
        return economy.fund_view(community_id)

    # -- companies and income surveys -------------------------------------------------------------

    def company_of(economy: EconomyApplication, company_id: str, actor: Actor) -> None:
        ensure_community(actor, economy.company(company_id).community_id)

    @api.post("/communities/{community_id}/companies", status_code=201, response_model=Created)
    def found_company(community_id: CommunityId, body: FoundCompany, economy: Economy, actor: Registrar) -> Created:
        ensure_community(actor, community_id)
        return Created(id=str(economy.found_company(actor, community_id, **body.model_dump())))

    @api.post("/companies/{company_id}/revenue-reports")
    def report_revenue(company_id: AggregateId, body: ReportRevenue, economy: Economy, actor: Staff) -> dict[str, Any]:
        company_of(economy, company_id, actor)
        economy.company_command(actor, company_id, "report_revenue", **body.model_dump())
        return economy.company_view(company_id)

    @api.post("/companies/{company_id}/jobs-reports")
    def report_company_jobs(company_id: AggregateId, body: ReportJobs, economy: Economy,
                            actor: Staff) -> dict[str, Any]:
        company_of(economy, company_id, actor)
        economy.company_command(actor, company_id, "report_jobs", **body.model_dump())
        return economy.company_view(company_id)

    @api.get("/companies/{company_id}")
    def company(company_id: AggregateId, economy: Economy, actor: Staff) -> dict[str, Any]:
        company_of(economy, company_id, actor)
        return economy.company_view(company_id)

    @api.post("/communities/{community_id}/income-surveys", status_code=201)
    def report_income_survey(community_id: CommunityId, body: ReportIncomeSurvey, economy: Economy,
                             actor: Staff) -> dict[str, Any]:
        ensure_community(actor, community_id)
        economy.report_income_survey(actor, community_id, **body.model_dump())
        return economy.income_survey_view(community_id, body.year)

    @api.post("/communities/{community_id}/income-surveys/{year}/corrections")
    def correct_income_survey(community_id: CommunityId, year: Annotated[int, Path(ge=1949, le=2200)],
                              body: CorrectIncomeSurvey, economy: Economy, actor: Staff) -> dict[str, Any]:
        ensure_community(actor, community_id)
        economy.correct_income_survey(actor, community_id, year, **body.model_dump())
        return economy.income_survey_view(community_id, year)

    @api.get("/communities/{community_id}/income-surveys/{year}")
    def income_survey(community_id: CommunityId, year: Annotated[int, Path(ge=1949, le=2200)], economy: Economy,
                      actor: Staff) -> dict[str, Any]:
        ensure_community(actor, community_id)
        return economy.income_survey_view(community_id, year)

    return api
