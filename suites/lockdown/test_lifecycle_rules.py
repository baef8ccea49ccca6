"""The rules of the road to lock-down: four eyes, a return the author can act on, corrections
as addenda beside the locked form, and no change made on a stale version.

The lifecycle (who takes which step, which step needs a reason, which state locks) is read from
lifecycle.yaml; the addenda rules and routes from lockdown.yaml.
"""

from __future__ import annotations

import random
from typing import Any

import pytest
from lockdown.locked_case import LOCKED_KIND, build_locked_case, changed_fields, fill, lock

from accredit.specs import SpecBundle
from accredit.sut import SutClient

from steps import (
    AUTHOR,
    actor_for,
    answers_for,
    expect,
    path_to_locked,
    precondition,
    sample_answer,
    save_answers,
    start_form,
)


def complete_draft(sut: SutClient, specs: SpecBundle, rng: random.Random, author: str) -> Any:
    """Return a draft by `author`, for a child of their own team (the only records they may
    write, access.yaml), with every mandatory answer given."""
    definition = specs.forms[LOCKED_KIND]
    band = definition.bands[0]
    client = sut.as_user(author)
    team = specs.users.user(author).team or "A"
    form = start_form(client, specs, rng, LOCKED_KIND, band, team)
    return precondition(
        save_answers(client, form, answers_for(definition, definition.mandatory(band))),
        200,
        "save the mandatory answers",
    )


def take(sut: SutClient, specs: SpecBundle, form: Any, action: str, user: str) -> Any:
    """Take a lifecycle step as a set-up step; return the form after it."""
    transition = specs.lifecycle.transition(action, form["status"])
    body = (
        {"reason": "Returned for more detail."} if transition and transition.reason_required else {}
    )
    return precondition(
        sut.as_user(user).post(f"/forms/{form['id']}/{action}", body), 200, f"{action} as {user}"
    )


@pytest.mark.requirement("LD-008")
def test_the_author_never_takes_a_four_eyes_step_on_their_own_form(
    sut: SutClient, specs: SpecBundle, rng: random.Random
) -> None:
    """Every user who may both write a form and approve forms is refused approving their own;
    the form stays where it was."""
    users = specs.users.required_users
    checked = 0
    for step_index, transition in enumerate(path_to_locked(specs)):
        if transition.author != "excluded":
            continue
        for user in (u.key for u in users if u.role in transition.roles):
            if "form.create" not in specs.users.roles[specs.users.user(user).role].permissions:
                continue
            form = complete_draft(sut, specs, rng, user)
            for earlier in path_to_locked(specs)[:step_index]:
                form = take(sut, specs, form, earlier.action, actor_for(specs, earlier, user))
            attempt = sut.as_user(user).post(f"/forms/{form['id']}/{transition.action}", {})
            assert attempt.status is not None and 400 <= attempt.status < 500, (
                f"{user} took {transition.action!r} on their own form: {attempt.describe()}"
            )
            after = precondition(sut.as_user(user).get(f"/forms/{form['id']}"), 200, "read")
            assert after["status"] == form["status"], (
                f"{user}'s own form went to {after['status']!r} after a refused {transition.action}"
            )
            checked += 1
    if not checked:
        pytest.skip(
            "precondition not met: no required user of specs/users.yaml may both write and approve "
            "forms, so the four-eyes rule has nothing to refuse"
        )


