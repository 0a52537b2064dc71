"""The district read model of grid work: one document per community.

`CommunityGrid` keeps every grid figure of a community, with a per-cell
breakdown inside the document. Open cases keep their deadline, so overdue is
computed at query time (`grid_figures(doc, now)`); resolve durations are kept
per category in a bounded list for median and p90.
"""

from __future__ import annotations

import bisect
from datetime import datetime
from typing import Any

from services.district.projections.per_community import PerCommunity
from shared.platform.envelope import Envelope

DURATIONS_KEPT = 500
NO_CELL = "none"
CASE_COUNTS = ("reported", "open", "resolved", "closed", "rejected", "reopened")


def _case_counts() -> dict[str, int]:
    return dict.fromkeys(CASE_COUNTS, 0)


def _cell_doc() -> dict[str, Any]:
    return {"name": None, "households": 0, "workers": [], "cases": {}, "inspections": 0, "hazards": 0,
            "rental_households": 0, "followups_active": 0, "followups_ended": 0, "reoffended": 0, "durations": [],
            "satisfaction": {str(n): 0 for n in range(1, 6)},
            "mediation": {"opened": 0, "settled": 0, "failed": 0}}


def _keep_duration(kept: list[list[Any]], resolved_at: str, hours: float, category: str | None = None) -> None:
    """Keep the most recent resolve durations as [resolved at, hours(, category)], ordered by time.

    Ordered by the time of resolution (not of arrival), so the kept sample is the
    same whatever order partitions are read in: a rebuild keeps what live kept.
    A cell keeps one sample for all its categories, so its entries name theirs.
    """
    bisect.insort(kept, [resolved_at, hours] if category is None else [resolved_at, hours, category])
    del kept[:-DURATIONS_KEPT]


def _hours_of(kept: list[Any]) -> list[float]:
    return [entry[1] if isinstance(entry, list) else entry for entry in kept]


