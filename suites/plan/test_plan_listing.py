"""Filtering and sorting the plan (PLN-001): every list the SUT gives equals the one the harness
computes from specs/plan.yaml.

Hypothesis generates a plan (objectives; actions of every owner, due on a few nearby days with
few responsible people, so that equal sort keys are common; later edits by the owners) and list
queries (any filters of the spec, any sort of its keys in either direction, or none). The
harness builds the plan over HTTP as the owners' own users, keeps its own model of every action
as the SUT accepted it, and compares each list with the ids it computes itself: filters, then
the spec's sort orders with its tie-break (`plan_case.expected_ids`). A mismatch is shrunk to
the smallest plan and query; the message shows both lists and the actions.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import pytest
from hypothesis import HealthCheck, given, seed, settings
from hypothesis import strategies as st
from hypothesis.internal.conjecture import engine
from plan.plan_case import (
    RESPONSIBLE,
    Plan,
    action_body,
    add_action,
    add_objective,
    expected_ids,
    list_path,
    new_plan,
    readers,
    writers,
)

from accredit.plan_spec import ANY_OF, EQUALS, ON_OR_AFTER, PlanSpec, read_plan
from accredit.specs import SpecBundle
from accredit.sut import Recorder, SutClient

from steps import expect, precondition

#: Generated plans per run profile: the full count is the authority's; smoke is a supplier's CI.
EXAMPLES = {"smoke": 12, "full": 50}
#: The most time hypothesis spends shrinking a failure over HTTP.
SHRINK_SECONDS = 15
#: Due dates are a few days from this one, so that equal due dates are common.
ANCHOR = date(2026, 3, 2)
DUE_DAYS = 4
MAX_OBJECTIVES, MAX_ACTIONS, MAX_EDITS, MAX_QUERIES = 3, 9, 3, 4
#: The fields a later edit may change.
EDITABLE = ("status", "priority", "due_date", "responsible")


@dataclass(frozen=True)
class ActionPlan:
    objective: int
    owner: str
    writer: int  # which of the owner's writers adds it
    responsible: str
    due: date
    priority: str
    status: str


@dataclass(frozen=True)
class Edit:
    action: int
    field: str
    value: str


@dataclass(frozen=True)
class PlanCase:
    objectives: int
    actions: tuple[ActionPlan, ...]
    edits: tuple[Edit, ...]
    queries: tuple[tuple[tuple[str, str], ...], ...]
    reader: str


def _value(draw: st.DrawFn, rules: PlanSpec, name: str) -> str:
    if name == "due_date":
        return (ANCHOR + timedelta(days=draw(st.integers(0, DUE_DAYS)))).isoformat()
    if name == "responsible":
        return draw(st.sampled_from(RESPONSIBLE))
    return draw(st.sampled_from(rules.vocabulary(name)))


@st.composite
def queries(draw: st.DrawFn, rules: PlanSpec) -> tuple[tuple[str, str], ...]:
    """Return the query parameters of one list: some filters of the spec, perhaps a sort."""
    parameters: list[tuple[str, str]] = []
    dates: dict[str, date] = {}
    for name, spec_filter in rules.filters.items():
        if not draw(st.booleans()):
            continue
        if spec_filter.match == ANY_OF:
            values = draw(st.sets(st.sampled_from(rules.vocabulary(spec_filter.field)), min_size=1))
            parameters.append((name, ",".join(sorted(values))))
        elif spec_filter.match == EQUALS:
            parameters.append((name, draw(st.sampled_from(RESPONSIBLE))))
        else:
            dates[name] = ANCHOR + timedelta(days=draw(st.integers(-1, DUE_DAYS + 1)))
    if len(dates) == 2:  # a range that ends before it starts is a bad query, tested elsewhere
        low, high = sorted(dates.values())
        for name in dates:
            dates[name] = low if rules.filters[name].match == ON_OR_AFTER else high
    parameters += [(name, day.isoformat()) for name, day in dates.items()]
    if draw(st.booleans()):
        keys = draw(st.lists(st.sampled_from(list(rules.sort_keys)), unique=True, max_size=3))
        if keys:
            terms = [("-" if draw(st.booleans()) else "") + key for key in keys]
            parameters.append((rules.sort_parameter, ",".join(terms)))
    return tuple(draw(st.permutations(parameters)))


@st.composite
def plan_cases(draw: st.DrawFn, specs: SpecBundle, rules: PlanSpec) -> PlanCase:
    """Return a plan to build, the edits to make to it and the lists to read."""
    owners = [owner for owner, users in writers(specs, rules).items() if users]
    objectives = draw(st.integers(1, MAX_OBJECTIVES))
    actions = tuple(
        ActionPlan(
            objective=draw(st.integers(0, objectives - 1)),
            owner=draw(st.sampled_from(owners)),
            writer=draw(st.integers(0, 9)),
            responsible=_value(draw, rules, "responsible"),
            due=date.fromisoformat(_value(draw, rules, "due_date")),
            priority=_value(draw, rules, "priority"),
            status=_value(draw, rules, "status"),
        )
        for _ in range(draw(st.integers(1, MAX_ACTIONS)))
    )
    edits = []
    for _ in range(draw(st.integers(0, MAX_EDITS))):
        name = draw(st.sampled_from(EDITABLE))
        edits.append(Edit(draw(st.integers(0, len(actions) - 1)), name, _value(draw, rules, name)))
    return PlanCase(
        objectives=objectives,
        actions=actions,
        edits=tuple(edits),
        queries=tuple(draw(st.lists(queries(rules), min_size=1, max_size=MAX_QUERIES))),
        reader=draw(st.sampled_from(readers(specs, rules))),
    )


def build(
    sut: SutClient, specs: SpecBundle, rules: PlanSpec, case: PlanCase, rng: random.Random
) -> Plan:
    """Build the case's plan in the SUT as the owners' own users and make its edits; return
    the harness's model of it."""
    plan = new_plan(sut, specs, rules, rng)
    objective_ids = [
        add_objective(sut, specs, rules, plan, f"Objective {i + 1}") for i in range(case.objectives)
    ]
    by_owner = writers(specs, rules)
    order: list[int] = []
    for i, planned in enumerate(case.actions):
        users = by_owner[planned.owner]
        body = action_body(
            f"Action {i + 1}",
            planned.owner,
            planned.responsible,
            planned.due,
            planned.priority,
            planned.status,
        )
        action = add_action(
            sut, users[planned.writer % len(users)], plan, objective_ids[planned.objective], body
        )
        order.append(action["id"])
    for edit in case.edits:
        current = plan.actions[order[edit.action]]
        users = by_owner[current["owner"]]
        updated = precondition(
            sut.as_user(users[0]).patch(
                f"/plan-actions/{current['id']}",
                {"version": current["version"], edit.field: edit.value},
            ),
            200,
            f"edit the {edit.field} of action {current['id']} as {users[0]}",
        )
        plan.actions[current["id"]] = updated
    return plan


