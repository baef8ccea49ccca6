"""The audit trail: every attempt, allowed or refused, is written down, and nothing rewrites it.

Where the trail is read, its outcome names and the routes that must never change it come from
lockdown.yaml (`audit`); the action an entry names is the route id of lockdown.yaml (a lifecycle
action by its own name).
"""

from __future__ import annotations

import random
from datetime import datetime
from typing import Any

import pytest
from lockdown.locked_case import LOCKED_KIND, build_locked_case, fill

from accredit.specs import SpecBundle
from accredit.sut import Exchange, SutClient

from steps import AUTHOR, expect, precondition, sample_answer, save_answers, start_form

#: The user who reads the trail: read-only by role, so reading changes nothing.
READER = "auditor"


def trail_of(sut: SutClient, specs: SpecBundle, form_id: int) -> Exchange:
    """Return the read of the audit entries of one form."""
    return sut.as_user(READER).get(f"{specs.lockdown.audit.path}?form_id={form_id}")


def entries_of(sut: SutClient, specs: SpecBundle, form_id: int) -> list[dict[str, Any]]:
    read = trail_of(sut, specs, form_id)
    expect(read, 200, what="read the audit trail")
    entries: list[dict[str, Any]] = read.json()
    return entries


@pytest.mark.requirement("LD-013")
def test_every_attempt_is_in_the_trail_with_user_time_action_and_outcome(
    sut: SutClient, specs: SpecBundle, rng: random.Random
) -> None:
    """Allowed and refused attempts on a draft and on a locked form each leave one entry."""
    audit = specs.lockdown.audit
    case = build_locked_case(sut, specs, rng)
    update = specs.lockdown.route("update_answers")
    before = entries_of(sut, specs, case.id)
    tried: list[tuple[str, str, Exchange]] = []
    for user in ("admin", AUTHOR, READER):
        body = fill(update.attempts[0], case.values)
        tried.append(
            (
                user,
                update.id,
                sut.as_user(user).request(update.method, fill(update.path, case.values), body),
            )
        )
    definition = specs.forms[LOCKED_KIND]
    band = definition.bands[0]
    draft = start_form(sut.as_user(AUTHOR), specs, rng, LOCKED_KIND, band)
    question = definition.mandatory(band)[0]
    for user in (AUTHOR, READER):
        answers = {question: sample_answer(definition, question)}
        tried.append((user, update.id, save_answers(sut.as_user(user), draft, answers)))
    after = entries_of(sut, specs, case.id)[len(before) :] + entries_of(sut, specs, draft["id"])
    for user, action, exchange in tried:
        assert exchange.status is not None
        outcome = audit.allowed if exchange.status < 400 else audit.refused
        form_id = case.id if f"/forms/{case.id}" in exchange.url else draft["id"]
        found = [
            e
            for e in after
            if (e.get("user"), e.get("action"), e.get("outcome"), e.get("form_id"))
            == (user, action, outcome, form_id)
        ]
        assert found, (
            f"no {outcome} entry for {action} by {user} on form {form_id} "
            f"(answered {exchange.status}); entries: {after}"
        )
        assert isinstance(found[0].get("at"), str), f"an entry without its time: {found[0]}"
        datetime.fromisoformat(found[0]["at"])


@pytest.mark.requirement("LD-014")
def test_no_route_edits_or_deletes_an_entry(
    sut: SutClient, specs: SpecBundle, rng: random.Random, any_user: str
) -> None:
    """Every forbidden audit route of lockdown.yaml is refused with a 4xx; the trail reads
    back byte-identical."""
    case = build_locked_case(sut, specs, rng)
    before = trail_of(sut, specs, case.id)
    expect(before, 200, what="read the audit trail")
    entries = before.json()
    if not entries:
        pytest.skip(
            "precondition not met: the SUT lists no audit entry for the locked form, so there is "
            "none to try to change (that entries are written is checked on its own)"
        )
    values = {**case.values, "entry_id": entries[-1]["id"]}
    client = sut.as_user(any_user)
    for route in specs.lockdown.audit.forbidden:
        body = fill(route.body, values) if route.body is not None else None
        attempt = client.request(route.method, fill(route.path, values), body)
        assert attempt.status is not None and 400 <= attempt.status < 500, (
            f"{route.method} {route.path} as {any_user} was not refused: {attempt.describe()}"
        )
        after = trail_of(sut, specs, case.id)
        expect(after, 200, what="read the audit trail again")
        assert after.content == before.content, (
            f"the audit trail changed after {route.method} {route.path} as {any_user}"
        )


@pytest.mark.requirement("LD-014")
def test_deleting_a_draft_keeps_its_entries(
    sut: SutClient, specs: SpecBundle, rng: random.Random
) -> None:
    """A draft's entries stay in the trail, unchanged, after the draft is deleted."""
    definition = specs.forms[LOCKED_KIND]
    band = definition.bands[0]
    author = sut.as_user(AUTHOR)
    draft = start_form(author, specs, rng, LOCKED_KIND, band)
    question = definition.mandatory(band)[0]
    draft = precondition(
        save_answers(author, draft, {question: sample_answer(definition, question)}),
        200,
        "save an answer",
    )
    before = entries_of(sut, specs, draft["id"])
    delete = specs.lockdown.route("delete_form")
    removed = author.request(
        delete.method, fill(delete.path, {"form_id": draft["id"], "version": draft["version"]})
    )
    if removed.status != 204:
        pytest.skip(f"precondition not met: delete the draft: {removed.describe()}")
    after = entries_of(sut, specs, draft["id"])
    assert after[: len(before)] == before, (
        f"entries of the deleted draft changed or went: before {before}, after {after}"
    )
    assert len(after) > len(before), "the delete itself is not in the trail"
