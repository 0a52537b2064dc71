"""The economy service's public events (topic `shequ.economy.v1`, keyed by aggregate id).

What the district needs, nothing personal: amounts, dates, areas, kinds and ids.
Enterprise and company names, creditors, write-off and reversal reasons stay in
the event store; who attracted an enterprise is published only as a
pseudonymous reference (for incentive-scheme counts).
"""

from __future__ import annotations

import hashlib
from datetime import date

from pydantic import Field

from services.economy.domain import (
    Asset,
    AssetRegister,
    AssetType,
    CollectiveFund,
    CommunityCompany,
    CompanyKind,
    Enterprise,
    ExpenseCategory,
    IncomeSource,
    IncomeSurvey,
    Sector,
    TerminationReason,
)
from shared.platform.envelope import EventContract, PublicEvent

contract = EventContract("economy")
contract.withholds(AssetRegister.Opened, AssetRegister.AssetListed, CollectiveFund.Opened)

Money = Field(ge=0, description="fen")
Month = Field(pattern=r"^\d{4}-(0[1-9]|1[0-2])$")


def referrer_ref(attracted_by: str | None) -> str | None:
    """A stable pseudonymous reference for whoever attracted an enterprise."""
    return hashlib.sha256(f"shequ-referrer:{attracted_by}".encode()).hexdigest()[:16] if attracted_by else None


class AssetRegistered(PublicEvent):
    event_name = "AssetRegistered"
    asset_id: str
    asset_type: AssetType
    area_m2: int = Field(gt=0)
    book_value: int = Money
    registered_on: date


class AssetLeased(PublicEvent):
    event_name = "AssetLeased"
    asset_id: str
    lease_id: str
    tenant_enterprise_id: str
    monthly_rent: int = Money
    starts_on: date
    ends_on: date


class RentBilled(PublicEvent):
    event_name = "RentBilled"
    asset_id: str
    lease_id: str
    month: str = Month
    amount: int = Money
    due_on: date


class RentPaid(PublicEvent):
    event_name = "RentPaid"
    asset_id: str
    lease_id: str
    amount: int = Money
    paid_on: date


class RentWrittenOff(PublicEvent):
    event_name = "RentWrittenOff"
    asset_id: str
    lease_id: str
    amount: int = Money
    written_off_on: date


class LeaseTerminated(PublicEvent):
    event_name = "LeaseTerminated"
    asset_id: str
    lease_id: str
    reason: TerminationReason
    terminated_on: date


class AssetTransferredToLandReserve(PublicEvent):
    event_name = "AssetTransferredToLandReserve"
    asset_id: str
    compensation: int = Money
    transferred_on: date


class EnterpriseRegistered(PublicEvent):
    event_name = "EnterpriseRegistered"
    enterprise_id: str
    sector: Sector
    attracted_by_ref: str | None = None
    registered_on: date


class EnterpriseJobsReported(PublicEvent):
    event_name = "EnterpriseJobsReported"
    enterprise_id: str
    total: int = Field(ge=0)
    local: int = Field(ge=0)
    reported_on: date


class TaxRebateReceived(PublicEvent):
    event_name = "TaxRebateReceived"
    enterprise_id: str
    amount: int = Money
    year: int
    received_on: date


class IncomeRecorded(PublicEvent):
    event_name = "IncomeRecorded"
    entry_id: str
    source: IncomeSource
    amount: int = Money
    received_on: date


class ExpenseRecorded(PublicEvent):
    event_name = "ExpenseRecorded"
    entry_id: str
    category: ExpenseCategory
    amount: int = Money
    spent_on: date


class FundEntryReversed(PublicEvent):
    """A correction: the entry's amount comes off its source or category, in the month it was booked."""

    event_name = "FundEntryReversed"
    entry_id: str
    kind: str = Field(pattern="^(income|expense)$")
    label: str = Field(max_length=32, description="income source or expense category")
    amount: int = Money
    booked_on: date
    reversed_on: date


class DebtIncurred(PublicEvent):
    event_name = "DebtIncurred"
    amount: int = Money
    incurred_on: date


