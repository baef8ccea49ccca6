"""Steps that build the case record the `record` suite checks: assessments with every asked
question answered (so no other rule of submission gets in the way), their evidence and needs,
case notes with links and flags, actions of the child's plan (built through the plan's routes,
with the plan suite's bodies) and the approval the lifecycle spec leads to.

Setting up is a precondition (a refusal skips the test with its reason); what a test checks is
asserted in the test itself.
"""

from __future__ import annotations

import random
from pathlib import Path
from typing import Any

import pytest
from plan.plan_case import Plan, action_body, add_action, add_objective, writers

from accredit.plan_spec import read_plan
from accredit.record_spec import RecordRules, load_record_rules
from accredit.specs import SpecBundle
from accredit.sut import SutClient

from steps import (
    AUTHOR,
    actor_for,
    answers_for,
    path_to_locked,
    precondition,
    save_answers,
    start_form,
)

#: The form kind whose six steps and answers the suite writes into.
ASSESSMENT = "core_assessment"
#: Invented words a generated phrase is made of: nothing a real record would hold by chance.
PHRASE_WORDS = (
    "amberlin",
    "brosk",
    "cellowick",
    "dunharrow",
    "elvanmoor",
    "fennick",
    "gorsedale",
    "hollyrinth",
    "iskamber",
    "jessamoor",
    "kelderby",
    "lunnock",
    "marrowdene",
    "nettlebrook",
)


def record_rules(specs: SpecBundle) -> RecordRules:
    """Return the case-record rules of the specs the run is checked against."""
    return load_record_rules(Path(specs.root))


def phrase(rng: random.Random, words: int = 2) -> str:
    """Return a generated phrase of invented words and a number, unique to this run."""
    return " ".join([*rng.sample(PHRASE_WORDS, words), str(rng.randrange(10**6, 10**7))])


def answered_assessment(
    client: SutClient,
    specs: SpecBundle,
    rng: random.Random,
    texts: dict[str, str] | None = None,
) -> dict[str, Any]:
    """Start a core assessment for a new child and answer every question its band asks (the
    long-text ones from `texts` where given); return the saved draft."""
    definition = specs.forms[ASSESSMENT]
    band = definition.bands[2 % len(definition.bands)]
    form = start_form(client, specs, rng, ASSESSMENT, band)
    answers = answers_for(definition, [q.id for q in definition.asked(band)]) | (texts or {})
    return precondition(save_answers(client, form, answers), 200, "answer every asked question")


def long_text_question(specs: SpecBundle, form: dict[str, Any]) -> str:
    """Return a long-text question the form's band asks."""
    definition = specs.forms[ASSESSMENT]
    return next(q.id for q in definition.asked(form["age_band"]) if q.type == "long_text")


def approve(sut: SutClient, specs: SpecBundle, form: dict[str, Any]) -> dict[str, Any]:
    """Take the form through the lifecycle to its locked state; return it."""
    for transition in path_to_locked(specs):
        actor = sut.as_user(actor_for(specs, transition, AUTHOR))
        body = {"reason": "Returned for more detail."} if transition.reason_required else {}
        form = precondition(
            actor.post(f"/forms/{form['id']}/{transition.action}", body),
            200,
            f"{transition.action} the assessment as {actor.user}",
        )
    return form


def add_evidence(client: SutClient, form: dict[str, Any], kind: str, text: str) -> dict[str, Any]:
    """Add an evidence item; keep the form's new version in `form`; return the item."""
    item = precondition(
        client.post(
            f"/forms/{form['id']}/evidence",
            {"version": form["version"], "kind": kind, "text": text},
        ),
        201,
        f"add a {kind} evidence item",
    )
    form["version"] = item.get("form_version", form["version"])
    return item


def add_need(client: SutClient, form: dict[str, Any], **fields: Any) -> dict[str, Any]:
    """Add a need; keep the form's new version in `form`; return the need as answered."""
    body = {"version": form["version"], "need": "A settled routine at bedtime."} | fields
    need = precondition(client.post(f"/forms/{form['id']}/needs", body), 201, "add a need")
    form["version"] = need.get("form_version", form["version"])
    return need


def record_note(client: SutClient, child_id: int, text: str, **fields: Any) -> dict[str, Any]:
    """Record a case note on the child; return it."""
    return precondition(
        client.post(f"/children/{child_id}/notes", {"text": text} | fields),
        201,
        "record a case note",
    )


def plan_action(
    sut: SutClient,
    specs: SpecBundle,
    child_id: int,
    title: str,
    objective: str = "Meals every day",
    responsible: str = "Kit Oakhurst",
) -> dict[str, Any]:
    """Add an objective to the child's plan and an action under it, owned by the first owner of
    specs/plan.yaml that a required user may write for (preconditions); return the action."""
    rules = read_plan(specs)
    owners = [(owner, users[0]) for owner, users in writers(specs, rules).items() if users]
    if not owners:
        pytest.skip(
            "precondition not met: specs/access.yaml lets no required user write a plan action, "
            "so no note or need can be linked to one"
        )
    owner, user = owners[0]
    plan = Plan(child_id=child_id)
    objective_id = add_objective(sut, specs, rules, plan, objective)
    body = action_body(
        title, owner, responsible, rules.earliest_due, rules.priorities[-1], rules.statuses[0]
    )
    return add_action(sut, user, plan, objective_id, body)


def update_plan_action(
    sut: SutClient, specs: SpecBundle, action: dict[str, Any], **changes: Any
) -> dict[str, Any]:
    """Change a plan action as a user of its owner, on its current version (a precondition);
    return it as changed."""
    user = writers(specs, read_plan(specs))[action["owner"]][0]
    return dict(
        precondition(
            sut.as_user(user).patch(
                f"/plan-actions/{action['id']}", {"version": action["version"]} | changes
            ),
            200,
            f"change plan action {action['id']} as {user}",
        )
    )
