"""Team ownership of plan actions (PLN-002): each team or agency changes only its own actions.

Every owner of specs/plan.yaml gets an action, added by its own user; every other required user
then tries to change it, and to add an action in its name. Each attempt is refused with 403 and
the action and the plan read back unchanged; the owner's own users change it freely. Bad writes
(unknown ids, values outside the spec's vocabularies, due dates outside its range) are refused
with a 4xx and nothing is stored.
"""

from __future__ import annotations

import random
from datetime import timedelta
from typing import Any

import pytest
from plan.plan_case import (
    RESPONSIBLE,
    Plan,
    action_body,
    add_action,
    add_objective,
    changed_fields,
    new_plan,
    objective_writer,
    writers,
)

from accredit.plan_spec import PlanSpec, read_plan
from accredit.specs import SpecBundle
from accredit.sut import SutClient

from steps import expect

#: A day well inside any sensible range of due dates.
DUE = "2026-03-02"


def _owned_plan(
    sut: SutClient, specs: SpecBundle, rules: PlanSpec, rng: random.Random
) -> tuple[Plan, int, dict[str, dict[str, Any]]]:
    """Return a plan holding one action of each owner that has writers, added by its own
    first writer, with the objective id and the actions by owner."""
    plan = new_plan(sut, specs, rules, rng)
    objective_id = add_objective(sut, specs, rules, plan, "Keep the child safe at home")
    owned = {}
    for owner, users in writers(specs, rules).items():
        if users:
            body = action_body(
                f"Action of {owner}",
                owner,
                RESPONSIBLE[0],
                rules.earliest_due + timedelta(days=1),
                rules.priorities[0],
                rules.statuses[0],
            )
            owned[owner] = add_action(sut, users[0], plan, objective_id, body)
    return plan, objective_id, owned


def _plan_actions(sut: SutClient, plan: Plan, user: str) -> list[Any]:
    answer = sut.as_user(user).get(f"/children/{plan.child_id}/plan")
    expect(answer, 200, what="read the plan")
    body = answer.json()
    return [a for o in body.get("objectives", []) for a in o.get("actions", [])]


def _change(rules: PlanSpec, action: dict[str, Any]) -> dict[str, Any]:
    """Return an update of every editable field to a value other than the action's."""
    return {
        "version": action["version"],
        "status": next(s for s in rules.statuses if s != action["status"]),
        "priority": next(p for p in rules.priorities if p != action["priority"]),
        "responsible": next(r for r in RESPONSIBLE if r != action["responsible"]),
        "title": f"{action['title']} (changed)",
    }


@pytest.mark.requirement("PLN-002")
def test_a_team_cannot_change_another_teams_action(
    sut: SutClient, specs: SpecBundle, rng: random.Random
) -> None:
    """Every required user who does not act for an action's owner (another team's worker or
    manager, the partner agency, the auditor, the administrator) is refused with 403 and the
    action reads back unchanged; a user of the owner then changes it."""
    rules = read_plan(specs)
    _, _, owned = _owned_plan(sut, specs, rules, rng)
    by_owner = writers(specs, rules)
    for owner, action in owned.items():
        path = f"/plan-actions/{action['id']}"
        for user in specs.users.required_users:
            if user.key in by_owner[owner]:
                continue
            answer = sut.as_user(user.key).patch(path, _change(rules, action))
            expect(answer, 403, what=f"{user.key} changes an action of {owner}")
            after = sut.as_user(by_owner[owner][0]).get(path)
            expect(after, 200, what="read the action back")
            differ = changed_fields(action, after.json())
            assert not differ, (
                f"{user.key} was refused but the action of {owner} changed in {differ}: "
                f"{after.json()}"
            )
        own = by_owner[owner][-1]
        changed = sut.as_user(own).patch(path, _change(rules, action))
        expect(changed, 200, what=f"{own}, acting for {owner}, changes its own action")


