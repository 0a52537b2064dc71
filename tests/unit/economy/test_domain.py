"""Economy rules, on the aggregates themselves."""

from __future__ import annotations

from datetime import date

import pytest

from services.economy.domain import (
    Asset,
    CollectiveFund,
    CommunityCompany,
    Enterprise,
    IncomeSurvey,
    age_arrears,
    month_bounds,
    rent_due_on,
)
from shared.kernel.errors import Conflict, Invalid, NotFound

D = date.fromisoformat


def factory(**overrides) -> Asset:
    details = {"asset_type": "factory_building", "name": "Plant 3", "area_m2": 2000, "book_value": 1_000_000_00,
               "registered_on": D("2010-01-01")}
    return Asset.register("huasheng", **{**details, **overrides})


def leased(rent: int = 10_000_00, starts: str = "2010-01-01", ends: str = "2012-12-31") -> tuple[Asset, str]:
    asset = factory()
    return asset, asset.lease(tenant_enterprise_id="e1", monthly_rent=rent, starts_on=D(starts), ends_on=D(ends),
                              deposit=20_000_00)


def test_registration_validates_area_and_money():
    with pytest.raises(Invalid) as err:
        factory(area_m2=12.5)
    assert err.value.field == "area_m2"
    with pytest.raises(Invalid) as err:
        factory(book_value=1.5)
    assert err.value.field == "book_value"
    with pytest.raises(ValueError):
        factory(asset_type="castle")


def test_overlapping_leases_on_one_asset_conflict():
    asset, _ = leased(ends="2010-12-31")
    with pytest.raises(Conflict, match="already leased"):
        asset.lease(tenant_enterprise_id="e2", monthly_rent=1, starts_on=D("2010-06-01"), ends_on=D("2011-05-31"),
                    deposit=0)
    asset.lease(tenant_enterprise_id="e2", monthly_rent=1, starts_on=D("2011-01-01"), ends_on=D("2011-12-31"),
                deposit=0)
    assert len(asset.leases) == 2


def test_lease_rejects_float_rent_and_reversed_dates():
    asset = factory()
    with pytest.raises(Invalid, match="monthly_rent"):
        asset.lease(tenant_enterprise_id="e", monthly_rent=10.0, starts_on=D("2010-01-01"), ends_on=D("2010-12-31"),
                    deposit=0)
    with pytest.raises(Invalid, match="ends_on"):
        asset.lease(tenant_enterprise_id="e", monthly_rent=10, starts_on=D("2010-12-01"), ends_on=D("2010-01-31"),
                    deposit=0)


def test_billing_a_month_twice_bills_once():
    asset, lease_id = leased()
    assert asset.bill_rent(lease_id, "2010-03") is True
    version = asset.version
    assert asset.bill_rent(lease_id, "2010-03") is False
    assert asset.version == version
    assert asset.leases[lease_id].charges == {"2010-03": (D("2010-03-10"), 10_000_00)}
    assert asset.billable_leases("2010-03") == []
    assert asset.billable_leases("2010-04") == [lease_id]


def test_billing_outside_the_lease_conflicts():
    asset, lease_id = leased(starts="2010-01-01", ends="2010-06-30")
    with pytest.raises(Conflict, match="does not cover 2010-07"):
        asset.bill_rent(lease_id, "2010-07")
    with pytest.raises(Invalid):
        asset.bill_rent(lease_id, "2010-13")


def test_partial_payments_and_no_overpayment():
    asset, lease_id = leased()
    asset.bill_rent(lease_id, "2010-01")
    asset.pay_rent(lease_id, amount=4_000_00, paid_on=D("2010-01-20"))
    asset.pay_rent(lease_id, amount=5_000_00, paid_on=D("2010-01-25"))
    assert asset.leases[lease_id].outstanding == 1_000_00
    with pytest.raises(Conflict, match="100000 fen outstanding"):
        asset.pay_rent(lease_id, amount=1_000_01, paid_on=D("2010-01-26"))
    with pytest.raises(Invalid):
        asset.pay_rent(lease_id, amount=0, paid_on=D("2010-01-26"))
    with pytest.raises(NotFound):
        asset.pay_rent("no-such-lease", amount=1, paid_on=D("2010-01-26"))


