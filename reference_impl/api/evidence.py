"""What a form rests on: documents attached to it and case notes linked to it.

Both may change while the form's state is open to evidence (lifecycle.yaml: a draft, and a
submitted form the manager is reviewing); once the form is locked they are part of it and
every change is refused with form_locked. Each change is a new version of the form, written
with the version it was made on, so a change racing the approval either lands before it (and
is approved with the form) or is refused.
"""

from __future__ import annotations

import base64
import binascii
import dataclasses
import hashlib
from datetime import datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Query
from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StrictInt
from sqlalchemy import select

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
from reference_impl.api.errors import ApiError, error_responses, invalid_request, refuse
from reference_impl.api.fields import Id
from reference_impl.api.form_views import AttachmentSummary, FormRead, form_read, require_version
from reference_impl.domain.access import FORM_READ
from reference_impl.domain.answers import text_problem
from reference_impl.domain.lifecycle import evidence_refusal, locked_refusal
from reference_impl.store.tables import MAX_ID, Form, FormAttachment, FormLink, Note

__all__ = ["AttachmentCreate", "AttachmentRead", "LinkCreate", "router"]

router = APIRouter(tags=["evidence"])

#: The audit names of these routes (route ids of specs/lockdown.yaml).
ADD_ATTACHMENT, REMOVE_ATTACHMENT = "add_attachment", "remove_attachment"
ADD_LINK, REMOVE_LINK = "add_link", "remove_link"
_NAME_CHARS = 200


def _file_name(value: str) -> str:
    problem = text_problem(value, _NAME_CHARS)
    if problem is None and (not value.strip() or any(c in value for c in "/\\\0")):
        problem = "must be a file name without / or \\"
    if problem is not None:
        raise ValueError(problem)
    return value


def _base64(value: str) -> str:
    try:
        content = base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError):
        raise ValueError("not valid base64") from None
    if not content:
        raise ValueError("the document is empty")
    return value


class AttachmentCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    version: StrictInt = Field(description="The version of the form the document is added to.")
    name: Annotated[str, Field(min_length=1, max_length=_NAME_CHARS), AfterValidator(_file_name)]
    media_type: str = Field(
        pattern=r"^[a-z]+/[a-z0-9.+-]+$", max_length=100, description="e.g. application/pdf"
    )
    content_base64: Annotated[str, AfterValidator(_base64)] = Field(
        description="The document, base64-encoded; the whole request stays under 1 MiB."
    )


class AttachmentRead(AttachmentSummary):
    form_id: int
    content_base64: str


class LinkCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    version: StrictInt = Field(description="The version of the form the link is added to.")
    target_type: Literal["note"] = Field(description="The kind of record linked: a case note.")
    target_id: Id


_Version = Annotated[int, Query(ge=1, le=MAX_ID, description="The form's current version.")]


def _evidence_form(
    session: DbSession, specs: Specs, form_id: int, gate: Gate, unlocked: bool
) -> Form:
    """Return the form if the user may change its evidence now; `unlocked` plants a fault."""
    form = get_row(session, Form, form_id, "form")
    state = specs.lifecycle.state(form.status)
    if unlocked and state.locked:
        state = dataclasses.replace(state, locked=False, evidence=True)
    refuse(locked_refusal(state))
    gate.check_form(form)
    refuse(evidence_refusal(specs.lifecycle, state, gate.actor))
    return form


def _touched(form: Form, now: datetime) -> None:
    # Writing the form row makes the change a new version, guarded by the version read:
    # a change racing another one, or the approval, fails instead of landing after it.
    form.updated_at = now


@router.post(
    "/forms/{form_id}/attachments",
    operation_id="addAttachment",
    summary="Attach a document to a form",
    responses=error_responses(401, 403, 404, 409, 413, 422),
)
def add_attachment(
    form_id: int,
    body: AttachmentCreate,
    user: CurrentUser,
    gate: Authorised,
    session: DbSession,
    specs: Specs,
    settings: AppSettings,
    now: Now,
) -> FormRead:
    """Attach a document; return the form with it."""
    with attempt(session, specs, settings, user, ADD_ATTACHMENT, now, form_id) as audit:
        unlocked = settings.fault("attachment-on-locked")
        form = _evidence_form(session, specs, form_id, gate, unlocked)
        audit.concerns(form.id, form.child_id)
        require_version(form, body.version)
        content = base64.b64decode(body.content_base64)
        session.add(
            FormAttachment(
                form_id=form.id,
                name=body.name,
                media_type=body.media_type,
                content=content,
                size=len(content),
                sha256=hashlib.sha256(content).hexdigest(),
                added_by=user.key,
                added_at=now,
            )
        )
        _touched(form, now)
        session.flush()
        result = form_read(session, form)
    return result


