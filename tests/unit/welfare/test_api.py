"""Welfare over HTTP: auth on every write, personal data access, privacy at rest, an end-to-end month."""

from __future__ import annotations

import pytest

from services.welfare.commands import (
    DefineProgramme, Grant, OnDate, OpenCycle, OpenStation, PersonRef, Reason, RegisterHousehold, RegisterPerson,
    StartPlacement, Threshold,
)
from services.welfare.contract import contract
from services.welfare.privacy import ERASED
from shared.kernel.actor import pseudonym
from shared.kernel.actor import Actor

NAME, NATIONAL_ID, PHONE = "王翠兰", "50010719580214432X", "13912345678"
OFFICER = Actor("officer-wang", "welfare_officer", pseudonym("officer-wang"), ("hualong",))


def stored_events(client) -> int:
    """Events this test stored (the learned directory excluded)."""
    return (client.application.recorder.max_notification_id() or 0) - client.baseline


def person_body(**overrides):
    return {"community_id": "hualong", "name": NAME, "national_id": NATIONAL_ID, "phone": PHONE,
            "address": "华龙家园5栋2单元", "birth_date": "1958-02-14",
            "categories": [{"category": "disabled", "disability_type": "physical", "disability_grade": 2}],
            **overrides}


def all_events(app):
    return [app.mapper.to_domain_event(n) for n in app.recorder.select_notifications(1, 100_000)]


@pytest.fixture
def world(welfare):
    """p: disabled, in household h, enrolled in programme g; r: disabled, unattached; c: open cycle; s: station."""
    app = welfare.application
    reg = dict(community_id="hualong", name="甲", phone="13800000000", address="x", birth_date="1970-01-01",
               categories=[{"category": "disabled", "disability_type": "mental", "disability_grade": 3}])
    p = app.register_person(OFFICER, RegisterPerson(national_id="500107197001010011", **reg))
    r = app.register_person(OFFICER, RegisterPerson(national_id="500107197001010022", **reg))
    app.set_threshold(OFFICER, "hualong", Threshold(threshold_fen=62_000, effective_from="2024-01-01"))
    h = app.register_household(OFFICER, RegisterHousehold(community_id="hualong", members=[p],
                                                          income_per_person_fen=30_000))
    app.assess_household(OFFICER, h, OnDate(on="2024-01-05"))
    g = app.define_programme(OFFICER, DefineProgramme(community_id="hualong", name="残疾人两项补贴", kind="cash",
                                                      amount_fen=10_000, rule={"categories": ["disabled"]}))
    app.enrol(OFFICER, g, PersonRef(person_id=p))
    c = app.open_cycle(OFFICER, OpenCycle(programme_id=g, month="2024-06"))
    s = app.open_station(OFFICER, OpenStation(community_id="hualong", name="金馨家园", capacity=5,
                                              opened_on="2015-06-01"))
    return {"p": str(p), "r": str(r), "h": str(h), "g": str(g), "c": str(c), "s": str(s)}


def _grant(app, w):
    app.grant_allowance(OFFICER, w["h"], Grant(monthly_fen=39_000, from_date="2024-02-01"))


def _calc(app, w):
    app.calculate(OFFICER, w["c"])


def _approve(app, w):
    _calc(app, w)
    app.approve(Actor("officer-zhao", "welfare_officer", pseudonym("officer-zhao"), ("hualong",)), w["c"])


def _place(app, w):
    app.start_placement(OFFICER, w["s"], StartPlacement(person_id=w["p"], on="2024-01-02", monthly_wage_fen=100_000))


