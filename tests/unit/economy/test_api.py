"""Economy over HTTP: auth on every write, validation, refusals writing nothing, and the Huasheng story."""

from __future__ import annotations

import pytest

YUAN = 100  # fen


@pytest.fixture
def staff(auth):
    return auth("community_staff", communities=["huasheng"])


def stored_events(client) -> int:
    """Events this test stored (the learned directory excluded)."""
    return (client.application.recorder.max_notification_id() or 0) - client.baseline


def created(response) -> str:
    assert response.status_code == 201, response.text
    return response.json()["id"]


def ok(response) -> dict:
    assert response.status_code in (200, 201), response.text
    return response.json()


@pytest.fixture
def world(economy, staff):
    """One factory leased to one enterprise with March billed; a company; a fund with debt, income, distributions."""
    asset = created(economy.post("/communities/huasheng/assets", headers=staff, json={
        "asset_type": "factory_building", "name": "Plant 3", "area_m2": 2000, "book_value": 1_000_000 * YUAN,
        "registered_on": "2010-01-01"}))
    enterprise = created(economy.post("/communities/huasheng/enterprises", headers=staff, json={
        "name": "Jintan Motors", "sector": "manufacturing", "registered_on": "2010-01-01"}))
    lease = created(economy.post(f"/assets/{asset}/leases", headers=staff, json={
        "tenant_enterprise_id": enterprise, "monthly_rent": 10_000 * YUAN, "starts_on": "2010-01-01",
        "ends_on": "2010-12-31", "deposit": 20_000 * YUAN}))
    ok(economy.post(f"/assets/{asset}/leases/{lease}/rent-bills", headers=staff, json={"month": "2010-03"}))
    company = created(economy.post("/communities/huasheng/companies", headers=staff, json={
        "name": "Huasheng Cleaning", "kind": "cleaning", "founded_on": "2012-01-01"}))
    entry = ok(economy.post("/communities/huasheng/fund/income", headers=staff, json={
        "source": "other", "amount": 5_000 * YUAN, "received_on": "2010-02-01"}))["entry_id"]
    ok(economy.post("/communities/huasheng/fund/debts", headers=staff, json={
        "creditor": "bank", "amount": 100 * YUAN, "incurred_on": "2010-01-01"}))
    ok(economy.post("/communities/huasheng/fund/distributions", headers=staff, json={
        "villager_group": "group-1", "amount": 100 * YUAN, "declared_on": "2010-01-01"}))
    ok(economy.post("/communities/huasheng/income-surveys", headers=staff, json={
        "year": 2018, "per_capita_net_income": 23_800 * YUAN}))
    return {"asset": asset, "enterprise": enterprise, "lease": lease, "company": company, "entry": entry}


