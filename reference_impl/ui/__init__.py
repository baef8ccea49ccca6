"""The reference's web UI: server-rendered screens (jinja2, autoescaped) styled with the GOV.UK
Design System, served by the same application under `/ui/` and acting through the same
functions as the conformance API. The usability suite drives it in a real browser through the
task map beside this module (`taskmap.yaml`)."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI, Request, Response
from fastapi.responses import RedirectResponse
from fastapi.staticfiles import StaticFiles

from reference_impl.api.errors import ApiError
from reference_impl.ui import casework, drafts, form_pages, need_pages, plan_pages, sessions
from reference_impl.ui.rendering import ASSETS, FRONTEND, STATIC, page, warn_if_unstyled

__all__ = ["TASK_MAP", "install_ui"]

#: The reference's own task map: how each usability task is done on its screens.
TASK_MAP = Path(__file__).parent / "taskmap.yaml"


_TITLES = {403: "You cannot see or do this", 404: "Page not found"}


def _screens_show_refusals(app: FastAPI) -> None:
    """A refusal met by a screen (a record not found, a role without the permission) is shown
    as a page; under the API's own paths it stays the API's error body."""
    api_handler = app.exception_handlers[ApiError]

    async def handler(request: Request, exc: Exception) -> Response:
        if not request.url.path.startswith("/ui/") or not isinstance(exc, ApiError):
            response: Response = await api_handler(request, exc)
            return response
        title = _TITLES.get(exc.status, "There is a problem")
        return page(
            request, "problem.html.j2", title=title, user=None, message=exc.message,
            status_code=exc.status,
        )  # fmt: skip

    app.add_exception_handler(ApiError, handler)


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
    _screens_show_refusals(app)
    app.add_api_route(
        "/ui", lambda: RedirectResponse("/ui/", 308), methods=["GET"], include_in_schema=False
    )
    app.mount("/ui/static", StaticFiles(directory=STATIC), name="ui-static")
    if FRONTEND.is_dir():
        app.mount("/ui/govuk", StaticFiles(directory=FRONTEND), name="govuk-frontend")
        app.mount("/assets", StaticFiles(directory=ASSETS), name="govuk-assets")
    warn_if_unstyled()
