"""What the static tests of the two browser pages (the district dashboard, the staff workbench) share: each page's
own modules are served at `static/`, the ones both use (shared/platform/webkit/) at `common/`, and an import is
resolved as the browser resolves it, against the importing module's URL."""

from __future__ import annotations

import posixpath
import re
from pathlib import Path

from fastapi.testclient import TestClient

from shared.platform.webfiles import WEBKIT

SHARED = sorted(WEBKIT.glob("*.js"))
IMPORT = re.compile(r"^import \{ ([^}]+) \} from '([^']+)';$", re.M)
EXPORT = re.compile(r"^export (?:function|var|let|const) (\w+)", re.M)


def served_at(web: Path, path: Path) -> str:
    """Where the page finds a module, relative to the page."""
    return f"common/{path.name}" if path.parent == WEBKIT else f"static/{path.relative_to(web).as_posix()}"


def imported(web: Path, path: Path, specifier: str) -> Path:
    """The file an import names."""
    url = posixpath.normpath(posixpath.join(posixpath.dirname(served_at(web, path)), specifier))
    folder, _, rest = url.partition("/")
    return ((WEBKIT if folder == "common" else web) / rest).resolve()


def assert_every_import_resolves_to_an_export(web: Path) -> None:
    modules = sorted(web.rglob("*.js")) + SHARED
    assert web / "main.js" in modules
    exports = {path.resolve(): set(EXPORT.findall(path.read_text(encoding="utf-8"))) for path in modules}
    for path in modules:
        source = path.read_text(encoding="utf-8")
        assert source.startswith("/* "), f"{path.name}: a header comment says what the module is for"
        for names, specifier in IMPORT.findall(source):
            assert specifier.startswith("./") or specifier.startswith("../"), f"{path.name}: {specifier}"
            target = imported(web, path, specifier)
            assert target in exports, f"{path.name} imports {specifier}, which does not exist"
            missing = {name.strip() for name in names.split(",")} - exports[target]
            assert not missing, f"{path.name} imports {missing} from {specifier}, which does not export them"


def assert_shared_module_served(client: TestClient, page: str, shared: Path) -> None:
    response = client.get(f"{page}common/{shared.name}")
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/javascript; charset=utf-8"
    assert response.headers["cache-control"] == "no-cache"  # never a module graph mixed from two versions
    assert response.text == shared.read_text(encoding="utf-8")


def assert_shared_styles_load_first(client: TestClient, page: str) -> None:
    html = client.get(page).text
    assert html.index('href="common/base.css"') < html.index('href="static/app.css"')
    for path in ("common/base.css", "static/app.css"):
        response = client.get(page + path)
        assert response.status_code == 200
        assert response.headers["content-type"] == "text/css; charset=utf-8"
