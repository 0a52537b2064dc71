"""Welfare rules: dedupe, eligibility, frozen snapshot, four-eyes approval, no double payment, erasure."""

from __future__ import annotations

import uuid

import pytest

from services.welfare.application import WelfareApplication
from services.welfare.commands import (
    CategoryIn, DefineProgramme, End, Grant, OnDate, OpenCycle, PersonRef, Reason, RegisterHousehold,
    RegisterPerson, RemoveCategory, Threshold,
)
from services.welfare.domain import (
    Category, DisabilityType, EligibilityRule, Facts, Household, PaymentCycle, PaymentLedger, Person, Station,
    age_band,
)
from services.welfare.privacy import CIPHER_KEY_FILE, ERASED, KEY_STORE_FILE
from shared.kernel.actor import Actor
from shared.kernel.errors import Conflict, Invalid
from tests.conftest import teach_directory

OFFICER = Actor("officer-wang", "welfare_officer", "p-wang", ("hualong",))
SECOND = Actor("officer-zhao", "welfare_officer", "p-zhao", ("hualong",))
JINPEN_OFFICER = Actor("officer-liu", "welfare_officer", "p-liu", ("jinpen",))
PERSON = dict(name="李秀英", national_id="500107194501011234", phone="13800001111", address="华龙家园3栋",
              birth_date="1945-01-01")


def register(app, actor=OFFICER, **overrides):
    return app.register_person(actor, RegisterPerson(**{"community_id": "hualong", **PERSON, **overrides}))


def test_age_bands():
    assert [age_band(a) for a in (5, 25, 60, 69, 79, 80, 101)] == ["0-17", "18-29", "60-69", "60-69", "70-79",
                                                                     "80+", "80+"]


def test_key_file_is_generated_next_to_the_event_store(app, tmp_path):
    assert (tmp_path / CIPHER_KEY_FILE).exists() and (tmp_path / KEY_STORE_FILE).exists()


def test_same_national_id_twice_is_refused_even_in_another_community(app):
    first = register(app)
    with pytest.raises(Conflict, match="already registered"):
        register(app, JINPEN_OFFICER, community_id="jinpen", name="someone else", national_id=PERSON["national_id"].lower())
    assert register(app, national_id="500107194501015678") != first


def test_disability_needs_type_and_grade(app):
    person = Person(community_id="hualong", person_id=uuid.uuid4(), sealed="x", age_band="40-49")
    with pytest.raises(Invalid):
        person.add_category(Category.DISABLED)
    with pytest.raises(Invalid):
        person.add_category(Category.EXTREME_POVERTY, DisabilityType.MENTAL, 2)
    person.add_category(Category.DISABLED, DisabilityType.MENTAL, 2)
    with pytest.raises(Conflict):
        person.add_category(Category.DISABLED, DisabilityType.MENTAL, 2)
    person.move_out("2024-05-01")
    with pytest.raises(Conflict, match="moved_out"):
        person.add_category(Category.AGED_80_PLUS)


def test_eligibility_rule_is_data():
    rule = EligibilityRule(categories=("disabled", "extreme_poverty"), max_income_per_person_fen=50_000,
                           min_age=18, max_age=60)
    ok = Facts(active=True, categories=("disabled",), age=40, income_per_person_fen=30_000)
    assert rule.refusal(ok) is None
    assert "categories" in rule.refusal(Facts(True, ("aged_80_plus",), 40, 30_000))
    assert "income" in rule.refusal(Facts(True, ("disabled",), 40, 60_000))
    assert "income" in rule.refusal(Facts(True, ("disabled",), 40, None))
    assert "older" in rule.refusal(Facts(True, ("disabled",), 61, 30_000))
    assert "active" in rule.refusal(Facts(False, ("disabled",), 40, 30_000))
    assert EligibilityRule.from_dict(rule.as_dict()) == rule


