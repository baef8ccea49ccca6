"""Search of one child's record: every place a phrase is written (PERF-001's search).

Each source of specs/record.yaml `search.sources` is one entry of `_SOURCES`: who may read it
and the function that returns the hits of one child's records: case notes (through their
full-text index), the answers of the child's forms, the six steps' evidence and needs, and the
objectives and actions of the child's plan. Each hit names its record and field; the fields of
the six steps and of the plan are those the spec lists for the source. A source reads only the
child's own records (`_Search.mine`): nothing of another child is ever returned. The plan is
searched for whoever may read it (access.yaml's row of the plan), like the plan's own routes.

`notes` keeps the answer's first shape (the matching case notes), which the load profiles read.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Annotated, Any

from fastapi import APIRouter, Query
from pydantic import BaseModel, Field
from sqlalchemy import ColumnElement, select, true
from sqlalchemy.orm import InstrumentedAttribute, Session

from accredit.plan_spec import PlanSpec
from reference_impl import faults
from reference_impl.api.access import Authorised
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
from reference_impl.api.plan import PlanRules
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
from reference_impl.store.plan import PlanAction, PlanObjective
from reference_impl.store.tables import Child, Form, Note

__all__ = ["HitRead", "SearchRead", "router"]

router = APIRouter(tags=["search"])

#: The most notes, and the most hits, one search answers with.
MAX_HITS = 200


class HitRead(BaseModel):
    """One place the phrase is written: the record, the field and the words around it."""

    source_type: str = Field(
        description="note, form, evidence, need, plan_objective or plan_action: a source type "
        "of specs/record.yaml `search.sources`."
    )
    source_id: int
    form_id: int | None = Field(
        description="The form an answer, evidence item or need is on; null for a note or the plan."
    )
    field: str = Field(
        description="The field: a note's text, a question id, a need's part, a plan action's "
        "title or responsible person."
    )
    excerpt: str


class SearchRead(BaseModel):
    query: str
    notes: list[NoteRead] = Field(description="The case notes that hold the phrase, oldest first.")
    hits: list[HitRead] = Field(description="Every place in the record that holds the phrase.")


class _Search:
    """One search: the child, the folded words, the reader, the limit, the settings and the
    plan's rules."""

    def __init__(
        self,
        session: Session,
        child_id: int,
        query: str,
        limit: int,
        settings: Settings,
        user: Actor,
        plan: PlanSpec,
    ) -> None:
        self.session, self.child_id, self.query = session, child_id, query
        self.words, self.limit, self.settings = phrase_words(query), limit, settings
        self.user, self.plan = user, plan
        self.notes: list[Note] = []

    def mine(self, child_column: InstrumentedAttribute[int]) -> ColumnElement[bool]:
        """Return the condition that keeps the rows of this child alone (by their child id)."""
        if self.settings.fault("search-leaks-other-child"):
            return true()  # the defect: every child's forms and plan are searched
        return child_column == self.child_id

    def hit(self, source: str, ident: int, form_id: int | None, field: str, text: str) -> HitRead:
        return HitRead(
            source_type=source,
            source_id=ident,
            form_id=form_id,
            field=field,
            excerpt=excerpt(text, self.words),
        )

    def child_forms(self) -> list[Form]:
        return list(
            self.session.scalars(select(Form).where(self.mine(Form.child_id)).order_by(Form.id))
        )

    def field_hits(
        self, source: str, rows: Iterable[Any], fields: tuple[str, ...], on_form: bool
    ) -> list[HitRead]:
        """Return a hit for each field of each row that holds the phrase."""
        return [
            self.hit(source, row.id, row.form_id if on_form else None, name, text)
            for row in rows
            for name in fields
            if isinstance(text := getattr(row, name), str) and contains_phrase(text, self.words)
        ]


def _note_hits(search: _Search, fields: tuple[str, ...]) -> list[HitRead]:
    # A note is found through its full-text index, which holds its text alone.
    if search.settings.fault("slow-search"):
        search.notes = faults.scan_every_note(
            search.session, search.child_id, search.query, search.limit
        )
    else:
        search.notes = search_notes(search.session, search.child_id, search.query, search.limit)
    return [search.hit("note", n.id, None, "text", n.text) for n in search.notes]


