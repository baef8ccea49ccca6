"""The six steps of the Assessment Framework inside a core assessment: evidence items (each
marked objective or subjective), needs with their analysis, the evidence they rest on, the plan
actions that meet them and the outcome planned, and the actual outcomes recorded at review.

Evidence and needs are the assessment's content: they change only while its answers may
(lifecycle.yaml `editable`), each change is a new version of the form written on the version
read, and once the form is locked every change is refused with form_locked (lockdown.yaml lists
these routes). An actual outcome is recorded at review, after approval: it is a new record beside
the need, like an addendum, and never changes what was approved.

A need links its actions by the id of an action of the child's plan (specs/record.yaml
`plan_action_path`); an action that does not exist or is in another child's plan is refused.
A read of the need gives each action's current title, owner and status, read from the plan at
every read, beside the snapshot of the action's text the worker may give when linking it. The
snapshot stays: it is part of the assessment and is locked with it, so an approved assessment
still reads as it was approved, while the plan goes on changing after approval.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter
from pydantic import BaseModel, ConfigDict, Field, StrictInt
from sqlalchemy import select
from sqlalchemy.orm import Session

from accredit.record_spec import RecordRules
from reference_impl.api.access import Authorised, Gate
from reference_impl.api.audit import attempt
from reference_impl.api.deps import (
    AppSettings,
    CurrentUser,
    DbSession,
    Now,
    RecordSpec,
    Specs,
    get_row,
    require,
)
from reference_impl.api.errors import ApiError, error_responses, invalid_request, refuse
from reference_impl.api.fields import NoteText, ReasonText
from reference_impl.api.form_views import require_version
from reference_impl.domain.access import FORM_EDIT, FORM_READ
from reference_impl.domain.lifecycle import edit_refusal
from reference_impl.domain.refusal import FORM_NOT_LOCKED, Refusal
from reference_impl.settings import Settings
from reference_impl.store.casework import EvidenceItem, Need, NeedOutcome
from reference_impl.store.plan import PlanAction
from reference_impl.store.tables import MAX_ID, Form

__all__ = [
    "ActionLink",
    "EvidenceCreate",
    "EvidenceRead",
    "NeedActionRead",
    "NeedCreate",
    "NeedRead",
    "NeedUpdate",
    "OutcomeCreate",
    "router",
]

router = APIRouter(tags=["assessment steps"])

#: The audit names of these routes (route ids of specs/lockdown.yaml; record_outcome is allowed
#: on a locked form and so is not among them).
ADD_EVIDENCE, ADD_NEED, UPDATE_NEED = "add_evidence", "add_need", "update_need"
RECORD_OUTCOME = "record_outcome"
#: The most evidence items or actions one need links.
MAX_LINKS = 100

_PositiveId = Annotated[StrictInt, Field(ge=1, le=MAX_ID)]


class EvidenceCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    version: StrictInt = Field(description="The version of the form the item is added to.")
    kind: str = Field(description="objective or subjective (specs/record.yaml evidence_kinds).")
    text: NoteText = Field(description="What was observed, documented, said or believed.")
    source: ReasonText | None = Field(
        default=None, description="Where it comes from (a visit, a school report, the mother)."
    )


class EvidenceRead(BaseModel):
    id: int
    form_id: int
    kind: str = Field(description="objective or subjective, as given.")
    text: str
    source: str | None
    added_by: str
    added_at: datetime
    form_version: int = Field(description="The form's version now: send it with the next change.")


class ActionLink(BaseModel):
    """A plan action that meets a need: its id in the child's plan and, optionally, its text."""

    model_config = ConfigDict(extra="forbid")

    action_id: _PositiveId = Field(description="The id of /plan-actions/{action_id}.")
    text: ReasonText | None = Field(default=None, description="A snapshot of the action's text.")


