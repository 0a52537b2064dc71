"""The staff workbench's static files, without a browser: served at /staff/ by the composition root, every module
as JavaScript, every relative import naming a module that exists and exports what is imported, and every text key
the modules use present in both languages."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from services.staff_web.web import WEB, workbench_app
from tests.web_pages import (SHARED, assert_every_import_resolves_to_an_export, assert_shared_module_served,
                              assert_shared_styles_load_first)

MODULES = sorted(WEB.rglob("*.js"))
EXTERNAL = re.compile(r"""(?:src|href)=["']?(?:https?:)?//|(?:fetch|import)\(\s*['"](?:https?:)?//|from '(?:https?:)?//""")
TEXT_ENTRY = re.compile(r"""  '([^']+)': \{ zh: '(?:[^'\\]|\\.)+', en: '(?:[^'\\]|\\.)+' \},?""")
"""One line of messages.js's table: `'key': { zh: '...', en: '...' },`."""
KEYS = re.compile(r"""(?:\bt\(|(?:title|submit|text|hint|label|blank|unavailable): )'([a-z_]+\.[a-z_.0-9-]+)'""")


@pytest.fixture(scope="module")
def client() -> TestClient:
    from fastapi import FastAPI

    root = FastAPI()
    root.mount("/staff", workbench_app())
    return TestClient(root)


def test_the_page_loads_the_entry_module_under_a_strict_policy(client: TestClient) -> None:
    page = client.get("/staff/")
    assert page.status_code == 200
    assert '<script type="module" src="static/main.js"></script>' in page.text
    assert "connect-src 'self'" in page.headers["content-security-policy"]
    assert not EXTERNAL.search(page.text)  # works offline: nothing loaded from elsewhere


@pytest.mark.parametrize("module", MODULES, ids=lambda p: p.relative_to(WEB).as_posix())
def test_every_module_is_served_as_javascript(client: TestClient, module: Path) -> None:
    response = client.get(f"/staff/static/{module.relative_to(WEB).as_posix()}")
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/javascript; charset=utf-8"
    assert response.text == module.read_text(encoding="utf-8")
    assert not EXTERNAL.search(response.text)


@pytest.mark.parametrize("shared", SHARED, ids=lambda p: p.name)
def test_the_shared_modules_are_served_at_common(client: TestClient, shared: Path) -> None:
    assert_shared_module_served(client, "/staff/", shared)


def test_the_page_loads_the_shared_styles_before_its_own(client: TestClient) -> None:
    assert_shared_styles_load_first(client, "/staff/")


def test_every_import_resolves_to_an_export() -> None:
    assert_every_import_resolves_to_an_export(WEB)


def test_every_text_key_used_has_both_languages() -> None:
    messages = (WEB / "messages.js").read_text(encoding="utf-8")
    entries = re.findall(r"^  '.*$", messages, re.MULTILINE)
    complete = [m for line in entries if (m := TEXT_ENTRY.fullmatch(line))]
    assert len(complete) == len(entries)  # every entry of the table gives both texts, neither empty
    texts = {m.group(1) for m in complete}
    used = {key for path in MODULES + SHARED if path.name != "messages.js"
            for key in KEYS.findall(path.read_text(encoding="utf-8")) if not key.endswith(".")}
    assert len(used) > 50
    assert sorted(used - texts) == []
