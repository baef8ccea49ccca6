"""The screens of a form: start one, answer it, resolve what pre-population copied, and take
it through its lifecycle (submit, return, approve), all through the API's own functions."""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request, Response
from fastapi.responses import HTMLResponse, RedirectResponse
from sqlalchemy import select
from sqlalchemy.orm import Session

from accredit.specs import FormDefinition, SpecBundle
from reference_impl import faults
from reference_impl.api.deps import AppSettings, DbSession, Now, Specs, get_row
from reference_impl.api.errors import ApiError
from reference_impl.api.forms import ActionRequest, FormCreate, FormUpdate, create_form, take_action
from reference_impl.api.forms import update_form as save_form
from reference_impl.api.prepopulation import (
    ChoiceCreate,
    ConfirmationCreate,
    choose_candidate,
    confirm_answers,
)
from reference_impl.domain.access import FORM_EDIT, Actor, shows_shared_sections_only
from reference_impl.store.casework import Need
from reference_impl.store.tables import Child
from reference_impl.store.tables import Form as FormRow
from reference_impl.store.ui_sessions import discard_draft, read_draft
from reference_impl.ui.drafts import form_place
from reference_impl.ui.gates import gate_for
from reference_impl.ui.rendering import ErrorItem, page
from reference_impl.ui.sessions import UiUser

__all__ = ["router"]

router = APIRouter(include_in_schema=False)

#: The button of each lifecycle action on a form's screen (return has its own, with a reason).
_ACTION_LABELS = {"submit": "Submit for approval", "approve": "Approve assessment"}
_BANNERS = {
    "started": "Form started",
    "saved": "Draft saved",
    "confirmed": "Copied answers confirmed",
    "submit": "Submitted for approval",
    "approve": "Assessment approved",
    "return": "Returned to the author",
}
_YES_NO = (("true", "Yes"), ("false", "No"))


@dataclass(frozen=True)
class CandidateOption:
    input_id: str
    source_form_id: int
    label: str
    value: str
    selected: bool


@dataclass(frozen=True)
class Choice:
    question_id: str
    question_text: str
    options: list[CandidateOption]


@dataclass(frozen=True)
class QuestionView:
    id: str
    text: str
    type: str
    optional: bool
    value: str
    shown: str
    provenance: str
    options: list[tuple[str, str]]


def _source_label(db: Session, candidate: dict[str, Any], own: int) -> str:
    """Say whose record a candidate answer comes from, and which form."""
    child = db.get(Child, candidate.get("source_child_id") or 0)
    whose = (
        "This child's previous record"
        if child is None or child.id == own
        else f"{child.given_name}'s record"
    )
    return f"{whose} (form {candidate.get('source_form_id')})"


def _source_hint(candidate: dict[str, Any]) -> str:
    approved = str(candidate.get("approved_at") or "")[:10]
    return f"Approved {approved}: {candidate['value']}" if approved else str(candidate["value"])


def _choices(db: Session, specs: SpecBundle, form: FormRow) -> list[Choice]:
    definition = specs.forms[form.kind]
    choices = []
    for question_id, mark in form.prepopulation.items():
        candidates = mark.get("candidates") or []
        if len(candidates) < 2 or not mark.get("prepopulated"):
            continue
        options = [
            CandidateOption(
                input_id=f"choice-{question_id}-{index}",
                source_form_id=int(c["source_form_id"]),
                label=_source_label(db, c, form.child_id),
                value=_source_hint(c),
                selected=c.get("source_form_id") == mark.get("source_form_id"),
            )
            for index, c in enumerate(candidates, start=1)
            if c.get("source_form_id") is not None
        ]
        choices.append(Choice(question_id, definition.question(question_id).text, options))
    return choices


def _shown(value: Any) -> str:
    if value is True:
        return "Yes"
    if value is False:
        return "No"
    return "" if value is None else str(value)


