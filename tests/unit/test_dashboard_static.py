"""The dashboard's static files, without a browser: the page loads `static/main.js` as a native ES module, every
module is served with a JavaScript MIME type (browsers refuse to run a module served as anything else), and every
relative import names a module that exists and exports what is imported."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from services.district.web import WEB, web_router
from tests.web_pages import (SHARED, assert_every_import_resolves_to_an_export, assert_shared_module_served,
                              assert_shared_styles_load_first)

MODULES = sorted(WEB.rglob("*.js"))


@pytest.fixture(scope="module")
def client() -> TestClient:
    app = FastAPI()
    app.include_router(web_router(), prefix="/district")
    return TestClient(app)


def test_the_page_loads_the_entry_module(client: TestClient) -> None:
    page = client.get("/district/")
    assert page.status_code == 200
    assert '<script type="module" src="static/main.js"></script>' in page.text
    assert "script-src 'self'" in page.headers["content-security-policy"]


@pytest.mark.parametrize("module", MODULES, ids=lambda p: p.relative_to(WEB).as_posix())
def test_every_module_is_served_as_javascript(client: TestClient, module: Path) -> None:
    response = client.get(f"/district/static/{module.relative_to(WEB).as_posix()}")
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/javascript; charset=utf-8"
    assert response.headers["cache-control"] == "no-cache"  # never a module graph mixed from two versions
    assert response.text == module.read_text(encoding="utf-8")


@pytest.mark.parametrize("shared", SHARED, ids=lambda p: p.name)
def test_the_shared_modules_are_served_at_common(client: TestClient, shared: Path) -> None:
    assert_shared_module_served(client, "/district/", shared)


def test_the_page_loads_the_shared_styles_before_its_own(client: TestClient) -> None:
    assert_shared_styles_load_first(client, "/district/")


def test_every_import_resolves_to_an_export() -> None:
    assert_every_import_resolves_to_an_export(WEB)
