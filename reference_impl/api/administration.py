"""Changes to a form besides its answers and its lifecycle: who wrote it and when (metadata),
which child it belongs to (moved, or carried by a merge of duplicate child records), many forms
at once (a bulk update), and pre-population run again into it.

On a draft each is an ordinary change by a user whose role may edit forms. On a locked form each
is refused with form_locked, before anything else is checked, whoever asks: these are the routes
by which approved records were re-opened in the field.
"""

from __future__ import annotations

import dataclasses
from typing import Annotated

from fastapi import APIRouter
from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StrictInt
from sqlalchemy import select, update

from accredit.specs import SpecBundle, did_you_mean
from reference_impl.api.access import Authorised
from reference_impl.api.audit import attempt
from reference_impl.api.children import ChildRead, child_read
from reference_impl.api.deps import (
    AppSettings,
    CurrentUser,
    DbSession,
    Now,
    Specs,
    get_row,
    require,
)
from reference_impl.api.errors import ApiError, error_responses, invalid_request, refuse, refused
from reference_impl.api.fields import CalendarDate, Id
from reference_impl.api.form_views import FormRead, form_read, require_version
from reference_impl.api.forms import AnswersSent
from reference_impl.domain.access import CHILD_WRITE, FORM_CREATE
from reference_impl.domain.addenda import corrected_answers
from reference_impl.domain.answers import age_band_refusal, apply_answers, form_band
from reference_impl.domain.lifecycle import edit_refusal, locked_forms_refusal, locked_refusal
from reference_impl.domain.prepopulated_answers import with_carried_answers, with_worker_answers
from reference_impl.domain.prepopulation import PREVIOUS, Provenance, carried_forward
from reference_impl.domain.refusal import Refusal
from reference_impl.store.tables import Child, Form, Note

__all__ = [
    "BulkChange",
    "BulkUpdate",
    "BulkUpdated",
    "MergeRequest",
    "MetadataUpdate",
    "MoveRequest",
    "PrepopulateRequest",
    "router",
]

router = APIRouter(tags=["administration"])

#: The audit names of these routes (route ids of specs/lockdown.yaml).
UPDATE_METADATA, MOVE_FORM, BULK_UPDATE = "update_metadata", "move_form", "bulk_update"
MERGE_CHILDREN, PREPOPULATE = "merge_children", "prepopulate"
#: How many forms one bulk update may change.
MAX_BULK_CHANGES = 100


class MetadataUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    version: StrictInt = Field(description="The version the change was made on.")
    author: str | None = Field(default=None, max_length=64, description="Reallocate the form.")
    started_on: CalendarDate | None = Field(default=None, description="Correct the start date.")
    kind: str | None = Field(default=None, max_length=64, description="Change the form kind.")


class MoveRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    version: StrictInt = Field(description="The version the change was made on.")
    child_id: Id = Field(description="The child the form belongs to from now on.")


class MergeRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    duplicate_id: Id = Field(description="The duplicate record, merged into the path's child.")


class BulkChange(BaseModel):
    model_config = ConfigDict(extra="forbid")

    form_id: Id
    version: StrictInt
    answers: AnswersSent


def _distinct_forms(changes: list[BulkChange]) -> list[BulkChange]:
    ids = [change.form_id for change in changes]
    if len(set(ids)) != len(ids):
        raise ValueError("each form may appear once")
    return changes


class BulkUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    changes: Annotated[
        list[BulkChange],
        Field(min_length=1, max_length=MAX_BULK_CHANGES),
        AfterValidator(_distinct_forms),
    ]


class BulkUpdated(BaseModel):
    forms: list[FormRead]


class PrepopulateRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    version: StrictInt = Field(description="The version the change was made on.")


_CHANGE_ERRORS = error_responses(401, 403, 404, 409, 413, 422)


def _rebanded(specs: SpecBundle, form: Form, kind: str, child: Child, started_on: object) -> str:
    """Return the band of `form` as `kind` for `child` started on `started_on`; check that its
    answers are still questions of that kind and band."""
    assert isinstance(started_on, type(form.started_on))
    if started_on < child.date_of_birth:
        raise invalid_request("body.started_on", "before the child's date of birth")
    definition = specs.forms[kind]
    band = form_band(definition, specs.age_band_sets, child.date_of_birth, started_on)
    refuse(age_band_refusal(definition, band))
    assert band is not None
    answers = apply_answers(definition, band, {}, form.answers)
    if isinstance(answers, Refusal):
        raise refused(answers)
    return band


