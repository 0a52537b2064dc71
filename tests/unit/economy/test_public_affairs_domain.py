"""Rules of disclosure, lease tendering and property fees, on the aggregates themselves."""

from __future__ import annotations

from datetime import date

import pytest

from services.economy.domain import (
    Asset,
    CollectiveFund,
    DisclosureBook,
    PropertyFeeAccount,
    Tender,
    collection_rate,
    disclosure_figures,
)
from shared.kernel.errors import Conflict, Invalid, NotFound

D = date.fromisoformat


def factory() -> Asset:
    return Asset.register("huasheng", asset_type="factory_building", name="Plant 1", area_m2=3000,
                          book_value=0, registered_on=D("2010-01-01"))


# -- disclosure ---------------------------------------------------------------------------------------


def ledger() -> tuple[CollectiveFund, list[Asset]]:
    fund = CollectiveFund("huasheng")
    fund.incur_debt(creditor="legacy", amount=4_200_000_00, incurred_on=D("2010-12-31"))
    fund.declare_distribution(villager_group="g1", amount=105_000_00, declared_on=D("2010-12-31"))
    fund.record_income(source="rent", amount=60_000_00, received_on=D("2011-03-12"))
    fund.record_income(source="other", amount=1_000_00, received_on=D("2011-04-01"))  # another month
    fund.record_expense(category="staff", amount=30_000_00, spent_on=D("2011-03-20"), description="wages")
    fund.repay_debt(creditor="legacy", amount=525_000_00, repaid_on=D("2011-03-28"))
    fund.pay_distribution(villager_group="g1", amount=26_250_00, paid_on=D("2011-03-28"))
    fund.repay_debt(creditor="legacy", amount=525_000_00, repaid_on=D("2011-04-28"))  # after the month
    asset = factory()
    lease = asset.lease(tenant_enterprise_id="e1", monthly_rent=60_000_00, starts_on=D("2011-01-01"),
                        ends_on=D("2013-12-31"), deposit=0)
    for month in ("2011-02", "2011-03"):
        asset.bill_rent(lease, month)
    asset.pay_rent(lease, amount=60_000_00, paid_on=D("2011-03-12"))
    return fund, [asset]


def test_disclosure_figures_are_the_months_ledger_and_what_stands_at_its_end():
    fund, assets = ledger()
    figures = disclosure_figures(fund, assets, "2011-03")
    assert figures["income"] == 60_000_00 and figures["income_by_source"] == {"rent": 60_000_00}
    assert figures["expenses"] == 30_000_00 and figures["net_income"] == 30_000_00
    assert figures["debt_repaid"] == 525_000_00 and figures["debt_incurred"] == 0
    assert figures["debt_outstanding"] == 3_675_000_00  # the April repayment is not yet made at March's end
    assert (figures["distributions_paid"], figures["distributions_owed"]) == (26_250_00, 78_750_00)
    assert (figures["leases_running"], figures["monthly_rent_running"]) == (1, 60_000_00)
    assert (figures["rent_billed"], figures["rent_received"], figures["rent_outstanding"]) == (
        60_000_00, 60_000_00, 60_000_00)


def test_a_disclosure_is_published_once_after_its_month_and_frozen():
    fund, assets = ledger()
    book = DisclosureBook("huasheng")
    with pytest.raises(Invalid) as early:
        book.publish("2011-03", figures=disclosure_figures(fund, assets, "2011-03"), published_on=D("2011-03-31"))
    assert early.value.field == "published_on"
    figures = disclosure_figures(fund, assets, "2011-03")
    disclosure_id = book.publish("2011-03", figures=figures, published_on=D("2011-04-02"))
    assert disclosure_id == DisclosureBook.disclosure_id("huasheng", "2011-03")
    with pytest.raises(Conflict, match="publish a correction"):
        book.publish("2011-03", figures=figures, published_on=D("2011-04-03"))
    fund.record_expense(category="maintenance", amount=5_000_00, spent_on=D("2011-03-30"), description="late")
    assert book.disclosure("2011-03")["figures"]["expenses"] == 30_000_00  # frozen as published


