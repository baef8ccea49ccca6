"""Targeted examples, one rule each: drafts never feed, only declared siblings, only mapped
questions across bands, the worker's edits kept, a snapshot not a live link, provenance and
confirmation, and the precedence between a sibling's and the child's own previous answer.

Each example is a small family built through the contract (family_case.build); what it expects
is read from the specs (question sources, section levels, the mapping table, the precedence)
and from the history the harness built, never from the reference.
"""

from __future__ import annotations

import random
from datetime import date, timedelta
from typing import Any

import pytest
from prepopulation.family_case import (
    APPROVED,
    DRAFT,
    RETURNED,
    SUBMITTED,
    Built,
    ChildPlan,
    FamilyPlan,
    FormPlan,
    add_form,
    build,
    source_of,
)

from accredit.prepopulation_spec import FAMILY_LEVEL, PREVIOUS, SIBLING
from accredit.specs import SpecBundle
from accredit.sut import Exchange, SutClient

from steps import AUTHOR, answers_for, create_child, expect, precondition, save_answers

KIND = "core_assessment"
ANCHOR = date(2024, 9, 2)
#: Every question answered in a history form (more bits than any band has optional questions).
ALL_OPTIONAL = 2**16 - 1


def born_aged(years: int, on: date = ANCHOR) -> date:
    """Return a date of birth `years` (and about a hundred days) before `on`."""
    return date(on.year - years, on.month, min(on.day, 28)) - timedelta(days=100)


def family(
    children: list[tuple[int, bool]],
    forms: list[tuple[int, str]],
    started_on: date = ANCHOR - timedelta(days=30),
) -> FamilyPlan:
    """Return a plan: (age, declared) per child, (child, fate) per core assessment."""
    return FamilyPlan(
        children=tuple(ChildPlan(born_aged(age), declared) for age, declared in children),
        forms=tuple(FormPlan(c, KIND, started_on, fate, ALL_OPTIONAL) for c, fate in forms),
        target_child=0,
        target_kind=KIND,
        target_started_on=ANCHOR,
        user=AUTHOR,
    )


def start(sut: SutClient, built: Built, child: int = 0, user: str = AUTHOR) -> Any:
    """Start the new form; the step under test, so a refusal fails."""
    body = {
        "kind": built.plan.target_kind,
        "child_id": built.child_ids[child],
        "started_on": built.plan.target_started_on.isoformat(),
    }
    started = sut.as_user(user).post("/forms", body)
    expect(started, 201, what="start a form for a child with a history")
    return started.json()


def family_questions(specs: SpecBundle, band: str) -> list[str]:
    """Return the mandatory questions of `band` a declared sibling's answer may fill."""
    definition = specs.forms[KIND]
    return [
        q.id
        for s in definition.sections
        if s.level == FAMILY_LEVEL
        for q in s.questions
        if q.id in definition.mandatory(band) and any(src.rule == SIBLING for src in q.prepopulate)
    ]


def sources_named(form: dict[str, Any], candidates: list[Any]) -> list[tuple[Any, ...]]:
    """Return every source the SUT names: each answer's provenance and each candidate."""
    named = [source_of(p) for p in (form.get("provenance") or {}).values()]
    named += [source_of(c) for q in candidates for c in q.get("candidates") or []]
    return [s for s in named if s is not None]


def candidates_of(sut: SutClient, form: dict[str, Any]) -> list[Any]:
    listed = sut.as_user(AUTHOR).get(f"/forms/{form['id']}/candidates")
    expect(listed, 200, what="list the candidates")
    body: list[Any] = listed.json()
    return body


