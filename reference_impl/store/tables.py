"""The reference's tables, as SQLAlchemy 2 typed mapped classes."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any, ClassVar

from sqlalchemy import (
    JSON,
    Date,
    DateTime,
    ForeignKey,
    Integer,
    LargeBinary,
    String,
    Text,
    TypeDecorator,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

__all__ = [
    "AuditEntry",
    "AuditHead",
    "Base",
    "Child",
    "Form",
    "FormAttachment",
    "FormLink",
    "Note",
    "SiblingGroup",
    "User",
]

#: The largest id SQLite stores (a signed 64-bit integer); anything bigger is simply not found.
MAX_ID = 2**63 - 1


class UTCDateTime(TypeDecorator[datetime]):
    """A timestamp stored as naive UTC and read back aware, whatever the database keeps."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("timestamps must be timezone-aware")
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        stored: datetime = value
        return stored.replace(tzinfo=UTC)


class Base(DeclarativeBase):
    type_annotation_map: ClassVar[dict[Any, Any]] = {
        datetime: UTCDateTime,
        date: Date,
        dict[str, Any]: JSON,
    }


class User(Base):
    """A test user: the key and role of a required user, and the sha256 of their token."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    key: Mapped[str] = mapped_column(String(64), unique=True)
    role: Mapped[str] = mapped_column(String(64))
    team: Mapped[str | None] = mapped_column(String(64))
    token_sha256: Mapped[str] = mapped_column(String(64), unique=True, index=True)


class SiblingGroup(Base):
    __tablename__ = "sibling_groups"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    created_at: Mapped[datetime]


class Child(Base):
    __tablename__ = "children"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    given_name: Mapped[str] = mapped_column(String(100))
    family_name: Mapped[str] = mapped_column(String(100))
    date_of_birth: Mapped[date]
    sex: Mapped[str] = mapped_column(String(16))
    team: Mapped[str] = mapped_column(String(64))
    sibling_group_id: Mapped[int | None] = mapped_column(
        ForeignKey("sibling_groups.id"), index=True
    )
    created_at: Mapped[datetime]
    # A duplicate record merged into another keeps its id and says where the child now is.
    merged_into: Mapped[int | None] = mapped_column(ForeignKey("children.id"), default=None)


class Form(Base):
    """A form: its lifecycle state, optimistic-lock version and answers (question id -> value)."""

    __tablename__ = "forms"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(64))
    child_id: Mapped[int] = mapped_column(ForeignKey("children.id"), index=True)
    age_band: Mapped[str] = mapped_column(String(32))
    status: Mapped[str] = mapped_column(String(64))
    version: Mapped[int] = mapped_column()
    author: Mapped[str] = mapped_column(String(64))
    started_on: Mapped[date]
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    submitted_at: Mapped[datetime | None]
    approved_at: Mapped[datetime | None]
    approved_by: Mapped[str | None] = mapped_column(String(64))
    returned_reason: Mapped[str | None] = mapped_column(Text)
    answers: Mapped[dict[str, Any]]
    # Per pre-populated question: provenance, the copied value, whether it is still unconfirmed
    # and the candidates offered, a snapshot like the answer (domain/prepopulated_answers.py).
    prepopulation: Mapped[dict[str, Any]] = mapped_column(default=dict, server_default="{}")
    # An addendum: a correction of the locked form it names, in the same lifecycle.
    addendum_of: Mapped[int | None] = mapped_column(
        ForeignKey("forms.id"), index=True, default=None
    )

    # Every UPDATE or DELETE of a form names the version it read, and an UPDATE adds one:
    # a concurrent change makes the second writer fail instead of overwriting the first.
    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012 (read once, by the mapper)


class Note(Base):
    __tablename__ = "notes"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    child_id: Mapped[int] = mapped_column(ForeignKey("children.id"), index=True)
    author: Mapped[str] = mapped_column(String(64))
    text: Mapped[str] = mapped_column(Text)
    occurred_on: Mapped[date]
    created_at: Mapped[datetime]


class FormAttachment(Base):
    """A document attached to a form: part of the form's content once the form is locked."""

    __tablename__ = "form_attachments"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    form_id: Mapped[int] = mapped_column(ForeignKey("forms.id"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    media_type: Mapped[str] = mapped_column(String(100))
    content: Mapped[bytes] = mapped_column(LargeBinary)
    size: Mapped[int] = mapped_column()
    sha256: Mapped[str] = mapped_column(String(64))
    added_by: Mapped[str] = mapped_column(String(64))
    added_at: Mapped[datetime]


class FormLink(Base):
    """A link from a form to another record it rests on (a case note)."""

    __tablename__ = "form_links"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    form_id: Mapped[int] = mapped_column(ForeignKey("forms.id"), index=True)
    target_type: Mapped[str] = mapped_column(String(32))
    target_id: Mapped[int] = mapped_column()
    added_by: Mapped[str] = mapped_column(String(64))
    added_at: Mapped[datetime]


class AuditEntry(Base):
    """One attempt to create or change a form, allowed or refused. Rows are only ever added.

    `form_id` and `child_id` are plain numbers, not foreign keys: an entry outlives the draft
    it speaks of, and a merge or a move never rewrites where an earlier attempt was made.
    `digest` chains the entry to the one before it (domain/audit_chain.py).
    """

    __tablename__ = "audit_entries"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[datetime]
    user: Mapped[str] = mapped_column(String(64))
    action: Mapped[str] = mapped_column(String(64))
    form_id: Mapped[int | None] = mapped_column(index=True)
    child_id: Mapped[int | None] = mapped_column(index=True)
    outcome: Mapped[str] = mapped_column(String(16))
    code: Mapped[str | None] = mapped_column(String(64))
    previous_digest: Mapped[str] = mapped_column(String(64))
    digest: Mapped[str] = mapped_column(String(64))


class AuditHead(Base):
    """The one row that records the audit chain's last entry: entries removed from the end
    leave the chain shorter than its head."""

    __tablename__ = "audit_head"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    last_entry_id: Mapped[int] = mapped_column()
    last_digest: Mapped[str] = mapped_column(String(64))
    # Bumped by every writer first, so the writer holds the database's write lock while it
    # reads the head and extends the chain: two attempts never follow the same entry.
    writes: Mapped[int] = mapped_column(default=0)
