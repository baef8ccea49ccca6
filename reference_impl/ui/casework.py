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
from reference_impl.api.deps import (
    AppSettings,
    DbSession,
    Now,
    RecordSpec,
    Specs,
    get_row,
    require,
)
from reference_impl.api.errors import ApiError
from reference_impl.api.notes import NoteCreate, NoteLinkCreate, create_note
from reference_impl.api.plan import PlanRules
from reference_impl.api.search import search_record as search_the_record
from reference_impl.domain.access import (
    CHILD_READ,
    FORM_CREATE,
    NOTE_READ,
    NOTE_WRITE,
    Actor,
    shows_shared_sections_only,
)
from reference_impl.domain.mentions import highlighted
from reference_impl.store.casework import EvidenceItem, Need, NoteLink
from reference_impl.store.plan import PlanAction, PlanObjective
from reference_impl.store.tables import Child, Note
from reference_impl.store.tables import Form as FormRow
from reference_impl.store.ui_sessions import discard_draft, read_draft
from reference_impl.ui.drafts import note_place
from reference_impl.ui.gates import gate_for
from reference_impl.ui.rendering import ErrorItem, page
from reference_impl.ui.sessions import UiUser

__all__ = ["router"]

router = APIRouter(include_in_schema=False)

#: The children the caseload screen lists (most recent first).
CASELOAD_ROWS = 50
#: The most mentions one search screen shows.
MAX_MENTIONS = 200
#: The note link target type of an assessment (specs/record.yaml note_links.targets).
_FORM = "form"
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
    request: Request,
    child_id: int,
    user: UiUser,
    db: DbSession,
    specs: Specs,
    settings: AppSettings,
    done: str = "",
) -> HTMLResponse:
    """The child's record as the access matrix lets this user read it: the forms and notes
    only where the user's reads of them are whole (the partner agency's shared-sections reads
    go through the API, which shows the shared sections alone)."""
    child = get_row(db, Child, child_id, "child")
    gate_for(request, user, db, settings, "GET /children/{child_id}").check(child)

    def reads(operation: str) -> bool:
        gate = gate_for(request, user, db, settings, operation)
        return gate.refusal(child) is None and not shows_shared_sections_only(
            gate.matrix, operation, user
        )

    siblings = []
    if child.sibling_group_id is not None:
        siblings = list(
            db.scalars(
                select(Child)
                .where(Child.sibling_group_id == child.sibling_group_id, Child.id != child.id)
                .order_by(Child.id)
            )
        )
    forms = _forms_of(db, child.id) if reads("GET /children/{child_id}/forms") else []
    titles = dict((f.id, t) for f, t in _titled(specs, forms))
    notes: list[tuple[Note, list[tuple[int, str]]]] = []
    if reads("GET /children/{child_id}/notes"):
        rows = list(db.scalars(select(Note).where(Note.child_id == child.id).order_by(Note.id)))
        links = db.scalars(
            select(NoteLink).where(
                NoteLink.target_type == _FORM, NoteLink.note_id.in_([n.id for n in rows])
            )
        )
        linked: dict[int, list[tuple[int, str]]] = {}
        for link in links:
            linked.setdefault(link.note_id, []).append(
                (link.target_id, titles.get(link.target_id, ""))
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
    """The child's forms a note may be linked to (the link is the note's: a locked form is
    not changed by it)."""
    return _titled(specs, _forms_of(db, child_id))


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
    rules: RecordSpec,
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
    links = [NoteLinkCreate(target_type=_FORM, target_id=chosen)] if chosen else []
    try:
        gate = gate_for(request, user, db, settings, "POST /children/{child_id}/notes")
        create_note(
            child.id, NoteCreate(text=text, links=links), user, gate, db, settings, rules, now
        )
    except (ApiError, ValueError) as error:
        db.rollback()
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
    rules: RecordSpec,
    plan: PlanRules,
    q: str = "",
) -> HTMLResponse:
    """Every place of the record that holds the phrase (the API's own search), each shown
    whole with the phrase marked and its source named."""
    require(user, NOTE_READ)
    child = get_row(db, Child, child_id, "child")
    query = q[: rules.search.max_query_chars]
    if not query.strip():
        asked = "q" in request.query_params
        errors = [ErrorItem("Enter the words to search for", "q")] if asked else []
        return page(
            request, "search.html.j2", title="Search the record", user=user, child=child,
            query="", searched=False, mentions=[], errors=errors,
        )  # fmt: skip
    gate = gate_for(request, user, db, settings, "GET /children/{child_id}/search")
    found = search_the_record(child.id, query, user, gate, db, settings, rules, plan, MAX_MENTIONS)
    hits = found.hits
    if settings.fault("ui-search-notes-only"):
        hits = [h for h in hits if h.source_type == "note"]  # the defect: answers are skipped
    titles = dict((f.id, t) for f, t in _titled(specs, _forms_of(db, child.id)))
    mentions = []
    for hit in hits:
        source, href, text = _source_of(db, specs, child, titles, hit.source_type, hit.source_id,
                                        hit.form_id, hit.field)  # fmt: skip
        parts = highlighted(text, query) or [(text, False)]
        mentions.append(Mention(source, href, parts))
    return page(
        request, "search.html.j2", title="Search the record", user=user, child=child,
        query=query, searched=True, mentions=mentions,
    )  # fmt: skip


def _source_of(
    db: Session,
    specs: SpecBundle,
    child: Child,
    titles: dict[int, str],
    kind: str,
    ident: int,
    form_id: int | None,
    field: str,
) -> tuple[str, str, str]:
    """Return where a hit is (said for people), the screen that shows it, and its whole text."""
    form_name = f"{titles.get(form_id or 0, 'Form')} (form {form_id})"
    if kind == "note":
        note = get_row(db, Note, ident, "note")
        when = f"{note.occurred_on.day} {note.occurred_on:%B %Y}"
        return f"Case note of {when} by {note.author}", f"/ui/children/{child.id}#notes", note.text
    if kind == "plan_objective":
        objective = get_row(db, PlanObjective, ident, "plan objective")
        return "Plan: objective", f"/ui/children/{child.id}/plan", objective.title
    if kind == "plan_action":
        action = get_row(db, PlanAction, ident, "plan action")
        text = str(getattr(action, field, ""))
        return f"Plan: action, {field}", f"/ui/plan-actions/{action.id}", text
    href = f"/ui/forms/{form_id}"
    if kind == "form":
        form = get_row(db, FormRow, ident, "form")
        definition = specs.forms.get(form.kind)
        question = definition.question(field).text if definition is not None else field
        return f"{form_name}: {question}", href, str(form.answers.get(field, ""))
    if kind == "evidence":
        item = get_row(db, EvidenceItem, ident, "evidence item")
        return f"{form_name}: evidence ({item.kind})", href, item.text
    need = get_row(db, Need, ident, "need")
    text = str(getattr(need, field, ""))
    return f"{form_name}: need, {field.replace('_', ' ')}", f"{href}/needs/{need.id}", text
