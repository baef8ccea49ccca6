"""Answers to a form's questions: which band a form is in, what a valid answer is, and which
mandatory answers are missing (specs/forms/*.yaml, specs/age_bands.yaml).

Missing mandatory answers are demanded by a lifecycle check (at submission), never at save:
a draft keeps whatever was typed.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from datetime import date

from accredit.specs import NO_AGE_BAND, AgeBandSet, FormDefinition, Question
from reference_impl.domain.refusal import (
    AGE_BAND_NOT_DEFINED,
    INVALID_ANSWER,
    MANDATORY_MISSING,
    UNKNOWN_QUESTION,
    Refusal,
)

__all__ = [
    "MAX_ANSWER_CHARS",
    "AnswerValue",
    "age_band_refusal",
    "answer_problem",
    "apply_answers",
    "form_band",
    "is_answered",
    "missing_answers",
    "missing_mandatory",
    "missing_refusal",
    "text_problem",
]

#: The value of an answer as the contract carries it: text, "YYYY-MM-DD" or a yes/no.
AnswerValue = str | bool
#: The longest text answer kept (the same bound as a case note).
MAX_ANSWER_CHARS = 32_000
_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_SURROGATE = re.compile("[\ud800-\udfff]")


def form_band(
    definition: FormDefinition,
    band_sets: Mapping[str, AgeBandSet],
    date_of_birth: date,
    on: date,
) -> str | None:
    """Return the age band of a form started on `on` for a child born on `date_of_birth`.

    A form without an age band set is in the band "all"; None when no band of the set holds
    the child's age (a date before the birth).
    """
    if definition.age_band_set is None:
        return NO_AGE_BAND
    band = band_sets[definition.age_band_set].band_for(date_of_birth, on)
    return band.id if band is not None else None


def age_band_refusal(definition: FormDefinition, band: str | None) -> Refusal | None:
    """Return `age_band_not_defined` unless the form kind defines `band`."""
    if band is not None and band in definition.bands:
        return None
    return Refusal(
        AGE_BAND_NOT_DEFINED,
        f"the {definition.kind} form is not defined for age band {band or '(none)'}; "
        f"defined: {', '.join(definition.bands)}",
    )


def text_problem(text: str, max_chars: int) -> str | None:
    """Return what is wrong with a piece of text to store, or None."""
    if len(text) > max_chars:
        return f"longer than {max_chars} characters"
    if _SURROGATE.search(text):
        return "contains an unpaired surrogate: not valid Unicode text"
    return None


def answer_problem(question: Question, value: object) -> str | None:
    """Return what is wrong with `value` as an answer to `question`, or None if it fits."""
    if question.type in ("text", "long_text"):
        if not isinstance(value, str):
            return "expected text"
        return text_problem(value, MAX_ANSWER_CHARS)
    if question.type == "date":
        if not isinstance(value, str) or not _ISO_DATE.fullmatch(value):
            return "expected a date as YYYY-MM-DD"
        try:
            date.fromisoformat(value)
        except ValueError:
            return "not a calendar date"
        return None
    if question.type == "yes_no":
        return None if isinstance(value, bool) else "expected true or false"
    if question.type == "choice":
        options = question.options or ()
        if isinstance(value, str) and value in options:
            return None
        return f"expected one of {', '.join(options)}"
    return f"question type {question.type!r} is unknown"


def apply_answers(
    definition: FormDefinition,
    band: str,
    current: Mapping[str, AnswerValue],
    changes: Mapping[str, object],
) -> dict[str, AnswerValue] | Refusal:
    """Return the answers after `changes` (None or "" clears one), in form order, or a Refusal.

    Every key must be a question asked in `band` (unknown_question), then every value must fit
    its question's type (invalid_answer). Missing mandatory answers are never checked here.
    """
    asked = {q.id: q for q in definition.asked(band)}
    unknown = [key for key in changes if key not in asked]
    if unknown:
        return Refusal(
            UNKNOWN_QUESTION,
            f"answers.{unknown[0]}: not a question of the {definition.kind} form "
            f"asked in age band {band}",
            tuple((f"answers.{key}", "not asked in this form and band") for key in unknown),
        )
    problems: list[tuple[str, str]] = []
    updated: dict[str, object] = dict(current)
    for key, value in changes.items():
        if value is None or value == "":
            updated.pop(key, None)
            continue
        problem = answer_problem(asked[key], value)
        if problem is not None:
            problems.append((f"answers.{key}", problem))
        updated[key] = value
    if problems:
        field, problem = problems[0]
        return Refusal(INVALID_ANSWER, f"{field}: {problem}", tuple(problems))
    return {
        q.id: value
        for q in definition.questions
        if isinstance(value := updated.get(q.id), str | bool)
    }


def is_answered(value: object) -> bool:
    """Return whether a stored value counts as an answer (blank text does not)."""
    if isinstance(value, str):
        return bool(value.strip())
    return value is not None


def missing_answers(
    question_ids: Iterable[str], answers: Mapping[str, AnswerValue]
) -> tuple[str, ...]:
    """Return the ids among `question_ids` that have no answer, in the order given."""
    return tuple(q for q in question_ids if not is_answered(answers.get(q)))


def missing_mandatory(
    definition: FormDefinition, band: str, answers: Mapping[str, AnswerValue]
) -> tuple[str, ...]:
    """Return the mandatory questions of `band` without an answer, in form order."""
    return missing_answers(definition.mandatory(band), answers)


def missing_refusal(missing: tuple[str, ...]) -> Refusal | None:
    """Return `mandatory_missing` listing the missing question ids, or None if there are none."""
    if not missing:
        return None
    return Refusal(MANDATORY_MISSING, f"mandatory answers missing: {', '.join(missing)}", missing)
