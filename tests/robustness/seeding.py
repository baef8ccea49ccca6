"""Answers that satisfy a form's mandatory questions, for tests that seed the reference."""

from __future__ import annotations

from typing import Any

from accredit.specs import FormDefinition


def mandatory_answers(form: FormDefinition, band: str) -> dict[str, Any]:
    """Return a valid answer to every mandatory question of `form` in `band`."""
    answers: dict[str, Any] = {}
    for qid in form.mandatory(band):
        question = form.question(qid)
        if question.type == "date":
            answers[qid] = "2026-01-05"
        elif question.type == "yes_no":
            answers[qid] = True
        else:
            answers[qid] = (question.options or ["Seen at home; the child talked about school."])[0]
    return answers
