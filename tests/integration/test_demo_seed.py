"""The demo district seeder: deterministic, faithful to the reports, twelve months, visible on the district side."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bootstrap.demo import is_empty, seed_district
from services.district.queries import DistrictQueries
from services.district.projections import projections
from bootstrap.registry import domain_services
from shared.platform.projector import Delivery, ReadModelWriter
from shared.platform.settings import Settings

NOW = datetime(2026, 11, 20, 6, 30, tzinfo=UTC)


def fresh_services(data_dir: Path) -> dict:
    settings = Settings(SHEQU_DATA_DIR=data_dir)
    return {d.name: d.application_class(env=settings.event_store_env(d.name)) for d in domain_services()}


def notifications(app) -> list:
    out, start = [], 1
    while True:
        batch = app.recorder.select_notifications(start, 1000)
        out.extend(batch)
        if len(batch) < 1000:
            return out
        start = batch[-1].id + 1


def event_types(services: dict) -> Counter:
    return Counter(f"{name}:{n.topic.rsplit(':', 1)[-1]}" for name, app in services.items()
                   for n in notifications(app))


def project(services: dict, db) -> DistrictQueries:  # noqa: ANN001
    """The public-event -> read-model path: what the relay publishes and the projector applies, into `db`."""
    writer = ReadModelWriter(db, projections())
    contracts = {d.name: d.contract for d in domain_services()}
    failures: list[str] = []
    for name, app in services.items():
        items = []
        for n in notifications(app):
            envelope = contracts[name].to_envelope(app.mapper.to_domain_event(n))
            if envelope is not None:
                delivery = Delivery(f"shequ.{name}.v1", 0, n.id, envelope.subject.encode(), envelope.to_bytes())
                items.append((envelope, contracts[name].events.decode(envelope), delivery))
        for start in range(0, len(items), 1000):
            writer.apply(items[start:start + 1000], lambda delivery, reason: failures.append(reason))
    assert failures == []
    return DistrictQueries(db, clock=lambda: NOW)


def comparable(queries: DistrictQueries) -> dict:
    """The district's figures without what is random by design (aggregate ids) or time of asking."""
    overview = queries.overview()
    overview.pop("freshness")
    overview["welfare"]["disbursed"] = sorted(map(str, overview["welfare"].get("disbursed", {}).values()))
    overview["welfare"]["programmes"] = sorted(map(str, overview["welfare"].get("programmes", {}).values()))
    rows = [{k: v for k, v in row.items() if k != "as_of"} for row in queries.communities(limit=1000)["rows"]]
    return {"overview": overview, "rows": rows}


@pytest.fixture(scope="module")
def seeded(tmp_path_factory) -> tuple[dict, object]:
    services = fresh_services(tmp_path_factory.mktemp("seed-a") / "data")
    assert is_empty(services)
    report = seed_district(services, communities=3, seed=7, now=NOW)
    yield services, report
    for app in services.values():
        app.close()


@pytest.fixture(scope="module")
def queries(seeded, make_read_db) -> DistrictQueries:
    return project(seeded[0], make_read_db())


def test_same_seed_same_district(seeded, tmp_path, make_read_db):
    services, report = seeded
    again = fresh_services(tmp_path / "data")
    try:
        second = seed_district(again, communities=3, seed=7, now=NOW)
        assert second.communities == report.communities
        assert second.events_by_service == report.events_by_service
        assert second.scale == report.scale
        assert event_types(again) == event_types(services)
        assert comparable(project(again, make_read_db())) == comparable(project(services, make_read_db()))
    finally:
        for app in again.values():
            app.close()


def test_another_seed_another_district(tmp_path):
    services = fresh_services(tmp_path / "data")
    try:
        report = seed_district(services, communities=1, seed=8, now=NOW)
        assert report.communities[:4] == ["huasheng", "hualong-jiayuan", "xizhuchao", "jinpen"]
        assert len(report.communities) == 5
        assert not is_empty(services)
    finally:
        for app in services.values():
            app.close()


def test_reported_communities_carry_published_directory_figures(seeded):
    services, report = seeded
    directory = {c["id"]: c for c in services["grid"].communities()}
    assert len(directory) == 4 + 3 == len(report.communities)
    assert directory["jinpen"]["name"] == "金盆社区"
    assert (directory["jinpen"]["households"], directory["jinpen"]["residents"]) == (8325, 35353)
    assert directory["huasheng"]["name"] == "华胜社区"
    assert directory["hualong-jiayuan"]["name"] == "华龙家园社区"
    xizhuchao = directory["xizhuchao"]
    assert xizhuchao["name"] == "西诸朝社区"
    assert round(xizhuchao["floating_population"] / xizhuchao["residents"], 3) == 0.595
    assert all(c["name"].endswith("社区") for c in directory.values())