def test_a_correction_refers_to_the_disclosure_needs_a_reason_and_a_change():
    fund, assets = ledger()
    book = DisclosureBook("huasheng")
    with pytest.raises(NotFound):
        book.correct("2011-03", figures={}, reason="x", corrected_on=D("2011-04-05"))
    book.publish("2011-03", figures=disclosure_figures(fund, assets, "2011-03"), published_on=D("2011-04-02"))
    with pytest.raises(Conflict, match="nothing to correct"):
        book.correct("2011-03", figures=disclosure_figures(fund, assets, "2011-03"), reason="check",
                     corrected_on=D("2011-04-05"))
    entry = next(e for e, v in fund.entries.items() if v["label"] == "staff")
    fund.reverse_entry(entry, reason="booked twice", reversed_on=D("2011-04-04"))
    corrected = disclosure_figures(fund, assets, "2011-03")
    with pytest.raises(Invalid):
        book.correct("2011-03", figures=corrected, reason=" ", corrected_on=D("2011-04-05"))
    assert book.correct("2011-03", figures=corrected, reason="wages booked twice", corrected_on=D("2011-04-05")) == 1
    disclosure = book.disclosure("2011-03")
    assert disclosure["figures"]["expenses"] == 30_000_00  # the original stays as published
    assert disclosure["corrections"][0]["figures"]["expenses"] == 0


# -- tendering ----------------------------------------------------------------------------------------


def tender(asset: Asset | None = None) -> Tender:
    return Tender.open(asset or factory(), lease_starts_on=D("2011-05-01"), lease_ends_on=D("2014-04-30"),
                       minimum_rent=50_000_00, deposit=100_000_00, closes_on=D("2011-04-20"),
                       opened_on=D("2011-04-01"))


def test_bids_are_above_the_minimum_one_per_bidder_and_none_after_close():
    t = tender()
    with pytest.raises(Invalid) as low:
        t.place_bid(bidder_enterprise_id="e1", monthly_rent=49_999_00, placed_on=D("2011-04-02"))
    assert low.value.field == "monthly_rent"
    t.place_bid(bidder_enterprise_id="e1", monthly_rent=60_000_00, placed_on=D("2011-04-02"))
    with pytest.raises(Conflict, match="one sealed bid"):
        t.place_bid(bidder_enterprise_id="e1", monthly_rent=70_000_00, placed_on=D("2011-04-03"))
    with pytest.raises(Conflict, match="no bids after close"):
        t.place_bid(bidder_enterprise_id="e2", monthly_rent=70_000_00, placed_on=D("2011-04-21"))
    with pytest.raises(Conflict, match="cannot close before"):
        t.close(closed_on=D("2011-04-19"))
    t.close(closed_on=D("2011-04-20"))
    with pytest.raises(Conflict, match="no bids after close"):
        t.place_bid(bidder_enterprise_id="e2", monthly_rent=70_000_00, placed_on=D("2011-04-20"))


def test_the_winner_is_the_highest_bid_unless_a_reason_is_recorded():
    t = tender()
    with pytest.raises(Conflict, match="still open"):
        t.winner()
    low = t.place_bid(bidder_enterprise_id="e1", monthly_rent=60_000_00, placed_on=D("2011-04-02"))
    high = t.place_bid(bidder_enterprise_id="e2", monthly_rent=72_000_00, placed_on=D("2011-04-05"))
    t.place_bid(bidder_enterprise_id="e3", monthly_rent=72_000_00, placed_on=D("2011-04-06"))  # tie: later loses
    t.close(closed_on=D("2011-04-21"))
    assert t.winner() == high
    with pytest.raises(Invalid) as no_reason:
        t.winner(low)
    assert no_reason.value.field == "reason"
    assert t.winner(low, "the higher bidder's plan fails the fire inspection") == low
    with pytest.raises(NotFound):
        t.winner("no-such-bid")
    t.record_award(high, lease_id="l1", reason=None, awarded_on=D("2011-04-22"))
    assert t.status == "awarded" and t.award["highest"] is True
    with pytest.raises(Conflict, match="already awarded"):
        t.winner()


