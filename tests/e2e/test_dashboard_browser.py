"""The district dashboard in a real browser: `shequ demo` as a subprocess, Chromium headless via Selenium.

Seeds a few communities and cases through the HTTP API, waits until the district
read side shows them, then checks that the page shows exactly the API's figures,
opens a community, switches language, and saves a screenshot to
test-artifacts/dashboard.png. Skipped (with the reason) where Chromium or its
driver is missing, except under CI=true, where that is a failure.
"""

from __future__ import annotations

import json
import os
import shutil
import time
from datetime import date
from pathlib import Path
from typing import Any

import httpx
import pytest

from services.district.projections.community_visits import quarter_of
from shared.platform.broker import free_port
from tests.demo_process import mint_token, start_demo, stop_demo, wait_settled
from tests.kafka_helpers import wait_for

pytestmark = pytest.mark.e2e

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
CHROMIUM = next((p for p in ("/usr/bin/chromium", "/usr/bin/chromium-browser") if os.path.exists(p)), None)
CHROMEDRIVER = shutil.which("chromedriver") or ("/usr/bin/chromedriver" if os.path.exists("/usr/bin/chromedriver")
                                                else None)

# Registered by the test (the demo may have seeded a district of its own beside it).
COMMUNITY = {"id": "dashboard-e2e", "name": "仪表盘测试社区", "district": "测试街道", "households": 1250,
             "residents": 3480, "floating_population": 410}
CASES = ["noise", "sanitation", "noise", "drainage", "roads_and_lighting"]
STAFF_CASES = [("jinpen", "neighbour_dispute"), ("huasheng", "sanitation")]
VISIT_CELLS = [("走访一格", 40), ("走访二格", 60)]


def _missing_browser() -> str | None:
    if CHROMIUM is None or CHROMEDRIVER is None:
        return "Chromium and chromedriver are not installed (apt-get install -y chromium chromium-driver)"
    try:
        import selenium  # noqa: F401
    except ImportError:
        return "the selenium package is not installed (pip install selenium)"
    return None


@pytest.fixture(scope="module")
def browser_available() -> None:
    reason = _missing_browser()
    if reason:
        if os.environ.get("CI") == "true":
            pytest.fail(f"CI must run the browser test: {reason}")
        pytest.skip(reason)


def month_of(today: date, back: int) -> date:
    year, month = today.year, today.month - back
    while month < 1:
        year, month = year - 1, month + 12
    return date(year, month, 1)


def post(http: httpx.Client, path: str, headers: dict[str, str], body: dict[str, Any]) -> httpx.Response:
    """POST, retrying the 409 an optimistic-concurrency conflict answers (the command is safe to repeat)."""
    for _ in range(10):
        response = http.post(path, headers=headers, json=body)
        if response.status_code != 409 or "concurrent" not in response.text:
            return response
        time.sleep(0.2)
    return response


