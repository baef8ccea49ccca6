"""A locked form with everything a change could touch, and the attempts lockdown.yaml lists.

The case is built once per check: a child with a duplicate record of itself, two case notes, and
a form approved with its mandatory answers, a document and a link to the first note. Its values
fill the placeholders of lockdown.yaml, so the routes and bodies tried come from the spec alone.
"""

from __future__ import annotations

import base64
import json
import random
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from accredit.specs import FormDefinition, MutationRoute, SpecBundle
from accredit.sut import Exchange, SutClient

from steps import (
    AUTHOR,
    actor_for,
    answers_for,
    expect,
    path_to_locked,
    precondition,
    sample_answer,
    start_form,
)

#: The form kind every lock-down check locks (the richest form of the specs).
LOCKED_KIND = "core_assessment"
_PLACEHOLDER = re.compile(r"\{([a-z_]+)\}")
#: A synthetic document: a few bytes of PDF header, never a real record.
_DOCUMENT = b"%PDF-1.4\n% synthetic home visit record for accreditation tests\n"
_LATER_DOCUMENT = b"%PDF-1.4\n% synthetic letter added after approval\n"


@dataclass(frozen=True)
class Attempt:
    """One request of lockdown.yaml with its placeholders filled: what a user tries."""

    route: MutationRoute
    label: str  # the route id, with the action for a for_each_action route
    method: str
    path: str
    body: Any

    def send(self, client: SutClient) -> Exchange:
        return client.request(self.method, self.path, self.body)


def fill(template: Any, values: Mapping[str, Any]) -> Any:
    """Return `template` with its placeholders filled from `values`.

    A string that is one placeholder alone takes the value itself (a number stays a number);
    a placeholder inside a longer string is written into it; keys are filled the same way.
    Raise KeyError naming a placeholder the harness has no value for.
    """
    if isinstance(template, dict):
        return {fill(k, values): fill(v, values) for k, v in template.items()}
    if isinstance(template, list):
        return [fill(item, values) for item in template]
    if not isinstance(template, str):
        return template
    whole = _PLACEHOLDER.fullmatch(template)
    if whole:
        return values[whole.group(1)]
    return _PLACEHOLDER.sub(lambda m: str(values[m.group(1)]), template)


def attempts(specs: SpecBundle, route: MutationRoute, values: Mapping[str, Any]) -> list[Attempt]:
    """Return every attempt lockdown.yaml lists for `route`, filled from `values`."""
    actions = specs.lifecycle.actions if route.for_each_action else (None,)
    found = []
    for action in actions:
        label = action or route.id
        with_action = {**values, "action": action} if action else values
        for body in route.attempts:
            found.append(
                Attempt(
                    route,
                    label,
                    route.method,
                    fill(route.path, with_action),
                    fill(body, with_action) if body is not None else None,
                )
            )
    return found


def other_writer(specs: SpecBundle, author: str) -> str:
    """Return a required user, not `author`, whose role may write forms."""
    users = specs.users
    writers = [
        u.key
        for u in users.required_users
        if "form.create" in users.roles[u.role].permissions and u.key != author
    ]
    return writers[0]


@dataclass
class LockedCase:
    """A locked form, the bytes it read back as at approval, and the values for lockdown.yaml."""

    form: dict[str, Any]
    snapshot: bytes
    addenda_snapshot: bytes
    values: dict[str, Any]
    reader: SutClient

    @property
    def id(self) -> int:
        form_id: int = self.form["id"]
        return form_id

    def read(self) -> tuple[Exchange, Exchange]:
        """Return the form and its addenda listing as the SUT serves them now."""
        form = self.reader.get(f"/forms/{self.id}")
        addenda = self.reader.get(_addenda_path(self))
        return form, addenda

    def unchanged(self) -> bool:
        """Return whether the form and its addenda listing still read back as at approval."""
        form, addenda = self.read()
        now = (form.status, form.content, addenda.status, addenda.content)
        return now == (200, self.snapshot, 200, self.addenda_snapshot)

    def assert_unchanged(self, after: str) -> None:
        """Assert the form and its addenda listing read back byte-identical to the approval."""
        form, addenda = self.read()
        expect(form, 200, what=f"read the locked form after {after}")
        if form.content != self.snapshot:
            raise AssertionError(
                f"the locked form changed after {after}: {changed_fields(self.snapshot, form)}"
            )
        expect(addenda, 200, what=f"list the locked form's addenda after {after}")
        if addenda.content != self.addenda_snapshot:
            raise AssertionError(f"the locked form's addenda changed after {after}")


def _addenda_path(case: LockedCase) -> str:
    return fill(case.values["addenda_list"], case.values)


def changed_fields(before: bytes, after: Exchange) -> str:
    """Return which top-level fields of a JSON object differ, for a failure message."""
    try:
        old, new = json.loads(before), after.json()
    except ValueError:
        return "the bytes differ"
    if not isinstance(old, dict) or not isinstance(new, dict):
        return "the bytes differ"
    changed = {
        k: (old.get(k), new.get(k)) for k in old.keys() | new.keys() if old.get(k) != new.get(k)
    }
    return f"fields (before, after): {changed}"[:1500] if changed else "the bytes differ"


def lock(
    sut: SutClient, specs: SpecBundle, form: dict[str, Any], author: str = AUTHOR
) -> dict[str, Any]:
    """Take a complete draft through the lifecycle to a locked state; return the locked form."""
    for transition in path_to_locked(specs):
        actor = sut.as_user(actor_for(specs, transition, author))
        body = {"reason": "Returned for more detail."} if transition.reason_required else {}
        form = precondition(
            actor.post(f"/forms/{form['id']}/{transition.action}", body),
            200,
            f"{transition.action} the form as {actor.user}",
        )
    return form


