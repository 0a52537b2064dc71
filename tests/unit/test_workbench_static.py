"""The staff workbench's static files, without a browser: served at /staff/ by the composition root, every module
as JavaScript, every relative import naming a module that exists and exports what is imported, and every text key
the modules use present in both languages."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from services.staff_web.web import WEB, workbench_app

MODULES = sorted(WEB.rglob("*.js"))
IMPORT = re.compile(r"^import \{ ([^}]+) \} from '([^']+)';$", re.M)
EXPORT = re.compile(r"^export (?:function|var|let|const) (\w+)", re.M)
EXTERNAL = re.compile(r"""(?:src|href)=["']?(?:https?:)?//|(?:fetch|import)\(\s*['"](?:https?:)?//|from '(?:https?:)?//""")
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


def test_every_import_resolves_to_an_export() -> None:
    assert WEB / "main.js" in MODULES
    exports = {path.resolve(): set(EXPORT.findall(path.read_text(encoding="utf-8"))) for path in MODULES}
    for path in MODULES:
        source = path.read_text(encoding="utf-8")
        assert source.startswith("/* "), f"{path.name}: a header comment says what the module is for"
        for names, specifier in IMPORT.findall(source):
            target = (path.parent / specifier).resolve()
            assert target in exports, f"{path.name} imports {specifier}, which does not exist"
            missing = {name.strip() for name in names.split(",")} - exports[target]
            assert not missing, f"{path.name} imports {missing} from {specifier}, which does not export them"


def test_every_text_key_used_has_both_languages() -> None:
    messages = (WEB / "messages.js").read_text(encoding="utf-8")
    zh, en = messages.split("\n  en: ")
    used = {key for path in MODULES if path.name != "messages.js"
            for key in KEYS.findall(path.read_text(encoding="utf-8")) if not key.endswith(".")}
    assert len(used) > 50
    missing = sorted(k for k in used if f"'{k}':" not in zh or f"'{k}':" not in en)
    assert missing == []
