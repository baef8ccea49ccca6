"""Forms: started for a child, answered as a draft, taken through the lifecycle, then locked.

The lifecycle actions (submit, return, approve, ...) are routes built from lifecycle.yaml, one
per action, so a new action in the spec is a new route in the contract. Every attempt to create
or change a form is recorded in the audit trail, under the route id of lockdown.yaml (a
lifecycle action under its own name).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Query, Response
from pydantic import BaseModel, ConfigDict, Field, StrictInt, WithJsonSchema
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from accredit.specs import Lifecycle, SpecBundle, did_you_mean
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
from reference_impl.api.errors import error_responses, invalid_request, refuse, refused
from reference_impl.api.fields import CalendarDate, Id, ReasonText
from reference_impl.api.form_views import FormRead, form_read, require_version
from reference_impl.api.prepopulation import (
    prepopulated_for,
    read_through_live_link,
    stored_marks,
)
from reference_impl.domain.access import ADMINISTRATOR_ROLE, FORM_CREATE, FORM_READ, Actor
from reference_impl.domain.addenda import empty_addendum_refusal
from reference_impl.domain.answers import (
    age_band_refusal,
    apply_answers,
    form_band,
    missing_answers,
    missing_mandatory,
    missing_refusal,
)
from reference_impl.domain.lifecycle import (
    MANDATORY_ANSWERS_CHECK,
    PREPOPULATION_CONFIRMED_CHECK,
    FormStamps,
    delete_refusal,
    edit_refusal,
    locked_refusal,
    stamps_after,
    transition_for,
)
from reference_impl.domain.prepopulated_answers import (
    unconfirmed_refusal,
    with_worker_answers,
)
from reference_impl.domain.refusal import Refusal
from reference_impl.settings import Settings
from reference_impl.store.tables import MAX_ID, AuditEntry, Child, Form, FormAttachment, FormLink

__all__ = [
    "CREATE_FORM",
    "DELETE_FORM",
    "UPDATE_ANSWERS",
    "ActionRequest",
    "FormCreate",
    "FormUpdate",
    "router_for",
]

#: The audit names of these routes (route ids of specs/lockdown.yaml).
CREATE_FORM, UPDATE_ANSWERS, DELETE_FORM = "create_form", "update_answers", "delete_form"


class FormCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    kind: str = Field(description="A form kind of specs/forms.")
    child_id: Id
    started_on: CalendarDate | None = Field(
        default=None, description="The day the form is started (default: today, UTC)."
    )


#: An answer as sent: text, "YYYY-MM-DD", true/false, or null (or "") to clear it.
AnswersSent = Annotated[
    dict[str, Any],
    WithJsonSchema(
        {"type": "object", "additionalProperties": {"type": ["string", "boolean", "null"]}}
    ),
]


class FormUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    version: StrictInt = Field(description="The version the change was made on.")
    answers: AnswersSent = Field(description="Question id to its new answer; null clears it.")


class ActionRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    reason: ReasonText | None = Field(default=None, description="Why (required to return).")
    version: StrictInt | None = Field(
        default=None, description="If given, the action is refused unless it is current."
    )


# --- routes -----------------------------------------------------------------------------------


def create_form(
    body: FormCreate,
    user: CurrentUser,
    gate: Authorised,
    session: DbSession,
    specs: Specs,
    settings: AppSettings,
    now: Now,
) -> FormRead:
    """Start a form of a kind for a child, in the age band of the child on the start day."""
    with attempt(session, specs, settings, user, CREATE_FORM, now, child_id=body.child_id) as audit:
        child = get_row(session, Child, body.child_id, "child")
        gate.check(child, what=f"child {child.id}")
        require(user, FORM_CREATE)
        definition = specs.forms.get(body.kind)
        if definition is None:
            raise invalid_request(
                "body.kind",
                f"{body.kind!r} is not one of {', '.join(sorted(specs.forms))}"
                f"{did_you_mean(body.kind, specs.forms)}",
            )
        started_on = body.started_on or now.date()
        if started_on < child.date_of_birth:
            raise invalid_request("body.started_on", "before the child's date of birth")
        band = form_band(definition, specs.age_band_sets, child.date_of_birth, started_on)
        refuse(age_band_refusal(definition, band))
        assert band is not None
        form = Form(
            kind=definition.kind,
            child_id=child.id,
            age_band=band,
            status=specs.lifecycle.initial,
            author=user.key,
            started_on=started_on,
            created_at=now,
            updated_at=now,
            answers={},
        )
        # A snapshot taken now: later changes elsewhere never reach this form.
        prepopulated = prepopulated_for(session, specs, settings, user, child, form)
        form.answers = {q: answer.value for q, answer in prepopulated.items()}
        form.prepopulation = stored_marks(prepopulated, settings)
        session.add(form)
        session.flush()
        audit.concerns(form.id, child.id)
        result = form_read(session, form)
    return result


def get_form(
    form_id: int,
    user: CurrentUser,
    gate: Authorised,
    session: DbSession,
    specs: Specs,
    settings: AppSettings,
) -> FormRead:
    """Return a form with its answers, provenance, attachments and links (the shared sections
    only, to a partner agency)."""
    form = get_row(session, Form, form_id, "form")
    gate.check_form(form)
    require(user, FORM_READ)
    if settings.fault("prepop-live-link"):
        return gate.form_view(read_through_live_link(session, specs, settings, user, form), specs)
    return gate.form_view(form_read(session, form), specs)


def list_child_forms(
    child_id: int, user: CurrentUser, gate: Authorised, session: DbSession, specs: Specs
) -> list[FormRead]:
    """Return the forms of a child (addenda included), by id."""
    child = get_row(session, Child, child_id, "child")
    gate.check(child, what=f"child {child_id}")
    require(user, FORM_READ)
    forms = session.scalars(select(Form).where(Form.child_id == child_id).order_by(Form.id))
    return [gate.form_view(form_read(session, form), specs) for form in forms]


def update_form(
    form_id: int,
    body: FormUpdate,
    user: CurrentUser,
    gate: Authorised,
    session: DbSession,
    specs: Specs,
    settings: AppSettings,
    now: Now,
) -> FormRead:
    """Save answers on a draft; mandatory answers may still be missing (FUN-007)."""
    with attempt(session, specs, settings, user, UPDATE_ANSWERS, now, form_id) as audit:
        form = get_row(session, Form, form_id, "form")
        audit.concerns(form.id, form.child_id)
        lifecycle = specs.lifecycle
        state = lifecycle.state(form.status)
        if settings.fault("silent-ignore") and state.locked:
            return form_read(session, form)  # the defect: a locked form is "saved" unchanged
        if settings.fault("lock-bypass") and state.locked:
            state = dataclasses.replace(state, locked=False, editable=True)  # saves ignore locks
        refuse(locked_refusal(state))
        gate.check_form(form)
        refuse(edit_refusal(lifecycle, state, user))
        if not settings.fault("stale-version-applied"):
            require_version(form, body.version)
        definition = specs.forms[form.kind]
        answers = apply_answers(definition, form.age_band, form.answers, body.answers)
        if isinstance(answers, Refusal):
            raise refused(answers)
        if settings.fault("mandatory-at-save"):
            refuse(missing_refusal(missing_mandatory(definition, form.age_band, answers)))
        marks = with_worker_answers(form.prepopulation, answers, body.answers)
        if answers != form.answers or marks != form.prepopulation:
            form.answers, form.prepopulation = answers, marks
            form.updated_at = now
            session.flush()
        result = form_read(session, form)
    return result


def delete_form(
    form_id: int,
    user: CurrentUser,
    gate: Authorised,
    session: DbSession,
    specs: Specs,
    settings: AppSettings,
    now: Now,
    version: Annotated[
        int | None, Query(ge=1, le=MAX_ID, description="If given, refused unless current.")
    ] = None,
) -> Response:
    """Delete a draft: its author or an administrator only; never a locked form."""
    with attempt(session, specs, settings, user, DELETE_FORM, now, form_id) as audit:
        form = get_row(session, Form, form_id, "form")
        audit.concerns(form.id, form.child_id)
        lifecycle = specs.lifecycle
        state = lifecycle.state(form.status)
        if settings.fault("delete-locked") and state.locked:
            state = dataclasses.replace(state, locked=False, editable=True)  # deletes ignore locks
        refuse(locked_refusal(state))
        gate.check_form(form)
        refuse(delete_refusal(lifecycle, state, user, form.author))
        require_version(form, version)
        if settings.fault("audit-cascades"):
            # The defect: the form's history is cleared away with the form.
            session.execute(delete(AuditEntry).where(AuditEntry.form_id == form.id))
        session.execute(delete(FormAttachment).where(FormAttachment.form_id == form.id))
        session.execute(delete(FormLink).where(FormLink.form_id == form.id))
        session.delete(form)
    return Response(status_code=204)


def _lifecycle_for(
    specs: SpecBundle, settings: Settings, actor: Actor, action: str, status: str
) -> Lifecycle:
    lifecycle = specs.lifecycle
    if settings.fault("admin-can-reopen") and actor.role == ADMINISTRATOR_ROLE:
        reopening = faults.lifecycle_with_reopening(lifecycle, actor.role)
        if reopening.transition(action, status) is not None:
            lifecycle = reopening
    if settings.fault("author-self-approves"):
        lifecycle = faults.lifecycle_without_four_eyes(lifecycle)
    return lifecycle


def _check_content(
    specs: SpecBundle, settings: Settings, form: Form, checks: tuple[str, ...]
) -> None:
    """Refuse a transition whose checks the form's answers do not meet."""
    if form.addendum_of is not None:
        refuse(empty_addendum_refusal(specs.lockdown.addenda.minimum_answers, form.answers))
        return
    if settings.fault("mandatory-ignored"):
        return
    definition = specs.forms[form.kind]
    demanded = definition.mandatory(form.age_band)
    if settings.fault("optional-demanded"):
        demanded = tuple(q.id for q in definition.asked(form.age_band))
    refuse(missing_refusal(missing_answers(demanded, form.answers)))
    if PREPOPULATION_CONFIRMED_CHECK in checks:
        refuse(unconfirmed_refusal(definition, form.age_band, form.prepopulation))