@pytest.mark.requirement("LD-009")
def test_a_returned_form_shows_its_author_the_reason(
    sut: SutClient, specs: SpecBundle, rng: random.Random
) -> None:
    """A manager returns a submitted form with a reason; the author reads it on the draft."""
    lifecycle = specs.lifecycle
    returns = [
        t for t in lifecycle.transitions if t.to_state == lifecycle.initial and t.reason_required
    ]
    if not returns:
        pytest.skip(
            "precondition not met: specs/lifecycle.yaml has no transition back to draft that "
            "demands a reason"
        )
    back = returns[0]
    form = complete_draft(sut, specs, rng, AUTHOR)
    for step in path_to_locked(specs):
        if step.from_state == back.from_state:
            break
        form = take(sut, specs, form, step.action, actor_for(specs, step, AUTHOR))
    reason = f"Please add the school's view (return {rng.randrange(10**6)})."
    returned = sut.as_user(actor_for(specs, back, AUTHOR)).post(
        f"/forms/{form['id']}/{back.action}", {"reason": reason}
    )
    expect(returned, 200, what=f"{back.action} with a reason")
    seen = precondition(sut.as_user(AUTHOR).get(f"/forms/{form['id']}"), 200, "read as author")
    assert seen["status"] == back.to_state, f"the form is {seen['status']!r} after {back.action}"
    assert seen.get("returned_reason") == reason, (
        f"the author reads {seen.get('returned_reason')!r} as the reason, not {reason!r}"
    )


@pytest.mark.requirement("LD-010")
def test_an_addendum_through_its_lifecycle_never_changes_its_form(
    sut: SutClient, specs: SpecBundle, rng: random.Random
) -> None:
    """An addendum is created, corrected and approved; it is listed with the locked form, and
    the locked form reads back byte-identical after every step."""
    case = build_locked_case(sut, specs, rng)
    rules = specs.lockdown.addenda
    creation = specs.lockdown.creation(rules.create)
    author = sut.as_user(AUTHOR)

    def assert_form_unchanged(after: str) -> None:
        read = case.reader.get(f"/forms/{case.id}")
        expect(read, 200, what=f"read the locked form after {after}")
        if read.content != case.snapshot:
            raise AssertionError(
                f"the locked form changed after {after}: {changed_fields(case.snapshot, read)}"
            )

    made = author.request(creation.method, fill(creation.path, case.values))
    expect(made, 201, what="create an addendum")
    addendum = made.json()
    assert addendum.get("addendum_of") == case.id, (
        f"the addendum names {addendum.get('addendum_of')}"
    )
    assert_form_unchanged("creating an addendum")
    definition = specs.forms[LOCKED_KIND]
    corrections = {case.values["answered_question"]: case.values["changed_answer"]}
    for question in case.form["answers"]:
        if len(corrections) >= rules.minimum_answers:
            break
        corrections.setdefault(question, sample_answer(definition, question))
    addendum = precondition(save_answers(author, addendum, corrections), 200, "correct answers")
    assert_form_unchanged("saving the addendum's corrections")
    addendum = lock(sut, specs, addendum)
    assert_form_unchanged("approving the addendum")
    listed = precondition(case.reader.get(fill(rules.list_path, case.values)), 200, "list addenda")
    assert [a.get("id") for a in listed] == [addendum["id"]], f"addenda listed: {listed}"
    assert listed[0].get("status") == addendum["status"]


@pytest.mark.requirement("LD-011")
def test_a_change_on_a_stale_version_is_refused_and_the_newer_kept(
    sut: SutClient, specs: SpecBundle, rng: random.Random
) -> None:
    """Two saves made on the same version: the first is kept, the second refused with 409."""
    definition = specs.forms[LOCKED_KIND]
    band = definition.bands[0]
    client = sut.as_user(AUTHOR)
    form = start_form(client, specs, rng, LOCKED_KIND, band)
    question = definition.mandatory(band)[0]
    first = {question: sample_answer(definition, question)}
    expect(save_answers(client, form, first), 200, what="the first save")
    stale = save_answers(client, form, {question: None})
    expect(stale, 409, what=f"a save made on version {form['version']}, now stale")
    read = precondition(client.get(f"/forms/{form['id']}"), 200, "read the draft")
    assert read["answers"].get(question) == first[question], (
        f"the stale save overwrote the newer answer: {read['answers'].get(question)!r}"
    )
