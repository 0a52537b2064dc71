"""Every list route of every service (a GET without `{` in its path that returns items) is scoped: with rows in
two communities, each community's token sees its own rows and none of the other's, and asking for the other
community is 403. The routes are read from the apps, so a new list route without a way to fill it here fails
`test_every_list_route_is_covered`."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from bootstrap.registry import domain_services
from tests.http_helpers import created

COMMUNITY = {"district": "Leiyang", "households": 100, "residents": 300, "floating_population": 10}
COMMUNITIES = ("jinpen", "huasheng")


def _grid_community(client, headers, community: str) -> None:
    if client.get(f"/communities/{community}", headers=headers).status_code == 404:
        assert client.post("/communities", json={"id": community, "name": community.title(), **COMMUNITY},
                           headers=headers).status_code == 201


def _grid_case(client, headers, community: str) -> None:
    _grid_community(client, headers, community)
    created(client.post("/cases", json={"community_id": community, "category": "noise", "description": "d"},
                        headers=headers))


def _grid_mediation(client, headers, community: str) -> None:
    _grid_community(client, headers, community)
    body = {"community_id": community, "dispute_type": "neighbour", "parties": 2}
    created(client.post("/mediations", json=body, headers=headers))


def _grid_rental(client, headers, community: str) -> None:
    _grid_community(client, headers, community)
    body = {"community_id": community, "address": "1 Lane", "landlord": {"name": "L"}}
    created(client.post("/rentals", json=body, headers=headers))


def _grid_follow_up(client, headers, community: str) -> None:
    _grid_community(client, headers, community)
    body = {"community_id": community, "group": "released_prisoner", "person": {"name": "W"}}
    created(client.post("/follow-ups", json=body, headers=headers))


def _economy_asset(client, headers, community: str) -> str:
    return created(client.post(f"/communities/{community}/assets", headers=headers, json={
        "asset_type": "shop", "name": "Shop", "area_m2": 10, "book_value": 0, "registered_on": "2024-01-01"}))


def _economy_enterprise(client, headers, community: str) -> str:
    return created(client.post(f"/communities/{community}/enterprises", headers=headers, json={
        "name": "Tenant", "sector": "services", "registered_on": "2024-01-01"}))


def _economy_lease(client, headers, community: str) -> None:
    body = {"tenant_enterprise_id": _economy_enterprise(client, headers, community), "monthly_rent": 100,
            "starts_on": "2024-01-01", "ends_on": "2030-12-31", "deposit": 0}
    created(client.post(f"/assets/{_economy_asset(client, headers, community)}/leases", headers=headers, json=body))


def _economy_debt(client, headers, community: str) -> None:
    body = {"creditor": "bank", "amount": 100, "incurred_on": "2024-01-01"}
    assert client.post(f"/communities/{community}/fund/debts", headers=headers, json=body).status_code == 200


def _economy_company(client, headers, community: str) -> None:
    created(client.post(f"/communities/{community}/companies", headers=headers, json={
        "name": "Cleaning", "kind": "cleaning", "founded_on": "2024-01-01"}))


def _volunteering_volunteer(client, headers, community: str) -> None:
    created(client.post("/volunteers", headers=headers, json={
        "community_id": community, "name": "Li", "phone": "13900000000", "skills": ["law"]}))


def _volunteering_team(client, headers, community: str) -> None:
    created(client.post("/teams", headers=headers,
                        json={"community_id": community, "name": "Care", "purpose": "elderly_care"}))


def _volunteering_activity(client, headers, community: str) -> None:
    created(client.post("/activities", headers=headers, json={
        "community_id": community, "title": "Clean-up", "place": "Park", "starts_at": "2030-01-01T09:00:00Z",
        "ends_at": "2030-01-01T11:00:00Z", "slots": 3, "points_per_hour": 10}))


def _volunteering_help_request(client, headers, community: str) -> None:
    created(client.post("/help-requests", headers=headers, json={
        "community_id": community, "need": "groceries", "deadline": "2099-01-01T00:00:00Z"}))


def _welfare_person(client, headers, community: str) -> str:
    national_id = f"50010719700101{COMMUNITIES.index(community):03}1"
    return created(client.post("/persons", headers=headers, json={
        "community_id": community, "name": "N", "national_id": national_id, "phone": "13800000000",
        "address": "A", "birth_date": "1950-01-01", "categories": [{"category": "aged_80_plus"}]}))


def _welfare_household(client, headers, community: str) -> None:
    members = [_welfare_person(client, headers, community)]
    created(client.post("/households", headers=headers,
                        json={"community_id": community, "members": members, "income_per_person_fen": 100}))


def _welfare_cycle(client, headers, community: str) -> None:
    programme = created(client.post("/programmes", headers=headers, json={
        "community_id": community, "name": "P", "kind": "cash", "amount_fen": 100}))
    created(client.post("/cycles", headers=headers, json={"programme_id": programme, "month": "2024-06"}))


def _welfare_relief(client, headers, community: str) -> None:
    created(client.post("/relief", headers=headers, json={
        "community_id": community, "occasion": "festival_visit", "kind": "in_kind",
        "person_id": _welfare_person(client, headers, community), "value_fen": 100, "on": "2024-02-01"}))


FILL: dict[tuple[str, str], Callable] = {
    ("grid", "/cases"): _grid_case,
    ("grid", "/mediations"): _grid_mediation,
    ("grid", "/rentals"): _grid_rental,
    ("grid", "/follow-ups"): _grid_follow_up,
    ("economy", "/assets"): _economy_asset,
    ("economy", "/leases"): _economy_lease,
    ("economy", "/debts"): _economy_debt,
    ("economy", "/enterprises"): _economy_enterprise,
    ("economy", "/companies"): _economy_company,
    ("volunteering", "/volunteers"): _volunteering_volunteer,
    ("volunteering", "/teams"): _volunteering_team,
    ("volunteering", "/activities"): _volunteering_activity,
    ("volunteering", "/help-requests"): _volunteering_help_request,
    ("welfare", "/persons"): _welfare_person,
    ("welfare", "/households"): _welfare_household,
    ("welfare", "/cycles"): _welfare_cycle,
    ("welfare", "/relief"): _welfare_relief,
}
"""(service, list path) -> writes at least one row of the given community through the API."""

EVERY_ROLE = ("admin", "community_staff", "welfare_officer")
"""What fills the lists and finds them: some writes and reads are for one role only."""

READER = {"welfare": "welfare_officer"}
"""Who reads a service's lists in a community (community staff unless named here)."""


