"""Pre-population: the engine's rules as a pure function, and the API around it."""

from __future__ import annotations

import dataclasses
import random
from datetime import UTC, datetime
from typing import Any

import httpx
from hypothesis import given, settings
from hypothesis import strategies as st

from accredit.prepopulation_spec import FAMILY_LEVEL, PREVIOUS, SIBLING, Source
from reference_impl.domain.access import FORM_CREATE, FORM_READ
from reference_impl.domain.prepopulation import ChildFacts, RecordedForm, Viewer, prepopulate
from tests.reference.conftest import (
    AUTHOR,
    KIND,
    SPECS,
    Api,
    assert_error,
    created,
    mandatory_answers,
    ok,
    ok_list,
)

WORKER = Viewer("sw_a", frozenset({FORM_READ, FORM_CREATE}))
CHILD = ChildFacts(1, {"date_of_birth": "2015-06-01", "given_name": "Seren"})


def at(day: int) -> datetime:
    return datetime(2024, 1, day, 9, tzinfo=UTC)


def recorded(
    form_id: int,
    answers: dict[str, Any],
    band: str = "5-9",
    status: str = "approved",
    child_id: int = 1,
    kind: str = KIND,
    day: int = 1,
) -> RecordedForm:
    approved_at = at(day) if status == "approved" else None
    return RecordedForm(form_id, kind, child_id, band, status, approved_at, answers)


def engine(
    history: list[RecordedForm],
    siblings: dict[int, list[RecordedForm]] | None = None,
    band: str = "5-9",
    kind: str = KIND,
    viewer: Viewer = WORKER,
) -> dict[str, Any]:
    result = prepopulate(SPECS, kind, band, CHILD, history, siblings or {}, viewer)
    return {q: (p.value, p.provenance.rule, p.provenance.source_form_id) for q, p in result.items()}


def test_the_latest_approved_form_of_the_kind_is_copied_drafts_never() -> None:
    history = [
        recorded(1, {"health": "Old."}, day=1),
        recorded(2, {"health": "Newer."}, day=2),
        recorded(3, {"health": "Draft."}, status="draft"),
        recorded(4, {"health": "Submitted."}, status="submitted"),
    ]
    assert engine(history) == {"health": ("Newer.", "previous", 2)}


def test_an_approved_addendum_corrects_what_is_copied() -> None:
    original = recorded(1, {"health": "Asthma.", "housing": "Flat."})
    addendum = dataclasses.replace(
        recorded(2, {"health": "Asthma, well controlled."}), addendum_of=1
    )
    draft_addendum = dataclasses.replace(
        recorded(3, {"housing": "Draft."}, status="draft"), addendum_of=1
    )
    got = engine([original, addendum, draft_addendum])
    assert got == {
        "health": ("Asthma, well controlled.", "previous", 1),
        "housing": ("Flat.", "previous", 1),
    }


def test_across_bands_only_mapped_questions_are_carried() -> None:
    baby = recorded(
        1,
        {
            "emotional_behavioural_self_care": "Settles well.",
            "education": "Plays with blocks.",
            "identity_social_presentation": "Smiles at strangers.",
            "health": "Immunised.",
        },
        band="0-2",
    )
    got = engine([baby], band="3-4")
    assert got == {
        "health": ("Immunised.", "previous", 1),
        "emotional_behavioural_development": ("Settles well.", "previous", 1),
    }


def test_a_sibling_feeds_family_level_questions_only_and_previous_wins() -> None:
    own = recorded(1, {"basic_care": "Own.", "health": "Own health."}, day=1)
    sibling = recorded(
        2, {"basic_care": "Sibling.", "housing": "Flat.", "health": "X."}, child_id=2, day=5
    )
    result = prepopulate(SPECS, KIND, "5-9", CHILD, [own], {2: [sibling]}, WORKER)
    assert {q: p.value for q, p in result.items()} == {
        "health": "Own health.",
        "basic_care": "Own.",
        "housing": "Flat.",
    }
    choices = [
        (c.value, c.provenance.rule, c.provenance.source_child_id)
        for c in result["basic_care"].candidates
    ]
    assert choices == [("Own.", "previous", 1), ("Sibling.", "sibling", 2)]
    assert result["housing"].candidates == (), "one source: nothing to choose"


