"""Economy HTTP API: thin. Each route authenticates the caller, takes its typed command
(services/economy/commands.py) and calls one use case, which checks the community and applies the domain rules.

Writes and reads are for community staff of the community concerned; an admin
may also register reference data (assets, enterprises, community companies).
"""

import re
from collections.abc import Callable
from datetime import date
from enum import StrEnum
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query, Request
from fastapi.responses import HTMLResponse
from pydantic import BaseModel

from services.economy.application import EconomyApplication
from services.economy.commands import (
    AwardTender, BillMonth, CloseTender, CorrectDisclosure, CorrectIncomeSurvey, DeclareDistribution, FoundCompany,
    IncurDebt, LeaseAsset, OpenFeeAccount, OpenTender, PayDistribution, PayPropertyFee, PayRent, PlaceBid,
    PublishDisclosure, ReceiveTaxRebate, RecordExpense, RecordIncome, RegisterAsset, RegisterEnterprise, RepayDebt,
    ReportIncomeSurvey, ReportJobs, ReportRevenue, ReverseEntry, SetFeeSchedule, TerminateLease, TransferToLandReserve,
    WriteOffRent,
)
from services.economy.arrears import AGING_BUCKETS
from services.economy.domain import AssetType, CompanyKind, Sector
from services.economy.public_page import disclosures_page
from services.economy.queries import (
    LeaseSort, LeaseStatus, list_assets, list_companies, list_debts, list_enterprises, list_leases,
)
from shared.kernel.actor import Actor, Role
from shared.platform.auth import requires
from shared.platform.querytables import DEFAULT_LIMIT, Limit, Lists
from shared.platform.http import OneHopRoute

CommunityId = Annotated[str, Path(min_length=1, max_length=64, pattern=r"^[a-z0-9][a-z0-9-]*$")]
AggregateId = Annotated[str, Path(min_length=1, max_length=64)]
SurveyYear = Annotated[int, Path(ge=1949, le=2200)]
MonthKey = Annotated[str, Path(pattern=r"^\d{4}-(0[1-9]|1[0-2])$", description="YYYY-MM")]
# The residents' page: no script, inline style only.
PAGE_POLICY = {"Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'"}
View = dict[str, Any]
AgingBucket = StrEnum("AgingBucket", {b: b for b in AGING_BUCKETS})  # type: ignore[misc]
"""services/economy/arrears.py's buckets, as a query parameter's choices."""


class Created(BaseModel):
    id: str


async def economy_app(request: Request) -> EconomyApplication:
    return request.app.state.application


Economy = Annotated[EconomyApplication, Depends(economy_app)]
Staff = Annotated[Actor, Depends(requires(Role.COMMUNITY_STAFF))]
Registrar = Annotated[Actor, Depends(requires(Role.COMMUNITY_STAFF, Role.ADMIN))]


# Route families: routes that differ only in path, command and use case are added by one call each, in the
# order of the document (the OpenAPI paths keep their order). A route's name, hence its OpenAPI operation id
# and summary, is its use case's name unless `name` is given. No `from __future__ import annotations` in this
# module: FastAPI must see a handler's annotations (`body: command`) as the objects passed in, not as names.


def community_change(api: APIRouter, path: str, use_case: Callable[..., View], command: type[BaseModel],
                     status_code: int | None = None) -> None:
    """POST `path`: staff of the community in the path give `command` to `use_case`; its view answers."""

    def handler(community_id: CommunityId, body: command, economy: Economy, actor: Staff) -> View:
        return use_case(economy, actor, community_id, body)

    api.add_api_route(path, handler, methods=["POST"], name=use_case.__name__, status_code=status_code)


def community_record(api: APIRouter, path: str, use_case: Callable[..., Any], command: type[BaseModel],
                     actor_role: Any = Registrar) -> None:
    """POST `path` (201): `use_case` makes a new record of the community in the path; its id answers."""

    def handler(community_id: CommunityId, body: command, economy: Economy, actor: actor_role) -> Created:
        return Created(id=str(use_case(economy, actor, community_id, body)))

    api.add_api_route(path, handler, methods=["POST"], name=use_case.__name__, status_code=201,
                      response_model=Created)


