"""Pre-population through the API: a new form's answers from the engine
(`domain/prepopulation.py`), the candidates a worker may choose between, the choice itself and
the confirmation of pre-populated answers. The rules are the domain's; this is the shell that
reads the child's and the declared siblings' forms and stores the snapshot.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter
from pydantic import BaseModel, ConfigDict, Field, StrictInt
from sqlalchemy import select
from sqlalchemy.orm import Session

from accredit.specs import SpecBundle
from reference_impl import faults
from reference_impl.api.access import Authorised, Gate
from reference_impl.api.audit import attempt
from reference_impl.api.deps import (
    AppSettings,
    CurrentUser,
    DbSession,
    Now,
    Specs,
    get_row,
    require,
)
from reference_impl.api.errors import error_responses, refuse, refused
from reference_impl.api.fields import Id
from reference_impl.api.form_views import FormRead, SourceRead, form_read, require_version
from reference_impl.domain.access import FORM_READ, Actor
from reference_impl.domain.lifecycle import edit_refusal, locked_refusal
from reference_impl.domain.prepopulated_answers import Mark, chosen, confirmed, marks_for
from reference_impl.domain.prepopulation import (
    ChildFacts,
    Prepopulated,
    RecordedForm,
    Viewer,
    prepopulate,
)
from reference_impl.domain.refusal import Refusal
from reference_impl.settings import Settings
from reference_impl.store.tables import Child, Form

__all__ = [
    "CHOOSE_CANDIDATE",
    "CONFIRM_ANSWERS",
    "prepopulated_for",
    "read_through_live_link",
    "router",
    "stored_marks",
]

#: The audit names of these routes (route ids of specs/lockdown.yaml).
CONFIRM_ANSWERS, CHOOSE_CANDIDATE = "confirm_answers", "choose_candidate"

router = APIRouter(tags=["pre-population"])


def _recorded(form: Form) -> RecordedForm:
    return RecordedForm(
        id=form.id,
        kind=form.kind,
        child_id=form.child_id,
        age_band=form.age_band,
        status=form.status,
        approved_at=form.approved_at,
        answers=dict(form.answers),
        addendum_of=form.addendum_of,
        updated_at=form.updated_at,
    )


def _forms_of(session: Session, child_ids: list[int], leave_out: int | None) -> list[Form]:
    if not child_ids:
        return []
    return list(
        session.scalars(
            select(Form).where(Form.child_id.in_(child_ids), Form.id != (leave_out or 0))
        )
    )


def _siblings(session: Session, child: Child, settings: Settings) -> list[int]:
    """Return the ids of the child's declared siblings."""
    if settings.fault("prepop-wrong-sibling"):
        # The defect: "the family" is whoever shares the surname, declared or not.
        query = select(Child.id).where(Child.family_name == child.family_name)
    elif child.sibling_group_id is None:
        return []
    else:
        query = select(Child.id).where(Child.sibling_group_id == child.sibling_group_id)
    return sorted(i for i in session.scalars(query) if i != child.id)


def prepopulated_for(
    session: Session,
    specs: SpecBundle,
    settings: Settings,
    user: Actor,
    child: Child,
    form: Form,
) -> dict[str, Prepopulated]:
    """Return what the engine pre-populates into `form` (just created) from the forms now
    recorded for its child and the child's declared siblings."""
    own = [_recorded(f) for f in _forms_of(session, [child.id], form.id)]
    sibling_ids = _siblings(session, child, settings)
    siblings: dict[int, list[RecordedForm]] = {i: [] for i in sibling_ids}
    for other in _forms_of(session, sibling_ids, form.id):
        siblings[other.child_id].append(_recorded(other))
    if settings.fault("prepop-from-draft"):
        own = faults.drafts_as_approved(specs, own)
        siblings = {i: faults.drafts_as_approved(specs, fs) for i, fs in siblings.items()}
    if settings.fault("ageband-unmapped-carried"):
        specs = faults.mapping_without_exceptions(specs)
    if settings.fault("prepop-sibling-first"):
        specs = faults.precedence_sibling_first(specs)
    facts = ChildFacts(
        id=child.id,
        fields={
            "given_name": child.given_name,
            "family_name": child.family_name,
            "date_of_birth": child.date_of_birth.isoformat(),
            "sex": child.sex,
        },
    )
    viewer = Viewer(user.key, user.permissions)
    return prepopulate(specs, form.kind, form.age_band, facts, own, siblings, viewer)


def stored_marks(prepopulated: dict[str, Prepopulated], settings: Settings) -> dict[str, Mark]:
    """Return the marks a new form keeps for its pre-populated answers."""
    marks = marks_for(prepopulated)
    if settings.fault("no-provenance"):
        marks = faults.marks_without_sources(marks)
    return marks


