"""The casework screens: the caseload, a child's record, a new case note and the record's search.

Each screen acts through the same functions as the conformance API (`reference_impl.api`), as
the signed-in user, so the rules, the audit trail and the planted faults are the API's own; a
refusal is shown in the GOV.UK error summary.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from fastapi import APIRouter, Form, Request, Response
from fastapi.responses import HTMLResponse, RedirectResponse
from sqlalchemy import select
from sqlalchemy.orm import Session

from accredit.specs import SpecBundle
from reference_impl.api.deps import AppSettings, DbSession, Now, Specs, get_row, require
from reference_impl.api.errors import ApiError
from reference_impl.api.evidence import LinkCreate, add_link
from reference_impl.api.notes import NoteCreate, create_note
from reference_impl.domain.access import CHILD_READ, FORM_CREATE, NOTE_READ, NOTE_WRITE, Actor
from reference_impl.domain.mentions import highlighted
from reference_impl.store.note_search import search_notes
from reference_impl.store.tables import Child, FormLink, Note
from reference_impl.store.tables import Form as FormRow
from reference_impl.store.ui_sessions import discard_draft, read_draft
from reference_impl.ui.drafts import note_place
from reference_impl.ui.rendering import ErrorItem, page
from reference_impl.ui.sessions import UiUser

__all__ = ["router"]

router = APIRouter(include_in_schema=False)

#: The children the caseload screen lists (most recent first).
CASELOAD_ROWS = 50
#: The most mentions one search screen shows.
MAX_MENTIONS = 200
#: What each banner of the record says, by the `done` the previous screen redirects with.
_BANNERS = {"note": "Case note saved"}


def _full_name(child: Child) -> str:
    return f"{child.given_name} {child.family_name}"


def _titled(specs: SpecBundle, forms: list[FormRow]) -> list[tuple[FormRow, str]]:
    return [(f, specs.forms[f.kind].title if f.kind in specs.forms else f.kind) for f in forms]


def _forms_of(db: Session, child_id: int) -> list[FormRow]:
    return list(
        db.scalars(select(FormRow).where(FormRow.child_id == child_id).order_by(FormRow.id))
    )


@router.get("/ui/")
def caseload(request: Request, user: UiUser, db: DbSession) -> HTMLResponse:
    require(user, CHILD_READ)
    children = db.scalars(select(Child).order_by(Child.id.desc()).limit(CASELOAD_ROWS))
    return page(request, "caseload.html.j2", title="Caseload", user=user, children=list(children))


@router.get("/ui/children/{child_id}")
def child_record(
    request: Request, child_id: int, user: UiUser, db: DbSession, specs: Specs, done: str = ""
) -> HTMLResponse:
    require(user, CHILD_READ)
    child = get_row(db, Child, child_id, "child")
    siblings = []
    if child.sibling_group_id is not None:
        siblings = list(
            db.scalars(
                select(Child)
                .where(Child.sibling_group_id == child.sibling_group_id, Child.id != child.id)
                .order_by(Child.id)
            )
        )
    forms = _forms_of(db, child.id)
    titles = dict((f.id, t) for f, t in _titled(specs, forms))
    notes: list[tuple[Note, list[tuple[int, str]]]] = []
    if user.may(NOTE_READ):
        rows = list(db.scalars(select(Note).where(Note.child_id == child.id).order_by(Note.id)))
        links = db.scalars(
            select(FormLink).where(
                FormLink.target_type == "note", FormLink.target_id.in_([n.id for n in rows])
            )
        )
        linked: dict[int, list[tuple[int, str]]] = {}
        for link in links:
            linked.setdefault(link.target_id, []).append(
                (link.form_id, titles.get(link.form_id, ""))
            )
        notes = [(n, linked.get(n.id, [])) for n in reversed(rows)]
    return page(
        request, "child.html.j2", title=_full_name(child), user=user, child=child,
        siblings=siblings, forms=_titled(specs, forms), notes=notes,
        form_kinds=[(k, f.title) for k, f in sorted(specs.forms.items())],
        may_write_notes=user.may(NOTE_WRITE), may_start_forms=user.may(FORM_CREATE),
        banner=_BANNERS.get(done, ""),
    )  # fmt: skip


def _linkable(db: Session, specs: SpecBundle, child_id: int) -> list[tuple[FormRow, str]]:
    """The child's forms a note may be linked to now: those open to evidence (lifecycle.yaml)."""
    forms = [f for f in _forms_of(db, child_id) if specs.lifecycle.state(f.status).evidence]
    return _titled(specs, forms)


