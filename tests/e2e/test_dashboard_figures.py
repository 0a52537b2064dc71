"""Every figure named in the grid, economy, welfare and volunteering issues, shown on the dashboard as the API serves it.

A table maps each `data-figure` name to its path in the API's JSON (district level: `/district/overview`;
community level: `/district/communities/<id>`, one row per grid cell for the per-cell figures). `{name}`
in a row stands for every key the API serves at that place (categories, dispute types, cells, months...).
The test renders the page in Chromium, reads every `data-value`, then fetches the API and compares; the
seeded demo is quiet once the projector has caught up, and a page is re-rendered (up to three times) only
if a time-dependent figure (overdue, active in 90 days) moved between the render and the fetch.
Also checks the rankings panel for each named ranking, and saves screenshots to test-artifacts/.
"""

from __future__ import annotations

import re
from datetime import date
from typing import Any

import httpx
import pytest

from tests.demo_process import wait_settled
from tests.e2e.test_dashboard_browser import (  # noqa: F401 - fixtures used by name
    ARTIFACTS,
    browser_available,
    chromium,
    demo,
    month_of,
    severe,
    wait_ready,
)

pytestmark = pytest.mark.e2e

COMMUNITIES = ("jinpen", "huasheng")

# Either a dotted API path (with {placeholders}) or a function of the API body for a figure the page derives.
Path = str | Any