def test_write_off_needs_a_reason_and_cannot_exceed_outstanding():
    asset, lease_id = leased()
    asset.bill_rent(lease_id, "2010-01")
    with pytest.raises(Invalid):
        asset.write_off_rent(lease_id, amount=1, written_off_on=D("2010-05-01"), reason=" ")
    with pytest.raises(Conflict):
        asset.write_off_rent(lease_id, amount=10_000_01, written_off_on=D("2010-05-01"), reason="board approval 7")
    asset.write_off_rent(lease_id, amount=10_000_00, written_off_on=D("2010-05-01"), reason="board approval 7")
    statement = asset.leases[lease_id].statement(D("2010-05-01"))
    assert statement == {"lease_id": lease_id, "billed": 10_000_00, "paid": 0, "written_off": 10_000_00,
                         "outstanding": 0, "aging": {"current": 0, "30": 0, "60": 0, "90+": 0}}


def test_termination_stops_billing_and_cannot_repeat():
    asset, lease_id = leased()
    with pytest.raises(Invalid, match="terminated_on"):
        asset.terminate_lease(lease_id, reason="default", terminated_on=D("2013-01-01"))
    asset.terminate_lease(lease_id, reason="default", terminated_on=D("2010-06-30"))
    assert asset.status == "vacant"
    with pytest.raises(Conflict, match="already terminated"):
        asset.terminate_lease(lease_id, reason="early", terminated_on=D("2010-07-01"))
    with pytest.raises(Conflict):
        asset.bill_rent(lease_id, "2010-07")
    asset.bill_rent(lease_id, "2010-06")  # the months it ran can still be billed
    # the asset can be re-leased from the day after termination
    asset.lease(tenant_enterprise_id="e2", monthly_rent=1, starts_on=D("2010-07-01"), ends_on=D("2011-06-30"),
                deposit=0)
    assert asset.status == "leased"


def test_land_transfer_refused_while_leased_then_final():
    asset, lease_id = leased()
    with pytest.raises(Conflict, match="terminate it"):
        asset.transfer_to_land_reserve(compensation=3_000_000_00, transferred_on=D("2011-06-30"))
    asset.terminate_lease(lease_id, reason="early", terminated_on=D("2011-06-29"))
    asset.transfer_to_land_reserve(compensation=3_000_000_00, transferred_on=D("2011-06-30"))
    assert asset.status == "transferred_to_land_reserve"
    with pytest.raises(Conflict, match="land reserve"):
        asset.transfer_to_land_reserve(compensation=1, transferred_on=D("2011-07-01"))
    with pytest.raises(Conflict, match="land reserve"):
        asset.lease(tenant_enterprise_id="e", monthly_rent=1, starts_on=D("2012-01-01"), ends_on=D("2012-12-31"),
                    deposit=0)


def test_arrears_age_from_due_dates_and_settle_oldest_first():
    assert rent_due_on("2010-02") == D("2010-02-10")
    assert month_bounds("2012-02") == (D("2012-02-01"), D("2012-02-29"))
    charges = [(m, rent_due_on(m), 100) for m in ("2010-01", "2010-02", "2010-03", "2010-04", "2010-05")]
    # as of 2010-05-15: Jan is 125 days overdue, Feb 94, Mar 66, Apr 35, May 5; 150 paid settles Jan and half Feb
    assert age_arrears(charges, 150, D("2010-05-15")) == {"current": 100, "30": 100, "60": 100, "90+": 50}
    # charges for months after the as-of day are not yet counted
    assert age_arrears(charges, 0, D("2010-01-15")) == {"current": 100, "30": 0, "60": 0, "90+": 0}