@pytest.mark.requirement("PRE-001")
def test_drafts_submitted_and_returned_forms_never_feed(sut: SutClient, specs: SpecBundle) -> None:
    """With an approved form and newer draft, submitted and returned ones, only the approved
    form is a source."""
    plan = family([(7, False)], [(0, APPROVED), (0, DRAFT), (0, SUBMITTED), (0, RETURNED)])
    built = build(sut, specs, plan)
    approved = built.history[0]
    form = start(sut, built)
    for source in sources_named(form, candidates_of(sut, form)):
        assert built.fates.get(source[2], APPROVED) == APPROVED, (
            f"form {source[2]} ({built.fates.get(source[2])}) fed the new form: {source}"
        )
    for question in family_questions(specs, form["age_band"]):
        got = form["answers"].get(question)
        assert got == approved.answers[question], (
            f"{question}: {got!r}, expected the approved form's {approved.answers[question]!r}"
        )


@pytest.mark.requirement("PRE-002")
def test_only_declared_siblings_feed_and_only_family_level_questions(
    sut: SutClient, specs: SpecBundle
) -> None:
    """A declared sibling's approved form fills family-level questions; a child of the same
    surname who is not a declared sibling fills nothing."""
    plan = family([(7, True), (9, True), (8, False)], [(1, APPROVED), (2, APPROVED)])
    built = build(sut, specs, plan)
    form = start(sut, built)
    allowed = set(built.child_ids[:2])
    definition = specs.forms[KIND]
    level = {q.id: s.level for s in definition.sections for q in s.questions}
    for source in sources_named(form, candidates_of(sut, form)):
        if source[1] is None:
            continue  # a copy that names no child at all is PRE-006's to judge
        assert source[1] in allowed, f"child {source[1]} is not a declared sibling: {source}"
    for question, provenance in (form.get("provenance") or {}).items():
        assert level.get(question) == FAMILY_LEVEL, f"{question} is child-level: {provenance}"
    sibling_form = built.history[0]
    for question in family_questions(specs, form["age_band"]):
        assert form["answers"].get(question) == sibling_form.answers[question], question


@pytest.mark.requirement("PRE-003")
def test_across_age_bands_only_mapped_questions_are_carried(
    sut: SutClient, specs: SpecBundle
) -> None:
    """For every pair of the mapping table, the record of the first band carries into the next
    record exactly the answers the table maps, under their new ids."""
    definition = specs.forms[KIND]
    bands = {b.id: b for b in specs.age_band_sets[str(definition.age_band_set)].bands}
    for pair in definition.band_mapping.pairs:
        from_band, to_band = pair.from_bands[0], pair.to_bands[0]
        born = born_aged(bands[to_band].from_years)
        then = date(born.year + bands[from_band].from_years, born.month, born.day)
        plan = FamilyPlan(
            (ChildPlan(born, False),),
            (FormPlan(0, KIND, then + timedelta(days=30), APPROVED, ALL_OPTIONAL),),
            0,
            KIND,
            ANCHOR,
            AUTHOR,
        )
        built = build(sut, specs, plan)
        source = built.history[0]
        form = start(sut, built)
        assert (source.age_band, form["age_band"]) == (from_band, to_band), "bands as planned"
        for question in definition.asked(to_band):
            if not any(src.rule == PREVIOUS for src in question.prepopulate):
                continue
            mapped = definition.band_mapping.source_question(
                from_band, to_band, question.id, definition.asked_ids(from_band)
            )
            want = source.answers.get(mapped) if mapped else None
            got = form["answers"].get(question.id)
            assert got == want, (
                f"{from_band} -> {to_band}, {question.id}: got {got!r}, expected "
                f"{want!r} ({'from ' + mapped if mapped else 'unmapped: not carried'})"
            )


def _family_with_both(sut: SutClient, specs: SpecBundle) -> tuple[Built, dict[str, Any]]:
    """Return a child with an approved form of its own and a declared sibling's, and the
    child's new form."""
    built = build(sut, specs, family([(7, True), (8, True)], [(0, APPROVED), (1, APPROVED)]))
    return built, start(sut, built)