# name: (method, path, body, preparation done through the application first)
WRITES = {
    "register_person": ("post", "/persons", person_body(), None),
    "add_category": ("post", "/persons/{p}/categories", {"category": "elderly_living_alone"}, None),
    "remove_category": ("post", "/persons/{p}/categories/removal", {"category": "disabled"}, None),
    "move_out": ("post", "/persons/{p}/move-out", {"on": "2024-05-01"}, None),
    "death": ("post", "/persons/{p}/death", {"on": "2024-05-01"}, None),
    "erasure": ("post", "/persons/{p}/erasure", {"reason": "resident's request"}, None),
    "threshold": ("put", "/communities/hualong/threshold",
                  {"threshold_fen": 65_000, "effective_from": "2024-07-01"}, None),
    "register_household": ("post", "/households",
                           {"community_id": "hualong", "members": ["{r}"], "income_per_person_fen": 20_000}, None),
    "means_test": ("post", "/households/{h}/means-test", {"on": "2024-02-01"}, None),
    "grant": ("post", "/households/{h}/allowance", {"monthly_fen": 39_000, "from_date": "2024-02-01"},
              None),
    "adjust": ("post", "/households/{h}/allowance/adjustment", {"monthly_fen": 42_000, "reason": "rate"},
               _grant),
    "suspend": ("post", "/households/{h}/allowance/suspension", {"reason": "review"}, _grant),
    "resume": ("post", "/households/{h}/allowance/resumption", None,
               lambda app, w: (_grant(app, w), app.suspend_allowance(OFFICER, w["h"], Reason(reason="x")))),
    "end": ("post", "/households/{h}/allowance/end", {"reason": "found work", "on": "2024-08-31"}, _grant),
    "define_programme": ("post", "/programmes",
                         {"community_id": "hualong", "name": "高龄津贴", "kind": "cash", "amount_fen": 5_000,
                          "rule": {"categories": ["aged_80_plus"], "min_age": 80}}, None),
    "enrol": ("post", "/programmes/{g}/enrolments", {"person_id": "{r}"}, None),
    "exit": ("post", "/programmes/{g}/exits", {"person_id": "{p}", "reason": "moved"}, None),
    "open_cycle": ("post", "/cycles", {"programme_id": "{g}", "month": "2024-07"}, None),
    "calculate": ("post", "/cycles/{c}/calculation", None, None),
    "approve": ("post", "/cycles/{c}/approval", None, _calc),
    "disburse": ("post", "/cycles/{c}/disbursement", {"on": "2024-06-10"}, _approve),
    "close": ("post", "/cycles/{c}/closure", None,
              lambda app, w: (_approve(app, w), app.disburse(OFFICER, w["c"], OnDate(on="2024-06-10")))),
    "relief": ("post", "/relief",
               {"community_id": "hualong", "occasion": "festival_visit", "kind": "in_kind", "person_id": "{p}",
                "items": [{"name": "rice 10kg", "quantity": 1}, {"name": "oil 5L", "quantity": 1}],
                "value_fen": 15_000, "on": "2024-02-09"}, None),
    "open_station": ("post", "/stations",
                     {"community_id": "hualong", "name": "second station", "capacity": 10, "opened_on": "2024-01-01"},
                     None),
    "start_placement": ("post", "/stations/{s}/placements",
                        {"person_id": "{r}", "on": "2024-03-01", "monthly_wage_fen": 100_000}, None),
    "end_placement": ("post", "/stations/{s}/placements/{p}/end", {"on": "2024-09-30", "reason": "job"},
                      _place),
    "wages": ("post", "/stations/{s}/wages",
              {"person_id": "{p}", "month": "2024-03", "wage_fen": 100_000, "pension_insurance_fen": 30_000,
               "medical_insurance_fen": 12_000, "lunch_fen": 22_000}, _place),
}


def fill(value, w):
    if isinstance(value, str):
        return value.format(**w)
    if isinstance(value, list):
        return [fill(v, w) for v in value]
    if isinstance(value, dict):
        return {k: fill(v, w) for k, v in value.items()}
    return value


def call(client, name, w, headers=None):
    method, path, body, _ = WRITES[name]
    kwargs = {"headers": headers or {}}
    if body is not None:
        kwargs["json"] = fill(body, w)
    return client.request(method, fill(path, w), **kwargs)


@pytest.mark.parametrize("name", sorted(WRITES))
def test_write_without_token_is_401_and_writes_nothing(welfare, world, name):
    before = stored_events(welfare)
    response = call(welfare, name, world)
    assert response.status_code == 401
    assert stored_events(welfare) == before


@pytest.mark.parametrize("name", sorted(WRITES))
def test_write_for_a_foreign_community_or_wrong_role_is_403_and_writes_nothing(welfare, world, auth, name):
    before = stored_events(welfare)
    foreign = call(welfare, name, world, auth("welfare_officer", communities=["huasheng"]))
    assert foreign.status_code == 403, foreign.text
    assert "hualong" in foreign.json()["detail"]
    assert call(welfare, name, world, auth("district_operator")).status_code == 403
    assert call(welfare, name, world, auth("community_staff", communities=["hualong"])).status_code == 403
    assert stored_events(welfare) == before


@pytest.mark.parametrize("name", sorted(WRITES))
def test_write_by_a_welfare_officer_succeeds(welfare, world, officer, second, name):
    prepare = WRITES[name][3]
    if prepare:
        prepare(welfare.application, world)
    before = stored_events(welfare)
    headers = second if name == "approve" else officer
    response = call(welfare, name, world, headers)
    assert response.status_code in (200, 201), response.text
    assert stored_events(welfare) > before


def test_registering_an_id_number_twice_is_409(welfare, officer):
    assert welfare.post("/persons", json=person_body(), headers=officer).status_code == 201
    before = stored_events(welfare)
    again = welfare.post("/persons", json=person_body(name="另一人", national_id=NATIONAL_ID.lower()),
                         headers=officer)
    assert again.status_code == 409 and "already registered" in again.json()["detail"]
    assert stored_events(welfare) == before


def test_malformed_registration_is_422(welfare, officer):
    response = welfare.post("/persons", json=person_body(national_id="123"), headers=officer)
    assert response.status_code == 422
    assert stored_events(welfare) == 0