def _questions(
    db: Session, user: Actor, definition: FormDefinition, form: FormRow
) -> list[tuple[str, list[QuestionView]]]:
    place = form_place(form.id)
    sections = []
    for section in definition.sections:
        views = []
        for q in section.questions:
            status = q.status.get(form.age_band, "not_asked")
            if status == "not_asked":
                continue
            value = form.answers.get(q.id)
            text = _shown(value) if q.type not in ("yes_no",) else str(value).lower()
            if q.type == "long_text":
                text = read_draft(db, user.key, place, f"answer-{q.id}") or _shown(value)
            mark = form.prepopulation.get(q.id) or {}
            provenance = (
                "Copied from an earlier record: confirm or edit it"
                if mark.get("prepopulated")
                else ""
            )
            options = (
                list(_YES_NO)
                if q.type == "yes_no"
                else [(o, o.replace("_", " ").capitalize()) for o in (q.options or ())]
            )
            views.append(
                QuestionView(q.id, q.text, q.type, status == "optional", text, _shown(value),
                             provenance, options)
            )  # fmt: skip
        if views:
            sections.append((section.title, views))
    return sections


def _form_screen(
    request: Request,
    user: Actor,
    db: Session,
    specs: SpecBundle,
    form: FormRow,
    done: str = "",
    errors: list[ErrorItem] | None = None,
) -> HTMLResponse:
    definition = specs.forms[form.kind]
    lifecycle = specs.lifecycle
    state = lifecycle.state(form.status)
    child = get_row(db, Child, form.child_id, "child")
    editable = state.editable and user.may(FORM_EDIT)
    actions = [
        (t.action, _ACTION_LABELS[t.action])
        for t in lifecycle.transitions
        if t.from_state == form.status and user.role in t.roles and t.action in _ACTION_LABELS
        and not (t.author == "excluded" and user.key == form.author)
        and not (t.author == "required" and user.key != form.author)
    ]  # fmt: skip
    may_return = any(
        t.action == "return" and t.from_state == form.status and user.role in t.roles
        for t in lifecycle.transitions
    )
    unconfirmed = [q for q, m in form.prepopulation.items() if m.get("prepopulated")]
    needs = list(db.scalars(select(Need).where(Need.form_id == form.id).order_by(Need.id)))
    return page(
        request, "form.html.j2", title=definition.title, user=user, form=form, child=child,
        actions=actions, may_return=may_return, editable=editable, needs=needs,
        choices=_choices(db, specs, form) if editable else [],
        unconfirmed=unconfirmed if editable else [],
        sections=_questions(db, user, definition, form), place=form_place(form.id),
        banner=_BANNERS.get(done, ""), errors=errors, status_code=400 if errors else 200,
    )  # fmt: skip


@router.post("/ui/children/{child_id}/forms", response_model=None)
def start_form(
    request: Request,
    child_id: int,
    user: UiUser,
    db: DbSession,
    specs: Specs,
    settings: AppSettings,
    now: Now,
    kind: Annotated[str, Form()] = "",
) -> Response:
    try:
        gate = gate_for(request, user, db, settings, "POST /forms")
        created = create_form(
            FormCreate(kind=kind, child_id=child_id), user, gate, db, specs, settings, now
        )
    except ApiError as error:
        return HTMLResponse(f"Could not start the form: {error.message}", status_code=error.status)
    return RedirectResponse(f"/ui/forms/{created.id}?done=started", 303)


@router.get("/ui/forms/{form_id}")
def form_screen(
    request: Request,
    form_id: int,
    user: UiUser,
    db: DbSession,
    specs: Specs,
    settings: AppSettings,
    done: str = "",
) -> HTMLResponse:
    """The whole form, for a user whose read of it is whole: a read of the shared sections
    only (the partner agency's) goes through the API, which leaves the rest out."""
    form = get_row(db, FormRow, form_id, "form")
    gate = gate_for(request, user, db, settings, "GET /forms/{form_id}")
    gate.check_form(form)
    if shows_shared_sections_only(gate.matrix, gate.operation, user):
        raise ApiError(403, "forbidden", "this screen shows whole forms; your read is of the "
                       "shared sections only")  # fmt: skip
    return _form_screen(request, user, db, specs, form, done)


def _refused(
    request: Request, user: Actor, db: Session, specs: SpecBundle, form_id: int, error: ApiError
) -> HTMLResponse:
    db.rollback()
    form = get_row(db, FormRow, form_id, "form")
    return _form_screen(request, user, db, specs, form, errors=[ErrorItem(error.message)])


