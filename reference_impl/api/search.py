"""Search of one child's record: the case notes that contain a phrase (PERF-001's search)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query
from pydantic import BaseModel

from reference_impl import faults
from reference_impl.api.access import Authorised
from reference_impl.api.deps import AppSettings, CurrentUser, DbSession, get_row, require
from reference_impl.api.errors import error_responses
from reference_impl.api.notes import NoteRead, note_read
from reference_impl.domain.access import NOTE_READ
from reference_impl.store.note_search import search_notes
from reference_impl.store.tables import Child

__all__ = ["SearchRead", "router"]

router = APIRouter(tags=["search"])

#: The most notes one search answers with.
MAX_HITS = 200


class SearchRead(BaseModel):
    query: str
    notes: list[NoteRead]


@router.get(
    "/children/{child_id}/search",
    operation_id="searchRecord",
    summary="Search a child's record",
    responses=error_responses(401, 403, 404, 422),
)
def search_record(
    child_id: int,
    q: Annotated[
        str,
        Query(
            min_length=1,
            max_length=200,
            description="The words to find, in this order, in the child's case notes "
            "(letters and digits; case and punctuation are ignored).",
        ),
    ],
    user: CurrentUser,
    gate: Authorised,
    session: DbSession,
    settings: AppSettings,
    limit: Annotated[int, Query(ge=1, le=MAX_HITS)] = 50,
) -> SearchRead:
    """Return the child's case notes that contain the words of `q` in order, oldest first."""
    gate.check(get_row(session, Child, child_id, "child"), what=f"child {child_id}")
    require(user, NOTE_READ)
    if settings.fault("slow-search"):
        found = faults.scan_every_note(session, child_id, q, limit)
    else:
        found = search_notes(session, child_id, q, limit)
    return SearchRead(query=q, notes=[note_read(n) for n in found])