@pytest.mark.requirement("PLN-002")
def test_no_one_adds_an_action_in_another_teams_name(
    sut: SutClient, specs: SpecBundle, rng: random.Random
) -> None:
    """An action added in the name of an owner the user does not act for is refused with 403
    and the plan holds no new action."""
    rules = read_plan(specs)
    plan, objective_id, _ = _owned_plan(sut, specs, rules, rng)
    by_owner = writers(specs, rules)
    before = _plan_actions(sut, plan, objective_writer(specs, rules))
    path = f"/children/{plan.child_id}/plan/objectives/{objective_id}/actions"
    for owner in rules.owner_ids:
        for user in specs.users.required_users:
            if user.key in by_owner[owner]:
                continue
            body = action_body(
                "Not theirs to add",
                owner,
                RESPONSIBLE[1],
                rules.earliest_due + timedelta(days=2),
                rules.priorities[-1],
                rules.statuses[0],
            )
            expect(
                sut.as_user(user.key).post(path, body),
                403,
                what=f"{user.key} adds an action in the name of {owner}",
            )
    after = _plan_actions(sut, plan, objective_writer(specs, rules))
    assert after == before, f"refused additions changed the plan: {len(before)} → {len(after)}"


@pytest.mark.requirement("PLN-002")
def test_a_bad_write_is_refused_and_nothing_is_stored(
    sut: SutClient, specs: SpecBundle, rng: random.Random
) -> None:
    """Unknown objectives and actions are not found (404); an owner, status or priority outside
    the spec's lists and a due date outside its range are refused with 422 naming the field;
    a stale or missing version is refused; the plan reads back unchanged."""
    rules = read_plan(specs)
    plan, objective_id, owned = _owned_plan(sut, specs, rules, rng)
    other = new_plan(sut, specs, rules, rng)
    owner, action = next(iter(owned.items()))
    user = writers(specs, rules)[owner][0]
    client = sut.as_user(user)
    before = _plan_actions(sut, plan, user)
    good = action_body(
        "Refer to the school nurse",
        owner,
        RESPONSIBLE[2],
        rules.earliest_due + timedelta(days=3),
        rules.priorities[0],
        rules.statuses[0],
    )
    actions_path = f"/children/{plan.child_id}/plan/objectives/{objective_id}/actions"
    missing = f"/children/{plan.child_id}/plan/objectives/{2**62}/actions"
    elsewhere = f"/children/{other.child_id}/plan/objectives/{objective_id}/actions"
    expect(client.post(missing, good), 404, what="an action under an unknown objective")
    expect(client.post(elsewhere, good), 404, what="an action under another child's objective")
    expect(client.get(f"/plan-actions/{2**62}"), 404, what="read an unknown action")
    expect(
        client.patch(f"/plan-actions/{2**62}", {"version": 1, "status": rules.statuses[-1]}),
        404,
        what="update an unknown action",
    )
    early = (rules.earliest_due - timedelta(days=1)).isoformat()
    late = (rules.latest_due + timedelta(days=1)).isoformat()
    for name, value in (
        ("owner", "no_such_owner"),
        ("status", "no_such_status"),
        ("priority", "no_such_priority"),
        ("due_date", early),
        ("due_date", late),
        ("due_date", "2026-02-30"),
    ):
        answer = client.post(actions_path, good | {name: value})
        expect(answer, 422, what=f"an action with {name} {value!r}")
        assert name in answer.text, f"the refusal does not name {name}: {answer.text[:300]!r}"
        if name != "owner":
            update = client.patch(
                f"/plan-actions/{action['id']}", {"version": action["version"], name: value}
            )
            expect(update, 422, what=f"an update to {name} {value!r}")
    expect(
        client.patch(f"/plan-actions/{action['id']}", {"status": rules.statuses[-1]}),
        422,
        what="an update naming no version",
    )
    after = _plan_actions(sut, plan, user)
    assert after == before, "refused writes changed the plan"
    assert _plan_actions(sut, other, user) == [], "an action was stored in another child's plan"