# Figures at both levels: (data-figure name after the scope prefix, API path). Grid, economy, welfare, volunteering.
COMMON: list[tuple[str, Path]] = [
    # grid: cases by category, time to resolve, satisfaction, mediation, inspections, rentals, follow-ups
    ("grid.cases.open", "grid.cases.open"),
    ("grid.cases.overdue", "grid.cases.overdue"),
    ("grid.cases.resolved", "grid.cases.resolved"),
    ("grid.cases_by_category.{category}.open", "grid.cases_by_category.{category}.open"),
    ("grid.cases_by_category.{category}.overdue", "grid.cases_by_category.{category}.overdue"),
    ("grid.cases_by_category.{category}.resolved", "grid.cases_by_category.{category}.resolved"),
    ("grid.resolve_hours.{category}.median", "grid.resolve_hours.{category}.median"),  # {category} includes "all"
    ("grid.resolve_hours.{category}.p90", "grid.resolve_hours.{category}.p90"),
    ("grid.cases_by_month.{month}.reported", "grid.cases_by_month.{month}.reported"),
    ("grid.cases_by_month.{month}.resolved", "grid.cases_by_month.{month}.resolved"),
    ("grid.satisfaction.average", "grid.satisfaction.average"),
    ("grid.satisfaction.by_rating.{rating}", "grid.satisfaction.by_rating.{rating}"),
    ("grid.mediation.opened", "grid.mediation.opened"),
    ("grid.mediation.success_rate", "grid.mediation.success_rate"),
    ("grid.mediation.by_dispute_type.{type}.opened", "grid.mediation.by_dispute_type.{type}.opened"),
    ("grid.mediation.by_dispute_type.{type}.settled", "grid.mediation.by_dispute_type.{type}.settled"),
    ("grid.mediation.by_dispute_type.{type}.failed", "grid.mediation.by_dispute_type.{type}.failed"),
    ("grid.mediation.by_dispute_type.{type}.success_rate", "grid.mediation.by_dispute_type.{type}.success_rate"),
    ("grid.inspections.total", "grid.inspections.total"),
    ("grid.inspections.hazards", "grid.inspections.hazards"),
    ("grid.inspections.by_type.{type}.inspections", "grid.inspections.by_type.{type}.inspections"),
    ("grid.inspections.by_type.{type}.hazards", "grid.inspections.by_type.{type}.hazards"),
    ("grid.rentals.households", "grid.rentals.households"),
    ("grid.rentals.registration_rate", "grid.rentals.registration_rate"),
    ("grid.followups.active", "grid.followups.active"),
    ("grid.followups.reoffending_rate", "grid.followups.reoffending_rate"),
    ("grid.followups.by_group.{group}.active", "grid.followups.by_group.{group}.active"),
    ("grid.followups.by_group.{group}.reoffended", "grid.followups.by_group.{group}.reoffended"),
    # household visits (走访): coverage by quarter, and the latest quarter's
    ("visits.quarters.{quarter}.visits", "visits.quarters.{quarter}.visits"),
    ("visits.quarters.{quarter}.households_visited", "visits.quarters.{quarter}.households_visited"),
    ("visits.quarters.{quarter}.persons_visited", "visits.quarters.{quarter}.persons_visited"),
    ("visits.quarters.{quarter}.registered_households", "visits.quarters.{quarter}.registered_households"),
    ("visits.quarters.{quarter}.coverage", "visits.quarters.{quarter}.coverage"),
    ("visits.registered_households", "visits.registered_households"),
    ("visits.latest.coverage", lambda b: b["visits"]["quarters"][b["visits"]["latest_quarter"]]["coverage"]),
    ("visits.latest.households_visited",
     lambda b: b["visits"]["quarters"][b["visits"]["latest_quarter"]]["households_visited"]),
    # economy
    ("economy.income_ytd", "economy.income_ytd"),
    ("economy.income_ytd_by_source.{source}", "economy.income_ytd_by_source.{source}"),
    ("economy.income_by_month.{month}", "economy.income_by_month.{month}"),
    ("economy.expenses_ytd", "economy.expenses_ytd"),
    ("economy.expenses_ytd_by_category.{category}", "economy.expenses_ytd_by_category.{category}"),
    ("economy.net_income_ytd", "economy.net_income_ytd"),
    ("economy.debt_outstanding", "economy.debt_outstanding"),
    ("economy.arrears.outstanding", "economy.arrears.outstanding"),
    ("economy.arrears.aging.{bucket}", "economy.arrears.aging.{bucket}"),
    ("economy.occupancy.rate", "economy.occupancy.rate"),
    ("economy.occupancy.leased_area_m2", "economy.occupancy.leased_area_m2"),
    ("economy.occupancy.total_area_m2", "economy.occupancy.total_area_m2"),
    ("economy.enterprises.count", "economy.enterprises.count"),
    ("economy.enterprises.jobs_total", "economy.enterprises.jobs_total"),
    ("economy.community_companies.count", "economy.community_companies.count"),
    ("economy.community_companies.jobs_total", "economy.community_companies.jobs_total"),
    ("economy.distributions.owed", "economy.distributions.owed"),
    ("economy.distributions.paid", "economy.distributions.paid"),
    ("economy.per_capita_income_by_year.{year}", "economy.per_capita_income_by_year.{year}"),
    # welfare
    ("welfare.beneficiaries.{category}", "welfare.beneficiaries.{category}"),
    ("welfare.beneficiaries_total", lambda body: sum(body["welfare"]["beneficiaries"].values())),
    ("welfare.beneficiary_share_of_residents", "welfare.beneficiary_share_of_residents"),
    ("welfare.allowance_households", "welfare.allowance_households"),
    ("welfare.allowance_monthly_fen", "welfare.allowance_monthly_fen"),
    ("welfare.disbursed.{programme}.{month}.total_fen", "welfare.disbursed.{programme}.{month}.total_fen"),
    ("welfare.cycles_pending_approval", "welfare.cycles_pending_approval"),
    ("welfare.relief.{occasion}.count", "welfare.relief.{occasion}.count"),
    ("welfare.relief.{occasion}.value_fen", "welfare.relief.{occasion}.value_fen"),
    ("welfare.relief_total", lambda body: sum(r["value_fen"] for r in body["welfare"]["relief"].values())),
    ("welfare.assisted_employment.placements", "welfare.assisted_employment.placements"),
    ("welfare.assisted_employment.wages_fen", "welfare.assisted_employment.wages_fen"),
    # volunteering
    ("volunteering.registered_volunteers", "volunteering.registered_volunteers"),
    ("volunteering.active_volunteers_90d", "volunteering.active_volunteers_90d"),
    ("volunteering.volunteers_per_1000_residents", "volunteering.volunteers_per_1000_residents"),
    ("volunteering.hours_total", "volunteering.hours_total"),
    ("volunteering.hours_by_month.{month}", "volunteering.hours_by_month.{month}"),
    ("volunteering.activities_held", "volunteering.activities_held"),
    ("volunteering.help_requests.received", "volunteering.help_requests.received"),
    ("volunteering.help_requests.fulfilled", "volunteering.help_requests.fulfilled"),
    ("volunteering.help_requests.median_hours_to_fulfil", "volunteering.help_requests.median_hours_to_fulfil"),
    ("volunteering.points.awarded", "volunteering.points.awarded"),
    ("volunteering.points.redeemed", "volunteering.points.redeemed"),
    ("volunteering.team_leaderboard.{rank}.hours", "volunteering.team_leaderboard.{rank}.hours"),
]