def seed(http: httpx.Client, admin: dict[str, str], staff: dict[str, str]) -> dict[str, int]:
    """A community of our own with cases (one resolved), a leased market with rent paid and owed, volunteers in a
    team; and cases in two demo communities with the staff token. Returns what the district must reflect."""
    response = post(http, "/grid/communities", admin, COMMUNITY)
    assert response.status_code == 201, response.text
    cid = COMMUNITY["id"]
    ids = []
    for category in CASES:
        response = http.post("/grid/cases", headers=admin,
                             json={"community_id": cid, "category": category, "description": "dashboard test"})
        assert response.status_code == 201, response.text
        ids.append(response.json()["id"])
    assert http.post(f"/grid/cases/{ids[0]}/resolve", headers=admin, json={"outcome": "fixed"}).status_code == 200
    # Household visits in one of two cells: two households, one of them visited twice.
    cells = []
    for name, households in VISIT_CELLS:
        response = http.post("/grid/cells", headers=admin, json={"community_id": cid, "name": name,
                                                                 "households": households})
        assert response.status_code == 201, response.text
        cells.append(response.json()["id"])
    assigned = http.post(f"/grid/cells/{cells[0]}/workers", headers=admin, json={"worker_id": "dashboard-worker"})
    assert assigned.status_code == 200, assigned.text
    for household in ("DB-01-0001", "DB-01-0002", "DB-01-0001"):
        response = http.post("/grid/visits", headers=admin, json={
            "community_id": cid, "grid_cell_id": cells[0], "target_kind": "household", "target_id": household,
            "purpose": "routine", "visited_on": date.today().isoformat(), "worker_id": "dashboard-worker"})
        assert response.status_code == 201, response.text
    for community, category in STAFF_CASES:
        response = http.post("/grid/cases", headers=staff,
                             json={"community_id": community, "category": category, "description": "dashboard test"})
        assert response.status_code == 201, response.text

    today = date.today()
    start = month_of(today, 5)

    def register_asset():  # the other services learn the new community from grid's events within seconds
        response = http.post(f"/economy/communities/{cid}/assets", headers=admin, json={
            "asset_type": "market", "name": "测试批发市场", "area_m2": 12000, "book_value": 800_000_000,
            "registered_on": start.isoformat()})
        return None if response.status_code == 422 and "district directory" in response.text else response

    asset = wait_for(register_asset, timeout=60)
    assert asset.status_code == 201, asset.text
    asset_id = asset.json()["id"]
    tenant = http.post(f"/economy/communities/{cid}/enterprises", headers=admin, json={
        "name": "测试市场经营公司", "sector": "wholesale_retail", "registered_on": start.isoformat()})
    assert tenant.status_code == 201, tenant.text
    lease = http.post(f"/economy/assets/{asset_id}/leases", headers=admin, json={
        "tenant_enterprise_id": tenant.json()["id"], "monthly_rent": 4_500_000, "starts_on": start.isoformat(),
        "ends_on": date(today.year + 2, 12, 31).isoformat()})
    assert lease.status_code == 201, lease.text
    lease_id = lease.json()["id"]
    for back in range(5, -1, -1):
        month = month_of(today, back)
        billed = http.post(f"/economy/assets/{asset_id}/leases/{lease_id}/rent-bills", headers=admin,
                           json={"month": month.strftime("%Y-%m")})
        assert billed.status_code == 200, billed.text
        if back >= 2:  # the last two months stay unpaid: arrears
            paid = http.post(f"/economy/assets/{asset_id}/leases/{lease_id}/payments", headers=admin,
                             json={"amount": 4_500_000, "paid_on": month.replace(day=10).isoformat()})
            assert paid.status_code == 200, paid.text

    volunteers = []
    for n, name in enumerate(("志愿者甲", "志愿者乙", "志愿者丙")):
        def register(name=name, n=n):  # noqa: ANN202 - waits, like the asset above, for the learned directory
            response = http.post("/volunteering/volunteers", headers=admin,
                                 json={"community_id": cid, "name": name, "phone": f"1380000000{n}"})
            return None if response.status_code == 422 and "district directory" in response.text else response

        response = wait_for(register, timeout=60)
        assert response.status_code == 201, response.text
        volunteers.append(response.json()["id"])
    team = http.post("/volunteering/teams", headers=admin,
                     json={"community_id": cid, "name": "红色帮帮团", "purpose": "issue_collection"})
    assert team.status_code == 201, team.text
    for volunteer in volunteers[:2]:
        joined = http.post(f"/volunteering/teams/{team.json()['id']}/join", headers=admin,
                           json={"volunteer_id": volunteer})
        assert joined.status_code == 200, joined.text
    return {"reported": len(CASES), "resolved": 1, "volunteers": len(volunteers), "households_visited": 2,
            "cells": cells}


