"""The district read model of household visits (走访): one document per community, coverage per cell per quarter.

Coverage of a cell in a quarter is the number of distinct households visited in that quarter over the
households registered in the cell. The denominator is what grid knows of a cell: the households it was
drawn with (`GridCellDrawn.households`, the cell's household register count), not a census. Visits to a
special-group person (referenced by their follow-up) are counted as persons visited, never as households.
The quarter is the visit's own date (`visited_on`), not the time the event arrived.

The households visited are kept per cell and quarter as a sorted list of their opaque references, so a
household visited twice counts once, and whatever order partitions are read in, a rebuild keeps what live
kept. (A cell of a few thousand households keeps a few thousand short references per quarter.)
"""

from __future__ import annotations

import bisect
from datetime import date
from typing import Any

from services.district.projections.per_community import PerCommunity
from shared.platform.envelope import Envelope


COVERAGE_DENOMINATOR = "registered households of the grid cells (GridCellDrawn.households)"


def quarter_of(day: date) -> str:
    return f"{day.year}-Q{(day.month - 1) // 3 + 1}"


def _visited() -> dict[str, Any]:
    return {"visits": 0, "households": [], "persons": [], "by_purpose": {}, "cases_opened": 0,
            "follow_ups_started": 0}


def _keep(kept: list[str], reference: str) -> None:
    at = bisect.bisect_left(kept, reference)
    if at == len(kept) or kept[at] != reference:
        kept.insert(at, reference)


class CommunityVisits(PerCommunity):
    collection = "community_visits"
    types = frozenset({"shequ.grid.GridCellDrawn.v1", "shequ.grid.VisitRecorded.v1"})

    def new_document(self, document_id: str, envelope: Envelope) -> dict[str, Any]:
        return {"_id": document_id, "community_id": document_id, "cells": {}, "quarters": {}}

    def apply(self, doc: dict[str, Any], envelope: Envelope, event: Any) -> None:
        if envelope.event_name == "GridCellDrawn":
            doc["cells"][event.cell_id] = {"name": event.name, "households": event.households}
            return
        cell = doc["quarters"].setdefault(quarter_of(event.visited_on), {}).setdefault(event.grid_cell_id,
                                                                                      _visited())
        cell["visits"] += 1
        cell["by_purpose"][event.purpose] = cell["by_purpose"].get(event.purpose, 0) + 1
        _keep(cell["households" if event.target_kind == "household" else "persons"], event.target_id)
        cell["cases_opened"] += event.case_id is not None
        cell["follow_ups_started"] += event.follow_up_id is not None


def _rate(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


def _cell_figures(name: str | None, registered: int, visited: dict[str, Any]) -> dict[str, Any]:
    households = len(visited["households"])
    return {"name": name, "registered_households": registered, "households_visited": households,
            "persons_visited": len(visited["persons"]), "visits": visited["visits"],
            "coverage": _rate(households, registered), "cases_opened": visited["cases_opened"],
            "follow_ups_started": visited["follow_ups_started"], "by_purpose": dict(sorted(visited["by_purpose"].items()))}


def visit_figures(doc: dict[str, Any]) -> dict[str, Any]:
    """A community's visit figures by quarter, each with every cell (cells not visited at coverage 0)."""
    cells = doc["cells"]
    registered = sum(c["households"] for c in cells.values())
    quarters = {}
    for quarter, visited in sorted(doc["quarters"].items()):
        per_cell = {cell_id: _cell_figures(cells.get(cell_id, {}).get("name"),
                                           cells.get(cell_id, {}).get("households", 0),
                                           visited.get(cell_id, _visited()))
                    for cell_id in sorted(set(cells) | set(visited))}
        totals = {key: sum(c[key] for c in per_cell.values())
                  for key in ("visits", "households_visited", "persons_visited", "cases_opened", "follow_ups_started")}
        by_purpose: dict[str, int] = {}
        for c in per_cell.values():
            for purpose, n in c["by_purpose"].items():
                by_purpose[purpose] = by_purpose.get(purpose, 0) + n
        quarters[quarter] = {**totals, "registered_households": registered,
                             "coverage": _rate(totals["households_visited"], registered),
                             "by_purpose": dict(sorted(by_purpose.items())), "cells": per_cell}
    return {"registered_households": registered, "cells_drawn": len(cells),
            "latest_quarter": max(quarters, default=None), "quarters": quarters,
            "denominator": COVERAGE_DENOMINATOR}
