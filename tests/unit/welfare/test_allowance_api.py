"""The minimum-allowance cycle over HTTP: application to monthly payment, and bad input answered with a 4xx."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from services.welfare.contract import contract
from shared.kernel.clock import recorded_at
from tests.unit.welfare.test_api import NAME, NATIONAL_ID, PHONE, all_events, person_body, stored_events

GROUND, FINDING = "邻居反映其经营小卖部", "经核实小卖部已于去年关闭"


def test_application_to_monthly_payment_through_the_routes(welfare, officer, second):
    def post(path, body=None, headers=officer, expect=(200, 201)):
        response = welfare.post(path, json=body, headers=headers)
        assert response.status_code in expect, (path, response.text)
        return response.json()

    assert welfare.put("/communities/hualong/threshold", headers=officer, json={
        "threshold_fen": 62_000, "effective_from": "2024-01-01", "notice_days": 7}).status_code == 200
    members = [post("/persons", person_body(name=f"{NAME}{i}", national_id=f"5001071958021443{i}1", categories=[])
                    )["id"] for i in range(2)]
    h = post("/households", {"community_id": "hualong", "members": members, "income_per_person_fen": 0})["id"]
    post(f"/households/{h}/application", {"applicant_id": members[0], "on": "2024-03-01"})
    investigated = post(f"/households/{h}/investigation", {"as_of": "2024-03-05", "assets_fen": 300_000, "members": [
        {"person_id": members[0], "monthly_income_fen": 52_300}, {"person_id": members[1], "monthly_income_fen": 0}]})
    assert investigated["application"]["stage"] == "investigated" and investigated["income_per_person_fen"] == 26_150
    post(f"/households/{h}/community-review", {"on": "2024-03-10", "passed": True, "votes_for": 11,
                                               "votes_against": 0})
    notice = post(f"/households/{h}/notice", {"starts_on": "2024-03-11"})["application"]["notice"]
    assert notice == {"starts_on": "2024-03-11", "ends_on": "2024-03-17"}
    post(f"/households/{h}/objections", {"on": "2024-03-13", "ground": GROUND})
    early = post(f"/households/{h}/approval", {"monthly_fen": 39_000, "from_date": "2024-04-01"}, expect=(409,))
    assert "must be resolved" in early["detail"] or "runs until" in early["detail"]
    post(f"/households/{h}/objections/1/resolution", {"on": "2024-03-15", "upheld": False, "finding": FINDING})
    with recorded_at(datetime(2024, 3, 18, 9, tzinfo=UTC)):
        granted = post(f"/households/{h}/approval", {"monthly_fen": 39_000, "from_date": "2024-04-01"})
    assert granted["allowance_status"] == "active" and granted["review_due"] == "2025-04-01"

    programme = post("/programmes", {"community_id": "hualong", "name": "最低生活保障金", "kind": "minimum_allowance",
                                     "amount_fen": 0})["id"]
    cycle = post("/cycles", {"programme_id": programme, "month": "2024-04"})["id"]
    assert post(f"/cycles/{cycle}/calculation")["total_fen"] == 39_000
    post(f"/cycles/{cycle}/approval", expect=(409,))  # four eyes
    post(f"/cycles/{cycle}/approval", headers=second)
    assert post(f"/cycles/{cycle}/disbursement", {"on": "2024-04-10"})["total_fen"] == 39_000

    changed = post(f"/households/{h}/circumstances", {
        "as_of": "2024-08-01", "assets_fen": 300_000, "reason": "次子就业",
        "members": [{"person_id": members[0], "monthly_income_fen": 52_300},
                    {"person_id": members[1], "monthly_income_fen": 60_000}]})
    assert changed["review_due"] == "2024-08-01" and changed["means_test"]["passed"] is True
    ended = post(f"/households/{h}/review", {"on": "2024-08-05", "outcome": "end", "reason": "收入超过标准"})
    assert ended["allowance_status"] == "ended"
    post(f"/households/{h}/appeal", {"on": "2024-08-10", "grounds": "临时工作"})
    assert post(f"/households/{h}/appeal/decision", {"on": "2024-08-20", "upheld": True, "finding": "合同三个月"}
                )["application"]["stage"] == "investigated"

    envelopes = [contract.to_envelope(e) for e in all_events(welfare.application)]
    published = b"".join(env.to_bytes() for env in envelopes if env is not None)
    for name in (b"AllowanceApplied", b"HouseholdCircumstancesRecorded", b"AllowanceNoticeStarted",
                 b"AllowanceObjectionResolved", b"AllowanceApplicationApproved", b"AllowanceAppealDecided"):
        assert name in published
    for secret in (GROUND, FINDING, "次子就业", "临时工作", "合同三个月", f"{NAME}0", PHONE, NATIONAL_ID, "52300"):
        assert secret.encode() not in published and secret.encode("unicode_escape") not in published


@pytest.mark.parametrize("path, body, status, names", [
    ("/households/{h}/investigation", {"as_of": "2024-03-05", "assets_fen": 0, "members": []}, 422, "members"),
    ("/households/{h}/investigation", {"as_of": "2024-03-05", "assets_fen": -1,
                                       "members": [{"person_id": "{p}", "monthly_income_fen": 0}]}, 422, "assets_fen"),
    ("/households/{h}/investigation", {"as_of": "2024-03-05", "assets_fen": 0, "members": [
        {"person_id": "{p}", "monthly_income_fen": 0}, {"person_id": "{p}", "monthly_income_fen": 0}]}, 422,
     "listed twice"),
    ("/households/{h}/notice", {"starts_on": "2024-03-11", "days": 0}, 422, "days"),
    ("/households/{h}/objections/0/resolution", {"on": "2024-03-11", "upheld": True, "finding": "x"}, 422, "number"),
    ("/households/{h}/review", {"on": "2024-03-11", "outcome": "maybe", "reason": "x"}, 422, "outcome"),
    ("/households/{h}/approval", {"monthly_fen": 39_000, "from_date": "2024-04-01"}, 409, "without an application"),
    ("/households/3f1c2a7e-0000-4000-8000-00000000000f/application", {"applicant_id": "{p}", "on": "2024-03-01"},
     404, "household"),
])
def test_bad_input_is_a_4xx_naming_what_is_wrong_and_writes_nothing(welfare, officer, path, body, status, names):
    p = welfare.post("/persons", json=person_body(categories=[]), headers=officer).json()["id"]
    h = welfare.post("/households", json={"community_id": "hualong", "members": [p], "income_per_person_fen": 0},
                     headers=officer).json()["id"]
    fill = {"h": h, "p": p}
    body = {k: (v.format(**fill) if isinstance(v, str) else v) for k, v in body.items()}
    if "members" in body:
        body["members"] = [{**m, "person_id": m["person_id"].format(**fill)} for m in body["members"]]
    before = stored_events(welfare)
    response = welfare.post(path.format(**fill), json=body, headers=officer)
    assert response.status_code == status, response.text
    assert names in response.text
    assert stored_events(welfare) == before


def test_cycle_writes_need_a_welfare_officer_of_the_community(welfare, officer, auth):
    p = welfare.post("/persons", json=person_body(categories=[]), headers=officer).json()["id"]
    h = welfare.post("/households", json={"community_id": "hualong", "members": [p], "income_per_person_fen": 0},
                     headers=officer).json()["id"]
    body = {"applicant_id": p, "on": "2024-03-01"}
    before = stored_events(welfare)
    assert welfare.post(f"/households/{h}/application", json=body).status_code == 401
    for headers in (auth("welfare_officer", communities=["huasheng"]), auth("district_operator"),
                    auth("community_staff", communities=["hualong"])):
        assert welfare.post(f"/households/{h}/application", json=body, headers=headers).status_code == 403
    assert stored_events(welfare) == before
    assert welfare.post(f"/households/{h}/application", json=body, headers=officer).status_code == 200
