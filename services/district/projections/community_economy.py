"""District read model of the collective economy: one document per community.

The document keeps what figures need at query time rather than the figures
themselves where they depend on a date: rent charges with their due dates,
payments and write-offs with theirs (so arrears can be aged as of any day), and
lease periods per asset (so occupancy can be read as of any day). Money is fen;
dates are ISO strings; months are "YYYY-MM"; years are string keys (MongoDB keys).
"""

from __future__ import annotations

from datetime import date
from typing import Any

from services.economy.arrears import AGING_BUCKETS, age_arrears
from services.district.projections.per_community import PerCommunity
from shared.platform.envelope import Envelope

SERVICE_PREFIX = "shequ.economy."


def _add(totals: dict[str, int], key: str, amount: int) -> None:
    totals[key] = totals.get(key, 0) + amount


def _month(day: date) -> str:
    return day.isoformat()[:7]


class CommunityEconomy(PerCommunity):
    """Per community: fund income and expenses, debt, rent arrears, occupancy, jobs, distributions, income."""

    collection = "community_economy"

    def handles(self, event_type: str) -> bool:
        # Disclosures, tenders and property fees are community_public_affairs' (tender leases arrive as AssetLeased).
        return event_type.startswith(SERVICE_PREFIX) and hasattr(self, f"_on_{event_type.split('.')[2]}")

    def new_document(self, document_id: str, envelope: Envelope) -> dict[str, Any]:
        return {"_id": document_id, "community_id": document_id, "assets": {}, "leases": {}, "income": {},
                "expenses": {}, "debt": {"incurred": 0, "repaid": 0}, "enterprises": {}, "companies": {},
                "tax_rebates": {}, "distributions": {"declared": 0, "paid": 0}, "per_capita_income": {}}

    def apply(self, doc: dict[str, Any], envelope: Envelope, event: Any) -> None:
        handler = getattr(self, f"_on_{envelope.event_name}", None)
        if handler is None:
            raise ValueError(f"{envelope.type} is not handled by {self.collection}")
        handler(doc, event)

    # -- assets and leases ------------------------------------------------------------------------

    def _on_AssetRegistered(self, doc: dict[str, Any], e: Any) -> None:
        doc["assets"][e.asset_id] = {"asset_type": str(e.asset_type), "area_m2": e.area_m2,
                                     "registered_on": e.registered_on.isoformat(), "transferred_on": None}

    def _on_AssetLeased(self, doc: dict[str, Any], e: Any) -> None:
        doc["leases"][e.lease_id] = {"asset_id": e.asset_id, "starts_on": e.starts_on.isoformat(),
                                     "ends_on": e.ends_on.isoformat(), "terminated_on": None, "charges": {},
                                     "payments": [], "write_offs": []}

    def _on_RentBilled(self, doc: dict[str, Any], e: Any) -> None:
        doc["leases"][e.lease_id]["charges"][e.month] = {"due_on": e.due_on.isoformat(), "amount": e.amount}

    def _on_RentPaid(self, doc: dict[str, Any], e: Any) -> None:
        doc["leases"][e.lease_id]["payments"].append([e.paid_on.isoformat(), e.amount])

    def _on_RentWrittenOff(self, doc: dict[str, Any], e: Any) -> None:
        doc["leases"][e.lease_id]["write_offs"].append([e.written_off_on.isoformat(), e.amount])

    def _on_LeaseTerminated(self, doc: dict[str, Any], e: Any) -> None:
        doc["leases"][e.lease_id]["terminated_on"] = e.terminated_on.isoformat()

    def _on_AssetTransferredToLandReserve(self, doc: dict[str, Any], e: Any) -> None:
        doc["assets"][e.asset_id]["transferred_on"] = e.transferred_on.isoformat()

    # -- enterprises and companies ----------------------------------------------------------------

    def _on_EnterpriseRegistered(self, doc: dict[str, Any], e: Any) -> None:
        doc["enterprises"][e.enterprise_id] = {"sector": str(e.sector), "attracted_by_ref": e.attracted_by_ref,
                                               "jobs_total": 0, "jobs_local": 0}

    def _on_EnterpriseJobsReported(self, doc: dict[str, Any], e: Any) -> None:
        doc["enterprises"][e.enterprise_id].update(jobs_total=e.total, jobs_local=e.local)

    def _on_TaxRebateReceived(self, doc: dict[str, Any], e: Any) -> None:
        _add(doc["tax_rebates"], str(e.year), e.amount)

    def _on_CompanyFounded(self, doc: dict[str, Any], e: Any) -> None:
        doc["companies"][e.company_id] = {"kind": str(e.kind), "jobs_total": 0, "jobs_local": 0, "revenue": {}}

    def _on_CompanyRevenueReported(self, doc: dict[str, Any], e: Any) -> None:
        doc["companies"][e.company_id]["revenue"][str(e.year)] = e.amount  # a later report supersedes

    def _on_CompanyJobsReported(self, doc: dict[str, Any], e: Any) -> None:
        doc["companies"][e.company_id].update(jobs_total=e.total, jobs_local=e.local)

    # -- the collective fund ----------------------------------------------------------------------

    def _on_IncomeRecorded(self, doc: dict[str, Any], e: Any) -> None:
        _add(doc["income"].setdefault(_month(e.received_on), {}), str(e.source), e.amount)

    def _on_ExpenseRecorded(self, doc: dict[str, Any], e: Any) -> None:
        _add(doc["expenses"].setdefault(_month(e.spent_on), {}), str(e.category), e.amount)

    def _on_FundEntryReversed(self, doc: dict[str, Any], e: Any) -> None:
        ledger = doc["income"] if e.kind == "income" else doc["expenses"]
        _add(ledger.setdefault(_month(e.booked_on), {}), e.label, -e.amount)

    def _on_DebtIncurred(self, doc: dict[str, Any], e: Any) -> None:
        doc["debt"]["incurred"] += e.amount

    def _on_DebtRepaid(self, doc: dict[str, Any], e: Any) -> None:
        doc["debt"]["repaid"] += e.amount

    def _on_DistributionDeclared(self, doc: dict[str, Any], e: Any) -> None:
        doc["distributions"]["declared"] += e.amount

    def _on_DistributionPaid(self, doc: dict[str, Any], e: Any) -> None:
        doc["distributions"]["paid"] += e.amount

    # -- income surveys ---------------------------------------------------------------------------

    def _on_PerCapitaIncomeReported(self, doc: dict[str, Any], e: Any) -> None:
        doc["per_capita_income"][str(e.year)] = e.per_capita_net_income

    def _on_PerCapitaIncomeCorrected(self, doc: dict[str, Any], e: Any) -> None:
        doc["per_capita_income"][str(e.year)] = e.per_capita_net_income