def test_means_test_against_community_threshold_and_allowance_lifecycle(app):
    person = register(app)
    household_id = app.register_household(OFFICER, RegisterHousehold(community_id="hualong", members=[person],
                                                                      income_per_person_fen=30_000))
    with pytest.raises(Conflict, match="threshold"):
        app.assess_household(OFFICER, household_id, OnDate(on="2024-01-05"))
    grant = Grant(monthly_fen=39_000, from_date="2024-02-01")
    with pytest.raises(Conflict, match="means test"):
        app.grant_allowance(OFFICER, household_id, grant)
    app.set_threshold(OFFICER, "hualong", Threshold(threshold_fen=62_000, effective_from="2024-01-01"))
    assert app.assess_household(OFFICER, household_id, OnDate(on="2024-01-05"))["means_test"]["passed"] is True
    app.grant_allowance(OFFICER, household_id, grant)
    app.suspend_allowance(OFFICER, household_id, Reason(reason="review"))
    with pytest.raises(Conflict):
        app.suspend_allowance(OFFICER, household_id, Reason(reason="again"))
    app.resume_allowance(OFFICER, household_id)
    app.end_allowance(OFFICER, household_id, End(reason="income rose", on="2024-06-30"))
    assert app.household(OFFICER, household_id)["allowance_status"] == "ended"
    with pytest.raises(Conflict, match="already belongs"):
        app.register_household(OFFICER, RegisterHousehold(community_id="hualong", members=[person],
                                                          income_per_person_fen=1))
    rich = Household(community_id="hualong", members=[], income_per_person_fen=90_000)
    assert rich.assess(62_000, "2024-01-05") is False


def setup_programme(app, persons=2):
    ids = [register(app, national_id=f"50010719450101{1000 + i}", birth_date="1960-03-03") for i in range(persons)]
    for pid in ids:
        app.add_category(OFFICER, pid, CategoryIn(category="disabled", disability_type="intellectual",
                                                  disability_grade=2))
    programme = app.define_programme(OFFICER, DefineProgramme(community_id="hualong", name="残疾人补贴", kind="cash",
                                                              amount_fen=10_000, rule={"categories": ["disabled"]}))
    for pid in ids:
        app.enrol(OFFICER, programme, PersonRef(person_id=pid))
    return programme, ids


def test_enrolment_requires_eligibility(app):
    programme, _ = setup_programme(app, persons=0)
    outsider = register(app, national_id="500107194501019999")
    with pytest.raises(Conflict, match="not eligible"):
        app.enrol(OFFICER, programme, PersonRef(person_id=outsider))


def test_snapshot_is_frozen_four_eyes_and_recheck_at_approval(app):
    programme, (stays, leaves) = setup_programme(app)
    cycle = app.open_cycle(OFFICER, OpenCycle(programme_id=programme, month="2024-03"))
    app.calculate(OFFICER, cycle)
    app.remove_category(OFFICER, leaves, RemoveCategory(category="disabled"))
    snapshot = app.cycle(OFFICER, cycle)
    assert snapshot["count"] == 2 and snapshot["total_fen"] == 20_000  # the registry change did not touch it
    assert snapshot["entitlements"][0]["categories"] == ["disabled"]
    with pytest.raises(Conflict, match="second officer"):
        app.approve(OFFICER, cycle)
    dropped = app.approve(SECOND, cycle)["dropped"]
    assert [d["person_id"] for d in dropped] == [str(leaves)]
    app.disburse(OFFICER, cycle, OnDate(on="2024-03-10"))
    app.close_cycle(SECOND, cycle)
    final = app.cycle(OFFICER, cycle)
    assert final["status"] == "closed" and final["total_fen"] == 10_000
    assert [e["person_id"] for e in final["entitlements"]] == [str(stays)]


def test_nobody_paid_twice_for_one_programme_and_month(app):
    programme, ids = setup_programme(app)
    first = app.open_cycle(OFFICER, OpenCycle(programme_id=programme, month="2024-04"))
    app.calculate(OFFICER, first)
    second = app.open_cycle(OFFICER, OpenCycle(programme_id=programme, month="2024-04"))
    app.calculate(OFFICER, second)
    assert app.cycle(OFFICER, second)["count"] == 0
    assert {e["person_id"] for e in app.cycle(OFFICER, second)["excluded"]} == {str(i) for i in ids}
    ledger = app.repository.get(PaymentLedger.id_for(programme, "2024-04"))
    with pytest.raises(Conflict, match="another payment cycle"):
        ledger.claim(uuid.UUID(app.cycle(OFFICER, second)["id"]), [str(ids[0])])
    other_month = app.open_cycle(OFFICER, OpenCycle(programme_id=programme, month="2024-05"))
    app.calculate(OFFICER, other_month)
    assert app.cycle(OFFICER, other_month)["count"] == 2


