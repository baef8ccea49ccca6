"""The Child/Young Person's Plan: the spec's loading, the pure rules, and the routes' refusals
of bad input (each a 4xx naming the problem, nothing stored)."""

from __future__ import annotations

import shutil
from datetime import date
from pathlib import Path
from typing import Any

import pytest
import yaml

from accredit.access_spec import load_access
from accredit.errors import SpecError
from accredit.plan_spec import SortTerm, read_plan
from accredit.runner import run_accreditation
from accredit.specs import load_specs
from reference_impl.domain.access import Actor, Record, access_refusal
from reference_impl.domain.plan import (
    ActionFacts,
    ActionQuery,
    QueryProblem,
    parse_query,
    select_actions,
)
from tests.reference.conftest import SPECS, Api, assert_error, created, ok, ok_list

RULES = read_plan(SPECS)


def actor(key: str) -> Actor:
    user = SPECS.users.user(key)
    return Actor(key, user.role, user.team, SPECS.users.roles[user.role].permissions)


def facts(ident: int, **fields: Any) -> ActionFacts:
    values = {
        "owner": "A",
        "status": "not_started",
        "priority": "medium",
        "responsible": "Kit Oakhurst",
        "due_date": date(2026, 3, 1),
    } | fields
    return ActionFacts(id=ident, **values)


# --- the spec ---------------------------------------------------------------------------------


def test_the_plan_spec_names_its_requirements_and_every_role() -> None:
    assert set(RULES.requirements.values()) == {"PLN-001", "PLN-002", "PLN-003"}
    assert set(RULES.access) == set(SPECS.users.roles)
    assert RULES.owner_for("partner_agency", None) == "health"
    assert RULES.owner_for("social_worker", "B") == "B"
    assert RULES.owner_for("auditor", None) is None


@pytest.mark.parametrize(
    ("old", "new", "where"),
    [
        ("- {id: B, kind: team,", "- {id: C, kind: team,", "owners[1].id"),
        ("team: {field: owner, match: any_of}", "team: {field: owner, match: equals}", "team"),
        ("default_sort: []", "default_sort: [urgency]", "listing.default_sort[0]"),
        ("no_lost_update: PLN-003", "no_lost_update: PLN-999", "requirements.no_lost_update"),
        ("priorities: [low, medium, high]", "priorities: [low, low]", "priorities"),
    ],
)
def test_a_bad_plan_spec_is_refused_naming_the_place(
    tmp_path: Path, old: str, new: str, where: str
) -> None:
    root = tmp_path / "specs"
    shutil.copytree(SPECS.root, root)
    path = root / "plan.yaml"
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new), encoding="utf-8")
    with pytest.raises(SpecError) as raised:
        read_plan(load_specs(root))
    assert where in str(raised.value)


def test_a_run_refuses_a_bad_plan_spec_before_it_starts(tmp_path: Path) -> None:
    root = tmp_path / "specs"
    shutil.copytree(SPECS.root, root)
    path = root / "plan.yaml"
    path.write_text(
        path.read_text(encoding="utf-8").replace("default_sort: []", "default_sort: [urgency]")
    )
    users = {u.key: {"token": f"token-{u.key}"} for u in SPECS.users.required_users}
    profile = tmp_path / "sut.yaml"
    profile.write_text(
        yaml.safe_dump(
            {"product": "P", "version": "1", "base_url": "http://127.0.0.1:9", "users": users}
        )
    )
    with pytest.raises(SpecError) as raised:
        run_accreditation(profile, tmp_path / "out", specs_dir=root, echo=False)
    assert "plan.yaml" in str(raised.value)
    assert not (tmp_path / "out").exists(), "the run started"


# --- the pure rules ---------------------------------------------------------------------------


def test_only_the_owner_may_change_an_action_and_the_auditor_never_writes() -> None:
    matrix = load_access(SPECS)
    update = "PATCH /plan-actions/{action_id}"

    def refused(key: str, owner: str) -> bool:
        record = Record("A", shared=True, owner=owner)
        return access_refusal(matrix, update, actor(key), [record]) is not None

    assert not refused("sw_a", "A") and not refused("tm_a", "A")
    assert not refused("partner", "health")
    for key, owner in (("sw_b", "A"), ("tm_b", "A"), ("partner", "B"), ("sw_a", "health")):
        assert refused(key, owner), (key, owner)
    assert refused("auditor", "A") and refused("admin", "A")
    assert RULES.role("auditor").read and not RULES.role("auditor").write_actions
    assert not RULES.role("partner_agency").add_objectives


