"""Economy commands: what a caller asks the economy service to do, typed and validated (the HTTP request
bodies). Money is an integer number of fen: floats and numeric strings are refused (StrictInt)."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StrictInt

from services.economy.domain import (
    AssetType, CompanyKind, ExpenseCategory, FeeBasis, IncomeSource, Sector, TerminationReason,
)

Fen = Annotated[StrictInt, Field(gt=0, le=10**15, description="fen")]
FenOrZero = Annotated[StrictInt, Field(ge=0, le=10**15, description="fen")]
Jobs = Annotated[StrictInt, Field(ge=0, le=10**7)]
Year = Annotated[StrictInt, Field(ge=1949, le=2200)]
Month = Annotated[str, Field(pattern=r"^\d{4}-(0[1-9]|1[0-2])$", description="YYYY-MM")]
Text = Annotated[str, Field(min_length=1, max_length=200)]
Reason = Annotated[str, Field(min_length=1, max_length=1000)]
Ref = Annotated[str, Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9][A-Za-z0-9_.:-]*$")]
RecordId = Annotated[str, Field(min_length=1, max_length=64)]
"""The id of an asset or enterprise the command refers to."""


class Command(BaseModel):
    model_config = ConfigDict(extra="forbid")


class RegisterAsset(Command):
    asset_type: AssetType
    name: Text
    area_m2: StrictInt = Field(gt=0, le=10**9)
    book_value: FenOrZero
    registered_on: date


class LeaseAsset(Command):
    tenant_enterprise_id: RecordId
    monthly_rent: Fen
    starts_on: date
    ends_on: date
    deposit: FenOrZero = 0


class BillMonth(Command):
    month: Month


class Payment(Command):
    """Money paid into an account (a lease's rent, a household's property fees), never more than it owes."""

    amount: Fen
    paid_on: date


class PayRent(Payment):
    pass


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


class DebtMovement(Command):
    """A debt of the community to one creditor grows or shrinks by an amount."""

    creditor: Text
    amount: Fen


class IncurDebt(DebtMovement):
    incurred_on: date


class RepayDebt(DebtMovement):
    repaid_on: date


class DistributionMovement(Command):
    """A dividend distribution to one villager group is declared or paid, by an amount."""

    villager_group: Ref
    amount: Fen


class DeclareDistribution(DistributionMovement):
    declared_on: date


class PayDistribution(DistributionMovement):
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


# -- public disclosure ---------------------------------------------------------------------------------


class PublishDisclosure(Command):
    month: Month
    published_on: date


class CorrectDisclosure(Command):
    reason: Reason
    corrected_on: date


# -- lease tendering -----------------------------------------------------------------------------------


class OpenTender(Command):
    asset_id: RecordId
    lease_starts_on: date
    lease_ends_on: date
    minimum_rent: Fen
    deposit: FenOrZero = 0
    opened_on: date
    closes_on: date


class PlaceBid(Command):
    bidder_enterprise_id: RecordId
    monthly_rent: Fen
    placed_on: date


class CloseTender(Command):
    closed_on: date


class AwardTender(Command):
    bid_id: str | None = Field(default=None, min_length=1, max_length=64,
                               description="a bid other than the highest; needs a reason")
    reason: Reason | None = None
    awarded_on: date


# -- property fees -------------------------------------------------------------------------------------


class OpenFeeAccount(Command):
    dwelling: str = Field(min_length=1, max_length=64, description="building-unit-room, never a person's name")
    area_m2: StrictInt = Field(gt=0, le=10**5)
    opened_on: date


class SetFeeSchedule(Command):
    basis: FeeBasis
    rate: Fen = Field(description="fen per m² per month (per_m2) or fen per month (fixed)")
    effective_from: Month


class PayPropertyFee(Payment):
    pass