WRITES = [
    ("/communities/huasheng/assets", {"asset_type": "land", "name": "Plot 9", "area_m2": 5000, "book_value": 0,
                                      "registered_on": "2010-01-01"}),
    ("/assets/{asset}/leases", {"tenant_enterprise_id": "{enterprise}", "monthly_rent": 100, "starts_on": "2011-01-01",
                                "ends_on": "2011-12-31"}),
    ("/assets/{asset}/leases/{lease}/rent-bills", {"month": "2010-04"}),
    ("/assets/{asset}/leases/{lease}/payments", {"amount": 100, "paid_on": "2010-03-20"}),
    ("/assets/{asset}/leases/{lease}/write-offs", {"amount": 100, "written_off_on": "2010-06-01",
                                                   "reason": "approved by villagers' assembly"}),
    ("/assets/{asset}/leases/{lease}/termination", {"reason": "early", "terminated_on": "2010-06-30"}),
    ("/communities/huasheng/billing-runs", {"month": "2010-04"}),
    ("/communities/huasheng/enterprises", {"name": "Changzhou Valves", "sector": "manufacturing",
                                           "attracted_by": "staff-17", "registered_on": "2011-01-01"}),
    ("/enterprises/{enterprise}/jobs-reports", {"total": 120, "local": 90, "reported_on": "2011-01-01"}),
    ("/enterprises/{enterprise}/tax-rebates", {"amount": 300, "year": 2011, "received_on": "2011-12-01"}),
    ("/communities/huasheng/fund/income", {"source": "other", "amount": 100, "received_on": "2010-01-01"}),
    ("/communities/huasheng/fund/expenses", {"category": "maintenance", "amount": 100, "spent_on": "2010-01-01",
                                             "description": "roof repair"}),
    ("/communities/huasheng/fund/entries/{entry}/reversal", {"reason": "entered twice", "reversed_on": "2010-02-02"}),
    ("/communities/huasheng/fund/debts", {"creditor": "bank", "amount": 100, "incurred_on": "2010-01-01"}),
    ("/communities/huasheng/fund/debt-repayments", {"creditor": "bank", "amount": 100, "repaid_on": "2010-01-01"}),
    ("/communities/huasheng/fund/distributions", {"villager_group": "group-2", "amount": 100,
                                                  "declared_on": "2010-01-01"}),
    ("/communities/huasheng/fund/distribution-payments", {"villager_group": "group-1", "amount": 100,
                                                          "paid_on": "2010-01-01"}),
    ("/communities/huasheng/companies", {"name": "Farm machinery co-op", "kind": "farm_cooperative",
                                         "founded_on": "2014-01-01"}),
    ("/companies/{company}/revenue-reports", {"year": 2018, "amount": 100}),
    ("/companies/{company}/jobs-reports", {"total": 30, "local": 30, "reported_on": "2018-12-31"}),
    ("/communities/huasheng/income-surveys", {"year": 2019, "per_capita_net_income": 100}),
    ("/communities/huasheng/income-surveys/2018/corrections", {"per_capita_net_income": 23_900 * YUAN,
                                                               "reason": "final statistics"}),
    ("/assets/{asset}/land-reserve-transfer", {"compensation": 100, "transferred_on": "2011-01-01"}),
]


def fill(template, world):
    if isinstance(template, str):
        return template.format(**world)
    return {k: fill(v, world) if isinstance(v, str) else v for k, v in template.items()}


@pytest.mark.parametrize(("path", "body"), WRITES, ids=[p for p, _ in WRITES])
def test_every_write_needs_a_token_the_community_and_the_role(economy, auth, staff, world, path, body):
    path, body = fill(path, world), fill(body, world)
    if "land-reserve-transfer" in path:  # the running lease must end first
        ok(economy.post(f"/assets/{world['asset']}/leases/{world['lease']}/termination", headers=staff,
                        json={"reason": "early", "terminated_on": "2010-12-30"}))
    before = stored_events(economy)
    missing = economy.post(path, json=body)
    assert missing.status_code == 401 and missing.headers["www-authenticate"].startswith("Bearer")
    foreign = economy.post(path, json=body, headers=auth("community_staff", communities=["jinpen"]))
    assert foreign.status_code == 403 and "huasheng" in foreign.json()["detail"]
    operator = economy.post(path, json=body, headers=auth("district_operator"))
    assert operator.status_code == 403
    assert stored_events(economy) == before
    ok(economy.post(path, json=body, headers=staff))
    assert stored_events(economy) > before


def test_admin_may_register_reference_data_but_not_money(economy, auth):
    admin = auth("admin")
    created(economy.post("/communities/jinpen/assets", headers=admin, json={
        "asset_type": "market", "name": "Wholesale market 1", "area_m2": 30_000, "book_value": 0,
        "registered_on": "2012-01-01"}))
    created(economy.post("/communities/jinpen/enterprises", headers=admin, json={
        "name": "Stall 17", "sector": "wholesale_retail", "registered_on": "2012-01-01"}))
    created(economy.post("/communities/jinpen/companies", headers=admin, json={
        "name": "Jinpen market co", "kind": "market", "founded_on": "2012-01-01"}))
    refused = economy.post("/communities/jinpen/fund/income", headers=admin, json={
        "source": "other", "amount": 1, "received_on": "2012-01-01"})
    assert refused.status_code == 403


