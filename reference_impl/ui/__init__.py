"""The reference's web UI: server-rendered screens (jinja2, autoescaped) styled with the GOV.UK
Design System, served by the same application under `/ui/` and acting through the same
functions as the conformance API. The usability suite drives it in a real browser through the
task map beside this module (`taskmap.yaml`)."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI
from fastapi.responses import RedirectResponse
from fastapi.staticfiles import StaticFiles

from reference_impl.ui import casework, drafts, form_pages, need_pages, plan_pages, sessions
from reference_impl.ui.rendering import ASSETS, FRONTEND, STATIC, warn_if_unstyled

__all__ = ["TASK_MAP", "install_ui"]

#: The reference's own task map: how each usability task is done on its screens.
TASK_MAP = Path(__file__).parent / "taskmap.yaml"


def install_ui(app: FastAPI) -> None:
    """Serve the screens, their scripts and GOV.UK Frontend's files under /ui/ and /assets/."""
    for router in (
        sessions.router,
        drafts.router,
        casework.router,
        form_pages.router,
        plan_pages.router,
        need_pages.router,
    ):
        app.include_router(router)
    app.add_exception_handler(sessions.SignInRequired, sessions.to_sign_in)
    app.add_api_route(
        "/ui", lambda: RedirectResponse("/ui/", 308), methods=["GET"], include_in_schema=False
    )
    app.mount("/ui/static", StaticFiles(directory=STATIC), name="ui-static")
    if FRONTEND.is_dir():
        app.mount("/ui/govuk", StaticFiles(directory=FRONTEND), name="govuk-frontend")
        app.mount("/assets", StaticFiles(directory=ASSETS), name="govuk-assets")
    warn_if_unstyled()