def _report(
    plan: Plan, parameters: tuple[tuple[str, str], ...], expected: list[int], got: list[Any]
) -> str:
    lines = [
        f"GET {list_path(plan.child_id, parameters)}",
        f"expected ids {expected}",
        f"got ids      {got}",
        "the plan's actions (as the SUT accepted them):",
    ]
    for action in plan.actions.values():
        lines.append(
            f"  {action['id']}: owner {action['owner']}, status {action['status']}, priority "
            f"{action['priority']}, due {action['due_date']}, responsible {action['responsible']}"
        )
    return "\n".join(lines)


def check_case(
    sut: SutClient, specs: SpecBundle, rules: PlanSpec, case: PlanCase, rng: random.Random
) -> None:
    """Build the plan, read every list of the case, compare each with the expected one."""
    plan = build(sut, specs, rules, case, rng)
    for parameters in case.queries:
        listed = sut.as_user(case.reader).get(list_path(plan.child_id, parameters))
        expect(listed, 200, what="list the plan's actions")
        body = listed.json()
        assert isinstance(body, list), f"the list is not a JSON array: {listed.text[:200]!r}"
        got = [a.get("id") if isinstance(a, dict) else a for a in body]
        expected = expected_ids(rules, list(plan.actions.values()), parameters)
        assert got == expected, _report(plan, parameters, expected, got)
        for action in body:
            model = plan.actions[action["id"]]
            differ = [f for f in model if model[f] != action.get(f)]
            assert not differ, (
                f"action {action['id']} is listed with other values of {differ}: {action}"
            )