def seed_welfare_services(http: httpx.Client, officer: dict[str, str]) -> dict[str, Any]:
    """In our community: two job seekers, one placed through a vacancy, a referral, an interview and the
    employer's acceptance; a household approved after its public notice (its objection dismissed) and another
    in its notice with an objection open. Returns the figures the community's welfare pane must show."""
    cid, today = COMMUNITY["id"], date.today()

    def ago(days: int) -> str:
        return date.fromordinal(today.toordinal() - days).isoformat()

    def ok(path: str, body: dict[str, Any]) -> dict[str, Any]:
        response = post(http, path, officer, body)
        assert response.status_code in (200, 201), (path, response.text)
        return response.json()

    def person(n: int) -> str:
        def register():  # noqa: ANN202 - waits, like the asset above, for the learned directory
            response = http.post("/welfare/persons", headers=officer, json={
                "community_id": cid, "name": f"测试居民{n}", "national_id": f"11010119800101{n:03d}7",
                "phone": "13800000000", "address": "测试社区1栋", "birth_date": "1980-01-01"})
            return None if response.status_code == 422 and "district directory" in response.text else response

        response = wait_for(register, timeout=60)
        assert response.status_code == 201, response.text
        return response.json()["id"]

    persons = [person(n) for n in range(6)]
    seekers = [ok("/welfare/seekers", {"person_id": p, "group": "unemployed", "registered_on": ago(30)})["id"]
               for p in persons[:2]]
    vacancy = ok("/welfare/vacancies", {"community_id": cid, "enterprise_id": "3f1c2a7e-0000-4000-8000-00000000e2e0",
                                        "title": "保安", "positions": 2, "monthly_wage_fen": 220_000,
                                        "posted_on": ago(29)})["id"]
    referral = ok("/welfare/referrals", {"seeker_id": seekers[0], "vacancy_id": vacancy, "on": ago(28)})["id"]
    ok(f"/welfare/referrals/{referral}/interviews", {"on": ago(27), "outcome": "合适"})
    ok(f"/welfare/referrals/{referral}/answer", {"accepted": True, "on": ago(26)})
    ok(f"/welfare/referrals/{referral}/placement", {"on": ago(25), "monthly_wage_fen": 220_000})

    threshold = http.put(f"/welfare/communities/{cid}/threshold", headers=officer,
                         json={"threshold_fen": 62_000, "effective_from": ago(60), "notice_days": 7})
    assert threshold.status_code == 200, threshold.text
    for members, notice_from, approve in ((persons[2:4], 14, True), (persons[4:6], 1, False)):
        h = ok("/welfare/households", {"community_id": cid, "members": members, "income_per_person_fen": 0})["id"]
        ok(f"/welfare/households/{h}/application", {"applicant_id": members[0], "on": ago(notice_from + 6)})
        ok(f"/welfare/households/{h}/investigation", {"as_of": ago(notice_from + 4), "assets_fen": 0, "members": [
            {"person_id": m, "monthly_income_fen": 30_000} for m in members]})
        ok(f"/welfare/households/{h}/community-review", {"on": ago(notice_from + 2), "passed": True,
                                                         "votes_for": 9, "votes_against": 0})
        ok(f"/welfare/households/{h}/notice", {"starts_on": ago(notice_from)})
        ok(f"/welfare/households/{h}/objections", {"on": ago(notice_from), "ground": "测试异议"})
        if approve:
            ok(f"/welfare/households/{h}/objections/1/resolution", {"on": ago(notice_from - 2), "upheld": False,
                                                                    "finding": "不属实"})
            ok(f"/welfare/households/{h}/approval", {"monthly_fen": 39_000, "from_date": ago(0)})
    return {"community.employment.seekers": 2, "community.employment.placements": 1,
            "community.employment.placement_rate": 0.5, "community.employment.vacancies.positions": 2,
            "community.minimum_allowance.households": 1, "community.minimum_allowance.persons": 2,
            "community.minimum_allowance.monthly_granted_fen": 39_000,
            "community.minimum_allowance.objections.lodged": 2, "community.minimum_allowance.objections.open": 1,
            "community.minimum_allowance.applications_by_stage.in_notice": 1,
            "community.minimum_allowance.applications_by_stage.approved": 1}


def _dig_figure(figures: dict[str, Any], name: str) -> Any:
    """The API's value of a data-figure name ("community.employment.seekers")."""
    value: Any = figures
    for key in name.split(".")[1:]:
        value = value[key]
    return value


def expected_welfare_services(figures: dict[str, Any], p: str) -> dict[str, Any]:
    """The figures of the employment and minimum-allowance panels, by data-figure name, from the API's answer."""
    work, allowance = figures["employment"], figures["minimum_allowance"]
    out = {f"{p}employment.{k}": work[k] for k in ("seekers", "seekers_seeking", "placements", "in_work",
                                                   "placement_rate")}
    out.update({f"{p}employment.retention.{m}.rate": work["retention"][m]["rate"] for m in ("3", "6")})
    out[f"{p}employment.vacancies.positions"] = work["vacancies"]["positions"]
    out[f"{p}employment.training.certificates"] = work["training"]["certificates"]
    for group, g in work["by_group"].items():
        out[f"{p}employment.by_group.{group}.placements"] = g["placements"]
        out[f"{p}employment.by_group.{group}.placement_rate"] = g["placement_rate"]
    out.update({f"{p}minimum_allowance.{k}": allowance[k] for k in ("households", "persons", "monthly_granted_fen",
                                                                   "applications_open")})
    out.update({f"{p}minimum_allowance.objections.{k}": v for k, v in allowance["objections"].items()})
    out.update({f"{p}minimum_allowance.applications_by_stage.{k}": v
                for k, v in allowance["applications_by_stage"].items()})
    out.update({f"{p}minimum_allowance.paid_by_month.{m}": v
                for m, v in sorted(allowance["paid_by_month"].items())[-12:]})
    return out


