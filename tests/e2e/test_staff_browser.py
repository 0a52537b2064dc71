"""The staff workbench (/staff/) in a real browser: `shequ demo` as a subprocess, Chromium headless via Selenium.

1. A staff member works a case from report to close through the workbench only (no API call of the test changes
   it), and the district dashboard then shows it: the test waits on the district API's figure, then checks the page.
2. A form the API refuses keeps what was typed and shows the API's reason next to the field it names.
3. A staff member of one community never sees another community's records in any worklist or ledger; the same
   pages do show them to a staff member of both communities, so the check can fail.

Screenshots go to test-artifacts/staff-*.png. Skipped (with the reason) where Chromium or its driver is missing,
except under CI=true, where that is a failure (as the dashboard's browser test).
"""

from __future__ import annotations

import time
from datetime import UTC, date, datetime, timedelta
from typing import Any

import httpx
import pytest

from shared.kernel.actor import pseudonym
from shared.platform.broker import free_port
from tests.demo_process import mint_token, start_demo, stop_demo
from tests.e2e.test_dashboard_browser import ARTIFACTS, browser_available, chromium, figures, post, wait_ready
from tests.kafka_helpers import wait_for

pytestmark = pytest.mark.e2e
__all__ = ["browser_available"]  # the fixture, imported to be used here

MINE = {"id": "staff-e2e-mine", "name": "工作台测试社区甲", "district": "测试街道", "households": 320, "residents": 900}
OTHER = {"id": "staff-e2e-other", "name": "工作台测试社区乙", "district": "测试街道", "households": 410, "residents": 1100}


@pytest.fixture(scope="module")
def demo(browser_available: None, tmp_path_factory: pytest.TempPathFactory) -> Any:
    """One `shequ demo --no-seed` for the module, with two communities of the tests' own registered."""
    data_dir = tmp_path_factory.mktemp("staff") / "data"
    port = free_port()
    process, printed = start_demo(data_dir, port, "--no-seed")
    try:
        admin = {"Authorization": f"Bearer {mint_token(data_dir, 'admin', 'community_staff', subject='staff-test-admin')}"}
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=30) as http:
            for community in (MINE, OTHER):
                response = post(http, "/grid/communities", admin, community)
                assert response.status_code == 201, response.text
        yield data_dir, port, printed, admin
    finally:
        stop_demo(process)


@pytest.fixture
def driver() -> Any:
    browser = chromium(1400, 1600)
    try:
        yield browser
    finally:
        browser.quit()


# -- the page, as a user sees it ---------------------------------------------------------------------------

def wait_page(driver: Any, view: str, timeout: float = 20) -> None:
    """The router shows `view` and its render is complete (data-ready set, not loading)."""
    from selenium.webdriver.support.ui import WebDriverWait

    WebDriverWait(driver, timeout).until(lambda d: d.execute_script(
        "var m = document.getElementById('main');"
        "return m.getAttribute('data-view') === arguments[0] && m.hasAttribute('data-ready') &&"
        " !m.classList.contains('is-loading');", view))


def sign_in(driver: Any, base: str, token: str) -> None:
    """Paste the token into the sign-in box, as a user does."""
    driver.get(f"{base}/staff/")
    box = driver.find_element("id", "token-input")
    assert driver.find_element("id", "login").is_displayed()
    box.send_keys(token)
    driver.find_element("css selector", "#login-form button[type=submit]").click()
    wait_page(driver, "home")
    assert driver.execute_script("return sessionStorage.getItem('shequ.staff.token')") == token


def go(driver: Any, hash_: str, view: str) -> None:
    """Open the page at `hash_` and wait for its render; the same address again renders it again (fresh data)."""
    # The mark of the current render goes first, so that the wait sees the new page's, not the last one's.
    driver.execute_script(
        "document.getElementById('main').removeAttribute('data-ready');"
        "if (location.hash === arguments[0]) { window.dispatchEvent(new HashChangeEvent('hashchange')); }"
        " else { location.hash = arguments[0]; }", hash_)
    wait_page(driver, view)


def fill(driver: Any, form: str, values: dict[str, str]) -> None:
    from selenium.webdriver.support.ui import Select

    for name, value in values.items():
        element = driver.find_element("css selector", f'[data-form="{form}"] [data-input="{name}"]')
        if element.tag_name == "select":
            Select(element).select_by_value(value)
        elif element.get_attribute("type") in ("date", "month", "datetime-local"):
            # A date picker takes keys in the browser's locale order; its value is ISO whatever the locale.
            driver.execute_script("arguments[0].value = arguments[1];"
                                  "arguments[0].dispatchEvent(new Event('input', { bubbles: true }));", element, value)
        else:
            element.clear()
            element.send_keys(value)


def submit(driver: Any, form: str) -> None:
    driver.find_element("css selector", f'[data-form="{form}"] [data-figure="submit"]').click()


