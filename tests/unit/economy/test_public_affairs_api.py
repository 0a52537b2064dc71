"""Disclosure, lease tendering and property fees over HTTP, end to end through the routes: staff write,
residents read the disclosures without a token, refusals are 4xx and write nothing."""

from __future__ import annotations

import pytest

from tests.unit.economy.test_api import YUAN, created, ok, stored_events


@pytest.fixture
def staff(auth):
    return auth("community_staff", communities=["huasheng", "xizhuchao"])


def refused(economy, path, body, headers, status):
    before = stored_events(economy)
    response = economy.post(path, json=body, headers=headers)
    assert response.status_code == status, response.text
    assert stored_events(economy) == before
    return response.json()


# -- disclosure ---------------------------------------------------------------------------------------


def test_a_published_disclosure_and_its_correction_are_public_without_a_token(economy, staff, auth):
    fund = "/communities/huasheng/fund"
    ok(economy.post(f"{fund}/debts", headers=staff, json={"creditor": "legacy", "amount": 4_200_000 * YUAN,
                                                         "incurred_on": "2010-12-31"}))
    ok(economy.post(f"{fund}/income", headers=staff, json={"source": "land_compensation",
                                                          "amount": 2_600_000 * YUAN, "received_on": "2011-03-18"}))
    mistaken = ok(economy.post(f"{fund}/expenses", headers=staff, json={
        "category": "maintenance", "amount": 20_000 * YUAN, "spent_on": "2011-03-20",
        "description": "roof"}))["entry_id"]
    ok(economy.post(f"{fund}/debt-repayments", headers=staff, json={"creditor": "legacy", "amount": 525_000 * YUAN,
                                                                   "repaid_on": "2011-03-28"}))
    publish = {"month": "2011-03", "published_on": "2011-04-02"}
    for headers, status in (({}, 401), (auth("community_staff", communities=["jinpen"]), 403),
                            (auth("district_operator"), 403)):
        refused(economy, "/communities/huasheng/disclosures", publish, headers, status)
    early = refused(economy, "/communities/huasheng/disclosures", {**publish, "published_on": "2011-03-31"}, staff,
                    422)
    assert early["field"] == "published_on"
    published = ok(economy.post("/communities/huasheng/disclosures", headers=staff, json=publish))
    assert published["figures"]["income"] == 2_600_000 * YUAN
    assert published["figures"]["expenses"] == 20_000 * YUAN
    assert published["figures"]["debt_outstanding"] == 3_675_000 * YUAN
    assert "publish a correction" in refused(economy, "/communities/huasheng/disclosures", publish, staff,
                                             409)["detail"]
    correction = {"reason": "维修费重复入账，已冲销", "corrected_on": "2011-04-06"}
    assert "nothing to correct" in refused(economy, "/communities/huasheng/disclosures/2011-03/corrections",
                                           correction, staff, 409)["detail"]
    ok(economy.post(f"{fund}/entries/{mistaken}/reversal", headers=staff,
                    json={"reason": "entered twice", "reversed_on": "2011-04-05"}))
    corrected = ok(economy.post("/communities/huasheng/disclosures/2011-03/corrections", headers=staff,
                                json=correction))
    assert corrected["corrections"][0]["correction_number"] == 1
    assert corrected["current_figures"]["expenses"] == 0
    refused(economy, "/communities/huasheng/disclosures/2011-04/corrections", correction, staff, 404)

    public = economy.get("/public/communities/huasheng/disclosures")  # no token
    assert public.status_code == 200, public.text
    [shown] = public.json()["disclosures"]
    assert shown["disclosure_id"] == published["disclosure_id"]
    assert shown["figures"]["expenses"] == 20_000 * YUAN  # as first published
    assert shown["corrections"][0]["figures"]["expenses"] == 0 and shown["corrections"][0]["reason"]
    page = economy.get("/public/communities/huasheng/disclosures.html")
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    assert "三务公开" in page.text and "维修费重复入账" in page.text and "<script" not in page.text
    assert 'data-figure="2011-03.expenses">20,000.00 元' in page.text
    assert 'data-figure="2011-03.correction1.expenses">0.00 元' in page.text
    assert economy.get("/public/communities/nowhere/disclosures").status_code == 404


# -- tendering ----------------------------------------------------------------------------------------


