"""The economy service's public events (topic `shequ.economy.v1`, keyed by aggregate id).

What consumers import, without the domain. What the district needs, nothing
personal: amounts, dates, areas, kinds and ids. Enterprise and company names,
creditors, write-off and reversal reasons stay in the event store; who attracted
an enterprise is published only as a pseudonymous reference (for incentive-scheme
counts). The mapping from stored events is `services.economy.contract`.
"""

from __future__ import annotations

from datetime import date
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field

from shared.platform.envelope import PublicEvent, PublicEventSet

Money = Field(ge=0, description="fen")
Month = Field(pattern=r"^\d{4}-(0[1-9]|1[0-2])$")

# The economy domain's vocabularies (a test keeps each equal to the domain's).
AssetType = StrEnum("AssetType", ["factory_building", "shop", "market", "land", "equipment"])
TerminationReason = StrEnum("TerminationReason", ["expiry", "default", "early"])
IncomeSource = StrEnum("IncomeSource", ["rent", "tax_rebate", "land_compensation", "community_company", "other"])
ExpenseCategory = StrEnum("ExpenseCategory", ["maintenance", "staff", "public_services", "welfare", "interest",
                                              "other"])
Sector = StrEnum("Sector", ["manufacturing", "wholesale_retail", "logistics", "services", "agriculture",
                            "construction", "other"])
CompanyKind = StrEnum("CompanyKind", ["cleaning", "farm_cooperative", "market", "other"])
FeeBasis = StrEnum("FeeBasis", ["per_m2", "fixed"])


# -- what events of different records share (unlisted bases). An event lists its record's base last, so
# its fields come first: pydantic collects a model's fields from its last base to its first.


class Billed(PublicEvent):
    """Base of a month billed to an account (a lease's rent, a household's property fee)."""

    month: str = Month
    amount: int = Money
    due_on: date


class Paid(PublicEvent):
    """Base of a payment into an account (a lease's rent, a household's property fees)."""

    amount: int = Money
    paid_on: date


class JobsReported(PublicEvent):
    """Base of an employer's jobs report (an enterprise, a community company)."""

    total: int = Field(ge=0)
    local: int = Field(ge=0)
    reported_on: date


# -- assets and leases ---------------------------------------------------------------------------------


class AssetEvent(PublicEvent):
    asset_id: str


class AssetRegistered(AssetEvent):
    asset_type: AssetType
    area_m2: int = Field(gt=0)
    book_value: int = Money
    registered_on: date


class LeaseEvent(AssetEvent):
    lease_id: str


class AssetLeased(LeaseEvent):
    tenant_enterprise_id: str
    monthly_rent: int = Money
    starts_on: date
    ends_on: date


class RentBilled(Billed, LeaseEvent):
    pass


class RentPaid(Paid, LeaseEvent):
    pass


class RentWrittenOff(LeaseEvent):
    amount: int = Money
    written_off_on: date


class LeaseTerminated(LeaseEvent):
    reason: TerminationReason
    terminated_on: date


class AssetTransferredToLandReserve(AssetEvent):
    compensation: int = Money
    transferred_on: date


# -- enterprises ---------------------------------------------------------------------------------------


class EnterpriseEvent(PublicEvent):
    enterprise_id: str


class EnterpriseRegistered(EnterpriseEvent):
    sector: Sector
    attracted_by_ref: str | None = None
    registered_on: date


class EnterpriseJobsReported(JobsReported, EnterpriseEvent):
    pass


class TaxRebateReceived(EnterpriseEvent):
    amount: int = Money
    year: int
    received_on: date


# -- the collective fund -------------------------------------------------------------------------------


class FundEntryEvent(PublicEvent):
    entry_id: str


class IncomeRecorded(FundEntryEvent):
    source: IncomeSource
    amount: int = Money
    received_on: date


class ExpenseRecorded(FundEntryEvent):
    category: ExpenseCategory
    amount: int = Money
    spent_on: date


class FundEntryReversed(FundEntryEvent):
    """A correction: the entry's amount comes off its source or category, in the month it was booked."""

    kind: str = Field(pattern="^(income|expense)$")
    label: str = Field(max_length=32, description="income source or expense category")
    amount: int = Money
    booked_on: date
    reversed_on: date


class DebtEvent(PublicEvent):
    """Base of a change of the community's debt: the amount (creditors stay in the event store)."""

    amount: int = Money


class DebtIncurred(DebtEvent):
    incurred_on: date


class DebtRepaid(DebtEvent):
    repaid_on: date


