"""Case notes: kept exactly as typed and listed on their own child's record (FUN-004); linked
to the records they speak of (an assessment, a plan action, a review: specs/record.yaml
`note_links`), each of which lists its notes; flagged significant, for the chronology.

A link to a form, a plan action or a review is checked: the record exists and is on the note's
child (the form is the child's, the action is in the child's plan, the review was held for
the child). Another target type is kept by the id given; adding its check is one entry of
`_TARGET_CHILD`.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable
from datetime import date, datetime

from fastapi import APIRouter
from pydantic import BaseModel, ConfigDict, Field, StrictBool
from sqlalchemy import select
from sqlalchemy.orm import Session

from reference_impl import faults
from reference_impl.api.access import Authorised
from reference_impl.api.deps import (
    AppSettings,
    CurrentUser,
    DbSession,
    Now,
    RecordSpec,
    get_row,
    require,
)
from reference_impl.api.errors import error_responses, invalid_request
from reference_impl.api.fields import CalendarDate, Id, NoteText
from reference_impl.domain.access import NOTE_READ, NOTE_WRITE
from reference_impl.store.casework import NoteLink, NoteSignificance
from reference_impl.store.plan import PlanAction
from reference_impl.store.statutory import LookedAfterReview
from reference_impl.store.tables import MAX_ID, Child, Form, Note

__all__ = ["NoteCreate", "NoteLinkCreate", "NoteRead", "notes_read", "router", "target_child"]

router = APIRouter(tags=["notes"])

#: The most records one note is linked to.
MAX_NOTE_LINKS = 20


class NoteLinkCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    target_type: str = Field(description="form, plan_action or review (specs/record.yaml).")
    target_id: Id = Field(description="The id of the linked record.")


class NoteLinkRead(BaseModel):
    target_type: str
    target_id: int


class NoteCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    text: NoteText = Field(description="Stored exactly as sent: no trimming, no normalisation.")
    occurred_on: CalendarDate | None = Field(
        default=None, description="The day of what the note records (default: today, UTC)."
    )
    significant: StrictBool = Field(
        default=False, description="A significant event: the note appears in the chronology."
    )
    links: list[NoteLinkCreate] = Field(
        default_factory=list,
        max_length=MAX_NOTE_LINKS,
        description="The records the note speaks of; each lists it among its notes.",
    )


class NoteRead(BaseModel):
    id: int
    child_id: int
    author: str
    text: str
    occurred_on: date
    created_at: datetime
    significant: bool = False
    links: list[NoteLinkRead] = Field(default_factory=list)


def notes_read(session: Session, notes: Iterable[Note]) -> list[NoteRead]:
    """Return the notes as the API shows them, with their links and significance."""
    notes = list(notes)
    ids = [n.id for n in notes]
    links: dict[int, list[NoteLinkRead]] = defaultdict(list)
    for link in session.scalars(
        select(NoteLink).where(NoteLink.note_id.in_(ids)).order_by(NoteLink.id)
    ):
        links[link.note_id].append(
            NoteLinkRead(target_type=link.target_type, target_id=link.target_id)
        )
    significant = set(
        session.scalars(select(NoteSignificance.note_id).where(NoteSignificance.note_id.in_(ids)))
    )
    return [
        NoteRead(
            id=note.id,
            child_id=note.child_id,
            author=note.author,
            text=note.text,
            occurred_on=note.occurred_on,
            created_at=note.created_at,
            significant=note.id in significant,
            links=links[note.id],
        )
        for note in notes
    ]


def _form_child(session: Session, form_id: int) -> int | None:
    form = session.get(Form, form_id)
    return form.child_id if form is not None else None


def _plan_action_child(session: Session, action_id: int) -> int | None:
    action = session.get(PlanAction, action_id)
    return action.child_id if action is not None else None


def _review_child(session: Session, review_id: int) -> int | None:
    review = session.get(LookedAfterReview, review_id)
    return review.child_id if review is not None else None


#: How the child of a linked record is found, by target type: a record that is not found, or
#: is on another child's record, is refused. Types without an entry are kept by their id.
_TARGET_CHILD: dict[str, Callable[[Session, int], int | None]] = {
    "form": _form_child,
    "plan_action": _plan_action_child,
    "review": _review_child,
}


def target_child(session: Session, target_type: str, target_id: int) -> int | None:
    """Return the id of the child whose record holds the linked record, or None when there is
    no such record (or its type has no records of its own)."""
    child_of = _TARGET_CHILD.get(target_type)
    if child_of is None or not 1 <= target_id <= MAX_ID:
        return None  # an id SQLite cannot hold names no record, never an overflow
    return child_of(session, target_id)


def _checked_links(
    session: Session, rules: RecordSpec, child_id: int, links: list[NoteLinkCreate]
) -> list[NoteLinkCreate]:
    """Return the links if every one names a known target of this child; refuse the first bad."""
    types = [t.type for t in rules.link_targets]
    seen: set[tuple[str, int]] = set()
    for i, link in enumerate(links):
        where = f"body.links[{i}]"
        if link.target_type not in types:
            raise invalid_request(
                f"{where}.target_type", f"{link.target_type!r} is not one of {', '.join(types)}"
            )
        if not 1 <= link.target_id <= MAX_ID:
            raise invalid_request(f"{where}.target_id", f"{link.target_id} is not a record id")
        if (link.target_type, link.target_id) in seen:
            raise invalid_request(where, f"{link.target_type} {link.target_id} is linked twice")
        seen.add((link.target_type, link.target_id))
        child_of = _TARGET_CHILD.get(link.target_type)
        if child_of is None:
            continue
        owner = child_of(session, link.target_id)
        if owner is None:
            raise invalid_request(
                f"{where}.target_id", f"{link.target_type} {link.target_id} does not exist"
            )
        if owner != child_id:
            raise invalid_request(
                f"{where}.target_id",
                f"{link.target_type} {link.target_id} is on another child's record",
            )
    return links


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
    rules: RecordSpec,
    now: Now,
) -> NoteRead:
    """Record a note on a child's record, with its links and flag; return it."""
    gate.check(get_row(session, Child, child_id, "child"), what=f"child {child_id}")
    require(user, NOTE_WRITE)
    links = _checked_links(session, rules, child_id, body.links)
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
    session.flush()
    if settings.fault("note-link-dropped"):
        links = []  # the defect: the note is kept, the records it speaks of are not
    session.add_all(
        NoteLink(note_id=note.id, target_type=link.target_type, target_id=link.target_id)
        for link in links
    )
    if body.significant:
        session.add(NoteSignificance(note_id=note.id, flagged_by=user.key, flagged_at=now))
    session.commit()
    return notes_read(session, [note])[0]


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
    return notes_read(session, notes)
