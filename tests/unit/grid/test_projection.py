"""CommunityGrid and CommunityDirectory over envelopes of real grid events."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta


from services.district.projections.community_grid import CommunityGrid, grid_figures, percentile
from services.district.projections.directory import CommunityDirectory
from services.grid.contract import contract
from services.grid.domain import Case, Community, FollowUp, GridCell, Inspection, Mediation, RentalHouse
from shared.kernel.clock import recorded_at
from shared.platform.projector import Delivery, ReadModelWriter


def envelopes(*aggregates):
    out = []
    for aggregate in aggregates:
        for event in aggregate.collect_events():
            envelope = contract.to_envelope(event)
            out.append((envelope, contract.events.decode(envelope), Delivery("t", 0, 0, None, b"")))
    return out


def scenario():
    community = Community(community_id="jinpen", name="Jinpen", district="Leiyang", households=8325,
                          residents=35353, floating_population=10)
    cell = GridCell(community_id="jinpen", name="Group 1", households=400)
    cell.assign_worker("w-1")
    cid = str(cell.id)
    past = datetime.now(UTC) - timedelta(days=10)
    overdue = Case.report(community_id="jinpen", category="noise", description="x", grid_cell_id=cid, now=past)
    fresh = Case.report(community_id="jinpen", category="noise", description="y")
    done = Case.report(community_id="jinpen", category="sanitation", description="z", grid_cell_id=cid)
    done.accept()
    done.resolve("cleaned")
    done.close(4)
    rejected = Case.report(community_id="jinpen", category="drainage", description="w")
    rejected.reject("not_our_responsibility")
    family = [Mediation.open(community_id="jinpen", dispute_type="family", parties=2) for _ in range(3)]
    family[0].settle("ok")
    family[1].settle("ok")
    family[2].fail("no")
    inspection = Inspection(community_id="jinpen", inspection_type="fire_safety", site="Market", grid_cell_id=cid,
                            hazards=[{"description": "a"}, {"description": "b"}], case_ids=[])
    house = RentalHouse(community_id="jinpen", address="1 Rd", landlord={"name": "W"}, grid_cell_id=cid)
    h1 = house.register_tenant(size=3, floating=True, details={})
    house.register_tenant(size=6, floating=True, details={})
    house.register_tenant(size=2, floating=False, details={})
    house.tenant_departed(h1)
    follow = [FollowUp(community_id="jinpen", group="released_prisoner", person={}, grid_cell_id=None)
              for _ in range(2)]
    follow[0].record_visit()
    follow[0].end("completed", reoffended=False)
    community.update(floating_population=8)
    return envelopes(community, cell, overdue, fresh, done, rejected, *family, inspection, house, *follow), cid


def test_figures_are_right_and_applying_twice_changes_nothing(read_db):
    db = read_db
    writer = ReadModelWriter(db, [CommunityGrid(), CommunityDirectory()])
    events, cid = scenario()
    failures = []
    writer.apply(events, lambda d, reason: failures.append(reason))
    assert failures == []
    doc = db["community_grid"].find_one({"_id": "jinpen"})
    figures = grid_figures(doc, datetime.now(UTC))
    assert figures["cases"] == {"reported": 4, "open": 2, "resolved": 1, "closed": 1, "rejected": 1, "reopened": 0,
                                "overdue": 1}
    assert figures["cases_by_category"]["noise"]["overdue"] == 1
    assert figures["cells"][cid]["cases"]["overdue"] == 1 and figures["cells"][cid]["workers"] == 1
    assert figures["cells"][cid]["cases_by_category"]["sanitation"]["resolved"] == 1
    assert figures["resolve_hours"]["sanitation"]["median"] is not None
    assert figures["satisfaction"]["average"] == 4
    assert figures["mediation"]["by_dispute_type"]["family"]["success_rate"] == round(2 / 3, 4)
    assert figures["inspections"]["hazards"] == 2 and figures["cells"][cid]["hazards"] == 2
    assert figures["rentals"]["households"] == 2 and figures["rentals"]["floating_persons"] == 6
    assert figures["rentals"]["registration_rate"] == 0.75  # 6 of an estimated 8
    assert figures["followups"]["active"] == 1 and figures["followups"]["reoffended"] == 0
    assert "W" not in str(doc["rentals"])
    later = grid_figures(doc, datetime.now(UTC) + timedelta(days=30))
    assert later["cases"]["overdue"] == 2  # overdue is a question of time, not of events
    directory = db["communities"].find_one({"_id": "jinpen"})
    assert directory["name"] == "Jinpen" and directory["floating_population"] == 8

    snapshot = (db["community_grid"].find_one({"_id": "jinpen"}), db["communities"].find_one({"_id": "jinpen"}))
    again = writer.apply(events, lambda d, reason: failures.append(reason))
    assert again.applied == 0 and again.writes == 0
    assert (db["community_grid"].find_one({"_id": "jinpen"}), db["communities"].find_one({"_id": "jinpen"})) == snapshot


def test_reopen_moves_a_case_back_to_open(read_db):
    db = read_db
    writer = ReadModelWriter(db, [CommunityGrid()])
    case = Case.report(community_id="jinpen", category="noise", description="x")
    case.resolve("done")
    case.reopen("again")
    writer.apply(envelopes(case), lambda d, reason: None)
    figures = grid_figures(db["community_grid"].find_one({"_id": "jinpen"}), datetime.now(UTC))
    assert figures["cases"]["open"] == 1 and figures["cases"]["resolved"] == 0 and figures["cases"]["reopened"] == 1


def test_percentile():
    assert percentile([], 0.5) is None
    assert percentile([1, 2, 3, 4], 0.5) == 2 and percentile(list(range(1, 11)), 0.9) == 9


def test_cells_have_reoffending_resolve_time_and_mediation_by_type(read_db):
    """Per cell, as per community: reoffending, resolve hours by category, mediation by dispute type."""
    db = read_db
    writer = ReadModelWriter(db, [CommunityGrid()])
    cell = GridCell(community_id="jinpen", name="Group 2", households=300)
    cid = str(cell.id)
    start = datetime(2026, 3, 1, 8, tzinfo=UTC)
    cases = []
    for category, hours in (("noise", 2), ("noise", 6), ("noise", 10), ("sanitation", 30)):
        with recorded_at(start):
            case = Case.report(community_id="jinpen", category=category, description="x", grid_cell_id=cid)
        with recorded_at(start + timedelta(hours=hours)):
            case.resolve("done")
        cases.append(case)
    follow = [FollowUp(community_id="jinpen", group="released_prisoner", person={}, grid_cell_id=cid)
              for _ in range(4)]
    disputes = [Mediation.open(community_id="jinpen", dispute_type=kind, parties=2, grid_cell_id=cid)
                for kind in ("family", "family", "neighbour")]
    disputes[0].settle("ok")
    disputes[1].fail("no")
    disputes[2].settle("ok")
    follow[0].end("completed", reoffended=False)
    follow[1].end("completed", reoffended=True)
    follow[2].end("completed", reoffended=False)
    writer.apply(envelopes(cell, *cases, *follow, *disputes), lambda d, reason: None)
    figures = grid_figures(db["community_grid"].find_one({"_id": "jinpen"}), datetime.now(UTC))["cells"][cid]
    assert figures["resolve_hours_by_category"] == {"noise": {"median": 6, "p90": 10},
                                                    "sanitation": {"median": 30, "p90": 30}}
    assert figures["resolve_hours"] == {"median": 6, "p90": 30}
    assert (figures["followups_active"], figures["followups_ended"], figures["reoffended"]) == (1, 3, 1)
    assert figures["reoffending_rate"] == round(1 / 3, 4)
    assert figures["mediation_by_type"] == {
        "family": {"opened": 2, "settled": 1, "failed": 1, "success_rate": 0.5},
        "neighbour": {"opened": 1, "settled": 1, "failed": 0, "success_rate": 1.0}}
    assert figures["mediation"]["opened"] == 3
