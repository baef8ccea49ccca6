"""Load a caseload into any product through the conformance API, and keep the ids it gives.

Children, declared sibling groups, forms taken through the lifecycle to their generated state
by the users the lifecycle spec allows, and case notes. What the product answers is checked as
it goes: a refusal stops the load with the request that was refused.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

from accredit.specs import SpecBundle, Transition
from accredit.sut import SutClient
from load.caseload import Caseload

__all__ = ["LoadRefused", "SeededIds", "load_through_contract"]


class LoadRefused(Exception):
    """The product refused a request the caseload needs; the message shows the exchange."""


@dataclass
class SeededIds:
    """The ids the product gave to what was loaded, by kind: the pools a load profile draws on."""

    child_id: list[int] = field(default_factory=list)
    form_id: list[int] = field(default_factory=list)
    draft_form_id: list[int] = field(default_factory=list)
    rows: int = 0
    seconds: float = 0.0

    def pools(self) -> dict[str, list[int]]:
        return {"child_id": self.child_id, "form_id": self.form_id,
                "draft_form_id": self.draft_form_id}  # fmt: skip


def load_through_contract(caseload: Caseload, sut: SutClient, author: str = "sw_a") -> SeededIds:
    """Load the caseload's children, families, forms and notes; return the ids given.

    Every record is written by `author`'s team so that one user can work on all of it.
    """
    started = time.monotonic()
    specs = caseload.specs
    team = specs.users.user(author).team
    writer = sut.as_user(author)
    seeded = SeededIds()
    ids: dict[int, int] = {}
    for child in caseload.children():
        body = {"given_name": child.given_name, "family_name": child.family_name,
                "date_of_birth": child.date_of_birth.isoformat(), "sex": child.sex,
                "team": team or child.team}  # fmt: skip
        ids[child.number] = _created(writer.post("/children", body))["id"]
        seeded.child_id.append(ids[child.number])
    for members in caseload.families():
        _created(writer.post("/sibling-groups", {"child_ids": [ids[m] for m in members]}))
    path = _lifecycle_paths(specs)
    for form in caseload.forms():
        start = {
            "kind": form.kind,
            "child_id": ids[form.child],
            "started_on": form.started_on.isoformat(),
        }
        created = _created(writer.post("/forms", start))
        answers = {"version": created["version"], "answers": form.answers}
        saved = _ok(writer.patch(f"/forms/{created['id']}", answers))
        for transition in path.get(form.status, []):
            actor = sut.as_user(_actor(specs, transition, author))
            body = {"reason": "Returned for more detail."} if transition.reason_required else {}
            saved = _ok(actor.post(f"/forms/{created['id']}/{transition.action}", body))
        seeded.form_id.append(saved["id"])
        if specs.lifecycle.state(saved["status"]).editable:
            seeded.draft_form_id.append(saved["id"])
    for note in caseload.notes():
        body = {"text": note.text, "occurred_on": note.occurred_on.isoformat()}
        _created(writer.post(f"/children/{ids[note.child]}/notes", body))
        seeded.rows += 1
    seeded.rows += len(seeded.child_id) + len(seeded.form_id)
    seeded.seconds = time.monotonic() - started
    return seeded


def _lifecycle_paths(specs: SpecBundle) -> dict[str, list[Transition]]:
    """Return, for each state, the shortest sequence of transitions reaching it from the start."""
    lifecycle = specs.lifecycle
    paths: dict[str, list[Transition]] = {lifecycle.initial: []}
    frontier = [lifecycle.initial]
    while frontier:
        state = frontier.pop(0)
        for t in lifecycle.transitions:
            if t.from_state == state and t.to_state not in paths:
                paths[t.to_state] = [*paths[state], t]
                frontier.append(t.to_state)
    return paths


def _actor(specs: SpecBundle, transition: Transition, author: str) -> str:
    team = specs.users.user(author).team
    for user in sorted(specs.users.required_users, key=lambda u: u.team != team):
        if user.role not in transition.roles:
            continue
        if transition.author == "required" and user.key != author:
            continue
        if transition.author == "excluded" and user.key == author:
            continue
        return user.key
    raise LoadRefused(f"no required user may {transition.action} a form written by {author}")


def _created(exchange: Any) -> Any:
    if exchange.status != 201:
        raise LoadRefused(exchange.describe())
    return exchange.json()


def _ok(exchange: Any) -> Any:
    if exchange.status != 200:
        raise LoadRefused(exchange.describe())
    return exchange.json()