def test_an_agency_the_plan_does_not_own_is_refused_naming_access_yaml(tmp_path: Path) -> None:
    root = tmp_path / "specs"
    shutil.copytree(SPECS.root, root)
    access = root / "access.yaml"
    access.write_text(
        access.read_text(encoding="utf-8").replace("partner_agency: health", "partner_agency: A"),
        encoding="utf-8",
    )
    with pytest.raises(SpecError) as raised:
        read_plan(load_specs(root))
    assert "access.yaml" in str(raised.value) and "acts_for.partner_agency" in str(raised.value)


def test_a_query_filters_and_sorts_with_ties_by_id() -> None:
    actions = [
        facts(1, owner="B", priority="high"),
        facts(2, priority="low", due_date=date(2026, 2, 1)),
        facts(3, priority="high"),
        facts(4, priority="high", status="completed"),
        facts(5, owner="health", responsible="Orla Fernhollow"),
    ]
    query = parse_query(RULES, [("team", "A,B"), ("sort", "-priority,due_date")])
    assert isinstance(query, ActionQuery)
    assert query.sort == (SortTerm("priority", True), SortTerm("due_date"))
    assert [a.id for a in select_actions(RULES, actions, query)] == [1, 3, 4, 2]
    by_status = parse_query(RULES, [("sort", "-status")])
    assert isinstance(by_status, ActionQuery)
    assert [a.id for a in select_actions(RULES, actions, by_status)] == [4, 1, 2, 3, 5]
    ranged = parse_query(
        RULES,
        [("due_from", "2026-02-01"), ("due_to", "2026-02-01"), ("responsible", "Kit Oakhurst")],
    )
    assert isinstance(ranged, ActionQuery)
    assert [a.id for a in select_actions(RULES, actions, ranged)] == [2]
    assert [a.id for a in select_actions(RULES, actions, ActionQuery())] == [1, 2, 3, 4, 5]


@pytest.mark.parametrize(
    ("parameters", "named", "words"),
    [
        ([("team", "C")], "team", "not one of A, B, health"),
        ([("status", "in_progress,done")], "status", "'done'"),
        ([("teams", "A")], "teams", "did you mean 'team'"),
        ([("team", "A"), ("team", "B")], "team", "more than once"),
        ([("sort", "due")], "sort", "not a sort key"),
        ([("sort", "status,-status")], "sort", "more than once"),
        ([("sort", "")], "sort", "not a sort key"),
        ([("due_from", "2026-02-30")], "due_from", "not a calendar date"),
        ([("due_to", "01/02/2026")], "due_to", "not a calendar date"),
        ([("due_from", "2026-03-02"), ("due_to", "2026-03-01")], "due_to", "before"),
        ([("responsible", "")], "responsible", "empty"),
    ],
)
def test_a_bad_query_names_the_parameter(
    parameters: list[tuple[str, str]], named: str, words: str
) -> None:
    problem = parse_query(RULES, parameters)
    assert isinstance(problem, QueryProblem)
    assert problem.parameter == named and words in problem.problem


# --- the routes -------------------------------------------------------------------------------


def plan_with_action(
    api: Api, owner: str = "A", user: str = "sw_a"
) -> tuple[int, int, dict[str, Any]]:
    child = api.child()
    # Shared with the partner agency, which owns actions of the plan (access.yaml: its reach).
    ok(api.as_user("sw_a").request("PUT", f"/children/{child['id']}/sharing", {"shared": True}))
    objective = created(
        api.as_user("sw_a").post(f"/children/{child['id']}/plan/objectives", {"title": "Safe home"})
    )
    action = created(
        api.as_user(user).post(
            f"/children/{child['id']}/plan/objectives/{objective['id']}/actions",
            {
                "title": "Arrange a school nurse visit",
                "owner": owner,
                "responsible": "Kit Oakhurst",
                "due_date": "2026-03-01",
                "priority": "high",
            },
        )
    )
    return child["id"], objective["id"], action


def test_a_plan_reads_back_as_built(api: Api) -> None:
    child_id, objective_id, action = plan_with_action(api)
    assert action["status"] == RULES.statuses[0] and action["version"] == 1
    plan = ok(api.as_user("auditor").get(f"/children/{child_id}/plan"))
    assert plan["child_id"] == child_id
    assert [o["id"] for o in plan["objectives"]] == [objective_id]
    assert plan["objectives"][0]["actions"] == [action]
    assert ok(api.as_user("partner").get(f"/plan-actions/{action['id']}")) == action