class DistributionEvent(PublicEvent):
    """Base of a dividend distribution to a villager group: the group and the amount."""

    villager_group: str = Field(max_length=64)
    amount: int = Money


class DistributionDeclared(DistributionEvent):
    declared_on: date


class DistributionPaid(DistributionEvent):
    paid_on: date


# -- community-owned companies and income surveys ------------------------------------------------------


class CompanyEvent(PublicEvent):
    company_id: str


class CompanyFounded(CompanyEvent):
    kind: CompanyKind
    founded_on: date


class CompanyRevenueReported(CompanyEvent):
    """Supersedes any earlier report for the same year."""

    year: int
    amount: int = Money


class CompanyJobsReported(JobsReported, CompanyEvent):
    pass


class PerCapitaIncomeEvent(PublicEvent):
    year: int


class PerCapitaIncomeReported(PerCapitaIncomeEvent):
    per_capita_net_income: int = Money


class PerCapitaIncomeCorrected(PerCapitaIncomeEvent):
    previous: int = Money
    per_capita_net_income: int = Money


# -- public disclosure (三务公开): the figures exactly as published to residents ----------------------


class DisclosureFigures(BaseModel):
    """A month of the collective's affairs as disclosed: movements in the month and what stands at its end."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    income: int = Money
    income_by_source: dict[str, int]
    expenses: int = Money
    expenses_by_category: dict[str, int]
    net_income: int = Field(description="fen; negative when expenses exceed income")
    debt_incurred: int = Money
    debt_repaid: int = Money
    debt_outstanding: int = Money
    distributions_declared: int = Money
    distributions_paid: int = Money
    distributions_owed: int = Money
    leases_running: int = Field(ge=0)
    monthly_rent_running: int = Money
    rent_billed: int = Money
    rent_received: int = Money
    rent_outstanding: int = Money


class DisclosureEvent(PublicEvent):
    disclosure_id: str


class DisclosurePublished(DisclosureEvent):
    month: str = Month
    published_on: date
    figures: DisclosureFigures


class DisclosureCorrected(DisclosureEvent):
    """The month's figures published again; refers to the disclosure it corrects (its reason is on the page)."""

    correction_number: int = Field(ge=1)
    month: str = Month
    corrected_on: date
    figures: DisclosureFigures


# -- lease tendering: bids stay sealed (no bidder, no amount) until the tender closes ----------------------


class TenderEvent(PublicEvent):
    tender_id: str


class TenderOpened(TenderEvent):
    asset_id: str
    lease_starts_on: date
    lease_ends_on: date
    minimum_rent: int = Money
    opened_on: date
    closes_on: date


class TenderBidPlaced(TenderEvent):
    bid_id: str
    placed_on: date


class TenderClosed(TenderEvent):
    closed_on: date
    bids: int = Field(ge=0)
    highest_rent: int = Field(ge=0, description="fen a month; 0 without bids")


class TenderAwarded(TenderEvent):
    """The lease made from the winning bid follows as AssetLeased with the same lease id."""

    bid_id: str
    bidder_enterprise_id: str
    monthly_rent: int = Money
    highest: bool = Field(description="false when another bid won, with a recorded reason")
    lease_id: str
    awarded_on: date


# -- property fees: per household account, named by an id only ------------------------------------------


class PropertyFeeEvent(PublicEvent):
    account_id: str


class PropertyFeeAccountOpened(PropertyFeeEvent):
    area_m2: int = Field(gt=0)
    opened_on: date


class PropertyFeeScheduleSet(PropertyFeeEvent):
    basis: FeeBasis
    rate: int = Money
    effective_from: str = Month


class PropertyFeeBilled(Billed, PropertyFeeEvent):
    pass


class PropertyFeePaid(Paid, PropertyFeeEvent):
    pass


public_events = PublicEventSet("economy", [
    AssetRegistered, AssetLeased, RentBilled, RentPaid, RentWrittenOff, LeaseTerminated,
    AssetTransferredToLandReserve, EnterpriseRegistered, EnterpriseJobsReported, TaxRebateReceived, IncomeRecorded,
    ExpenseRecorded, FundEntryReversed, DebtIncurred, DebtRepaid, DistributionDeclared, DistributionPaid,
    CompanyFounded, CompanyRevenueReported, CompanyJobsReported, PerCapitaIncomeReported, PerCapitaIncomeCorrected,
    DisclosurePublished, DisclosureCorrected, TenderOpened, TenderBidPlaced, TenderClosed, TenderAwarded,
    PropertyFeeAccountOpened, PropertyFeeScheduleSet, PropertyFeeBilled, PropertyFeePaid,
])
