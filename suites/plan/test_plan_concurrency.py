"""No lost update in the plan (PLN-003): concurrent edits never silently overwrite each other.

Each trial adds an action for each of two teams, then sends at one instant (threads released by
a barrier, one connection each) an update by each team to its own action: both must persist.
Then two users of one team update the same action on the same version at one instant: exactly
one is accepted and the other refused with 409 version_conflict, and the action reads back as
the accepted update left it. Last, an update on the version both were made on is refused the
same way. Trials are bounded in number and in time.
"""

from __future__ import annotations

import random
import time
from datetime import timedelta
from typing import Any

import pytest
from plan.plan_case import (
    RESPONSIBLE,
    action_body,
    add_action,
    add_objective,
    changed_fields,
    new_plan,
    send_together,
    writers,
)

from accredit.plan_spec import read_plan
from accredit.specs import SpecBundle
from accredit.sut import Recorder, SutClient

from steps import expect

#: Trials per run profile, and the most time they may take together.
TRIALS = {"smoke": 5, "full": 20}
TRIAL_SECONDS = 30.0
CONFLICT = "version_conflict"


@pytest.mark.requirement("PLN-003")
@pytest.mark.evidence(30)
def test_concurrent_edits_both_persist_or_one_gets_a_version_conflict(
    sut: SutClient,
    specs: SpecBundle,
    rng: random.Random,
    recorder: Recorder,
    run_profile: str,
) -> None:
    """In every trial concurrent updates by two teams to their own actions both persist; of two
    concurrent updates to one action on one version exactly one is accepted and the other gets
    409 version_conflict; an update on a stale version gets 409 version_conflict."""
    rules = read_plan(specs)
    by_owner = writers(specs, rules)
    teams = [o.id for o in rules.owners if o.kind == "team" and by_owner[o.id]]
    pair = next((o for o in teams if len(by_owner[o]) >= 2), None)
    if len(teams) < 2 or pair is None:
        pytest.skip(
            "precondition not met: specs/plan.yaml and specs/access.yaml give no two teams that "
            "write plan actions, one of them with two required users"
        )
    first, second = teams[0], next(t for t in teams if t != teams[0])
    plan = new_plan(sut, specs, rules, rng)
    objective_id = add_objective(sut, specs, rules, plan, "Regular school attendance")
    due = rules.earliest_due + timedelta(days=10)
    deadline = time.monotonic() + TRIAL_SECONDS
    trials = 0
    while trials < TRIALS[run_profile] and time.monotonic() < deadline:
        trials += 1
        recorder.take()  # the evidence of a failure is its own trial alone
        added = {
            team: add_action(
                sut,
                by_owner[team][0],
                plan,
                objective_id,
                action_body(
                    f"Trial {trials}: action of {team}",
                    team,
                    RESPONSIBLE[0],
                    due,
                    rules.priorities[0],
                    rules.statuses[0],
                ),
            )
            for team in (first, second)
        }
        _two_teams_two_actions(sut, rules.statuses, by_owner, added, recorder, trials)
        _one_team_one_action(sut, by_owner[pair], plan.actions, added[pair], recorder, trials)


def _path(action: dict[str, Any]) -> str:
    return f"/plan-actions/{action['id']}"


def _two_teams_two_actions(
    sut: SutClient,
    statuses: tuple[str, ...],
    by_owner: dict[str, tuple[str, ...]],
    added: dict[str, dict[str, Any]],
    recorder: Recorder,
    trial: int,
) -> None:
    changes = {
        team: {"version": action["version"], "status": statuses[1 + i % (len(statuses) - 1)]}
        for i, (team, action) in enumerate(added.items())
    }
    answers = send_together(
        sut,
        recorder,
        [(by_owner[team][0], "PATCH", _path(a), changes[team]) for team, a in added.items()],
    )
    for (team, action), answer in zip(added.items(), answers, strict=True):
        expect(answer, 200, what=f"trial {trial}: {team} updates its own action concurrently")
        read = sut.as_user(by_owner[team][0]).get(_path(action))
        expect(read, 200, what="read the action back")
        assert read.json().get("status") == changes[team]["status"], (
            f"trial {trial}: the concurrent update by {team} was accepted but its action reads "
            f"back with status {read.json().get('status')!r}, not {changes[team]['status']!r}"
        )
        added[team] = read.json()


def _one_team_one_action(
    sut: SutClient,
    users: tuple[str, ...],
    model: dict[int, dict[str, Any]],
    action: dict[str, Any],
    recorder: Recorder,
    trial: int,
) -> None:
    version = action["version"]
    editors = users[:2]
    wanted = {user: f"{RESPONSIBLE[1 + i]}" for i, user in enumerate(editors)}
    answers = send_together(
        sut,
        recorder,
        [
            (user, "PATCH", _path(action), {"version": version, "responsible": wanted[user]})
            for user in editors
        ],
    )
    outcomes = [(user, a.status, a.code) for user, a in zip(editors, answers, strict=True)]
    accepted = [user for user, status, _ in outcomes if status == 200]
    refused = [user for user, status, code in outcomes if status == 409 and code == CONFLICT]
    assert len(accepted) == 1 and len(refused) == 1, (
        f"trial {trial}: two concurrent updates of action {action['id']} on version {version} "
        f"gave {outcomes}; expected exactly one 200 and one 409 {CONFLICT}"
        + (" (both accepted: one silently overwrote the other)" if len(accepted) == 2 else "")
    )
    winner = accepted[0]
    read = sut.as_user(winner).get(_path(action))
    expect(read, 200, what="read the action back")
    after = read.json()
    assert after.get("responsible") == wanted[winner], (
        f"trial {trial}: {winner}'s update was the one accepted, but the action reads back with "
        f"responsible {after.get('responsible')!r}, not {wanted[winner]!r}"
    )
    assert after.get("version") != version, f"trial {trial}: the version did not change"
    stale = sut.as_user(editors[0]).patch(
        _path(action), {"version": version, "responsible": RESPONSIBLE[0]}
    )
    expect(stale, 409, CONFLICT, what=f"trial {trial}: an update on stale version {version}")
    again = sut.as_user(winner).get(_path(action))
    expect(again, 200, what="read the action back")
    differ = changed_fields(after, again.json())
    assert not differ, f"trial {trial}: the refused stale update changed {differ}"
    model[action["id"]] = after
