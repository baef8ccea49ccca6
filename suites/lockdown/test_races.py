"""Races with the approval: an edit sent while the form is being approved lands before the
approval (and is in the approved content) or is refused; never after it, never lost.

Each trial takes a fresh form to the step before its lock and then sends, at the same instant
over separate connections, the locking step and two edits: an answer save and a case-note link.
Trials are bounded in number and in time.
"""

from __future__ import annotations

import random
import threading
import time
from typing import Any

import pytest
from lockdown.locked_case import LOCKED_KIND

from accredit.specs import SpecBundle, Transition
from accredit.sut import Exchange, Recorder, SutClient, http_client

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

#: How many trials a run makes, and the most time they may take together.
RACE_TRIALS = 30
RACE_SECONDS = 30.0
#: How long the edits wait after the approval is sent, trial by trial: at the same instant,
#: and a little later, so that edits arriving during and just after the approval are both tried
#: whatever the scheduling of the machine.
EDIT_OFFSETS_SECONDS = (0.0, 0.0, 0.002, 0.005, 0.010)


def _ready_to_lock(
    sut: SutClient, specs: SpecBundle, rng: random.Random
) -> tuple[dict[str, Any], dict[str, Any], Transition]:
    """Return a complete form one step from its lock, a note of its child, and that step."""
    definition = specs.forms[LOCKED_KIND]
    band = definition.bands[0]
    author = sut.as_user(AUTHOR)
    form = start_form(author, specs, rng, LOCKED_KIND, band)
    form = precondition(
        save_answers(author, form, answers_for(definition, definition.mandatory(band))),
        200,
        "save the mandatory answers",
    )
    note = precondition(
        author.post(f"/children/{form['child_id']}/notes", {"text": "Phone call with the GP."}),
        201,
        "record a case note",
    )
    *before, locking = path_to_locked(specs)
    for step in before:
        form = precondition(
            sut.as_user(actor_for(specs, step, AUTHOR)).post(
                f"/forms/{form['id']}/{step.action}", {}
            ),
            200,
            f"{step.action} the form",
        )
    return form, note, locking


def _at_once(
    sut: SutClient,
    recorder: Recorder,
    requests: list[tuple[str, str, str, Any]],
    later_by: float = 0.0,
) -> list[Exchange]:
    """Send (user, method, path, body) requests at the same instant, each over its own
    connection, all but the first `later_by` seconds after it; return the exchanges in the
    same order."""
    barrier = threading.Barrier(len(requests))
    results: list[Exchange | BaseException | None] = [None] * len(requests)

    def send(index: int, user: str, method: str, path: str, body: Any) -> None:
        with http_client(sut.profile) as http:
            client = SutClient(sut.profile, http, recorder, user)
            barrier.wait()
            if index and later_by:
                time.sleep(later_by)  # a race window, not a wait for readiness
            try:
                results[index] = client.request(method, path, body)
            except BaseException as error:  # handed to the main thread, raised there
                results[index] = error

    threads = [threading.Thread(target=send, args=(i, *r)) for i, r in enumerate(requests)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    exchanges = []
    for result in results:
        if isinstance(result, BaseException):
            raise result
        assert result is not None
        exchanges.append(result)
    return exchanges


@pytest.mark.requirement("LD-012")
@pytest.mark.evidence(30)
def test_an_edit_racing_the_approval_lands_before_it_or_is_refused(
    sut: SutClient, specs: SpecBundle, rng: random.Random, recorder: Recorder
) -> None:
    """In every trial each edit accepted with 200 is in the approved content, each refused
    edit is not, and the form reads back as approved afterwards."""
    definition = specs.forms[LOCKED_KIND]
    band = definition.bands[0]
    question = next(q.id for q in definition.asked(band) if q.id not in definition.mandatory(band))
    answer = sample_answer(definition, question)
    deadline = time.monotonic() + RACE_SECONDS
    trials = 0
    while trials < RACE_TRIALS and time.monotonic() < deadline:
        recorder.take()  # the evidence of a failure is its own trial alone
        form, note, locking = _ready_to_lock(sut, specs, rng)
        approver = actor_for(specs, locking, AUTHOR)
        path = f"/forms/{form['id']}"
        lock, save, link = _at_once(
            sut,
            recorder,
            [
                (approver, "POST", f"{path}/{locking.action}", {}),
                (
                    AUTHOR,
                    "PATCH",
                    path,
                    {"version": form["version"], "answers": {question: answer}},
                ),
                (
                    AUTHOR,
                    "POST",
                    f"{path}/links",
                    {"version": form["version"], "target_type": "note", "target_id": note["id"]},
                ),
            ],
            later_by=EDIT_OFFSETS_SECONDS[trials % len(EDIT_OFFSETS_SECONDS)],
        )
        if lock.status != 200:  # an edit came first: the approval is taken again on top of it
            lock = sut.as_user(approver).post(f"{path}/{locking.action}", {})
            expect(lock, 200, what=f"{locking.action} once the racing edits are settled")
        approved = lock.json()
        linked = [x for x in approved.get("links", []) if x.get("target_id") == note["id"]]
        for what, exchange, landed in (
            ("the answer save", save, approved.get("answers", {}).get(question) == answer),
            ("the note link", link, bool(linked)),
        ):
            assert exchange.status is not None
            if exchange.status == 200:
                assert landed, (
                    f"trial {trials + 1}: {what} was accepted (200) but is not in the approved "
                    f"content: applied after the approval, or lost"
                )
            else:
                assert not landed, (
                    f"trial {trials + 1}: {what} was refused ({exchange.status}) but its change "
                    "is in the approved content"
                )
        after = sut.as_user(AUTHOR).get(path)
        expect(after, 200, what="read the approved form")
        assert after.json() == approved, (
            f"trial {trials + 1}: the form changed after its approval: an edit landed after it"
        )
        trials += 1