def _sum_months(ledger: dict[str, dict[str, int]], first: str, last: str) -> dict[str, int]:
    totals: dict[str, int] = {}
    for month, amounts in ledger.items():
        if first <= month <= last:
            for key, amount in amounts.items():
                _add(totals, key, amount)
    return totals


def arrears_as_of(doc: dict[str, Any], as_of: date) -> tuple[dict[str, int], dict[str, Any]]:
    """Rent arrears aged as of a day: (amount per aging bucket, per lease in arrears)."""
    day = as_of.isoformat()
    arrears = dict.fromkeys(AGING_BUCKETS, 0)
    arrears_by_lease = {}
    for lease_id, lease in doc["leases"].items():
        charges = [(m, date.fromisoformat(c["due_on"]), c["amount"]) for m, c in lease["charges"].items()]
        credits = sum(amount for on, amount in lease["payments"] + lease["write_offs"] if on <= day)
        aged = age_arrears(charges, credits, as_of)
        if any(aged.values()):
            arrears_by_lease[lease_id] = {"asset_id": lease["asset_id"], "outstanding": sum(aged.values()),
                                          "aging": aged}
        for bucket, amount in aged.items():
            arrears[bucket] += amount
    return arrears, arrears_by_lease


def economy_figures(doc: dict[str, Any], as_of: date) -> dict[str, Any]:
    """The served figures of one community document, as of a day (year-to-date runs by whole months)."""
    day = as_of.isoformat()
    this_month, year_start = day[:7], f"{as_of.year}-01"
    income_ytd = _sum_months(doc["income"], year_start, this_month)
    expenses_ytd = _sum_months(doc["expenses"], year_start, this_month)
    income_all = _sum_months(doc["income"], "", this_month)
    expenses_all = _sum_months(doc["expenses"], "", this_month)

    arrears, arrears_by_lease = arrears_as_of(doc, as_of)

    held = {aid: a for aid, a in doc["assets"].items()
            if a["registered_on"] <= day and not (a["transferred_on"] and a["transferred_on"] <= day)}
    leased_assets = {lease["asset_id"] for lease in doc["leases"].values()
                     if lease["starts_on"] <= day <= (lease["terminated_on"] or lease["ends_on"])}
    total_area = sum(a["area_m2"] for a in held.values())
    leased_area = sum(a["area_m2"] for aid, a in held.items() if aid in leased_assets)

    enterprises, companies = doc["enterprises"].values(), doc["companies"].values()
    return {
        "community_id": doc["community_id"],
        "as_of": day,
        "income_ytd": sum(income_ytd.values()),
        "income_ytd_by_source": income_ytd,
        "income_by_month": {m: sum(v.values()) for m, v in sorted(doc["income"].items())},
        "expenses_ytd": sum(expenses_ytd.values()),
        "expenses_ytd_by_category": expenses_ytd,
        "net_income_ytd": sum(income_ytd.values()) - sum(expenses_ytd.values()),
        "net_income_to_date": sum(income_all.values()) - sum(expenses_all.values()),
        "debt_outstanding": doc["debt"]["incurred"] - doc["debt"]["repaid"],
        "arrears": {"outstanding": sum(arrears.values()), "aging": arrears, "by_lease": arrears_by_lease},
        "occupancy": {"total_area_m2": total_area, "leased_area_m2": leased_area,
                      "rate": round(leased_area / total_area, 4) if total_area else None},
        "enterprises": {"count": len(doc["enterprises"]), "jobs_total": sum(e["jobs_total"] for e in enterprises),
                        "jobs_local": sum(e["jobs_local"] for e in enterprises),
                        "attracted": sum(1 for e in enterprises if e["attracted_by_ref"])},
        "tax_rebates_by_year": dict(sorted(doc["tax_rebates"].items())),
        "community_companies": {"count": len(doc["companies"]),
                                "jobs_total": sum(c["jobs_total"] for c in companies),
                                "jobs_local": sum(c["jobs_local"] for c in companies),
                                "revenue_by_year": _revenue_by_year(companies)},
        "distributions": {**doc["distributions"],
                          "owed": doc["distributions"]["declared"] - doc["distributions"]["paid"]},
        "per_capita_income_by_year": dict(sorted(doc["per_capita_income"].items())),
    }


def _revenue_by_year(companies: Any) -> dict[str, int]:
    totals: dict[str, int] = {}
    for company in companies:
        for year, amount in company["revenue"].items():
            _add(totals, year, amount)
    return dict(sorted(totals.items()))
