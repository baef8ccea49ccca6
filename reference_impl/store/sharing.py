"""Which children are shared with the partner agency (access.yaml's reach `shared`)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import ForeignKey, String, delete, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from reference_impl.store.tables import Base

__all__ = ["ChildShare", "set_shared", "shared_among"]


class ChildShare(Base):
    """A child shared with the partner agency: who shared the record, and when."""

    __tablename__ = "child_shares"

    child_id: Mapped[int] = mapped_column(ForeignKey("children.id"), primary_key=True)
    shared_by: Mapped[str] = mapped_column(String(64))
    shared_at: Mapped[datetime]


def shared_among(session: Session, child_ids: Iterable[int]) -> set[int]:
    """Return those of `child_ids` that are shared with the partner agency."""
    ids = list(child_ids)
    if not ids:
        return set()
    return set(session.scalars(select(ChildShare.child_id).where(ChildShare.child_id.in_(ids))))


def set_shared(session: Session, child_id: int, shared: bool, by: str, at: datetime) -> None:
    """Share the child with the partner agency, or stop sharing it; the caller commits."""
    current = session.get(ChildShare, child_id)
    if shared and current is None:
        session.add(ChildShare(child_id=child_id, shared_by=by, shared_at=at))
    elif not shared and current is not None:
        session.execute(delete(ChildShare).where(ChildShare.child_id == child_id))
