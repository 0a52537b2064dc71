"""A few real records in community "jinpen" of one service, made over its HTTP API: the ids that path parameters
and body fields name (`{"case_id": ..., "person_id": ...}`), so generated requests reach the domain rules rather
than stopping at 404. Shared by the schemathesis run (tests/unit/test_fuzz.py) and the access matrix
(tests/unit/test_access_matrix.py)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from shared.kernel.actor import pseudonym

COMMUNITY = "jinpen"


def seed(name: str, app: Any, headers: dict[str, str]) -> dict[str, Any]:
    """Records of service `name` in jinpen, made with `headers` (a token holding every role): name -> id."""
    from fastapi.testclient import TestClient

    client = TestClient(app)

    def made(path: str, body: dict[str, Any], key: str = "id") -> str:
        response = client.post(path, json=body, headers=headers)
        assert response.status_code in (200, 201), (path, response.text)
        return response.json()[key]

    ids: dict[str, Any] = {"community_id": COMMUNITY, "year": "2024", "fmt": "json", "service_code": "sanitation"}
    if name == "grid":
        made("/communities", {"id": COMMUNITY, "name": "Jinpen", "district": "Leiyang", "households": 10,
                              "residents": 30})
        ids["cell_id"] = ids["grid_cell_id"] = made("/cells", {"community_id": COMMUNITY, "name": "A1",
                                                               "households": 40})
        ids["worker_id"] = pseudonym("fuzzer")  # the token's own subject: a grid worker records own visits
        client.post(f"/cells/{ids['cell_id']}/workers", json={"worker_id": ids["worker_id"]}, headers=headers)
        ids["case_id"] = ids["request_id"] = made("/cases", {
            "community_id": COMMUNITY, "category": "sanitation", "description": "rubbish",
            "location": {"lat": 26.4, "long": 112.8}})
        ids["mediation_id"] = ids["aggregate_id"] = made("/mediations", {
            "community_id": COMMUNITY, "dispute_type": "family", "parties": 2})
        ids["house_id"] = made("/rentals", {"community_id": COMMUNITY, "address": "1 Rd", "landlord": {"name": "W"}})
        ids["household_id"] = made(f"/rentals/{ids['house_id']}/tenants", {"size": 2, "floating": True},
                                   key="household_id")
        ids["follow_up_id"] = made("/follow-ups", {"community_id": COMMUNITY, "group": "released_prisoner"})
    elif name == "welfare":
        w = "/welfare" if any(p.startswith("/welfare/") for p in app.openapi()["paths"]) else ""
        ids["person_id"] = made(f"{w}/persons", {
            "community_id": COMMUNITY, "name": "甲", "national_id": "500107197001010011", "phone": "123",
            "address": "x", "birth_date": "1970-01-01"})
        ids["household_id"] = made(f"{w}/households", {"community_id": COMMUNITY, "members": [ids["person_id"]],
                                                           "income_per_person_fen": 30_000})
        ids["programme_id"] = made(f"{w}/programmes", {"community_id": COMMUNITY, "name": "补贴", "kind": "cash",
                                                           "amount_fen": 10_000})
        ids["station_id"] = made(f"{w}/stations", {"community_id": COMMUNITY, "name": "家园", "capacity": 5,
                                                       "opened_on": "2020-01-01"})
        ids["seeker_id"] = made(f"{w}/seekers", {"person_id": ids["person_id"], "group": "disabled",
                                                  "registered_on": "2024-01-02"})
        ids["vacancy_id"] = made(f"{w}/vacancies", {
            "community_id": COMMUNITY, "enterprise_id": "c0ffee00-0000-4000-8000-000000000001", "title": "来料加工",
            "positions": 3, "monthly_wage_fen": 180_000, "posted_on": "2024-01-03"})
        ids["referral_id"] = made(f"{w}/referrals", {"seeker_id": ids["seeker_id"], "vacancy_id": ids["vacancy_id"],
                                                     "on": "2024-01-04"})
        ids["course_id"] = made(f"{w}/courses", {"community_id": COMMUNITY, "title": "家政服务培训",
                                                 "skill": "housekeeping", "sessions": 2, "min_attendance": 2,
                                                 "starts_on": "2024-02-01"})
        ids["number"] = "1"  # an objection's number: the household is checked (and its community) first
        ids["cycle_id"] = made(f"{w}/cycles", {"programme_id": ids["programme_id"], "month": "2024-03"})
    elif name == "volunteering":
        ids["volunteer_id"] = made("/volunteers", {"community_id": COMMUNITY, "name": "乙", "phone": "13600003333"})
        ids["team_id"] = made("/teams", {"community_id": COMMUNITY, "name": "队", "purpose": "environment_patrol"})
        now = datetime.now(UTC).replace(microsecond=0)
        ids["activity_id"] = made("/activities", {
            "community_id": COMMUNITY, "title": "Clean-up", "place": "Park", "starts_at": now.isoformat(),
            "ends_at": (now + timedelta(hours=2)).isoformat(), "slots": 2, "points_per_hour": 10})
        ids["request_id"] = made("/help-requests", {
            "community_id": COMMUNITY, "need": "shopping", "urgency": "high",
            "deadline": (now + timedelta(days=1)).isoformat()})
    elif name == "economy":
        c = f"/communities/{COMMUNITY}"
        ids["month"] = "2024-05"
        ids["asset_id"] = made(f"{c}/assets", {"asset_type": "factory_building", "name": "Plant 3", "area_m2": 2000,
                                               "book_value": 100_000, "registered_on": "2010-01-01"})
        ids["enterprise_id"] = ids["tenant_enterprise_id"] = made(f"{c}/enterprises", {
            "name": "Motors", "sector": "manufacturing", "registered_on": "2010-01-01"})
        ids["lease_id"] = made(f"/assets/{ids['asset_id']}/leases", {
            "tenant_enterprise_id": ids["enterprise_id"], "monthly_rent": 10_000, "starts_on": "2010-01-01",
            "ends_on": "2010-12-31"})
        ids["company_id"] = made(f"{c}/companies", {"name": "Cleaning", "kind": "cleaning",
                                                    "founded_on": "2012-01-01"})
        ids["entry_id"] = made(f"{c}/fund/income", {"source": "other", "amount": 5_000, "received_on": "2010-02-01"},
                               key="entry_id")
        vacant = made(f"{c}/assets", {"asset_type": "land", "name": "Plot 9", "area_m2": 5000, "book_value": 0,
                                      "registered_on": "2010-01-01"})
        ids["tender_id"] = made("/tenders", {"asset_id": vacant, "lease_starts_on": "2031-01-01",
                                             "lease_ends_on": "2031-12-31", "minimum_rent": 10_000,
                                             "opened_on": "2024-01-01", "closes_on": "2024-02-01"})
        ids["account_id"] = made(f"{c}/property-fee-accounts", {"dwelling": "1-1-101", "area_m2": 80,
                                                                "opened_on": "2024-01-01"})
        survey = client.post(f"{c}/income-surveys", json={"year": 2024, "per_capita_net_income": 2_380_000},
                             headers=headers)
        assert survey.status_code in (200, 201), survey.text
    return ids
