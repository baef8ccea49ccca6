"""Mandatory and optional answers: demanded at submission, never at save."""

from __future__ import annotations

import random

import pytest

from accredit.specs import SpecBundle
from accredit.sut import SutClient

from steps import AUTHOR, answers_for, expect, precondition, save_answers, start_form


def _submit(specs: SpecBundle) -> str:
    """Return the lifecycle action that carries the mandatory-answers check."""
    return next(t.action for t in specs.lifecycle.transitions if "mandatory_answers" in t.checks)


@pytest.mark.requirement("FUN-005")
def test_submission_refused_while_a_mandatory_answer_is_missing(
    sut: SutClient, specs: SpecBundle, rng: random.Random, mandatory_question: tuple[str, str, str]
) -> None:
    """Leaving out one mandatory answer refuses submission, names it, and keeps the draft."""
    kind, band, missing = mandatory_question
    definition = specs.forms[kind]
    client = sut.as_user(AUTHOR)
    form = start_form(client, specs, rng, kind, band)
    given = [q for q in definition.mandatory(band) if q != missing]
    form = precondition(
        save_answers(client, form, answers_for(definition, given)),
        200,
        "save every mandatory answer but one",
    )
    refused = client.post(f"/forms/{form['id']}/{_submit(specs)}", {})
    expect(refused, 422, "mandatory_missing", what=f"submit without {missing}")
    details = refused.json().get("details") or []
    assert missing in details, f"the refusal does not name {missing}: details {details!r}"
    after = client.get(f"/forms/{form['id']}")
    expect(after, 200, what="read the form after the refusal")
    assert after.json().get("status") == specs.lifecycle.initial, (
        f"the form left {specs.lifecycle.initial!r}: status {after.json().get('status')!r}"
    )


@pytest.mark.requirement("FUN-006")
def test_optional_answers_may_stay_blank(
    sut: SutClient, specs: SpecBundle, rng: random.Random, form_band: tuple[str, str]
) -> None:
    """A form with only its mandatory answers given is accepted for submission."""
    kind, band = form_band
    definition = specs.forms[kind]
    client = sut.as_user(AUTHOR)
    form = start_form(client, specs, rng, kind, band)
    form = precondition(
        save_answers(client, form, answers_for(definition, definition.mandatory(band))),
        200,
        "save the mandatory answers",
    )
    action = _submit(specs)
    submitted = client.post(f"/forms/{form['id']}/{action}", {})
    expect(submitted, 200, what=f"{action} with every optional answer blank")
    target = next(t.to_state for t in specs.lifecycle.transitions if t.action == action)
    assert submitted.json().get("status") == target, (
        f"status after {action}: {submitted.json().get('status')!r}, expected {target!r}"
    )


@pytest.mark.requirement("FUN-007")
def test_a_draft_saves_with_mandatory_answers_missing(
    sut: SutClient, specs: SpecBundle, rng: random.Random, form_band: tuple[str, str]
) -> None:
    """Saving one answer at a time is accepted and each answer is kept."""
    kind, band = form_band
    definition = specs.forms[kind]
    client = sut.as_user(AUTHOR)
    form = start_form(client, specs, rng, kind, band)
    for question in [*definition.optional(band)[:1], *definition.mandatory(band)[:1]]:
        answer = answers_for(definition, [question])
        saved = save_answers(client, form, answer)
        expect(saved, 200, what=f"save a draft with only {question} newly answered")
        form = saved.json()
        kept = form.get("answers", {}).get(question)
        assert kept == answer[question], f"{question} read back as {kept!r}"
