"""How a form reads through the API: its answers and metadata, the documents attached to it
and the records it links to. Once the form is locked, all of it reads back byte-identical."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from pydantic import BaseModel, Field
from sqlalchemy import select
from sqlalchemy.orm import Session

from reference_impl.api.errors import version_conflict
from reference_impl.store.tables import Form, FormAttachment, FormLink

__all__ = [
    "AttachmentSummary",
    "FormRead",
    "LinkRead",
    "ProvenanceRead",
    "SourceRead",
    "form_read",
    "provenance_read",
    "require_version",
]


class AttachmentSummary(BaseModel):
    """A document attached to a form; its content is read from its own route."""

    id: int
    name: str
    media_type: str
    size: int
    sha256: str = Field(description="Hex SHA-256 of the content: any change of a byte shows.")
    added_by: str
    added_at: datetime


class LinkRead(BaseModel):
    """A record the form rests on (a case note)."""

    id: int
    target_type: str
    target_id: int
    added_by: str
    added_at: datetime


class SourceRead(BaseModel):
    """Where a pre-populated answer was copied from."""

    rule: str = Field(description="child_record, previous, sibling or earlier_form.")
    source_child_id: int | None = Field(description="The child whose record it was copied from.")
    source_form_id: int | None = Field(
        description="The approved form; null for the child's record."
    )
    source_question: str | None = Field(
        description="The question of the source form, or the field of the child's record."
    )
    approved_at: datetime | None = Field(description="When the source form was approved.")


class ProvenanceRead(SourceRead):
    """A pre-populated answer's provenance and whether the worker has confirmed it."""

    prepopulated: bool = Field(
        description="True until the worker confirms, chooses or edits the answer."
    )
    chosen: bool = Field(description="The worker chose this source among candidates.")


class FormRead(BaseModel):
    id: int
    kind: str
    child_id: int
    age_band: str
    status: str = Field(description="A state of specs/lifecycle.yaml.")
    version: int = Field(description="Send it back with a change: a stale version is refused.")
    author: str
    started_on: date
    created_at: datetime
    updated_at: datetime
    submitted_at: datetime | None
    approved_at: datetime | None
    approved_by: str | None
    returned_reason: str | None
    addendum_of: int | None = Field(description="The locked form this addendum corrects.")
    answers: dict[str, str | bool] = Field(description="The answered questions, in form order.")
    provenance: dict[str, ProvenanceRead] = Field(
        description="Each answer that was pre-populated, by question id; an edited one is not."
    )
    attachments: list[AttachmentSummary] = Field(description="Attached documents, oldest first.")
    links: list[LinkRead] = Field(description="Linked records, oldest first.")


def form_read(session: Session, form: Form) -> FormRead:
    """Return a form as the API shows it, read in the caller's transaction."""
    attachments = session.scalars(
        select(FormAttachment).where(FormAttachment.form_id == form.id).order_by(FormAttachment.id)
    )
    links = session.scalars(
        select(FormLink).where(FormLink.form_id == form.id).order_by(FormLink.id)
    )
    return FormRead(
        id=form.id,
        kind=form.kind,
        child_id=form.child_id,
        age_band=form.age_band,
        status=form.status,
        version=form.version,
        author=form.author,
        started_on=form.started_on,
        created_at=form.created_at,
        updated_at=form.updated_at,
        submitted_at=form.submitted_at,
        approved_at=form.approved_at,
        approved_by=form.approved_by,
        returned_reason=form.returned_reason,
        addendum_of=form.addendum_of,
        answers=dict(form.answers),
        provenance=provenance_read(form.prepopulation),
        attachments=[
            AttachmentSummary(
                id=a.id,
                name=a.name,
                media_type=a.media_type,
                size=a.size,
                sha256=a.sha256,
                added_by=a.added_by,
                added_at=a.added_at,
            )
            for a in attachments
        ],
        links=[
            LinkRead(
                id=link.id,
                target_type=link.target_type,
                target_id=link.target_id,
                added_by=link.added_by,
                added_at=link.added_at,
            )
            for link in links
        ],
    )


def provenance_read(marks: dict[str, Any]) -> dict[str, ProvenanceRead]:
    """Return the provenance of each pre-populated answer as the API shows it."""
    return {
        question_id: ProvenanceRead.model_validate(
            {key: mark.get(key) for key in ProvenanceRead.model_fields}
        )
        for question_id, mark in marks.items()
    }


def require_version(form: Form, given: int | None) -> None:
    """Refuse with 409 version_conflict unless `given` is the form's current version.

    None (a lifecycle action sent without a version) is accepted: the write itself still
    names the version it read, so a change that came first makes it fail.
    """
    if given is not None and given != form.version:
        raise version_conflict(form.version, given)
