"""District welfare projection fed with envelopes of real stored welfare events."""

from __future__ import annotations

from services.district.projections.community_welfare import CommunityWelfare, welfare_figures
from services.welfare.commands import (
    Adjust, DefineProgramme, DistributeRelief, Grant, OnDate, OpenCycle, OpenStation, PayWage, PersonRef, Reason,
    RegisterHousehold, RegisterPerson, RemoveCategory, StartPlacement, Threshold,
)
from services.welfare.contract import contract
from shared.kernel.actor import Actor
from shared.platform.projector import Delivery, ReadModelWriter

WANG = Actor("officer-wang", "welfare_officer", "p-wang", ("*",))
ZHAO = Actor("officer-zhao", "welfare_officer", "p-zhao", ("*",))


def person(app, n, community="huasheng", categories=()):
    return app.register_person(WANG, RegisterPerson(
        community_id=community, name=f"居民{n}", national_id=f"3204821960010100{n:02d}", phone="123", address="x",
        birth_date="1960-01-01", categories=list(categories)))


DISABLED = {"category": "disabled", "disability_type": "intellectual", "disability_grade": 2}


def month_of_welfare(app):
    a, b, c = (person(app, i, categories=[DISABLED]) for i in range(3))
    d = person(app, 3, categories=[{"category": "aged_80_plus"}, {"category": "elderly_living_alone"}])
    person(app, 4, community="jinpen", categories=[{"category": "extreme_poverty"}])
    app.remove_category(WANG, c, RemoveCategory(category="disabled"))
    app.record_death(WANG, d, OnDate(on="2024-03-01"))
    app.move_out(WANG, b, OnDate(on="2024-03-02"))
    app.set_threshold(WANG, "huasheng", Threshold(threshold_fen=62_000, effective_from="2024-01-01"))
    h1 = app.register_household(WANG, RegisterHousehold(community_id="huasheng", members=[a],
                                                        income_per_person_fen=30_000))
    h2 = app.register_household(WANG, RegisterHousehold(community_id="huasheng", members=[c],
                                                        income_per_person_fen=20_000))
    for h in (h1, h2):
        app.assess_household(WANG, h, OnDate(on="2024-01-05"))
        app.grant_allowance(WANG, h, Grant(monthly_fen=39_000, from_date="2024-02-01"))
    app.adjust_allowance(WANG, h1, Adjust(monthly_fen=45_000, reason="rate"))
    app.suspend_allowance(WANG, h2, Reason(reason="review"))
    programme = app.define_programme(WANG, DefineProgramme(community_id="huasheng", name="补贴", kind="cash",
                                                           amount_fen=10_000, rule={"categories": ["disabled"]}))
    app.enrol(WANG, programme, PersonRef(person_id=a))
    paid = app.open_cycle(WANG, OpenCycle(programme_id=programme, month="2024-03"))
    app.calculate(WANG, paid)
    app.approve(ZHAO, paid)
    app.disburse(WANG, paid, OnDate(on="2024-03-10"))
    pending = app.open_cycle(WANG, OpenCycle(programme_id=programme, month="2024-04"))
    app.calculate(WANG, pending)
    for value in (15_000, 20_000):
        app.distribute_relief(WANG, DistributeRelief(
            community_id="huasheng", occasion="festival_visit", kind="in_kind", person_id=a,
            items=[{"name": "rice", "quantity": 1}], value_fen=value, on="2024-02-09"))
    station = app.open_station(WANG, OpenStation(community_id="huasheng", name="金馨家园", capacity=10,
                                                 opened_on="2015-06-01"))
    app.start_placement(WANG, station, StartPlacement(person_id=a, on="2024-01-02", monthly_wage_fen=100_000))
    app.pay_wage(WANG, station, PayWage(person_id=a, month="2024-03", wage_fen=100_000, pension_insurance_fen=30_000,
                                        medical_insurance_fen=12_000, lunch_fen=22_000))


def deliveries(app):
    items = []
    for n in app.recorder.select_notifications(1, 100_000):
        envelope = contract.to_envelope(app.mapper.to_domain_event(n))
        if envelope is not None:
            items.append((envelope, contract.events.decode(envelope), Delivery("shequ.welfare.v1", 0, n.id, None, b"")))
    return items


def test_figures_and_idempotence(app, read_db):
    month_of_welfare(app)
    db = read_db
    writer = ReadModelWriter(db, [CommunityWelfare()])
    failures = []
    items = deliveries(app)
    writer.apply(items, lambda d, why: failures.append(why))
    assert failures == []
    figures = welfare_figures(db["community_welfare"].find_one({"_id": "huasheng"}))
    assert figures["beneficiaries"] == {"disabled": 1}
    assert figures["disabled_by_type_and_grade"] == {"intellectual-2": 1}
    assert figures["allowance_households"] == 1 and figures["allowance_monthly_fen"] == 45_000
    assert list(figures["disbursed"].values()) == [{"2024-03": {"count": 1, "total_fen": 10_000}}]
    disbursed_programme = next(iter(figures["disbursed"]))
    assert figures["programmes"][disbursed_programme]["name"]  # the table names its rows
    assert all(p["name"] and p["kind"] for p in figures["programmes"].values())
    assert figures["cycles_pending_approval"] == 1
    assert figures["relief"] == {"festival_visit": {"count": 2, "value_fen": 35_000}}
    assert figures["assisted_employment"] == {"placements": 1, "wages_fen": 100_000, "insurance_fen": 42_000,
                                              "lunch_fen": 22_000, "wage_payments": 1}
    jinpen = welfare_figures(db["community_welfare"].find_one({"_id": "jinpen"}))
    assert jinpen["beneficiaries"] == {"extreme_poverty": 1}

    snapshot = list(db["community_welfare"].find({}, {"_rev": 0}))
    result = writer.apply(items, lambda d, why: failures.append(why))
    assert result.applied == 0 and result.duplicates == len([i for i in items if writer.projections[0].handles(
        i[0].type)])
    assert list(db["community_welfare"].find({}, {"_rev": 0})) == snapshot


def test_erasure_keeps_counts(app, read_db):
    a = person(app, 1, categories=[DISABLED])
    app.erase_person(WANG, a, Reason(reason="request"))
    db = read_db
    ReadModelWriter(db, [CommunityWelfare()]).apply(deliveries(app), lambda d, why: None)
    assert welfare_figures(db["community_welfare"].find_one({"_id": "huasheng"}))["beneficiaries"] == {"disabled": 1}
