"""District read model of the minimum-allowance (低保) cycle: one document per community.

Same protocol as `CommunityWelfare`. Households appear by their pseudonymous id with their member count,
the stage of their application and the amount granted; payments are the disbursed cycles of the
community's minimum-allowance programmes (which programmes those are is known from ProgrammeDefined, in
the same document, so the order the two arrive in does not matter).
"""

from __future__ import annotations

from typing import Any

from services.district.projections.per_community import PerCommunity, welfare_types
from shared.platform.envelope import Envelope

ALLOWANCE_KIND = "minimum_allowance"
STAGES = ("applied", "investigated", "reviewed", "in_notice", "approved", "rejected", "appealed")
_STAGED = {"AllowanceApplied", "HouseholdCircumstancesRecorded", "AllowanceCommunityReviewed",
           "AllowanceNoticeStarted", "AllowanceObjectionResolved", "AllowanceApplicationApproved",
           "AllowanceAppealLodged", "AllowanceAppealDecided"}
_ALLOWANCE = {"AllowanceGranted", "AllowanceAdjusted", "AllowanceSuspended", "AllowanceResumed", "AllowanceEnded"}
_OTHER = {"HouseholdRegistered", "AllowanceObjectionLodged", "AllowanceReviewed", "ProgrammeDefined",
          "PaymentCycleDisbursed"}


class CommunityAllowance(PerCommunity):
    """Per community: households and persons on the allowance, amount granted and paid per month,
    applications in each stage, objections, appeals and reviews."""

    collection = "community_allowance"
    types = welfare_types(*_STAGED, *_ALLOWANCE, *_OTHER)

    def new_document(self, document_id: str, envelope: Envelope) -> dict[str, Any]:
        return {"_id": document_id, "community_id": document_id,
                "households": {},  # household id -> {"members", "stage", "monthly_fen"}
                "allowance_programmes": [], "disbursed": {},  # programme id -> month -> fen
                "objections": {"lodged": 0, "upheld": 0, "dismissed": 0},
                "appeals": {"lodged": 0, "upheld": 0, "dismissed": 0},
                "reviews": {"held": 0, "overdue": 0, "ended": 0}}

    @staticmethod
    def _household(doc: dict[str, Any], household_id: str) -> dict[str, Any]:
        return doc["households"].setdefault(household_id, {"members": 0, "stage": None, "monthly_fen": 0})

    def apply(self, doc: dict[str, Any], envelope: Envelope, event: Any) -> None:  # noqa: C901 - a flat dispatch
        name = envelope.event_name
        if name == "ProgrammeDefined":
            if event.kind == ALLOWANCE_KIND and event.programme_id not in doc["allowance_programmes"]:
                doc["allowance_programmes"].append(event.programme_id)
            return
        if name == "PaymentCycleDisbursed":
            months = doc["disbursed"].setdefault(event.programme_id, {})
            months[event.month] = months.get(event.month, 0) + event.total_fen
            return
        household = self._household(doc, event.household_id)
        if name == "HouseholdRegistered":
            household["members"] = event.member_count
        elif name in _ALLOWANCE:
            household["monthly_fen"] = event.monthly_fen
        elif name == "AllowanceObjectionLodged":
            doc["objections"]["lodged"] += 1
        elif name == "AllowanceReviewed":
            doc["reviews"]["held"] += 1
            doc["reviews"]["overdue"] += event.overdue
            doc["reviews"]["ended"] += event.outcome == "end"
        if name in _STAGED:
            household["stage"] = event.stage
        if name == "HouseholdCircumstancesRecorded":
            household["members"] = event.member_count
        elif name == "AllowanceObjectionResolved":
            doc["objections"]["upheld" if event.upheld else "dismissed"] += 1
        elif name == "AllowanceAppealLodged":
            doc["appeals"]["lodged"] += 1
        elif name == "AllowanceAppealDecided":
            doc["appeals"]["upheld" if event.upheld else "dismissed"] += 1


def allowance_figures(doc: dict[str, Any]) -> dict[str, Any]:
    """The figures a district operator sees for one community (no ids)."""
    on = [h for h in doc["households"].values() if h["monthly_fen"] > 0]
    stages = dict.fromkeys(STAGES, 0)
    for household in doc["households"].values():
        if household["stage"]:
            stages[household["stage"]] += 1
    paid: dict[str, int] = {}
    for programme in doc["allowance_programmes"]:
        for month, fen in doc["disbursed"].get(programme, {}).items():
            paid[month] = paid.get(month, 0) + fen
    objections = doc["objections"]
    appeals = doc["appeals"]
    return {
        "community_id": doc["community_id"],
        "households": len(on), "persons": sum(h["members"] for h in on),
        "monthly_granted_fen": sum(h["monthly_fen"] for h in on),
        "paid_by_month": dict(sorted(paid.items())),
        "applications_by_stage": stages,
        "applications_open": sum(stages[s] for s in ("applied", "investigated", "reviewed", "in_notice", "appealed")),
        "objections": {**objections, "open": objections["lodged"] - objections["upheld"] - objections["dismissed"]},
        "appeals": {**appeals, "open": appeals["lodged"] - appeals["upheld"] - appeals["dismissed"]},
        "reviews": dict(doc["reviews"]),
        "as_of": doc.get("as_of"),
    }