def values_of(driver: Any, form: str) -> dict[str, str]:
    return driver.execute_script(
        "var out = {}; document.querySelectorAll('[data-form=\"' + arguments[0] + '\"] [data-input]')"
        ".forEach(function (el) { out[el.getAttribute('data-input')] = el.value; }); return out;", form)


def shown_errors(driver: Any, form: str) -> dict[str, str]:
    """Field name (or "form") -> the message shown there."""
    return driver.execute_script(
        "var out = {}, f = document.querySelector('[data-form=\"' + arguments[0] + '\"]');"
        "f.querySelectorAll('.field-error:not([hidden])').forEach(function (p) {"
        "  out[p.getAttribute('data-error-for')] = p.textContent; });"
        "var g = f.querySelector('[data-figure=\"form-error\"]'); if (!g.hidden) { out.form = g.textContent; }"
        "return out;", form)


def case_status(driver: Any) -> str:
    return driver.execute_script(
        "var el = document.querySelector('[data-figure=\"case.status\"]'); return el && el.getAttribute('data-value');")


def do_case_step(driver: Any, form: str, values: dict[str, str], status: str) -> None:
    """Fill and submit one of the case page's forms; the page shows the case again in its new state."""
    from selenium.webdriver.support.ui import WebDriverWait

    fill(driver, form, values)
    submit(driver, form)
    WebDriverWait(driver, 20).until(lambda d: case_status(d) == status and d.execute_script(
        "return !document.getElementById('main').classList.contains('is-loading')"))


def worklists(driver: Any) -> dict[str, dict[str, Any]]:
    """Every worklist on the page: its state and its rows as (id, community)."""
    return driver.execute_script(
        "var out = {}; document.querySelectorAll('[data-worklist]').forEach(function (w) {"
        "  out[w.getAttribute('data-worklist')] = { list: w.getAttribute('data-list'), state: w.getAttribute('data-state'),"
        "    rows: Array.from(w.querySelectorAll('[data-figure=\"row\"]')).map(function (r) {"
        "      return [r.getAttribute('data-id'), r.getAttribute('data-community')]; }) }; });"
        "return out;")


def all_rows(driver: Any, base: str) -> dict[str, dict[str, Any]]:
    """The home page's worklists and every ledger, each as its state and rows."""
    go(driver, "#/", "home")
    seen = {f"home:{k}": v for k, v in worklists(driver).items()}
    ledgers = driver.execute_script(
        "return Array.from(document.querySelectorAll('[data-figure=\"ledger-link\"]'))"
        ".map(function (a) { return a.getAttribute('data-list'); });")
    assert len(ledgers) == 17, ledgers  # every list the services offer
    for ledger in ledgers:
        go(driver, f"#/lists/{ledger}", "lists")
        seen.update({f"ledger:{k}": v for k, v in worklists(driver).items()})
    return seen


# -- 1. a case from report to close -------------------------------------------------------------------------