class NeedActionRead(ActionLink):
    """A linked plan action: the link as given, and the action as the plan holds it now."""

    href: str = Field(description="Where the action lives in the child's plan.")
    title: str | None = Field(description="The action's title now; null if the plan lacks it.")
    owner: str | None = Field(description="The team or agency that owns the action now.")
    status: str | None = Field(description="The action's status now (specs/plan.yaml).")


class NeedCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    version: StrictInt = Field(description="The version of the form the need is added to.")
    need: NoteText = Field(description="The child's need, in the worker's words.")
    analysis: ReasonText = Field(default="", description="What the evidence shows about it.")
    evidence_ids: list[_PositiveId] = Field(
        default_factory=list, max_length=MAX_LINKS, description="Evidence items of this form."
    )
    actions: list[ActionLink] = Field(default_factory=list, max_length=MAX_LINKS)
    planned_outcome: ReasonText = Field(default="", description="What should change, and by when.")


class NeedUpdate(BaseModel):
    """The parts of a need to change; a part left out stays as it is."""

    model_config = ConfigDict(extra="forbid")

    version: StrictInt = Field(description="The version of the form the need belongs to.")
    need: NoteText | None = None
    analysis: ReasonText | None = None
    evidence_ids: list[_PositiveId] | None = Field(default=None, max_length=MAX_LINKS)
    actions: list[ActionLink] | None = Field(default=None, max_length=MAX_LINKS)
    planned_outcome: ReasonText | None = None


class OutcomeCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    rating: str = Field(description="How far the planned outcome was met (outcome_ratings).")
    text: NoteText = Field(description="What actually happened.")
    review_id: _PositiveId | None = Field(default=None, description="The review it was found at.")


class OutcomeRead(BaseModel):
    id: int
    rating: str
    text: str
    review_id: int | None
    recorded_by: str
    recorded_at: datetime


class NeedRead(BaseModel):
    """A need with everything it rests on and leads to, in one read."""

    id: int
    form_id: int
    need: str
    analysis: str
    evidence: list[EvidenceRead] = Field(description="The evidence items it rests on, in order.")
    actions: list[NeedActionRead] = Field(
        description="The plan actions that meet it, in order, as the plan holds them now."
    )
    planned_outcome: str
    outcomes: list[OutcomeRead] = Field(description="Actual outcomes recorded at review.")
    added_by: str
    added_at: datetime
    updated_at: datetime
    form_version: int


# --- reads --------------------------------------------------------------------------------------


def _evidence_read(item: EvidenceItem, form: Form) -> EvidenceRead:
    return EvidenceRead(
        id=item.id,
        form_id=item.form_id,
        kind=item.kind,
        text=item.text,
        source=item.source,
        added_by=item.added_by,
        added_at=item.added_at,
        form_version=form.version,
    )


def _need_read(
    session: Session, rules: RecordRules, settings: Settings, need: Need, form: Form
) -> NeedRead:
    evidence_ids = [int(i) for i in need.evidence_ids]
    actions = [ActionLink.model_validate(a) for a in need.actions]
    if settings.fault("need-links-lost"):
        evidence_ids, actions = [], []  # the defect: the need reads back without its links
    items = {
        e.id: e
        for e in session.scalars(select(EvidenceItem).where(EvidenceItem.id.in_(evidence_ids)))
    }
    plan = {
        p.id: p
        for p in session.scalars(
            select(PlanAction).where(PlanAction.id.in_([a.action_id for a in actions]))
        )
    }
    outcomes = session.scalars(
        select(NeedOutcome).where(NeedOutcome.need_id == need.id).order_by(NeedOutcome.id)
    )
    return NeedRead(
        id=need.id,
        form_id=need.form_id,
        need=need.need,
        analysis=need.analysis,
        evidence=[_evidence_read(items[i], form) for i in evidence_ids if i in items],
        actions=[_action_read(rules, a, plan.get(a.action_id)) for a in actions],
        planned_outcome=need.planned_outcome,
        outcomes=[
            OutcomeRead(
                id=o.id,
                rating=o.rating,
                text=o.text,
                review_id=o.review_id,
                recorded_by=o.recorded_by,
                recorded_at=o.recorded_at,
            )
            for o in outcomes
        ],
        added_by=need.added_by,
        added_at=need.added_at,
        updated_at=need.updated_at,
        form_version=form.version,
    )