def test_a_tender_takes_sealed_bids_until_close_and_its_winner_becomes_the_lease(economy, staff, auth):
    asset = created(economy.post("/communities/huasheng/assets", headers=staff, json={
        "asset_type": "factory_building", "name": "华胜工业园1号厂房", "area_m2": 3400, "book_value": 0,
        "registered_on": "2010-01-01"}))
    bidders = [created(economy.post("/communities/huasheng/enterprises", headers=staff, json={
        "name": name, "sector": "manufacturing", "registered_on": "2010-01-01"})) for name in ("甲", "乙", "丙")]
    elsewhere = created(economy.post("/communities/xizhuchao/enterprises", headers=staff, json={
        "name": "丁", "sector": "logistics", "registered_on": "2010-01-01"}))
    terms = {"asset_id": asset, "lease_starts_on": "2011-05-01", "lease_ends_on": "2014-04-30",
             "minimum_rent": 50_000 * YUAN, "deposit": 100_000 * YUAN, "opened_on": "2011-04-01",
             "closes_on": "2011-04-20"}
    refused(economy, "/tenders", terms, {}, 401)
    refused(economy, "/tenders", terms, auth("community_staff", communities=["jinpen"]), 403)
    refused(economy, "/tenders", {**terms, "minimum_rent": 1.5}, staff, 422)
    tender = created(economy.post("/tenders", headers=staff, json=terms))
    bids = f"/tenders/{tender}/bids"
    for bidder, rent in zip(bidders, (60_000, 72_000, 68_000), strict=True):
        ok(economy.post(bids, headers=staff, json={"bidder_enterprise_id": bidder, "monthly_rent": rent * YUAN,
                                                   "placed_on": "2011-04-10"}))
    sealed = ok(economy.get(f"/tenders/{tender}", headers=staff))
    assert sealed["sealed"] and all("monthly_rent" not in b for b in sealed["bids"])
    refused(economy, bids, {"bidder_enterprise_id": elsewhere, "monthly_rent": 90_000 * YUAN,
                            "placed_on": "2011-04-10"}, staff, 409)
    refused(economy, f"/tenders/{tender}/award", {"awarded_on": "2011-04-21"}, staff, 409)  # still open
    refused(economy, f"/tenders/{tender}/closing", {"closed_on": "2011-04-19"}, staff, 409)
    closed = ok(economy.post(f"/tenders/{tender}/closing", headers=staff, json={"closed_on": "2011-04-20"}))
    assert not closed["sealed"] and {b["monthly_rent"] for b in closed["bids"]} == {6_000_000, 7_200_000, 6_800_000}
    late = refused(economy, bids, {"bidder_enterprise_id": bidders[0], "monthly_rent": 99_000 * YUAN,
                                   "placed_on": "2011-04-20"}, staff, 409)
    assert "no bids after close" in late["detail"]
    lower = next(b["bid_id"] for b in closed["bids"] if b["monthly_rent"] == 6_800_000)
    no_reason = refused(economy, f"/tenders/{tender}/award", {"bid_id": lower, "awarded_on": "2011-04-21"}, staff,
                        422)
    assert no_reason["field"] == "reason"
    awarded = ok(economy.post(f"/tenders/{tender}/award", headers=staff, json={"awarded_on": "2011-04-21"}))
    award = awarded["award"]
    assert award["bidder_enterprise_id"] == bidders[1] and award["monthly_rent"] == 72_000 * YUAN
    assert award["highest"] is True
    card = ok(economy.get(f"/assets/{asset}", headers=staff))
    [lease] = card["current_leases"]
    assert lease["lease_id"] == award["lease_id"] and lease["monthly_rent"] == 72_000 * YUAN
    assert lease["starts_on"] == "2011-05-01" and lease["tenant_enterprise_id"] == bidders[1]
    refused(economy, f"/tenders/{tender}/award", {"awarded_on": "2011-04-22"}, staff, 409)
    # A second tender over the same period would overlap the lease: refused, nothing written.
    assert "must not overlap" in refused(economy, "/tenders", terms, staff, 409)["detail"]


# -- property fees ------------------------------------------------------------------------------------