def _note_form(
    request: Request,
    user: Actor,
    db: Session,
    specs: SpecBundle,
    child: Child,
    text: str,
    chosen_form: int | None,
    errors: list[ErrorItem] | None = None,
    restored: bool = False,
) -> HTMLResponse:
    return page(
        request, "note_form.html.j2", title="Add a case note", user=user, child=child,
        text=text, chosen_form=chosen_form, linkable=_linkable(db, specs, child.id),
        place=note_place(child.id), restored=restored, errors=errors,
        status_code=400 if errors else 200,
    )  # fmt: skip


@router.get("/ui/children/{child_id}/notes/new")
def new_note(
    request: Request,
    child_id: int,
    user: UiUser,
    db: DbSession,
    specs: Specs,
    settings: AppSettings,
    stage: int = 0,
) -> HTMLResponse:
    require(user, NOTE_WRITE)
    child = get_row(db, Child, child_id, "child")
    if settings.fault("ui-extra-screens") and stage < 2:
        # The defect: two screens of preamble stand between the record and the note form.
        return page(
            request, "interstitial.html.j2", title="Before you record a case note", user=user,
            child=child, next_href=f"/ui/children/{child.id}/notes/new?stage={stage + 1}",
            explanation="Case notes are part of the child's record and may be shared with "
            "the family. Continue to write the note.",
        )  # fmt: skip
    draft = read_draft(db, user.key, note_place(child.id), "text")
    return _note_form(request, user, db, specs, child, draft or "", None, restored=bool(draft))


@router.post("/ui/children/{child_id}/notes", response_model=None)
def save_note(
    request: Request,
    child_id: int,
    user: UiUser,
    db: DbSession,
    specs: Specs,
    settings: AppSettings,
    now: Now,
    text: Annotated[str, Form()] = "",
    form_id: Annotated[str, Form()] = "",
) -> Response:
    require(user, NOTE_WRITE)
    child = get_row(db, Child, child_id, "child")
    chosen = int(form_id) if form_id.isdigit() else None
    if not text.strip():
        errors = [ErrorItem("Enter the case note", "text")]
        return _note_form(request, user, db, specs, child, text, chosen, errors)
    try:
        note = create_note(child.id, NoteCreate(text=text), user, db, settings, now)
        if chosen is not None:
            form = get_row(db, FormRow, chosen, "form")
            if form.child_id != child.id:
                raise ApiError(422, "invalid_request", "that assessment is another child's")
            body = LinkCreate(version=form.version, target_type="note", target_id=note.id)
            add_link(form.id, body, user, db, specs, settings, now)
    except (ApiError, ValueError) as error:
        message = error.message if isinstance(error, ApiError) else str(error)
        return _note_form(request, user, db, specs, child, text, chosen, [ErrorItem(message)])
    discard_draft(db, user.key, note_place(child.id), "text")
    db.commit()
    return RedirectResponse(f"/ui/children/{child.id}?done=note#notes", 303)


@dataclass(frozen=True)
class Mention:
    """One place in the record where the phrase is written, with the text around it."""

    source: str
    href: str
    parts: list[tuple[str, bool]]


@router.get("/ui/children/{child_id}/search")
def search_record(
    request: Request,
    child_id: int,
    user: UiUser,
    db: DbSession,
    specs: Specs,
    settings: AppSettings,
    q: str = "",
) -> HTMLResponse:
    require(user, NOTE_READ)
    child = get_row(db, Child, child_id, "child")
    query = q[:200]
    if not query.strip():
        errors = (
            [ErrorItem("Enter the words to search for", "q")] if "q" in request.query_params else []
        )
        return page(
            request, "search.html.j2", title="Search the record", user=user, child=child,
            query="", searched=False, mentions=[], errors=errors,
        )  # fmt: skip
    mentions: list[Mention] = []
    for note in search_notes(db, child.id, query, MAX_MENTIONS):
        parts = highlighted(note.text, query)
        if parts is not None:
            source = (
                f"Case note of {note.occurred_on.day} {note.occurred_on:%B %Y} by {note.author}"
            )
            mentions.append(Mention(source, f"/ui/children/{child.id}#notes", parts))
    answered = [] if settings.fault("ui-search-notes-only") else _forms_of(db, child.id)
    for form, form_title in _titled(specs, answered):
        definition = specs.forms.get(form.kind)
        for question_id, value in form.answers.items():
            parts = highlighted(value, query) if isinstance(value, str) else None
            if parts is not None and definition is not None:
                question = definition.question(question_id).text
                source = f"{form_title} (form {form.id}): {question}"
                mentions.append(Mention(source, f"/ui/forms/{form.id}", parts))
    return page(
        request, "search.html.j2", title="Search the record", user=user, child=child,
        query=query, searched=True, mentions=mentions[:MAX_MENTIONS],
    )  # fmt: skip
