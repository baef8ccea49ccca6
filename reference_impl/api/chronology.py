"""The chronology of a child's record: the significant events of its records, in the order they
happened (specs/record.yaml `chronology`; the order itself is domain/chronology.py)."""

from __future__ import annotations

from datetime import date, datetime

from fastapi import APIRouter
from pydantic import BaseModel, Field
from sqlalchemy import select
from sqlalchemy.orm import Session

from accredit.specs import SpecBundle
from reference_impl.api.access import Authorised
from reference_impl.api.deps import (
    AppSettings,
    CurrentUser,
    DbSession,
    RecordSpec,
    Specs,
    get_row,
    require,
)
from reference_impl.api.errors import error_responses
from reference_impl.domain.access import NOTE_READ
from reference_impl.domain.chronology import Event, in_chronological_order
from reference_impl.store.casework import NoteSignificance
from reference_impl.store.tables import Child, Form, Note

__all__ = ["EventRead", "router"]

router = APIRouter(tags=["chronology"])

#: How much of a significant note the chronology shows.
SUMMARY_CHARS = 200


class EventRead(BaseModel):
    """One significant event, pointing at the record it comes from."""

    on: date = Field(description="The day it happened.")
    kind: str = Field(description="An event kind of specs/record.yaml.")
    summary: str
    source_type: str = Field(description="form or note.")
    source_id: int


def _form_events(specs: SpecBundle, form: Form) -> list[tuple[Event, datetime]]:
    title = specs.forms[form.kind].title if form.kind in specs.forms else form.kind
    found = [
        (
            Event(form.started_on, "form_started", "form", form.id, f"{title} started"),
            form.created_at,
        )
    ]
    if form.submitted_at is not None:
        summary = f"{title} submitted"
        found.append(
            (
                Event(form.submitted_at.date(), "form_submitted", "form", form.id, summary),
                form.submitted_at,
            )
        )
    if form.approved_at is not None:
        summary = f"{title} approved by {form.approved_by}"
        found.append(
            (
                Event(form.approved_at.date(), "form_approved", "form", form.id, summary),
                form.approved_at,
            )
        )
    return found


def _note_events(session: Session, child_id: int) -> list[tuple[Event, datetime]]:
    notes = session.scalars(
        select(Note)
        .join(NoteSignificance, NoteSignificance.note_id == Note.id)
        .where(Note.child_id == child_id)
    )
    return [
        (
            Event(n.occurred_on, "note_significant", "note", n.id, n.text[:SUMMARY_CHARS]),
            n.created_at,
        )
        for n in notes
    ]


@router.get(
    "/children/{child_id}/chronology",
    operation_id="getChronology",
    summary="The significant events of a child's record, in date order",
    responses=error_responses(401, 403, 404, 422),
)
def get_chronology(
    child_id: int,
    user: CurrentUser,
    gate: Authorised,
    session: DbSession,
    specs: Specs,
    rules: RecordSpec,
    settings: AppSettings,
) -> list[EventRead]:
    """Return the child's significant events by day, then the spec's order of kinds, then id."""
    gate.check(get_row(session, Child, child_id, "child"), what=f"child {child_id}")
    require(user, NOTE_READ)
    forms = session.scalars(select(Form).where(Form.child_id == child_id))
    recorded = [e for form in forms for e in _form_events(specs, form)]
    recorded += _note_events(session, child_id)
    wanted = {k.id for k in rules.event_kinds}
    recorded = [(event, at) for event, at in recorded if event.kind in wanted]
    if settings.fault("chronology-misordered"):
        events = [e for e, _ in sorted(recorded, key=lambda r: (r[1], r[0].source_id))]
    else:
        events = in_chronological_order(rules, (e for e, _ in recorded))
    return [
        EventRead(
            on=e.on,
            kind=e.kind,
            summary=e.summary,
            source_type=e.source_type,
            source_id=e.source_id,
        )
        for e in events
    ]
