"""Lock-down: an approved form never changes, by any route, by any user.

Each check approves a fresh form, keeps the exact bytes the SUT serves for it, lets one required
user (the administrator included) attempt a change, and demands both an explicit refusal (409
form_locked: a silent 200 that changes nothing is not a refusal) and the same bytes afterwards.
"""

from __future__ import annotations

import json
import random
from typing import Any

import pytest

from accredit.specs import SpecBundle
from accredit.sut import Exchange, SutClient

from steps import AUTHOR, complete_and_lock, expect, sample_answer

LOCKED = "form_locked"


class ApprovedForm:
    """An approved form and the bytes it read back as at approval."""

    def __init__(self, sut: SutClient, form: dict[str, Any]) -> None:
        self.id = form["id"]
        self.version = form["version"]
        self.reader = sut.as_user(AUTHOR)
        snapshot = self.reader.get(f"/forms/{self.id}")
        expect(snapshot, 200, what="read the approved form")
        self.snapshot = snapshot.content

    def assert_unchanged(self, after: str) -> None:
        read = self.reader.get(f"/forms/{self.id}")
        expect(read, 200, what=f"read the form after {after}")
        if read.content != self.snapshot:
            raise AssertionError(
                f"the approved form changed after {after}: {_changed_fields(self.snapshot, read)}"
            )


def _changed_fields(before: bytes, after: Exchange) -> str:
    try:
        old, new = json.loads(before), after.json()
    except ValueError:
        return "the bytes differ"
    if not isinstance(old, dict) or not isinstance(new, dict):
        return "the bytes differ"
    changed = {
        k: (old.get(k), new.get(k)) for k in old.keys() | new.keys() if old.get(k) != new.get(k)
    }
    return f"fields (before, after): {changed}"[:1500] if changed else "the bytes differ"


@pytest.fixture
def approved(sut: SutClient, specs: SpecBundle, rng: random.Random) -> ApprovedForm:
    return ApprovedForm(sut, complete_and_lock(sut, specs, rng))


@pytest.mark.requirement("LD-001")
def test_answers_of_an_approved_form_cannot_change(
    sut: SutClient, specs: SpecBundle, approved: ApprovedForm, any_user: str
) -> None:
    """Changing, adding or clearing an answer is refused with form_locked, by every user."""
    definition = specs.forms["core_assessment"]
    band = definition.bands[0]
    changed = definition.mandatory(band)[-1]
    added = (definition.optional(band) or definition.mandatory(band))[0]
    attempts = {
        f"changing {changed}": {changed: sample_answer(definition, changed) + " (altered)"},
        f"adding {added}": {added: sample_answer(definition, added)},
        f"clearing {changed}": {changed: None},
    }
    client = sut.as_user(any_user)
    for what, answers in attempts.items():
        attempt = client.patch(
            f"/forms/{approved.id}", {"version": approved.version, "answers": answers}
        )
        expect(attempt, 409, LOCKED, what=f"{what} as {any_user}")
        approved.assert_unchanged(f"{what} as {any_user}")


@pytest.mark.requirement("LD-002")
def test_an_approved_form_cannot_be_deleted(
    sut: SutClient, approved: ApprovedForm, any_user: str
) -> None:
    """Deleting an approved form is refused with form_locked, by every user."""
    attempt = sut.as_user(any_user).delete(f"/forms/{approved.id}")
    expect(attempt, 409, LOCKED, what=f"delete as {any_user}")
    approved.assert_unchanged(f"a delete as {any_user}")


@pytest.mark.requirement("LD-003")
def test_an_approved_form_never_leaves_approved(
    sut: SutClient, specs: SpecBundle, approved: ApprovedForm, any_user: str
) -> None:
    """Every lifecycle action on an approved form is refused with form_locked, by every user."""
    client = sut.as_user(any_user)
    for action in specs.lifecycle.actions:
        body = {"reason": "Re-opened to correct the analysis.", "version": approved.version}
        attempt = client.post(f"/forms/{approved.id}/{action}", body)
        expect(attempt, 409, LOCKED, what=f"{action} as {any_user}")
        approved.assert_unchanged(f"{action} as {any_user}")