@pytest.mark.requirement("PRE-004")
def test_the_workers_own_answers_are_never_overwritten(sut: SutClient, specs: SpecBundle) -> None:
    """An edited pre-populated answer survives pre-population run again and a candidate
    choice."""
    built, form = _family_with_both(sut, specs)
    question = family_questions(specs, form["age_band"])[0]
    client = sut.as_user(AUTHOR)
    typed = "Typed by the worker after the home visit."
    form = precondition(save_answers(client, form, {question: typed}), 200, "edit an answer")
    rerun = client.post(f"/forms/{form['id']}/prepopulate", {"version": form["version"]})
    assert rerun.status in (200, 409), f"run pre-population again: {rerun.describe()}"
    after = client.get(f"/forms/{form['id']}")
    expect(after, 200, what="read the form")
    assert after.json()["answers"].get(question) == typed, (
        f"{question} was overwritten by pre-population run again: {after.json()['answers']}"
    )
    form = after.json()
    sibling_form = built.history[1].id
    choice = {"version": form["version"], "question_id": question, "source_form_id": sibling_form}
    chose = client.post(f"/forms/{form['id']}/choices", choice)
    read = client.get(f"/forms/{form['id']}")
    assert read.json()["answers"].get(question) == typed, (
        f"a candidate replaced the worker's answer ({chose.status}): {read.json()['answers']}"
    )


@pytest.mark.requirement("PRE-005")
def test_a_new_form_is_a_snapshot_not_a_live_link(sut: SutClient, specs: SpecBundle) -> None:
    """A newer approval for the sibling after the form was started leaves the form as it was."""
    built = build(sut, specs, family([(7, True), (8, True)], [(1, APPROVED)]))
    form = start(sut, built)
    assert form["answers"], "the sibling's approved form pre-populated nothing"
    # A newer approved form of the sibling, answering only what is mandatory, with new text.
    newer = FormPlan(1, KIND, ANCHOR - timedelta(days=5), APPROVED, 0)
    built.history.append(add_form(sut, specs, built, newer, 99))
    read = sut.as_user(AUTHOR).get(f"/forms/{form['id']}")
    expect(read, 200, what="read the form again")
    assert read.json()["answers"] == form["answers"], (
        f"the answers changed after a later approval elsewhere: {read.json()['answers']} "
        f"were {form['answers']}"
    )


@pytest.mark.requirement("PRE-006")
def test_provenance_marks_and_confirmation_before_submission(
    sut: SutClient, specs: SpecBundle, rng: random.Random
) -> None:
    """Each copy names its source; submission waits for the mandatory copies to be confirmed;
    confirming or choosing what the form does not offer is refused and changes nothing."""
    built = build(sut, specs, family([(7, True), (8, True)], [(1, APPROVED)]))
    source = built.history[0]
    form = start(sut, built)
    for question, provenance in (form.get("provenance") or {}).items():
        got = source_of(provenance)
        want = (SIBLING, source.child_id, source.id, question, source.approved_at)
        assert got == want, f"{question}: provenance {provenance}, expected {want}"
        assert provenance.get("prepopulated") is True, f"{question} not marked: {provenance}"
        assert form["answers"].get(question) == source.answers[question], question
    copies = family_questions(specs, form["age_band"])
    definition = specs.forms[KIND]
    others = [q for q in definition.mandatory(form["age_band"]) if q not in copies]
    client = sut.as_user(AUTHOR)
    form = precondition(
        save_answers(client, form, answers_for(definition, others)), 200, "answer the rest"
    )
    submit = next(t.action for t in specs.lifecycle.transitions if "mandatory_answers" in t.checks)
    refused = client.post(f"/forms/{form['id']}/{submit}", {})
    expect(refused, 422, "prepopulation_unconfirmed", what="submit with unconfirmed copies")
    assert set(refused.json().get("details") or []) == set(copies), refused.describe()
    unknown = {"version": form["version"], "question_ids": ["no_such_question"]}
    _refused_unchanged(sut, form, client.post(f"/forms/{form['id']}/confirmations", unknown))
    choice = {"version": form["version"], "question_id": copies[0], "source_form_id": 10**12}
    _refused_unchanged(sut, form, client.post(f"/forms/{form['id']}/choices", choice))
    # The copies of this form named on another form, of a child with no history at all.
    stranger = create_child(client, rng, years=7)
    other = precondition(
        client.post("/forms", {"kind": KIND, "child_id": stranger["id"]}), 201, "start a form"
    )
    foreign = {"version": other["version"], "question_ids": copies}
    _refused_unchanged(sut, other, client.post(f"/forms/{other['id']}/confirmations", foreign))
    _no_form_for_a_user_who_may_not(sut, specs, built)
    confirmed = client.post(
        f"/forms/{form['id']}/confirmations", {"version": form["version"], "question_ids": copies}
    )
    expect(confirmed, 200, what="confirm the copies")
    for question in copies:
        mark = confirmed.json()["provenance"][question]
        assert mark["prepopulated"] is False and source_of(mark) is not None, mark
    expect(client.post(f"/forms/{form['id']}/{submit}", {}), 200, what="submit once confirmed")


