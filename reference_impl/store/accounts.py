"""The required test users' accounts: created from users.yaml, tokens stored only as sha256."""

from __future__ import annotations

import hashlib
import hmac
import secrets

from sqlalchemy import select
from sqlalchemy.orm import Session

from accredit.specs import Users
from reference_impl.store.tables import User

__all__ = ["ensure_users", "find_user", "hash_token", "rotate_tokens"]


def hash_token(token: str) -> str:
    """Return the hex sha256 of a token: all the database ever keeps of it."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def _new_token() -> str:
    return secrets.token_urlsafe(32)


def ensure_users(session: Session, users: Users) -> dict[str, str]:
    """Create every required user the database lacks; return the new users' tokens by key.

    Users already there keep their tokens (which only `rotate_tokens` can reveal again).
    """
    existing = set(session.scalars(select(User.key)))
    created: dict[str, str] = {}
    for required in users.required_users:
        if required.key in existing:
            continue
        token = _new_token()
        session.add(
            User(
                key=required.key,
                role=required.role,
                team=required.team,
                token_sha256=hash_token(token),
            )
        )
        created[required.key] = token
    session.commit()
    return created


def rotate_tokens(session: Session, users: Users) -> dict[str, str]:
    """Give every required user a fresh token (creating missing users); return them by key.

    The role and team of each user are refreshed from the spec at the same time.
    """
    ensure_users(session, users)
    tokens: dict[str, str] = {}
    for required in users.required_users:
        user = session.scalars(select(User).where(User.key == required.key)).one()
        token = _new_token()
        user.token_sha256 = hash_token(token)
        user.role = required.role
        user.team = required.team
        tokens[required.key] = token
    session.commit()
    return tokens


def find_user(session: Session, token: str) -> User | None:
    """Return the user whose token this is, or None; the hashes are compared in constant time."""
    digest = hash_token(token)
    user = session.scalars(select(User).where(User.token_sha256 == digest)).one_or_none()
    if user is None or not hmac.compare_digest(user.token_sha256, digest):
        return None
    return user
