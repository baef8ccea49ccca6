"""The access matrix at the screens: each screen acts through an operation of the contract
(specs/access.yaml names them by method and path template), and is let through, hidden or
refused exactly as that operation is for the same user."""

from __future__ import annotations

from fastapi import Request
from sqlalchemy.orm import Session

from reference_impl.api.access import Gate
from reference_impl.domain.access import Actor
from reference_impl.settings import Settings

__all__ = ["gate_for"]


def gate_for(
    request: Request, user: Actor, session: Session, settings: Settings, operation: str
) -> Gate:
    """Return the access decision of `operation` (e.g. "PATCH /plan-actions/{action_id}") for
    the screen's user; the screen calls its `check` as the API route does."""
    if request.app.state.access.row(operation) is None:
        raise LookupError(f"{operation!r} is not an operation of specs/access.yaml")
    return Gate(
        matrix=request.app.state.access,
        operation=operation,
        actor=user,
        session=session,
        settings=settings,
    )
