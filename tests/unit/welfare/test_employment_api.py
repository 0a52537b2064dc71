"""Employment services over HTTP: seeker to placement to retention, training to certificate, bad input is 4xx."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from services.welfare.contract import contract
from shared.kernel.clock import recorded_at
from tests.unit.welfare.test_api import all_events, person_body, stored_events

ENTERPRISE = "3f1c2a7e-0000-4000-8000-000000000001"


def test_seeker_to_placement_to_retention_and_training_through_the_routes(welfare, officer, auth):
    def post(path, body):
        response = welfare.post(path, json=body, headers=officer)
        assert response.status_code in (200, 201), (path, response.text)
        return response.json()

    person = post("/persons", person_body(categories=[]))["id"]
    seeker = post("/seekers", {"person_id": person, "group": "disabled", "registered_on": "2024-01-02"})["id"]
    vacancy = post("/vacancies", {"community_id": "hualong", "enterprise_id": ENTERPRISE, "title": "来料加工",
                                  "positions": 3, "monthly_wage_fen": 180_000, "posted_on": "2024-01-03"})["id"]
    referral = post("/referrals", {"seeker_id": seeker, "vacancy_id": vacancy, "on": "2024-01-04"})["id"]
    too_early = welfare.post(f"/referrals/{referral}/placement", json={"on": "2024-01-10", "monthly_wage_fen": 1},
                             headers=officer)
    assert too_early.status_code == 409 and "not accepted" in too_early.json()["detail"]
    post(f"/referrals/{referral}/interviews", {"on": "2024-01-05", "outcome": "能胜任"})
    post(f"/referrals/{referral}/answer", {"accepted": True, "on": "2024-01-06"})
    placed = post(f"/referrals/{referral}/placement", {"on": "2024-01-10", "monthly_wage_fen": 180_000})
    assert placed["status"] == "placed"
    assert welfare.get(f"/seekers/{seeker}", headers=officer).json()["status"] == "placed"
    assert welfare.get(f"/vacancies/{vacancy}", headers=officer).json()["open_positions"] == 2
    with recorded_at(datetime(2024, 4, 10, 9, tzinfo=UTC)):
        kept = post(f"/referrals/{referral}/retention", {"months": 3, "retained": True})
    assert kept["retention"] == {"3": True}

    course = post("/courses", {"community_id": "hualong", "title": "家政服务培训", "skill": "housekeeping",
                               "sessions": 2, "min_attendance": 2, "starts_on": "2024-02-01"})["id"]
    post(f"/courses/{course}/enrolments", {"seeker_id": seeker})
    post(f"/courses/{course}/attendance", {"session": 1, "present": [seeker]})
    refused = welfare.post(f"/courses/{course}/certificates", json={"seeker_id": seeker, "on": "2024-02-10"},
                           headers=officer)
    assert refused.status_code == 409 and "needs 2" in refused.json()["detail"]
    post(f"/courses/{course}/attendance", {"session": 2, "present": [seeker]})
    assert post(f"/courses/{course}/certificates", {"seeker_id": seeker, "on": "2024-02-10"})["certified"] == [seeker]

    assert welfare.get(f"/referrals/{referral}", headers=auth("welfare_officer", communities=["jinpen"])
                       ).status_code == 403
    envelopes = [contract.to_envelope(e) for e in all_events(welfare.application)]
    published = b"".join(env.to_bytes() for env in envelopes if env is not None)
    assert b"JobPlacementStarted" in published and b"TrainingCertificateAwarded" in published
    for secret in ("王翠兰", "50010719580214432X", "13912345678", "能胜任"):
        assert secret.encode() not in published and secret.encode("unicode_escape") not in published
    # The seeker register is not linkable to the person's registry entry from the public events.
    employment = b"".join(env.to_bytes() for env in envelopes if env is not None
                          and not env.type.startswith("shequ.welfare.Person"))
    assert person.encode() not in employment


@pytest.mark.parametrize("path, body, status, names", [
    ("/seekers", {"person_id": "not-a-uuid", "group": "unemployed", "registered_on": "2024-01-02"}, 422, "person_id"),
    ("/seekers", {"person_id": "3f1c2a7e-0000-4000-8000-00000000000f", "group": "astronaut",
                  "registered_on": "2024-01-02"}, 422, "group"),
    ("/seekers", {"person_id": "3f1c2a7e-0000-4000-8000-00000000000f", "group": "unemployed",
                  "registered_on": "2024-01-02"}, 404, "person"),
    ("/vacancies", {"community_id": "hualong", "enterprise_id": ENTERPRISE, "title": "x", "positions": 0,
                    "monthly_wage_fen": 1, "posted_on": "2024-01-03"}, 422, "positions"),
    ("/courses", {"community_id": "hualong", "title": "x", "skill": "y", "sessions": 2, "min_attendance": 3,
                  "starts_on": "2024-01-03"}, 422, "min_attendance"),
    ("/referrals/3f1c2a7e-0000-4000-8000-00000000000f/retention", {"months": 3, "retained": "maybe"}, 422,
     "retained"),
])
def test_bad_input_is_a_4xx_naming_what_is_wrong_and_writes_nothing(welfare, officer, path, body, status, names):
    before = stored_events(welfare)
    response = welfare.post(path, json=body, headers=officer)
    assert response.status_code == status, response.text
    assert names in response.text
    assert stored_events(welfare) == before


def test_employment_writes_need_a_welfare_officer_of_the_community(welfare, officer, auth):
    body = {"community_id": "hualong", "enterprise_id": ENTERPRISE, "title": "保安", "positions": 1,
            "monthly_wage_fen": 200_000, "posted_on": "2024-01-03"}
    before = stored_events(welfare)
    assert welfare.post("/vacancies", json=body).status_code == 401
    for headers in (auth("welfare_officer", communities=["huasheng"]), auth("district_operator"),
                    auth("community_staff", communities=["hualong"])):
        assert welfare.post("/vacancies", json=body, headers=headers).status_code == 403
    assert stored_events(welfare) == before
    assert welfare.post("/vacancies", json=body, headers=officer).status_code == 201
