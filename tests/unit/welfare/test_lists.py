"""GET /welfare/persons, /households, /cycles, /relief: filters, the id-number search by HMAC (never stored,
logged or echoed in clear), cycles awaiting a second approver, relief between dates, cursors, scoping, 422s."""

from __future__ import annotations

import logging

import pytest

from services.welfare.commands import (
    DefineProgramme, DistributeRelief, Exit, Grant, OnDate, OpenCycle, PersonRef, Reason, RegisterHousehold,
    RegisterPerson, RemoveCategory, Threshold,
)
from services.welfare.config import SERVICE as WELFARE
from shared.kernel.actor import Actor, pseudonym
from tests.http_helpers import ids, listed

WANG = Actor("officer-wang", "welfare_officer", pseudonym("officer-wang"), ("hualong", "huasheng"))
ZHAO = Actor("officer-zhao", "welfare_officer", pseudonym("officer-zhao"), ("hualong", "huasheng"))
ID_NUMBERS = ("500107197001010011", "500107198002020022", "50010719900303003X")


@pytest.fixture
def welfare(service_client, monkeypatch):
    monkeypatch.delenv("WELFARE_CIPHER_KEY", raising=False)
    return service_client(WELFARE)


@pytest.fixture
def wang(auth):
    return auth("welfare_officer", communities=["hualong", "huasheng"], subject="officer-wang")


@pytest.fixture
def zhao(auth):
    return auth("welfare_officer", communities=["hualong", "huasheng"], subject="officer-zhao")


def person(app, national_id: str, categories=(), community_id: str = "hualong") -> str:
    return str(app.register_person(WANG, RegisterPerson(
        community_id=community_id, name="甲", national_id=national_id, phone="13800000000", address="华龙家园",
        birth_date="1950-01-01", categories=[{"category": c} for c in categories])))


@pytest.fixture
def registry(welfare):
    """a: elderly alone, enrolled; b: aged 80+; c: in huasheng, elderly alone."""
    app = welfare.application
    a = person(app, ID_NUMBERS[0], ["elderly_living_alone"])
    b = person(app, ID_NUMBERS[1], ["aged_80_plus"])
    c = person(app, ID_NUMBERS[2], ["elderly_living_alone"], community_id="huasheng")
    programme = str(app.define_programme(WANG, DefineProgramme(
        community_id="hualong", name="高龄补贴", kind="cash", amount_fen=10_000, rule={})))
    app.enrol(WANG, programme, PersonRef(person_id=a))
    app.enrol(WANG, programme, PersonRef(person_id=b))
    return {"a": a, "b": b, "c": c, "programme": programme}


def test_persons_by_category_and_programme_without_personal_fields(welfare, wang, registry):
    page = listed(welfare, "/persons", wang)
    assert ids(page) == [registry["c"], registry["b"], registry["a"]]  # newest first
    item = next(i for i in page["items"] if i["id"] == registry["a"])
    assert item["categories"] == ["elderly_living_alone"] and item["programme_ids"] == [registry["programme"]]
    assert item["status"] == "active" and item["age_band"] == "70-79" and item["erased"] is False
    assert not {"name", "national_id", "phone", "address", "birth_date"} & set(item)
    assert "甲" not in str(page) and "华龙" not in str(page)

    elderly = listed(welfare, "/persons", wang, category="elderly_living_alone")
    assert ids(elderly) == [registry["c"], registry["a"]]
    assert ids(listed(welfare, "/persons", wang, category="elderly_living_alone",
                      community_id="hualong")) == [registry["a"]]
    assert ids(listed(welfare, "/persons", wang, programme_id=registry["programme"])) == [registry["b"], registry["a"]]
    welfare.application.remove_category(WANG, registry["a"], RemoveCategory(category="elderly_living_alone"))
    welfare.application.exit(WANG, registry["programme"], Exit(person_id=registry["b"], reason="moved away"))
    assert ids(listed(welfare, "/persons", wang, category="elderly_living_alone")) == [registry["c"]]
    assert ids(listed(welfare, "/persons", wang, programme_id=registry["programme"])) == [registry["a"]]


