"""The web UI's sign-in sessions and the drafts typed in it.

A session is a random id kept in an HttpOnly cookie; the database holds only its sha256, the
user it belongs to and when it expires. A draft is what a user typed into one field of one
screen, saved as they type: it belongs to the user, not to the session, so a session that
expires (or a browser that closes) never takes typed work with it.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta

from sqlalchemy import String, Text, UniqueConstraint, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from reference_impl.store.tables import Base

__all__ = [
    "UiDraft",
    "UiSession",
    "discard_draft",
    "expire_session",
    "find_session",
    "read_draft",
    "save_draft",
    "start_session",
]


class UiSession(Base):
    __tablename__ = "ui_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    id_sha256: Mapped[str] = mapped_column(String(64), unique=True, index=True)
    user_key: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime]
    expires_at: Mapped[datetime]


class UiDraft(Base):
    """The latest text a user typed into one field of one screen (`place`), not yet saved."""

    __tablename__ = "ui_drafts"
    __table_args__ = (UniqueConstraint("user_key", "place", "field"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_key: Mapped[str] = mapped_column(String(64))
    place: Mapped[str] = mapped_column(String(200))
    field: Mapped[str] = mapped_column(String(100))
    text: Mapped[str] = mapped_column(Text)
    saved_at: Mapped[datetime]
    # When the browser read the field (ms since the epoch): of two saves that cross on the
    # way, the later typing wins, never the later arrival.
    typed_at: Mapped[float] = mapped_column(default=0.0)


def _digest(session_id: str) -> str:
    return hashlib.sha256(session_id.encode("utf-8")).hexdigest()


def start_session(db: Session, user_key: str, now: datetime, lifetime: timedelta) -> str:
    """Open a session for `user_key`; return its id (the cookie value), never stored itself."""
    session_id = secrets.token_urlsafe(32)
    db.add(
        UiSession(
            id_sha256=_digest(session_id),
            user_key=user_key,
            created_at=now,
            expires_at=now + lifetime,
        )
    )
    db.commit()
    return session_id


def find_session(db: Session, session_id: str) -> UiSession | None:
    """Return the session with this id, expired or not, or None."""
    if not session_id:
        return None
    return db.scalars(
        select(UiSession).where(UiSession.id_sha256 == _digest(session_id))
    ).one_or_none()


def expire_session(db: Session, session_id: str, now: datetime) -> bool:
    """End the session now (as its lifetime would); return whether there was one."""
    found = find_session(db, session_id)
    if found is None:
        return False
    found.expires_at = min(found.expires_at, now)
    db.commit()
    return True


def save_draft(
    db: Session,
    user_key: str,
    place: str,
    field: str,
    text: str,
    now: datetime,
    typed_at: float = 0.0,
) -> None:
    """Keep `text` as the user's draft of `field` on `place`, replacing one typed before it
    (a save that arrives after a later one is dropped)."""
    draft = db.scalars(
        select(UiDraft).where(
            UiDraft.user_key == user_key, UiDraft.place == place, UiDraft.field == field
        )
    ).one_or_none()
    if draft is None:
        db.add(
            UiDraft(
                user_key=user_key, place=place, field=field, text=text, saved_at=now,
                typed_at=typed_at,
            )
        )  # fmt: skip
    elif typed_at >= draft.typed_at:
        draft.text, draft.saved_at, draft.typed_at = text, now, typed_at
    db.commit()


def read_draft(db: Session, user_key: str, place: str, field: str) -> str | None:
    """Return the user's draft of `field` on `place`, if one is kept."""
    return db.scalars(
        select(UiDraft.text).where(
            UiDraft.user_key == user_key, UiDraft.place == place, UiDraft.field == field
        )
    ).one_or_none()


def discard_draft(db: Session, user_key: str, place: str, field: str) -> None:
    """Forget a draft once what it held has been saved for real (the caller commits)."""
    draft = db.scalars(
        select(UiDraft).where(
            UiDraft.user_key == user_key, UiDraft.place == place, UiDraft.field == field
        )
    ).one_or_none()
    if draft is not None:
        db.delete(draft)