class DebtRepaid(PublicEvent):
    event_name = "DebtRepaid"
    amount: int = Money
    repaid_on: date


class DistributionDeclared(PublicEvent):
    event_name = "DistributionDeclared"
    villager_group: str = Field(max_length=64)
    amount: int = Money
    declared_on: date


class DistributionPaid(PublicEvent):
    event_name = "DistributionPaid"
    villager_group: str = Field(max_length=64)
    amount: int = Money
    paid_on: date


class CompanyFounded(PublicEvent):
    event_name = "CompanyFounded"
    company_id: str
    kind: CompanyKind
    founded_on: date


class CompanyRevenueReported(PublicEvent):
    """Supersedes any earlier report for the same year."""

    event_name = "CompanyRevenueReported"
    company_id: str
    year: int
    amount: int = Money


class CompanyJobsReported(PublicEvent):
    event_name = "CompanyJobsReported"
    company_id: str
    total: int = Field(ge=0)
    local: int = Field(ge=0)
    reported_on: date


class PerCapitaIncomeReported(PublicEvent):
    event_name = "PerCapitaIncomeReported"
    year: int
    per_capita_net_income: int = Money


class PerCapitaIncomeCorrected(PublicEvent):
    event_name = "PerCapitaIncomeCorrected"
    year: int
    previous: int = Money
    per_capita_net_income: int = Money


def _asset(e) -> str:
    return str(e.originator_id)


@contract.publishes(Asset.Registered, AssetRegistered)
def _asset_registered(e: Asset.Registered) -> AssetRegistered:
    return AssetRegistered(asset_id=_asset(e), asset_type=e.asset_type, area_m2=e.area_m2, book_value=e.book_value,
                           registered_on=e.registered_on)


@contract.publishes(Asset.Leased, AssetLeased)
def _asset_leased(e: Asset.Leased) -> AssetLeased:
    return AssetLeased(asset_id=_asset(e), lease_id=e.lease_id, tenant_enterprise_id=e.tenant_enterprise_id,
                       monthly_rent=e.monthly_rent, starts_on=e.starts_on, ends_on=e.ends_on)


@contract.publishes(Asset.RentBilled, RentBilled)
def _rent_billed(e: Asset.RentBilled) -> RentBilled:
    return RentBilled(asset_id=_asset(e), lease_id=e.lease_id, month=e.month, amount=e.amount, due_on=e.due_on)


@contract.publishes(Asset.RentPaid, RentPaid)
def _rent_paid(e: Asset.RentPaid) -> RentPaid:
    return RentPaid(asset_id=_asset(e), lease_id=e.lease_id, amount=e.amount, paid_on=e.paid_on)


@contract.publishes(Asset.RentWrittenOff, RentWrittenOff)
def _rent_written_off(e: Asset.RentWrittenOff) -> RentWrittenOff:
    return RentWrittenOff(asset_id=_asset(e), lease_id=e.lease_id, amount=e.amount, written_off_on=e.written_off_on)


@contract.publishes(Asset.LeaseTerminated, LeaseTerminated)
def _lease_terminated(e: Asset.LeaseTerminated) -> LeaseTerminated:
    return LeaseTerminated(asset_id=_asset(e), lease_id=e.lease_id, reason=e.reason, terminated_on=e.terminated_on)


@contract.publishes(Asset.TransferredToLandReserve, AssetTransferredToLandReserve)
def _transferred(e: Asset.TransferredToLandReserve) -> AssetTransferredToLandReserve:
    return AssetTransferredToLandReserve(asset_id=_asset(e), compensation=e.compensation,
                                         transferred_on=e.transferred_on)


@contract.publishes(Enterprise.Registered, EnterpriseRegistered)
def _enterprise_registered(e: Enterprise.Registered) -> EnterpriseRegistered:
    return EnterpriseRegistered(enterprise_id=str(e.originator_id), sector=e.sector,
                                attracted_by_ref=referrer_ref(e.attracted_by), registered_on=e.registered_on)