def test_a_staff_member_works_a_case_from_report_to_close_and_the_dashboard_shows_it(demo, driver):
    from selenium.webdriver.support.ui import WebDriverWait

    data_dir, port, printed, admin = demo
    base = f"http://127.0.0.1:{port}"
    cid = MINE["id"]
    staff_token = mint_token(data_dir, "community_staff", "grid_worker", communities=(cid,), subject="staff-e2e-worker")
    staff = {"Authorization": f"Bearer {staff_token}"}
    operator = {"Authorization": f"Bearer {printed['SHEQU_OPERATOR_TOKEN']}"}
    with httpx.Client(base_url=base, timeout=30) as http:
        assert printed["SHEQU_WORKBENCH"] == f"{base}/staff/"
        page = http.get("/staff/")
        assert page.status_code == 200 and '<script type="module" src="static/main.js">' in page.text
        assert http.get("/staff", follow_redirects=False).status_code in (307, 308)

        sign_in(driver, base, staff_token)
        assert driver.execute_script("return document.documentElement.lang") == "zh-CN"
        assert "我的工作台" in driver.find_element("css selector", ".page-title").text
        # A worklist this token's roles may not read says why, and the others still work.
        lists = worklists(driver)
        assert lists["second-approvals"]["state"] == "forbidden"
        assert "welfare_officer" in driver.find_element(
            "css selector", '[data-worklist="second-approvals"] [data-figure="worklist-forbidden"]').text
        others = {k: v["state"] for k, v in lists.items() if k != "second-approvals"}
        assert sorted(others) == ["leases-in-arrears", "my-cases", "open-help-requests", "overdue-cases",
                                  "upcoming-activities"]
        assert set(others.values()) <= {"empty", "ready"}, others
        ARTIFACTS.mkdir(exist_ok=True)
        driver.save_screenshot(str(ARTIFACTS / "staff-home.png"))

        # Report, from the home page's link to the form.
        driver.find_element("css selector", '[data-figure="starts"] a[href="#/new/case"]').click()
        wait_page(driver, "new")
        fill(driver, "report-case", {"community_id": cid, "category": "sanitation",
                                     "description": "3号楼楼道堆放杂物，影响消防通道", "channel": "grid_worker"})
        submit(driver, "report-case")
        wait_page(driver, "case")
        case_id = driver.execute_script("return document.querySelector('[data-figure=\"case\"]').getAttribute('data-id')")
        assert case_status(driver) == "reported"
        assert driver.current_url.endswith(f"#/case/{case_id}")

        do_case_step(driver, "accept", {}, "accepted")
        worker_id = driver.execute_script(
            "return document.querySelector('[data-form=\"assign\"] [data-input=\"worker_id\"]').value")
        assert len(worker_id) == 16  # the signed-in staff member's pseudonymous id, filled in for them
        do_case_step(driver, "assign", {}, "assigned")
        do_case_step(driver, "resolve", {"outcome": "已清理楼道杂物，消防通道畅通"}, "resolved")
        driver.save_screenshot(str(ARTIFACTS / "staff-case.png"))
        do_case_step(driver, "close", {"satisfaction": "4"}, "closed")

        # The history on the page is the service's, in order.
        shown = driver.execute_script(
            "return Array.from(document.querySelectorAll('[data-figure=\"history-entry\"]'))"
            ".map(function (e) { return e.getAttribute('data-type'); });")
        history = http.get(f"/grid/cases/{case_id}/history", headers=staff).json()
        assert shown == [entry["type"] for entry in history] == ["Reported", "Accepted", "Assigned", "Resolved", "Closed"]
        record = http.get(f"/grid/cases/{case_id}", headers=staff).json()
        assert record["status"] == "closed" and record["satisfaction"] == 4 and record["assignee"] == worker_id
        assert figures(driver, '[data-figure="case"]')["case.satisfaction"] == "4"

        # "Cases assigned to me" lists it (its query table follows the case's events within moments).
        def listed_as_mine() -> bool | None:
            go(driver, "#/", "home")
            rows = worklists(driver)["my-cases"]["rows"]
            return True if [case_id, cid] in [list(r) for r in rows] else None

        wait_for(listed_as_mine, timeout=30)

        # The cases ledger, narrowed by a filter, shows what the API lists for it.
        from selenium.webdriver.support.ui import Select

        go(driver, "#/lists/cases", "lists")
        Select(driver.find_element("css selector", '[data-filter="status"]')).select_by_value("closed")
        WebDriverWait(driver, 15).until(lambda d: "status=closed" in d.current_url)
        wait_page(driver, "lists")
        rows = [r[0] for r in worklists(driver)["ledger-cases"]["rows"]]
        closed = http.get("/grid/cases", headers=staff, params={"status": "closed", "limit": 50}).json()["items"]
        assert rows == [c["id"] for c in closed] and case_id in rows

        # The district: wait on its API's figures, then the page shows the same.
        def reflected() -> dict[str, Any] | None:
            response = http.get(f"/district/communities/{cid}", headers=operator)
            if response.status_code != 200:
                return None
            body = response.json()
            cases = body.get("grid", {}).get("cases", {})
            done = (cases.get("reported") == 1 and cases.get("closed") == 1
                    and body["grid"]["satisfaction"]["ratings"] == 1 and body["freshness"]["projector_lag_events"] == 0)
            return body if done else None

        district = wait_for(reflected, timeout=120)
        driver.get(f"{base}/district/#token={printed['SHEQU_OPERATOR_TOKEN']}")
        wait_ready(driver, "overview")
        driver.get(f"{base}/district/#/community/{cid}")
        wait_ready(driver, "community")
        WebDriverWait(driver, 20).until(lambda d: "community.grid.satisfaction.average" in figures(d, "#main"))
        shown = figures(driver, "#main")
        assert shown["community.grid.cases.resolved"] == str(district["grid"]["cases"]["resolved"])
        assert shown["community.grid.satisfaction.average"] == "4" and district["grid"]["satisfaction"]["average"] == 4
        assert shown["community.grid.cases_by_category.sanitation.resolved"] == "1"
        driver.save_screenshot(str(ARTIFACTS / "staff-dashboard.png"))


# -- 2. a refused form ------------------------------------------------------------------------------------------

