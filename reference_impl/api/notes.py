"""Case notes: kept exactly as typed and listed on their own child's record (FUN-004)."""

from __future__ import annotations

from datetime import date, datetime

from fastapi import APIRouter
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import select

from reference_impl import faults
from reference_impl.api.access import Authorised
from reference_impl.api.deps import AppSettings, CurrentUser, DbSession, Now, get_row, require
from reference_impl.api.errors import error_responses
from reference_impl.api.fields import CalendarDate, NoteText
from reference_impl.domain.access import NOTE_READ, NOTE_WRITE
from reference_impl.store.tables import Child, Note

__all__ = ["NoteCreate", "NoteRead", "note_read", "router"]

router = APIRouter(tags=["notes"])


class NoteCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    text: NoteText = Field(description="Stored exactly as sent: no trimming, no normalisation.")
    occurred_on: CalendarDate | None = Field(
        default=None, description="The day of what the note records (default: today, UTC)."
    )


class NoteRead(BaseModel):
    id: int
    child_id: int
    author: str
    text: str
    occurred_on: date
    created_at: datetime


def note_read(note: Note) -> NoteRead:
    """Return the note as the API shows it."""
    return NoteRead(
        id=note.id,
        child_id=note.child_id,
        author=note.author,
        text=note.text,
        occurred_on=note.occurred_on,
        created_at=note.created_at,
    )


@router.post(
    "/children/{child_id}/notes",
    status_code=201,
    operation_id="createNote",
    summary="Record a case note",
    responses=error_responses(401, 403, 404, 413, 422),
)
def create_note(
    child_id: int,
    body: NoteCreate,
    user: CurrentUser,
    gate: Authorised,
    session: DbSession,
    settings: AppSettings,
    now: Now,
) -> NoteRead:
    """Record a note on a child's record; return it."""
    gate.check(get_row(session, Child, child_id, "child"), what=f"child {child_id}")
    require(user, NOTE_WRITE)
    text = body.text
    if settings.fault("notes-truncated"):
        text = text[: faults.TRUNCATED_NOTE_CHARS]
    note = Note(
        child_id=child_id,
        author=user.key,
        text=text,
        occurred_on=body.occurred_on or now.date(),
        created_at=now,
    )
    session.add(note)
    session.commit()
    return note_read(note)


@router.get(
    "/children/{child_id}/notes",
    operation_id="listNotes",
    summary="A child's case notes",
    responses=error_responses(401, 403, 404, 422),
)
def list_notes(
    child_id: int, user: CurrentUser, gate: Authorised, session: DbSession
) -> list[NoteRead]:
    """Return the child's notes, oldest first."""
    gate.check(get_row(session, Child, child_id, "child"), what=f"child {child_id}")
    require(user, NOTE_READ)
    notes = session.scalars(select(Note).where(Note.child_id == child_id).order_by(Note.id))
    return [note_read(note) for note in notes]
