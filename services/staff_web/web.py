"""Serves the staff workbench's page and modules (`web/`, entry module `web/main.js`, and the
modules shared with the dashboard, shared/platform/webkit/, at `common/`); no data, no token check:
the page is public HTML and each call it makes carries the caller's token to the service that answers it."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI

from shared.platform.webfiles import page_router

WEB = Path(__file__).with_name("web")


def workbench_app() -> FastAPI:
    """The workbench as an app of its own, mounted by the composition root beside the services (at `/staff`)."""
    app = FastAPI(title="shequ staff workbench", docs_url=None, redoc_url=None, openapi_url=None)
    app.include_router(page_router(WEB, "staff", title="社区治理 · 社区工作台", mark_colour="#2563c9"))
    return app