def test_a_refused_form_keeps_its_input_and_shows_the_reason_beside_the_field(demo, driver):
    data_dir, port, _, admin = demo
    base = f"http://127.0.0.1:{port}"
    cid = MINE["id"]
    token = mint_token(data_dir, "community_staff", "grid_worker", communities=(cid,), subject="staff-e2e-refused")
    headers = {"Authorization": f"Bearer {token}"}
    typed = {"community_id": cid, "category": "drainage", "description": "南门雨水井堵塞，雨天积水",
             "grid_cell_id": "no-such-cell", "location.address": "南门外"}
    with httpx.Client(base_url=base, timeout=30) as http:
        before = http.get("/grid/cases", headers=headers, params={"community_id": cid, "category": "drainage"}).json()
        # What the API answers to this very command (the page must show this reason, not one of its own).
        expected = http.post("/grid/cases", headers=headers, json={
            "community_id": cid, "category": "drainage", "description": typed["description"],
            "grid_cell_id": "no-such-cell", "location": {"address": "南门外"}})
        assert expected.status_code == 422 and expected.json()["field"] == "grid_cell_id", expected.text

        sign_in(driver, base, token)
        go(driver, "#/new/case", "new")
        fill(driver, "report-case", typed)
        submit(driver, "report-case")
        from selenium.webdriver.support.ui import WebDriverWait

        WebDriverWait(driver, 15).until(
            lambda d: d.find_element("css selector", '[data-form="report-case"]').get_attribute("data-state") == "refused")
        assert shown_errors(driver, "report-case") == {"grid_cell_id": expected.json()["detail"]}
        assert driver.find_element("css selector", '[data-form="report-case"] [data-input="grid_cell_id"]') \
            .get_attribute("aria-invalid") == "true"
        kept = values_of(driver, "report-case")
        assert {k: kept[k] for k in typed} == typed  # nothing the user typed is lost
        assert driver.execute_script("return location.hash") == "#/new/case"  # still on the form
        driver.save_screenshot(str(ARTIFACTS / "staff-refused.png"))

        # A refusal without a field (pydantic's "give lat and long, or an address" kind) and a missing field:
        # each message where it belongs, the rest of the input still kept.
        fill(driver, "report-case", {"grid_cell_id": "", "description": ""})
        driver.find_element("css selector", '[data-form="report-case"] [data-input="grid_cell_id"]').clear()
        driver.find_element("css selector", '[data-form="report-case"] [data-input="description"]').clear()
        submit(driver, "report-case")
        WebDriverWait(driver, 15).until(lambda d: "description" in shown_errors(d, "report-case"))
        errors = shown_errors(driver, "report-case")
        assert set(errors) == {"description"} and errors["description"]
        assert values_of(driver, "report-case")["location.address"] == "南门外"

        # Corrected, the same form goes through; nothing was recorded by the refused submits.
        fill(driver, "report-case", {"description": typed["description"]})
        submit(driver, "report-case")
        wait_page(driver, "case")
        case_id = driver.execute_script("return document.querySelector('[data-figure=\"case\"]').getAttribute('data-id')")
        record = http.get(f"/grid/cases/{case_id}", headers=headers).json()
        assert record["description"] == typed["description"] and record["location"] == {"address": "南门外"}

        def listed() -> list[str] | None:
            items = http.get("/grid/cases", headers=headers, params={"community_id": cid, "category": "drainage"}).json()
            ids = [i["id"] for i in items["items"]]
            return ids if case_id in ids else None

        assert len(wait_for(listed, timeout=30)) == len(before["items"]) + 1

        # The same refusal in English keeps the API's own message (it is the API's reason, not a translation).
        driver.find_element("css selector", '[data-figure="lang-switch"]').click()
        wait_page(driver, "case")
        assert driver.execute_script("return document.documentElement.lang") == "en"
        go(driver, "#/new/case", "new")
        fill(driver, "report-case", typed)
        submit(driver, "report-case")
        WebDriverWait(driver, 15).until(lambda d: "grid_cell_id" in shown_errors(d, "report-case"))
        assert shown_errors(driver, "report-case")["grid_cell_id"] == expected.json()["detail"]
        assert "Report a case" in driver.find_element("css selector", ".form-title").text
        driver.find_element("css selector", '[data-figure="lang-switch"]').click()


# -- 3. one community's staff never sees another's records ----------------------------------------------------