def test_search_by_id_number_matches_the_stored_hmac_and_keeps_no_clear_copy(welfare, wang, registry, caplog):
    caplog.set_level(logging.DEBUG)
    found = listed(welfare, "/persons", wang, id_number=ID_NUMBERS[1])
    assert ids(found) == [registry["b"]]
    assert ids(listed(welfare, "/persons", wang, id_number=ID_NUMBERS[2].lower())) == [registry["c"]]  # x or X
    assert ids(listed(welfare, "/persons", wang, id_number="500107199912319999")) == []
    assert ids(listed(welfare, "/persons", wang, id_number=ID_NUMBERS[2], community_id="hualong")) == []

    searched = welfare.post("/persons/search", json={"id_number": ID_NUMBERS[0], "community_id": "hualong"},
                            headers=wang)
    assert searched.status_code == 200 and ids(searched.json()) == [registry["a"]]

    view = welfare.query_tables.view
    stored = str([view.select(f"SELECT * FROM {{{t.name}}}", []) for t in view.tables])
    server_logs = "\n".join(r.getMessage() for r in caplog.records if r.name != "httpx")  # httpx: the test's client
    for number in ID_NUMBERS:
        assert number not in stored and number[:-1] not in stored
        assert number[:-1] not in server_logs

    welfare.application.erase_person(WANG, registry["b"], Reason(reason="resident's request"))
    assert ids(listed(welfare, "/persons", wang, id_number=ID_NUMBERS[1])) == [], "an erased person is not found"


def test_a_malformed_id_number_is_422_naming_it_without_echoing_it(welfare, wang):
    response = welfare.get("/persons", params={"id_number": "5001071970010100"}, headers=wang)
    assert response.status_code == 422 and response.json()["field"] == "id_number"
    assert "5001071970010100" not in response.text


def test_households_by_allowance_status(welfare, wang, registry):
    app = welfare.application
    app.set_threshold(WANG, "hualong", Threshold(threshold_fen=62_000, effective_from="2024-01-01"))
    poor = str(app.register_household(WANG, RegisterHousehold(community_id="hualong", members=[registry["a"]],
                                                              income_per_person_fen=30_000)))
    other = str(app.register_household(WANG, RegisterHousehold(community_id="hualong", members=[registry["b"]],
                                                               income_per_person_fen=90_000)))
    app.assess_household(WANG, poor, OnDate(on="2024-01-05"))
    app.grant_allowance(WANG, poor, Grant(monthly_fen=39_000, from_date="2024-02-01"))
    page = listed(welfare, "/households", wang)
    assert ids(page) == [other, poor]
    granted = page["items"][1]
    assert (granted["allowance_status"], granted["monthly_fen"], granted["members"]) == ("active", 39_000, 1)
    assert granted["means_test_passed"] is True and page["items"][0]["means_test_passed"] is None
    assert "income_per_person_fen" not in granted
    assert ids(listed(welfare, "/households", wang, status="active")) == [poor]
    assert ids(listed(welfare, "/households", wang, status="none")) == [other]
    assert listed(welfare, "/persons", wang, id_number=ID_NUMBERS[0])["items"][0]["household_id"] == poor


def test_cycles_awaiting_second_approval_and_who_may_approve(welfare, wang, zhao, registry):
    app = welfare.application
    months = ("2024-04", "2024-05", "2024-06")
    cycles = [str(app.open_cycle(WANG, OpenCycle(programme_id=registry["programme"], month=m))) for m in months]
    app.calculate(WANG, cycles[1])
    app.calculate(WANG, cycles[2])
    app.approve(ZHAO, cycles[2])

    waiting = listed(welfare, "/cycles", zhao, status="awaiting_second_approval")
    assert ids(waiting) == [cycles[1]]
    [item] = waiting["items"]
    assert (item["persons"], item["total_fen"], item["programme_name"], item["month"]) == (2, 20_000, "高龄补贴",
                                                                                           "2024-05")
    assert item["approvable_by_me"] is True, "zhao did not calculate it"
    assert listed(welfare, "/cycles", wang, status="awaiting_second_approval")["items"][0]["approvable_by_me"] is False
    assert ids(listed(welfare, "/cycles", wang)) == cycles  # by month
    assert ids(listed(welfare, "/cycles", wang, status="open")) == [cycles[0]]
    assert ids(listed(welfare, "/cycles", wang, status="approved")) == [cycles[2]]