def test_fund_debt_cannot_be_overrepaid():
    fund = CollectiveFund("huasheng")
    fund.incur_debt(creditor="rural credit cooperative", amount=4_000_000_00, incurred_on=D("2010-01-01"))
    with pytest.raises(Conflict, match="owes"):
        fund.repay_debt(creditor="rural credit cooperative", amount=4_000_000_01, repaid_on=D("2011-01-01"))
    with pytest.raises(Conflict):
        fund.repay_debt(creditor="someone else", amount=1, repaid_on=D("2011-01-01"))
    fund.repay_debt(creditor="rural credit cooperative", amount=4_000_000_00, repaid_on=D("2012-12-01"))
    assert fund.debt_outstanding == 0


def test_fund_distributions_cannot_be_overpaid():
    fund = CollectiveFund("huasheng")
    fund.declare_distribution(villager_group="group-1", amount=100_000_00, declared_on=D("2010-02-01"))
    fund.pay_distribution(villager_group="group-1", amount=60_000_00, paid_on=D("2011-02-01"))
    with pytest.raises(Conflict, match="owed 4000000 fen"):
        fund.pay_distribution(villager_group="group-1", amount=40_000_01, paid_on=D("2011-03-01"))
    with pytest.raises(Conflict):
        fund.pay_distribution(villager_group="group-2", amount=1, paid_on=D("2011-03-01"))
    assert fund.distributions == {"group-1": {"declared": 100_000_00, "paid": 60_000_00}}


def test_fund_income_expense_and_reversal():
    fund = CollectiveFund("xizhuchao")
    entry = fund.record_income(source="other", amount=500_00, received_on=D("2020-03-01"))
    fund.record_expense(category="maintenance", amount=200_00, spent_on=D("2020-03-02"), description="roof")
    linked = fund.record_income(source="rent", amount=100_00, received_on=D("2020-03-03"), reference="lease x")
    with pytest.raises(ValueError):
        fund.record_income(source="lottery", amount=1, received_on=D("2020-03-01"))
    with pytest.raises(Invalid):
        fund.record_income(source="other", amount=1.5, received_on=D("2020-03-01"))
    fund.reverse_entry(entry, reason="double entry", reversed_on=D("2020-03-05"))
    with pytest.raises(Conflict, match="already reversed"):
        fund.reverse_entry(entry, reason="again", reversed_on=D("2020-03-05"))
    with pytest.raises(Conflict, match="lease x"):
        fund.reverse_entry(linked, reason="x", reversed_on=D("2020-03-05"))
    with pytest.raises(NotFound):
        fund.reverse_entry("nope", reason="x", reversed_on=D("2020-03-05"))
    assert (fund.income, fund.expenses, fund.balance) == (100_00, 200_00, -100_00)


def test_fund_id_is_deterministic_per_community():
    assert CollectiveFund("jinpen").id == CollectiveFund.id_for("jinpen") != CollectiveFund.id_for("huasheng")


def test_enterprise_jobs_and_rebates():
    enterprise = Enterprise.register("xizhuchao", name="Lianyun Pack", sector="manufacturing", attracted_by="staff-7",
                                     registered_on=D("2019-05-01"))
    with pytest.raises(Invalid, match="local"):
        enterprise.report_jobs(total=10, local=11, reported_on=D("2020-01-01"))
    enterprise.report_jobs(total=120, local=80, reported_on=D("2020-01-01"))
    enterprise.receive_tax_rebate(amount=300_000_00, year=2020, received_on=D("2020-12-01"))
    assert (enterprise.jobs_total, enterprise.jobs_local) == (120, 80)


def test_company_and_income_survey_corrections_are_new_events():
    company = CommunityCompany.found("xizhuchao", name="Xizhuchao Cleaning", kind="cleaning",
                                     founded_on=D("2013-04-01"))
    company.report_revenue(year=2020, amount=900_000_00)
    company.report_revenue(year=2020, amount=950_000_00)
    company.report_jobs(total=40, local=38, reported_on=D("2020-12-31"))
    assert company.revenue_by_year == {2020: 950_000_00} and company.version == 4
    survey = IncomeSurvey.report("xizhuchao", year=2020, per_capita_net_income=30_000_00)
    assert survey.id == IncomeSurvey.id_for("xizhuchao", 2020)
    survey.correct(per_capita_net_income=31_000_00, reason="final statistics")
    assert (survey.per_capita_net_income, survey.version) == (31_000_00, 2)