class CommunityGrid(PerCommunity):
    collection = "community_grid"

    def handles(self, event_type: str) -> bool:
        return event_type.startswith("shequ.grid.")

    def new_document(self, document_id: str, envelope: Envelope) -> dict[str, Any]:
        return {
            "_id": document_id, "community_id": document_id, "directory": {},
            "cases": {}, "open_cases": {}, "durations": {}, "satisfaction": {str(n): 0 for n in range(1, 6)},
            "mediation": {}, "inspections": {}, "rentals": {"houses": 0, "households": 0, "persons": 0,
                                                            "floating_households": 0, "floating_persons": 0},
            "followups": {}, "cells": {},
        }

    # -- helpers ----------------------------------------------------------------

    @staticmethod
    def _cell(doc: dict[str, Any], cell_id: str | None) -> dict[str, Any] | None:
        return doc["cells"].setdefault(cell_id, _cell_doc()) if cell_id else None

    def _count(self, doc: dict[str, Any], category: str, cell_id: str | None, **deltas: int) -> None:
        scopes = [doc["cases"]]
        cell = self._cell(doc, cell_id)
        if cell is not None:
            scopes.append(cell["cases"])
        for scope in scopes:
            counts = scope.setdefault(category, _case_counts())
            for key, delta in deltas.items():
                counts[key] += delta

    # -- apply ------------------------------------------------------------------

    def apply(self, doc: dict[str, Any], envelope: Envelope, event: Any) -> None:
        handler = getattr(self, f"_on_{envelope.event_name}", None)
        if handler is not None:
            handler(doc, envelope, event)

    def _on_CommunityRegistered(self, doc: dict, envelope: Envelope, e: Any) -> None:  # noqa: N802
        doc["directory"] = e.model_dump(exclude={"community_id"})

    _on_CommunityDetailsUpdated = _on_CommunityRegistered

    def _on_GridCellDrawn(self, doc: dict, envelope: Envelope, e: Any) -> None:  # noqa: N802
        cell = self._cell(doc, e.cell_id)
        cell["name"], cell["households"] = e.name, e.households

    def _on_GridWorkerAssigned(self, doc: dict, envelope: Envelope, e: Any) -> None:  # noqa: N802
        workers = self._cell(doc, e.cell_id)["workers"]
        if e.worker_id not in workers:
            workers.append(e.worker_id)

    def _on_GridWorkerUnassigned(self, doc: dict, envelope: Envelope, e: Any) -> None:  # noqa: N802
        workers = self._cell(doc, e.cell_id)["workers"]
        if e.worker_id in workers:
            workers.remove(e.worker_id)

    def _on_CaseReported(self, doc: dict, envelope: Envelope, e: Any) -> None:  # noqa: N802
        category = str(e.category)
        self._count(doc, category, e.grid_cell_id, reported=1, open=1)
        _monthly(doc, envelope, "reported")
        doc["open_cases"][e.case_id] = {"category": category, "cell": e.grid_cell_id,
                                        "since": envelope.time.isoformat(),
                                        "deadline": e.deadline.isoformat() if e.deadline else None}

    def _close_case(self, doc: dict, envelope: Envelope, e: Any, figure: str) -> dict | None:
        case = doc["open_cases"].pop(e.case_id, None)
        if case is None:
            raise ValueError(f"case {e.case_id} {figure} but not open in community {doc['_id']}")
        self._count(doc, case["category"], case["cell"], open=-1, **{figure: 1})
        return case

    def _on_CaseResolved(self, doc: dict, envelope: Envelope, e: Any) -> None:  # noqa: N802
        _monthly(doc, envelope, "resolved")
        case = self._close_case(doc, envelope, e, "resolved")
        hours = round((envelope.time - datetime.fromisoformat(case["since"])).total_seconds() / 3600, 3)
        resolved_at = envelope.time.isoformat()
        _keep_duration(doc["durations"].setdefault(case["category"], []), resolved_at, hours)
        cell = self._cell(doc, case["cell"])
        if cell is not None:
            _keep_duration(cell.setdefault("durations", []), resolved_at, hours, case["category"])

    def _on_CaseRejected(self, doc: dict, envelope: Envelope, e: Any) -> None:  # noqa: N802
        self._close_case(doc, envelope, e, "rejected")

    def _on_CaseClosed(self, doc: dict, envelope: Envelope, e: Any) -> None:  # noqa: N802
        self._count(doc, str(e.category), e.grid_cell_id, closed=1)
        doc["satisfaction"][str(e.satisfaction)] += 1
        cell = self._cell(doc, e.grid_cell_id)
        if cell is not None:
            ratings = cell.setdefault("satisfaction", {str(n): 0 for n in range(1, 6)})
            ratings[str(e.satisfaction)] += 1

    def _on_CaseReopened(self, doc: dict, envelope: Envelope, e: Any) -> None:  # noqa: N802
        category = str(e.category)
        self._count(doc, category, e.grid_cell_id, open=1, resolved=-1, reopened=1)
        doc["open_cases"][e.case_id] = {"category": category, "cell": e.grid_cell_id,
                                        "since": envelope.time.isoformat(), "deadline": e.deadline.isoformat()}

    def _mediation(self, doc: dict, e: Any, **deltas: int) -> None:
        counts = doc["mediation"].setdefault(e.dispute_type, {"opened": 0, "sessions": 0, "settled": 0, "failed": 0})
        for key, delta in deltas.items():
            counts[key] += delta

    def _mediation_cell(self, doc: dict, e: Any, figure: str, cell_id: str | None = None) -> None:
        """Per-cell mediation counts: the cell is named when a mediation opens, remembered until it ends."""
        open_in = doc.setdefault("mediation_cells", {})
        if figure == "opened":
            if not cell_id:
                return
            open_in[e.mediation_id] = cell_id
        else:
            cell_id = open_in.pop(e.mediation_id, None)
        cell = self._cell(doc, cell_id)
        if cell is not None:
            counts = cell.setdefault("mediation", {"opened": 0, "settled": 0, "failed": 0})
            counts[figure] += 1
            by_type = cell.setdefault("mediation_by_type", {}).setdefault(
                e.dispute_type, {"opened": 0, "settled": 0, "failed": 0})
            by_type[figure] += 1

    def _on_MediationOpened(self, doc: dict, envelope: Envelope, e: Any) -> None:  # noqa: N802
        self._mediation(doc, e, opened=1)
        self._mediation_cell(doc, e, "opened", e.grid_cell_id)

    def _on_MediationSessionHeld(self, doc: dict, envelope: Envelope, e: Any) -> None:  # noqa: N802
        self._mediation(doc, e, sessions=1)

    def _on_MediationSettled(self, doc: dict, envelope: Envelope, e: Any) -> None:  # noqa: N802
        self._mediation(doc, e, settled=1)
        self._mediation_cell(doc, e, "settled")

    def _on_MediationFailed(self, doc: dict, envelope: Envelope, e: Any) -> None:  # noqa: N802
        self._mediation(doc, e, failed=1)
        self._mediation_cell(doc, e, "failed")

    def _on_InspectionCompleted(self, doc: dict, envelope: Envelope, e: Any) -> None:  # noqa: N802
        counts = doc["inspections"].setdefault(e.inspection_type, {"inspections": 0, "hazards": 0, "cases_opened": 0})
        counts["inspections"] += 1
        counts["hazards"] += e.hazards_found
        counts["cases_opened"] += len(e.case_ids)
        counts["last_at"] = max(counts.get("last_at") or "", envelope.time.isoformat())  # whatever the arrival order
        cell = self._cell(doc, e.grid_cell_id)
        if cell is not None:
            cell["inspections"] += 1
            cell["hazards"] += e.hazards_found

    def _on_RentalHouseRegistered(self, doc: dict, envelope: Envelope, e: Any) -> None:  # noqa: N802
        doc["rentals"]["houses"] += 1

    def _tenants(self, doc: dict, e: Any, sign: int) -> None:
        rentals = doc["rentals"]
        rentals["households"] += sign
        rentals["persons"] += sign * e.size
        if e.floating:
            rentals["floating_households"] += sign
            rentals["floating_persons"] += sign * e.size
        cell = self._cell(doc, e.grid_cell_id)
        if cell is not None:
            cell["rental_households"] += sign

    def _on_TenantHouseholdRegistered(self, doc: dict, envelope: Envelope, e: Any) -> None:  # noqa: N802
        self._tenants(doc, e, 1)

    def _on_TenantHouseholdDeparted(self, doc: dict, envelope: Envelope, e: Any) -> None:  # noqa: N802
        self._tenants(doc, e, -1)

    def _followup(self, doc: dict, e: Any, **deltas: int) -> None:
        counts = doc["followups"].setdefault(e.group, {"started": 0, "active": 0, "visits": 0, "ended": 0,
                                                       "reoffended": 0})
        for key, delta in deltas.items():
            counts[key] += delta
        cell = self._cell(doc, e.grid_cell_id)
        if cell is not None:
            cell["followups_active"] += deltas.get("active", 0)
            for figure in ("ended", "reoffended"):
                if figure in deltas:
                    key = "followups_ended" if figure == "ended" else figure
                    cell[key] = cell.get(key, 0) + deltas[figure]

    def _on_FollowUpStarted(self, doc: dict, envelope: Envelope, e: Any) -> None:  # noqa: N802
        self._followup(doc, e, started=1, active=1)

    def _on_FollowUpVisitRecorded(self, doc: dict, envelope: Envelope, e: Any) -> None:  # noqa: N802
        self._followup(doc, e, visits=1)

    def _on_FollowUpEnded(self, doc: dict, envelope: Envelope, e: Any) -> None:  # noqa: N802
        self._followup(doc, e, active=-1, ended=1, reoffended=int(e.reoffended))


