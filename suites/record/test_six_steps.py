"""The six steps of the Assessment Framework in a core assessment: evidence keeps its
objective or subjective mark (ASM-001); one read of a need gives its evidence, analysis, plan
actions, planned outcome and the outcomes recorded at review (ASM-002). Bad input is refused
with a 4xx naming the field, and nothing of it is stored.

A need's actions are actions of the child's plan (specs/record.yaml `plan_action_path`), built
through the plan's routes; a read of the need gives each as the plan holds it now, beside the
snapshot of its text given when it was linked.
"""

from __future__ import annotations

import random
from typing import Any

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import seed as seeded
from hypothesis import strategies as st
from record.record_case import (
    add_evidence,
    add_need,
    answered_assessment,
    approve,
    plan_action,
    record_rules,
    update_plan_action,
)

from accredit.plan_spec import read_plan
from accredit.plugin import Recorder
from accredit.specs import SpecBundle
from accredit.sut import SutClient

from steps import AUTHOR, expect, precondition

#: Generated examples per run profile.
EXAMPLES = {"smoke": 3, "full": 12}
#: The longest text the contract keeps whole (FUN-004's promise for case notes).
LONGEST_TEXT = 32_000


def _marks(listed: list[Any]) -> list[tuple[Any, Any]]:
    return [(e.get("id"), e.get("kind")) for e in listed]