def _action_read(rules: RecordRules, link: ActionLink, action: PlanAction | None) -> NeedActionRead:
    return NeedActionRead(
        action_id=link.action_id,
        text=link.text,
        href=rules.steps.plan_action_path.replace("{action_id}", str(link.action_id)),
        title=action.title if action else None,
        owner=action.owner if action else None,
        status=action.status if action else None,
    )


def _assessment(session: Session, rules: RecordRules, form_id: int) -> Form:
    """Return the form, or refuse when it is unknown or its kind carries no six steps."""
    form = get_row(session, Form, form_id, "form")
    if form.kind not in rules.steps.form_kinds:
        kinds = ", ".join(rules.steps.form_kinds)
        raise ApiError(
            422,
            "no_assessment_steps",
            f"form {form.id} is a {form.kind}: only {kinds} records carry evidence and needs",
        )
    return form


def _need_of(session: Session, form: Form, need_id: int) -> Need:
    need = get_row(session, Need, need_id, "need")
    if need.form_id != form.id:
        raise ApiError(404, "not_found", f"need {need_id} not found on form {form.id}")
    return need


def _changeable(
    session: Session, specs: Specs, rules: RecordRules, form_id: int, gate: Gate
) -> Form:
    """Return the form if the user may change its six steps now: never once it is locked (that
    answer first, whoever asks), then as the access matrix and the user's role allow."""
    form = get_row(session, Form, form_id, "form")
    state = specs.lifecycle.state(form.status)
    if state.locked:
        refuse(edit_refusal(specs.lifecycle, state, gate.actor))
    gate.check_form(form)
    refuse(edit_refusal(specs.lifecycle, state, gate.actor))
    return _assessment(session, rules, form_id)


def _evidence_links(session: Session, form: Form, ids: list[int]) -> list[int]:
    """Return the ids if each is an evidence item of `form`, once; otherwise refuse naming it."""
    if len(set(ids)) != len(ids):
        raise invalid_request("body.evidence_ids", "an evidence item is listed twice")
    found = set(
        session.scalars(
            select(EvidenceItem.id).where(EvidenceItem.id.in_(ids), EvidenceItem.form_id == form.id)
        )
    )
    for i, ident in enumerate(ids):
        if ident not in found:
            raise invalid_request(
                f"body.evidence_ids[{i}]", f"evidence {ident} is not an item of form {form.id}"
            )
    return ids


def _action_links(
    session: Session, form: Form, actions: list[ActionLink]
) -> list[dict[str, object]]:
    """Return the links if each names an action of the child's plan, once; otherwise refuse
    naming the first bad one."""
    ids = [a.action_id for a in actions]
    if len(set(ids)) != len(ids):
        raise invalid_request("body.actions", "a plan action is listed twice")
    found = session.execute(
        select(PlanAction.id, PlanAction.child_id).where(PlanAction.id.in_(ids))
    )
    children = {action_id: child_id for action_id, child_id in found}
    for i, ident in enumerate(ids):
        if ident not in children:
            raise invalid_request(
                f"body.actions[{i}].action_id", f"plan action {ident} does not exist"
            )
        if children[ident] != form.child_id:
            raise invalid_request(
                f"body.actions[{i}].action_id",
                f"plan action {ident} is in another child's plan, not child {form.child_id}'s",
            )
    return [a.model_dump() for a in actions]


def _touched(form: Form, now: datetime) -> None:
    # A change of the six steps is a new version of the form, guarded by the version read.
    form.updated_at = now


# --- routes -------------------------------------------------------------------------------------


