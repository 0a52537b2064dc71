"""District read model of a community's public affairs in economy: disclosures published (三务公开),
lease tenders, property-fee collection; and lease-expiry warnings read from the economy document's leases.

One document per community. Property fees are kept per household account as totals (billed, paid), which
is all the collection rate and the arrears need; months are "YYYY-MM", dates ISO strings, money fen.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from services.economy.arrears import collection_rate
from services.district.projections.per_community import PerCommunity
from shared.platform.envelope import Envelope

SERVICE_PREFIX = "shequ.economy."


def _name(event_type: str) -> str:
    return event_type.split(".")[2] if event_type.count(".") >= 3 else ""


class CommunityPublicAffairs(PerCommunity):
    """Per community: disclosures and corrections, tenders and bids, property-fee accounts."""

    collection = "community_public_affairs"

    def handles(self, event_type: str) -> bool:
        return event_type.startswith(SERVICE_PREFIX) and hasattr(self, f"_on_{_name(event_type)}")

    def new_document(self, document_id: str, envelope: Envelope) -> dict[str, Any]:
        return {"_id": document_id, "community_id": document_id, "disclosures": {}, "tenders": {},
                "fee_accounts": {}}

    def apply(self, doc: dict[str, Any], envelope: Envelope, event: Any) -> None:
        getattr(self, f"_on_{envelope.event_name}")(doc, event)

    # -- disclosures ------------------------------------------------------------------------------

    def _on_DisclosurePublished(self, doc: dict[str, Any], e: Any) -> None:
        doc["disclosures"][e.month] = {"published_on": e.published_on.isoformat(), "corrections": 0}

    def _on_DisclosureCorrected(self, doc: dict[str, Any], e: Any) -> None:
        doc["disclosures"][e.month]["corrections"] = e.correction_number

    # -- tenders ----------------------------------------------------------------------------------

    def _on_TenderOpened(self, doc: dict[str, Any], e: Any) -> None:
        doc["tenders"][e.tender_id] = {"asset_id": e.asset_id, "status": "open", "bids": 0,
                                       "closes_on": e.closes_on.isoformat(), "monthly_rent": None}

    def _on_TenderBidPlaced(self, doc: dict[str, Any], e: Any) -> None:
        doc["tenders"][e.tender_id]["bids"] += 1

    def _on_TenderClosed(self, doc: dict[str, Any], e: Any) -> None:
        doc["tenders"][e.tender_id]["status"] = "closed"

    def _on_TenderAwarded(self, doc: dict[str, Any], e: Any) -> None:
        doc["tenders"][e.tender_id].update(status="awarded", monthly_rent=e.monthly_rent)

    # -- property fees ----------------------------------------------------------------------------

    def _on_PropertyFeeAccountOpened(self, doc: dict[str, Any], e: Any) -> None:
        doc["fee_accounts"][e.account_id] = {"billed": 0, "paid": 0}

    def _on_PropertyFeeScheduleSet(self, doc: dict[str, Any], e: Any) -> None:
        """The schedule changes no figure here: bills carry their amounts."""

    def _on_PropertyFeeBilled(self, doc: dict[str, Any], e: Any) -> None:
        doc["fee_accounts"][e.account_id]["billed"] += e.amount

    def _on_PropertyFeePaid(self, doc: dict[str, Any], e: Any) -> None:
        doc["fee_accounts"][e.account_id]["paid"] += e.amount


def leases_expiring(economy_doc: dict[str, Any] | None, today: date, days: int) -> list[dict[str, Any]]:
    """Running leases whose end falls within the next `days` days (none when `days` is 0), soonest first."""
    if not economy_doc or days <= 0:
        return []
    first, last = today.isoformat(), (today + timedelta(days=days)).isoformat()
    expiring = [{"lease_id": lease_id, "asset_id": lease["asset_id"], "ends_on": lease["ends_on"],
                 "days_left": (date.fromisoformat(lease["ends_on"]) - today).days}
                for lease_id, lease in economy_doc["leases"].items()
                if lease["terminated_on"] is None and lease["starts_on"] <= last and first <= lease["ends_on"] <= last]
    return sorted(expiring, key=lambda lease: (lease["ends_on"], lease["lease_id"]))


def public_affairs_figures(doc: dict[str, Any] | None, economy_doc: dict[str, Any] | None, today: date,
                           lease_expiry_days: int) -> dict[str, Any]:
    """The figures of one community's public affairs, merged into its economy figures."""
    doc = doc or CommunityPublicAffairs().new_document("", None)  # type: ignore[arg-type]
    disclosures, tenders = doc["disclosures"], doc["tenders"].values()
    accounts = doc["fee_accounts"].values()
    billed, paid = sum(a["billed"] for a in accounts), sum(a["paid"] for a in accounts)
    by_status = {status: sum(1 for t in tenders if t["status"] == status) for status in ("open", "closed", "awarded")}
    return {
        "disclosures": {"published": len(disclosures),
                        "corrections": sum(d["corrections"] for d in disclosures.values()),
                        "latest_month": max(disclosures, default=None)},
        "tenders": {"opened": len(doc["tenders"]), **by_status, "bids": sum(t["bids"] for t in tenders)},
        "leases_expiring": len(leases_expiring(economy_doc, today, lease_expiry_days)),
        "property_fees": {"households": len(doc["fee_accounts"]), "billed": billed, "paid": paid,
                          "arrears": billed - paid,
                          "households_in_arrears": sum(1 for a in accounts if a["billed"] > a["paid"]),
                          "rate": collection_rate(billed, paid)},
    }
