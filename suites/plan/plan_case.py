"""What the plan suite shares: who acts for which owner, building a plan in the SUT over HTTP,
the harness's own model of the actions it built, the list it expects for a query (computed here
from specs/plan.yaml, not by the reference), and requests sent at one instant.

The routes are those of the contract: `/children/{child_id}/plan`, its `objectives` and their
`actions`, the list `/children/{child_id}/plan/actions`, and `/plan-actions/{action_id}`.
"""

from __future__ import annotations

import random
import threading
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any
from urllib.parse import urlencode

from accredit.plan_spec import (
    ANY_OF,
    DATE_ORDER,
    EQUALS,
    ON_OR_AFTER,
    ON_OR_BEFORE,
    PlanSpec,
    SortTerm,
)
from accredit.specs import SpecBundle
from accredit.sut import Exchange, Recorder, SutClient, http_client

from steps import create_child, precondition

#: The fields of an action the harness sets and reads back.
ACTION_FIELDS = ("title", "owner", "responsible", "due_date", "priority", "status")
#: Invented people responsible for actions: never real people.
RESPONSIBLE = ("Kit Oakhurst", "Orla Fernhollow", "Huw Dunmere", "Seren Calderby")


def writers(specs: SpecBundle, rules: PlanSpec) -> dict[str, tuple[str, ...]]:
    """Return, for each owner of the plan spec, the required users who may write its actions."""
    found: dict[str, list[str]] = {o: [] for o in rules.owner_ids}
    for user in specs.users.required_users:
        if not rules.role(user.role).write_actions:
            continue
        owner = rules.owner_for(user.role, user.team)
        if owner is not None:
            found[owner].append(user.key)
    return {owner: tuple(keys) for owner, keys in found.items()}


def objective_writer(specs: SpecBundle, rules: PlanSpec) -> str:
    """Return the first required user who may add objectives to a plan."""
    return next(u.key for u in specs.users.required_users if rules.role(u.role).add_objectives)


def readers(specs: SpecBundle, rules: PlanSpec) -> tuple[str, ...]:
    """Return the required users who may read a plan."""
    return tuple(u.key for u in specs.users.required_users if rules.role(u.role).read)


@dataclass
class Plan:
    """A plan the harness built: the child, its objectives, and its model of every action
    (as last accepted by the SUT) by id, in the order they were added."""

    child_id: int
    objective_ids: list[int] = field(default_factory=list)
    actions: dict[int, dict[str, Any]] = field(default_factory=dict)


def new_plan(sut: SutClient, specs: SpecBundle, rules: PlanSpec, rng: random.Random) -> Plan:
    """Create a child and share it with the partner agency, which owns actions of the plan
    (preconditions); return its empty plan."""
    writer = sut.as_user(objective_writer(specs, rules))
    child = create_child(writer, rng)
    precondition(
        writer.request("PUT", f"/children/{child['id']}/sharing", {"shared": True}),
        200,
        "share the child with the partner agency, an owner of the plan's actions",
    )
    return Plan(child_id=child["id"])


def add_objective(
    sut: SutClient, specs: SpecBundle, rules: PlanSpec, plan: Plan, title: str
) -> int:
    """Add an objective (a precondition); return its id."""
    objective = precondition(
        sut.as_user(objective_writer(specs, rules)).post(
            f"/children/{plan.child_id}/plan/objectives", {"title": title}
        ),
        201,
        "add an objective to the plan",
    )
    plan.objective_ids.append(objective["id"])
    return int(objective["id"])


def action_body(
    title: str, owner: str, responsible: str, due: date, priority: str, status: str
) -> dict[str, Any]:
    """Return the body that adds an action."""
    return {
        "title": title,
        "owner": owner,
        "responsible": responsible,
        "due_date": due.isoformat(),
        "priority": priority,
        "status": status,
    }


def add_action(
    sut: SutClient, user: str, plan: Plan, objective_id: int, body: dict[str, Any]
) -> dict[str, Any]:
    """Add an action as `user` (a precondition); record it in the model and return it."""
    action: dict[str, Any] = precondition(
        sut.as_user(user).post(
            f"/children/{plan.child_id}/plan/objectives/{objective_id}/actions", body
        ),
        201,
        f"add an action owned by {body['owner']} as {user}",
    )
    plan.actions[action["id"]] = action
    return action


def list_path(child_id: int, parameters: Sequence[tuple[str, str]]) -> str:
    """Return the path of the action list with these query parameters."""
    query = urlencode(list(parameters), safe=",")
    return f"/children/{child_id}/plan/actions" + (f"?{query}" if query else "")


def expected_ids(
    rules: PlanSpec, actions: Sequence[dict[str, Any]], parameters: Sequence[tuple[str, str]]
) -> list[int]:
    """Return the ids the list must give for these parameters, computed from the spec alone:
    keep the actions passing every filter, order them by the tie-break, then sort stably by
    each requested key from the last to the first."""
    filters = {name: value for name, value in parameters if name != rules.sort_parameter}
    sort = dict(parameters).get(rules.sort_parameter)
    kept = [a for a in actions if all(_passes(rules, a, n, v) for n, v in filters.items())]
    ordered = sorted(kept, key=lambda a: a[rules.tie_break])
    terms = _terms(sort) if sort is not None else rules.default_sort
    for term in reversed(terms):
        key = rules.sort_keys[term.key]
        if key.order == DATE_ORDER:
            ordered.sort(
                key=lambda a, f=key.field: date.fromisoformat(a[f]), reverse=term.descending
            )
        else:
            places = rules.vocabulary(key.field)
            ordered.sort(key=lambda a, f=key.field: places.index(a[f]), reverse=term.descending)
    return [int(a["id"]) for a in ordered]


def _terms(text: str) -> tuple[SortTerm, ...]:
    return tuple(SortTerm(t.lstrip("-"), t.startswith("-")) for t in text.split(","))


def _passes(rules: PlanSpec, action: dict[str, Any], parameter: str, value: str) -> bool:
    spec_filter = rules.filters[parameter]
    held = action[spec_filter.field]
    if spec_filter.match == ANY_OF:
        return held in value.split(",")
    if spec_filter.match == EQUALS:
        return bool(held == value)
    if spec_filter.match == ON_OR_AFTER:
        return date.fromisoformat(held) >= date.fromisoformat(value)
    if spec_filter.match == ON_OR_BEFORE:
        return date.fromisoformat(held) <= date.fromisoformat(value)
    raise AssertionError(f"the plan spec's match {spec_filter.match!r} is unknown to the suite")


def changed_fields(expected: dict[str, Any], got: dict[str, Any]) -> list[str]:
    """Return the action fields (and version) on which two reads of an action differ."""
    return [f for f in (*ACTION_FIELDS, "version") if expected.get(f) != got.get(f)]


def send_together(
    sut: SutClient, recorder: Recorder, requests: Sequence[tuple[str, str, str, Any]]
) -> list[Exchange]:
    """Send (user, method, path, body) requests at one instant, each over its own connection
    (threads released by a barrier); return the exchanges in the same order."""
    barrier = threading.Barrier(len(requests))
    results: list[Exchange | BaseException | None] = [None] * len(requests)

    def send(index: int, user: str, method: str, path: str, body: Any) -> None:
        with http_client(sut.profile) as http:
            client = SutClient(sut.profile, http, recorder, user)
            try:
                barrier.wait(timeout=30)
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