def test_a_tender_needs_the_asset_free_for_the_lease_and_a_closed_tender_without_bids_awards_nothing():
    asset = factory()
    asset.lease(tenant_enterprise_id="e0", monthly_rent=1, starts_on=D("2011-01-01"), ends_on=D("2011-06-30"),
                deposit=0)
    with pytest.raises(Conflict, match="must not overlap"):
        tender(asset)
    with pytest.raises(Invalid) as starts:
        Tender.open(factory(), lease_starts_on=D("2011-04-20"), lease_ends_on=D("2012-04-19"), minimum_rent=1,
                    deposit=0, closes_on=D("2011-04-20"), opened_on=D("2011-04-01"))
    assert starts.value.field == "lease_starts_on"
    empty = tender()
    empty.close(closed_on=D("2011-04-20"))
    with pytest.raises(Conflict, match="without bids"):
        empty.winner()


# -- property fees ------------------------------------------------------------------------------------


def account(area: int = 90) -> PropertyFeeAccount:
    return PropertyFeeAccount.open("xizhuchao", dwelling="3-2-501", area_m2=area, opened_on=D("2019-01-01"))


def test_fees_follow_the_schedule_per_square_metre_or_fixed_and_bill_once_a_month():
    a = account()
    with pytest.raises(Conflict, match="no fee schedule"):
        a.bill("2019-01")
    a.set_schedule(basis="per_m2", rate=80, effective_from="2019-01")  # 0.80 yuan per m² a month
    assert a.bill("2019-01") is True
    assert a.bill("2019-01") is False  # idempotent per month
    assert a.bills["2019-01"] == (D("2019-01-15"), 7_200)
    with pytest.raises(Conflict, match="cannot change billed months"):
        a.set_schedule(basis="fixed", rate=5_000, effective_from="2019-01")
    a.set_schedule(basis="fixed", rate=5_000, effective_from="2019-02")
    with pytest.raises(Conflict, match="must start later"):
        a.set_schedule(basis="fixed", rate=6_000, effective_from="2019-02")
    a.bill("2019-02")
    assert a.bills["2019-02"][1] == 5_000
    with pytest.raises(Conflict, match="opened on"):
        a.bill("2018-12")
    with pytest.raises(Invalid):
        a.set_schedule(basis="fixed", rate=0, effective_from="2019-06")


def test_payments_never_exceed_the_outstanding_and_arrears_are_aged():
    a = account()
    a.set_schedule(basis="fixed", rate=10_000, effective_from="2019-01")
    for month in ("2019-01", "2019-02", "2019-03"):
        a.bill(month)
    with pytest.raises(Conflict, match="overpay"):
        a.pay(amount=30_001, paid_on=D("2019-03-20"))
    a.pay(amount=10_000, paid_on=D("2019-01-20"))
    statement = a.statement(D("2019-04-20"))
    assert (statement["billed"], statement["paid"], statement["outstanding"]) == (30_000, 10_000, 20_000)
    assert statement["aging"] == {"current": 0, "30": 10_000, "60": 10_000, "90+": 0}  # Feb: 64 days, Mar: 36
    assert collection_rate(statement["billed"], statement["paid"]) == 0.3333
    assert collection_rate(0, 0) is None


def test_an_account_names_a_dwelling_with_an_area():
    with pytest.raises(Invalid) as area:
        account(area=0)
    assert area.value.field == "area_m2"
    with pytest.raises(Invalid):
        PropertyFeeAccount.open("xizhuchao", dwelling=" ", area_m2=10, opened_on=D("2019-01-01"))
    assert account().id == PropertyFeeAccount.id_for("xizhuchao", "3-2-501")