def read_through_live_link(
    session: Session, specs: SpecBundle, settings: Settings, user: Actor, form: Form
) -> FormRead:
    """prepop-live-link: return the form with each unconfirmed pre-populated answer read again
    from the sources as they are now, instead of the snapshot."""
    child = get_row(session, Child, form.child_id, "child")
    live = prepopulated_for(session, specs, settings, user, child, form)
    view = form_read(session, form)
    answers = dict(view.answers)
    for question_id, mark in form.prepopulation.items():
        if mark.get("prepopulated") and question_id in live:
            answers[question_id] = live[question_id].value
    return view.model_copy(update={"answers": answers})


# --- routes -----------------------------------------------------------------------------------


class CandidateRead(SourceRead):
    """A value the worker may choose, with where it was copied from."""

    value: str | bool


class QuestionCandidates(BaseModel):
    question_id: str
    candidates: list[CandidateRead] = Field(
        description="Every source with an answer, default first."
    )


class ChoiceCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    version: StrictInt = Field(description="The version the choice was made on.")
    question_id: Annotated[str, Field(max_length=100)]
    source_form_id: Id = Field(description="The form the chosen candidate was copied from.")


class ConfirmationCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    version: StrictInt = Field(description="The version the answers were confirmed on.")
    question_ids: Annotated[
        list[Annotated[str, Field(max_length=100)]], Field(min_length=1, max_length=200)
    ] = Field(description="The pre-populated answers the worker confirms as they are.")


@router.get(
    "/forms/{form_id}/candidates",
    operation_id="listCandidates",
    summary="The candidates of a form's pre-populated answers",
    responses=error_responses(401, 403, 404, 422),
)
def list_candidates(
    form_id: int, user: CurrentUser, gate: Authorised, session: DbSession
) -> list[QuestionCandidates]:
    """Return, for each question where several sources had an answer, every candidate with its
    provenance, in form order, the default first."""
    form = get_row(session, Form, form_id, "form")
    gate.check_form(form)
    require(user, FORM_READ)
    return [
        QuestionCandidates(
            question_id=question_id,
            candidates=[CandidateRead.model_validate(c) for c in mark["candidates"]],
        )
        for question_id, mark in form.prepopulation.items()
        if mark.get("candidates")
    ]


def _editable(form: Form, specs: SpecBundle, gate: Gate) -> None:
    lifecycle = specs.lifecycle
    state = lifecycle.state(form.status)
    refuse(locked_refusal(state))
    gate.check_form(form)
    refuse(edit_refusal(lifecycle, state, gate.actor))


@router.post(
    "/forms/{form_id}/choices",
    operation_id="chooseCandidate",
    summary="Choose one candidate for a pre-populated answer",
    responses=error_responses(401, 403, 404, 409, 413, 422),
)
def choose_candidate(
    form_id: int,
    body: ChoiceCreate,
    user: CurrentUser,
    gate: Authorised,
    session: DbSession,
    specs: Specs,
    settings: AppSettings,
    now: Now,
) -> FormRead:
    """Answer a question with the candidate copied from `source_form_id`; the choice is kept
    with the answer's provenance. Return the form."""
    with attempt(session, specs, settings, user, CHOOSE_CANDIDATE, now, form_id) as audit:
        form = get_row(session, Form, form_id, "form")
        audit.concerns(form.id, form.child_id)
        _editable(form, specs, gate)
        require_version(form, body.version)
        outcome = chosen(form.prepopulation, body.question_id, body.source_form_id)
        if isinstance(outcome, Refusal):
            raise refused(outcome)
        marks, value = outcome
        answers = dict(form.answers) | {body.question_id: value}
        definition = specs.forms[form.kind]
        form.answers = {q.id: answers[q.id] for q in definition.questions if q.id in answers}
        form.prepopulation, form.updated_at = marks, now
        session.flush()
        result = form_read(session, form)
    return result


@router.post(
    "/forms/{form_id}/confirmations",
    operation_id="confirmAnswers",
    summary="Confirm pre-populated answers as they are",
    responses=error_responses(401, 403, 404, 409, 413, 422),
)
def confirm_answers(
    form_id: int,
    body: ConfirmationCreate,
    user: CurrentUser,
    gate: Authorised,
    session: DbSession,
    specs: Specs,
    settings: AppSettings,
    now: Now,
) -> FormRead:
    """Confirm pre-populated answers of this form: they stop being marked pre-populated and
    keep their provenance. Return the form."""
    with attempt(session, specs, settings, user, CONFIRM_ANSWERS, now, form_id) as audit:
        form = get_row(session, Form, form_id, "form")
        audit.concerns(form.id, form.child_id)
        _editable(form, specs, gate)
        require_version(form, body.version)
        marks = confirmed(form.prepopulation, body.question_ids)
        if isinstance(marks, Refusal):
            raise refused(marks)
        if marks != form.prepopulation:
            form.prepopulation, form.updated_at = marks, now
            session.flush()
        result = form_read(session, form)
    return result