def test_the_most_recently_approved_sibling_comes_first() -> None:
    older = recorded(5, {"housing": "Old flat."}, child_id=2, day=1)
    newer = recorded(6, {"housing": "New house."}, child_id=3, day=9)
    result = prepopulate(SPECS, KIND, "5-9", CHILD, [], {2: [older], 3: [newer]}, WORKER)
    assert [c.value for c in result["housing"].candidates] == ["New house.", "Old flat."]


def test_an_earlier_form_kind_feeds_its_mapped_question() -> None:
    initial = recorded(
        7, {"reason_for_referral": "School concern."}, band="all", kind="initial_assessment"
    )
    assert engine([initial])["background"] == ("School concern.", "earlier_form", 7)


def test_a_user_who_may_not_read_forms_gets_nothing() -> None:
    partner = Viewer("partner", frozenset({"child.read"}))
    assert engine([recorded(1, {"health": "Well."})], viewer=partner) == {}


def test_the_childs_record_is_a_source_when_a_question_names_it() -> None:
    core = SPECS.forms[KIND]
    question = dataclasses.replace(
        core.question("date_started"), prepopulate=(Source("child_record", field="date_of_birth"),)
    )
    sections = tuple(
        dataclasses.replace(
            s, questions=tuple(question if q.id == question.id else q for q in s.questions)
        )
        for s in core.sections
    )
    specs = dataclasses.replace(
        SPECS, forms={**SPECS.forms, KIND: dataclasses.replace(core, sections=sections)}
    )
    result = prepopulate(specs, KIND, "5-9", CHILD, [], {}, WORKER)
    provenance = result["date_started"].provenance
    assert (result["date_started"].value, provenance.rule) == ("2015-06-01", "child_record")
    assert (provenance.source_form_id, provenance.source_question) == (None, "date_of_birth")


# --- through the API --------------------------------------------------------------------------


def approved_for(
    api: Api, child: dict[str, Any], answers: dict[str, Any], started_on: str | None = None
) -> dict[str, Any]:
    """Return an approved core assessment of the child with `answers` besides the mandatory."""
    user = api.as_user(AUTHOR)
    body = {"kind": KIND, "child_id": child["id"]}
    if started_on:
        body["started_on"] = started_on
    form = created(user.post("/forms", body))
    band = form["age_band"]
    form = ok(api.save(form, mandatory_answers(KIND, band) | answers))
    form = ok(api.act(form, "submit", AUTHOR))
    return ok(api.act(form, "approve", "tm_a"))


def family(api: Api) -> tuple[dict[str, Any], dict[str, Any]]:
    """Two declared siblings of 7; the elder has an approved core assessment."""
    elder, younger = api.child(given_name="Ada"), api.child(given_name="Bryn")
    grouped = api.as_user(AUTHOR).post(
        "/sibling-groups", {"child_ids": [elder["id"], younger["id"]]}
    )
    assert grouped.status_code == 201, grouped.text
    approved_for(api, elder, {"basic_care": "Sibling's care.", "housing": "Two-bed flat."})
    return elder, younger


def start(
    api: Api, child: dict[str, Any], user: str = AUTHOR, started_on: str | None = None
) -> httpx.Response:
    """Return the answer to starting a core assessment for the child."""
    body = {"kind": KIND, "child_id": child["id"]}
    if started_on:
        body["started_on"] = started_on
    return api.as_user(user).post("/forms", body)