def test_history_spans_twelve_months_and_never_the_future(seeded):
    services, _ = seeded
    stamps = [services["grid"].mapper.to_domain_event(n).timestamp for n in notifications(services["grid"])]
    months = {s.strftime("%Y-%m") for s in stamps if s >= datetime(2025, 12, 1, tzinfo=UTC)}
    assert len(months) == 12 and max(months) == "2026-11" and min(months) == "2025-12"
    assert max(stamps) <= NOW
    assert min(stamps) >= NOW - timedelta(days=370)
    for name in ("economy", "volunteering"):
        app = services[name]
        latest = max(app.mapper.to_domain_event(n).timestamp for n in notifications(app))
        assert latest <= NOW


def test_district_shows_the_reported_figures(queries):
    jinpen = queries.community("jinpen")
    grid = jinpen["grid"]
    assert grid["mediation"]["opened"] == 51 and grid["mediation"]["settled"] == 47
    by_type = grid["mediation"]["by_dispute_type"]
    assert {t: m["opened"] for t, m in by_type.items()} == {"neighbour": 12, "family": 34, "other": 5}
    assert grid["rentals"]["households"] == 850
    assert grid["rentals"]["registration_rate"] == 0.98
    assert grid["followups"]["by_group"]["released_prisoner"]["started"] == 5
    assert grid["followups"]["reoffended"] == 0
    assert jinpen["volunteering"]["registered_volunteers"] == 45

    huasheng = queries.community("huasheng")
    assert huasheng["volunteering"]["registered_volunteers"] == 1000
    assert len(huasheng["volunteering"]["team_leaderboard"]) == 10
    assert huasheng["economy"]["debt_outstanding"] == 0
    assert huasheng["economy"]["distributions"]["owed"] == 0

    xizhuchao = queries.community("xizhuchao")["indicators"]
    assert xizhuchao["per_capita_income_fen"] == 31_000 * 100

    # Employment services (placements a 1 in 10 sample; positions in full) and the minimum-allowance cycle.
    work = jinpen["employment"]
    assert work["vacancies"]["positions"] >= 4_000
    assert {g: work["by_group"][g]["placements"] for g in ("unemployed", "laid_off", "released")} == {
        "unemployed": 120, "laid_off": 40, "released": 5}
    assert work["by_group"]["released"]["placement_rate"] == 1.0
    assert work["retention"]["6"]["checked"] > 0 and work["retention"]["3"]["rate"] >= 0.8
    huasheng_work = huasheng["employment"]
    assert huasheng_work["vacancies"]["positions"] >= 1_000
    assert huasheng_work["by_group"]["aged_50_plus"]["placements"] == 12
    hualong = queries.community("hualong-jiayuan")
    assert hualong["employment"]["training"]["certificates"] > 0
    assert 0.75 <= hualong["employment"]["placement_rate"] <= 0.85  # the 80% goal
    allowance = hualong["minimum_allowance"]
    assert allowance["households"] >= 60 and allowance["persons"] > allowance["households"]
    assert allowance["objections"]["lodged"] >= 2 and allowance["objections"]["upheld"] >= 1
    assert allowance["applications_by_stage"]["approved"] >= 1 and allowance["appeals"]["lodged"] >= 1
    last_month = max(allowance["paid_by_month"])
    assert allowance["paid_by_month"][last_month] >= 60 * 390 * 100  # 390 yuan a month for each household

    # Visits (走访): Xizhuchao's door-to-door round covers the taken-over estate's two cells in one quarter;
    # Jinpen's released prisoners are visited in person; Hualong Jiayuan's work-injury case took 22 visits.
    xizhuchao_visits = queries.community("xizhuchao")["visits"]
    full = [(q, c["name"]) for q, quarter in xizhuchao_visits["quarters"].items()
            for c in quarter["cells"].values() if c["coverage"] == 1.0]
    assert len(full) == 2 and len({q for q, _ in full}) == 1 and {n for _, n in full} == {"第1网格", "第2网格"}
    assert xizhuchao_visits["registered_households"] == 2180 // 8 * 8
    jinpen_visits = queries.community("jinpen")["visits"]["quarters"].values()
    assert sum(q["persons_visited"] for q in jinpen_visits) >= 5
    assert sum(q["by_purpose"].get("festival", 0) for q in jinpen_visits) == 60
    hualong = queries.community("hualong-jiayuan")["visits"]["quarters"].values()
    assert sum(q["by_purpose"].get("dispute", 0) for q in hualong) >= 22
    assert all(0 <= q["coverage"] <= 1 for q in hualong)

    overview = queries.overview()
    assert overview["communities"] == 7
    for domain in ("grid", "economy", "welfare", "volunteering"):
        assert overview[domain], domain
    assert overview["grid"]["cases"]["resolved"] > overview["grid"]["cases"]["open"]
    assert overview["grid"]["cases"]["overdue"] > 0
    assert overview["economy"]["arrears"]["outstanding"] > 0
    assert overview["welfare"]["allowance_households"] > 0
    assert overview["volunteering"]["hours_total"] > 0
    series = queries.timeseries("cases_reported")["points"]
    assert len(series) >= 12
