"""Every list route of every service (a GET without `{` in its path that returns items) is scoped: another
community's staff token sees none of the first community's rows. The routes are read from the apps, so a
new list route without a way to fill it here fails `test_every_list_route_is_covered`."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from bootstrap.registry import domain_services
from tests.http_helpers import created

COMMUNITY = {"district": "Leiyang", "households": 100, "residents": 300, "floating_population": 10}


def _grid_community(client, headers) -> None:
    assert client.post("/communities", json={"id": "jinpen", "name": "Jinpen", **COMMUNITY},
                       headers=headers).status_code == 201


def _grid_case(client, headers) -> None:
    _grid_community(client, headers)
    response = client.post("/cases", json={"community_id": "jinpen", "category": "noise", "description": "d"},
                           headers=headers)
    assert response.status_code == 201, response.text


def _grid_mediation(client, headers) -> None:
    _grid_community(client, headers)
    body = {"community_id": "jinpen", "dispute_type": "neighbour", "parties": 2}
    assert client.post("/mediations", json=body, headers=headers).status_code == 201


def _grid_rental(client, headers) -> None:
    _grid_community(client, headers)
    body = {"community_id": "jinpen", "address": "1 Lane", "landlord": {"name": "L"}}
    created(client.post("/rentals", json=body, headers=headers))


def _grid_follow_up(client, headers) -> None:
    _grid_community(client, headers)
    body = {"community_id": "jinpen", "group": "released_prisoner", "person": {"name": "W"}}
    created(client.post("/follow-ups", json=body, headers=headers))


def _economy_asset(client, headers) -> str:
    return created(client.post("/communities/jinpen/assets", headers=headers, json={
        "asset_type": "shop", "name": "Shop", "area_m2": 10, "book_value": 0, "registered_on": "2024-01-01"}))


def _economy_enterprise(client, headers) -> str:
    return created(client.post("/communities/jinpen/enterprises", headers=headers, json={
        "name": "Tenant", "sector": "services", "registered_on": "2024-01-01"}))


def _economy_lease(client, headers) -> None:
    body = {"tenant_enterprise_id": _economy_enterprise(client, headers), "monthly_rent": 100,
            "starts_on": "2024-01-01", "ends_on": "2030-12-31", "deposit": 0}
    created(client.post(f"/assets/{_economy_asset(client, headers)}/leases", headers=headers, json=body))


def _economy_debt(client, headers) -> None:
    body = {"creditor": "bank", "amount": 100, "incurred_on": "2024-01-01"}
    assert client.post("/communities/jinpen/fund/debts", headers=headers, json=body).status_code == 200


def _economy_company(client, headers) -> None:
    created(client.post("/communities/jinpen/companies", headers=headers, json={
        "name": "Cleaning", "kind": "cleaning", "founded_on": "2024-01-01"}))


def _volunteering_volunteer(client, headers) -> None:
    created(client.post("/volunteers", headers=headers, json={
        "community_id": "jinpen", "name": "Li", "phone": "13900000000", "skills": ["law"]}))


def _volunteering_team(client, headers) -> None:
    created(client.post("/teams", headers=headers,
                        json={"community_id": "jinpen", "name": "Care", "purpose": "elderly_care"}))


def _volunteering_activity(client, headers) -> None:
    created(client.post("/activities", headers=headers, json={
        "community_id": "jinpen", "title": "Clean-up", "place": "Park", "starts_at": "2030-01-01T09:00:00Z",
        "ends_at": "2030-01-01T11:00:00Z", "slots": 3, "points_per_hour": 10}))


def _volunteering_help_request(client, headers) -> None:
    created(client.post("/help-requests", headers=headers, json={
        "community_id": "jinpen", "need": "groceries", "deadline": "2099-01-01T00:00:00Z"}))


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
}
"""(service, list path) -> writes at least one row of community "jinpen" through the API."""


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
    admin = auth("admin")
    lists = set()
    for name, path, client in list_routes(service_client):
        response = client.get(path, headers=admin)
        is_json = response.headers.get("content-type", "").startswith("application/json")
        if response.status_code == 200 and is_json and isinstance(response.json(), dict) and "items" in response.json():
            lists.add((name, path))
    assert lists == set(FILL), "a list route without a way to fill it in FILL (or FILL names a route that is gone)"


@pytest.mark.parametrize(("service", "path"), sorted(FILL))
def test_another_communitys_staff_see_none_of_its_rows(service_client, auth, service, path):
    definition = next(d for d in domain_services() if d.name == service)
    client = service_client(definition)
    FILL[(service, path)](client, auth("admin", "community_staff"))  # some writes are for staff only
    client.query_tables.catch_up()
    own = client.get(path, headers=auth("community_staff", communities=["jinpen"])).json()["items"]
    assert own and {row["community_id"] for row in own} == {"jinpen"}
    other = client.get(path, headers=auth("community_staff", communities=["huasheng"]))
    assert other.status_code == 200 and other.json()["items"] == []
    assert client.get(path, params={"community_id": "jinpen"},
                      headers=auth("community_staff", communities=["huasheng"])).status_code == 403