def test_reads_are_for_staff_of_the_community(economy, auth, staff, world):
    for path in (f"/assets/{world['asset']}", f"/assets/{world['asset']}/statement",
                 f"/assets/{world['asset']}/leases/{world['lease']}/statement", "/communities/huasheng/arrears",
                 "/communities/huasheng/fund", f"/enterprises/{world['enterprise']}", f"/companies/{world['company']}",
                 "/communities/huasheng/income-surveys/2018"):
        assert economy.get(path).status_code == 401
        assert economy.get(path, headers=auth("community_staff", communities=["jinpen"])).status_code == 403
        assert economy.get(path, headers=staff).status_code == 200, path


@pytest.mark.parametrize(
    ("path", "body", "field"),
    [
        ("/assets/{asset}/leases/{lease}/payments", {"amount": 10.5, "paid_on": "2010-03-20"}, "amount"),
        ("/assets/{asset}/leases/{lease}/payments", {"amount": 100.0, "paid_on": "2010-03-20"}, "amount"),
        ("/assets/{asset}/leases/{lease}/payments", {"amount": "100", "paid_on": "2010-03-20"}, "amount"),
        ("/assets/{asset}/leases/{lease}/payments", {"amount": 0, "paid_on": "2010-03-20"}, "amount"),
        ("/assets/{asset}/leases/{lease}/payments", {"amount": 1, "paid_on": "20 March"}, "paid_on"),
        ("/assets/{asset}/leases/{lease}/payments", {"amount": 1, "paid_on": "2010-03-20", "memo": "x"}, "memo"),
        ("/communities/huasheng/billing-runs", {"month": "2010-3"}, "month"),
        ("/communities/huasheng/fund/income", {"source": "lottery", "amount": 1, "received_on": "2010-01-01"},
         "source"),
        ("/communities/huasheng/assets", {"asset_type": "land", "name": "x", "area_m2": 10.5, "book_value": 0,
                                          "registered_on": "2010-01-01"}, "area_m2"),
        ("/enterprises/{enterprise}/jobs-reports", {"total": 1, "local": 2, "reported_on": "2011-01-01"}, "local"),
        ("/assets/{asset}/leases", {"tenant_enterprise_id": "{enterprise}", "monthly_rent": 1,
                                    "starts_on": "2011-12-01", "ends_on": "2011-01-01"}, "ends_on"),
    ],
)
def test_malformed_commands_are_422_naming_the_field_and_write_nothing(economy, staff, world, path, body, field):
    before = stored_events(economy)
    response = economy.post(fill(path, world), json=fill(body, world), headers=staff)
    assert response.status_code == 422, response.text
    detail = response.json()
    named = detail.get("field") or {str(p) for err in detail["detail"] for p in err["loc"]}
    assert field in named
    assert stored_events(economy) == before


def test_conflicts_are_409_naming_the_state_and_write_nothing(economy, staff, world):
    asset, lease = world["asset"], world["lease"]
    before = stored_events(economy)
    overpay = economy.post(f"/assets/{asset}/leases/{lease}/payments", headers=staff,
                           json={"amount": 10_000 * YUAN + 1, "paid_on": "2010-03-20"})
    assert overpay.status_code == 409 and "outstanding" in overpay.json()["detail"]
    overlap = economy.post(f"/assets/{asset}/leases", headers=staff, json={
        "tenant_enterprise_id": world["enterprise"], "monthly_rent": 1, "starts_on": "2010-06-01",
        "ends_on": "2011-05-31"})
    assert overlap.status_code == 409 and "already leased" in overlap.json()["detail"]
    transfer = economy.post(f"/assets/{asset}/land-reserve-transfer", headers=staff,
                            json={"compensation": 1, "transferred_on": "2010-06-01"})
    assert transfer.status_code == 409 and "active lease" in transfer.json()["detail"]
    repay = economy.post("/communities/huasheng/fund/debt-repayments", headers=staff,
                         json={"creditor": "bank", "amount": 101 * YUAN, "repaid_on": "2011-01-01"})
    assert repay.status_code == 409 and "owes" in repay.json()["detail"]
    again = economy.post("/communities/huasheng/income-surveys", headers=staff,
                         json={"year": 2018, "per_capita_net_income": 1})
    assert again.status_code == 409 and "correction" in again.json()["detail"]
    assert stored_events(economy) == before


