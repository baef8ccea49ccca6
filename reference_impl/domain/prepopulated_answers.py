"""The marks a form keeps on its pre-populated answers, and what the worker does with them.

A form stores, per pre-populated question, a mark: the provenance of the answer, the value that
was copied, whether it is still unconfirmed (`prepopulated`), whether the worker chose it among
candidates, and the candidates themselves (a snapshot like the answer). The worker confirms an
answer, chooses a candidate, or edits it; an edited answer is the worker's own and loses its
mark, so nothing pre-populated ever replaces it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

from accredit.specs import FormDefinition
from reference_impl.domain.answers import AnswerValue
from reference_impl.domain.prepopulation import Candidate, Prepopulated, Provenance
from reference_impl.domain.refusal import (
    NOT_PREPOPULATED,
    PREPOPULATION_UNCONFIRMED,
    UNKNOWN_CANDIDATE,
    Refusal,
)

__all__ = [
    "Mark",
    "chosen",
    "confirmed",
    "marks_for",
    "provenance_of",
    "unconfirmed_refusal",
    "with_carried_answers",
    "with_worker_answers",
]

#: A mark as stored with the form (JSON): provenance fields, value, flags and candidates.
Mark = dict[str, Any]


def _provenance_fields(provenance: Provenance) -> dict[str, Any]:
    return {
        "rule": provenance.rule,
        "source_child_id": provenance.source_child_id,
        "source_form_id": provenance.source_form_id,
        "source_question": provenance.source_question,
        "approved_at": provenance.approved_at.isoformat() if provenance.approved_at else None,
    }


def _candidate_fields(candidate: Candidate) -> dict[str, Any]:
    return {"value": candidate.value, **_provenance_fields(candidate.provenance)}


def marks_for(prepopulated: Mapping[str, Prepopulated]) -> dict[str, Mark]:
    """Return the marks of a new form's pre-populated answers, every one unconfirmed."""
    return {
        question_id: {
            **_provenance_fields(answer.provenance),
            "value": answer.value,
            "prepopulated": True,
            "chosen": False,
            "candidates": [_candidate_fields(c) for c in answer.candidates],
        }
        for question_id, answer in prepopulated.items()
    }


def provenance_of(mark: Mapping[str, Any]) -> Provenance:
    """Return the provenance a stored mark (or candidate) records."""
    approved_at = mark.get("approved_at")
    return Provenance(
        rule=mark["rule"],
        source_child_id=mark["source_child_id"],
        source_form_id=mark.get("source_form_id"),
        source_question=mark["source_question"],
        approved_at=datetime.fromisoformat(approved_at) if approved_at else None,
    )


def with_worker_answers(
    marks: Mapping[str, Mark], answers: Mapping[str, AnswerValue], changed: Iterable[str]
) -> dict[str, Mark]:
    """Return the marks after the worker saved the questions `changed`, now reading `answers`.

    Saving the copied value again confirms it; any other value (or a cleared answer) is the
    worker's own, and its mark goes.
    """
    kept = {question_id: dict(mark) for question_id, mark in marks.items()}
    for question_id in changed:
        mark = kept.get(question_id)
        if mark is None:
            continue
        if answers.get(question_id) == mark["value"]:
            mark["prepopulated"] = False
        else:
            del kept[question_id]
    return kept


def confirmed(marks: Mapping[str, Mark], question_ids: Iterable[str]) -> dict[str, Mark] | Refusal:
    """Return the marks with the answers to `question_ids` confirmed, or `not_prepopulated`
    naming the questions of the list that hold no pre-populated answer of this form."""
    ids = list(question_ids)
    strangers = [q for q in ids if q not in marks]
    if strangers:
        return Refusal(
            NOT_PREPOPULATED,
            f"no pre-populated answer of this form to confirm: {', '.join(strangers)}",
            tuple(strangers),
        )
    kept = {question_id: dict(mark) for question_id, mark in marks.items()}
    for question_id in ids:
        kept[question_id]["prepopulated"] = False
    return kept


def chosen(
    marks: Mapping[str, Mark], question_id: str, source_form_id: int
) -> tuple[dict[str, Mark], AnswerValue] | Refusal:
    """Return the marks and the answer after the worker chose the candidate copied from
    `source_form_id` for `question_id`, or why the choice is refused."""
    mark = marks.get(question_id)
    if mark is None:
        return Refusal(
            NOT_PREPOPULATED,
            f"{question_id}: no pre-populated answer of this form to choose for",
            (question_id,),
        )
    offered = [c for c in mark["candidates"] if c["source_form_id"] == source_form_id]
    if not offered:
        sources = ", ".join(str(c["source_form_id"]) for c in mark["candidates"]) or "none"
        return Refusal(
            UNKNOWN_CANDIDATE,
            f"{question_id}: no candidate from form {source_form_id}; candidates from: {sources}",
            (question_id,),
        )
    candidate = offered[0]
    kept = {qid: dict(m) for qid, m in marks.items()}
    kept[question_id] = {
        **{key: candidate[key] for key in candidate if key != "value"},
        "value": candidate["value"],
        "prepopulated": False,
        "chosen": True,
        "candidates": mark["candidates"],
    }
    return kept, candidate["value"]


def unconfirmed_refusal(
    definition: FormDefinition, band: str, marks: Mapping[str, Mark]
) -> Refusal | None:
    """Return `prepopulation_unconfirmed` naming the mandatory questions of `band` whose
    answer is still an unconfirmed copy, or None."""
    waiting = tuple(
        q for q in definition.mandatory(band) if marks.get(q, {}).get("prepopulated") is True
    )
    if not waiting:
        return None
    return Refusal(
        PREPOPULATION_UNCONFIRMED,
        f"pre-populated mandatory answers not yet confirmed: {', '.join(waiting)}",
        waiting,
    )


def with_carried_answers(
    marks: Mapping[str, Mark],
    before: Mapping[str, AnswerValue],
    after: Mapping[str, AnswerValue],
    source: Provenance,
) -> dict[str, Mark]:
    """Return the marks after pre-population run again copied answers from one form: each
    answer that changed is marked unconfirmed, its provenance `source` with the question's own
    id (a re-run copies within one kind and band)."""
    kept = {question_id: dict(mark) for question_id, mark in marks.items()}
    for question_id, value in after.items():
        if before.get(question_id) == value:
            continue
        copied = Provenance(
            source.rule,
            source.source_child_id,
            source.source_form_id,
            question_id,
            source.approved_at,
        )
        kept[question_id] = {
            **_provenance_fields(copied),
            "value": value,
            "prepopulated": True,
            "chosen": False,
            "candidates": [],
        }
    return kept
