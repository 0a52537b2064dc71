"""The district dashboard: a static page (vanilla JS as native ES modules, inline SVG charts) served by the district app.

The page itself is public HTML; every data call it makes carries the operator's bearer token.
No CDN, no build step, no external requests: everything it needs lives in `web/` (entry module `web/main.js`)
and, shared with the staff workbench, in shared/platform/webkit/ (served at `common/`).
"""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter

from shared.platform.webfiles import page_router

WEB = Path(__file__).with_name("web")


def web_router() -> APIRouter:
    return page_router(WEB, "district", title="社区治理 · 区级驾驶舱", mark_colour="#b4232a")