def take_action(
    action: str,
    form_id: int,
    body: ActionRequest | None,
    user: Actor,
    gate: Gate,
    session: Session,
    specs: SpecBundle,
    settings: Settings,
    now: datetime,
) -> FormRead:
    """Take the lifecycle `action` on a form; return the form in its new state."""
    request = body or ActionRequest()
    with attempt(session, specs, settings, user, action, now, form_id) as audit:
        form = get_row(session, Form, form_id, "form")
        audit.concerns(form.id, form.child_id)
        lifecycle = _lifecycle_for(specs, settings, user, action, form.status)
        state = lifecycle.state(form.status)
        refuse(locked_refusal(state))
        gate.check_form(form)
        transition = transition_for(lifecycle, action, state, user, form.author, request.reason)
        if isinstance(transition, Refusal):
            raise refused(transition)
        require_version(form, request.version)
        if MANDATORY_ANSWERS_CHECK in transition.checks:
            _check_content(specs, settings, form, transition.checks)
        before = FormStamps(
            form.submitted_at, form.approved_at, form.approved_by, form.returned_reason
        )
        reason = request.reason
        if settings.fault("return-reason-dropped"):
            reason = None  # the defect: the reason is checked for, then never stored
        after = stamps_after(lifecycle, transition, before, user, reason, now)
        form.status = transition.to_state
        form.submitted_at, form.approved_at = after.submitted_at, after.approved_at
        form.approved_by, form.returned_reason = after.approved_by, after.returned_reason
        form.updated_at = now
        approved_addendum = form.addendum_of is not None and lifecycle.state(form.status).locked
        if settings.fault("addendum-alters-parent") and approved_addendum:
            faults.merge_addendum_into_parent(session, form, now)
        session.flush()
        result = form_read(session, form)
    return result