def seed_community(http: httpx.Client, admin: dict[str, str], officer: dict[str, str], cid: str,
                   worker_id: str) -> dict[str, str]:
    """One record (or more) in each list: a case assigned to `worker_id`, a mediation, a rental house, a follow-up,
    a leased asset with rent in arrears, its tenant enterprise, a community company, a debt, a person in a household
    (given relief) and in a payment cycle awaiting its second approval, a volunteer, a team, an activity next week
    and an open help request. Returns the records' ids by kind."""
    ids: dict[str, str] = {}

    def created(response: httpx.Response) -> str:
        assert response.status_code == 201, response.text
        return response.json()["id"]

    def learned(path: str, body: dict[str, Any], headers: dict[str, str]) -> str:
        """The first write of a service that learns the new community from grid's events, within seconds."""
        def attempt() -> httpx.Response | None:
            response = http.post(path, headers=headers, json=body)
            return None if response.status_code == 422 and "directory" in response.text else response

        return created(wait_for(attempt, timeout=60))

    ids["case"] = created(http.post("/grid/cases", headers=admin, json={
        "community_id": cid, "category": "noise", "description": "scoping test"}))
    assert http.post(f"/grid/cases/{ids['case']}/accept", headers=admin).status_code == 200
    assert http.post(f"/grid/cases/{ids['case']}/assign", headers=admin, json={"worker_id": worker_id}).status_code == 200
    ids["mediation"] = created(http.post("/grid/mediations", headers=admin, json={
        "community_id": cid, "dispute_type": "neighbour", "parties": 2}))
    ids["rental"] = created(http.post("/grid/rentals", headers=admin, json={
        "community_id": cid, "address": f"{cid} 8号楼101", "landlord": {"name": "房东"}}))
    ids["follow-up"] = created(http.post("/grid/follow-ups", headers=admin, json={
        "community_id": cid, "group": "community_correction"}))

    start = date.today().replace(day=1) - timedelta(days=62)
    ids["asset"] = learned(f"/economy/communities/{cid}/assets", {
        "asset_type": "market", "name": f"{cid} 市场", "area_m2": 800, "book_value": 10_000_000,
        "registered_on": start.isoformat()}, admin)
    tenant = created(http.post(f"/economy/communities/{cid}/enterprises", headers=admin, json={
        "name": f"{cid} 经营户", "sector": "wholesale_retail", "registered_on": start.isoformat()}))
    ids["lease"] = created(http.post(f"/economy/assets/{ids['asset']}/leases", headers=admin, json={
        "tenant_enterprise_id": tenant, "monthly_rent": 300_000, "starts_on": start.isoformat(),
        "ends_on": date(date.today().year + 1, 12, 31).isoformat()}))
    billed = http.post(f"/economy/assets/{ids['asset']}/leases/{ids['lease']}/rent-bills", headers=admin,
                       json={"month": start.strftime("%Y-%m")})
    assert billed.status_code == 200, billed.text  # never paid: in arrears
    ids["enterprise"] = tenant
    ids["company"] = created(http.post(f"/economy/communities/{cid}/companies", headers=admin, json={
        "name": f"{cid} 保洁公司", "kind": "cleaning", "founded_on": start.isoformat()}))
    debt = http.post(f"/economy/communities/{cid}/fund/debts", headers=admin, json={
        "creditor": "工程队", "amount": 5_000_000, "incurred_on": start.isoformat()})
    assert debt.status_code == 200, debt.text

    person = learned("/welfare/persons", {
        "community_id": cid, "name": "测试居民", "national_id": "11010519491231002X" if cid == MINE["id"] else "110105194912310038",
        "phone": "13800000000", "address": "1号楼", "birth_date": "1949-12-31"}, officer)
    ids["person"] = person
    ids["household"] = created(http.post("/welfare/households", headers=officer, json={
        "community_id": cid, "members": [person], "income_per_person_fen": 50_000}))
    relief = http.post("/welfare/relief", headers=officer, json={
        "community_id": cid, "occasion": "festival_visit", "kind": "in_kind", "household_id": ids["household"],
        "items": [{"name": "大米", "quantity": 1}], "value_fen": 8_000, "on": date.today().isoformat()})
    ids["relief"] = created(relief)
    programme = created(http.post("/welfare/programmes", headers=officer, json={
        "community_id": cid, "name": "高龄津贴", "kind": "cash", "amount_fen": 10_000, "rule": {"min_age": 60}}))
    assert http.post(f"/welfare/programmes/{programme}/enrolments", headers=officer,
                     json={"person_id": person}).status_code == 200
    ids["cycle"] = created(http.post("/welfare/cycles", headers=officer, json={
        "programme_id": programme, "month": date.today().strftime("%Y-%m")}))
    calculated = http.post(f"/welfare/cycles/{ids['cycle']}/calculation", headers=officer)
    assert calculated.status_code == 200, calculated.text  # awaiting a second officer's approval

    ids["volunteer"] = learned("/volunteering/volunteers", {
        "community_id": cid, "name": "测试志愿者", "phone": "13900000000", "skills": ["first_aid"]}, admin)
    ids["team"] = created(http.post("/volunteering/teams", headers=admin, json={
        "community_id": cid, "name": "测试队", "purpose": "elderly_care"}))
    soon = datetime.now(UTC) + timedelta(days=3)
    ids["activity"] = created(http.post("/volunteering/activities", headers=admin, json={
        "community_id": cid, "title": "测试活动", "place": "活动室", "starts_at": soon.isoformat(),
        "ends_at": (soon + timedelta(hours=2)).isoformat(), "slots": 5, "points_per_hour": 10}))
    ids["help"] = created(http.post("/volunteering/help-requests", headers=admin, json={
        "community_id": cid, "need": "陪同就医", "deadline": (soon + timedelta(days=2)).isoformat()}))
    return ids


