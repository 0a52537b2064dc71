"""How economy's stored events become its public events (`services.economy.events`).

The producer's side: names, creditors, write-off and reversal reasons are in
stored events and are never copied; who attracted an enterprise becomes a
pseudonymous reference.
"""

from __future__ import annotations

import hashlib

from services.economy import events as public
from services.economy.domain import (
    Asset, AssetRegister, CollectiveFund, CommunityCompany, DisclosureBook, Enterprise, IncomeSurvey, PropertyFeeAccount,
    PropertyFeeRegister, Tender,
)
from shared.platform.envelope import EventContract

contract = EventContract(public.public_events)
contract.withholds(AssetRegister.Opened, AssetRegister.AssetListed, CollectiveFund.Opened, DisclosureBook.Opened,
                   PropertyFeeRegister.Opened, PropertyFeeRegister.AccountListed)


def referrer_ref(attracted_by: str | None) -> str | None:
    """A stable pseudonymous reference for whoever attracted an enterprise."""
    return hashlib.sha256(f"shequ-referrer:{attracted_by}".encode()).hexdigest()[:16] if attracted_by else None


for stored, published in (
    (Asset.Registered, public.AssetRegistered), (Asset.Leased, public.AssetLeased),
    (Asset.RentBilled, public.RentBilled), (Asset.RentPaid, public.RentPaid),
    (Asset.RentWrittenOff, public.RentWrittenOff), (Asset.LeaseTerminated, public.LeaseTerminated),
    (Asset.TransferredToLandReserve, public.AssetTransferredToLandReserve),
):
    contract.copies(stored, published, id_field="asset_id")

contract.copies(Enterprise.Registered, public.EnterpriseRegistered, id_field="enterprise_id",
                attracted_by_ref=lambda e: referrer_ref(e.attracted_by))
contract.copies(Enterprise.JobsReported, public.EnterpriseJobsReported, id_field="enterprise_id")
contract.copies(Enterprise.TaxRebateReceived, public.TaxRebateReceived, id_field="enterprise_id")

for stored, published in (
    (CollectiveFund.IncomeRecorded, public.IncomeRecorded), (CollectiveFund.ExpenseRecorded, public.ExpenseRecorded),
    (CollectiveFund.EntryReversed, public.FundEntryReversed), (CollectiveFund.DebtIncurred, public.DebtIncurred),
    (CollectiveFund.DebtRepaid, public.DebtRepaid),
    (CollectiveFund.DistributionDeclared, public.DistributionDeclared),
    (CollectiveFund.DistributionPaid, public.DistributionPaid),
    (IncomeSurvey.Reported, public.PerCapitaIncomeReported), (IncomeSurvey.Corrected, public.PerCapitaIncomeCorrected),
):
    contract.copies(stored, published)

for stored, published in ((CommunityCompany.Founded, public.CompanyFounded),
                          (CommunityCompany.RevenueReported, public.CompanyRevenueReported),
                          (CommunityCompany.JobsReported, public.CompanyJobsReported)):
    contract.copies(stored, published, id_field="company_id")

# Disclosures: the figures as frozen in the stored event; a correction's reason stays on the residents' page.
contract.copies(DisclosureBook.Published, public.DisclosurePublished)
contract.copies(DisclosureBook.Corrected, public.DisclosureCorrected)

# Tenders: a bid is published without its bidder or amount (sealed); both are revealed by the award.
for stored, published in ((Tender.Opened, public.TenderOpened), (Tender.BidPlaced, public.TenderBidPlaced),
                          (Tender.Closed, public.TenderClosed), (Tender.Awarded, public.TenderAwarded)):
    contract.copies(stored, published, id_field="tender_id")

# Property fees: the dwelling is withheld; the account id names the household.
for stored, published in ((PropertyFeeAccount.Opened, public.PropertyFeeAccountOpened),
                          (PropertyFeeAccount.ScheduleSet, public.PropertyFeeScheduleSet),
                          (PropertyFeeAccount.Billed, public.PropertyFeeBilled),
                          (PropertyFeeAccount.Paid, public.PropertyFeePaid)):
    contract.copies(stored, published, id_field="account_id")