def _action_endpoint(action: str) -> Callable[..., FormRead]:
    def endpoint(
        form_id: int,
        user: CurrentUser,
        gate: Authorised,
        session: DbSession,
        specs: Specs,
        settings: AppSettings,
        now: Now,
        body: ActionRequest | None = None,
    ) -> FormRead:
        return take_action(action, form_id, body, user, gate, session, specs, settings, now)

    endpoint.__name__ = f"{action}_form"
    endpoint.__doc__ = f"Take the lifecycle action {action!r} (specs/lifecycle.yaml) on a form."
    return endpoint


def _camel(action: str) -> str:
    head, *rest = action.split("_")
    return head + "".join(word.title() for word in rest)


def router_for(specs: SpecBundle) -> APIRouter:
    """Return the routes of forms, with one route per action of the spec's lifecycle."""
    router = APIRouter(tags=["forms"])
    read_errors = error_responses(401, 403, 404, 422)
    router.add_api_route(
        "/forms",
        create_form,
        methods=["POST"],
        status_code=201,
        operation_id="createForm",
        summary="Start a form for a child",
        responses=error_responses(401, 403, 404, 413, 422),
    )
    router.add_api_route(
        "/forms/{form_id}",
        get_form,
        methods=["GET"],
        operation_id="getForm",
        summary="Read a form",
        responses=read_errors,
    )
    router.add_api_route(
        "/forms/{form_id}",
        update_form,
        methods=["PATCH"],
        operation_id="updateForm",
        summary="Save answers",
        responses=error_responses(401, 403, 404, 409, 413, 422),
    )
    router.add_api_route(
        "/forms/{form_id}",
        delete_form,
        methods=["DELETE"],
        status_code=204,
        response_class=Response,
        operation_id="deleteForm",
        summary="Delete a draft",
        responses=error_responses(401, 403, 404, 409, 422),
    )
    router.add_api_route(
        "/children/{child_id}/forms",
        list_child_forms,
        methods=["GET"],
        operation_id="listChildForms",
        summary="The forms of a child",
        responses=read_errors,
    )
    for action in specs.lifecycle.actions:
        router.add_api_route(
            f"/forms/{{form_id}}/{action}",
            _action_endpoint(action),
            methods=["POST"],
            operation_id=f"{_camel(action)}Form",
            summary=f"{action.replace('_', ' ').capitalize()} a form",
            responses=error_responses(401, 403, 404, 409, 413, 422),
        )
    return router
