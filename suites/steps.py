"""The steps that build a case in the SUT, shared by every suite, and synthetic people.

Steps that set up the state a check needs are preconditions: when the SUT refuses one, the test
is skipped with the reason and its requirement stays `not_run` (it could not be verified), never
passed. The step under test itself is asserted.
"""

from __future__ import annotations

import random
from collections.abc import Iterable
from datetime import date, timedelta
from typing import Any

import pytest

from accredit.specs import FormDefinition, SpecBundle, Transition
from accredit.sut import Exchange, SutClient

# Invented names, combined at random: never a real child or family.
GIVEN_NAMES = (
    "Ada",
    "Bryn",
    "Cerys",
    "Dara",
    "Eben",
    "Ffion",
    "Gwen",
    "Huw",
    "Isla",
    "Jory",
    "Kit",
    "Lowri",
    "Mabli",
    "Nye",
    "Orla",
    "Pip",
    "Rhys",
    "Seren",
    "Tam",
    "Wren",
)
FAMILY_NAMES = (
    "Ashdown",
    "Brackwell",
    "Calderby",
    "Dunmere",
    "Eastholt",
    "Fernhollow",
    "Glenmoor",
    "Harrowgate",
    "Ivybridge",
    "Kestrelby",
    "Larkmoor",
    "Millbeck",
    "Northwold",
    "Oakhurst",
)
#: The user who writes forms in the suites, and the team they belong to.
AUTHOR = "sw_a"


def expect(exchange: Exchange, status: int, code: str | None = None, what: str = "") -> None:
    """Assert the SUT answered `status` (and error `code`), explaining what came instead."""
    got_code = exchange.code
    if exchange.status == status and (code is None or got_code == code):
        return
    wanted = f"{status}" + (f" with code {code}" if code else "")
    got = f"{exchange.status}" + (f" with code {got_code}" if got_code else "")
    prefix = f"{what}: " if what else ""
    raise AssertionError(
        f"{prefix}expected {wanted}, got {got}: {exchange.method} {exchange.url} "
        f"answered {exchange.text[:300]!r}"
    )


def precondition(exchange: Exchange, status: int, what: str) -> Any:
    """Return the JSON body when the SUT answered `status`; otherwise skip with the reason."""
    if exchange.status != status:
        pytest.skip(f"precondition not met: {what}: {exchange.describe()}")
    return exchange.json()


def child_body(rng: random.Random, date_of_birth: date, team: str = "A") -> dict[str, Any]:
    return {
        "given_name": rng.choice(GIVEN_NAMES),
        "family_name": rng.choice(FAMILY_NAMES),
        "date_of_birth": date_of_birth.isoformat(),
        "sex": rng.choice(["female", "male"]),
        "team": team,
    }


def date_of_birth_aged(years: int, today: date | None = None) -> date:
    """Return a date of birth for a child `years` old today, well clear of a birthday."""
    today = today or date.today()
    born = today - timedelta(days=100)
    return born.replace(year=born.year - years, day=min(born.day, 28))


def age_for_band(specs: SpecBundle, form: FormDefinition, band: str) -> int:
    """Return an age in years that falls inside `band` of the form's age band set."""
    if form.age_band_set is None:
        return 7
    for candidate in specs.age_band_sets[form.age_band_set].bands:
        if candidate.id == band:
            upper = candidate.to_years if candidate.to_years is not None else candidate.from_years
            return (candidate.from_years + upper) // 2
    raise KeyError(band)


def create_child(client: SutClient, rng: random.Random, years: int = 7, team: str = "A") -> Any:
    return precondition(
        client.post("/children", child_body(rng, date_of_birth_aged(years), team)),
        201,
        "create a child",
    )


def sample_answer(definition: FormDefinition, question_id: str) -> Any:
    """Return a valid answer to a question, as the contract carries it."""
    question = definition.question(question_id)
    if question.type == "date":
        return (date.today() - timedelta(days=3)).isoformat()
    if question.type == "yes_no":
        return True
    if question.type == "choice":
        assert question.options
        return question.options[0]
    return f"{question.text}: seen at the home visit; the child said school is going well."


def answers_for(definition: FormDefinition, question_ids: Iterable[str]) -> dict[str, Any]:
    return {q: sample_answer(definition, q) for q in question_ids}


def start_form(
    client: SutClient,
    specs: SpecBundle,
    rng: random.Random,
    kind: str,
    band: str,
    team: str = "A",
) -> Any:
    """Create a child of `team` of an age inside `band` and start a form of `kind` for it."""
    definition = specs.forms[kind]
    child = create_child(client, rng, years=age_for_band(specs, definition, band), team=team)
    form = precondition(
        client.post("/forms", {"kind": kind, "child_id": child["id"]}), 201, f"start a {kind}"
    )
    if form.get("age_band") != band:
        pytest.skip(
            f"precondition not met: the {kind} was started in band "
            f"{form.get('age_band')!r}, not {band!r}"
        )
    return form


def save_answers(client: SutClient, form: dict[str, Any], answers: dict[str, Any]) -> Exchange:
    return client.patch(f"/forms/{form['id']}", {"version": form["version"], "answers": answers})


def actor_for(specs: SpecBundle, transition: Transition, author: str) -> str:
    """Return the required user who may perform `transition` on a form written by `author`."""
    users = specs.users
    author_team = users.user(author).team
    candidates = [u for u in users.required_users if u.role in transition.roles]
    if transition.author == "required":
        candidates = [u for u in candidates if u.key == author]
    elif transition.author == "excluded":
        candidates = [u for u in candidates if u.key != author]
    candidates.sort(key=lambda u: u.team != author_team)  # the author's own team first
    if not candidates:
        raise LookupError(f"no required user may {transition.action} a form by {author}")
    return candidates[0].key


def path_to_locked(specs: SpecBundle) -> list[Transition]:
    """Return the shortest sequence of lifecycle transitions from the initial to a locked state."""
    lifecycle = specs.lifecycle
    paths: dict[str, list[Transition]] = {lifecycle.initial: []}
    frontier = [lifecycle.initial]
    while frontier:
        state = frontier.pop(0)
        if lifecycle.state(state).locked:
            return paths[state]
        for t in lifecycle.transitions:
            if t.from_state == state and t.to_state not in paths:
                paths[t.to_state] = [*paths[state], t]
                frontier.append(t.to_state)
    raise LookupError("the lifecycle has no locked state")


def complete_and_lock(
    sut: SutClient, specs: SpecBundle, rng: random.Random, kind: str = "core_assessment"
) -> Any:
    """Return a form of `kind` with every mandatory answer given, taken through to locked."""
    definition = specs.forms[kind]
    band = definition.bands[0]
    author = sut.as_user(AUTHOR)
    form = start_form(author, specs, rng, kind, band)
    form = precondition(
        save_answers(author, form, answers_for(definition, definition.mandatory(band))),
        200,
        "save the mandatory answers",
    )
    for transition in path_to_locked(specs):
        actor = sut.as_user(actor_for(specs, transition, AUTHOR))
        body = {"reason": "Returned for more detail."} if transition.reason_required else {}
        form = precondition(
            actor.post(f"/forms/{form['id']}/{transition.action}", body),
            200,
            f"{transition.action} the form as {actor.user}",
        )
    return form
