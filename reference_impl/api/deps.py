"""The dependencies every route shares, as `Annotated` aliases: settings, specs, a database
session, the time of the request and the signed-in user."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Annotated, Any, TypeVar

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy.orm import Session

from accredit.record_spec import RecordRules
from accredit.specs import SpecBundle
from reference_impl import faults
from reference_impl.api.errors import not_found, refuse, unauthenticated
from reference_impl.domain.access import Actor, actor_from_spec, permission_refusal
from reference_impl.settings import Settings
from reference_impl.store.accounts import find_user
from reference_impl.store.tables import MAX_ID

__all__ = [
    "AppSettings",
    "CurrentUser",
    "DbSession",
    "Now",
    "RecordSpec",
    "Specs",
    "get_row",
    "require",
]

Row = TypeVar("Row")


def _settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


def _specs(request: Request) -> SpecBundle:
    specs: SpecBundle = request.app.state.specs
    return specs


def _record_rules(request: Request) -> RecordRules:
    rules: RecordRules = request.app.state.record_rules
    return rules


def _session(request: Request) -> Iterator[Session]:
    with request.app.state.sessions() as session:
        yield session


def _now() -> datetime:
    return datetime.now(UTC)


AppSettings = Annotated[Settings, Depends(_settings)]
Specs = Annotated[SpecBundle, Depends(_specs)]
#: The case-record rules of specs/record.yaml (six steps, note links, chronology, search).
RecordSpec = Annotated[RecordRules, Depends(_record_rules)]
DbSession = Annotated[Session, Depends(_session)]
#: The one instant a request happens at: created_at and updated_at of a new row agree.
Now = Annotated[datetime, Depends(_now)]

_bearer = HTTPBearer(
    auto_error=False, description="A test user's token, from the SUT profile the reference writes."
)


def _current_user(
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
    session: DbSession,
    specs: Specs,
    settings: AppSettings,
) -> Actor:
    if credentials is None:
        raise unauthenticated("an Authorization: Bearer <token> header is required")
    user = find_user(session, credentials.credentials)
    if user is None:
        raise unauthenticated("the bearer token is not valid")
    if settings.fault("auditor-can-write") and user.role == faults.AUDITOR_ROLE:
        # The defect: the read-only role is configured with a manager's rights.
        given = faults.AUDITOR_GIVEN_ROLE, faults.AUDITOR_GIVEN_TEAM
        return actor_from_spec(specs.users, user.key, *given)
    return actor_from_spec(specs.users, user.key, user.role, user.team)


#: The signed-in user; a request without a valid bearer token is refused with 401.
CurrentUser = Annotated[Actor, Depends(_current_user)]


def require(actor: Actor, permission: str) -> None:
    """Refuse with 403 unless the actor's role grants `permission`."""
    refuse(permission_refusal(actor, permission))


def get_row(session: Session, table: type[Row], ident: int, kind: str) -> Row:
    """Return the row of `table` with this id, or raise 404 naming `kind` and the id.

    An id SQLite cannot hold is simply not found, never an overflow.
    """
    row: Any = session.get(table, ident) if 1 <= ident <= MAX_ID else None
    if row is None:
        raise not_found(kind, ident)
    found: Row = row
    return found
