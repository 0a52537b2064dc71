"""GET /economy/assets, /leases, /debts, /enterprises, /companies: filters, judged-today status and arrears aging
(checked against the domain's own lease statement), sort, keyset cursors, scoping, 422 naming the parameter."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from services.economy.arrears import AGING_BUCKETS
from services.economy.config import SERVICE as ECONOMY
from tests.http_helpers import created, ids, listed, ok

YUAN = 100
TODAY = date.today()


@pytest.fixture
def economy(service_client):
    return service_client(ECONOMY)


@pytest.fixture
def staff(auth):
    return auth("community_staff", communities=["huasheng", "jinpen"])


def month(months_back: int) -> str:
    first = TODAY.replace(day=1)
    for _ in range(months_back):
        first = (first - timedelta(days=1)).replace(day=1)
    return first.strftime("%Y-%m")


class Register:
    def __init__(self, client, headers, community_id: str = "huasheng") -> None:
        self.client, self.headers, self.community_id = client, headers, community_id

    def asset(self, name: str, asset_type: str = "factory_building") -> str:
        return created(self.client.post(f"/communities/{self.community_id}/assets", headers=self.headers, json={
            "asset_type": asset_type, "name": name, "area_m2": 100, "book_value": 0, "registered_on": "2020-01-01"}))

    def enterprise(self, name: str, sector: str = "manufacturing") -> str:
        return created(self.client.post(f"/communities/{self.community_id}/enterprises", headers=self.headers,
                                        json={"name": name, "sector": sector, "registered_on": "2020-01-01"}))

    def lease(self, asset: str, tenant: str, starts_on: date, ends_on: date, rent_yuan: int = 1000) -> str:
        return created(self.client.post(f"/assets/{asset}/leases", headers=self.headers, json={
            "tenant_enterprise_id": tenant, "monthly_rent": rent_yuan * YUAN, "starts_on": str(starts_on),
            "ends_on": str(ends_on), "deposit": 0}))

    def bill(self, asset: str, lease: str, *months: str) -> None:
        for m in months:
            ok(self.client.post(f"/assets/{asset}/leases/{lease}/rent-bills", headers=self.headers, json={"month": m}))

    def pay(self, asset: str, lease: str, amount: int) -> None:
        ok(self.client.post(f"/assets/{asset}/leases/{lease}/payments", headers=self.headers,
                            json={"amount": amount, "paid_on": str(TODAY)}))


@pytest.fixture
def register(economy, staff) -> Register:
    return Register(economy, staff)


def test_assets_carry_their_current_lease_tenant_rent_and_arrears(economy, staff, register):
    plant = register.asset("Plant 3")
    shop = register.asset("Shop 1", asset_type="shop")
    motors = register.enterprise("Jintan Motors")
    lease = register.lease(plant, motors, TODAY - timedelta(days=400), TODAY + timedelta(days=300), rent_yuan=10_000)
    register.bill(plant, lease, month(2), month(1))
    register.pay(plant, lease, 4_000 * YUAN)

    page = listed(economy, "/assets", staff)
    assert ids(page) == [plant, shop]  # by name
    first, second = page["items"]
    assert first["current_lease_id"] == lease and first["tenant_name"] == "Jintan Motors"
    assert first["monthly_rent"] == 10_000 * YUAN and first["outstanding"] == 16_000 * YUAN
    assert first["status"] == "leased" and first["community_id"] == "huasheng"
    assert second["current_lease_id"] is None and second["tenant_name"] is None and second["status"] == "vacant"
    assert ids(listed(economy, "/assets", staff, in_arrears="true")) == [plant]
    assert ids(listed(economy, "/assets", staff, in_arrears="false")) == [shop]
    assert ids(listed(economy, "/assets", staff, kind="shop")) == [shop]

    ok(economy.post(f"/assets/{plant}/leases/{lease}/termination", headers=staff,
                    json={"reason": "default", "terminated_on": str(TODAY)}))
    [after] = listed(economy, "/assets", staff, kind="factory_building")["items"]
    assert after["current_lease_id"] is None and after["status"] == "vacant"
    assert after["outstanding"] == 16_000 * YUAN, "arrears of a terminated lease stay the asset's"


def test_lease_status_and_expiry_are_judged_today(economy, staff, register):
    tenant = register.enterprise("Tenant")
    assets = [register.asset(f"A{i}") for i in range(4)]
    expired = register.lease(assets[0], tenant, TODAY - timedelta(days=400), TODAY - timedelta(days=35))
    soon = register.lease(assets[1], tenant, TODAY - timedelta(days=100), TODAY + timedelta(days=20))
    later = register.lease(assets[2], tenant, TODAY - timedelta(days=100), TODAY + timedelta(days=200))
    upcoming = register.lease(assets[3], tenant, TODAY + timedelta(days=10), TODAY + timedelta(days=400))

    page = listed(economy, "/leases", staff)
    assert ids(page) == [expired, soon, later, upcoming]  # soonest ending first
    assert [i["status"] for i in page["items"]] == ["expired", "active", "active", "upcoming"]
    assert page["items"][1]["tenant_name"] == "Tenant" and page["items"][1]["asset_id"] == assets[1]
    assert ids(listed(economy, "/leases", staff, status="active")) == [soon, later]
    assert ids(listed(economy, "/leases", staff, status="expired")) == [expired]
    assert ids(listed(economy, "/leases", staff, expiring_within_days=20)) == [soon]
    assert ids(listed(economy, "/leases", staff, expiring_within_days=19)) == []
    assert ids(listed(economy, "/leases", staff, expiring_within_days=200)) == [soon, later]

    ok(economy.post(f"/assets/{assets[1]}/leases/{soon}/termination", headers=staff,
                    json={"reason": "early", "terminated_on": str(TODAY)}))
    assert ids(listed(economy, "/leases", staff, status="terminated")) == [soon]
    assert ids(listed(economy, "/leases", staff, expiring_within_days=200)) == [later]


def test_arrears_aging_buckets_match_the_lease_statement(economy, staff, register):
    """Each bucket lists the leases whose own statement (the domain's rule, as of today) has rent in it."""
    tenant = register.enterprise("Tenant")
    start = TODAY.replace(day=1) - timedelta(days=200)
    plans = {  # months billed (back from this month), fen paid
        "paid up": ((5, 4), 2_000 * YUAN), "old debt": ((5, 4, 3), 500 * YUAN), "recent only": ((1, 0), 0),
        "oldest settled": ((4, 2, 1), 1_000 * YUAN), "nothing billed": ((), 0),
    }
    leases = {}
    for name, (months_back, paid) in plans.items():
        asset = register.asset(name)
        lease = register.lease(asset, tenant, start, TODAY + timedelta(days=365))
        register.bill(asset, lease, *(month(m) for m in months_back))
        if paid:
            register.pay(asset, lease, paid)
        leases[lease] = asset

    statements = {lease: ok(economy.get(f"/assets/{asset}/leases/{lease}/statement", headers=staff))["statement"]
                  for lease, asset in leases.items()}
    for bucket in AGING_BUCKETS:
        expected = {lease for lease, s in statements.items() if s["aging"][bucket] > 0}
        assert set(ids(listed(economy, "/leases", staff, aging_bucket=bucket))) == expected, bucket
    in_arrears = {lease for lease, s in statements.items() if s["outstanding"] > 0}
    assert set(ids(listed(economy, "/leases", staff, in_arrears="true"))) == in_arrears
    assert len(in_arrears) == 3 and set(ids(listed(economy, "/leases", staff, aging_bucket="90+")))

    page = listed(economy, "/leases", staff, sort="-outstanding")
    assert [i["outstanding"] for i in page["items"]] == sorted((s["outstanding"] for s in statements.values()),
                                                               reverse=True)
    by_id = {i["id"]: i for i in page["items"]}
    for lease, s in statements.items():
        assert by_id[lease]["outstanding"] == s["outstanding"] and by_id[lease]["billed"] == s["billed"]


def test_debts_outstanding_and_repaid(economy, staff):
    for creditor, amount in (("bank", 100 * YUAN), ("supplier", 50 * YUAN)):
        ok(economy.post("/communities/huasheng/fund/debts", headers=staff,
                        json={"creditor": creditor, "amount": amount, "incurred_on": "2024-01-01"}))
    ok(economy.post("/communities/huasheng/fund/debt-repayments", headers=staff,
                    json={"creditor": "supplier", "amount": 50 * YUAN, "repaid_on": "2024-02-01"}))
    page = listed(economy, "/debts", staff)
    assert [(d["creditor"], d["incurred"], d["repaid"], d["outstanding"]) for d in page["items"]] == [
        ("bank", 100 * YUAN, 0, 100 * YUAN), ("supplier", 50 * YUAN, 50 * YUAN, 0)]
    assert {d["community_id"] for d in page["items"]} == {"huasheng"}
    assert [d["creditor"] for d in listed(economy, "/debts", staff, outstanding="true")["items"]] == ["bank"]
    assert [d["creditor"] for d in listed(economy, "/debts", staff, outstanding="false")["items"]] == ["supplier"]


def test_enterprises_and_companies_by_sector_and_kind(economy, staff, register):
    motors = register.enterprise("Motors")
    shop = register.enterprise("A shop", sector="wholesale_retail")
    ok(economy.post(f"/enterprises/{motors}/jobs-reports", headers=staff,
                    json={"total": 40, "local": 30, "reported_on": "2024-01-01"}))
    page = listed(economy, "/enterprises", staff)
    assert ids(page) == [shop, motors]
    assert (page["items"][1]["jobs_total"], page["items"][1]["jobs_local"]) == (40, 30)
    assert ids(listed(economy, "/enterprises", staff, sector="manufacturing")) == [motors]

    cleaning = created(economy.post("/communities/huasheng/companies", headers=staff, json={
        "name": "Cleaning", "kind": "cleaning", "founded_on": "2012-01-01"}))
    farm = created(economy.post("/communities/jinpen/companies", headers=staff, json={
        "name": "Farm", "kind": "farm_cooperative", "founded_on": "2012-01-01"}))
    assert ids(listed(economy, "/companies", staff)) == [cleaning, farm]
    assert ids(listed(economy, "/companies", staff, kind="cleaning")) == [cleaning]
    assert ids(listed(economy, "/companies", staff, community_id="jinpen")) == [farm]


def test_the_cursor_neither_repeats_nor_skips_while_assets_are_added(economy, staff, register):
    names = [f"asset-{i:02}" for i in range(0, 20, 2)]
    existing = [register.asset(n) for n in names]
    seen, page = [], listed(economy, "/assets", staff, limit=3)
    seen += ids(page)
    added = 1
    while page["next_cursor"]:
        register.asset(f"asset-{added:02}")  # sorts among the ones not yet listed, and before the cursor
        added += 2
        page = listed(economy, "/assets", staff, limit=3, cursor=page["next_cursor"])
        seen += ids(page)
    assert len(seen) == len(set(seen)), "an asset was listed twice"
    assert set(existing) <= set(seen), "an asset was skipped"


def test_another_community_is_403_and_a_token_sees_only_its_own(economy, auth, staff, register):
    register.asset("Huasheng plant")
    Register(economy, staff, "jinpen").asset("Jinpen plant")
    jinpen = auth("community_staff", communities=["jinpen"])
    assert [a["name"] for a in listed(economy, "/assets", jinpen)["items"]] == ["Jinpen plant"]
    for path in ("/assets", "/leases", "/debts", "/enterprises", "/companies"):
        assert economy.get(path, params={"community_id": "huasheng"}, headers=jinpen).status_code == 403, path
        assert economy.get(path).status_code == 401, path


@pytest.mark.parametrize(("path", "parameter", "value"), [
    ("/assets", "kind", "castle"), ("/assets", "in_arrears", "maybe"), ("/assets", "limit", "0"),
    ("/leases", "status", "lost"), ("/leases", "aging_bucket", "45"), ("/leases", "expiring_within_days", "-1"),
    ("/leases", "expiring_within_days", "soon"), ("/leases", "sort", "tenant"), ("/leases", "limit", "1000"),
    ("/debts", "outstanding", "perhaps"), ("/enterprises", "sector", "mining"), ("/companies", "kind", "bank"),
])
def test_bad_parameters_are_422_naming_the_parameter(economy, staff, path, parameter, value):
    response = economy.get(path, params={parameter: value}, headers=staff)
    assert response.status_code == 422, response.text
    assert [e["loc"] for e in response.json()["detail"]] == [["query", parameter]]


def test_a_cursor_of_another_sort_is_422_naming_cursor(economy, staff, register):
    tenant = register.enterprise("T")
    for i in range(3):
        register.lease(register.asset(f"A{i}"), tenant, TODAY, TODAY + timedelta(days=10 + i))
    cursor = listed(economy, "/leases", staff, limit=1)["next_cursor"]
    response = economy.get("/leases", params={"cursor": cursor, "sort": "-outstanding"}, headers=staff)
    assert response.status_code == 422 and response.json()["field"] == "cursor"