# Where the two levels differ: income growth (district: in the economy totals; community: beside them).
DISTRICT: list[tuple[str, Path]] = COMMON + [
    ("income_growth", "economy.income_growth"),
    ("economy.per_capita_income_latest", lambda body: _latest(body["economy"]["per_capita_income_by_year"])),
]
COMMUNITY: list[tuple[str, Path]] = COMMON + [
    ("income_growth", "income_growth"),
    ("economy.per_capita_income_latest", "indicators.per_capita_income_fen"),
    # per grid cell: name (text), households, workers, open/overdue/resolved (and by category), resolve time,
    # satisfaction, mediation, inspections and hazards, rental households, follow-ups active
    ("grid.cells.{cell}.households", "grid.cells.{cell}.households"),
    ("grid.cells.{cell}.workers", "grid.cells.{cell}.workers"),
    ("grid.cells.{cell}.cases.open", "grid.cells.{cell}.cases.open"),
    ("grid.cells.{cell}.cases.overdue", "grid.cells.{cell}.cases.overdue"),
    ("grid.cells.{cell}.cases.resolved", "grid.cells.{cell}.cases.resolved"),
    ("grid.cells.{cell}.cases_by_category.{category}.open", "grid.cells.{cell}.cases_by_category.{category}.open"),
    ("grid.cells.{cell}.cases_by_category.{category}.overdue",
     "grid.cells.{cell}.cases_by_category.{category}.overdue"),
    ("grid.cells.{cell}.cases_by_category.{category}.resolved",
     "grid.cells.{cell}.cases_by_category.{category}.resolved"),
    ("grid.cells.{cell}.resolve_hours.median", "grid.cells.{cell}.resolve_hours.median"),
    ("grid.cells.{cell}.resolve_hours.p90", "grid.cells.{cell}.resolve_hours.p90"),
    ("grid.cells.{cell}.satisfaction.average", "grid.cells.{cell}.satisfaction.average"),
    ("grid.cells.{cell}.mediation.opened", "grid.cells.{cell}.mediation.opened"),
    ("grid.cells.{cell}.mediation.success_rate", "grid.cells.{cell}.mediation.success_rate"),
    ("grid.cells.{cell}.inspections", "grid.cells.{cell}.inspections"),
    ("grid.cells.{cell}.hazards", "grid.cells.{cell}.hazards"),
    ("grid.cells.{cell}.rental_households", "grid.cells.{cell}.rental_households"),
    ("grid.cells.{cell}.followups_active", "grid.cells.{cell}.followups_active"),
    ("grid.cells.{cell}.reoffending_rate", "grid.cells.{cell}.reoffending_rate"),
    ("grid.cells.{cell}.mediation_by_type.{dispute}.opened", "grid.cells.{cell}.mediation_by_type.{dispute}.opened"),
    ("grid.cells.{cell}.mediation_by_type.{dispute}.success_rate",
     "grid.cells.{cell}.mediation_by_type.{dispute}.success_rate"),
    ("grid.cells.{cell}.resolve_hours_by_category.{category}.median",
     "grid.cells.{cell}.resolve_hours_by_category.{category}.median"),
]

# The rankings the issues name (plus the panel's default), by indicator of /district/rankings.
RANKINGS = ["collective_income_growth", "arrears_fen", "overdue_cases", "mediation_success_rate",
            "volunteers_per_1000_residents"]

SHOWN_TEAMS = 10  # the leaderboard shows the top ten


def _latest(by_year: dict[str, Any]) -> Any:
    return by_year[max(by_year)] if by_year else None


def _recent_months(today: date) -> set[str]:
    """The months the page's monthly charts and tables show: the last twelve."""
    return {month_of(today, back).strftime("%Y-%m") for back in range(12)}


