"""Search across one child's record: a phrase is found in every source of specs/record.yaml (case
notes, answers, the six steps, the child's plan) and each hit names its record and field
(REC-003); nothing of another child's record is ever returned, even when both hold the phrase
(REC-004)."""

from __future__ import annotations

import random
from typing import Any
from urllib.parse import quote

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import seed as seeded
from hypothesis import strategies as st
from record.record_case import (
    PHRASE_WORDS,
    add_evidence,
    add_need,
    answered_assessment,
    long_text_question,
    phrase,
    plan_action,
    record_note,
    record_rules,
)

from accredit.plugin import Recorder
from accredit.specs import SpecBundle
from accredit.sut import Exchange, SutClient

from steps import AUTHOR, create_child, expect

#: Generated pairs of children per run profile.
EXAMPLES = {"smoke": 2, "full": 8}


def search(client: SutClient, child_id: int, query: str) -> Exchange:
    return client.get(f"/children/{child_id}/search?q={quote(query)}")


def _hits(exchange: Exchange) -> list[dict[str, Any]]:
    hits: list[dict[str, Any]] = exchange.json().get("hits", [])
    return hits


@pytest.mark.requirement("REC-003")
def test_a_phrase_is_found_in_every_source_with_its_record_and_field(
    sut: SutClient, specs: SpecBundle, rng: random.Random
) -> None:
    """A phrase written in a note, an answer, an evidence item, a need's analysis, a plan
    objective and a plan action's title and responsible person is found in each, every hit
    naming the record and field it was written in."""
    client = sut.as_user(AUTHOR)
    words = phrase(rng)
    draft = answered_assessment(client, specs, rng)
    question = long_text_question(specs, draft)
    saved = client.patch(
        f"/forms/{draft['id']}",
        {"version": draft["version"], "answers": {question: f"At school: {words.upper()}, twice."}},
    )
    expect(saved, 200, what="save an answer holding the phrase")
    form = saved.json()
    kind = record_rules(specs).steps.evidence_kinds[-1]
    item = add_evidence(client, form, kind, f"The aunt says {words} matters.")
    need = add_need(client, form, analysis=f"Because of {words}, help is needed.")
    note = record_note(client, form["child_id"], f"Rang about {words}; no answer.")
    action = plan_action(
        sut,
        specs,
        form["child_id"],
        f"Book the {words} clinic",
        objective=f"Health: {words} checks",
        responsible=f"Nurse {words}",
    )
    found = search(client, form["child_id"], words)
    expect(found, 200, what="search the record")
    got = {(h.get("source_type"), h.get("source_id"), h.get("field")) for h in _hits(found)}
    wanted = {
        ("note", note["id"], "text"),
        ("form", form["id"], question),
        ("evidence", item["id"], "text"),
        ("need", need["id"], "analysis"),
        ("plan_objective", action["objective_id"], "title"),
        ("plan_action", action["id"], "title"),
        ("plan_action", action["id"], "responsible"),
    }
    sources = dict(record_rules(specs).search.sources)
    # A form's hits name the question; every other source's the field the spec lists.
    wanted = {w for w in wanted if w[0] in sources and (w[0] == "form" or w[2] in sources[w[0]])}
    missing = wanted - got
    assert not missing, (
        f"expected hits {sorted(map(str, wanted))}; missing {sorted(map(str, missing))}"
    )
    assert [n.get("id") for n in found.json().get("notes", [])] == [note["id"]], (
        "the matching case notes are not listed"
    )


@pytest.mark.requirement("REC-003")
@pytest.mark.parametrize("problem", ["empty", "blank", "oversized"])
def test_an_empty_or_oversized_query_is_refused(
    sut: SutClient, specs: SpecBundle, rng: random.Random, problem: str
) -> None:
    """An empty or blank query, or one over the spec's length, is refused with a 4xx naming
    the query."""
    client = sut.as_user(AUTHOR)
    child = create_child(client, rng)
    limit = record_rules(specs).search.max_query_chars
    query = {"empty": "", "blank": "   ", "oversized": "a" * (limit + 1)}[problem]
    got = search(client, child["id"], query)
    assert got.status is not None and 400 <= got.status < 500, (
        f"a {problem} query: expected a 4xx, got {got.status}: {got.text[:200]!r}"
    )
    assert "q" in (got.json() or {}).get("message", "") + str(got.json().get("details", "")), (
        f"the refusal does not name the query: {got.text[:300]}"
    )


def _own_records(client: SutClient, child_id: int, form_id: int) -> set[tuple[str, int]]:
    notes = client.get(f"/children/{child_id}/notes")
    expect(notes, 200, what="list the child's notes")
    own = {("note", n["id"]) for n in notes.json()} | {("form", form_id)}
    plan = client.get(f"/children/{child_id}/plan")
    expect(plan, 200, what="read the child's plan")
    for objective in plan.json().get("objectives", []):
        own |= {("plan_objective", objective["id"])}
        own |= {("plan_action", a["id"]) for a in objective.get("actions", [])}
    for kind in ("evidence", "needs"):
        listed = client.get(f"/forms/{form_id}/{kind}")
        expect(listed, 200, what=f"list the assessment's {kind}")
        own |= {(kind.rstrip("s") if kind == "needs" else kind, i["id"]) for i in listed.json()}
    return own


@pytest.mark.requirement("REC-004")
def test_search_never_returns_another_childs_text(
    sut: SutClient,
    specs: SpecBundle,
    rng: random.Random,
    seed: int,
    run_profile: str,
    recorder: Recorder,
) -> None:
    """For generated pairs of children whose notes, answers, evidence and plans share a phrase,
    each with a marker of its own, a search of either names only its own records and never the
    other's marker."""
    client = sut.as_user(AUTHOR)
    kind = record_rules(specs).steps.evidence_kinds[0]

    @given(
        st.lists(st.sampled_from(PHRASE_WORDS), min_size=1, max_size=3),
        st.integers(10**5, 10**6 - 1),
    )
    @settings(
        max_examples=EXAMPLES[run_profile],
        deadline=None,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    def check(shared_words: list[str], number: int) -> None:
        recorder.take()
        shared = " ".join(shared_words)
        pair = []
        for marker in (f"marker{number}a", f"marker{number}b"):
            draft = answered_assessment(client, specs, rng)
            question = long_text_question(specs, draft)
            saved = client.patch(
                f"/forms/{draft['id']}",
                {"version": draft["version"], "answers": {question: f"{shared} ({marker})"}},
            )
            expect(saved, 200, what="save an answer holding the shared phrase")
            form = saved.json()
            add_evidence(client, form, kind, f"Seen: {shared}, {marker}.")
            record_note(client, form["child_id"], f"Note: {shared} — {marker}.")
            plan_action(
                sut,
                specs,
                form["child_id"],
                f"Act on {shared} ({marker})",
                objective=f"{shared}: {marker}",
            )
            pair.append((form, marker))
        for (form, _), (_, other_marker) in ((pair[0], pair[1]), (pair[1], pair[0])):
            found = search(client, form["child_id"], shared)
            expect(found, 200, what="search the record")
            own = _own_records(client, form["child_id"], form["id"])
            foreign = [
                h
                for h in _hits(found)
                if (h.get("source_type"), h.get("source_id")) not in own
                or other_marker in str(h.get("excerpt", ""))
            ]
            assert not foreign, f"a search of child {form['child_id']} returned {foreign}"
            leaked = [
                n for n in found.json().get("notes", []) if n.get("child_id") != form["child_id"]
            ]
            assert not leaked, f"a search of child {form['child_id']} returned notes {leaked}"

    seeded(seed)(check)()
