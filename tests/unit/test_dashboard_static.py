"""The dashboard's static files, without a browser: the page loads `static/main.js` as a native ES module, every
module is served with a JavaScript MIME type (browsers refuse to run a module served as anything else), and every
relative import names a module that exists and exports what is imported."""

from __future__ import annotations

import posixpath
import re
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from services.district.web import WEB, web_router
from shared.platform.webfiles import WEBKIT

MODULES = sorted(WEB.rglob("*.js"))
SHARED = sorted(WEBKIT.glob("*.js"))  # served to the page at common/, beside its own static/

IMPORT = re.compile(r"^import \{ ([^}]+) \} from '([^']+)';$", re.M)
EXPORT = re.compile(r"^export (?:function|var|let|const) (\w+)", re.M)


def served_at(path: Path) -> str:
    """Where the page finds a module, relative to the page."""
    return f"common/{path.name}" if path.parent == WEBKIT else f"static/{path.relative_to(WEB).as_posix()}"


def imported(path: Path, specifier: str) -> Path:
    """The file an import names, resolved as the browser does: against the importing module's URL."""
    url = posixpath.normpath(posixpath.join(posixpath.dirname(served_at(path)), specifier))
    folder, _, rest = url.partition("/")
    return ((WEBKIT if folder == "common" else WEB) / rest).resolve()


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
    response = client.get("/district/common/" + shared.name)
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/javascript; charset=utf-8"
    assert response.headers["cache-control"] == "no-cache"
    assert response.text == shared.read_text(encoding="utf-8")


def test_the_page_loads_the_shared_styles_before_its_own(client: TestClient) -> None:
    page = client.get("/district/").text
    assert page.index('href="common/base.css"') < page.index('href="static/app.css"')
    for path in ("common/base.css", "static/app.css"):
        response = client.get("/district/" + path)
        assert response.status_code == 200
        assert response.headers["content-type"] == "text/css; charset=utf-8"


def test_every_import_resolves_to_an_export() -> None:
    assert WEB / "main.js" in MODULES
    exports = {path.resolve(): set(EXPORT.findall(path.read_text(encoding="utf-8"))) for path in MODULES + SHARED}
    for path in MODULES + SHARED:
        source = path.read_text(encoding="utf-8")
        assert source.startswith("/* "), f"{path.name}: a header comment says what the module is for"
        for names, specifier in IMPORT.findall(source):
            assert specifier.startswith("./") or specifier.startswith("../"), f"{path.name}: {specifier}"
            target = imported(path, specifier)
            assert target in exports, f"{path.name} imports {specifier}, which does not exist"
            missing = {name.strip() for name in names.split(",")} - exports[target]
            assert not missing, f"{path.name} imports {missing} from {specifier}, which does not export them"