@contract.publishes(Enterprise.JobsReported, EnterpriseJobsReported)
def _enterprise_jobs(e: Enterprise.JobsReported) -> EnterpriseJobsReported:
    return EnterpriseJobsReported(enterprise_id=str(e.originator_id), total=e.total, local=e.local,
                                  reported_on=e.reported_on)


@contract.publishes(Enterprise.TaxRebateReceived, TaxRebateReceived)
def _tax_rebate(e: Enterprise.TaxRebateReceived) -> TaxRebateReceived:
    return TaxRebateReceived(enterprise_id=str(e.originator_id), amount=e.amount, year=e.year,
                             received_on=e.received_on)


@contract.publishes(CollectiveFund.IncomeRecorded, IncomeRecorded)
def _income(e: CollectiveFund.IncomeRecorded) -> IncomeRecorded:
    return IncomeRecorded(entry_id=e.entry_id, source=e.source, amount=e.amount, received_on=e.received_on)


@contract.publishes(CollectiveFund.ExpenseRecorded, ExpenseRecorded)
def _expense(e: CollectiveFund.ExpenseRecorded) -> ExpenseRecorded:
    return ExpenseRecorded(entry_id=e.entry_id, category=e.category, amount=e.amount, spent_on=e.spent_on)


@contract.publishes(CollectiveFund.EntryReversed, FundEntryReversed)
def _reversed(e: CollectiveFund.EntryReversed) -> FundEntryReversed:
    return FundEntryReversed(entry_id=e.entry_id, kind=e.kind, label=e.label, amount=e.amount, booked_on=e.booked_on,
                             reversed_on=e.reversed_on)


@contract.publishes(CollectiveFund.DebtIncurred, DebtIncurred)
def _debt_incurred(e: CollectiveFund.DebtIncurred) -> DebtIncurred:
    return DebtIncurred(amount=e.amount, incurred_on=e.incurred_on)


@contract.publishes(CollectiveFund.DebtRepaid, DebtRepaid)
def _debt_repaid(e: CollectiveFund.DebtRepaid) -> DebtRepaid:
    return DebtRepaid(amount=e.amount, repaid_on=e.repaid_on)


@contract.publishes(CollectiveFund.DistributionDeclared, DistributionDeclared)
def _declared(e: CollectiveFund.DistributionDeclared) -> DistributionDeclared:
    return DistributionDeclared(villager_group=e.villager_group, amount=e.amount, declared_on=e.declared_on)


@contract.publishes(CollectiveFund.DistributionPaid, DistributionPaid)
def _distributed(e: CollectiveFund.DistributionPaid) -> DistributionPaid:
    return DistributionPaid(villager_group=e.villager_group, amount=e.amount, paid_on=e.paid_on)


@contract.publishes(CommunityCompany.Founded, CompanyFounded)
def _company_founded(e: CommunityCompany.Founded) -> CompanyFounded:
    return CompanyFounded(company_id=str(e.originator_id), kind=e.kind, founded_on=e.founded_on)


@contract.publishes(CommunityCompany.RevenueReported, CompanyRevenueReported)
def _company_revenue(e: CommunityCompany.RevenueReported) -> CompanyRevenueReported:
    return CompanyRevenueReported(company_id=str(e.originator_id), year=e.year, amount=e.amount)


@contract.publishes(CommunityCompany.JobsReported, CompanyJobsReported)
def _company_jobs(e: CommunityCompany.JobsReported) -> CompanyJobsReported:
    return CompanyJobsReported(company_id=str(e.originator_id), total=e.total, local=e.local,
                               reported_on=e.reported_on)


@contract.publishes(IncomeSurvey.Reported, PerCapitaIncomeReported)
def _survey_reported(e: IncomeSurvey.Reported) -> PerCapitaIncomeReported:
    return PerCapitaIncomeReported(year=e.year, per_capita_net_income=e.per_capita_net_income)


@contract.publishes(IncomeSurvey.Corrected, PerCapitaIncomeCorrected)
def _survey_corrected(e: IncomeSurvey.Corrected) -> PerCapitaIncomeCorrected:
    return PerCapitaIncomeCorrected(year=e.year, previous=e.previous, per_capita_net_income=e.per_capita_net_income)