def test_only_the_communitys_welfare_officer_reads_a_person_and_each_read_is_audited(welfare, officer, auth):
    person_id = welfare.post("/persons", json=person_body(), headers=officer).json()["id"]
    for headers in (auth("district_operator"), auth("community_staff", communities=["hualong"]),
                    auth("welfare_officer", communities=["huasheng"])):
        assert welfare.get(f"/persons/{person_id}", headers=headers).status_code == 403
    before = stored_events(welfare)
    record = welfare.get(f"/persons/{person_id}", headers=officer).json()
    assert record["name"] == NAME and record["national_id"] == NATIONAL_ID and record["age_band"] == "60-69"
    reads = [e for e in all_events(welfare.application) if type(e).__name__ == "RecordRead"]
    assert stored_events(welfare) == before + 1 and reads[-1].actor["subject"] == "officer-wang"
    assert contract.to_envelope(reads[-1]) is None


def test_personal_data_is_not_in_the_database_file_and_erasure_makes_it_unrecoverable(welfare, officer, settings):
    person_id = welfare.post("/persons", json=person_body(), headers=officer).json()["id"]
    welfare.get(f"/persons/{person_id}", headers=officer)
    files = list((settings.data_dir / "eventstores").glob("welfare*"))
    assert any(f.name == "welfare.sqlite" for f in files)
    raw = b"".join(f.read_bytes() for f in files if f.is_file())
    for secret in (NAME.encode(), NATIONAL_ID.encode(), PHONE.encode(), "华龙家园5栋".encode()):
        assert secret not in raw

    erased = welfare.post(f"/persons/{person_id}/erasure", json={"reason": "request"}, headers=officer)
    assert erased.status_code == 200
    record = welfare.get(f"/persons/{person_id}", headers=officer).json()
    assert {record[k] for k in ("name", "national_id", "phone", "address", "birth_date")} == {ERASED}
    assert record["categories"] == [{"category": "disabled", "disability_type": "physical", "disability_grade": 2}]
    app = welfare.application
    for event in all_events(app):
        if hasattr(event, "sealed"):
            assert app.keys.open(event.originator_id, event.sealed) is None
        assert NAME not in repr(event.__dict__) and NATIONAL_ID not in repr(event.__dict__)
    # the id number may be registered again (the dedupe claim was released)
    assert welfare.post("/persons", json=person_body(), headers=officer).status_code == 201


def test_a_month_end_to_end_and_no_personal_data_in_public_events(welfare, officer, second):
    post = lambda path, body=None, headers=officer: welfare.post(path, json=body, headers=headers)  # noqa: E731
    persons = []
    for i in range(3):
        body = person_body(name=f"{NAME}{i}", national_id=f"5001071958021443{i}1", phone=f"{PHONE[:-1]}{i}")
        persons.append(post("/persons", body).json()["id"])
    assert welfare.put("/communities/hualong/threshold",
                       json={"threshold_fen": 62_000, "effective_from": "2024-01-01"}, headers=officer).status_code == 200
    poor = post("/households", {"community_id": "hualong", "members": persons[:2],
                                        "income_per_person_fen": 30_000}).json()["id"]
    richer = post("/households", {"community_id": "hualong", "members": persons[2:],
                                          "income_per_person_fen": 90_000}).json()["id"]
    assert post(f"/households/{poor}/means-test", {"on": "2024-05-20"}).json()["means_test"]["passed"]
    assert not post(f"/households/{richer}/means-test", {"on": "2024-05-20"}).json()["means_test"]["passed"]
    assert post(f"/households/{poor}/allowance", {"monthly_fen": 39_000, "from_date": "2024-06-01"}
                ).json()["allowance_status"] == "active"
    assert post(f"/households/{richer}/allowance", {"monthly_fen": 39_000, "from_date": "2024-06-01"}
                ).status_code == 409
    programme = post("/programmes", {"community_id": "hualong", "name": "低保残疾人补贴", "kind": "cash",
                                             "amount_fen": 10_000, "rule": {"categories": ["disabled"],
                                                                            "max_income_per_person_fen": 62_000}}
                     ).json()["id"]
    assert post(f"/programmes/{programme}/enrolments", {"person_id": persons[2]}).status_code == 409
    for pid in persons[:2]:
        assert post(f"/programmes/{programme}/enrolments", {"person_id": pid}).status_code == 200
    cycle = post("/cycles", {"programme_id": programme, "month": "2024-06"}).json()["id"]
    calculated = post(f"/cycles/{cycle}/calculation").json()
    assert calculated["count"] == 2 and calculated["total_fen"] == 20_000
    assert post(f"/cycles/{cycle}/approval").status_code == 409  # same officer
    assert post(f"/cycles/{cycle}/approval", headers=second).json()["status"] == "approved"
    disbursed = post(f"/cycles/{cycle}/disbursement", {"on": "2024-06-10"}).json()
    assert disbursed["status"] == "disbursed" and disbursed["total_fen"] == 20_000
    assert post(f"/cycles/{cycle}/closure").json()["status"] == "closed"

    envelopes = [contract.to_envelope(e) for e in all_events(welfare.application)]
    published = b"".join(env.to_bytes() for env in envelopes if env is not None)
    assert b"EntitlementsCalculated" in published and b"PaymentCycleDisbursed" in published
    for i in range(3):
        for secret in (f"{NAME}{i}", f"5001071958021443{i}1", f"{PHONE[:-1]}{i}", "华龙家园", "1958-02-14"):
            assert secret.encode() not in published
            assert secret.encode("unicode_escape") not in published