def test_a_staff_member_of_one_community_never_sees_another_communitys_records(demo, driver):
    data_dir, port, _, admin = demo
    base = f"http://127.0.0.1:{port}"
    mine, other = MINE["id"], OTHER["id"]
    roles = ("community_staff", "grid_worker", "welfare_officer")
    token = mint_token(data_dir, *roles, communities=(mine,), subject="staff-e2e-scoped")
    both = mint_token(data_dir, *roles, communities=(mine, other), subject="staff-e2e-scoped")  # same person
    officer = {"Authorization": f"Bearer {mint_token(data_dir, 'welfare_officer', subject='staff-e2e-seeder')}"}
    with httpx.Client(base_url=base, timeout=30) as http:
        me = pseudonym("staff-e2e-scoped")  # the worker id the services give this person
        seeded = {cid: seed_community(http, admin, officer, cid, me) for cid in (mine, other)}

        # Wait until the services' lists hold the seeded records (their query tables follow the events).
        def listed() -> bool | None:
            response = http.get("/grid/cases", headers=admin, params={"community_id": other, "assignee": me})
            return True if response.status_code == 200 and response.json()["items"] else None

        wait_for(listed, timeout=30)

        # Control: the same person, holding both communities, sees the other community's records in the lists
        # that exist (so the check below could fail).
        sign_in(driver, base, both)
        seen_both = wait_for(lambda: _with_other(all_rows(driver, base), other), timeout=30)
        assert any(k.startswith("home:my-cases") for k in seen_both), seen_both

        # Scoped: not one row of another community, anywhere; the worklists that exist show this community's.
        driver.find_element("css selector", '[data-figure="logout"]').click()
        sign_in(driver, base, token)
        seen = all_rows(driver, base)
        other_ids = set(seeded[other].values())
        for name, worklist in seen.items():
            assert worklist["state"] in ("ready", "empty", "unavailable"), (name, worklist)
            for record_id, community in worklist["rows"]:
                assert community == mine, (name, record_id, community)
                assert record_id not in other_ids, (name, record_id)
        assert [seeded[mine]["case"], mine] in [list(r) for r in seen["home:my-cases"]["rows"]]
        for name in seen_both:  # every list that showed the other community to a holder of both shows this one
            assert seen[name]["rows"], name
        go(driver, "#/", "home")
        driver.save_screenshot(str(ARTIFACTS / "staff-scoped.png"))


def _with_other(seen: dict[str, dict[str, Any]], other: str) -> dict[str, dict[str, Any]] | None:
    """The worklists showing at least one row of `other`, once every list that exists so far does."""
    showing = {name: w for name, w in seen.items() if any(c == other for _, c in w["rows"])}
    needed = ("home:my-cases", "home:leases-in-arrears", "home:open-help-requests", "home:upcoming-activities",
              "ledger:ledger-cases", "ledger:ledger-mediations", "ledger:ledger-rentals", "ledger:ledger-follow_ups",
              "ledger:ledger-assets", "ledger:ledger-leases",
              "ledger:ledger-debts", "ledger:ledger-enterprises", "ledger:ledger-companies", "home:second-approvals", "ledger:ledger-persons", "ledger:ledger-households",
              "ledger:ledger-cycles", "ledger:ledger-relief", "ledger:ledger-volunteers", "ledger:ledger-teams", "ledger:ledger-activities",
              "ledger:ledger-help_requests")
    return showing if all(n in showing for n in needed) else None


# -- the other services' daily forms ------------------------------------------------------------------------------

def record_field(driver: Any, kind: str, field: str) -> str | None:
    return driver.execute_script(
        "var el = document.querySelector('[data-figure=\"' + arguments[0] + '\"]'); return el && el.getAttribute('data-value');",
        f"{kind}.{field}")


def submit_and_wait(driver: Any, form: str, values: dict[str, str], kind: str, field: str, expected: str) -> None:
    """Fill and submit a record page's form; the page shows the record again with `field` at `expected`."""
    from selenium.webdriver.support.ui import WebDriverWait

    fill(driver, form, values)
    submit(driver, form)
    try:
        WebDriverWait(driver, 20).until(lambda d: record_field(d, kind, field) == expected)
    except Exception:
        raise AssertionError(f"{form}: {field} is {record_field(driver, kind, field)!r}, refusal shown: "
                             f"{shown_errors(driver, form) if driver.find_elements('css selector', f'[data-form={form!r}]') else None}")


def created_id(driver: Any, kind: str) -> str:
    return driver.execute_script("return document.querySelector('[data-figure=\"' + arguments[0] + '\"]')"
                                 ".getAttribute('data-id')", kind)


