"""Families and histories for the pre-population suite: planned, built in the SUT over HTTP, and
the SUT's new form set against the reference engine's.

A plan is data (children with their dates of birth and whether they are declared siblings, and
forms of several kinds started at ages around the band boundaries and taken to approved,
submitted, returned or left as drafts). `build` makes it in the SUT through the contract and
returns the history as the engine takes it, with the SUT's own ids and approval times; every
history form has each question it asks answered or cleared explicitly, so its content is the
plan's alone. `differences` compares the SUT's new form with the engine's, answer by answer,
provenance and candidates included.
"""

from __future__ import annotations

import contextlib
import itertools
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from accredit.specs import SpecBundle
from accredit.sut import Exchange, SutClient
from reference_impl.domain.prepopulation import (
    ChildFacts,
    Prepopulated,
    RecordedForm,
    Viewer,
    prepopulate,
)

from steps import AUTHOR, GIVEN_NAMES, actor_for, path_to_locked, precondition

#: What becomes of a history form: each lifecycle end the engine must tell apart.
APPROVED, SUBMITTED, RETURNED, DRAFT = "approved", "submitted", "returned", "draft"
FATES = (APPROVED, SUBMITTED, RETURNED, DRAFT)
_SURNAMES = itertools.count(1)


@dataclass(frozen=True)
class ChildPlan:
    born: date
    declared: bool  # a member of the family's declared sibling group


@dataclass(frozen=True)
class FormPlan:
    child: int  # index into the family's children
    kind: str
    started_on: date
    fate: str
    optional_mask: int  # which optional questions get an answer (bit i: the i-th optional)


@dataclass(frozen=True)
class FamilyPlan:
    """A household, its history, and the new form whose pre-population is checked."""

    children: tuple[ChildPlan, ...]
    forms: tuple[FormPlan, ...]
    target_child: int
    target_kind: str
    target_started_on: date
    user: str

    def siblings_of(self, index: int) -> list[int]:
        """Return the indexes of the declared siblings of child `index` (none if undeclared)."""
        declared = [i for i, c in enumerate(self.children) if c.declared]
        if len(declared) < 2 or index not in declared:
            return []
        return [i for i in declared if i != index]


@dataclass
class Built:
    """The plan as the SUT holds it: ids, bands and the history as the engine takes it."""

    plan: FamilyPlan
    surname: str
    child_ids: list[int]
    history: list[RecordedForm] = field(default_factory=list)
    fates: dict[int, str] = field(default_factory=dict)  # form id -> fate

    def forms_of(self, index: int) -> list[RecordedForm]:
        return [f for f in self.history if f.child_id == self.child_ids[index]]


def band_of(specs: SpecBundle, kind: str, born: date, on: date) -> str:
    """Return the band a form of `kind` started on `on` falls in, by the specs."""
    definition = specs.forms[kind]
    if definition.age_band_set is None:
        return definition.bands[0]
    band = specs.age_band_sets[definition.age_band_set].band_for(born, on)
    assert band is not None, f"no band for a child born {born} on {on}"
    return band.id


def child_fields(built: Built, index: int) -> dict[str, str]:
    """Return the record of child `index` as the plan has it (synthetic names)."""
    return {
        "given_name": GIVEN_NAMES[index % len(GIVEN_NAMES)],
        "family_name": built.surname,
        "date_of_birth": built.plan.children[index].born.isoformat(),
        "sex": "female" if index % 2 else "male",
    }


def planned_answers(
    specs: SpecBundle, plan: FormPlan, band: str, form_number: int
) -> dict[str, Any]:
    """Return every question the form asks: a value for each mandatory one and each optional
    one the mask selects, None (cleared) for the others. Text answers name their form, so an
    answer copied from the wrong place shows."""
    definition = specs.forms[plan.kind]
    optional = definition.optional(band)
    answers: dict[str, Any] = {}
    for question in definition.asked(band):
        wanted = (
            question.id not in optional or plan.optional_mask >> optional.index(question.id) & 1
        )
        if not wanted:
            answers[question.id] = None
        elif question.type == "date":
            answers[question.id] = plan.started_on.isoformat()
        elif question.type == "yes_no":
            answers[question.id] = True
        elif question.type == "choice":
            answers[question.id] = (question.options or ("",))[0]
        else:
            answers[question.id] = f"{question.text}: form {form_number} of child {plan.child + 1}."
    return answers


def _ok(exchange: Exchange, status: int, what: str) -> Any:
    return precondition(exchange, status, what)


def build(sut: SutClient, specs: SpecBundle, plan: FamilyPlan) -> Built:
    """Make the family and its history in the SUT; return what the SUT holds."""
    author = sut.as_user(AUTHOR)
    surname = f"Larkmoor-{_letters(next(_SURNAMES))}"
    ids = []
    built = Built(plan, surname, [])
    for i in range(len(plan.children)):
        body = child_fields(built, i) | {"team": "A"}
        ids.append(_ok(author.post("/children", body), 201, "record a child")["id"])
    declared = [ids[i] for i, c in enumerate(plan.children) if c.declared]
    if len(declared) >= 2:
        _ok(author.post("/sibling-groups", {"child_ids": declared}), 201, "declare siblings")
    built.child_ids = ids
    for number, form_plan in enumerate(plan.forms, start=1):
        built.history.append(add_form(sut, specs, built, form_plan, number))
    return built


