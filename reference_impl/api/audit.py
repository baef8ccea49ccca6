"""The audit trail: one entry per attempt to create or change a form, allowed or refused.

Routes run each attempt inside `attempt(...)`: an allowed change is committed together with its
entry, in one transaction; a refused one is rolled back and its entry written on its own. A
change that loses the race for a form's version (another change or the approval came first) is
refused too, as `form_locked` when the form is locked now, `version_conflict` otherwise.
Entries are only ever added: no route edits or deletes one (lockdown.yaml, `audit`), and each
is hash-chained to the one before it, so a row changed or removed in the database itself is
found by `accredit reference verify-audit`.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Query
from pydantic import BaseModel, Field
from sqlalchemy import select
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from accredit.specs import SpecBundle
from reference_impl.api.access import Authorised
from reference_impl.api.deps import CurrentUser, DbSession, get_row, require
from reference_impl.api.errors import ApiError, error_responses, refused, version_conflict
from reference_impl.domain.access import FORM_READ, Actor
from reference_impl.domain.lifecycle import locked_refusal
from reference_impl.settings import Settings
from reference_impl.store.audit_trail import NewEntry, append_entries
from reference_impl.store.tables import MAX_ID, AuditEntry, Form

__all__ = ["Attempt", "AuditEntryRead", "attempt", "router"]

router = APIRouter(tags=["audit"])

#: The most entries one read returns; page on with `after`.
MAX_ENTRIES_PER_READ = 1000


class AuditEntryRead(BaseModel):
    """One attempt: who, when, which action (a route id of lockdown.yaml or a lifecycle
    action), on which form and child, and the outcome with the refusal's code."""

    id: int
    at: datetime
    user: str
    action: str
    form_id: int | None
    child_id: int | None
    outcome: str = Field(description="allowed or refused (specs/lockdown.yaml, audit.outcomes).")
    code: str | None = Field(description="The error code of a refusal; null when allowed.")


def _entry_read(entry: AuditEntry) -> AuditEntryRead:
    return AuditEntryRead(
        id=entry.id,
        at=entry.at,
        user=entry.user,
        action=entry.action,
        form_id=entry.form_id,
        child_id=entry.child_id,
        outcome=entry.outcome,
        code=entry.code,
    )


Subject = tuple[int | None, int | None]  # (form id, child id)


@dataclass
class Attempt:
    """What one request attempts: its user and action, and the forms (with their children) it
    would change. A request that changes several forms is one entry per form."""

    user: str
    action: str
    subjects: list[Subject] = field(default_factory=list)

    def concerns(self, form_id: int | None, child_id: int | None) -> None:
        """Say the attempt is on this form of this child (once the route knows them)."""
        self.subjects = [(form_id, child_id)]


def _storable(ident: int | None) -> int | None:
    # An id no record can have (an attempt on /forms/-1) is kept as "no form".
    return ident if ident is not None and 1 <= ident <= MAX_ID else None


def _record(
    session: Session, attempt: Attempt, outcome: str, code: str | None, at: datetime
) -> None:
    append_entries(
        session,
        [
            NewEntry(
                at,
                attempt.user,
                attempt.action,
                _storable(form_id),
                _storable(child_id),
                outcome,
                code,
            )
            for form_id, child_id in attempt.subjects or [(None, None)]
        ],
    )


def _changed_meanwhile(session: Session, specs: SpecBundle, attempt: Attempt) -> ApiError:
    form_id = attempt.subjects[0][0] if attempt.subjects else None
    current = session.get(Form, form_id) if _storable(form_id) is not None else None
    if current is None:
        return version_conflict(0)
    locked = locked_refusal(specs.lifecycle.state(current.status))
    return refused(locked) if locked is not None else version_conflict(current.version)


@contextmanager
def attempt(
    session: Session,
    specs: SpecBundle,
    settings: Settings,
    user: Actor,
    action: str,
    now: datetime,
    form_id: int | None = None,
    child_id: int | None = None,
) -> Iterator[Attempt]:
    """Run one attempt and record it in the audit trail; yield the attempt to describe.

    The body flushes its changes and builds its answer inside the block; on leaving it the
    entry is added and everything commits at once. An ApiError (or a lost version race) rolls
    the change back, records the refusal and propagates.
    """
    outcomes = specs.lockdown.audit
    record = Attempt(user.key, action, [(form_id, child_id)])
    try:
        yield record
        session.flush()
    except StaleDataError:
        session.rollback()
        error = _changed_meanwhile(session, specs, record)
        _refuse(session, settings, record, outcomes.refused, error.code, now)
        raise error from None
    except ApiError as error:
        session.rollback()
        _refuse(session, settings, record, outcomes.refused, error.code, now)
        raise
    _record(session, record, outcomes.allowed, None, now)
    session.commit()


def _refuse(
    session: Session, settings: Settings, record: Attempt, outcome: str, code: str, now: datetime
) -> None:
    if settings.fault("audit-misses-refusals"):
        return  # the defect: only the changes that went through are written down
    _record(session, record, outcome, code, now)
    session.commit()


# --- routes -----------------------------------------------------------------------------------

_Id = Annotated[int | None, Query(ge=1, le=MAX_ID)]


@router.get(
    "/audit",
    operation_id="listAuditEntries",
    summary="The audit trail",
    responses=error_responses(401, 403, 422),
)
def list_audit_entries(
    user: CurrentUser,
    gate: Authorised,
    session: DbSession,
    form_id: _Id = None,
    child_id: _Id = None,
    after: Annotated[int, Query(ge=0, le=MAX_ID, description="Entries after this id.")] = 0,
    limit: Annotated[int, Query(ge=1, le=MAX_ENTRIES_PER_READ)] = MAX_ENTRIES_PER_READ,
) -> list[AuditEntryRead]:
    """Return the entries after `after`, oldest first, of one form or child if asked."""
    gate.check(what="the audit trail")
    require(user, FORM_READ)
    query = select(AuditEntry).where(AuditEntry.id > after)
    if form_id is not None:
        query = query.where(AuditEntry.form_id == form_id)
    if child_id is not None:
        query = query.where(AuditEntry.child_id == child_id)
    entries = session.scalars(query.order_by(AuditEntry.id).limit(limit))
    return [_entry_read(entry) for entry in entries]


@router.get(
    "/audit/{entry_id}",
    operation_id="getAuditEntry",
    summary="One audit entry",
    responses=error_responses(401, 403, 404, 422),
)
def get_audit_entry(
    entry_id: int, user: CurrentUser, gate: Authorised, session: DbSession
) -> AuditEntryRead:
    """Return one entry of the audit trail."""
    gate.check(what=f"audit entry {entry_id}")
    require(user, FORM_READ)
    return _entry_read(get_row(session, AuditEntry, entry_id, "audit entry"))
