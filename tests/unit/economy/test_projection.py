"""The district's CommunityEconomy read model, fed public envelopes of real aggregate events."""

from __future__ import annotations

from datetime import date

import pytest

from services.district.projections.community_economy import CommunityEconomy, economy_figures
from services.economy.contract import contract
from services.economy.domain import Asset, CollectiveFund, CommunityCompany, Enterprise, IncomeSurvey
from shared.platform.projector import Delivery, ReadModelWriter

D = date.fromisoformat
YUAN = 100


def envelopes(*aggregates):
    published = []
    for aggregate in aggregates:
        for event in aggregate.collect_events():
            envelope = contract.to_envelope(event)
            if envelope is not None:
                published.append((envelope, contract.events.decode(envelope),
                                  Delivery("shequ.economy.v1", 0, len(published), None, envelope.to_bytes())))
    return published


@pytest.fixture
def xizhuchao_events():
    plant = Asset.register("xizhuchao", asset_type="factory_building", name="Plant", area_m2=3000, book_value=0,
                           registered_on=D("2019-01-01"))
    shop = Asset.register("xizhuchao", asset_type="shop", name="Shop", area_m2=1000, book_value=0,
                          registered_on=D("2019-01-01"))
    land = Asset.register("xizhuchao", asset_type="land", name="Plot", area_m2=6000, book_value=0,
                          registered_on=D("2019-01-01"))
    tenant = Enterprise.register("xizhuchao", name="Pack Co", sector="manufacturing", attracted_by="staff-7",
                                 registered_on=D("2019-06-01"))
    tenant.report_jobs(total=120, local=80, reported_on=D("2020-06-30"))
    tenant.receive_tax_rebate(amount=300_000 * YUAN, year=2020, received_on=D("2020-12-01"))
    lease = plant.lease(tenant_enterprise_id=str(tenant.id), monthly_rent=12_500 * YUAN, starts_on=D("2020-01-01"),
                        ends_on=D("2020-12-31"), deposit=0)
    for month in ("2020-01", "2020-02", "2020-03", "2020-04"):
        plant.bill_rent(lease, month)
    plant.pay_rent(lease, amount=12_500 * YUAN, paid_on=D("2020-01-10"))
    plant.write_off_rent(lease, amount=5_000 * YUAN, written_off_on=D("2020-04-01"), reason="approved")
    land.transfer_to_land_reserve(compensation=500_000 * YUAN, transferred_on=D("2020-03-01"))
    fund = CollectiveFund("xizhuchao")
    fund.record_income(source="rent", amount=12_500 * YUAN, received_on=D("2020-01-10"), reference="lease")
    fund.record_income(source="land_compensation", amount=500_000 * YUAN, received_on=D("2020-03-01"),
                       reference="asset")
    mistake = fund.record_income(source="other", amount=999 * YUAN, received_on=D("2020-02-01"))
    fund.reverse_entry(mistake, reason="typo", reversed_on=D("2020-02-03"))
    fund.record_income(source="other", amount=1_000 * YUAN, received_on=D("2019-12-01"))
    fund.record_expense(category="staff", amount=40_000 * YUAN, spent_on=D("2020-02-15"), description="salaries")
    fund.incur_debt(creditor="bank", amount=200_000 * YUAN, incurred_on=D("2019-01-01"))
    fund.repay_debt(creditor="bank", amount=50_000 * YUAN, repaid_on=D("2020-03-01"))
    fund.declare_distribution(villager_group="group-1", amount=10_000 * YUAN, declared_on=D("2020-01-01"))
    fund.pay_distribution(villager_group="group-1", amount=4_000 * YUAN, paid_on=D("2020-02-01"))
    cleaning = CommunityCompany.found("xizhuchao", name="Cleaning Co", kind="cleaning", founded_on=D("2013-01-01"))
    cleaning.report_revenue(year=2020, amount=800_000 * YUAN)
    cleaning.report_revenue(year=2020, amount=850_000 * YUAN)
    cleaning.report_jobs(total=40, local=40, reported_on=D("2020-12-31"))
    survey = IncomeSurvey.report("xizhuchao", year=2020, per_capita_net_income=30_000 * YUAN)
    survey.correct(per_capita_net_income=31_000 * YUAN, reason="final")
    return envelopes(plant, shop, land, tenant, fund, cleaning, survey)


