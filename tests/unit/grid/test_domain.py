"""Every rule of the grid aggregates; the case state machine for every illegal transition."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from services.grid.domain import (
    CATALOGUE, TRANSITIONS, Case, CaseCategory, CaseStatus, Community, FollowUp, GridCell, Mediation, RentalHouse,
)
from shared.kernel.errors import Conflict, Invalid

ARGS = {
    "accept": {}, "assign": {"kind": "worker", "assignee": "w1"}, "escalate": {"level": "street", "reason": "big"},
    "resolve": {"outcome": "fixed"}, "close": {"satisfaction": 4}, "reopen": {"reason": "not fixed"},
    "reject": {"reason": "not_our_responsibility"},
}
RESULT_OF = {  # the state each command leads to
    "accept": CaseStatus.ACCEPTED, "assign": CaseStatus.ASSIGNED, "escalate": CaseStatus.ESCALATED,
    "resolve": CaseStatus.RESOLVED, "close": CaseStatus.CLOSED, "reopen": CaseStatus.REOPENED,
    "reject": CaseStatus.REJECTED,
}
PATHS = {  # how to reach each state from a fresh report
    CaseStatus.REPORTED: [], CaseStatus.ACCEPTED: ["accept"], CaseStatus.ASSIGNED: ["accept", "assign"],
    CaseStatus.ESCALATED: ["accept", "escalate"], CaseStatus.RESOLVED: ["resolve"],
    CaseStatus.CLOSED: ["resolve", "close"], CaseStatus.REOPENED: ["resolve", "reopen"],
    CaseStatus.REJECTED: ["reject"],
}


def case_in(state: CaseStatus) -> Case:
    case = Case.report(community_id="jinpen", category="noise", description="loud")
    for command in PATHS[state]:
        getattr(case, command)(**ARGS[command])
    assert case.status == state
    return case


def test_catalogue_has_a_deadline_for_every_category():
    assert set(CATALOGUE) == set(CaseCategory)
    assert CATALOGUE[CaseCategory.SAFETY_HAZARD].resolve_within_hours == 24
    assert CATALOGUE[CaseCategory.NOISE].resolve_within_hours == 72


def test_deadline_is_in_the_reported_event():
    now = datetime(2025, 1, 1, tzinfo=UTC)
    case = Case.report(community_id="jinpen", category="safety_hazard", description="x", now=now,
                       attributes={"hazard_kind": "fire"})
    assert case.collect_events()[0].deadline == now + timedelta(hours=24)


@pytest.mark.parametrize(("state", "command"), [
    (s, c) for s in CaseStatus for c in TRANSITIONS if s in TRANSITIONS[c] and not (c == "escalate" and s == "escalated")
])
def test_legal_transition(state, command):
    case = case_in(state)
    before = case.version
    getattr(case, command)(**ARGS[command])
    assert case.status == RESULT_OF[command]
    assert case.version == before + 1  # one event recorded the transition


@pytest.mark.parametrize(("state", "command"), [(s, c) for s in CaseStatus for c in TRANSITIONS
                                                if s not in TRANSITIONS[c]])
def test_every_illegal_transition_is_a_conflict_naming_the_state(state, command):
    case = case_in(state)
    before = case.version
    with pytest.raises(Conflict, match=f"is {state.value}"):
        getattr(case, command)(**ARGS[command])
    assert case.version == before


def test_every_state_is_reachable_and_tested():
    assert set(PATHS) == set(CaseStatus)


def test_escalation_goes_up_only():
    case = case_in(CaseStatus.ESCALATED)
    with pytest.raises(Conflict):
        case.escalate("street", "again")
    case.escalate("district", "too big")
    with pytest.raises(Conflict):
        case.escalate("district", "again")


def test_reject_duplicate_needs_duplicate_of():
    with pytest.raises(Invalid):
        case_in(CaseStatus.REPORTED).reject("duplicate")
    with pytest.raises(Invalid):
        case_in(CaseStatus.REPORTED).reject("not_our_responsibility", duplicate_of="x")
    case = case_in(CaseStatus.REPORTED)
    with pytest.raises(Invalid):
        case.reject("duplicate", duplicate_of=str(case.id))
    case.reject("duplicate", duplicate_of="other")
    assert case.status_notes == "duplicate of other"


def test_satisfaction_is_1_to_5():
    for bad in (0, 6):
        with pytest.raises(Invalid):
            case_in(CaseStatus.RESOLVED).close(bad)


def test_reopen_sets_a_new_deadline_and_clears_outcome():
    case = case_in(CaseStatus.CLOSED)
    later = datetime(2030, 1, 1, tzinfo=UTC)
    case.reopen("still loud", now=later)
    assert case.deadline == later + timedelta(hours=72) and case.outcome is None and case.is_open


def test_location_and_attributes_are_validated():
    with pytest.raises(Invalid):
        Case.report(community_id="j", category="noise", description="x", location={"lat": 1})
    with pytest.raises(Invalid):
        Case.report(community_id="j", category="safety_hazard", description="x")  # hazard_kind required
    with pytest.raises(Invalid):
        Case.report(community_id="j", category="noise", description="x", attributes={"time_of_day": "dusk"})
    with pytest.raises(Invalid):
        Case.report(community_id="j", category="noise", description="x", attributes={"colour": "red"})
    with pytest.raises(ValueError):
        Case.report(community_id="j", category="noise", description="x", channel="pigeon")
    Case.report(community_id="j", category="noise", description="x", location={"address": "Gate 3"},
                attributes={"time_of_day": "night"})


def test_community_id_is_derived_from_slug_and_update_keeps_other_fields():
    c = Community(community_id="jinpen", name="Jinpen", district="Leiyang", households=8325, residents=35353,
                  floating_population=1000)
    assert c.id == Community.create_id("jinpen")
    c.update(households=8400)
    assert (c.households, c.residents, c.name) == (8400, 35353, "Jinpen")
    with pytest.raises(Invalid):
        c.update()


def test_grid_cell_workers():
    cell = GridCell(community_id="j", name="A", households=300)
    cell.assign_worker("w1")
    with pytest.raises(Conflict):
        cell.assign_worker("w1")
    cell.unassign_worker("w1")
    with pytest.raises(Conflict):
        cell.unassign_worker("w1")


def test_mediation_rules():
    with pytest.raises(Invalid):
        Mediation.open(community_id="j", dispute_type="family", parties=1)
    with pytest.raises(ValueError):
        Mediation.open(community_id="j", dispute_type="cosmic", parties=2)
    m = Mediation.open(community_id="j", dispute_type="family", parties=2)
    m.hold_session("talked")
    m.settle("agreed")
    for action in (lambda: m.hold_session(), lambda: m.settle("x"), lambda: m.fail("x")):
        with pytest.raises(Conflict, match="settled"):
            action()
    f = Mediation.open(community_id="j", dispute_type="labour", parties=3)
    f.fail("no agreement")
    with pytest.raises(Conflict, match="failed"):
        f.settle("x")


def test_rental_tenants():
    house = RentalHouse(community_id="j", address="1 Road", landlord={"name": "Wang"}, grid_cell_id=None)
    with pytest.raises(Invalid):
        house.register_tenant(size=0, floating=True, details={})
    household = house.register_tenant(size=3, floating=True, details={"name": "Li"})
    house.tenant_departed(household)
    with pytest.raises(Conflict):
        house.tenant_departed(household)


def test_follow_up_rules():
    f = FollowUp(community_id="j", group="released_prisoner", person={"name": "Z"}, grid_cell_id=None)
    f.record_visit("fine")
    with pytest.raises(ValueError):
        f.end("vanished", False)
    f.end("completed", reoffended=False)
    with pytest.raises(Conflict):
        f.record_visit()
    with pytest.raises(Conflict):
        f.end("completed", False)
