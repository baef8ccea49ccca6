"""The case each usability task starts from, built through the contract, and the check that
the task was really done (through the contract, or on the final screen).

A task that clicks nothing and types nothing never passes: each case says what the product
holds, or shows, once the task is done, and `check` says what is missing when it is not. The
suite's conftest loads this module by its file (the folder shares its name with the harness's
`usability` package).
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from accredit.plan_spec import read_plan
from accredit.record_spec import load_record_rules
from accredit.specs import FormDefinition, SpecBundle
from accredit.sut import SutClient
from accredit.usability_spec import Task

from steps import (
    AUTHOR,
    GIVEN_NAMES,
    actor_for,
    answers_for,
    child_body,
    create_child,
    date_of_birth_aged,
    path_to_locked,
    precondition,
    save_answers,
)

__all__ = ["Case", "build_case"]

#: The form every task works on: the Core Assessment.
KIND = "core_assessment"


@dataclass(frozen=True)
class Case:
    """The inputs the task map's values draw on, and how to tell the task was done: `check`
    takes the final screen's text and the typed fields' values, and returns what is missing
    (None when the task was done)."""

    inputs: dict[str, str]
    check: Callable[[str, dict[str, str]], str | None]


def _form_started(client: SutClient, child_id: int) -> Any:
    return precondition(
        client.post("/forms", {"kind": KIND, "child_id": child_id}), 201, f"start a {KIND}"
    )


def _completed(client: SutClient, specs: SpecBundle, form: Any, own: dict[str, Any]) -> Any:
    """Answer every mandatory question (with `own` where given) and confirm anything copied."""
    definition = specs.forms[KIND]
    answers = answers_for(definition, definition.mandatory(form["age_band"])) | own
    form = precondition(save_answers(client, form, answers), 200, "save the mandatory answers")
    waiting = [q for q, p in form["provenance"].items() if p["prepopulated"]]
    if waiting:
        form = precondition(
            client.post(
                f"/forms/{form['id']}/confirmations",
                {"version": form["version"], "question_ids": waiting},
            ),
            200,
            "confirm the copied answers",
        )
    return form


def _through(sut: SutClient, specs: SpecBundle, form: Any, upto_lock: bool) -> Any:
    """Take a completed form through the lifecycle: to locked, or to the step before it."""
    path = path_to_locked(specs)
    for transition in path if upto_lock else path[:-1]:
        actor = sut.as_user(actor_for(specs, transition, AUTHOR))
        body = {"reason": "Returned for more detail."} if transition.reason_required else {}
        form = precondition(
            actor.post(f"/forms/{form['id']}/{transition.action}", body),
            200,
            f"{transition.action} the form as {actor.user}",
        )
    return form


def _words(text: str) -> str:
    return " ".join(text.split())


def _record_linked_note(sut: SutClient, specs: SpecBundle, rng: random.Random) -> Case:
    author = sut.as_user(AUTHOR)
    child = create_child(author, rng)
    form = _form_started(author, child["id"])
    note = f"Home visit: {child['given_name']} showed the worker a drawing of the new flat."

    def check(_screen: str, _fields: dict[str, str]) -> str | None:
        notes = precondition(author.get(f"/children/{child['id']}/notes"), 200, "read the notes")
        saved = [n for n in notes if n["text"] == note]
        if not saved:
            return f"no case note reading {note!r} on child {child['id']}'s record"
        listing = load_record_rules(specs.root).link_target("form").notes_path
        path = listing.replace("{form_id}", str(form["id"]))
        listed = precondition(author.get(path), 200, "read the assessment's notes")
        if not {n["id"] for n in listed} & {n["id"] for n in saved}:
            return f"the note was saved but form {form['id']} does not list it ({path})"
        return None

    inputs = {
        "child_id": str(child["id"]), "form_id": str(form["id"]),
        "form_title": specs.forms[KIND].title, "note_text": note,
    }  # fmt: skip
    return Case(inputs, check)


def _choice_question(definition: FormDefinition, band: str) -> str:
    """The first question asked in `band` that may come from both sources, previous and sibling."""
    for question in definition.asked(band):
        rules = {source.rule for source in question.prepopulate}
        if {"previous", "sibling"} <= rules and question.status.get(band) == "mandatory":
            return question.id
    raise LookupError(f"{definition.kind} has no mandatory question both sources may fill")


def _resolve_sibling_prepopulation(sut: SutClient, specs: SpecBundle, rng: random.Random) -> Case:
    author = sut.as_user(AUTHOR)
    definition = specs.forms[KIND]
    older = precondition(
        author.post("/children", child_body(rng, date_of_birth_aged(8))), 201, "create a child"
    )
    body = child_body(rng, date_of_birth_aged(6))
    body["given_name"] = rng.choice([n for n in GIVEN_NAMES if n != older["given_name"]])
    body["family_name"] = older["family_name"]
    child = precondition(author.post("/children", body), 201, "create a child")
    precondition(
        author.post("/sibling-groups", {"child_ids": [older["id"], child["id"]]}),
        201,
        "declare the siblings",
    )
    previous = _form_started(author, child["id"])
    question = _choice_question(definition, previous["age_band"])
    text = definition.question(question).text
    own = {question: f"{text}: as {child['given_name']}'s previous assessment found it."}
    previous = _through(sut, specs, _completed(author, specs, previous, own), upto_lock=True)
    sibling_form = _form_started(author, older["id"])
    theirs = {question: f"{text}: as {older['given_name']}'s assessment found it this month."}
    sibling_form = _through(
        sut, specs, _completed(author, specs, sibling_form, theirs), upto_lock=True
    )

    def check(_screen: str, _fields: dict[str, str]) -> str | None:
        forms = precondition(author.get(f"/children/{child['id']}/forms"), 200, "read the forms")
        started = [f for f in forms if f["kind"] == KIND and f["id"] > previous["id"]]
        if not started:
            return f"no new {KIND} for child {child['id']}"
        form = started[-1]
        chosen = form["provenance"].get(question) or {}
        if chosen.get("source_form_id") != sibling_form["id"] or not chosen.get("chosen"):
            return (
                f"{question}: expected the sibling's answer (form {sibling_form['id']}) chosen, "
                f"got provenance {chosen or 'none'}"
            )
        waiting = [q for q, p in form["provenance"].items() if p["prepopulated"]]
        if waiting:
            return f"copied answers still unconfirmed: {', '.join(waiting)}"
        return None

    inputs = {
        "child_id": str(child["id"]), "sibling_given_name": older["given_name"],
        "sibling_form_id": str(sibling_form["id"]), "previous_form_id": str(previous["id"]),
        "question_text": text,
    }  # fmt: skip
    return Case(inputs, check)


_PHRASE = "missed the dentist appointment"
_OTHER_NOTES = (
    "Telephone call with the school: attendance is better this term.",
    "Visit to the grandparents; the garden is being tidied for the summer.",
    "Contact session went well; {name} asked to see the puppy again.",
)
_MENTIONS = (
    "Mother said {name} missed the dentist appointment because the bus did not come (visit {n}).",
    "Health visitor: {name} Missed the dentist appointment, again; a new date is booked ({n}).",
    "{name} told the worker they missed the dentist appointment on purpose (call {n}).",
)


def _find_every_mention(sut: SutClient, specs: SpecBundle, rng: random.Random) -> Case:
    author = sut.as_user(AUTHOR)
    child = create_child(author, rng)
    name = child["given_name"]
    texts = [t.format(name=name, n=rng.randint(100, 999)) for t in _MENTIONS]
    others = [t.format(name=name) for t in _OTHER_NOTES]
    for text in [others[0], texts[0], others[1], texts[1], others[2], texts[2]]:
        precondition(
            author.post(f"/children/{child['id']}/notes", {"text": text}), 201, "record a note"
        )
    form = _form_started(author, child["id"])
    answer = f"Dental health is a worry: {name} missed the dentist appointment in the spring."
    precondition(save_answers(author, form, {"health": answer}), 200, "answer a question")
    mentions = [*texts, answer]

    def check(screen: str, _fields: dict[str, str]) -> str | None:
        shown = _words(screen)
        missing = [m for m in mentions if _words(m) not in shown]
        if missing:
            return (
                f"{len(missing)} of the {len(mentions)} mentions of {_PHRASE!r} are not on the "
                f"final screen: {missing[0]!r}"
            )
        return None

    return Case({"child_id": str(child["id"]), "phrase": _PHRASE}, check)


def _approve_assessment(sut: SutClient, specs: SpecBundle, rng: random.Random) -> Case:
    author = sut.as_user(AUTHOR)
    child = create_child(author, rng)
    form = _completed(author, specs, _form_started(author, child["id"]), {})
    form = _through(sut, specs, form, upto_lock=False)

    def check(_screen: str, _fields: dict[str, str]) -> str | None:
        read = precondition(author.get(f"/forms/{form['id']}"), 200, "read the assessment")
        if not specs.lifecycle.state(read["status"]).locked:
            return f"form {form['id']} is {read['status']!r}, not approved"
        return None

    inputs = {
        "child_id": str(child["id"]), "form_id": str(form["id"]),
        "form_title": specs.forms[KIND].title,
    }  # fmt: skip
    return Case(inputs, check)


_SENTENCES = (
    "{name} was at home with their mother when the worker arrived.",
    "The flat was warm and there was food in the cupboards.",
    "Mother talked about the move and about the new school's support.",
    "{name} showed the worker their room and the drawings on the wall.",
    "They talked about friends, football and the weekend with dad.",
    "The worker asked about the bruise reported by the school last week.",
    "Mother said it happened in the park; {name} said the same, unprompted.",
)


def _draft_survives_expiry(sut: SutClient, specs: SpecBundle, rng: random.Random) -> Case:
    author = sut.as_user(AUTHOR)
    child = create_child(author, rng)
    name = child["given_name"]
    first = " ".join(s.format(name=name) for s in _SENTENCES) + " "
    second = "Next visit in two weeks; " + rng.choice(["call", "text"]) + " mother first."

    def check(_screen: str, fields: dict[str, str]) -> str | None:
        typed = first + second
        value = fields.get("type_first_part")
        if value is None:
            return "the note's field is not on the final screen"
        if value != typed:
            kept = _common_prefix(value, typed)
            return (
                f"expected all {len(typed)} characters typed, got {len(value)}: "
                f"{len(typed) - kept} lost from character {kept + 1}"
            )
        return None

    return Case({"child_id": str(child["id"]), "first_part": first, "second_part": second}, check)


def _common_prefix(a: str, b: str) -> int:
    length = 0
    for x, y in zip(a, b, strict=False):
        if x != y:
            break
        length += 1
    return length


def _update_and_filter_plan(sut: SutClient, specs: SpecBundle, rng: random.Random) -> Case:
    plan = read_plan(specs)
    author = sut.as_user(AUTHOR)
    team = specs.users.user(AUTHOR).team
    other_user = next(
        u for u in specs.users.required_users if u.role == specs.users.user(AUTHOR).role
        and u.team not in (None, team)
    )  # fmt: skip
    child = create_child(author, rng)
    objective = precondition(
        author.post(f"/children/{child['id']}/plan/objectives", {"title": "Safe at home"}),
        201,
        "add an objective to the plan",
    )
    due = date_of_birth_aged(0).replace(year=date_of_birth_aged(0).year + 1).isoformat()
    titles = {
        team: ["Weekly visit by the social worker", "Referral to the family centre"],
        other_user.team: ["Parenting course place", "School attendance review"],
    }
    actions: dict[str, list[Any]] = {}
    for owner, names in titles.items():
        writer = sut.as_user(AUTHOR if owner == team else other_user.key)
        for name in names:
            body = {
                "title": name, "owner": owner, "responsible": f"Worker of team {owner}",
                "due_date": due, "priority": plan.priorities[0],
            }  # fmt: skip
            actions.setdefault(str(owner), []).append(
                precondition(
                    writer.post(
                        f"/children/{child['id']}/plan/objectives/{objective['id']}/actions", body
                    ),
                    201,
                    f"add an action of team {owner}",
                )
            )
    mine = actions[str(team)][0]
    new_status = next(s for s in plan.statuses if s != mine["status"])

    def check(screen: str, _fields: dict[str, str]) -> str | None:
        read = precondition(author.get(f"/plan-actions/{mine['id']}"), 200, "read the action")
        if read["status"] != new_status:
            return f"action {mine['id']} is {read['status']!r}, not {new_status!r}"
        shown = _words(screen)
        missing = [a["title"] for a in actions[str(team)] if a["title"] not in shown]
        others = [a["title"] for a in actions[str(other_user.team)] if a["title"] in shown]
        if missing or others:
            return (
                f"the plan filtered to team {team} should list {titles[team]} and no other "
                f"team's action; missing {missing}, other teams' shown {others}"
            )
        return None

    inputs = {
        "child_id": str(child["id"]), "action_title": mine["title"], "new_status": new_status,
        "team": str(team),
    }  # fmt: skip
    return Case(inputs, check)


def _need_on_one_screen(sut: SutClient, specs: SpecBundle, rng: random.Random) -> Case:
    plan = read_plan(specs)
    rules = load_record_rules(specs.root)
    author = sut.as_user(AUTHOR)
    child = create_child(author, rng)
    name = child["given_name"]
    objective = precondition(
        author.post(f"/children/{child['id']}/plan/objectives", {"title": "Health"}),
        201,
        "add an objective to the plan",
    )
    due = date_of_birth_aged(0).replace(year=date_of_birth_aged(0).year + 1).isoformat()
    action = precondition(
        author.post(
            f"/children/{child['id']}/plan/objectives/{objective['id']}/actions",
            {
                "title": f"Book {name}'s dental check-up",
                "owner": specs.users.user(AUTHOR).team,
                "responsible": "Mother, with the health visitor",
                "due_date": due,
                "priority": plan.priorities[-1],
            },
        ),
        201,
        "add a plan action",
    )
    form = _form_started(author, child["id"])
    version = form["version"]
    evidence = []
    for kind, text in zip(
        rules.steps.evidence_kinds,
        (f"The school nurse's letter: {name} has two untreated cavities.",
         f"Mother says {name} is frightened of the dentist."),
        strict=False,
    ):  # fmt: skip
        item = precondition(
            author.post(f"/forms/{form['id']}/evidence", {"version": version, "kind": kind,
                                                          "text": text}),
            201,
            "add an evidence item",
        )  # fmt: skip
        version = item["form_version"]
        evidence.append(item)
    analysis = f"{name}'s dental health is neglected through fear, not indifference."
    need = precondition(
        author.post(
            f"/forms/{form['id']}/needs",
            {
                "version": version,
                "need": f"{name} needs dental treatment",
                "analysis": analysis,
                "evidence_ids": [e["id"] for e in evidence],
                "actions": [{"action_id": action["id"]}],
                "planned_outcome": "Treated by March.",
            },
        ),
        201,
        "add a need linked to its evidence and plan action",
    )
    wanted = {
        "evidence": [e["text"] for e in evidence], "analysis": [analysis],
        "plan actions": [action["title"]],
    }  # fmt: skip

    def check(screen: str, _fields: dict[str, str]) -> str | None:
        shown = _words(screen)
        missing = [f"{part}: {t!r}" for part, texts in wanted.items() for t in texts
                   if _words(t) not in shown]  # fmt: skip
        if missing:
            return f"the final screen lacks {len(missing)} of the need's parts: {missing[0]}"
        return None

    inputs = {
        "child_id": str(child["id"]), "form_id": str(form["id"]),
        "form_title": specs.forms[KIND].title, "need_title": need["need"],
    }  # fmt: skip
    return Case(inputs, check)


_CASES: dict[str, Callable[[SutClient, SpecBundle, random.Random], Case]] = {
    "note_linked": _record_linked_note,
    "sibling_answer_chosen": _resolve_sibling_prepopulation,
    "every_mention_shown": _find_every_mention,
    "form_approved": _approve_assessment,
    "plan_action_updated_and_filtered": _update_and_filter_plan,
    "need_evidence_analysis_plan_on_one_screen": _need_on_one_screen,
    "draft_kept": _draft_survives_expiry,
}


def build_case(task: Task, sut: SutClient, specs: SpecBundle, rng: random.Random) -> Case:
    """Build the task's case in the SUT; skip (a precondition) when the SUT refuses a step."""
    build = _CASES.get(task.outcome)
    if build is None:
        raise LookupError(f"no case for the outcome {task.outcome!r} of task {task.id!r}")
    return build(sut, specs, rng)
