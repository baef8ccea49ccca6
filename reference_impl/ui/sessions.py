"""Signing in to the web UI, the session that follows, and ending it (on demand, for tests).

A user signs in with their key as the username and their API token as the password (the
reference has no other credential); the session is an HttpOnly, SameSite cookie. A session
lasts `Settings.ui_session_seconds`; the test tenant can end one at once
(`POST /ui/test-tenant/expire-session`, named in the SUT profile's `ui.session`), so a harness
need not wait half an hour to see what an expired session does to typed work.
"""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, Depends, Form, Request, Response
from fastapi.responses import HTMLResponse, RedirectResponse
from sqlalchemy import select

from reference_impl.api.deps import AppSettings, DbSession, Now, Specs
from reference_impl.domain.access import Actor, actor_from_spec
from reference_impl.store.accounts import find_user
from reference_impl.store.tables import User
from reference_impl.store.ui_sessions import UiSession, expire_session, find_session, start_session
from reference_impl.ui.rendering import ErrorItem, page

__all__ = ["COOKIE", "SignInRequired", "UiUser", "router", "session_of", "to_sign_in"]

router = APIRouter(include_in_schema=False)

COOKIE = "ics_ui_session"
_SAFE_NEXT = re.compile(r"/ui/[A-Za-z0-9/_\-?=&%.#]*")


class SignInRequired(Exception):
    """No live session: the screen asked for is shown after signing in."""

    def __init__(self, next_path: str, expired: bool) -> None:
        super().__init__(next_path)
        self.next_path = next_path
        self.expired = expired


def to_sign_in(_request: Request, exc: Exception) -> Response:
    """The handler of SignInRequired: a redirect to the sign-in screen."""
    assert isinstance(exc, SignInRequired)
    expired = "&expired=1" if exc.expired else ""
    return RedirectResponse(f"/ui/sign-in?next={quote(exc.next_path, safe='/')}{expired}", 303)


def session_of(request: Request, db: DbSession) -> UiSession | None:
    """Return the session the request's cookie names, live or expired, or None."""
    return find_session(db, request.cookies.get(COOKIE, ""))


def _ui_user(request: Request, db: DbSession, specs: Specs, now: Now) -> Actor:
    found = session_of(request, db)
    if found is None or found.expires_at <= now:
        wanted = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        raise SignInRequired(wanted if request.method == "GET" else "/ui/", found is not None)
    user = db.scalars(select(User).where(User.key == found.user_key)).one()
    return actor_from_spec(specs.users, user.key, user.role, user.team)


#: The signed-in user of a screen; without a live session the browser is sent to sign in.
UiUser = Annotated[Actor, Depends(_ui_user)]


def _next(value: str | None) -> str:
    return value if value and _SAFE_NEXT.fullmatch(value) and "//" not in value else "/ui/"


@router.get("/ui/sign-in")
def sign_in_page(request: Request, next: str | None = None, expired: int = 0) -> HTMLResponse:
    return page(
        request, "sign_in.html.j2", title="Sign in", user=None, next=_next(next),
        username="", expired=bool(expired),
    )  # fmt: skip


@router.post("/ui/sign-in", response_model=None)
def sign_in(
    request: Request,
    db: DbSession,
    settings: AppSettings,
    now: Now,
    username: Annotated[str, Form()] = "",
    password: Annotated[str, Form()] = "",
    next: Annotated[str, Form()] = "/ui/",
) -> Response:
    errors = []
    if not username.strip():
        errors.append(ErrorItem("Enter your username", "username"))
    if not password:
        errors.append(ErrorItem("Enter your password", "password"))
    user = find_user(db, password) if password else None
    if not errors and (user is None or user.key != username.strip()):
        errors.append(ErrorItem("The username or password is not right", "username"))
    if errors or user is None:
        return page(
            request, "sign_in.html.j2", title="Sign in", user=None, errors=errors,
            next=_next(next), username=username[:64], expired=False, status_code=400,
        )  # fmt: skip
    lifetime = timedelta(seconds=settings.ui_session_seconds)
    session_id = start_session(db, user.key, now, lifetime)
    response = RedirectResponse(_next(next), 303)
    response.set_cookie(
        COOKIE, session_id, httponly=True, samesite="lax", path="/ui",
        secure=request.url.scheme == "https",
    )  # fmt: skip
    return response


@router.post("/ui/sign-out")
def sign_out(request: Request, db: DbSession, now: Now) -> RedirectResponse:
    expire_session(db, request.cookies.get(COOKIE, ""), now)
    response = RedirectResponse("/ui/sign-in", 303)
    response.delete_cookie(COOKIE, path="/ui")
    return response


@router.post("/ui/test-tenant/expire-session", status_code=204)
def expire_now(request: Request, db: DbSession, now: Now) -> Response:
    """End the session of this browser at once, as its lifetime would (the SUT profile's
    `ui.session.expire`). Typed drafts are kept; the screens ask to sign in again."""
    if not expire_session(db, request.cookies.get(COOKIE, ""), now):
        return Response("no session to expire", status_code=404, media_type="text/plain")
    return Response(status_code=204)