def list_routes(service_client) -> list[tuple]:
    """(service, path, client) of every GET route without a path parameter."""
    found = []
    for definition in domain_services():
        client = service_client(definition)
        for path, operations in client.app.openapi()["paths"].items():  # the app's routes, included routers too
            if "get" in operations and "{" not in path:
                found.append((definition.name, path, client))
    return found


def test_every_list_route_is_covered(service_client, auth):
    everyone = auth(*EVERY_ROLE)
    lists = set()
    for name, path, client in list_routes(service_client):
        response = client.get(path, headers=everyone)
        is_json = response.headers.get("content-type", "").startswith("application/json")
        if response.status_code == 200 and is_json and isinstance(response.json(), dict) and "items" in response.json():
            lists.add((name, path))
    assert lists == set(FILL), "a list route without a way to fill it in FILL (or FILL names a route that is gone)"


@pytest.mark.parametrize(("service", "path"), sorted(FILL))
def test_each_communitys_staff_see_only_its_rows(service_client, auth, service, path):
    definition = next(d for d in domain_services() if d.name == service)
    client = service_client(definition)
    for community in COMMUNITIES:
        FILL[(service, path)](client, auth(*EVERY_ROLE), community)
    client.query_tables.catch_up()
    reader = READER.get(service, "community_staff")
    for community in COMMUNITIES:
        own = client.get(path, headers=auth(reader, communities=[community]))
        assert own.status_code == 200, own.text
        assert own.json()["items"] and {row["community_id"] for row in own.json()["items"]} == {community}
        other = next(c for c in COMMUNITIES if c != community)
        asked = client.get(path, params={"community_id": other}, headers=auth(reader, communities=[community]))
        assert asked.status_code == 403, asked.text
    both = client.get(path, headers=auth(reader, communities=list(COMMUNITIES))).json()["items"]
    assert {row["community_id"] for row in both} == set(COMMUNITIES)
    assert client.get(path, headers=auth(reader, communities=[])).json()["items"] == []
