"""Addenda: corrections to a locked form, made as new forms linked to it (lockdown.yaml).

An addendum has the kind, child and age band of its parent, starts as a draft of its own and
goes through the same lifecycle; the parent never changes. The parent lists its addenda here,
not in its own body, so that adding one leaves the locked form byte-identical.
"""

from __future__ import annotations

from fastapi import APIRouter
from sqlalchemy import select

from reference_impl.api.access import Authorised
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
from reference_impl.api.errors import error_responses, refuse
from reference_impl.api.form_views import FormRead, form_read
from reference_impl.domain.access import FORM_READ
from reference_impl.domain.addenda import addendum_refusal
from reference_impl.store.tables import Form

__all__ = ["router"]

router = APIRouter(tags=["addenda"])


@router.post(
    "/forms/{form_id}/addenda",
    status_code=201,
    operation_id="createAddendum",
    summary="Start an addendum to a locked form",
    responses=error_responses(401, 403, 404, 409, 422),
)
def create_addendum(
    form_id: int,
    user: CurrentUser,
    gate: Authorised,
    session: DbSession,
    specs: Specs,
    settings: AppSettings,
    now: Now,
) -> FormRead:
    """Start an addendum (a draft) correcting a locked form; return the addendum."""
    action = specs.lockdown.addenda.create
    with attempt(session, specs, settings, user, action, now, form_id) as audit:
        parent = get_row(session, Form, form_id, "form")
        audit.concerns(parent.id, parent.child_id)
        gate.check_form(parent)
        refuse(addendum_refusal(specs.lifecycle.state(parent.status), user))
        addendum = Form(
            kind=parent.kind,
            child_id=parent.child_id,
            age_band=parent.age_band,
            status=specs.lifecycle.initial,
            author=user.key,
            started_on=max(now.date(), parent.started_on),
            created_at=now,
            updated_at=now,
            answers={},
            addendum_of=parent.id,
        )
        session.add(addendum)
        session.flush()
        result = form_read(session, addendum)
    return result


@router.get(
    "/forms/{form_id}/addenda",
    operation_id="listAddenda",
    summary="The addenda of a form",
    responses=error_responses(401, 403, 404, 422),
)
def list_addenda(
    form_id: int, user: CurrentUser, gate: Authorised, session: DbSession, specs: Specs
) -> list[FormRead]:
    """Return the addenda of a form, oldest first, in whatever state each is."""
    gate.check_form(get_row(session, Form, form_id, "form"))
    require(user, FORM_READ)
    addenda = session.scalars(select(Form).where(Form.addendum_of == form_id).order_by(Form.id))
    return [gate.form_view(form_read(session, addendum), specs) for addendum in addenda]