def test_a_new_form_comes_pre_populated_with_provenance(api: Api) -> None:
    elder, younger = family(api)
    form = created(start(api, younger))
    assert form["answers"]["housing"] == "Two-bed flat."
    provenance = form["provenance"]["housing"]
    assert provenance["rule"] == "sibling" and provenance["source_child_id"] == elder["id"]
    assert provenance["prepopulated"] is True and provenance["approved_at"] is not None
    assert "health" not in form["answers"], "child-level questions never come from a sibling"


def test_a_mandatory_copy_is_confirmed_before_submission(api: Api) -> None:
    _, younger = family(api)
    form = created(start(api, younger))
    given = {q: v for q, v in mandatory_answers(KIND, "5-9").items() if q != "basic_care"}
    form = ok(api.save(form, given))
    body = assert_error(api.act(form, "submit", AUTHOR), 422, "prepopulation_unconfirmed")
    assert body["details"] == ["basic_care"]
    confirm = {"version": form["version"], "question_ids": ["basic_care"]}
    form = ok(api.as_user(AUTHOR).post(f"/forms/{form['id']}/confirmations", confirm))
    assert form["provenance"]["basic_care"]["prepopulated"] is False
    assert ok(api.act(form, "submit", AUTHOR))["status"] == "submitted"


def test_an_edit_is_the_workers_own_and_never_replaced(api: Api) -> None:
    _, younger = family(api)
    approved_for(api, younger, {"basic_care": "Own care."})
    form = created(start(api, younger))
    assert form["answers"]["basic_care"] == "Own care.", "the child's own answer is the default"
    form = ok(api.save(form, {"basic_care": "Typed by the worker."}))
    assert "basic_care" not in form["provenance"]
    sibling_form = next(
        c["source_form_id"]
        for q in ok_list(api.read(f"/forms/{form['id']}/candidates"))
        for c in q["candidates"]
        if c["rule"] == "sibling"
    )
    choice = {"version": form["version"], "question_id": "basic_care", "source_form_id": 1}
    choice["source_form_id"] = sibling_form
    assert_error(
        api.as_user(AUTHOR).post(f"/forms/{form['id']}/choices", choice), 422, "not_prepopulated"
    )
    rerun = api.as_user(AUTHOR).post(
        f"/forms/{form['id']}/prepopulate", {"version": form["version"]}
    )
    assert ok(rerun)["answers"]["basic_care"] == "Typed by the worker."


def test_choosing_a_candidate_records_the_choice(api: Api) -> None:
    elder, younger = family(api)
    approved_for(api, younger, {"basic_care": "Own care."})
    form = created(start(api, younger))
    listed = ok_list(api.read(f"/forms/{form['id']}/candidates"))
    basic = next(q for q in listed if q["question_id"] == "basic_care")
    assert [c["rule"] for c in basic["candidates"]] == ["previous", "sibling"]
    sibling = basic["candidates"][1]
    choice = {
        "version": form["version"],
        "question_id": "basic_care",
        "source_form_id": sibling["source_form_id"],
    }
    form = ok(api.as_user(AUTHOR).post(f"/forms/{form['id']}/choices", choice))
    assert form["answers"]["basic_care"] == "Sibling's care."
    chosen = form["provenance"]["basic_care"]
    assert (chosen["rule"], chosen["source_child_id"], chosen["chosen"]) == (
        "sibling",
        elder["id"],
        True,
    )
    assert chosen["prepopulated"] is False


def test_bad_choices_and_confirmations_are_refused_and_change_nothing(api: Api) -> None:
    _, younger = family(api)
    form = created(start(api, younger))
    other = created(start(api, api.child()))
    user = api.as_user(AUTHOR)
    no_such = {"version": form["version"], "question_id": "housing", "source_form_id": 999}
    assert_error(user.post(f"/forms/{form['id']}/choices", no_such), 422, "unknown_candidate")
    foreign = {"version": other["version"], "question_ids": ["housing"]}
    assert_error(user.post(f"/forms/{other['id']}/confirmations", foreign), 422, "not_prepopulated")
    unknown = {"version": form["version"], "question_ids": ["no_such_question"]}
    assert_error(user.post(f"/forms/{form['id']}/confirmations", unknown), 422, "not_prepopulated")
    assert ok(api.read(f"/forms/{form['id']}")) == form
    assert ok(api.read(f"/forms/{other['id']}")) == other


