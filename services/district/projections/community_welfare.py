"""District read model of welfare: one document per community (same protocol as CommunityGrid).

Only public welfare events feed it, so it holds no personal data: persons are
pseudonymous ids, and only where a figure needs them (current placements,
cycles pending approval).
"""

from __future__ import annotations

from typing import Any

from services.district.projections.per_community import PerCommunity, welfare_types
from shared.platform.envelope import Envelope

_EVENTS = {
    "PersonCategoryAdded", "PersonCategoryRemoved", "PersonMovedOut", "PersonDied", "AllowanceGranted",
    "AllowanceAdjusted", "AllowanceSuspended", "AllowanceResumed", "AllowanceEnded", "EntitlementsCalculated",
    "PaymentCycleApproved", "PaymentCycleDisbursed", "ReliefDistributed", "PlacementStarted", "PlacementEnded",
    "WagePaid", "ProgrammeDefined",
}


class CommunityWelfare(PerCommunity):
    """Per community: beneficiaries by category, allowances, disbursements, relief, assisted employment."""

    collection = "community_welfare"
    types = welfare_types(*_EVENTS)

    def new_document(self, document_id: str, envelope: Envelope) -> dict[str, Any]:
        return {"_id": document_id, "community_id": document_id, "beneficiaries": {}, "disabled_by_type": {},
                "allowance": {"households": 0, "monthly_fen": 0}, "disbursed": {}, "pending_cycles": {},
                "relief": {}, "employment": {"placements": {}, "wages_fen": 0, "insurance_fen": 0,
                                             "lunch_fen": 0, "wage_payments": 0}}

    @staticmethod
    def _count(doc: dict[str, Any], categories: list[str], delta: int) -> None:
        for category in categories:
            doc["beneficiaries"][category] = doc["beneficiaries"].get(category, 0) + delta

    @staticmethod
    def _disabled(doc: dict[str, Any], kind: str | None, grade: int | None, delta: int) -> None:
        if kind:
            key = f"{kind}-{grade}"
            doc["disabled_by_type"][key] = doc["disabled_by_type"].get(key, 0) + delta

    def apply(self, doc: dict[str, Any], envelope: Envelope, event: Any) -> None:  # noqa: C901 - a flat dispatch
        name = envelope.event_name
        if name == "PersonCategoryAdded":
            self._count(doc, [event.category], 1)
            self._disabled(doc, event.disability_type, event.disability_grade, 1)
        elif name == "PersonCategoryRemoved":
            self._count(doc, [event.category], -1)
            self._disabled(doc, event.disability_type, event.disability_grade, -1)
        elif name in ("PersonMovedOut", "PersonDied"):
            self._count(doc, event.categories, -1)
            self._disabled(doc, event.disability_type, event.disability_grade, -1)
        elif name.startswith("Allowance"):
            allowance = doc["allowance"]
            allowance["monthly_fen"] += event.monthly_fen - event.previous_fen
            allowance["households"] += (event.monthly_fen > 0) - (event.previous_fen > 0)
        elif name == "EntitlementsCalculated":
            doc["pending_cycles"][event.cycle_id] = {"programme_id": event.programme_id, "month": event.month,
                                                     "count": event.count, "total_fen": event.total_fen}
        elif name == "PaymentCycleApproved":
            doc["pending_cycles"].pop(event.cycle_id, None)
        elif name == "PaymentCycleDisbursed":
            months = doc["disbursed"].setdefault(event.programme_id, {})
            month = months.setdefault(event.month, {"count": 0, "total_fen": 0})
            month["count"] += event.count
            month["total_fen"] += event.total_fen
        elif name == "ProgrammeDefined":  # names the programme's rows in the disbursement table
            doc.setdefault("programmes", {})[event.programme_id] = {"name": event.name, "kind": str(event.kind)}
        elif name == "ReliefDistributed":
            occasion = doc["relief"].setdefault(event.occasion, {"count": 0, "value_fen": 0})
            occasion["count"] += 1
            occasion["value_fen"] += event.value_fen
        elif name == "PlacementStarted":
            doc["employment"]["placements"].setdefault(event.station_id, {})[event.person_id] = event.monthly_wage_fen
        elif name == "PlacementEnded":
            doc["employment"]["placements"].get(event.station_id, {}).pop(event.person_id, None)
        elif name == "WagePaid":
            employment = doc["employment"]
            employment["wages_fen"] += event.wage_fen
            employment["insurance_fen"] += event.pension_insurance_fen + event.medical_insurance_fen
            employment["lunch_fen"] += event.lunch_fen
            employment["wage_payments"] += 1


def welfare_figures(doc: dict[str, Any]) -> dict[str, Any]:
    """The figures a district operator sees for one community (no ids)."""
    employment = doc["employment"]
    return {
        "community_id": doc["community_id"],
        "beneficiaries": {k: v for k, v in sorted(doc["beneficiaries"].items()) if v},
        "disabled_by_type_and_grade": {k: v for k, v in sorted(doc["disabled_by_type"].items()) if v},
        "allowance_households": doc["allowance"]["households"],
        "allowance_monthly_fen": doc["allowance"]["monthly_fen"],
        "disbursed": doc["disbursed"],
        "programmes": doc.get("programmes", {}),
        "cycles_pending_approval": len(doc["pending_cycles"]),
        "relief": doc["relief"],
        "assisted_employment": {
            "placements": sum(len(p) for p in employment["placements"].values()),
            "wages_fen": employment["wages_fen"], "insurance_fen": employment["insurance_fen"],
            "lunch_fen": employment["lunch_fen"], "wage_payments": employment["wage_payments"],
        },
        "as_of": doc.get("as_of"),
    }
