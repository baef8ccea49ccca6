"""The notes of a linked record: each record a case note may be linked to (specs/record.yaml
`note_links`) lists the notes that speak of it, at the path the spec gives.

A form lists the notes linked to it from either side: notes that name it, and the notes the
form itself rests on (its own links, part of the form once approved). A plan action lists the
notes that name it, and so does a looked-after child's review; an unknown record is not found
(404), and the access matrix is asked on the child whose record holds it.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Annotated

from fastapi import APIRouter, Path
from sqlalchemy import select, union
from sqlalchemy.orm import Session

from accredit.record_spec import LinkTarget, RecordRules
from reference_impl.api.access import Authorised
from reference_impl.api.deps import CurrentUser, DbSession, require
from reference_impl.api.errors import error_responses, not_found
from reference_impl.api.notes import NoteRead, notes_read, target_child
from reference_impl.domain.access import NOTE_READ
from reference_impl.store.casework import NoteLink
from reference_impl.store.tables import Child, FormLink, Note

__all__ = ["router_for"]


def _linked_note_ids(session: Session, target_type: str, target_id: int) -> list[int]:
    named = select(NoteLink.note_id).where(
        NoteLink.target_type == target_type, NoteLink.target_id == target_id
    )
    if target_type == "form":
        rests_on = select(FormLink.target_id).where(
            FormLink.form_id == target_id, FormLink.target_type == "note"
        )
        return list(session.scalars(union(named, rests_on)))
    return list(session.scalars(named))


def _route(target: LinkTarget) -> Callable[..., list[NoteRead]]:
    name = re.findall(r"\{([a-z_]+)\}", target.notes_path)[0]

    def list_linked_notes(
        record_id: int, user: CurrentUser, gate: Authorised, session: DbSession
    ) -> list[NoteRead]:
        child_id = target_child(session, target.type, record_id)
        if child_id is None:
            raise not_found(target.type.replace("_", " "), record_id)
        gate.check(session.get_one(Child, child_id), what=f"{target.type} {record_id}")
        require(user, NOTE_READ)
        ids = _linked_note_ids(session, target.type, record_id)
        notes = session.scalars(select(Note).where(Note.id.in_(ids)).order_by(Note.id))
        return notes_read(session, notes)

    list_linked_notes.__doc__ = f"Return the case notes linked to the {target.type}, oldest first."
    # The path names its id after the record (form_id, action_id): resolved here, not as text.
    list_linked_notes.__annotations__ = {
        "record_id": Annotated[int, Path(alias=name)],
        "user": CurrentUser,
        "gate": Authorised,
        "session": DbSession,
        "return": list[NoteRead],
    }
    return list_linked_notes


def router_for(rules: RecordRules) -> APIRouter:
    """Return the routes that list each link target's notes, at the spec's paths."""
    router = APIRouter(tags=["notes"])
    for target in rules.link_targets:
        camel = "".join(part.title() for part in target.type.split("_"))
        router.add_api_route(
            target.notes_path,
            _route(target),
            methods=["GET"],
            operation_id=f"list{camel}Notes",
            summary=f"The case notes linked to {target.title[0].lower()}{target.title[1:]}",
            responses=error_responses(401, 403, 404, 422),
        )
    return router