def test_cycle_steps_in_order():
    cycle = PaymentCycle(community_id="hualong", programme_id="p", month="2024-01")
    with pytest.raises(Conflict):
        cycle.approve("b", [])
    with pytest.raises(Conflict):
        cycle.disburse("2024-01-10")
    cycle.calculate("a", "2024-01-01T00:00:00", [{"person_id": "x", "amount_fen": 5}], [])
    with pytest.raises(Conflict):
        cycle.calculate("a", "2024-01-01T00:00:00", [], [])


def test_station_capacity_and_one_wage_per_month():
    station = Station(community_id="huasheng", name="金馨家园", capacity=1, opened_on="2015-06-01")
    first, second = uuid.uuid4(), uuid.uuid4()
    station.start_placement(first, "2024-01-02", 100_000)
    with pytest.raises(Conflict, match="full"):
        station.start_placement(second, "2024-01-02", 100_000)
    station.pay(first, "2024-01", 100_000, 20_000, 10_000, 22_000)
    with pytest.raises(Conflict, match="already paid"):
        station.pay(first, "2024-01", 100_000, 20_000, 10_000, 22_000)
    station.end_placement(first, "2024-02-01", "found a job")
    station.start_placement(second, "2024-02-02", 100_000)


def test_erasure_shreds_personal_data_but_keeps_counts(app):
    programme, (pid, _) = setup_programme(app)
    before = app.person_record(OFFICER, pid)
    assert before["name"] == PERSON["name"]
    app.erase_person(OFFICER, pid, Reason(reason="resident's request under PIPL"))
    record = app.person_record(OFFICER, pid)
    assert record["name"] == record["national_id"] == record["phone"] == ERASED
    assert record["categories"][0]["category"] == "disabled" and record["erased"]
    person = app.repository.get(pid)
    assert app.keys.open(person.id, person.sealed) is None
    with pytest.raises(Conflict):
        app.erase_person(OFFICER, pid, Reason(reason="again"))
    assert len(app.programme(OFFICER, programme)["enrolled"]) == 2
    # the dedupe claim is released, so the id number can be registered afresh
    assert register(app, national_id="500107194501011000")


def test_every_read_is_audited(app):
    pid = register(app)
    app.person_record(OFFICER, pid)
    app.person_record(SECOND, pid)
    events = list(app.repository.event_store.get(pid))
    reads = [e for e in events if isinstance(e, Person.RecordRead)]
    assert [e.actor["subject"] for e in reads] == ["officer-wang", "officer-zhao"]


@pytest.mark.postgres
def test_replicas_on_postgresql_share_the_key_table_and_erasure_shreds_for_all(postgres_env, tmp_path, monkeypatch):
    """Two welfare replicas on one PostgreSQL store: keys live beside the events, not on a replica's disk."""
    import psycopg

    from shared.platform.settings import Settings

    monkeypatch.setenv("WELFARE_CIPHER_KEY", "q0dJ0Pq8mWfP1a4F0cXyH6m2m3p0cQwz7VQ8H4x8l5E=")
    settings = Settings(SHEQU_DATA_DIR=tmp_path / "data", **postgres_env)
    first = WelfareApplication(env=settings.event_store_env("welfare"))
    second = WelfareApplication(env={**settings.event_store_env("welfare"), "SHEQU_DATA_DIR": str(tmp_path / "b")})
    try:
        teach_directory(first)
        pid = register(first)
        assert second.person_record(OFFICER, pid)["name"] == PERSON["name"]  # the other replica opens it
        assert not (tmp_path / "data" / KEY_STORE_FILE).exists()  # nothing on the replica's disk

        schema = postgres_env["POSTGRES_SCHEMA"]
        with psycopg.connect(host=postgres_env["POSTGRES_HOST"], port=postgres_env["POSTGRES_PORT"],
                             user=postgres_env["POSTGRES_USER"], dbname=postgres_env["POSTGRES_DBNAME"]) as conn:
            def stored_keys() -> int:
                return conn.execute(f'SELECT count(*) FROM "{schema}".welfare_person_keys '
                                    "WHERE person_id = %s", (str(pid),)).fetchone()[0]

            assert stored_keys() == 1
            second.erase_person(OFFICER, pid, Reason(reason="resident's request under PIPL"))
            assert stored_keys() == 0
        assert first.person_record(OFFICER, pid)["name"] == ERASED  # shredded for every replica
        person = first.repository.get(pid)
        assert first.keys.open(person.id, person.sealed) is None
        # Two replicas racing to create one person's key end with one key, the first stored.
        racer = uuid.uuid4()
        assert first.keys.create(racer) == second.keys.create(racer) == second.keys.key(racer)
    finally:
        first.close()
        second.close()