def expand(table: list[tuple[str, Path]], body: dict[str, Any], today: date) -> dict[str, Any]:
    """Figure name -> expected API value, every {placeholder} replaced by each key the API serves there."""
    recent = _recent_months(today)
    expected: dict[str, Any] = {}

    def walk(figure: str, parts: list[str], value: Any, bound: dict[str, str]) -> None:
        if not parts:
            expected[figure.format(**bound)] = value
            return
        head, rest = parts[0], parts[1:]
        if head.startswith("{") and head.endswith("}"):
            name = head[1:-1]
            items = list(enumerate(value)) if isinstance(value, list) else list((value or {}).items())
            for key, inner in items:
                key = str(key)
                if name == "month" and key not in recent:
                    continue
                if name == "rank" and int(key) >= SHOWN_TEAMS:
                    continue
                walk(figure, rest, inner, {**bound, name: key})
            return
        assert isinstance(value, dict) and head in value, f"the API serves no {head!r} for {figure}"
        walk(figure, rest, value[head], bound)

    for figure, path in table:
        if callable(path):
            expected[figure] = path(body)
        else:
            walk(figure, path.split("."), body, {})
    return expected


def shown_figures(driver: Any, prefix: str) -> dict[str, str]:
    """Every data-figure under #main whose name starts with `prefix`, with its data-value (hidden tabs included)."""
    return driver.execute_script(
        "var prefix = arguments[0], out = {};"
        "document.querySelectorAll('#main [data-figure][data-value]').forEach(function (el) {"
        " var name = el.getAttribute('data-figure');"
        " if (name.indexOf(prefix) === 0) { out[name.slice(prefix.length)] = el.getAttribute('data-value'); } });"
        "return out;", prefix)


def mismatches(expected: dict[str, Any], shown: dict[str, str]) -> list[tuple[str, Any, str | None]]:
    wrong = []
    for name, value in expected.items():
        raw = shown.get(name)
        if raw is None:
            wrong.append((name, value, "not shown"))
        elif value is None:
            if raw != "":
                wrong.append((name, value, raw))
        elif raw == "" or float(raw) != float(value):
            wrong.append((name, value, raw))
    return wrong


def compare_page(driver: Any, url: str, view: str, prefix: str, fetch: Any, table: list[tuple[str, Path]],
                 ) -> tuple[dict[str, Any], dict[str, Any]]:
    """Render, read the page, then fetch the API; re-render only if a figure moved in between."""
    wrong: list[Any] = []
    for _ in range(3):
        driver.get("about:blank")
        driver.get(url)
        wait_ready(driver, view, timeout=30)
        shown = shown_figures(driver, prefix)
        body = fetch()
        expected = expand(table, body, date.fromisoformat(body["freshness"]["served_at"][:10]))
        wrong = mismatches(expected, shown)
        if not wrong:
            return body, expected
    raise AssertionError(f"{len(wrong)} figures differ from the API (figure, API, shown): {wrong[:25]}")


def ranking_rows(driver: Any) -> list[tuple[int, str, str]]:
    return driver.execute_script(
        "return Array.from(document.querySelectorAll('[data-figure=\"ranking.row\"]')).map(function (r) {"
        " return [parseInt(r.getAttribute('data-rank'), 10), r.getAttribute('data-community'),"
        " r.getAttribute('data-value')]; });")


UNTRANSLATED = re.compile(r"\b(?:g|e|w|v|ind|rank|tab|section|insp|fgroup|occasion|exp)\.[a-z_0-9]+\b")