@router.get(
    "/forms/{form_id}/evidence",
    operation_id="listEvidence",
    summary="The evidence items of an assessment",
    responses=error_responses(401, 403, 404, 422),
)
def list_evidence(
    form_id: int, user: CurrentUser, gate: Authorised, session: DbSession, rules: RecordSpec
) -> list[EvidenceRead]:
    """Return the assessment's evidence items, oldest first, each with its mark."""
    form = _assessment(session, rules, form_id)
    gate.check_form(form)
    require(user, FORM_READ)
    items = session.scalars(
        select(EvidenceItem).where(EvidenceItem.form_id == form.id).order_by(EvidenceItem.id)
    )
    return [_evidence_read(item, form) for item in items]


@router.post(
    "/forms/{form_id}/evidence",
    status_code=201,
    operation_id="addEvidence",
    summary="Add an evidence item, marked objective or subjective",
    responses=error_responses(401, 403, 404, 409, 413, 422),
)
def add_evidence(
    form_id: int,
    body: EvidenceCreate,
    user: CurrentUser,
    gate: Authorised,
    session: DbSession,
    specs: Specs,
    rules: RecordSpec,
    settings: AppSettings,
    now: Now,
) -> EvidenceRead:
    """Add an item of evidence to a draft assessment; return it with the form's new version."""
    with attempt(session, specs, settings, user, ADD_EVIDENCE, now, form_id) as audit:
        form = _changeable(session, specs, rules, form_id, gate)
        audit.concerns(form.id, form.child_id)
        require_version(form, body.version)
        if body.kind not in rules.steps.evidence_kinds:
            raise invalid_request(
                "body.kind",
                f"{body.kind!r} is not one of {', '.join(rules.steps.evidence_kinds)}",
            )
        kind = body.kind
        if settings.fault("evidence-kind-dropped"):
            kind = rules.steps.evidence_kinds[0]  # the defect: every item is stored as the first
        item = EvidenceItem(
            form_id=form.id,
            kind=kind,
            text=body.text,
            source=body.source,
            added_by=user.key,
            added_at=now,
        )
        session.add(item)
        _touched(form, now)
        session.flush()
        result = _evidence_read(item, form)
    return result


@router.get(
    "/forms/{form_id}/needs",
    operation_id="listNeeds",
    summary="The needs of an assessment",
    responses=error_responses(401, 403, 404, 422),
)
def list_needs(
    form_id: int,
    user: CurrentUser,
    gate: Authorised,
    session: DbSession,
    rules: RecordSpec,
    settings: AppSettings,
) -> list[NeedRead]:
    """Return the assessment's needs, oldest first, each with its evidence and actions."""
    form = _assessment(session, rules, form_id)
    gate.check_form(form)
    require(user, FORM_READ)
    needs = session.scalars(select(Need).where(Need.form_id == form.id).order_by(Need.id))
    return [_need_read(session, rules, settings, need, form) for need in needs]


@router.get(
    "/forms/{form_id}/needs/{need_id}",
    operation_id="getNeed",
    summary="One need with its evidence, analysis, plan actions and outcomes",
    responses=error_responses(401, 403, 404, 422),
)
def get_need(
    form_id: int,
    need_id: int,
    user: CurrentUser,
    gate: Authorised,
    session: DbSession,
    rules: RecordSpec,
    settings: AppSettings,
) -> NeedRead:
    """Return the need with the evidence it rests on, its analysis, actions and outcomes."""
    form = _assessment(session, rules, form_id)
    gate.check_form(form)
    require(user, FORM_READ)
    return _need_read(session, rules, settings, _need_of(session, form, need_id), form)