@router.patch(
    "/forms/{form_id}/metadata",
    operation_id="updateFormMetadata",
    summary="Reallocate a form, correct its start date or change its kind",
    responses=_CHANGE_ERRORS,
)
def update_metadata(
    form_id: int,
    body: MetadataUpdate,
    user: CurrentUser,
    gate: Authorised,
    session: DbSession,
    specs: Specs,
    settings: AppSettings,
    now: Now,
) -> FormRead:
    """Change who wrote a draft, when it started or its kind; return the form."""
    with attempt(session, specs, settings, user, UPDATE_METADATA, now, form_id) as audit:
        form = get_row(session, Form, form_id, "form")
        audit.concerns(form.id, form.child_id)
        state = specs.lifecycle.state(form.status)
        reallocation = body.started_on is None and body.kind is None
        if settings.fault("reallocate-locked") and reallocation and state.locked:
            # The defect: a reallocation counts as caseload administration, not as an edit.
            state = dataclasses.replace(state, locked=False, editable=True)
        refuse(locked_refusal(state))
        gate.check_form(form)
        refuse(edit_refusal(specs.lifecycle, state, user))
        require_version(form, body.version)
        if body.author is None and reallocation:
            raise invalid_request("body", "nothing to change: give author, started_on or kind")
        if body.author is not None:
            writers = [
                u.key
                for u in specs.users.required_users
                if FORM_CREATE in specs.users.roles[u.role].permissions
            ]
            if body.author not in writers:
                raise invalid_request(
                    "body.author",
                    f"{body.author!r} is not a user who writes forms: {', '.join(writers)}"
                    f"{did_you_mean(body.author, writers)}",
                )
            form.author = body.author
        kind = body.kind or form.kind
        if kind not in specs.forms:
            raise invalid_request(
                "body.kind",
                f"{kind!r} is not one of {', '.join(sorted(specs.forms))}"
                f"{did_you_mean(kind, specs.forms)}",
            )
        if form.addendum_of is not None and kind != form.kind:
            raise invalid_request("body.kind", "an addendum keeps the kind of the form it corrects")
        started_on = body.started_on or form.started_on
        child = get_row(session, Child, form.child_id, "child")
        form.age_band = _rebanded(specs, form, kind, child, started_on)
        form.kind, form.started_on = kind, started_on
        form.updated_at = now
        session.flush()
        result = form_read(session, form)
    return result


@router.post(
    "/forms/{form_id}/move",
    operation_id="moveForm",
    summary="Move a draft to another child's record",
    responses=_CHANGE_ERRORS,
)
def move_form(
    form_id: int,
    body: MoveRequest,
    user: CurrentUser,
    gate: Authorised,
    session: DbSession,
    specs: Specs,
    settings: AppSettings,
    now: Now,
) -> FormRead:
    """Move a draft recorded against the wrong child; return the form on its new child."""
    with attempt(session, specs, settings, user, MOVE_FORM, now, form_id) as audit:
        form = get_row(session, Form, form_id, "form")
        audit.concerns(form.id, form.child_id)
        state = specs.lifecycle.state(form.status)
        if settings.fault("move-locked") and state.locked:
            state = dataclasses.replace(state, locked=False, editable=True)  # moves ignore locks
        refuse(locked_refusal(state))
        gate.check_form(form)
        refuse(edit_refusal(specs.lifecycle, state, user))
        require_version(form, body.version)
        if form.addendum_of is not None:
            raise invalid_request("body.child_id", "an addendum stays with the form it corrects")
        child = get_row(session, Child, body.child_id, "child")
        gate.check(child, what=f"child {child.id}")
        if child.id == form.child_id:
            raise invalid_request("body.child_id", f"the form is already on child {child.id}")
        form.age_band = _rebanded(specs, form, form.kind, child, form.started_on)
        form.child_id = child.id
        form.updated_at = now
        session.flush()
        result = form_read(session, form)
    return result


@router.post(
    "/forms/bulk-update",
    operation_id="bulkUpdateForms",
    summary="Save answers on many drafts at once",
    responses=_CHANGE_ERRORS,
)
def bulk_update(
    body: BulkUpdate,
    user: CurrentUser,
    gate: Authorised,
    session: DbSession,
    specs: Specs,
    settings: AppSettings,
    now: Now,
) -> BulkUpdated:
    """Save answers on several drafts, all or none; return the forms."""
    lifecycle = specs.lifecycle
    with attempt(session, specs, settings, user, BULK_UPDATE, now) as audit:
        audit.subjects = [(change.form_id, None) for change in body.changes]
        forms = [get_row(session, Form, change.form_id, "form") for change in body.changes]
        audit.subjects = [(form.id, form.child_id) for form in forms]
        skip_lock = settings.fault("bulk-skips-lock")
        if not skip_lock:
            refuse(
                locked_forms_refusal(
                    lifecycle, [(f.id, f.status) for f in forms], "the bulk update"
                )
            )
        gate.check(
            *(session.get_one(Child, form.child_id) for form in forms), what="a form of the update"
        )
        for form, change in zip(forms, body.changes, strict=True):
            state = lifecycle.state(form.status)
            if skip_lock and state.locked:
                state = dataclasses.replace(state, locked=False, editable=True)
            refusal = edit_refusal(lifecycle, state, user)
            if refusal is not None:
                raise refused(
                    dataclasses.replace(refusal, message=f"form {form.id}: {refusal.message}")
                )
            require_version(form, change.version)
            answers = apply_answers(
                specs.forms[form.kind], form.age_band, form.answers, change.answers
            )
            if isinstance(answers, Refusal):
                raise refused(
                    dataclasses.replace(answers, message=f"form {form.id}: {answers.message}")
                )
            if answers != form.answers:
                marks = with_worker_answers(form.prepopulation, answers, change.answers)
                form.answers, form.prepopulation, form.updated_at = answers, marks, now
        session.flush()
        result = BulkUpdated(forms=[form_read(session, form) for form in forms])
    return result