@pytest.mark.requirement("PLN-001")
@pytest.mark.evidence(200)
def test_every_filtered_and_sorted_list_equals_the_one_computed_from_the_spec(
    sut: SutClient,
    specs: SpecBundle,
    recorder: Recorder,
    seed: int,
    run_profile: str,
    rng: random.Random,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """For every generated plan and query, the SUT lists exactly the actions that pass the
    spec's filters, in the order of the spec's sort keys, ties by its tie-break."""
    rules = read_plan(specs)
    monkeypatch.setattr(engine, "MAX_SHRINKING_SECONDS", SHRINK_SECONDS)

    @given(plan_cases(specs, rules))
    @settings(
        max_examples=EXAMPLES[run_profile],
        deadline=None,
        database=None,
        report_multiple_bugs=False,
        suppress_health_check=list(HealthCheck),
        print_blob=True,
    )
    def example(case: PlanCase) -> None:
        recorder.take()  # the evidence of a failure is its own (shrunk) example alone
        check_case(sut, specs, rules, case, rng)

    seeded(example, seed)()


def seeded(test: Any, run_seed: int) -> Any:
    return seed(run_seed)(test)


def bad_queries(rules: PlanSpec) -> list[tuple[str, list[tuple[str, str]]]]:
    """Return (the parameter to be named, the query) for each kind of bad list query."""
    cases: list[tuple[str, list[tuple[str, str]]]] = []
    for name, spec_filter in rules.filters.items():
        if spec_filter.match == ANY_OF:
            first = rules.vocabulary(spec_filter.field)[0]
            cases.append((name, [(name, f"{first},no_such_{spec_filter.field}")]))
        elif spec_filter.match != EQUALS:
            cases.append((name, [(name, "2026-02-30")]))
    dated = [n for n, f in rules.filters.items() if f.match not in (ANY_OF, EQUALS)]
    if len(dated) == 2:
        start, end = sorted(dated, key=lambda n: rules.filters[n].match != ON_OR_AFTER)
        cases.append(
            (end, [(start, ANCHOR.isoformat()), (end, (ANCHOR - timedelta(days=1)).isoformat())])
        )
    keys = list(rules.sort_keys)
    cases.append((rules.sort_parameter, [(rules.sort_parameter, f"{keys[0]},no_such_key")]))
    cases.append((rules.sort_parameter, [(rules.sort_parameter, f"{keys[0]},-{keys[0]}")]))
    cases.append(("no_such_filter", [("no_such_filter", "x")]))
    return cases


@pytest.mark.requirement("PLN-001")
def test_a_bad_list_query_is_refused_naming_the_parameter(
    sut: SutClient, specs: SpecBundle, rng: random.Random
) -> None:
    """An unknown filter value, parameter or sort key, a repeated key, an impossible date and a
    range that ends before it starts are each refused with 422 naming the parameter."""
    rules = read_plan(specs)
    plan = new_plan(sut, specs, rules, rng)
    reader = readers(specs, rules)[0]
    for parameter, query in bad_queries(rules):
        answer = sut.as_user(reader).get(list_path(plan.child_id, query))
        expect(answer, 422, what=f"list with {query}")
        assert parameter in answer.text, (
            f"the refusal of {query} does not name {parameter!r}: {answer.text[:300]!r}"
        )