@router.post(
    "/forms/{form_id}/needs",
    status_code=201,
    operation_id="addNeed",
    summary="Add a need, linked to its evidence and plan actions",
    responses=error_responses(401, 403, 404, 409, 413, 422),
)
def add_need(
    form_id: int,
    body: NeedCreate,
    user: CurrentUser,
    gate: Authorised,
    session: DbSession,
    specs: Specs,
    rules: RecordSpec,
    settings: AppSettings,
    now: Now,
) -> NeedRead:
    """Add a need to a draft assessment; return it with the form's new version."""
    with attempt(session, specs, settings, user, ADD_NEED, now, form_id) as audit:
        form = _changeable(session, specs, rules, form_id, gate)
        audit.concerns(form.id, form.child_id)
        require_version(form, body.version)
        need = Need(
            form_id=form.id,
            need=body.need,
            analysis=body.analysis,
            planned_outcome=body.planned_outcome,
            evidence_ids=_evidence_links(session, form, body.evidence_ids),
            actions=_action_links(session, form, body.actions),
            added_by=user.key,
            added_at=now,
            updated_at=now,
        )
        session.add(need)
        _touched(form, now)
        session.flush()
        result = _need_read(session, rules, settings, need, form)
    return result


@router.patch(
    "/forms/{form_id}/needs/{need_id}",
    operation_id="updateNeed",
    summary="Change a need, its analysis, links or planned outcome",
    responses=error_responses(401, 403, 404, 409, 413, 422),
)
def update_need(
    form_id: int,
    need_id: int,
    body: NeedUpdate,
    user: CurrentUser,
    gate: Authorised,
    session: DbSession,
    specs: Specs,
    rules: RecordSpec,
    settings: AppSettings,
    now: Now,
) -> NeedRead:
    """Change the parts of a need the body names; return it with the form's new version."""
    with attempt(session, specs, settings, user, UPDATE_NEED, now, form_id) as audit:
        form = _changeable(session, specs, rules, form_id, gate)
        audit.concerns(form.id, form.child_id)
        require_version(form, body.version)
        need = _need_of(session, form, need_id)
        if body.need is not None:
            need.need = body.need
        if body.analysis is not None:
            need.analysis = body.analysis
        if body.planned_outcome is not None:
            need.planned_outcome = body.planned_outcome
        if body.evidence_ids is not None:
            need.evidence_ids = _evidence_links(session, form, body.evidence_ids)
        if body.actions is not None:
            need.actions = _action_links(session, form, body.actions)
        need.updated_at = now
        _touched(form, now)
        session.flush()
        result = _need_read(session, rules, settings, need, form)
    return result


def _outcome_refusal(specs: Specs, form: Form) -> Refusal | None:
    if specs.lifecycle.state(form.status).locked:
        return None
    return Refusal(
        FORM_NOT_LOCKED,
        f"form {form.id} is {form.status}: actual outcomes are recorded at review, "
        "against an approved assessment",
    )


@router.post(
    "/forms/{form_id}/needs/{need_id}/outcomes",
    status_code=201,
    operation_id="recordOutcome",
    summary="Record the actual outcome of a need at review",
    responses=error_responses(401, 403, 404, 409, 413, 422),
)
def record_outcome(
    form_id: int,
    need_id: int,
    body: OutcomeCreate,
    user: CurrentUser,
    gate: Authorised,
    session: DbSession,
    specs: Specs,
    rules: RecordSpec,
    settings: AppSettings,
    now: Now,
) -> NeedRead:
    """Record what actually happened for a need of an approved assessment; return the need.

    The approved form and the need itself are unchanged: the outcome is a record beside them.
    """
    with attempt(session, specs, settings, user, RECORD_OUTCOME, now, form_id) as audit:
        form = _assessment(session, rules, form_id)
        audit.concerns(form.id, form.child_id)
        gate.check_form(form)
        require(user, FORM_EDIT)
        need = _need_of(session, form, need_id)
        refuse(_outcome_refusal(specs, form))
        if body.rating not in rules.steps.outcome_ratings:
            raise invalid_request(
                "body.rating",
                f"{body.rating!r} is not one of {', '.join(rules.steps.outcome_ratings)}",
            )
        session.add(
            NeedOutcome(
                need_id=need.id,
                rating=body.rating,
                text=body.text,
                review_id=body.review_id,
                recorded_at=now,
                recorded_by=user.key,
            )
        )
        session.flush()
        result = _need_read(session, rules, settings, need, form)
    return result