@pytest.mark.requirement("ASM-001")
def test_every_evidence_item_keeps_its_mark(
    sut: SutClient,
    specs: SpecBundle,
    rng: random.Random,
    seed: int,
    run_profile: str,
    recorder: Recorder,
) -> None:
    """Items of every kind, added in generated orders, list back with the mark each was given,
    and a need shows each of its items with that mark too."""
    rules = record_rules(specs)
    client = sut.as_user(AUTHOR)
    form = answered_assessment(client, specs, rng)
    given_marks: list[tuple[int, str]] = []

    @given(st.lists(st.sampled_from(rules.steps.evidence_kinds), min_size=1, max_size=5))
    @example(list(reversed(rules.steps.evidence_kinds)))
    @settings(
        max_examples=EXAMPLES[run_profile],
        deadline=None,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    def check(kinds: list[str]) -> None:
        recorder.take()
        for kind in kinds:
            text = f"{kind.title()} evidence {len(given_marks) + 1}: seen at the visit."
            item = add_evidence(client, form, kind, text)
            assert item.get("kind") == kind, f"added as {kind}, answered {item.get('kind')!r}"
            given_marks.append((item["id"], kind))
        listed = client.get(f"/forms/{form['id']}/evidence")
        expect(listed, 200, what="list the evidence")
        assert _marks(listed.json()) == given_marks, (
            f"expected the items with their marks {given_marks}; got {_marks(listed.json())}"
        )
        need = add_need(client, form, evidence_ids=[i for i, _ in given_marks[-len(kinds) :]])
        shown = {e.get("id"): e.get("kind") for e in need.get("evidence", [])}
        wrong = {i: (k, shown[i]) for i, k in given_marks if i in shown and shown[i] != k}
        assert not wrong, f"a need shows items with another mark (given, shown): {wrong}"

    seeded(seed)(check)()


@pytest.mark.requirement("ASM-001")
@pytest.mark.parametrize("problem", ["unknown kind", "empty text", "oversized text"])
def test_bad_evidence_is_refused_and_nothing_is_stored(
    sut: SutClient, specs: SpecBundle, rng: random.Random, problem: str
) -> None:
    """An evidence item of a kind outside the spec, or with an empty or oversized text, is
    refused with a 4xx naming the field; the evidence list stays as it was."""
    rules = record_rules(specs)
    client = sut.as_user(AUTHOR)
    form = answered_assessment(client, specs, rng)
    kind, text, field = rules.steps.evidence_kinds[0], "Seen at the visit.", "text"
    if problem == "unknown kind":
        kind, field = "hearsay_" + "_".join(rules.steps.evidence_kinds), "kind"
    elif problem == "empty text":
        text = ""
    else:
        text = "x" * (LONGEST_TEXT + 1)
    sent = client.post(
        f"/forms/{form['id']}/evidence", {"version": form["version"], "kind": kind, "text": text}
    )
    assert sent.status is not None and 400 <= sent.status < 500, (
        f"{problem}: expected a 4xx, got {sent.status}: {sent.text[:200]!r}"
    )
    assert field in sent.text, f"{problem}: the refusal does not name {field!r}: {sent.text[:300]}"
    listed = client.get(f"/forms/{form['id']}/evidence")
    expect(listed, 200, what="list the evidence")
    assert listed.json() == [], f"{problem}: an item was stored: {listed.json()}"


def _links(need: dict[str, Any]) -> dict[str, Any]:
    return {
        "need": need.get("need"),
        "analysis": need.get("analysis"),
        "evidence": [e.get("id") for e in need.get("evidence", [])],
        "actions": [(a.get("action_id"), a.get("text")) for a in need.get("actions", [])],
        "planned_outcome": need.get("planned_outcome"),
    }


def _as_planned(need: dict[str, Any]) -> list[tuple[Any, ...]]:
    return [
        (a.get("action_id"), a.get("title"), a.get("owner"), a.get("status"))
        for a in need.get("actions", [])
    ]


def _in_plan(actions: list[dict[str, Any]]) -> list[tuple[Any, ...]]:
    return [(a["id"], a["title"], a["owner"], a["status"]) for a in actions]


def _read_need(client: SutClient, form: dict[str, Any], need_id: int, after: str) -> Any:
    read = client.get(f"/forms/{form['id']}/needs/{need_id}")
    expect(read, 200, what=f"read the need after {after}")
    return read.json()


@pytest.mark.requirement("ASM-002")
def test_one_read_of_a_need_gives_its_evidence_analysis_actions_and_outcomes(
    sut: SutClient, specs: SpecBundle, rng: random.Random
) -> None:
    """A need reads back with exactly the evidence, analysis, actions and planned outcome
    sent, after creation and after each change of one part, each action with its title, owner
    and status as the plan holds them; once the assessment is approved, an actual outcome
    recorded at review reads with it, a later change of the plan shows in the need with its
    snapshot kept, and the form is unchanged."""
    rules = record_rules(specs)
    client = sut.as_user(AUTHOR)
    form = answered_assessment(client, specs, rng)
    kinds = rules.steps.evidence_kinds
    items = [
        add_evidence(client, form, kinds[i % len(kinds)], f"Evidence {i}: from the visit.")
        for i in range(3)
    ]
    planned = [
        plan_action(sut, specs, form["child_id"], title)
        for title in ("Refer the family to the food bank", "Visit at teatime weekly")
    ]
    actions = [a["id"] for a in planned]
    sent = {
        "need": "Meals every day of the week.",
        "analysis": "Food runs short late in the week; the parents ask for help.",
        "evidence": [items[2]["id"], items[0]["id"]],
        "actions": [(actions[0], "Refer the family to the food bank"), (actions[1], None)],
        "planned_outcome": "Three meals a day, every day, within a month.",
    }
    need = add_need(
        client,
        form,
        need=sent["need"],
        analysis=sent["analysis"],
        evidence_ids=sent["evidence"],
        planned_outcome=sent["planned_outcome"],
        actions=[{"action_id": a} | ({"text": t} if t else {}) for a, t in sent["actions"]],
    )
    for after, got in (
        ("creating it", need),
        ("reading it", _read_need(client, form, need["id"], "creation")),
    ):
        assert _links(got) == sent, f"after {after}: expected {sent}; got {_links(got)}"
        assert _as_planned(got) == _in_plan(planned), (
            f"after {after}: expected the actions as the plan holds them {_in_plan(planned)}; "
            f"got {_as_planned(got)}"
        )
    changes: list[tuple[str, dict[str, Any], dict[str, Any]]] = [
        (
            "changing its evidence",
            {"evidence_ids": [items[1]["id"]]},
            {"evidence": [items[1]["id"]]},
        ),
        (
            "changing its analysis",
            {"analysis": "Better since the referral."},
            {"analysis": "Better since the referral."},
        ),
        (
            "changing its actions",
            {"actions": [{"action_id": actions[1]}]},
            {"actions": [(actions[1], None)]},
        ),
    ]
    for after, body, changed in changes:
        saved = client.patch(
            f"/forms/{form['id']}/needs/{need['id']}", {"version": form["version"]} | body
        )
        expect(saved, 200, what=after)
        form["version"] = saved.json().get("form_version", form["version"])
        sent |= changed
        got = _read_need(client, form, need["id"], after)
        assert _links(got) == sent, f"after {after}: expected {sent}; got {_links(got)}"
    approved = approve(sut, specs, form)
    outcome = {"rating": rules.steps.outcome_ratings[-1], "text": "Meals most days; not all."}
    recorded = sut.as_user(AUTHOR).post(
        f"/forms/{form['id']}/needs/{need['id']}/outcomes", outcome | {"review_id": 1}
    )
    expect(recorded, 201, what="record the actual outcome at review")
    got = _read_need(client, form, need["id"], "the review")
    assert _links(got) == sent, f"after the review: expected {sent}; got {_links(got)}"
    outcomes = [(o.get("rating"), o.get("text")) for o in got.get("outcomes", [])]
    assert outcomes == [(outcome["rating"], outcome["text"])], (
        f"expected the outcome recorded at review; got {outcomes}"
    )
    statuses = read_plan(specs).statuses
    changed = update_plan_action(
        sut,
        specs,
        planned[1],
        title="Visit at teatime, twice a week",
        status=next(s for s in statuses if s != planned[1]["status"]),
    )
    got = _read_need(client, form, need["id"], "a change of the plan")
    assert _links(got) == sent, f"after a change of the plan: expected {sent}; got {_links(got)}"
    assert _as_planned(got) == _in_plan([changed]), (
        f"after a change of the plan: expected the action as the plan holds it now "
        f"{_in_plan([changed])}; got {_as_planned(got)}"
    )
    form_now = client.get(f"/forms/{form['id']}")
    expect(form_now, 200, what="read the approved assessment")
    assert form_now.json() == approved, "recording an outcome changed the approved assessment"


@pytest.mark.requirement("ASM-002")
def test_bad_need_links_are_refused_and_nothing_is_stored(
    sut: SutClient, specs: SpecBundle, rng: random.Random
) -> None:
    """A link to another assessment's evidence, to an unknown item, a repeated action, an
    action of another child's plan or an unknown action, or a read of an unknown need, is
    refused with a 4xx naming it; the assessment's needs stay as they were."""
    client = sut.as_user(AUTHOR)
    form, other = answered_assessment(client, specs, rng), answered_assessment(client, specs, rng)
    kind = record_rules(specs).steps.evidence_kinds[0]
    foreign = add_evidence(client, other, kind, "Another child's evidence.")
    own = plan_action(sut, specs, form["child_id"], "Refer the family to the food bank")
    theirs = plan_action(sut, specs, other["child_id"], "Another child's action")
    cases = [
        ("another assessment's evidence", {"evidence_ids": [foreign["id"]]}, "evidence_ids"),
        ("an unknown evidence item", {"evidence_ids": [2**40]}, "evidence_ids"),
        ("a repeated action", {"actions": [{"action_id": own["id"]}] * 2}, "actions"),
        ("another child's plan action", {"actions": [{"action_id": theirs["id"]}]}, "actions"),
        ("an unknown plan action", {"actions": [{"action_id": 2**40}]}, "actions"),
    ]
    for what, links, field in cases:
        sent = client.post(
            f"/forms/{form['id']}/needs", {"version": form["version"], "need": "x"} | links
        )
        assert sent.status is not None and 400 <= sent.status < 500, (
            f"{what}: expected a 4xx, got {sent.status}: {sent.text[:200]!r}"
        )
        assert field in sent.text, f"{what}: the refusal does not name {field}: {sent.text[:300]}"
    listed = precondition(client.get(f"/forms/{form['id']}/needs"), 200, "list the needs")
    assert listed == [], f"a refused need was stored: {listed}"
    unknown = client.get(f"/forms/{form['id']}/needs/{2**40}")
    expect(unknown, 404, what="read a need that does not exist")