def _no_form_for_a_user_who_may_not(sut: SutClient, specs: SpecBundle, built: Built) -> None:
    """A user whose role may not start forms is refused, and the child gains no form."""
    roles = specs.users.roles
    outsider = next(
        u.key for u in specs.users.required_users if "form.create" not in roles[u.role].permissions
    )
    listing = f"/children/{built.child_ids[0]}/forms"
    before = sut.as_user(AUTHOR).get(listing)
    expect(before, 200, what="list the child's forms")
    refused = sut.as_user(outsider).post("/forms", {"kind": KIND, "child_id": built.child_ids[0]})
    assert refused.status is not None and 400 <= refused.status < 500, refused.describe()
    after = sut.as_user(AUTHOR).get(listing)
    assert after.content == before.content, f"{outsider}'s refused start left a form behind"


def _refused_unchanged(sut: SutClient, form: dict[str, Any], answer: Exchange) -> None:
    assert answer.status is not None and 400 <= answer.status < 500, answer.describe()
    read = sut.as_user(AUTHOR).get(f"/forms/{form['id']}")
    expect(read, 200, what="read the form after a refusal")
    assert read.json() == form, f"a refused request changed the form: {answer.describe()}"


@pytest.mark.requirement("PRE-007")
def test_the_precedence_picks_the_default_and_both_are_offered(
    sut: SutClient, specs: SpecBundle
) -> None:
    """With the child's own previous answer and a sibling's, the default follows the spec's
    precedence, both are candidates in that order, and the other can be chosen."""
    built, form = _family_with_both(sut, specs)
    own, sibling = built.history
    ranked = sorted(
        [(PREVIOUS, own), (SIBLING, sibling)], key=lambda r: specs.prepopulation.rank(r[0])
    )
    listed = {q["question_id"]: q["candidates"] for q in candidates_of(sut, form)}
    for question in family_questions(specs, form["age_band"]):
        first = ranked[0][1]
        assert form["answers"].get(question) == first.answers[question], (
            f"{question}: default {form['answers'].get(question)!r}, the precedence "
            f"{specs.prepopulation.precedence} gives {first.answers[question]!r}"
        )
        offered = [(c.get("rule"), c.get("source_form_id")) for c in listed.get(question, [])]
        assert offered == [(rule, f.id) for rule, f in ranked], f"{question}: {offered}"
    question = family_questions(specs, form["age_band"])[0]
    other = ranked[1][1]
    choice = {"version": form["version"], "question_id": question, "source_form_id": other.id}
    chose = sut.as_user(AUTHOR).post(f"/forms/{form['id']}/choices", choice)
    expect(chose, 200, what="choose the other candidate")
    mark = chose.json()["provenance"][question]
    assert chose.json()["answers"][question] == other.answers[question]
    assert (mark.get("source_form_id"), mark.get("chosen")) == (other.id, True), mark