def test_rent_welfare_and_volunteering_forms_work_through_the_page(demo, driver):
    from selenium.webdriver.support.ui import WebDriverWait

    data_dir, port, _, admin = demo
    base = f"http://127.0.0.1:{port}"
    cid = MINE["id"]
    token = mint_token(data_dir, "community_staff", "grid_worker", "welfare_officer", communities=(cid,),
                       subject="staff-e2e-daily")
    staff = {"Authorization": f"Bearer {token}"}
    first_officer = {"Authorization": f"Bearer {mint_token(data_dir, 'welfare_officer', subject='staff-e2e-first')}"}
    today = date.today()
    month = today.strftime("%Y-%m")
    with httpx.Client(base_url=base, timeout=30) as http:
        # What the workbench has no form for: the asset and its lease, a threshold, a programme's cycle
        # calculated by a first officer, an activity under way and a help request.
        asset = wait_for(lambda: (lambda r: None if r.status_code == 422 and "directory" in r.text else r)(
            http.post(f"/economy/communities/{cid}/assets", headers=admin, json={
                "asset_type": "shop", "name": "临街商铺", "area_m2": 60, "book_value": 2_000_000,
                "registered_on": today.replace(day=1).isoformat()})), timeout=60)
        assert asset.status_code == 201, asset.text
        asset_id = asset.json()["id"]
        tenant = http.post(f"/economy/communities/{cid}/enterprises", headers=admin, json={
            "name": "便民超市", "sector": "wholesale_retail", "registered_on": today.replace(day=1).isoformat()})
        lease = http.post(f"/economy/assets/{asset_id}/leases", headers=admin, json={
            "tenant_enterprise_id": tenant.json()["id"], "monthly_rent": 250_000,
            "starts_on": today.replace(day=1).isoformat(), "ends_on": date(today.year + 2, 1, 31).isoformat()})
        assert lease.status_code == 201, lease.text
        lease_id = lease.json()["id"]
        threshold = http.put(f"/welfare/communities/{cid}/threshold", headers=first_officer,
                             json={"threshold_fen": 90_000, "effective_from": today.replace(day=1).isoformat()})
        assert threshold.status_code == 200, threshold.text
        now = datetime.now(UTC)
        activity = http.post("/volunteering/activities", headers=admin, json={
            "community_id": cid, "title": "楼道清扫", "place": "3号楼", "starts_at": (now - timedelta(minutes=20)).isoformat(),
            "ends_at": (now + timedelta(hours=2)).isoformat(), "slots": 4, "points_per_hour": 10})
        assert activity.status_code == 201, activity.text
        help_request = http.post("/volunteering/help-requests", headers=admin, json={
            "community_id": cid, "need": "代购药品", "deadline": (now + timedelta(days=1)).isoformat()})
        assert help_request.status_code == 201, help_request.text

        sign_in(driver, base, token)

        # Rent: bill this month, then receive it (entered in yuan, recorded in fen).
        go(driver, f"#/lease/{asset_id}/{lease_id}", "lease")
        submit_and_wait(driver, "bill", {}, "lease", "billed", "250000")  # the form offers this month
        submit_and_wait(driver, "pay", {"amount": "2500"}, "lease", "outstanding", "0")
        statement = http.get(f"/economy/assets/{asset_id}/leases/{lease_id}/statement", headers=staff).json()
        totals = statement["statement"]
        assert totals["billed"] == totals["paid"] == 250_000 and totals["outstanding"] == 0
        assert [c["month"] for c in statement["charges"]] == [month]

        # Welfare: a person, their household, its means test.
        go(driver, "#/new/person", "new")
        fill(driver, "register-person", {"community_id": cid, "name": "王秀英", "national_id": "110105195203040026",
                                         "phone": "13700000001", "address": "5号楼2单元", "birth_date": "1952-03-04"})
        submit(driver, "register-person")
        wait_page(driver, "person")
        person_id = created_id(driver, "person")
        # Found again by the id number, which goes in a request body (never in the address), among others.
        neighbour = http.post("/welfare/persons", headers=first_officer, json={
            "community_id": cid, "name": "赵德明", "national_id": "110105195005060037", "phone": "13700000003",
            "address": "5号楼3单元", "birth_date": "1950-05-06"})
        assert neighbour.status_code == 201, neighbour.text

        def found_by_id_number() -> bool | None:
            go(driver, "#/", "home")
            go(driver, "#/lists/persons", "lists")
            ledger = {r[0] for r in worklists(driver)["ledger-persons"]["rows"]}
            if not {person_id, neighbour.json()["id"]} <= ledger:
                return None  # welfare's lists have not caught up yet
            fill(driver, "person-search", {"id_number": "110105195203040026"})
            submit(driver, "person-search")
            WebDriverWait(driver, 15).until(lambda d: d.find_element(
                "css selector", '[data-form="person-search"]').get_attribute("data-state") in ("done", "refused"))
            WebDriverWait(driver, 15).until(lambda d: worklists(d)["ledger-persons"]["state"] != "loading")
            WebDriverWait(driver, 15).until(
                lambda d: d.find_element("css selector", '[data-worklist="ledger-persons"] .panel-title').text == "查找结果")
            rows = worklists(driver)["ledger-persons"]["rows"]
            return True if [r[0] for r in rows] == [person_id] else None

        wait_for(found_by_id_number, timeout=30)
        assert "110105195203040026" not in driver.current_url

        # Registering the same person twice is refused as a whole (no field named): the reason above the form.
        again = {"community_id": cid, "name": "王秀英", "national_id": "110105195203040026", "phone": "13700000001",
                 "address": "5号楼2单元", "birth_date": "1952-03-04"}
        expected = http.post("/welfare/persons", headers=staff, json=again)
        assert expected.status_code == 409 and "field" not in expected.json(), expected.text
        go(driver, "#/new/person", "new")
        fill(driver, "register-person", again)
        submit(driver, "register-person")
        WebDriverWait(driver, 15).until(lambda d: "form" in shown_errors(d, "register-person"))
        errors = shown_errors(driver, "register-person")
        assert list(errors) == ["form"] and expected.json()["detail"] in errors["form"] and "409" in errors["form"]
        assert values_of(driver, "register-person") == again
        go(driver, f"#/new/household?members={person_id}", "new")
        fill(driver, "register-household", {"community_id": cid, "income_per_person_fen": "600"})
        submit(driver, "register-household")
        wait_page(driver, "household")
        household_id = created_id(driver, "household")
        submit_and_wait(driver, "assess", {}, "household", "means_test",
                        '{"threshold_fen":90000,"passed":true,"on":"' + today.isoformat() + '"}')
        assert http.get(f"/welfare/households/{household_id}", headers=staff).json()["means_test"]["passed"] is True

        # The second approval of a cycle a first officer calculated.
        programme = http.post("/welfare/programmes", headers=first_officer, json={
            "community_id": cid, "name": "高龄津贴", "kind": "cash", "amount_fen": 10_000, "rule": {"min_age": 60}})
        assert http.post(f"/welfare/programmes/{programme.json()['id']}/enrolments", headers=first_officer,
                         json={"person_id": person_id}).status_code == 200
        cycle = http.post("/welfare/cycles", headers=first_officer,
                          json={"programme_id": programme.json()["id"], "month": month}).json()["id"]
        assert http.post(f"/welfare/cycles/{cycle}/calculation", headers=first_officer).status_code == 200
        # Found where a second officer looks for it: the home page's worklist of cycles awaiting approval.
        def waiting_on_home() -> bool | None:
            go(driver, "#/", "home")
            return True if cycle in [r[0] for r in worklists(driver)["second-approvals"]["rows"]] else None

        wait_for(waiting_on_home, timeout=30)
        driver.find_element("css selector", f'[data-worklist="second-approvals"] [data-id="{cycle}"] [data-figure="open"]').click()
        wait_page(driver, "cycle")
        submit_and_wait(driver, "approve", {}, "cycle", "status", "approved")

        # Volunteering: register a volunteer, who signs up, checks in and out; a help request fulfilled with hours.
        go(driver, "#/new/volunteer", "new")
        fill(driver, "register-volunteer", {"community_id": cid, "name": "李志强", "phone": "13600000002",
                                            "skills": "清扫，陪护"})
        submit(driver, "register-volunteer")
        wait_page(driver, "volunteer")
        volunteer_id = created_id(driver, "volunteer")
        assert http.get(f"/volunteering/volunteers/{volunteer_id}", headers=staff).json()["skills"] == ["清扫", "陪护"]
        go(driver, f"#/activity/{activity.json()['id']}", "activity")
        submit_and_wait(driver, "sign-up", {"volunteer_id": volunteer_id}, "activity", "sign_ups", f'["{volunteer_id}"]')
        submit_and_wait(driver, "check-in", {"volunteer_id": volunteer_id}, "activity", "checked_in", f'["{volunteer_id}"]')
        time.sleep(1.1)  # a check-out is after the check-in
        fill(driver, "check-out", {"volunteer_id": volunteer_id})
        submit(driver, "check-out")
        wait_for(lambda: volunteer_id in http.get(f"/volunteering/activities/{activity.json()['id']}",
                                                  headers=staff).json()["minutes"], timeout=20)
        go(driver, f"#/help/{help_request.json()['id']}", "help")
        submit_and_wait(driver, "match", {"volunteer_id": volunteer_id}, "help", "status", "matched")
        submit_and_wait(driver, "fulfil", {"hours": "1.5", "outcome": "已送药上门"}, "help", "status", "fulfilled")
        assert http.get(f"/volunteering/help-requests/{help_request.json()['id']}", headers=staff).json()["hours"] == 1.5

        # A mediation opened from the page, and a session recorded.
        go(driver, "#/new/mediation", "new")
        fill(driver, "open-mediation", {"community_id": cid, "dispute_type": "neighbour", "summary": "噪声纠纷"})
        submit(driver, "open-mediation")
        wait_page(driver, "mediation")
        submit_and_wait(driver, "session", {"notes": "双方到场"}, "mediation", "sessions", "1")
        driver.save_screenshot(str(ARTIFACTS / "staff-mediation.png"))