def add_form(
    sut: SutClient, specs: SpecBundle, built: Built, plan: FormPlan, number: int
) -> RecordedForm:
    """Make one history form in the SUT, every question answered or cleared, taken to its
    fate; return it as the engine takes it."""
    author = sut.as_user(AUTHOR)
    child_id = built.child_ids[plan.child]
    body = {"kind": plan.kind, "child_id": child_id, "started_on": plan.started_on.isoformat()}
    form = _ok(author.post("/forms", body), 201, f"start history form {number}")
    band = band_of(specs, plan.kind, built.plan.children[plan.child].born, plan.started_on)
    answers = planned_answers(specs, plan, band, number)
    form = _ok(
        author.patch(f"/forms/{form['id']}", {"version": form["version"], "answers": answers}),
        200,
        f"answer history form {number}",
    )
    steps = []
    if plan.fate == APPROVED:
        steps = path_to_locked(specs)
    elif plan.fate in (SUBMITTED, RETURNED):
        steps = [t for t in specs.lifecycle.transitions if "mandatory_answers" in t.checks][:1]
        if plan.fate == RETURNED:
            steps += [
                t
                for t in specs.lifecycle.transitions
                if t.from_state == steps[0].to_state and t.to_state == specs.lifecycle.initial
            ][:1]
    for transition in steps:
        actor = sut.as_user(actor_for(specs, transition, AUTHOR))
        reason = {"reason": "Add the school's view."} if transition.reason_required else {}
        form = _ok(
            actor.post(f"/forms/{form['id']}/{transition.action}", reason),
            200,
            f"{transition.action} history form {number}",
        )
    built.fates[form["id"]] = plan.fate
    approved_at = form.get("approved_at") if plan.fate == APPROVED else None
    return RecordedForm(
        id=form["id"],
        kind=plan.kind,
        child_id=child_id,
        age_band=band,
        status=form["status"],
        approved_at=datetime.fromisoformat(approved_at) if approved_at else None,
        answers={q: v for q, v in answers.items() if v is not None},
    )


def expected_form(specs: SpecBundle, built: Built) -> tuple[str, dict[str, Prepopulated]]:
    """Return the target form's band and the reference engine's pre-populated answers."""
    plan = built.plan
    child = plan.children[plan.target_child]
    band = band_of(specs, plan.target_kind, child.born, plan.target_started_on)
    facts = ChildFacts(built.child_ids[plan.target_child], child_fields(built, plan.target_child))
    siblings = {built.child_ids[i]: built.forms_of(i) for i in plan.siblings_of(plan.target_child)}
    role = specs.users.roles[specs.users.user(plan.user).role]
    viewer = Viewer(plan.user, role.permissions)
    history = built.forms_of(plan.target_child)
    expected = prepopulate(specs, plan.target_kind, band, facts, history, siblings, viewer)
    return band, expected


# --- comparison ---------------------------------------------------------------------------------

_SOURCE_KEYS = ("rule", "source_child_id", "source_form_id", "source_question", "approved_at")


def source_of(provenance: Mapping[str, Any] | None) -> tuple[Any, ...] | None:
    """Return a provenance (or candidate) as a comparable tuple, times as instants."""
    if not isinstance(provenance, Mapping):
        return None
    values = [provenance.get(key) for key in _SOURCE_KEYS]
    if isinstance(values[4], str):
        # A time the SUT wrote unreadably stays text, and so differs from the expected one.
        with contextlib.suppress(ValueError):
            values[4] = datetime.fromisoformat(values[4])
    return tuple(values)


def _expected_source(answer: Prepopulated | Any) -> tuple[Any, ...]:
    p = answer.provenance
    return (p.rule, p.source_child_id, p.source_form_id, p.source_question, p.approved_at)


@dataclass(frozen=True)
class Difference:
    question: str
    expected: str
    got: str
    sources: tuple[tuple[Any, ...], ...]  # what the SUT named as sources for this question


def differences(
    expected: Mapping[str, Prepopulated],
    form: Mapping[str, Any],
    candidates: list[Any],
) -> list[Difference]:
    """Return every way the SUT's new form differs from the engine's, one per question."""
    answers = form.get("answers") or {}
    provenance = form.get("provenance") or {}
    offered = {
        c.get("question_id"): c.get("candidates") or [] for c in candidates if isinstance(c, dict)
    }
    found = []
    for question in sorted(set(expected) | set(answers) | set(provenance) | set(offered)):
        want = expected.get(question)
        want_value = want.value if want else None
        want_source = _expected_source(want) if want else None
        want_offered = [(c.value, _expected_source(c)) for c in want.candidates] if want else []
        got_value = answers.get(question)
        got_mark = provenance.get(question)
        got_source = source_of(got_mark)
        got_offered = [(c.get("value"), source_of(c)) for c in offered.get(question, [])]
        flags_ok = got_mark is None or (
            got_mark.get("prepopulated") is True and got_mark.get("chosen") is False
        )
        if (want_value, want_source, want_offered) == (got_value, got_source, got_offered) and (
            flags_ok
        ):
            continue
        sources = tuple(s for s in [got_source, *(s for _, s in got_offered)] if s is not None)
        found.append(
            Difference(
                question,
                _describe(want_value, want_source, want_offered),
                _describe(got_value, got_source, got_offered)
                + ("" if flags_ok else f" marked {got_mark!r}"),
                sources,
            )
        )
    return found


def _describe(value: Any, source: tuple[Any, ...] | None, offered: list[Any]) -> str:
    if value is None and source is None:
        text = "blank"
    else:
        text = f"{str(value)[:60]!r}"
        if source is not None:
            rule, child, form, question, approved = source
            text += f" ({rule}: form {form} of child {child}, {question}, approved {approved})"
        else:
            text += " (no provenance)"
    if offered:
        text += (
            f"; {len(offered)} candidates from forms {[s[2] if s else None for _, s in offered]}"
        )
    return text


def _letters(number: int) -> str:
    text = ""
    while number:
        number, rest = divmod(number - 1, 26)
        text = chr(ord("a") + rest) + text
    return text.capitalize()
