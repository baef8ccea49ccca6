"""Appending to the audit trail's hash chain, and reading it back to verify it."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Engine, select, update
from sqlalchemy.orm import Session

from reference_impl.domain.audit_chain import (
    GENESIS,
    ChainBreak,
    EntryContent,
    entry_digest,
    verify_chain,
)
from reference_impl.store.tables import AuditEntry, AuditHead

__all__ = ["NewEntry", "append_entries", "verify_audit"]

_HEAD_ID = 1
#: Entries read per query while verifying.
_PAGE = 5000


@dataclass(frozen=True)
class NewEntry:
    """One entry to append: the chain gives it its id and digest."""

    at: datetime
    user: str
    action: str
    form_id: int | None
    child_id: int | None
    outcome: str
    code: str | None


def append_entries(session: Session, entries: list[NewEntry]) -> None:
    """Add `entries` to the chain in the session's transaction (the caller commits)."""
    # The write first: from here to the commit no other writer can extend the chain.
    session.execute(
        update(AuditHead).where(AuditHead.id == _HEAD_ID).values(writes=AuditHead.writes + 1)
    )
    head = session.scalars(
        select(AuditHead).where(AuditHead.id == _HEAD_ID).execution_options(populate_existing=True)
    ).first()
    if head is None:
        head = AuditHead(id=_HEAD_ID, last_entry_id=0, last_digest=GENESIS, writes=1)
        session.add(head)
    for entry in entries:
        content = EntryContent(
            head.last_entry_id + 1,
            entry.at,
            entry.user,
            entry.action,
            entry.form_id,
            entry.child_id,
            entry.outcome,
            entry.code,
        )
        digest = entry_digest(head.last_digest, content)
        session.add(
            AuditEntry(
                id=content.id,
                at=content.at,
                user=content.user,
                action=content.action,
                form_id=content.form_id,
                child_id=content.child_id,
                outcome=content.outcome,
                code=content.code,
                previous_digest=head.last_digest,
                digest=digest,
            )
        )
        head.last_entry_id, head.last_digest = content.id, digest


def _chain(session: Session) -> Iterator[tuple[EntryContent, str, str]]:
    after = 0
    while True:
        page = list(
            session.scalars(
                select(AuditEntry).where(AuditEntry.id > after).order_by(AuditEntry.id).limit(_PAGE)
            )
        )
        for row in page:
            content = EntryContent(
                row.id,
                row.at,
                row.user,
                row.action,
                row.form_id,
                row.child_id,
                row.outcome,
                row.code,
            )
            yield content, row.previous_digest, row.digest
        if len(page) < _PAGE:
            return
        after = page[-1].id
        session.expunge_all()


@dataclass(frozen=True)
class AuditVerification:
    entries: int
    breaks: list[ChainBreak]


def verify_audit(engine: Engine) -> AuditVerification:
    """Read the whole trail in id order and return how many entries it has and every break."""
    with Session(engine) as session:
        head_row = session.get(AuditHead, _HEAD_ID)
        head = (head_row.last_entry_id, head_row.last_digest) if head_row is not None else None
        counted = 0

        def counting() -> Iterator[tuple[EntryContent, str, str]]:
            nonlocal counted
            for link in _chain(session):
                counted += 1
                yield link

        breaks = verify_chain(counting(), head)
    return AuditVerification(counted, breaks)