def test_an_update_rises_the_version_and_a_stale_one_is_refused(api: Api) -> None:
    _, _, action = plan_with_action(api)
    path = f"/plan-actions/{action['id']}"
    done = ok(api.as_user("tm_a").patch(path, {"version": 1, "status": "completed"}))
    assert done["version"] == 2 and done["status"] == "completed" and done["updated_by"] == "tm_a"
    body = assert_error(
        api.as_user("sw_a").patch(path, {"version": 1, "status": "blocked"}),
        409,
        "version_conflict",
    )
    assert "current version is 2" in body["message"]
    assert ok(api.as_user("sw_a").get(path)) == done


@pytest.mark.parametrize("user", ["sw_b", "tm_b", "partner"])
def test_another_owner_cannot_change_an_action(api: Api, user: str) -> None:
    _, _, action = plan_with_action(api)
    path = f"/plan-actions/{action['id']}"
    assert_error(
        api.as_user(user).patch(path, {"version": 1, "status": "completed"}), 403, "forbidden"
    )
    assert ok(api.as_user("sw_a").get(path)) == action


@pytest.mark.parametrize("user", ["auditor", "admin"])
def test_the_auditor_and_the_administrator_only_read(api: Api, user: str) -> None:
    child_id, _, action = plan_with_action(api)
    who = api.as_user(user)
    assert_error(
        who.patch(f"/plan-actions/{action['id']}", {"version": 1, "status": "blocked"}),
        403,
        "forbidden",
    )
    assert_error(
        who.post(f"/children/{child_id}/plan/objectives", {"title": "X"}), 403, "forbidden"
    )
    assert len(ok(who.get(f"/children/{child_id}/plan"))["objectives"]) == 1


def test_the_partner_agency_keeps_its_own_actions(api: Api) -> None:
    _, _, action = plan_with_action(api, owner="health", user="partner")
    path = f"/plan-actions/{action['id']}"
    assert (
        ok(api.as_user("partner").patch(path, {"version": 1, "status": "in_progress"}))["version"]
        == 2
    )
    assert_error(
        api.as_user("sw_a").patch(path, {"version": 2, "status": "blocked"}), 403, "forbidden"
    )


@pytest.mark.parametrize(
    ("change", "status", "field"),
    [
        ({"owner": "B"}, 403, None),  # an action in another team's name
        ({"owner": "C"}, 422, "body.owner"),
        ({"priority": "urgent"}, 422, "body.priority"),
        ({"status": "done"}, 422, "body.status"),
        ({"due_date": "1999-12-31"}, 422, "body.due_date"),
        ({"due_date": "2100-01-01"}, 422, "body.due_date"),
        ({"due_date": "2026-02-30"}, 422, "body.due_date"),
        ({"responsible": ""}, 422, "body.responsible"),
        ({"title": "   "}, 422, "body.title"),
        ({"colour": "red"}, 422, "body.colour"),
    ],
)
def test_a_bad_new_action_is_refused_and_nothing_stored(
    api: Api, change: dict[str, Any], status: int, field: str | None
) -> None:
    child_id, objective_id, _ = plan_with_action(api)
    body = {
        "title": "Referral to CAMHS",
        "owner": "A",
        "responsible": "Kit Oakhurst",
        "due_date": "2026-04-01",
        "priority": "low",
    } | change
    answer = api.as_user("sw_a").post(
        f"/children/{child_id}/plan/objectives/{objective_id}/actions", body
    )
    error = assert_error(answer, status, "forbidden" if status == 403 else "invalid_request")
    if field is not None:
        assert error["details"][0]["field"] == field
    assert len(ok_list(api.as_user("sw_a").get(f"/children/{child_id}/plan/actions"))) == 1


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"status": "done"}, "body.status"),
        ({"due_date": "2100-01-01"}, "body.due_date"),
        ({"priority": None}, "body.priority"),
        ({"owner": "B"}, "body.owner"),
        ({}, "body"),
    ],
)
def test_a_bad_update_is_refused_and_nothing_changes(
    api: Api, change: dict[str, Any], field: str
) -> None:
    _, _, action = plan_with_action(api)
    path = f"/plan-actions/{action['id']}"
    error = assert_error(
        api.as_user("sw_a").patch(path, {"version": 1} | change), 422, "invalid_request"
    )
    assert error["details"][0]["field"] == field
    assert ok(api.as_user("sw_a").get(path)) == action