def test_unknown_ids_are_404(economy, staff, world):
    missing = "00000000-0000-0000-0000-000000000000"
    assert economy.get(f"/assets/{missing}", headers=staff).status_code == 404
    assert economy.get("/assets/not-a-uuid", headers=staff).status_code == 404
    assert economy.get(f"/assets/{world['asset']}/leases/{missing}/statement", headers=staff).status_code == 404
    assert economy.post(f"/enterprises/{missing}/jobs-reports", headers=staff,
                        json={"total": 1, "local": 1, "reported_on": "2011-01-01"}).status_code == 404
    assert economy.get("/communities/huasheng/income-surveys/2001", headers=staff).status_code == 404


def test_billing_run_is_idempotent(economy, staff, world):
    first = ok(economy.post("/communities/huasheng/billing-runs", headers=staff, json={"month": "2010-04"}))
    assert first["total_billed"] == 10_000 * YUAN and len(first["billed"]) == 1
    before = stored_events(economy)
    second = ok(economy.post("/communities/huasheng/billing-runs", headers=staff, json={"month": "2010-04"}))
    assert second["billed"] == [] and stored_events(economy) == before


def test_huasheng_story(economy, auth):
    """2010: 4 million yuan of debt from unpaid rents; by 2012 re-leased, land reserved, debt cleared."""
    staff = auth("community_staff", communities=["huasheng"])

    def post(path, body):
        return ok(economy.post(path, json=body, headers=staff))

    post("/communities/huasheng/fund/debts", {"creditor": "unpaid liabilities 2010", "amount": 4_000_000 * YUAN,
                                               "incurred_on": "2010-01-01"})
    for group in range(1, 5):
        post("/communities/huasheng/fund/distributions", {"villager_group": f"group-{group}",
                                                          "amount": 100_000 * YUAN, "declared_on": "2010-01-01"})
    plant = created(economy.post("/communities/huasheng/assets", headers=staff, json={
        "asset_type": "factory_building", "name": "Industrial park plant A", "area_m2": 6000,
        "book_value": 3_000_000 * YUAN, "registered_on": "2009-01-01"}))
    land = created(economy.post("/communities/huasheng/assets", headers=staff, json={
        "asset_type": "land", "name": "East plot", "area_m2": 20_000, "book_value": 500_000 * YUAN,
        "registered_on": "2009-01-01"}))
    weak = created(economy.post("/communities/huasheng/enterprises", headers=staff, json={
        "name": "Old Tenant Ltd", "sector": "manufacturing", "registered_on": "2008-01-01"}))
    strong = created(economy.post("/communities/huasheng/enterprises", headers=staff, json={
        "name": "Better Enterprise Co", "sector": "manufacturing", "attracted_by": "staff-3",
        "registered_on": "2010-08-01"}))
    old_lease = created(economy.post(f"/assets/{plant}/leases", headers=staff, json={
        "tenant_enterprise_id": weak, "monthly_rent": 50_000 * YUAN, "starts_on": "2010-01-01",
        "ends_on": "2014-12-31", "deposit": 100_000 * YUAN}))
    for month in ("2010-01", "2010-02", "2010-03", "2010-04", "2010-05", "2010-06"):
        post("/communities/huasheng/billing-runs", {"month": month})
    post(f"/assets/{plant}/leases/{old_lease}/payments", {"amount": 30_000 * YUAN, "paid_on": "2010-01-20"})

    arrears = ok(economy.get("/communities/huasheng/arrears", params={"as_of": "2010-06-30"}, headers=staff))
    assert arrears["outstanding"] == 270_000 * YUAN
    # Jan's 20k unpaid and Feb/Mar are 90+ days overdue; Apr 60+; May 30+; June current
    assert arrears["aging"] == {"current": 50_000 * YUAN, "30": 50_000 * YUAN, "60": 50_000 * YUAN,
                                "90+": 120_000 * YUAN}

    post(f"/assets/{plant}/leases/{old_lease}/termination", {"reason": "default", "terminated_on": "2010-06-30"})
    post(f"/assets/{plant}/leases/{old_lease}/write-offs", {"amount": 170_000 * YUAN, "written_off_on": "2010-08-01",
                                                            "reason": "villagers' assembly approval 2010-07"})
    new_lease = created(economy.post(f"/assets/{plant}/leases", headers=staff, json={
        "tenant_enterprise_id": strong, "monthly_rent": 80_000 * YUAN, "starts_on": "2010-09-01",
        "ends_on": "2015-08-31", "deposit": 160_000 * YUAN}))
    assert post("/communities/huasheng/billing-runs", {"month": "2010-07"})["billed"] == []  # plant is empty
    for year in (2010, 2011, 2012):
        for m in range(1, 13):
            month = f"{year}-{m:02d}"
            if month < "2010-09":
                continue
            run = post("/communities/huasheng/billing-runs", {"month": month})
            post(f"/assets/{plant}/leases/{new_lease}/payments",
                 {"amount": run["total_billed"], "paid_on": f"{month}-10"})
    post(f"/assets/{land}/land-reserve-transfer", {"compensation": 3_000_000 * YUAN, "transferred_on": "2012-06-01"})
    post("/enterprises/" + strong + "/jobs-reports", {"total": 300, "local": 210, "reported_on": "2012-12-31"})
    post("/communities/huasheng/fund/debt-repayments", {"creditor": "unpaid liabilities 2010",
                                                        "amount": 4_000_000 * YUAN, "repaid_on": "2012-12-20"})
    for group in range(1, 5):
        post("/communities/huasheng/fund/distribution-payments",
             {"villager_group": f"group-{group}", "amount": 100_000 * YUAN, "paid_on": "2012-12-28"})

    old = ok(economy.get(f"/assets/{plant}/leases/{old_lease}/statement", params={"as_of": "2012-12-31"},
                         headers=staff))
    assert old["statement"] == {"lease_id": old_lease, "billed": 300_000 * YUAN, "paid": 30_000 * YUAN,
                                "written_off": 170_000 * YUAN, "outstanding": 100_000 * YUAN,
                                "aging": {"current": 0, "30": 0, "60": 0, "90+": 100_000 * YUAN}}
    assert old["termination_reason"] == "default"
    new = ok(economy.get(f"/assets/{plant}/leases/{new_lease}/statement", params={"as_of": "2012-12-31"},
                         headers=staff))
    assert new["statement"]["billed"] == new["statement"]["paid"] == 28 * 80_000 * YUAN
    assert new["statement"]["outstanding"] == 0

    card = ok(economy.get(f"/assets/{plant}", params={"as_of": "2012-12-31"}, headers=staff))
    assert card["status"] == "leased"
    assert [lease["lease_id"] for lease in card["current_leases"]] == [new_lease]
    assert [lease["lease_id"] for lease in card["past_leases"]] == [old_lease]
    assert card["income_to_date"]["rent"] == 30_000 * YUAN + 28 * 80_000 * YUAN
    land_card = ok(economy.get(f"/assets/{land}", headers=staff))
    assert land_card["status"] == "transferred_to_land_reserve"
    assert land_card["income_to_date"]["land_compensation"] == 3_000_000 * YUAN

    fund = ok(economy.get("/communities/huasheng/fund", headers=staff))
    rent = 30_000 * YUAN + 28 * 80_000 * YUAN
    assert fund["income_by_source"] == {"rent": rent, "land_compensation": 3_000_000 * YUAN}
    assert fund["debt_outstanding"] == 0 and fund["debts"] == {}
    assert fund["distributions_paid"] == 400_000 * YUAN
    assert fund["balance"] == rent + 3_000_000 * YUAN - 4_000_000 * YUAN - 400_000 * YUAN > 0  # in surplus