# -- the browser ------------------------------------------------------------------------------------------

def chromium(width: int = 1440, height: int = 1200) -> Any:
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-dev-shm-usage", "--disable-extensions", "--no-first-run", "--disable-sync",
                 "--disable-component-update", "--disable-default-apps", "--lang=zh-CN",
                 f"--window-size={width},{height}", "--force-device-scale-factor=1"):
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    return webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)


def attr(driver: Any, selector: str, name: str) -> str | None:
    """One attribute, read atomically in the page (the page may re-render between two WebDriver calls)."""
    return driver.execute_script(
        "var el = document.querySelector(arguments[0]); return el ? el.getAttribute(arguments[1]) : null;",
        selector, name)


def row_ids(driver: Any) -> list[str]:
    return driver.execute_script(
        "return Array.from(document.querySelectorAll('[data-figure=\"community-row\"]'))"
        ".map(function (r) { return r.getAttribute('data-community'); });")


def severe(driver: Any) -> list[dict[str, Any]]:
    return [entry for entry in driver.get_log("browser") if entry["level"] == "SEVERE"]


def figures(driver: Any, scope: str = "") -> dict[str, str]:
    """data-figure name -> data-value of every figure element under `scope` with a value."""
    return driver.execute_script(
        "var out = {}; document.querySelectorAll(arguments[0] + ' [data-figure][data-value]')"
        ".forEach(function (el) { out[el.getAttribute('data-figure')] = el.getAttribute('data-value'); });"
        "return out;", scope or "body")


def wait_ready(driver: Any, view: str, timeout: float = 15) -> None:
    from selenium.webdriver.support.ui import WebDriverWait

    WebDriverWait(driver, timeout).until(lambda d: d.execute_script(
        "var m = document.getElementById('main');"
        "return m.getAttribute('data-view') === arguments[0] && m.hasAttribute('data-ready') &&"
        " !m.classList.contains('is-loading') && !!m.querySelector('[data-figure]');", view))


def expected_overview(overview: dict[str, Any]) -> dict[str, Any]:
    def dig(*path: str) -> Any:
        value: Any = overview
        for key in path:
            if not isinstance(value, dict) or key not in value:
                return None
            value = value[key]
        return value

    beneficiaries = dig("welfare", "beneficiaries")
    return {
        "overview.communities": overview["communities"],
        "overview.households": overview["households"],
        "overview.residents": overview["residents"],
        "overview.open_cases": dig("grid", "cases", "open"),
        "overview.reported_cases": dig("grid", "cases", "reported"),
        "overview.overdue_cases": dig("grid", "cases", "overdue"),
        "overview.mediation_success_rate": dig("grid", "mediation", "success_rate"),
        "overview.collective_income_ytd": dig("economy", "income_ytd"),
        "overview.debt_outstanding": dig("economy", "debt_outstanding"),
        "overview.arrears": dig("economy", "arrears", "outstanding"),
        "overview.arrears_90_plus": dig("economy", "arrears", "aging", "90+"),
        "overview.beneficiaries": sum(beneficiaries.values()) if isinstance(beneficiaries, dict) else None,
        "overview.allowance_households": dig("welfare", "allowance_households"),
        "overview.volunteers": dig("volunteering", "registered_volunteers"),
        "overview.volunteer_hours": dig("volunteering", "hours_total"),
    }


# The public-affairs panel of the economy pane: figure paths under `economy` (disclosures, tenders, expiring
# leases, property fees), each shown with the API's value.
PUBLIC_AFFAIRS = ["disclosures.published", "disclosures.corrections", "tenders.awarded", "tenders.bids",
                  "leases_expiring", "property_fees.rate", "property_fees.households", "property_fees.arrears",
                  "property_fees.households_in_arrears"]