def test_pre_populating_for_a_child_the_user_may_not_see_is_refused(api: Api) -> None:
    _, younger = family(api)
    before = ok_list(api.read(f"/children/{younger['id']}/forms"))
    # A child not shared with the partner agency is outside its reach (access.yaml).
    assert_error(start(api, younger, user="partner"), 404, "not_found")
    assert ok_list(api.read(f"/children/{younger['id']}/forms")) == before


def test_a_child_without_history_starts_blank(api: Api) -> None:
    form = created(start(api, api.child()))
    assert (form["answers"], form["provenance"], form["version"]) == ({}, {}, 1)


# --- properties of the engine -------------------------------------------------------------------

FAMILY_IDS = (1, 2, 3)  # 1 is the child; 2 a declared sibling; 3 a child who is not one
LEVEL = {q.id: s.level for kind in SPECS.forms.values() for s in kind.sections for q in s.questions}


@st.composite
def histories(draw: st.DrawFn) -> list[RecordedForm]:
    """Return forms of the child, the sibling and the non-sibling, in every state and band."""
    forms = []
    for form_id in range(1, draw(st.integers(0, 8)) + 1):
        kind = draw(st.sampled_from(sorted(SPECS.forms)))
        definition = SPECS.forms[kind]
        band = draw(st.sampled_from(definition.bands))
        asked = [q.id for q in definition.asked(band) if q.type == "long_text"]
        answered = draw(st.lists(st.sampled_from(asked), unique=True)) if asked else []
        status = draw(st.sampled_from([s.id for s in SPECS.lifecycle.states]))
        forms.append(
            RecordedForm(
                id=form_id,
                kind=kind,
                child_id=draw(st.sampled_from(FAMILY_IDS)),
                age_band=band,
                status=status,
                approved_at=at(draw(st.integers(1, 28))) if status == "approved" else None,
                answers={q: f"{q} in form {form_id}" for q in answered},
            )
        )
    return forms


@settings(max_examples=200, deadline=None, derandomize=True)
@given(histories(), st.sampled_from(SPECS.forms[KIND].bands), st.randoms(use_true_random=False))
def test_the_engine_copies_only_approved_declared_mapped_answers_whatever_the_order(
    forms: list[RecordedForm], band: str, shuffler: random.Random
) -> None:
    """Every copy comes from an approved form of the child or the declared sibling (a sibling's
    into a family-level question only), equals the source's answer to the mapped question, and
    the result does not depend on the order the forms are given in."""
    own = [f for f in forms if f.child_id == 1]
    sibling = {2: [f for f in forms if f.child_id == 2]}
    result = prepopulate(SPECS, KIND, band, CHILD, own, sibling, WORKER)
    by_id = {f.id: f for f in forms}
    for question, answer in result.items():
        for candidate in (answer, *answer.candidates):
            p = candidate.provenance
            source = by_id[p.source_form_id or 0]
            assert source.status == "approved" and source.child_id in (1, 2), p
            assert p.rule != SIBLING or LEVEL[question] == FAMILY_LEVEL, p
            assert source.answers[p.source_question] == candidate.value, p
            if p.rule in (PREVIOUS, SIBLING):
                mapped = SPECS.forms[KIND].band_mapping.source_question(
                    source.age_band, band, question, SPECS.forms[KIND].asked_ids(source.age_band)
                )
                assert mapped == p.source_question, p
    shuffled = list(own)
    shuffler.shuffle(shuffled)
    assert prepopulate(SPECS, KIND, band, CHILD, shuffled, sibling, WORKER) == result