def record_change(api: APIRouter, path: str, use_case: Callable[..., View], command: type[BaseModel],
                  status_code: int | None = None, name: str | None = None) -> None:
    """POST `path`: staff give `command` about the one record named in the path (`{tender_id}`, ...) to `use_case`,
    which checks the record's community; its view answers."""
    (id_name,) = re.findall(r"\{(\w+)\}", path)
    IdInPath = Annotated[str, Path(alias=id_name, min_length=1, max_length=64)]  # noqa: N806 - a type

    def handler(record_id: IdInPath, body: command, economy: Economy, actor: Staff) -> View:
        return use_case(economy, actor, record_id, body)

    api.add_api_route(path, handler, methods=["POST"], name=name or use_case.__name__, status_code=status_code)


def lease_change(api: APIRouter, path: str, use_case: Callable[..., View], command: type[BaseModel]) -> None:
    """POST `path`: staff give `command` about one lease of an asset to `use_case`; the lease's statement answers."""

    def handler(asset_id: AggregateId, lease_id: AggregateId, body: command, economy: Economy, actor: Staff) -> View:
        return use_case(economy, actor, asset_id, lease_id, body)

    api.add_api_route(path, handler, methods=["POST"], name=use_case.__name__)


def router() -> APIRouter:
    api = APIRouter(tags=["economy"], route_class=OneHopRoute)

    # -- assets and leases ------------------------------------------------------------------------

    community_record(api, "/communities/{community_id}/assets", EconomyApplication.register_asset, RegisterAsset)

    @api.post("/assets/{asset_id}/leases", status_code=201, response_model=Created)
    def lease_asset(asset_id: AggregateId, body: LeaseAsset, economy: Economy, actor: Staff) -> Created:
        return Created(id=economy.lease_asset(actor, asset_id, body))

    lease_change(api, "/assets/{asset_id}/leases/{lease_id}/rent-bills", EconomyApplication.bill_rent, BillMonth)
    lease_change(api, "/assets/{asset_id}/leases/{lease_id}/payments", EconomyApplication.pay_rent, PayRent)
    lease_change(api, "/assets/{asset_id}/leases/{lease_id}/write-offs", EconomyApplication.write_off_rent,
                 WriteOffRent)
    lease_change(api, "/assets/{asset_id}/leases/{lease_id}/termination", EconomyApplication.terminate_lease,
                 TerminateLease)
    record_change(api, "/assets/{asset_id}/land-reserve-transfer", EconomyApplication.transfer_to_land_reserve,
                  TransferToLandReserve)
    community_change(api, "/communities/{community_id}/billing-runs", EconomyApplication.run_billing, BillMonth)

    @api.get("/assets/{asset_id}")
    def asset_card(asset_id: AggregateId, economy: Economy, actor: Staff, as_of: date | None = None) -> View:
        return economy.asset_card(actor, asset_id, as_of)

    @api.get("/assets/{asset_id}/statement")
    def asset_statement(asset_id: AggregateId, economy: Economy, actor: Staff, as_of: date | None = None) -> View:
        return economy.asset_statement(actor, asset_id, as_of)

    @api.get("/assets/{asset_id}/leases/{lease_id}/statement")
    def lease_statement(asset_id: AggregateId, lease_id: AggregateId, economy: Economy, actor: Staff,
                        as_of: date | None = None) -> View:
        return economy.lease_statement(actor, asset_id, lease_id, as_of)

    @api.get("/communities/{community_id}/arrears")
    def arrears(community_id: CommunityId, economy: Economy, actor: Staff, as_of: date | None = None) -> View:
        return economy.arrears(actor, community_id, as_of)

    # -- lists (query tables) ---------------------------------------------------------------------

    @api.get("/assets")
    def assets(lists: Lists, actor: Registrar, community_id: str | None = None, kind: AssetType | None = None,
               in_arrears: bool | None = None, limit: Limit = DEFAULT_LIMIT, cursor: str | None = None) -> View:
        return list_assets(lists, actor, community_id=community_id, kind=kind, in_arrears=in_arrears, limit=limit,
                           cursor=cursor)

    @api.get("/leases")
    def leases(
        lists: Lists, actor: Registrar, community_id: str | None = None, status: LeaseStatus | None = None,
        expiring_within_days: Annotated[int | None, Query(ge=0, le=3660)] = None, in_arrears: bool | None = None,
        aging_bucket: AgingBucket | None = None, sort: LeaseSort = LeaseSort.ENDS_ON, limit: Limit = DEFAULT_LIMIT,
        cursor: str | None = None,
    ) -> View:
        return list_leases(lists, actor, community_id=community_id, status=status,
                           expiring_within_days=expiring_within_days, in_arrears=in_arrears,
                           aging_bucket=None if aging_bucket is None else aging_bucket.value, sort=sort, limit=limit,
                           cursor=cursor)

    @api.get("/debts")
    def debts(lists: Lists, actor: Registrar, community_id: str | None = None, outstanding: bool | None = None,
              limit: Limit = DEFAULT_LIMIT, cursor: str | None = None) -> View:
        return list_debts(lists, actor, community_id=community_id, outstanding=outstanding, limit=limit,
                          cursor=cursor)

    @api.get("/enterprises")
    def enterprises(lists: Lists, actor: Registrar, community_id: str | None = None, sector: Sector | None = None,
                    limit: Limit = DEFAULT_LIMIT, cursor: str | None = None) -> View:
        return list_enterprises(lists, actor, community_id=community_id, sector=sector, limit=limit, cursor=cursor)

    @api.get("/companies")
    def companies(lists: Lists, actor: Registrar, community_id: str | None = None, kind: CompanyKind | None = None,
                  limit: Limit = DEFAULT_LIMIT, cursor: str | None = None) -> View:
        return list_companies(lists, actor, community_id=community_id, kind=kind, limit=limit, cursor=cursor)

    # -- enterprises ------------------------------------------------------------------------------

    community_record(api, "/communities/{community_id}/enterprises", EconomyApplication.register_enterprise,
                     RegisterEnterprise)
    record_change(api, "/enterprises/{enterprise_id}/jobs-reports", EconomyApplication.report_enterprise_jobs,
                  ReportJobs)
    record_change(api, "/enterprises/{enterprise_id}/tax-rebates", EconomyApplication.receive_tax_rebate,
                  ReceiveTaxRebate)

    @api.get("/enterprises/{enterprise_id}")
    def enterprise(enterprise_id: AggregateId, economy: Economy, actor: Staff) -> View:
        return economy.enterprise(actor, enterprise_id)

    # -- the collective fund ----------------------------------------------------------------------

    community_change(api, "/communities/{community_id}/fund/income", EconomyApplication.record_income, RecordIncome)
    community_change(api, "/communities/{community_id}/fund/expenses", EconomyApplication.record_expense,
                     RecordExpense)
    community_change(api, "/communities/{community_id}/fund/debts", EconomyApplication.incur_debt, IncurDebt)
    community_change(api, "/communities/{community_id}/fund/debt-repayments", EconomyApplication.repay_debt,
                     RepayDebt)
    community_change(api, "/communities/{community_id}/fund/distributions", EconomyApplication.declare_distribution,
                     DeclareDistribution)
    community_change(api, "/communities/{community_id}/fund/distribution-payments",
                     EconomyApplication.pay_distribution, PayDistribution)

    @api.post("/communities/{community_id}/fund/entries/{entry_id}/reversal")
    def reverse_entry(community_id: CommunityId, entry_id: AggregateId, body: ReverseEntry, economy: Economy,
                      actor: Staff) -> View:
        return economy.reverse_entry(actor, community_id, entry_id, body)

    @api.get("/communities/{community_id}/fund")
    def fund(community_id: CommunityId, economy: Economy, actor: Staff) -> View:
        return economy.fund(actor, community_id)

    # -- companies and income surveys -------------------------------------------------------------

    community_record(api, "/communities/{community_id}/companies", EconomyApplication.found_company, FoundCompany)
    record_change(api, "/companies/{company_id}/revenue-reports", EconomyApplication.report_company_revenue,
                  ReportRevenue, name="report_revenue")
    record_change(api, "/companies/{company_id}/jobs-reports", EconomyApplication.report_company_jobs, ReportJobs)

    @api.get("/companies/{company_id}")
    def company(company_id: AggregateId, economy: Economy, actor: Staff) -> View:
        return economy.company(actor, company_id)

    community_change(api, "/communities/{community_id}/income-surveys", EconomyApplication.report_income_survey,
                     ReportIncomeSurvey, status_code=201)

    @api.post("/communities/{community_id}/income-surveys/{year}/corrections")
    def correct_income_survey(community_id: CommunityId, year: SurveyYear, body: CorrectIncomeSurvey,
                              economy: Economy, actor: Staff) -> View:
        return economy.correct_income_survey(actor, community_id, year, body)

    @api.get("/communities/{community_id}/income-surveys/{year}")
    def income_survey(community_id: CommunityId, year: SurveyYear, economy: Economy, actor: Staff) -> View:
        return economy.income_survey(actor, community_id, year)

    # -- public disclosure (三务公开): staff publish, residents read without a token ----------------------

    community_change(api, "/communities/{community_id}/disclosures", EconomyApplication.publish_disclosure,
                     PublishDisclosure, status_code=201)

    @api.post("/communities/{community_id}/disclosures/{month}/corrections", status_code=201)
    def correct_disclosure(community_id: CommunityId, month: MonthKey, body: CorrectDisclosure, economy: Economy,
                           actor: Staff) -> View:
        return economy.correct_disclosure(actor, community_id, month, body)

    @api.get("/public/communities/{community_id}/disclosures")
    def public_disclosures(community_id: CommunityId, economy: Economy) -> View:
        return economy.public_disclosures(community_id)

    @api.get("/public/communities/{community_id}/disclosures.html", response_class=HTMLResponse)
    def public_disclosures_page(community_id: CommunityId, economy: Economy) -> HTMLResponse:
        view = economy.public_disclosures(community_id)
        return HTMLResponse(disclosures_page(view["name"], view), headers=PAGE_POLICY)

    # -- lease tendering --------------------------------------------------------------------------

    @api.post("/tenders", status_code=201, response_model=Created)
    def open_tender(body: OpenTender, economy: Economy, actor: Staff) -> Created:
        return Created(id=str(economy.open_tender(actor, body)))

    record_change(api, "/tenders/{tender_id}/bids", EconomyApplication.place_bid, PlaceBid, status_code=201)
    record_change(api, "/tenders/{tender_id}/closing", EconomyApplication.close_tender, CloseTender)
    record_change(api, "/tenders/{tender_id}/award", EconomyApplication.award_tender, AwardTender)

    @api.get("/tenders/{tender_id}")
    def tender(tender_id: AggregateId, economy: Economy, actor: Staff) -> View:
        return economy.tender(actor, tender_id)

    # -- property fees ----------------------------------------------------------------------------

    community_record(api, "/communities/{community_id}/property-fee-accounts", EconomyApplication.open_fee_account,
                     OpenFeeAccount, actor_role=Staff)
    record_change(api, "/property-fee-accounts/{account_id}/schedules", EconomyApplication.set_fee_schedule,
                  SetFeeSchedule)
    record_change(api, "/property-fee-accounts/{account_id}/bills", EconomyApplication.bill_property_fee, BillMonth)
    record_change(api, "/property-fee-accounts/{account_id}/payments", EconomyApplication.pay_property_fee,
                  PayPropertyFee)

    @api.get("/property-fee-accounts/{account_id}")
    def fee_account(account_id: AggregateId, economy: Economy, actor: Staff, as_of: date | None = None) -> View:
        return economy.fee_account(actor, account_id, as_of)

    community_change(api, "/communities/{community_id}/property-fee-billing-runs",
                     EconomyApplication.run_property_fee_billing, BillMonth)

    @api.get("/communities/{community_id}/property-fees")
    def property_fees(community_id: CommunityId, economy: Economy, actor: Staff, as_of: date | None = None) -> View:
        return economy.property_fees(actor, community_id, as_of)

    return api