def test_property_fees_bill_monthly_once_take_payments_up_to_the_outstanding_and_report_collection(
        economy, staff, auth):
    accounts = [created(economy.post("/communities/xizhuchao/property-fee-accounts", headers=staff, json={
        "dwelling": f"1-1-{room}", "area_m2": area, "opened_on": "2019-01-01"})) for room, area in (
        (101, 90), (102, 120), (201, 75))]
    refused(economy, "/communities/xizhuchao/property-fee-accounts",
            {"dwelling": "1-1-101", "area_m2": 90, "opened_on": "2019-01-01"}, staff, 409)
    refused(economy, "/communities/xizhuchao/property-fee-accounts",
            {"dwelling": "1-1-301", "area_m2": 90, "opened_on": "2019-01-01"},
            auth("community_staff", communities=["huasheng"]), 403)
    for account in accounts[:2]:
        ok(economy.post(f"/property-fee-accounts/{account}/schedules", headers=staff,
                        json={"basis": "per_m2", "rate": 80, "effective_from": "2019-01"}))
    refused(economy, f"/property-fee-accounts/{accounts[2]}/schedules",
            {"basis": "by_floor", "rate": 80, "effective_from": "2019-01"}, staff, 422)
    ok(economy.post(f"/property-fee-accounts/{accounts[2]}/schedules", headers=staff,
                    json={"basis": "fixed", "rate": 5_000, "effective_from": "2019-01"}))
    run = ok(economy.post("/communities/xizhuchao/property-fee-billing-runs", headers=staff,
                          json={"month": "2019-01"}))
    assert run["total_billed"] == 90 * 80 + 120 * 80 + 5_000 and run["not_billed"] == []
    before = stored_events(economy)
    again = ok(economy.post("/communities/xizhuchao/property-fee-billing-runs", headers=staff,
                            json={"month": "2019-01"}))
    assert again["billed"] == [] and stored_events(economy) == before  # idempotent per month
    assert ok(economy.post(f"/property-fee-accounts/{accounts[0]}/bills", headers=staff,
                           json={"month": "2019-01"}))["billed"] is False
    overpaid = refused(economy, f"/property-fee-accounts/{accounts[0]}/payments",
                       {"amount": 7_201, "paid_on": "2019-01-20"}, staff, 409)
    assert "overpay" in overpaid["detail"]
    refused(economy, f"/property-fee-accounts/{accounts[0]}/payments", {"amount": 72.0, "paid_on": "2019-01-20"},
            staff, 422)
    ok(economy.post(f"/property-fee-accounts/{accounts[0]}/payments", headers=staff,
                    json={"amount": 7_200, "paid_on": "2019-01-20"}))
    ok(economy.post(f"/property-fee-accounts/{accounts[1]}/payments", headers=staff,
                    json={"amount": 4_000, "paid_on": "2019-01-20"}))
    fees = ok(economy.get("/communities/xizhuchao/property-fees", headers=staff, params={"as_of": "2019-02-20"}))
    assert (fees["households"], fees["billed"], fees["paid"]) == (3, 21_800, 11_200)
    assert fees["outstanding"] == 10_600 and fees["households_in_arrears"] == 2
    assert fees["collection_rate"] == round(11_200 / 21_800, 4)
    assert fees["aging"]["30"] == 10_600  # January's fee, due on the 15th, 36 days overdue
    assert economy.get("/communities/xizhuchao/property-fees").status_code == 401
    statement = ok(economy.get(f"/property-fee-accounts/{accounts[0]}", headers=staff))
    assert statement["statement"]["outstanding"] == 0 and statement["bills"][0]["amount"] == 7_200


def test_the_residents_page_escapes_every_text():
    from datetime import date

    from services.economy.public_page import disclosures_page

    figures = {"income": 100, "income_by_source": {"<b>": 100}, "expenses": 0, "expenses_by_category": {}}
    view = {"disclosures": [{"disclosure_id": "d1", "month": "2011-03", "published_on": date(2011, 4, 2),
                             "figures": figures, "corrections": [{
                                 "correction_number": 1, "figures": figures, "corrected_on": date(2011, 4, 6),
                                 "reason": "<script>alert(1)</script>"}]}]}
    page = disclosures_page("<img src=x>", view)
    assert "<script" not in page and "<img" not in page and "<b>" not in page
    assert "&lt;script&gt;" in page and "&lt;img src=x&gt;" in page
    assert disclosures_page("华胜社区", {"disclosures": []}).count("尚未公布") == 1