def project(db, events):
    failures = []
    result = ReadModelWriter(db, [CommunityEconomy()]).apply(events, lambda d, reason: failures.append(reason))
    assert failures == []
    return result


def test_public_events_carry_no_personal_data(xizhuchao_events):
    for envelope, _, _ in xizhuchao_events:
        text = envelope.model_dump_json()
        for private in ("staff-7", "Pack Co", "bank", "salaries", "approved", "typo", "final"):
            assert f'"{private}"' not in text, (envelope.type, private)
    registered = next(e for env, e, _ in xizhuchao_events if env.event_name == "EnterpriseRegistered")
    assert registered.attracted_by_ref and registered.attracted_by_ref != "staff-7"


def test_figures_from_the_projection(xizhuchao_events, read_db):
    db = read_db
    project(db, xizhuchao_events)
    doc = db[CommunityEconomy.collection].find_one({"_id": "xizhuchao"})
    figures = economy_figures(doc, D("2020-04-30"))
    assert figures["income_ytd_by_source"] == {"rent": 12_500 * YUAN, "land_compensation": 500_000 * YUAN,
                                               "other": 0}
    assert figures["income_ytd"] == 512_500 * YUAN
    assert figures["income_by_month"] == {"2019-12": 1_000 * YUAN, "2020-01": 12_500 * YUAN, "2020-02": 0,
                                          "2020-03": 500_000 * YUAN}
    assert figures["expenses_ytd"] == 40_000 * YUAN
    assert figures["net_income_ytd"] == 472_500 * YUAN
    assert figures["net_income_to_date"] == 473_500 * YUAN
    assert figures["debt_outstanding"] == 150_000 * YUAN
    # billed Jan-Apr 50k; paid 12.5k, written off 5k -> 32.5k: Feb's 7.5k is 80 days overdue, Mar 51, Apr 20
    assert figures["arrears"]["aging"] == {"current": 12_500 * YUAN, "30": 12_500 * YUAN, "60": 7_500 * YUAN,
                                           "90+": 0}
    assert figures["arrears"]["outstanding"] == 32_500 * YUAN
    # land transferred in March: 3000 of 4000 m² leased
    assert figures["occupancy"] == {"total_area_m2": 4000, "leased_area_m2": 3000, "rate": 0.75}
    assert economy_figures(doc, D("2020-02-01"))["occupancy"]["total_area_m2"] == 10_000
    assert figures["enterprises"] == {"count": 1, "jobs_total": 120, "jobs_local": 80, "attracted": 1}
    assert figures["community_companies"]["revenue_by_year"] == {"2020": 850_000 * YUAN}
    assert figures["community_companies"]["jobs_total"] == 40
    assert figures["tax_rebates_by_year"] == {"2020": 300_000 * YUAN}
    assert figures["distributions"] == {"declared": 10_000 * YUAN, "paid": 4_000 * YUAN, "owed": 6_000 * YUAN}
    assert figures["per_capita_income_by_year"] == {"2020": 31_000 * YUAN}
    # a year later the unpaid Feb-Apr rent is all 90+ days overdue
    assert economy_figures(doc, D("2021-04-30"))["arrears"]["aging"]["90+"] == 32_500 * YUAN


def test_applying_the_same_events_twice_changes_nothing(xizhuchao_events, read_db):
    db = read_db
    project(db, xizhuchao_events)
    first = db[CommunityEconomy.collection].find_one({"_id": "xizhuchao"})
    again = project(db, xizhuchao_events)
    assert again.applied == 0 and again.duplicates == len(xizhuchao_events)
    assert db[CommunityEconomy.collection].find_one({"_id": "xizhuchao"}) == first


def test_every_stored_event_is_published_or_deliberately_withheld():
    from services.economy import domain

    for aggregate in (domain.Asset, domain.Enterprise, domain.CollectiveFund, domain.CommunityCompany,
                      domain.IncomeSurvey):
        for name in dir(aggregate):
            cls = getattr(aggregate, name)
            if isinstance(cls, type) and issubclass(cls, aggregate.Event) and cls not in (
                    aggregate.Event, aggregate.Created, getattr(aggregate, "Snapshot", None)):
                assert cls in contract._mappings or cls in contract._private, cls.__qualname__