def test_unknown_ids_are_not_found(api: Api) -> None:
    child_id, objective_id, action = plan_with_action(api)
    other = api.child()
    sw_a = api.as_user("sw_a")
    new = {
        "title": "T",
        "owner": "A",
        "responsible": "Kit",
        "due_date": "2026-01-01",
        "priority": "low",
    }
    assert_error(sw_a.get("/children/999999/plan"), 404, "not_found")
    assert_error(sw_a.get("/children/999999/plan/actions"), 404, "not_found")
    assert_error(sw_a.post("/children/999999/plan/objectives", {"title": "T"}), 404, "not_found")
    assert_error(
        sw_a.post(f"/children/{child_id}/plan/objectives/999999/actions", new), 404, "not_found"
    )
    # An objective of another child's plan is not found in this one.
    assert_error(
        sw_a.post(f"/children/{other['id']}/plan/objectives/{objective_id}/actions", new),
        404,
        "not_found",
    )
    assert_error(sw_a.get("/plan-actions/999999"), 404, "not_found")
    assert_error(sw_a.get(f"/plan-actions/{2**63}"), 404, "not_found")
    assert_error(
        sw_a.patch("/plan-actions/999999", {"version": 1, "status": "blocked"}), 404, "not_found"
    )
    assert ok(sw_a.get(f"/children/{other['id']}/plan"))["objectives"] == []
    assert ok(sw_a.get(f"/plan-actions/{action['id']}")) == action


def test_a_bad_list_query_is_refused_with_422_naming_the_parameter(api: Api) -> None:
    child_id, _, _ = plan_with_action(api)
    answer = api.as_user("sw_a").request(
        "GET", f"/children/{child_id}/plan/actions", params={"sort": "due_date,urgency"}
    )
    body = assert_error(answer, 422, "invalid_request")
    assert body["details"][0]["field"] == "sort" and "urgency" in body["message"]


def test_list_filters_and_sorts_over_http(api: Api) -> None:
    child_id, objective_id, first = plan_with_action(api)
    second = created(
        api.as_user("sw_b").post(
            f"/children/{child_id}/plan/objectives/{objective_id}/actions",
            {
                "title": "Housing",
                "owner": "B",
                "responsible": "Huw Dunmere",
                "due_date": "2026-02-01",
                "priority": "low",
            },
        )
    )
    listed = ok_list(
        api.as_user("sw_a").request(
            "GET", f"/children/{child_id}/plan/actions", params={"sort": "due_date"}
        )
    )
    assert [a["id"] for a in listed] == [second["id"], first["id"]]
    only_a = ok_list(
        api.as_user("sw_a").request(
            "GET", f"/children/{child_id}/plan/actions", params={"team": "A"}
        )
    )
    assert [a["id"] for a in only_a] == [first["id"]]


# --- scenarios of the planted faults (rows of tests/reference/test_faults.py) -------------------


def listed_for_team_b(api: Api) -> Any:
    """plan-filter-ignores-team: how many actions a list for team B gives (one is B's)."""
    child_id, objective_id, _ = plan_with_action(api)
    plan_with_action_under(api, child_id, objective_id, "B", "sw_b")
    listed = api.as_user("sw_a").request(
        "GET", f"/children/{child_id}/plan/actions", params={"team": "B"}
    )
    return len(ok_list(listed))


def equal_actions_in_id_order(api: Api) -> Any:
    """plan-sort-unstable: whether two equal actions list in id order."""
    child_id, objective_id, _ = plan_with_action(api)
    plan_with_action_under(api, child_id, objective_id, "A", "sw_a")
    listed = ok_list(api.as_user("sw_a").get(f"/children/{child_id}/plan/actions"))
    ids = [a["id"] for a in listed]
    return len(ids) == 2 and ids == sorted(ids)


def other_team_changes_an_action(api: Api) -> Any:
    """plan-cross-team-write: the answer to team B changing team A's action."""
    _, _, action = plan_with_action(api)
    change = {"version": 1, "status": "completed"}
    return api.as_user("sw_b").patch(f"/plan-actions/{action['id']}", change).status_code


def two_updates_on_one_version(api: Api) -> Any:
    """plan-lost-update: the answers to two updates made on the same version."""
    _, _, action = plan_with_action(api)
    path = f"/plan-actions/{action['id']}"
    return [
        api.as_user(user).patch(path, {"version": 1, "responsible": user}).status_code
        for user in ("sw_a", "tm_a")
    ]


def plan_with_action_under(
    api: Api, child_id: int, objective_id: int, owner: str, user: str
) -> dict[str, Any]:
    return created(
        api.as_user(user).post(
            f"/children/{child_id}/plan/objectives/{objective_id}/actions",
            {
                "title": "Arrange a school nurse visit",
                "owner": owner,
                "responsible": "Kit Oakhurst",
                "due_date": "2026-03-01",
                "priority": "high",
            },
        )
    )
