"""How the reference's screens are rendered: jinja2 templates, autoescaped, GOV.UK Frontend.

Templates live beside this module in `templates/`; GOV.UK Frontend's styles, scripts, fonts and
images come from the npm package installed into `node_modules/` by `make setup`. Without them
the screens still work, unstyled.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

import jinja2
from fastapi import Request
from fastapi.responses import HTMLResponse

from reference_impl.domain.access import Actor

__all__ = [
    "ASSETS",
    "FRONTEND",
    "STATIC",
    "ErrorItem",
    "page",
]

log = logging.getLogger("reference_impl.ui")

_HERE = Path(__file__).parent
#: GOV.UK Frontend's built package (npm `govuk-frontend`): CSS, JS and the assets they load.
FRONTEND = _HERE / "node_modules" / "govuk-frontend" / "dist" / "govuk"
ASSETS = FRONTEND / "assets"
#: The reference's own scripts (autosave of what is typed).
STATIC = _HERE / "static"

#: Served with every screen: nothing but the reference's own origin runs or frames it.
SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'self'; img-src 'self' data:; script-src 'self'; style-src 'self'; "
        "form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "Cache-Control": "no-store",
}


@dataclass(frozen=True)
class ErrorItem:
    """One problem for the error summary: the message and the id of the field it is about."""

    message: str
    field_id: str | None = None


def _long_date(value: date | datetime | None) -> str:
    if value is None:
        return ""
    return f"{value.day} {value:%B %Y}"


_environment = jinja2.Environment(
    loader=jinja2.FileSystemLoader(_HERE / "templates"),
    autoescape=True,
    undefined=jinja2.StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
)
_environment.filters["long_date"] = _long_date


def page(
    request: Request,
    template: str,
    *,
    title: str,
    user: Actor | None,
    errors: list[ErrorItem] | None = None,
    status_code: int = 200,
    **context: Any,
) -> HTMLResponse:
    """Return a rendered screen. A screen with errors puts "Error: " before its title, as the
    GOV.UK error summary pattern asks, so a screen reader announces it first."""
    errors = errors or []
    html = _environment.get_template(template).render(
        title=("Error: " if errors else "") + title,
        heading=title,
        user=user,
        errors=errors,
        styled=FRONTEND.is_dir(),
        path=request.url.path,
        # The planted fault ui-missing-labels: every text field's label becomes plain text.
        unlabelled=request.app.state.settings.fault("ui-missing-labels"),
        **context,
    )
    return HTMLResponse(html, status_code=status_code, headers=SECURITY_HEADERS)


def warn_if_unstyled() -> None:
    """Log once at start-up when GOV.UK Frontend is not installed (run `make setup`)."""
    if not FRONTEND.is_dir():
        log.warning("GOV.UK Frontend not found at %s: screens are unstyled", FRONTEND)
