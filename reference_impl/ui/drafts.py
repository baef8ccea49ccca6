"""Drafts: what a user types is kept as they type it, and outlives the session.

The screens' script (`static/autosave.js`) sends each field marked `data-autosave` here as it
is typed and once more when the page closes. A draft is stored for the user of the session the
browser presents, even when that session has just expired: expiry stops the user reading the
record until they sign in again, never the saving of what they typed. Only the owner reads a
draft back, from the screen it was typed on, once signed in again.
"""

from __future__ import annotations

import re
from typing import Annotated

from fastapi import APIRouter, Form, Request, Response

from reference_impl.api.deps import AppSettings, DbSession, Now
from reference_impl.api.fields import MAX_TEXT_CHARS
from reference_impl.store.ui_sessions import save_draft
from reference_impl.ui.sessions import session_of

__all__ = ["form_place", "note_place", "router"]

router = APIRouter(include_in_schema=False)

_PLACE = re.compile(r"(note|form):[1-9][0-9]{0,18}")
_FIELD = re.compile(r"[a-z][a-z0-9_\-]{0,99}")


def note_place(child_id: int) -> str:
    """Return the place of the new-note screen of a child."""
    return f"note:{child_id}"


def form_place(form_id: int) -> str:
    """Return the place of a form's answers screen."""
    return f"form:{form_id}"


@router.post("/ui/drafts")
def keep_draft(
    request: Request,
    db: DbSession,
    settings: AppSettings,
    now: Now,
    place: Annotated[str, Form(max_length=40)],
    field: Annotated[str, Form(max_length=100)],
    text: Annotated[str, Form(max_length=MAX_TEXT_CHARS)] = "",
    typed_at: Annotated[float, Form(ge=0, le=1e15)] = 0.0,
) -> Response:
    """Keep a field's text as its user's draft; 204, or 401 without any session."""
    if not _PLACE.fullmatch(place) or not _FIELD.fullmatch(field):
        return Response("not a draft of a known screen", status_code=422, media_type="text/plain")
    session = session_of(request, db)
    if session is None:
        return Response("sign in to keep drafts", status_code=401, media_type="text/plain")
    if settings.fault("ui-expiry-loses-draft") and session.expires_at <= now:
        # The defect: once the session has expired, what is typed goes nowhere.
        return Response("session expired", status_code=401, media_type="text/plain")
    save_draft(db, session.user_key, place, field, text, now, typed_at)
    return Response(status_code=204)