@router.post("/ui/forms/{form_id}/answers", response_model=None)
async def save_answers(
    request: Request,
    form_id: int,
    user: UiUser,
    db: DbSession,
    specs: Specs,
    settings: AppSettings,
    now: Now,
) -> Response:
    posted = await request.form()
    form = get_row(db, FormRow, form_id, "form")
    definition = specs.forms[form.kind]
    answers: dict[str, Any] = {}
    for question in definition.asked(form.age_band):
        raw = posted.get(f"answer-{question.id}")
        if raw is None or not isinstance(raw, str):
            continue
        value: Any = raw if raw.strip() else None
        if question.type == "yes_no" and value is not None:
            value = value == "true"
        if form.answers.get(question.id) != value:
            answers[question.id] = value
    version = str(posted.get("version", ""))
    try:
        body = FormUpdate(version=int(version) if version.isdigit() else 0, answers=answers)
        gate = gate_for(request, user, db, settings, "PATCH /forms/{form_id}")
        save_form(form_id, body, user, gate, db, specs, settings, now)
    except ApiError as error:
        return _refused(request, user, db, specs, form_id, error)
    for question in definition.asked(form.age_band):
        discard_draft(db, user.key, form_place(form_id), f"answer-{question.id}")
    db.commit()
    return RedirectResponse(f"/ui/forms/{form_id}?done=saved", 303)


@router.post("/ui/forms/{form_id}/prepopulation", response_model=None)
async def resolve_prepopulation(
    request: Request,
    form_id: int,
    user: UiUser,
    db: DbSession,
    specs: Specs,
    settings: AppSettings,
    now: Now,
) -> Response:
    """Apply the sources chosen where candidates differ, then confirm every copied answer."""
    posted = await request.form()
    form = get_row(db, FormRow, form_id, "form")
    chosen = [] if settings.fault("ui-choice-ignored") else _choices(db, specs, form)
    try:
        for choice in chosen:
            wanted = str(posted.get(f"choice-{choice.question_id}", ""))
            current = next((o for o in choice.options if o.selected), None)
            if wanted.isdigit() and (current is None or int(wanted) != current.source_form_id):
                body = ChoiceCreate(
                    version=form.version, question_id=choice.question_id,
                    source_form_id=int(wanted),
                )  # fmt: skip
                gate = gate_for(request, user, db, settings, "POST /forms/{form_id}/choices")
                choose_candidate(form_id, body, user, gate, db, specs, settings, now)
                form = get_row(db, FormRow, form_id, "form")
        waiting = [q for q, m in form.prepopulation.items() if m.get("prepopulated")]
        if waiting:
            confirmation = ConfirmationCreate(version=form.version, question_ids=waiting)
            gate = gate_for(request, user, db, settings, "POST /forms/{form_id}/confirmations")
            confirm_answers(form_id, confirmation, user, gate, db, specs, settings, now)
    except ApiError as error:
        return _refused(request, user, db, specs, form_id, error)
    return RedirectResponse(f"/ui/forms/{form_id}?done=confirmed", 303)


@router.post("/ui/forms/{form_id}/actions/{action}", response_model=None)
def act_on_form(
    request: Request,
    form_id: int,
    action: str,
    user: UiUser,
    db: DbSession,
    specs: Specs,
    settings: AppSettings,
    now: Now,
    reason: Annotated[str, Form()] = "",
) -> Response:
    if action not in specs.lifecycle.actions:
        return HTMLResponse("No such action", status_code=404)
    if settings.fault("ui-slow-approval") and action == "approve":
        time.sleep(faults.SLOW_APPROVAL_SECONDS)  # the defect: every record re-rendered first
    try:
        body = ActionRequest(reason=reason or None)
        gate = gate_for(request, user, db, settings, f"POST /forms/{{form_id}}/{action}")
        take_action(action, form_id, body, user, gate, db, specs, settings, now)
    except (ApiError, ValueError) as error:
        api_error = error if isinstance(error, ApiError) else ApiError(422, "invalid", str(error))
        return _refused(request, user, db, specs, form_id, api_error)
    return RedirectResponse(f"/ui/forms/{form_id}?done={action}", 303)