def build_locked_case(sut: SutClient, specs: SpecBundle, rng: random.Random) -> LockedCase:
    """Return a locked form with a document and a note link, a duplicate record of its child
    and a second note; every value lockdown.yaml's placeholders need."""
    definition = specs.forms[LOCKED_KIND]
    band = definition.bands[0]
    author = sut.as_user(AUTHOR)
    form = start_form(author, specs, rng, LOCKED_KIND, band)
    child = precondition(author.get(f"/children/{form['child_id']}"), 200, "read the child")
    fields = ("given_name", "family_name", "date_of_birth", "sex", "team")
    duplicate = precondition(
        author.post("/children", {k: child[k] for k in fields}),
        201,
        "record the same child again (a duplicate record)",
    )
    notes = [
        precondition(
            author.post(f"/children/{child['id']}/notes", {"text": text}),
            201,
            "record a case note",
        )
        for text in ("Home visit: the child showed us her room.", "School called: attendance up.")
    ]
    form = precondition(
        author.patch(
            f"/forms/{form['id']}",
            {
                "version": form["version"],
                "answers": answers_for(definition, definition.mandatory(band)),
            },
        ),
        200,
        "save the mandatory answers",
    )
    form = precondition(
        author.post(
            f"/forms/{form['id']}/attachments",
            {
                "version": form["version"],
                "name": "Home visit record.pdf",
                "media_type": "application/pdf",
                "content_base64": base64.b64encode(_DOCUMENT).decode("ascii"),
            },
        ),
        200,
        "attach a document to the draft",
    )
    form = precondition(
        author.post(
            f"/forms/{form['id']}/links",
            {"version": form["version"], "target_type": "note", "target_id": notes[0]["id"]},
        ),
        200,
        "link a case note to the draft",
    )
    form, steps = _with_six_steps(author, form, notes[0]["id"])
    form = lock(sut, specs, form)
    reader = sut.as_user(AUTHOR)
    values = locked_values(specs, definition, band, form, duplicate["id"], notes[1]["id"])
    values.update(steps)
    case = LockedCase(form, b"", b"", values, reader)
    snapshot, addenda = case.read()
    expect(snapshot, 200, what="read the locked form")
    expect(addenda, 200, what="list the locked form's addenda")
    case.snapshot, case.addenda_snapshot = snapshot.content, addenda.content
    return case


def _with_six_steps(
    author: SutClient, form: dict[str, Any], note_id: int
) -> tuple[dict[str, Any], dict[str, int]]:
    """Give the draft an evidence item and a need resting on it (the six steps of
    record.yaml); return the form at its new version and the placeholders' values."""
    evidence = precondition(
        author.post(
            f"/forms/{form['id']}/evidence",
            {
                "version": form["version"],
                "kind": "objective",
                "text": f"Home visit (case note {note_id}): the child's room was warm and tidy.",
            },
        ),
        201,
        "add an evidence item to the draft",
    )
    need = precondition(
        author.post(
            f"/forms/{form['id']}/needs",
            {
                "version": evidence["form_version"],
                "need": "A settled routine at bedtime.",
                "analysis": "The visit shows care; the routine is not yet steady.",
                "evidence_ids": [evidence["id"]],
                "planned_outcome": "Bedtime by eight on school nights within six weeks.",
            },
        ),
        201,
        "add a need resting on the evidence",
    )
    form = {**form, "version": need["form_version"]}
    return form, {"evidence_id": evidence["id"], "need_id": need["id"]}


def locked_values(
    specs: SpecBundle,
    definition: FormDefinition,
    band: str,
    form: dict[str, Any],
    other_child_id: int,
    unlinked_note_id: int,
) -> dict[str, Any]:
    """Return the value of every placeholder of lockdown.yaml for this locked form."""
    answered = definition.mandatory(band)[-1]
    unanswered = next(q for q in definition.asked(band) if q.id not in form["answers"]).id
    started = date.fromisoformat(form["started_on"])
    return {
        "form_id": form["id"],
        "version": form["version"],
        "child_id": form["child_id"],
        "answered_question": answered,
        "changed_answer": _changed(definition, answered, form["answers"][answered]),
        "unanswered_question": unanswered,
        "new_answer": sample_answer(definition, unanswered),
        "other_author": other_writer(specs, form["author"]),
        "earlier_date": (started - timedelta(days=1)).isoformat(),
        "other_kind": next(kind for kind in sorted(specs.forms) if kind != form["kind"]),
        "other_child_id": other_child_id,
        "attachment_id": form["attachments"][0]["id"],
        "attachment_content": base64.b64encode(_LATER_DOCUMENT).decode("ascii"),
        "link_id": form["links"][0]["id"],
        "unlinked_note_id": unlinked_note_id,
        "addenda_list": specs.lockdown.addenda.list_path,
    }


def _changed(definition: FormDefinition, question_id: str, current: Any) -> Any:
    question = definition.question(question_id)
    if question.type == "yes_no":
        return not current
    if question.type == "choice":
        assert question.options
        return next(o for o in question.options if o != current)
    if question.type == "date":
        return (date.fromisoformat(current) - timedelta(days=1)).isoformat()
    return f"{current} (altered after approval)"


def every_attempt(specs: SpecBundle, values: Mapping[str, Any]) -> Iterator[Attempt]:
    """Yield every attempt of every mutation route of lockdown.yaml, filled from `values`."""
    for route in specs.lockdown.mutation_routes:
        yield from attempts(specs, route, values)
