"""Pre-population: the answers a new form starts with, and where each one came from.

`prepopulate` is the reference's engine and the harness's oracle: a pure function of the specs,
the form being started, the child, the child's forms, the declared siblings' forms and the user.
Each question asked in the form's band is answered from the sources its spec lists
(specs/forms, `prepopulate`), only ever from an approved form (a state of lifecycle.yaml that is
locked), through the form's age-band mapping table; where several sources have an answer, the
precedence of specs/prepopulation.yaml picks the default and every one is offered as a candidate.

`carried_forward` is pre-population run again into a draft: blank answers filled from the
child's latest locked form of the same kind and band. Either way the copy is a snapshot, never
a live link, and a worker's own answers are never overwritten.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime

from accredit.prepopulation_spec import CHILD_RECORD, EARLIER_FORM, PREVIOUS, SIBLING, Source
from accredit.specs import FormDefinition, Question, SpecBundle
from reference_impl.domain.access import FORM_READ
from reference_impl.domain.addenda import corrected_answers
from reference_impl.domain.answers import AnswerValue, is_answered

__all__ = [
    "CHILD_RECORD",
    "EARLIER_FORM",
    "PREVIOUS",
    "SIBLING",
    "Candidate",
    "ChildFacts",
    "Prepopulated",
    "Provenance",
    "RecordedForm",
    "Viewer",
    "carried_forward",
    "prepopulate",
]

_NEVER = datetime.min.replace(tzinfo=UTC)


@dataclass(frozen=True)
class ChildFacts:
    """The child a form is started for: its id and the fields of its record, as text."""

    id: int
    fields: Mapping[str, str]  # given_name, family_name, date_of_birth (YYYY-MM-DD), sex


@dataclass(frozen=True)
class RecordedForm:
    """A form already recorded for a child, in whatever state it is."""

    id: int
    kind: str
    child_id: int
    age_band: str
    status: str
    approved_at: datetime | None
    answers: Mapping[str, AnswerValue]
    addendum_of: int | None = None
    updated_at: datetime | None = None  # when it was last saved


@dataclass(frozen=True)
class Viewer:
    """The user starting the form, with the permissions their role grants."""

    key: str
    permissions: frozenset[str]


@dataclass(frozen=True)
class Provenance:
    """Where a pre-populated answer was copied from."""

    rule: str  # child_record | previous | sibling | earlier_form
    source_child_id: int
    source_form_id: int | None  # None for the child's record
    source_question: str  # the question of the source form, or the field of the record
    approved_at: datetime | None  # when the source form was approved


@dataclass(frozen=True)
class Candidate:
    value: AnswerValue
    provenance: Provenance


@dataclass(frozen=True)
class Prepopulated:
    """A question's pre-populated answer: the default and, when several sources have an
    answer, every candidate (the default first)."""

    question_id: str
    value: AnswerValue
    provenance: Provenance
    candidates: tuple[Candidate, ...]


def prepopulate(
    specs: SpecBundle,
    kind: str,
    band: str,
    child: ChildFacts,
    history: Iterable[RecordedForm],
    siblings: Mapping[int, Iterable[RecordedForm]],
    viewer: Viewer,
) -> dict[str, Prepopulated]:
    """Return the pre-populated answers of a new `kind` form in `band` for `child`, in form
    order, keyed by question id.

    `history` holds the child's forms and `siblings` the forms of each declared sibling (by
    child id), addenda included; forms in any state may be given, only approved ones (as their
    approved addenda correct them) are used. A viewer who may
    not read forms gets nothing pre-populated.
    """
    if FORM_READ not in viewer.permissions:
        return {}
    locked = frozenset(s.id for s in specs.lifecycle.states if s.locked)
    definition = specs.forms[kind]
    own = _latest_by_kind(history, locked)
    sibling_latest = sorted(
        (form for forms in siblings.values() if (form := _latest_by_kind(forms, locked).get(kind))),
        key=_recency,
        reverse=True,
    )
    result: dict[str, Prepopulated] = {}
    for question in definition.asked(band):
        candidates: list[Candidate] = []
        for source in question.prepopulate:
            candidates += _candidates(
                definition, band, question, source, child, own, sibling_latest
            )
        # A stable sort: siblings keep their most-recent-first order within their rule.
        candidates.sort(key=lambda c: specs.prepopulation.rank(c.provenance.rule))
        if candidates:
            first = candidates[0]
            offered = tuple(candidates) if len(candidates) > 1 else ()
            result[question.id] = Prepopulated(question.id, first.value, first.provenance, offered)
    return result


def _recency(form: RecordedForm) -> tuple[datetime, int]:
    return (form.approved_at or _NEVER, form.id)


def _latest_by_kind(
    forms: Iterable[RecordedForm], locked: frozenset[str]
) -> dict[str, RecordedForm]:
    """Return each kind's most recently approved form, its answers as its approved addenda
    correct them (an addendum is a correction, never a source of its own)."""
    approved = [f for f in forms if f.status in locked]
    latest: dict[str, RecordedForm] = {}
    for form in approved:
        if form.addendum_of is not None:
            continue
        held = latest.get(form.kind)
        if held is None or _recency(form) > _recency(held):
            latest[form.kind] = form
    for kind, form in latest.items():
        addenda = sorted((f for f in approved if f.addendum_of == form.id), key=lambda f: f.id)
        if addenda:
            answers = corrected_answers(form.answers, [a.answers for a in addenda])
            latest[kind] = dataclasses.replace(form, answers=answers)
    return latest


def _candidates(
    definition: FormDefinition,
    band: str,
    question: Question,
    source: Source,
    child: ChildFacts,
    own: Mapping[str, RecordedForm],
    sibling_latest: list[RecordedForm],
) -> list[Candidate]:
    if source.rule == CHILD_RECORD:
        field = str(source.field)
        value = child.fields.get(field)
        if value is None or not is_answered(value):
            return []
        return [Candidate(value, Provenance(CHILD_RECORD, child.id, None, field, None))]
    if source.rule == EARLIER_FORM:
        earlier = own.get(str(source.kind))
        if earlier is None:
            return []
        return _copied(earlier, str(source.question), EARLIER_FORM)
    forms = [own[definition.kind]] if source.rule == PREVIOUS and definition.kind in own else []
    if source.rule == SIBLING:
        forms = sibling_latest
    found: list[Candidate] = []
    for form in forms:
        asked_there = definition.asked_ids(form.age_band)
        mapped = definition.band_mapping.source_question(
            form.age_band, band, question.id, asked_there
        )
        if mapped is not None:
            found += _copied(form, mapped, source.rule)
    return found


def _copied(form: RecordedForm, question_id: str, rule: str) -> list[Candidate]:
    value = form.answers.get(question_id)
    if value is None or not is_answered(value):
        return []
    provenance = Provenance(rule, form.child_id, form.id, question_id, form.approved_at)
    return [Candidate(value, provenance)]


def carried_forward(
    definition: FormDefinition,
    band: str,
    current: Mapping[str, AnswerValue],
    source: Mapping[str, AnswerValue],
) -> dict[str, AnswerValue]:
    """Return `current` with each blank question asked in `band` answered from `source`.

    Answers come back in form order; a question the band does not ask is never carried.
    """
    asked = {q.id for q in definition.asked(band)}
    filled = dict(current)
    for question_id, value in source.items():
        if question_id in asked and not is_answered(filled.get(question_id)):
            filled[question_id] = value
    return {q.id: filled[q.id] for q in definition.questions if q.id in filled}