@router.post(
    "/children/{child_id}/merge",
    operation_id="mergeChildren",
    summary="Merge a duplicate child record into this one",
    responses=_CHANGE_ERRORS,
)
def merge_children(
    child_id: int,
    body: MergeRequest,
    user: CurrentUser,
    gate: Authorised,
    session: DbSession,
    specs: Specs,
    settings: AppSettings,
    now: Now,
) -> ChildRead:
    """Carry a duplicate record's forms and notes over to this child and mark the duplicate
    merged; return this child. Refused while the duplicate holds a locked form."""
    with attempt(
        session, specs, settings, user, MERGE_CHILDREN, now, child_id=body.duplicate_id
    ) as audit:
        survivor = get_row(session, Child, child_id, "child")
        duplicate = get_row(session, Child, body.duplicate_id, "child")
        forms = list(
            session.scalars(select(Form).where(Form.child_id == duplicate.id).order_by(Form.id))
        )
        if forms:
            audit.subjects = [(form.id, duplicate.id) for form in forms]
        if not settings.fault("merge-moves-locked"):
            doing = f"merging child {duplicate.id} into child {survivor.id}"
            states = [(form.id, form.status) for form in forms]
            refuse(locked_forms_refusal(specs.lifecycle, states, doing))
        gate.check(survivor, duplicate, what=f"child {survivor.id}")
        require(user, CHILD_WRITE)
        if survivor.id == duplicate.id:
            raise invalid_request("body.duplicate_id", "a child cannot be merged into itself")
        for child in (survivor, duplicate):
            if child.merged_into is not None:
                raise ApiError(
                    409,
                    "child_merged",
                    f"child {child.id} was merged into child {child.merged_into} already",
                )
        if survivor.date_of_birth != duplicate.date_of_birth:
            raise invalid_request(
                "body.duplicate_id",
                f"child {duplicate.id} has another date of birth: not a duplicate of "
                f"child {survivor.id}",
            )
        for form in forms:
            form.child_id, form.updated_at = survivor.id, now
        session.execute(
            update(Note).where(Note.child_id == duplicate.id).values(child_id=survivor.id)
        )
        duplicate.merged_into = survivor.id
        session.flush()
        result = child_read(session, survivor, settings)
    return result


@router.post(
    "/forms/{form_id}/prepopulate",
    operation_id="prepopulateForm",
    summary="Run pre-population into a draft again",
    responses=_CHANGE_ERRORS,
)
def prepopulate(
    form_id: int,
    body: PrepopulateRequest,
    user: CurrentUser,
    gate: Authorised,
    session: DbSession,
    specs: Specs,
    settings: AppSettings,
    now: Now,
) -> FormRead:
    """Fill a draft's blank answers from the child's latest locked form of the same kind and
    band, as its approved addenda correct it; return the form."""
    lifecycle = specs.lifecycle
    with attempt(session, specs, settings, user, PREPOPULATE, now, form_id) as audit:
        form = get_row(session, Form, form_id, "form")
        audit.concerns(form.id, form.child_id)
        state = lifecycle.state(form.status)
        if settings.fault("prepopulate-locked") and state.locked:
            state = dataclasses.replace(state, locked=False, editable=True)  # refills ignore locks
        refuse(locked_refusal(state))
        gate.check_form(form)
        refuse(edit_refusal(lifecycle, state, user))
        require_version(form, body.version)
        locked_states = [s.id for s in lifecycle.states if s.locked]
        source = session.scalars(
            select(Form)
            .where(
                Form.child_id == form.child_id,
                Form.kind == form.kind,
                Form.age_band == form.age_band,
                Form.addendum_of.is_(None),
                Form.status.in_(locked_states),
                Form.id != form.id,
            )
            .order_by(Form.approved_at.desc(), Form.id.desc())
        ).first()
        if source is not None:
            addenda = session.scalars(
                select(Form.answers)
                .where(Form.addendum_of == source.id, Form.status.in_(locked_states))
                .order_by(Form.id)
            )
            copied = corrected_answers(source.answers, list(addenda))
            current = dict(form.answers)
            if settings.fault("prepop-overwrites-edit"):
                current = {q: v for q, v in current.items() if q not in copied}  # edits lost
            answers = carried_forward(specs.forms[form.kind], form.age_band, current, copied)
            if answers != form.answers:
                provenance = Provenance(
                    PREVIOUS, source.child_id, source.id, "", source.approved_at
                )
                form.prepopulation = with_carried_answers(
                    form.prepopulation, form.answers, answers, provenance
                )
                form.answers, form.updated_at = answers, now
        session.flush()
        result = form_read(session, form)
    return result