def _answer_hits(search: _Search, fields: tuple[str, ...]) -> list[HitRead]:
    # Each answer of a form is a field of its own, named by its question id.
    if search.settings.fault("search-misses-answers"):
        return []  # the defect: only the case notes are searched
    return [
        search.hit("form", form.id, form.id, question, value)
        for form in search.child_forms()
        for question, value in form.answers.items()
        if isinstance(value, str) and contains_phrase(value, search.words)
    ]


def _evidence_hits(search: _Search, fields: tuple[str, ...]) -> list[HitRead]:
    forms = select(Form.id).where(search.mine(Form.child_id))
    items = search.session.scalars(
        select(EvidenceItem).where(EvidenceItem.form_id.in_(forms)).order_by(EvidenceItem.id)
    )
    return search.field_hits("evidence", items, fields, on_form=True)


def _need_hits(search: _Search, fields: tuple[str, ...]) -> list[HitRead]:
    forms = select(Form.id).where(search.mine(Form.child_id))
    needs = search.session.scalars(select(Need).where(Need.form_id.in_(forms)).order_by(Need.id))
    return search.field_hits("need", needs, fields, on_form=True)


def _plan_objective_hits(search: _Search, fields: tuple[str, ...]) -> list[HitRead]:
    objectives = search.session.scalars(
        select(PlanObjective).where(search.mine(PlanObjective.child_id)).order_by(PlanObjective.id)
    )
    return search.field_hits("plan_objective", objectives, fields, on_form=False)


def _plan_action_hits(search: _Search, fields: tuple[str, ...]) -> list[HitRead]:
    actions = search.session.scalars(
        select(PlanAction).where(search.mine(PlanAction.child_id)).order_by(PlanAction.id)
    )
    return search.field_hits("plan_action", actions, fields, on_form=False)


def _may(permission: str) -> Callable[[_Search], bool]:
    return lambda search: search.user.may(permission)


def _may_read_plan(search: _Search) -> bool:
    return search.plan.role(search.user.role).read


#: Where search looks, by source type of specs/record.yaml: whether the reader may see the
#: source, and the function that returns its hits for the fields the spec lists.
_SOURCES: dict[
    str,
    tuple[Callable[[_Search], bool], Callable[[_Search, tuple[str, ...]], list[HitRead]]],
] = {
    "note": (_may(NOTE_READ), _note_hits),
    "form": (_may(FORM_READ), _answer_hits),
    "evidence": (_may(FORM_READ), _evidence_hits),
    "need": (_may(FORM_READ), _need_hits),
    "plan_objective": (_may_read_plan, _plan_objective_hits),
    "plan_action": (_may_read_plan, _plan_action_hits),
}


def _hits(search: _Search, rules: RecordSpec) -> list[HitRead]:
    found: list[HitRead] = []
    for source, fields in rules.search.sources:
        may_read, read = _SOURCES[source]
        if may_read(search):
            found += read(search, fields)
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
            "answers, evidence, needs and plan (letters and digits; case and punctuation are "
            "ignored). At most specs/record.yaml `search.max_query_chars` characters.",
        ),
    ],
    user: CurrentUser,
    gate: Authorised,
    session: DbSession,
    settings: AppSettings,
    rules: RecordSpec,
    plan: PlanRules,
    limit: Annotated[int, Query(ge=1, le=MAX_HITS)] = 50,
) -> SearchRead:
    """Return the places in the child's record that hold the words of `q` in order: the
    matching notes (oldest first) and every hit, each naming its record and field."""
    gate.check(get_row(session, Child, child_id, "child"), what=f"child {child_id}")
    require(user, NOTE_READ)
    problem = query_problem(q, rules.search.max_query_chars)
    if problem is not None:
        raise invalid_request("query.q", problem)
    search = _Search(session, child_id, q, limit, settings, user, plan)
    hits = _hits(search, rules)
    return SearchRead(query=q, notes=notes_read(session, search.notes), hits=hits)