def test_relief_between_dates_both_included(welfare, wang, registry):
    app = welfare.application

    def relief(on: str, occasion: str = "festival_visit") -> str:
        return str(app.distribute_relief(WANG, DistributeRelief(
            community_id="hualong", occasion=occasion, kind="in_kind", person_id=registry["a"],
            items=[{"name": "rice", "quantity": 2}], value_fen=5_000, on=on)))

    jan, feb, mar = relief("2024-01-31"), relief("2024-02-10", "emergency"), relief("2024-03-01")
    page = listed(welfare, "/relief", wang)
    assert ids(page) == [mar, feb, jan]
    assert (page["items"][2]["items"], page["items"][2]["value_fen"]) == (1, 5_000)
    assert page["items"][2]["recipient_person_id"] == registry["a"]
    assert ids(listed(welfare, "/relief", wang, **{"from": "2024-01-31", "to": "2024-02-10"})) == [feb, jan]
    assert ids(listed(welfare, "/relief", wang, **{"from": "2024-02-11"})) == [mar]
    assert ids(listed(welfare, "/relief", wang, occasion="emergency")) == [feb]
    response = welfare.get("/relief", params={"from": "2024-03-01", "to": "2024-02-01"}, headers=wang)
    assert response.status_code == 422 and response.json()["field"] == "to"


def test_the_cursor_neither_repeats_nor_skips_while_persons_register(welfare, wang):
    app = welfare.application
    existing = [person(app, f"5001071970010{i:04}1") for i in range(8)]
    seen, page, i = [], listed(welfare, "/persons", wang, limit=3), 100
    seen += ids(page)
    while page["next_cursor"]:
        person(app, f"5001071970010{i:04}1")  # newer than every listed one: before the cursor
        i += 1
        page = listed(welfare, "/persons", wang, limit=3, cursor=page["next_cursor"])
        seen += ids(page)
    assert len(seen) == len(set(seen)) and set(existing) <= set(seen)


def test_another_community_is_403_and_only_officers_list(welfare, auth, registry):
    hualong = auth("welfare_officer", communities=["hualong"])
    assert registry["c"] not in ids(listed(welfare, "/persons", hualong))
    for path in ("/persons", "/households", "/cycles", "/relief"):
        assert welfare.get(path, params={"community_id": "huasheng"}, headers=hualong).status_code == 403, path
        assert welfare.get(path, headers=auth("community_staff", communities=["hualong"])).status_code == 403, path


@pytest.mark.parametrize(("path", "parameter", "value"), [
    ("/persons", "category", "rich"), ("/persons", "programme_id", "not-a-uuid"), ("/persons", "limit", "0"),
    ("/households", "status", "pending"), ("/cycles", "status", "awaiting"), ("/relief", "from", "2024-13-01"),
    ("/relief", "occasion", "birthday"),
])
def test_bad_parameters_are_422_naming_the_parameter(welfare, wang, path, parameter, value):
    response = welfare.get(path, params={parameter: value}, headers=wang)
    assert response.status_code == 422, response.text
    assert [e["loc"] for e in response.json()["detail"]] == [["query", parameter]]


def test_the_household_list_follows_investigations_and_members_leaving(welfare, wang, registry):
    from services.welfare.commands import ApplyForAllowance, ChangeOfCircumstances, Circumstances

    app = welfare.application
    app.set_threshold(WANG, "hualong", Threshold(threshold_fen=62_000, effective_from="2024-01-01"))
    a, b = registry["a"], registry["b"]
    household = str(app.register_household(WANG, RegisterHousehold(community_id="hualong", members=[a],
                                                                   income_per_person_fen=0)))
    app.apply_for_allowance(WANG, household, ApplyForAllowance(applicant_id=a, on="2024-03-01"))
    app.investigate(WANG, household, Circumstances(as_of="2024-03-05", assets_fen=0, members=[
        {"person_id": a, "monthly_income_fen": 90_000}, {"person_id": b, "monthly_income_fen": 90_000}]))
    row = listed(welfare, "/households", wang)["items"][0]
    assert (row["members"], row["means_test_passed"]) == (2, False)
    assert listed(welfare, "/persons", wang, id_number=ID_NUMBERS[1])["items"][0]["household_id"] == household
    app.change_circumstances(WANG, household, ChangeOfCircumstances(
        as_of="2024-06-01", assets_fen=0, reason="moved in with her son",
        members=[{"person_id": b, "monthly_income_fen": 10_000}]))
    row = listed(welfare, "/households", wang)["items"][0]
    assert (row["members"], row["means_test_passed"]) == (1, True)
    assert listed(welfare, "/persons", wang, id_number=ID_NUMBERS[0])["items"][0]["household_id"] is None
