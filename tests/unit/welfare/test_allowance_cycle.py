"""The minimum-allowance (低保) cycle: application, investigation as of a date, community review, public notice
with objections, approval, monthly payment through the four-eyes cycles, change of circumstances, periodic
review, suspension and termination, appeal."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime

import pytest

from services.welfare.commands import (
    ApplyForAllowance, ApproveAllowance, ChangeOfCircumstances, Circumstances, CommunityReview, DecideAppeal,
    DefineProgramme, End, Grant, LodgeAppeal, LodgeObjection, OnDate, OpenCycle, PeriodicReview, PersonRef, Reason,
    RegisterHousehold, RegisterPerson, ResolveObjection, StartNotice, Threshold,
)
from services.welfare.domain import AllowanceRoll, Household, Person
from shared.kernel.actor import Actor
from shared.kernel.clock import recorded_at
from shared.kernel.errors import Conflict, Invalid

OFFICER = Actor("officer-zhou", "welfare_officer", "p-zhou", ("hualong",))
SECOND = Actor("officer-zhao", "welfare_officer", "p-zhao", ("hualong",))


def at(day: str):
    return recorded_at(datetime.fromisoformat(day).replace(hour=10, tzinfo=UTC))


SERIAL = itertools.count(1)


def person(app, n):
    return app.register_person(OFFICER, RegisterPerson(
        community_id="hualong", name=f"住户{n}", national_id=f"5001071975010{next(SERIAL):04d}2",
        phone="13800000000", address="华龙家园", birth_date="1975-01-01"))


def household(app, size=2, threshold=62_000, asset_limit=None, notice_days=7):
    app.set_threshold(OFFICER, "hualong", Threshold(threshold_fen=threshold, effective_from="2024-01-01",
                                                    asset_limit_per_person_fen=asset_limit, notice_days=notice_days))
    members = [person(app, n) for n in range(size)]
    h = app.register_household(OFFICER, RegisterHousehold(community_id="hualong", members=members,
                                                          income_per_person_fen=0))
    return h, members


def incomes(members, *fen):
    return [{"person_id": m, "monthly_income_fen": f} for m, f in zip(members, fen, strict=True)]


def to_notice(app, h, members, assets=0):
    """Applied, investigated (40,000 fen a month each), reviewed, in a notice from 2024-03-11."""
    app.apply_for_allowance(OFFICER, h, ApplyForAllowance(applicant_id=members[0], on="2024-03-01"))
    app.investigate(OFFICER, h, Circumstances(as_of="2024-03-05", members=incomes(members, *[40_000] * len(members)),
                                              assets_fen=assets))
    app.community_review(OFFICER, h, CommunityReview(on="2024-03-10", passed=True, votes_for=9, votes_against=1))
    return app.start_notice(OFFICER, h, StartNotice(starts_on="2024-03-11"))


def approved(app, h, members, monthly=39_000):
    to_notice(app, h, members)
    with at("2024-03-18"):
        return app.approve_allowance(OFFICER, h, ApproveAllowance(monthly_fen=monthly, from_date="2024-04-01"))


def test_the_cycle_in_order_with_a_public_notice_objections_and_approval(app):
    h, members = household(app)
    with pytest.raises(Conflict, match="without an application; cannot investigate"):
        app.investigate(OFFICER, h, Circumstances(as_of="2024-03-05", members=incomes(members, 1, 1), assets_fen=0))
    with pytest.raises(Invalid, match="not a member"):
        app.apply_for_allowance(OFFICER, h, ApplyForAllowance(applicant_id=person(app, 9), on="2024-03-01"))
    view = to_notice(app, h, members)
    assert view["application"]["stage"] == "in_notice"
    assert view["application"]["notice"] == {"starts_on": "2024-03-11", "ends_on": "2024-03-17"}  # 7 days
    assert view["income_per_person_fen"] == 40_000 and view["application"]["circumstances"]["as_of"] == "2024-03-05"
    with pytest.raises(Conflict, match="during the public notice, 2024-03-11 to 2024-03-17"):
        app.lodge_objection(OFFICER, h, LodgeObjection(on="2024-03-18", ground="late"))
    app.lodge_objection(OFFICER, h, LodgeObjection(on="2024-03-12", ground="a neighbour says they run a shop"))
    with at("2024-03-15"), pytest.raises(Conflict, match="runs until 2024-03-17"):
        app.approve_allowance(OFFICER, h, ApproveAllowance(monthly_fen=39_000, from_date="2024-04-01"))
    with at("2024-03-18"), pytest.raises(Conflict, match=r"objection\(s\) 1 must be resolved"):
        app.approve_allowance(OFFICER, h, ApproveAllowance(monthly_fen=39_000, from_date="2024-04-01"))
    with pytest.raises(Conflict, match="no open objection 2"):
        app.resolve_objection(OFFICER, h, 2, ResolveObjection(on="2024-03-14", upheld=False, finding="x"))
    app.resolve_objection(OFFICER, h, 1, ResolveObjection(on="2024-03-14", upheld=False, finding="the shop closed"))
    with at("2024-03-18"), pytest.raises(Invalid, match="income gap to the threshold \\(44000 fen\\)"):
        app.approve_allowance(OFFICER, h, ApproveAllowance(monthly_fen=50_000, from_date="2024-04-01"))
    with at("2024-03-18"):
        view = app.approve_allowance(OFFICER, h, ApproveAllowance(monthly_fen=39_000, from_date="2024-04-01"))
    assert view["allowance_status"] == "active" and view["monthly_fen"] == 39_000
    assert view["application"]["stage"] == "approved" and view["review_due"] == "2025-04-01"
    roll = app.repository.get(AllowanceRoll.id_for("hualong"))
    assert roll.households == {str(h): {"payee": str(members[0]), "monthly_fen": 39_000}}


def test_the_notice_lasts_the_communitys_configured_days_unless_the_command_says(app):
    h, members = household(app, notice_days=5)
    assert to_notice(app, h, members)["application"]["notice"]["ends_on"] == "2024-03-15"
    other, more = household(app, notice_days=5)
    app.apply_for_allowance(OFFICER, other, ApplyForAllowance(applicant_id=more[0], on="2024-03-01"))
    app.investigate(OFFICER, other, Circumstances(as_of="2024-03-05", members=incomes(more, 1, 1), assets_fen=0))
    app.community_review(OFFICER, other, CommunityReview(on="2024-03-10", passed=True, votes_for=5, votes_against=0))
    view = app.start_notice(OFFICER, other, StartNotice(starts_on="2024-03-11", days=10))
    assert view["application"]["notice"]["ends_on"] == "2024-03-20"


def test_an_upheld_objection_rejects_and_an_upheld_appeal_returns_it_to_the_community_review(app):
    h, members = household(app)
    to_notice(app, h, members)
    app.lodge_objection(OFFICER, h, LodgeObjection(on="2024-03-12", ground="owns a car"))
    view = app.resolve_objection(OFFICER, h, 1, ResolveObjection(on="2024-03-14", upheld=True, finding="verified"))
    assert view["application"]["stage"] == "rejected"
    with pytest.raises(Conflict, match="rejected; cannot approve"):
        app.approve_allowance(OFFICER, h, ApproveAllowance(monthly_fen=39_000, from_date="2024-04-01"))
    app.lodge_appeal(OFFICER, h, LodgeAppeal(on="2024-03-20", grounds="the car belongs to a relative"))
    with pytest.raises(Conflict, match="already has an appeal"):
        app.lodge_appeal(OFFICER, h, LodgeAppeal(on="2024-03-21", grounds="again"))
    view = app.decide_appeal(OFFICER, h, DecideAppeal(on="2024-04-01", upheld=True, finding="registered to a cousin"))
    assert view["application"]["stage"] == "investigated" and view["application"]["objections"] == []
    app.community_review(OFFICER, h, CommunityReview(on="2024-04-03", passed=True, votes_for=8, votes_against=2))
    assert app.start_notice(OFFICER, h, StartNotice(starts_on="2024-04-04"))["application"]["stage"] == "in_notice"


def test_a_failed_means_test_rejects_income_or_assets_and_a_dismissed_appeal_keeps_it(app):
    h, members = household(app, asset_limit=2_000_000)
    app.apply_for_allowance(OFFICER, h, ApplyForAllowance(applicant_id=members[0], on="2024-03-01"))
    view = app.investigate(OFFICER, h, Circumstances(as_of="2024-03-05", members=incomes(members, 10_000, 10_000),
                                                     assets_fen=5_000_000))  # 25,000 yuan each: above the limit
    assert view["application"]["stage"] == "rejected" and view["means_test"]["passed"] is False
    with pytest.raises(Conflict, match="cannot hold the community review"):
        app.community_review(OFFICER, h, CommunityReview(on="2024-03-10", passed=True, votes_for=1, votes_against=0))
    app.lodge_appeal(OFFICER, h, LodgeAppeal(on="2024-03-20", grounds="savings are a medical fund"))
    assert app.decide_appeal(OFFICER, h, DecideAppeal(on="2024-04-01", upheld=False, finding="counted")
                             )["application"]["stage"] == "rejected"
    with pytest.raises(Conflict, match="needs in_notice"):
        app.lodge_objection(OFFICER, h, LodgeObjection(on="2024-03-12", ground="x"))


def test_circumstances_change_later_bring_the_review_forward_and_move_members(app):
    h, members = household(app, size=3)
    with pytest.raises(Conflict, match="investigate it first"):
        app.change_circumstances(OFFICER, h, ChangeOfCircumstances(
            as_of="2024-03-01", members=incomes(members, 1, 1, 1), assets_fen=0, reason="x"))
    app.apply_for_allowance(OFFICER, h, ApplyForAllowance(applicant_id=members[0], on="2024-03-01"))
    app.investigate(OFFICER, h, Circumstances(as_of="2024-03-05", members=incomes(members, 30_000, 30_000, 0),
                                              assets_fen=0))
    app.community_review(OFFICER, h, CommunityReview(on="2024-03-10", passed=True, votes_for=9, votes_against=0))
    app.start_notice(OFFICER, h, StartNotice(starts_on="2024-03-11"))
    with at("2024-03-18"):
        app.approve_allowance(OFFICER, h, ApproveAllowance(monthly_fen=60_000, from_date="2024-04-01"))
    with pytest.raises(Invalid, match="before the circumstances it changes"):
        app.change_circumstances(OFFICER, h, ChangeOfCircumstances(
            as_of="2024-03-01", members=incomes(members[:2], 1, 1), assets_fen=0, reason="x"))
    newborn = person(app, 7)
    view = app.change_circumstances(OFFICER, h, ChangeOfCircumstances(
        as_of="2024-09-01", members=incomes([members[0], members[1], newborn], 90_000, 30_000, 0), assets_fen=0,
        reason="the daughter moved out, a child was born, the father found work"))
    assert view["members"] == [str(members[0]), str(members[1]), str(newborn)]
    assert view["income_per_person_fen"] == 40_000 and view["review_due"] == "2024-09-01"  # sooner than 2025-04
    assert view["application"]["circumstances"]["as_of"] == "2024-09-01"
    assert app.repository.get(members[2]).household_id is None
    assert app.repository.get(newborn).household_id == str(h)
    assert view["allowance_status"] == "active"  # a change does not stop the allowance; the review decides
    view = app.review_allowance(OFFICER, h, PeriodicReview(on="2024-09-10", outcome="adjust", monthly_fen=50_000,
                                                           reason="income rose"))
    assert view["monthly_fen"] == 50_000 and view["review_due"] == "2025-09-10"
    assert app.repository.get(AllowanceRoll.id_for("hualong")).households[str(h)]["monthly_fen"] == 50_000
    with pytest.raises(Invalid, match="more than the household's income gap"):
        app.review_allowance(OFFICER, h, PeriodicReview(on="2024-09-11", outcome="adjust", monthly_fen=70_000,
                                                        reason="x"))
    with pytest.raises(Invalid, match="new monthly amount"):
        app.review_allowance(OFFICER, h, PeriodicReview(on="2024-09-11", outcome="adjust", reason="x"))


def test_termination_by_review_can_be_appealed_and_suspension_takes_the_household_off_the_roll(app):
    h, members = household(app)
    approved(app, h, members)
    roll_id = AllowanceRoll.id_for("hualong")
    app.suspend_allowance(OFFICER, h, Reason(reason="did not attend the review interview"))
    assert str(h) not in app.repository.get(roll_id).households
    app.resume_allowance(OFFICER, h)
    assert str(h) in app.repository.get(roll_id).households
    with pytest.raises(Conflict, match="neither a rejected application nor an ended allowance"):
        app.lodge_appeal(OFFICER, h, LodgeAppeal(on="2024-05-01", grounds="x"))
    view = app.review_allowance(OFFICER, h, PeriodicReview(on="2025-04-02", outcome="end", reason="income rose"))
    assert view["allowance_status"] == "ended" and str(h) not in app.repository.get(roll_id).households
    assert app.lodge_appeal(OFFICER, h, LodgeAppeal(on="2025-04-10", grounds="the job was temporary")
                            )["application"]["appeal"]["against"] == "termination"
    assert app.decide_appeal(OFFICER, h, DecideAppeal(on="2025-04-20", upheld=False, finding="permanent contract")
                             )["application"]["stage"] == "approved"


def test_a_direct_grant_is_refused_while_an_application_is_under_way(app):
    h, members = household(app)
    to_notice(app, h, members)
    with pytest.raises(Conflict, match="application under way"):
        app.grant_allowance(OFFICER, h, Grant(monthly_fen=39_000, from_date="2024-04-01"))
    with pytest.raises(Conflict, match="already has an application under way"):
        app.apply_for_allowance(OFFICER, h, ApplyForAllowance(applicant_id=members[0], on="2024-03-12"))


def test_the_monthly_payment_pays_the_granted_amount_through_the_four_eyes_cycle(app):
    first, first_members = household(app)
    approved(app, first, first_members, monthly=39_000)
    second, second_members = household(app)
    approved(app, second, second_members, monthly=20_000)
    legacy = app.register_household(OFFICER, RegisterHousehold(community_id="hualong", members=[person(app, 8)],
                                                               income_per_person_fen=10_000))
    app.assess_household(OFFICER, legacy, OnDate(on="2024-03-01"))
    app.grant_allowance(OFFICER, legacy, Grant(monthly_fen=30_000, from_date="2024-03-01"))
    programme = app.define_programme(OFFICER, DefineProgramme(community_id="hualong", name="最低生活保障金",
                                                              kind="minimum_allowance", amount_fen=0))
    with pytest.raises(Conflict, match="by approval, not enrolment"):
        app.enrol(OFFICER, programme, PersonRef(person_id=first_members[0]))
    cycle = app.open_cycle(OFFICER, OpenCycle(programme_id=programme, month="2024-04"))
    calculated = app.calculate(OFFICER, cycle)
    assert calculated["count"] == 3 and calculated["total_fen"] == 89_000
    assert {e["household_id"] for e in calculated["entitlements"]} == {str(first), str(second), str(legacy)}
    app.end_allowance(OFFICER, second, End(reason="moved to another city", on="2024-04-02"))
    with pytest.raises(Conflict, match="second officer"):
        app.approve(OFFICER, cycle)
    approval = app.approve(SECOND, cycle)
    assert approval["total_fen"] == 69_000
    assert approval["dropped"] == [{"person_id": str(second_members[0]),
                                    "reason": "the household is no longer on the minimum allowance"}]
    assert app.disburse(OFFICER, cycle, OnDate(on="2024-04-10"))["total_fen"] == 69_000
    again = app.open_cycle(OFFICER, OpenCycle(programme_id=programme, month="2024-04"))
    assert app.calculate(OFFICER, again)["count"] == 0  # nobody paid twice for a month


def test_reconstructed_household_keeps_the_cycle_state(app):
    h, members = household(app)
    approved(app, h, members)
    again = app.repository.get(h)
    assert isinstance(again, Household) and again.stage == "approved" and again.notice["ends_on"] == "2024-03-17"
    assert isinstance(app.repository.get(members[0]), Person)