# -- queries ------------------------------------------------------------------------


def _monthly(doc: dict[str, Any], envelope: Envelope, figure: str) -> None:
    month = doc.setdefault("cases_by_month", {}).setdefault(envelope.time.strftime("%Y-%m"),
                                                            {"reported": 0, "resolved": 0})
    month[figure] += 1


def _by_category(cell: dict[str, Any]) -> dict[str, list[float]]:
    """A cell's kept resolve durations by category (entries kept before categories were recorded have none)."""
    grouped: dict[str, list[float]] = {}
    for entry in cell.get("durations", []):
        if isinstance(entry, list) and len(entry) > 2:
            grouped.setdefault(entry[2], []).append(entry[1])
    return grouped


def percentile(values: list[float], fraction: float) -> float | None:
    """Nearest-rank percentile (median = 0.5)."""
    if not values:
        return None
    ordered = sorted(values)
    rank = max(1, -(-len(ordered) * fraction // 1))  # ceil
    return ordered[int(rank) - 1]


def resolve_hours(durations: list[float]) -> dict[str, float | None]:
    return {"median": percentile(durations, 0.5), "p90": percentile(durations, 0.9)}


def satisfaction(by_rating: dict[str, int]) -> dict[str, Any]:
    """Ratings (1-5) counted by rating: how many, and their average."""
    ratings = {int(k): v for k, v in by_rating.items()}
    rated = sum(ratings.values())
    return {"ratings": rated, "average": round(sum(k * v for k, v in ratings.items()) / rated, 2) if rated else None,
            "by_rating": {str(n): by_rating.get(str(n), 0) for n in range(1, 6)}}


def _rate(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


def grid_figures(doc: dict[str, Any], now: datetime) -> dict[str, Any]:
    """A community's grid figures at `now` (overdue depends on the time of asking)."""
    overdue: dict[str, int] = {}
    overdue_by_cell: dict[str, dict[str, int]] = {}
    for case in doc["open_cases"].values():
        if case["deadline"] and datetime.fromisoformat(case["deadline"]) < now:
            overdue[case["category"]] = overdue.get(case["category"], 0) + 1
            if case["cell"]:
                into = overdue_by_cell.setdefault(case["cell"], {})
                into[case["category"]] = into.get(case["category"], 0) + 1

    def by_category(cases: dict[str, dict[str, int]], late: dict[str, int]) -> dict[str, dict[str, int]]:
        return {c: {**counts, "overdue": late.get(c, 0)} for c, counts in cases.items()}

    def totals(cases: dict[str, dict[str, int]]) -> dict[str, int]:
        return {k: sum(c[k] for c in cases.values()) for k in (*CASE_COUNTS, "overdue")}

    cases = by_category(doc["cases"], overdue)
    durations = {c: _hours_of(kept) for c, kept in doc["durations"].items()}
    all_durations = [d for kept in durations.values() for d in kept]
    mediation = {
        t: {**m, "open": m["opened"] - m["settled"] - m["failed"],
            "success_rate": _rate(m["settled"], m["settled"] + m["failed"])}
        for t, m in doc["mediation"].items()
    }
    med_settled = sum(m["settled"] for m in mediation.values())
    med_done = med_settled + sum(m["failed"] for m in mediation.values())
    rentals = doc["rentals"]
    floating = doc["directory"].get("floating_population")
    followups = doc["followups"]
    ended = sum(f["ended"] for f in followups.values())
    cells = {}
    for cell_id, cell in doc["cells"].items():
        cell_cases = by_category(cell["cases"], overdue_by_cell.get(cell_id, {}))
        cell_durations = _hours_of(cell.get("durations", []))
        mediation_counts = cell.get("mediation", {"opened": 0, "settled": 0, "failed": 0})
        cells[cell_id] = {
            **{k: v for k, v in cell.items() if k not in ("cases", "durations", "satisfaction", "mediation")},
            "workers": len(cell["workers"]), "cases": totals(cell_cases), "cases_by_category": cell_cases,
            "resolve_hours": resolve_hours(cell_durations),
            "resolve_hours_by_category": {c: resolve_hours(h) for c, h in sorted(_by_category(cell).items())},
            "followups_ended": cell.get("followups_ended", 0), "reoffended": cell.get("reoffended", 0),
            "reoffending_rate": _rate(cell.get("reoffended", 0), cell.get("followups_ended", 0)),
            "satisfaction": satisfaction(cell.get("satisfaction", {})),
            "mediation": {**mediation_counts, "success_rate": _rate(
                mediation_counts["settled"], mediation_counts["settled"] + mediation_counts["failed"])},
            "mediation_by_type": {t: {**m, "success_rate": _rate(m["settled"], m["settled"] + m["failed"])}
                                  for t, m in sorted(cell.get("mediation_by_type", {}).items())},
        }
    return {
        "community_id": doc["community_id"],
        "directory": doc["directory"],
        "cases": totals(cases),
        "cases_by_category": cases,
        "resolve_hours": {"all": resolve_hours(all_durations),
                          **{c: resolve_hours(d) for c, d in durations.items()}},
        "satisfaction": satisfaction(doc["satisfaction"]),
        "mediation": {"opened": sum(m["opened"] for m in mediation.values()), "settled": med_settled,
                      "success_rate": _rate(med_settled, med_done), "by_dispute_type": mediation},
        "inspections": {"total": sum(i["inspections"] for i in doc["inspections"].values()),
                        "hazards": sum(i["hazards"] for i in doc["inspections"].values()),
                        "by_type": doc["inspections"]},
        "rentals": {**rentals, "floating_population_estimate": floating,
                    "registration_rate": _rate(rentals["floating_persons"], floating or 0)},
        "followups": {"active": sum(f["active"] for f in followups.values()), "ended": ended,
                      "reoffended": sum(f["reoffended"] for f in followups.values()),
                      "reoffending_rate": _rate(sum(f["reoffended"] for f in followups.values()), ended),
                      "by_group": followups},
        "cells": cells,
        "cases_by_month": dict(sorted(doc.get("cases_by_month", {}).items())),
        "as_of": doc.get("as_of"),
    }