def test_every_named_figure_is_shown_as_the_api_serves_it(demo):  # noqa: F811 - the fixture
    from selenium.webdriver.support.ui import Select, WebDriverWait

    _, port, printed = demo
    base = f"http://127.0.0.1:{port}"
    operator = {"Authorization": f"Bearer {printed['SHEQU_OPERATOR_TOKEN']}"}
    driver = None
    with httpx.Client(base_url=base, timeout=30) as http:
        def get(path: str, **params: Any) -> dict[str, Any]:
            response = http.get(path, headers=operator, params=params)
            assert response.status_code == 200, (path, response.text)
            return response.json()

        # The seeded district, settled: no event is on its way (relays, sagas, projector).
        wait_settled(http, operator)
        try:
            driver = chromium(1440, 2200)
            driver.get(printed["SHEQU_DASHBOARD"])
            wait_ready(driver, "overview", timeout=30)

            # District level.
            overview, expected = compare_page(driver, f"{base}/district/#/", "overview", "district.",
                                              lambda: get("/district/overview"), DISTRICT)
            assert len(expected) > 150, len(expected)
            assert any(k.startswith("grid.cases_by_category.") for k in expected)
            assert any(k.startswith("volunteering.hours_by_month.") for k in expected)
            assert any(k.startswith("welfare.disbursed.") for k in expected)
            assert overview["freshness"]["projector_lag_events"] == 0
            driver.execute_script("window.scrollTo(0, 0);")
            ARTIFACTS.mkdir(exist_ok=True)
            driver.save_screenshot(str(ARTIFACTS / "dashboard-figures-overview.png"))

            # The rankings panel: each named ranking as /district/rankings serves it (top ten, highest first).
            select = Select(driver.find_element("css selector", '[data-figure="rankings-indicator"]'))
            for indicator in RANKINGS:
                wrong: Any = None
                for _ in range(3):
                    select.select_by_value("arrears_fen" if indicator != "arrears_fen" else "overdue_cases")
                    select.select_by_value(indicator)
                    WebDriverWait(driver, 15).until(lambda d, want=indicator: d.execute_script(
                        "var p = document.querySelector('[data-figure=\"rankings\"]');"
                        "return p.getAttribute('data-indicator') === arguments[0] &&"
                        " p.getAttribute('data-loaded') === 'true';", want))
                    rows = ranking_rows(driver)
                    served = get("/district/rankings", indicator=indicator, limit=10)["ranking"]
                    assert served, f"no community is ranked by {indicator}"
                    want = [(r["rank"], r["community_id"], r["value"]) for r in served]
                    got = [(rank, cid, float(value) if value != "" else None) for rank, cid, value in rows]
                    wrong = None if got == [(r, c, None if v is None else float(v)) for r, c, v in want] \
                        else (indicator, got, want)
                    if wrong is None:
                        break
                assert wrong is None, wrong
            driver.save_screenshot(str(ARTIFACTS / "dashboard-figures-rankings.png"))

            # Community level, with every grid cell.
            for cid in COMMUNITIES:
                body, expected = compare_page(driver, f"{base}/district/#/community/{cid}", "community",
                                              "community.", lambda cid=cid: get(f"/district/communities/{cid}"),
                                              COMMUNITY)
                cells = body["grid"]["cells"]
                assert cells and all(f"grid.cells.{cell}.cases.open" in expected for cell in cells)
                names = driver.execute_script(
                    "var out = {}; document.querySelectorAll('[data-figure^=\"community.grid.cells.\"]')"
                    ".forEach(function (el) { var m = /^community\\.grid\\.cells\\.(.+)\\.name$/"
                    ".exec(el.getAttribute('data-figure')); if (m) { out[m[1]] = el.textContent; } });"
                    "return out;")
                assert names == {cell: figures["name"] for cell, figures in cells.items()}
                # A cell's cases by category open under its row.
                driver.find_element("css selector", '[data-figure="tab.grid"]').click()
                first = driver.find_element("css selector", '[data-figure="cell-toggle"]')
                first.click()
                cell = first.get_attribute("data-cell")
                detail = driver.find_element("css selector", f'[data-figure="cell-detail"][data-cell="{cell}"]')
                assert detail.is_displayed()
                for tab in ("grid", "economy", "welfare", "volunteering"):
                    driver.find_element("css selector", f'[data-figure="tab.{tab}"]').click()
                    assert driver.find_element("css selector", f'[data-figure="domain.{tab}"]').is_displayed()
                    driver.save_screenshot(str(ARTIFACTS / f"dashboard-figures-{cid}-{tab}.png"))

            # Every new label exists in both languages (no i18n key shows through).
            for language in ("zh-CN", "en"):
                if driver.execute_script("return document.documentElement.lang") != language:
                    driver.find_element("css selector", '[data-figure="lang-switch"]').click()
                    WebDriverWait(driver, 10).until(
                        lambda d, want=language: d.execute_script("return document.documentElement.lang") == want)
                for url, view in ((f"{base}/district/#/", "overview"),
                                  (f"{base}/district/#/community/huasheng", "community")):
                    driver.get(url)
                    wait_ready(driver, view, timeout=30)
                    text = driver.execute_script("return document.getElementById('main').textContent")
                    assert not UNTRANSLATED.findall(text), (language, view, UNTRANSLATED.findall(text)[:10])
                    if language == "en":
                        assert "Grid cells" in text or view == "overview"
                        assert "Community rankings" in text or view == "community"
            driver.save_screenshot(str(ARTIFACTS / "dashboard-figures-huasheng-en.png"))
            errors = severe(driver)
            assert not errors, errors
        finally:
            if driver is not None:
                driver.execute_script("localStorage.removeItem('shequ.lang')")
                driver.quit()
