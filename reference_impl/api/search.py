"""Search of one child's record: every place a phrase is written (PERF-001's search).

Each source of specs/record.yaml `search.sources` is one function of `_SOURCES` that returns the
hits of one child's records: case notes (through their full-text index), the answers of the
child's forms, and the six steps' evidence and needs. Each hit names its record and field. A
source reads only the child's own records: nothing of another child is ever returned. The
child's plan, once the product holds one, is one more entry of `_SOURCES`.

`notes` keeps the answer's first shape (the matching case notes), which the load profiles read.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated

from fastapi import APIRouter, Query
from pydantic import BaseModel, Field
from sqlalchemy import select
from sqlalchemy.orm import Session

from reference_impl import faults
from reference_impl.api.deps import (
    AppSettings,
    CurrentUser,
    DbSession,
    RecordSpec,
    get_row,
    require,
)
from reference_impl.api.errors import error_responses, invalid_request
from reference_impl.api.notes import NoteRead, notes_read
from reference_impl.domain.access import FORM_READ, NOTE_READ, Actor
from reference_impl.domain.record_search import (
    contains_phrase,
    excerpt,
    phrase_words,
    query_problem,
)
from reference_impl.settings import Settings
from reference_impl.store.casework import EvidenceItem, Need
from reference_impl.store.note_search import search_notes
from reference_impl.store.tables import Child, Form, Note

__all__ = ["HitRead", "SearchRead", "router"]

router = APIRouter(tags=["search"])

#: The most notes, and the most hits, one search answers with.
MAX_HITS = 200


class HitRead(BaseModel):
    """One place the phrase is written: the record, the field and the words around it."""

    source_type: str = Field(description="note, form, evidence or need (specs/record.yaml).")
    source_id: int
    form_id: int | None = Field(description="The form an answer, evidence item or need is on.")
    field: str = Field(description="The field: a note's text, a question id, a need's part.")
    excerpt: str


class SearchRead(BaseModel):
    query: str
    notes: list[NoteRead] = Field(description="The case notes that hold the phrase, oldest first.")
    hits: list[HitRead] = Field(description="Every place in the record that holds the phrase.")


class _Search:
    """One search: the child, the folded words, the reader, the limit and the settings."""

    def __init__(
        self, session: Session, child_id: int, query: str, limit: int, settings: Settings
    ) -> None:
        self.session, self.child_id, self.query = session, child_id, query
        self.words, self.limit, self.settings = phrase_words(query), limit, settings
        self.notes: list[Note] = []

    def hit(self, source: str, ident: int, form_id: int | None, field: str, text: str) -> HitRead:
        return HitRead(
            source_type=source,
            source_id=ident,
            form_id=form_id,
            field=field,
            excerpt=excerpt(text, self.words),
        )

    def child_forms(self) -> list[Form]:
        query = select(Form).order_by(Form.id)
        if not self.settings.fault("search-leaks-other-child"):
            query = query.where(Form.child_id == self.child_id)
        return list(self.session.scalars(query))


def _note_hits(search: _Search) -> list[HitRead]:
    if search.settings.fault("slow-search"):
        search.notes = faults.scan_every_note(
            search.session, search.child_id, search.query, search.limit
        )
    else:
        search.notes = search_notes(search.session, search.child_id, search.query, search.limit)
    return [search.hit("note", n.id, None, "text", n.text) for n in search.notes]


def _answer_hits(search: _Search) -> list[HitRead]:
    if search.settings.fault("search-misses-answers"):
        return []  # the defect: only the case notes are searched
    return [
        search.hit("form", form.id, form.id, question, value)
        for form in search.child_forms()
        for question, value in form.answers.items()
        if isinstance(value, str) and contains_phrase(value, search.words)
    ]


def _child_form_ids(search: _Search) -> list[int]:
    return list(search.session.scalars(select(Form.id).where(Form.child_id == search.child_id)))


def _evidence_hits(search: _Search) -> list[HitRead]:
    items = search.session.scalars(
        select(EvidenceItem)
        .where(EvidenceItem.form_id.in_(_child_form_ids(search)))
        .order_by(EvidenceItem.id)
    )
    return [
        search.hit("evidence", e.id, e.form_id, "text", e.text)
        for e in items
        if contains_phrase(e.text, search.words)
    ]


def _need_hits(search: _Search) -> list[HitRead]:
    needs = search.session.scalars(
        select(Need).where(Need.form_id.in_(_child_form_ids(search))).order_by(Need.id)
    )
    return [
        search.hit("need", need.id, need.form_id, field, text)
        for need in needs
        for field, text in (
            ("need", need.need),
            ("analysis", need.analysis),
            ("planned_outcome", need.planned_outcome),
        )
        if contains_phrase(text, search.words)
    ]


#: Where search looks, by source type of specs/record.yaml, and the permission it needs.
_SOURCES: dict[str, tuple[str, Callable[[_Search], list[HitRead]]]] = {
    "note": (NOTE_READ, _note_hits),
    "form": (FORM_READ, _answer_hits),
    "evidence": (FORM_READ, _evidence_hits),
    "need": (FORM_READ, _need_hits),
}


def _hits(search: _Search, rules: RecordSpec, user: Actor) -> list[HitRead]:
    found: list[HitRead] = []
    for source, _fields in rules.search.sources:
        permission, read = _SOURCES[source]
        if user.may(permission):
            found += read(search)
    return found[: search.limit]


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
            description="The words to find, in this order, in the child's case notes, form "
            "answers, evidence and needs (letters and digits; case and punctuation are "
            "ignored). At most specs/record.yaml `search.max_query_chars` characters.",
        ),
    ],
    user: CurrentUser,
    session: DbSession,
    settings: AppSettings,
    rules: RecordSpec,
    limit: Annotated[int, Query(ge=1, le=MAX_HITS)] = 50,
) -> SearchRead:
    """Return the places in the child's record that hold the words of `q` in order: the
    matching notes (oldest first) and every hit, each naming its record and field."""
    require(user, NOTE_READ)
    problem = query_problem(q, rules.search.max_query_chars)
    if problem is not None:
        raise invalid_request("query.q", problem)
    get_row(session, Child, child_id, "child")
    search = _Search(session, child_id, q, limit, settings)
    hits = _hits(search, rules, user)
    return SearchRead(query=q, notes=notes_read(session, search.notes), hits=hits)