def _attachment(session: DbSession, form: Form, attachment_id: int) -> FormAttachment:
    attachment = get_row(session, FormAttachment, attachment_id, "attachment")
    if attachment.form_id != form.id:
        raise ApiError(404, "not_found", f"attachment {attachment_id} not found on form {form.id}")
    return attachment


@router.get(
    "/forms/{form_id}/attachments/{attachment_id}",
    operation_id="getAttachment",
    summary="Read an attached document",
    responses=error_responses(401, 403, 404, 422),
)
def get_attachment(
    form_id: int, attachment_id: int, user: CurrentUser, gate: Authorised, session: DbSession
) -> AttachmentRead:
    """Return an attached document with its content."""
    form = get_row(session, Form, form_id, "form")
    gate.check_form(form)
    require(user, FORM_READ)
    attachment = _attachment(session, form, attachment_id)
    return AttachmentRead(
        id=attachment.id,
        form_id=attachment.form_id,
        name=attachment.name,
        media_type=attachment.media_type,
        size=attachment.size,
        sha256=attachment.sha256,
        added_by=attachment.added_by,
        added_at=attachment.added_at,
        content_base64=base64.b64encode(attachment.content).decode("ascii"),
    )


@router.delete(
    "/forms/{form_id}/attachments/{attachment_id}",
    operation_id="removeAttachment",
    summary="Remove a document from a form",
    responses=error_responses(401, 403, 404, 409, 422),
)
def remove_attachment(
    form_id: int,
    attachment_id: int,
    version: _Version,
    user: CurrentUser,
    gate: Authorised,
    session: DbSession,
    specs: Specs,
    settings: AppSettings,
    now: Now,
) -> FormRead:
    """Remove an attached document; return the form without it."""
    with attempt(session, specs, settings, user, REMOVE_ATTACHMENT, now, form_id) as audit:
        form = _evidence_form(session, specs, form_id, gate, unlocked=False)
        audit.concerns(form.id, form.child_id)
        require_version(form, version)
        session.delete(_attachment(session, form, attachment_id))
        _touched(form, now)
        session.flush()
        result = form_read(session, form)
    return result


@router.post(
    "/forms/{form_id}/links",
    operation_id="addLink",
    summary="Link a case note to a form",
    responses=error_responses(401, 403, 404, 409, 413, 422),
)
def add_link(
    form_id: int,
    body: LinkCreate,
    user: CurrentUser,
    gate: Authorised,
    session: DbSession,
    specs: Specs,
    settings: AppSettings,
    now: Now,
) -> FormRead:
    """Link a case note of the form's child; return the form with the link."""
    with attempt(session, specs, settings, user, ADD_LINK, now, form_id) as audit:
        form = _evidence_form(session, specs, form_id, gate, unlocked=False)
        audit.concerns(form.id, form.child_id)
        require_version(form, body.version)
        note = get_row(session, Note, body.target_id, "note")
        if note.child_id != form.child_id:
            raise invalid_request("body.target_id", f"note {note.id} is on another child's record")
        linked = session.scalars(
            select(FormLink.id).where(
                FormLink.form_id == form.id,
                FormLink.target_type == body.target_type,
                FormLink.target_id == note.id,
            )
        ).first()
        if linked is not None:
            raise ApiError(
                409, "already_linked", f"note {note.id} is already linked (link {linked})"
            )
        session.add(
            FormLink(
                form_id=form.id,
                target_type=body.target_type,
                target_id=note.id,
                added_by=user.key,
                added_at=now,
            )
        )
        if not settings.fault("race-after-approve"):
            _touched(form, now)  # the defect leaves the form row, and its version guard, alone
        session.flush()
        result = form_read(session, form)
    return result


@router.delete(
    "/forms/{form_id}/links/{link_id}",
    operation_id="removeLink",
    summary="Remove a link from a form",
    responses=error_responses(401, 403, 404, 409, 422),
)
def remove_link(
    form_id: int,
    link_id: int,
    version: _Version,
    user: CurrentUser,
    gate: Authorised,
    session: DbSession,
    specs: Specs,
    settings: AppSettings,
    now: Now,
) -> FormRead:
    """Remove a link; return the form without it."""
    with attempt(session, specs, settings, user, REMOVE_LINK, now, form_id) as audit:
        unlocked = settings.fault("unlink-locked")
        form = _evidence_form(session, specs, form_id, gate, unlocked)
        audit.concerns(form.id, form.child_id)
        require_version(form, version)
        link = get_row(session, FormLink, link_id, "link")
        if link.form_id != form.id:
            raise ApiError(404, "not_found", f"link {link_id} not found on form {form.id}")
        session.delete(link)
        _touched(form, now)
        session.flush()
        result = form_read(session, form)
    return result