def public_affairs_shown(driver: Any, scope: str, economy: dict[str, Any]) -> list[tuple[str, str | None, str]]:
    """(figure, shown, expected) for each public-affairs figure of the pane `scope` ("district", "community")."""
    shown = figures(driver, '[data-figure="economy.public_affairs"]')
    out = []
    for path in PUBLIC_AFFAIRS:
        value: Any = economy
        for key in path.split("."):
            value = value[key]
        out.append((path, shown.get(f"{scope}.economy.{path}"), as_shown(value)))
    return out


def as_shown(value: Any) -> str:
    """How a raw API number appears in data-value (JavaScript's String(number)); missing is empty."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return json.dumps(value)


@pytest.fixture(scope="module")
def demo(browser_available: None, tmp_path_factory: pytest.TempPathFactory) -> Any:
    """One `shequ demo` for the module (a first start seeds the demo district, which takes a while)."""
    data_dir = tmp_path_factory.mktemp("dashboard") / "data"
    port = free_port()
    process, printed = start_demo(data_dir, port)
    try:
        yield data_dir, port, printed
    finally:
        stop_demo(process)


def test_dashboard_in_chromium_shows_the_api_figures(demo):
    from selenium.webdriver.support.ui import WebDriverWait

    data_dir, port, printed = demo
    base = f"http://127.0.0.1:{port}"
    operator = {"Authorization": f"Bearer {printed['SHEQU_OPERATOR_TOKEN']}"}
    staff = {"Authorization": f"Bearer {printed['SHEQU_STAFF_TOKEN']}"}
    cid = COMMUNITY["id"]
    driver = None
    try:
        assert printed["SHEQU_DASHBOARD"] == f"{base}/district/#token={printed['SHEQU_OPERATOR_TOKEN']}"
        admin_token = mint_token(data_dir, "admin", "community_staff", subject="dashboard-test-admin")
        admin = {"Authorization": f"Bearer {admin_token}"}
        with httpx.Client(base_url=base, timeout=30) as http:
            page = http.get("/district/")
            assert page.status_code == 200 and '<script type="module" src="static/main.js">' in page.text
            assert "default-src 'self'" in page.headers["content-security-policy"]
            assert http.get("/district/static/main.js").headers["content-type"].startswith("text/javascript")
            assert http.get("/district/static/app.css").headers["content-type"].startswith("text/css")
            assert http.get("/", follow_redirects=False).headers["location"] == "/district/"

            expected = seed(http, admin, staff)
            officer_token = mint_token(data_dir, "welfare_officer", communities=(cid,),
                                       subject="dashboard-test-officer")
            welfare_shown = seed_welfare_services(http, {"Authorization": f"Bearer {officer_token}"})

            def reflected() -> dict[str, Any] | None:
                mine = http.get(f"/district/communities/{cid}", headers=operator)
                if mine.status_code != 200:
                    return None
                mine = mine.json()
                cases = mine.get("grid", {}).get("cases", {})
                done = (cases.get("reported") == expected["reported"] and cases.get("resolved") == expected["resolved"]
                        and mine["indicators"]["arrears_fen"]
                        and mine["indicators"]["volunteers"] == expected["volunteers"]
                        and mine.get("minimum_allowance", {}).get("objections", {}).get("lodged") == 2
                        and mine.get("employment", {}).get("placements") == 1
                        and (mine.get("visits") or {}).get("quarters", {}).get(quarter_of(date.today()), {}).get(
                            "households_visited") == expected["households_visited"]
                        and mine["freshness"]["projector_lag_events"] == 0)
                return mine if done else None

            wait_for(reflected, timeout=120)
            # Compare against a settled district: the demo's own seeding may still be flowing through sagas.
            overview = wait_settled(http, operator)

            driver = chromium(1440, 1900)
            driver.get(printed["SHEQU_DASHBOARD"])
            wait_ready(driver, "overview")
            # The token moved from the address bar into the tab's session storage.
            assert "token=" not in driver.current_url
            assert driver.execute_script("return sessionStorage.getItem('shequ.token')") == \
                printed["SHEQU_OPERATOR_TOKEN"]
            assert driver.execute_script("return document.documentElement.lang") == "zh-CN"

            shown = figures(driver, '[data-figure="overview"]')
            for name, value in expected_overview(overview).items():
                assert shown.get(name) == as_shown(value), (name, shown.get(name), value)
            district_visits = figures(driver, '[data-figure="domain.grid"]')
            for quarter, counts in overview["visits"]["quarters"].items():
                for name in ("visits", "households_visited", "registered_households", "coverage"):
                    figure = f"district.visits.quarters.{quarter}.{name}"
                    assert district_visits.get(figure) == as_shown(counts[name]), figure
            assert int(shown["overview.communities"]) >= 1
            # Welfare's services in the district's welfare pane: the same figures as the API's overview.
            shown = figures(driver, '[data-figure="domains"]')
            for name, value in expected_welfare_services(overview, "district.").items():
                assert shown.get(name) == as_shown(value), (name, shown.get(name), value)
            assert overview["employment"]["placements"] > 0 and overview["minimum_allowance"]["paid_by_month"]
            number = driver.find_element("css selector", '[data-figure="overview.residents"]').text
            assert number.replace(",", "") == str(overview["residents"])
            income = overview["economy"]["income_ytd"]
            unit = driver.execute_script(
                "return document.querySelector('[data-figure=\"overview.collective_income_ytd\"]')"
                ".nextElementSibling.textContent")
            assert unit == ("亿元" if income >= 10**10 else "万元" if income >= 10**6 else "元")

            # The read side may still move (the demo's own activity): the page's as-of lies between two fetches.
            shown_as_of = attr(driver, '[data-figure="freshness"]', "data-as-of")
            later = http.get("/district/overview", headers=operator).json()["freshness"]["as_of"] or ""
            assert (overview["freshness"]["as_of"] or "") <= shown_as_of <= later, (shown_as_of, later)
            assert attr(driver, '[data-figure="freshness"]', "data-lag") == "0"
            assert "数据截至" in driver.find_element("css selector", '[data-figure="freshness"]').text

            for path, shown_value, expected_value in public_affairs_shown(driver, "district", overview["economy"]):
                assert shown_value == expected_value, (path, shown_value, expected_value)

            table = http.get("/district/communities", headers=operator, params={"limit": 20}).json()
            assert row_ids(driver) == [r["community_id"] for r in table["rows"]]
            assert attr(driver, '[data-figure="communities-total"]', "data-value") == str(table["total"])
            first = table["rows"][0]
            shown = figures(driver, f'[data-figure="community-row"][data-community="{first["community_id"]}"]')
            for column in ("residents", "open_cases", "overdue_cases", "collective_income_ytd_fen", "arrears_fen"):
                assert shown[f"cell.{column}"] == as_shown(first[column]), column
            spark = attr(driver, f'[data-community="{first["community_id"]}"] '
                                 '[data-figure="sparkline.trend_cases_reported"]', "data-values")
            assert spark == ",".join(as_shown(v) for v in first["trend_cases_reported"])
            assert attr(driver, '[data-figure="alerts"]', "data-count") == \
                str(len(http.get("/district/alerts", headers=operator).json()["alerts"]))

            # Sorting by clicking a header asks the API again (descending first for figures).
            driver.find_element("css selector", 'th[data-sort="open_cases"]').click()
            WebDriverWait(driver, 10).until(
                lambda d: attr(d, '[data-figure="communities-table"]', "data-sort") == "open_cases")
            by_open = http.get("/district/communities", headers=operator,
                               params={"sort": "open_cases", "descending": "true", "limit": 20}).json()
            assert row_ids(driver) == [r["community_id"] for r in by_open["rows"]]

            driver.execute_script("window.scrollTo(0, 0);")
            ARTIFACTS.mkdir(exist_ok=True)
            driver.save_screenshot(str(ARTIFACTS / "dashboard.png"))

            # Search filters through the API; then open our community from its row.
            search = driver.find_element("css selector", '[data-figure="communities-search"]')
            search.send_keys("仪表盘测试")
            WebDriverWait(driver, 10).until(lambda d: row_ids(d) == [cid])
            assert attr(driver, '[data-figure="communities-total"]', "data-value") == "1"
            driver.find_element("css selector", f'[data-figure="community-row"][data-community="{cid}"]').click()
            wait_ready(driver, "community")
            assert driver.current_url.endswith(f"#/community/{cid}")
            assert driver.find_element("css selector", '[data-figure="community.name"]').text == COMMUNITY["name"]
            detail = http.get(f"/district/communities/{cid}", headers=operator).json()
            shown = figures(driver, "#main")
            assert shown["community.open_cases"] == str(detail["indicators"]["open_cases"]) == "4"
            assert shown["community.residents"] == str(COMMUNITY["residents"])
            assert shown["community.arrears"] == str(detail["indicators"]["arrears_fen"]) == "9000000"
            assert shown["community.volunteers"] == "3"
            for name, value in {**expected_welfare_services(detail, "community."), **welfare_shown}.items():
                assert shown.get(name) == as_shown(value), (name, shown.get(name), value)
            for name, value in welfare_shown.items():
                assert _dig_figure(detail, name) == value, name
            for panel in ("grid.cases_month", "grid.cases_by_category", "grid.cells", "grid.visits", "grid.visit_cells",
                          "economy.income_month", "economy.arrears_aging", "chart.teams", "employment",
                          "minimum_allowance"):
                assert driver.find_elements("css selector", f'[data-figure="{panel}"]'), panel
            # Visit coverage: the quarters and the latest quarter's cells, exactly the API's figures.
            visits = detail["visits"]
            quarter = visits["latest_quarter"]
            assert quarter == quarter_of(date.today())
            assert visits["quarters"][quarter]["coverage"] == round(2 / 100, 4)
            for name in ("visits", "households_visited", "persons_visited", "registered_households", "coverage"):
                figure = f"community.visits.quarters.{quarter}.{name}"
                assert shown[figure] == as_shown(visits["quarters"][quarter][name]), figure
            assert shown["community.visits.latest.coverage"] == as_shown(visits["quarters"][quarter]["coverage"])
            for cell_id, cell in visits["quarters"][quarter]["cells"].items():
                for name in ("registered_households", "households_visited", "coverage"):
                    figure = f"community.visits.quarters.{quarter}.cells.{cell_id}.{name}"
                    assert shown[figure] == as_shown(cell[name]), figure
            assert shown[f"community.visits.quarters.{quarter}.cells.{expected['cells'][0]}.coverage"] == "0.05"
            assert shown[f"community.visits.quarters.{quarter}.cells.{expected['cells'][1]}.coverage"] == "0"
            rows = driver.find_elements("css selector", '[data-figure="community.grid.cases_table"] tbody tr')
            assert len(rows) == len(detail["grid"]["cases_by_category"]) == len(set(CASES))
            assert driver.find_elements("css selector", '[data-figure="economy.income_month"] svg polyline')
            teams = driver.execute_script(
                "return document.querySelector('[data-figure=\"chart.teams\"]').textContent")
            assert "红色帮帮团" in teams
            driver.save_screenshot(str(ARTIFACTS / "dashboard-community.png"))

            # Switch language: English labels, remembered in localStorage, same figures.
            driver.find_element("css selector", '[data-figure="lang-switch"]').click()
            WebDriverWait(driver, 10).until(lambda d: d.execute_script("return document.documentElement.lang") == "en")
            wait_ready(driver, "community")
            assert driver.execute_script("return localStorage.getItem('shequ.lang')") == "en"
            assert "Back to district overview" in driver.find_element("css selector", '[data-figure="back"]').text
            assert figures(driver, "#main")["community.open_cases"] == "4"
            driver.find_element("css selector", '[data-figure="back"]').click()
            wait_ready(driver, "overview")
            assert "Data as of" in driver.find_element("css selector", '[data-figure="freshness"]').text
            assert driver.find_element("css selector", '[data-figure="lang-switch"]').text == "中文"
            driver.save_screenshot(str(ARTIFACTS / "dashboard-en.png"))
            driver.find_element("css selector", '[data-figure="lang-switch"]').click()
            WebDriverWait(driver, 10).until(
                lambda d: d.execute_script("return document.documentElement.lang") == "zh-CN")

            # A seeded community's page: its disbursement rows are named by programme, as the API names them.
            jinpen = http.get("/district/communities/jinpen", headers=operator).json()
            disbursed, served = jinpen["welfare"]["disbursed"], jinpen["welfare"]["programmes"]
            assert disbursed and set(disbursed) <= set(served), (sorted(disbursed), served)
            assert set(served) <= set(overview["welfare"]["programmes"])
            driver.get(f"{base}/district/#/community/jinpen")
            wait_ready(driver, "community")
            driver.find_element("css selector", '[data-figure="tab.welfare"]').click()
            names = driver.execute_script(
                "var out = {}; document.querySelectorAll('[data-figure^=\"community.welfare.programmes.\"]')"
                ".forEach(function (el) { var m = /^community\\.welfare\\.programmes\\.(.+)\\.name$/"
                ".exec(el.getAttribute('data-figure')); if (m && el.offsetParent) { out[m[1]] = el.textContent; } });"
                "return out;")
            assert names == {pid: served[pid]["name"] for pid in disbursed}
            driver.save_screenshot(str(ARTIFACTS / "dashboard-jinpen.png"))

            # Xizhuchao: monthly disclosures, its one-year shop lease about to expire, its estates' property fees.
            driver.get(f"{base}/district/#/community/xizhuchao")
            wait_ready(driver, "community")
            xizhuchao = http.get("/district/communities/xizhuchao", headers=operator).json()
            for path, shown_value, expected_value in public_affairs_shown(driver, "community", xizhuchao["economy"]):
                assert shown_value == expected_value, (path, shown_value, expected_value)
            assert xizhuchao["economy"]["property_fees"]["households"] > 0
            assert xizhuchao["economy"]["leases_expiring"] >= 1
            # Residents read the disclosures the panel counts at the community's public address, without a token.
            public = http.get("/economy/public/communities/xizhuchao/disclosures")
            assert public.status_code == 200, public.text
            assert len(public.json()["disclosures"]) == xizhuchao["economy"]["disclosures"]["published"]
            page = http.get("/economy/public/communities/xizhuchao/disclosures.html")
            assert page.status_code == 200 and "西诸朝社区 三务公开" in page.text
            driver.find_element("css selector", '[data-figure="tab.economy"]').click()
            driver.execute_script("document.querySelector('[data-figure=\"economy.public_affairs\"]')"
                                  ".scrollIntoView();")
            driver.save_screenshot(str(ARTIFACTS / "dashboard-xizhuchao-public-affairs.png"))

            # While a rebuild runs, the header says the figures are filling in again (its marker in the read
            # store: the demo's projector pauses for it, and resumes once it is gone).
            from shared.platform.readstore import read_store_client
            from shared.platform.rebuilds import RebuildMarker

            client = read_store_client(printed["SHEQU_MONGO_URL"])
            marker = RebuildMarker(client["shequ_district"])
            rebuild_id = marker.place("browser-test")

            def banner(d: Any) -> str:
                d.refresh()
                wait_ready(d, "community")
                shown = d.find_elements("css selector", '[data-figure="freshness.rebuilding"]')
                return shown[0].text if shown else ""

            try:
                assert "读模型重建中" in WebDriverWait(driver, 30, poll_frequency=1).until(banner)
            finally:
                marker.remove(rebuild_id)
                client.close()
            WebDriverWait(driver, 30, poll_frequency=1).until(lambda d: banner(d) == "")

            errors = severe(driver)
            assert not errors, errors
    finally:
        if driver is not None:
            driver.quit()


def test_dashboard_asks_for_a_token_and_rejects_a_bad_one(demo):
    _, port, printed = demo
    driver = None
    try:
        driver = chromium(1200, 800)
        driver.get(f"http://127.0.0.1:{port}/district/")
        login = driver.find_element("id", "login")
        assert login.is_displayed()
        driver.find_element("id", "token-input").send_keys("not-a-token")
        driver.find_element("css selector", "#login-form button[type=submit]").click()
        from selenium.webdriver.support.ui import WebDriverWait

        WebDriverWait(driver, 10).until(lambda d: d.find_element("id", "login-error").is_displayed())
        assert driver.execute_script("return sessionStorage.getItem('shequ.token')") is None
        driver.find_element("id", "token-input").send_keys(printed["SHEQU_OPERATOR_TOKEN"])
        driver.find_element("css selector", "#login-form button[type=submit]").click()
        wait_ready(driver, "overview")
        assert not login.is_displayed()
        # Only the expected 401 of the bad token may have been logged.
        unexpected = [e for e in severe(driver) if "401" not in e["message"]]
        assert not unexpected, unexpected
    finally:
        if driver is not None:
            driver.quit()
