"""The case record around the forms: the six steps of a core assessment, case notes linked to
records, the chronology and search across a child's record; bad input is refused with a 4xx
naming the problem, and nothing of it is stored."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest

from accredit.record_spec import load_record_rules
from tests.reference.conftest import AUTHOR, Api, assert_error, created, ok, ok_list

RULES = load_record_rules()


def evidence(api: Api, form: dict[str, Any], kind: str, text: str) -> dict[str, Any]:
    body = {"version": form["version"], "kind": kind, "text": text}
    item = created(api.as_user(AUTHOR).post(f"/forms/{form['id']}/evidence", body))
    form["version"] = item["form_version"]
    return item


def need(api: Api, form: dict[str, Any], **fields: Any) -> dict[str, Any]:
    body = {"version": form["version"], "need": "A steady bedtime routine."} | fields
    made = created(api.as_user(AUTHOR).post(f"/forms/{form['id']}/needs", body))
    form["version"] = made["form_version"]
    return made


def note(api: Api, child_id: int, text: str, **fields: Any) -> dict[str, Any]:
    body = {"text": text} | fields
    return created(api.as_user(AUTHOR).post(f"/children/{child_id}/notes", body))


# --- the six steps ------------------------------------------------------------------------------


def test_a_need_reads_with_its_evidence_analysis_actions_and_outcomes(api: Api) -> None:
    form = api.complete()
    seen = evidence(api, form, "objective", "The fridge was empty at the visit.")
    said = evidence(api, form, "subjective", "Mum says money runs out by Thursday.")
    made = need(
        api,
        form,
        analysis="Food runs short late in the week.",
        evidence_ids=[said["id"], seen["id"]],
        actions=[{"action_id": 7, "text": "Refer to the food bank"}, {"action_id": 9}],
        planned_outcome="Three meals a day, every day, within a month.",
    )
    read = ok(api.read(f"/forms/{form['id']}/needs/{made['id']}"))
    assert [(e["id"], e["kind"]) for e in read["evidence"]] == [
        (said["id"], "subjective"),
        (seen["id"], "objective"),
    ]
    assert [(a["action_id"], a["text"], a["href"]) for a in read["actions"]] == [
        (7, "Refer to the food bank", "/plan-actions/7"),
        (9, None, "/plan-actions/9"),
    ]
    assert read["analysis"] == "Food runs short late in the week."
    listed = ok_list(api.read(f"/forms/{form['id']}/evidence"))
    assert [e["kind"] for e in listed] == ["objective", "subjective"]
    assert ok(api.read(f"/forms/{form['id']}"))["version"] == form["version"]
    # Approved: nothing changes; an actual outcome is recorded beside the need at review.
    approved = ok(api.act(ok(api.act(form, "submit", AUTHOR)), "approve", "tm_a"))
    locked = api.as_user("admin").patch(
        f"/forms/{form['id']}/needs/{made['id']}",
        {"version": approved["version"], "analysis": "Rewritten."},
    )
    assert_error(locked, 409, "form_locked")
    outcome = {"rating": "partly_achieved", "text": "Meals most days.", "review_id": 3}
    after = created(
        api.as_user("tm_a").post(f"/forms/{form['id']}/needs/{made['id']}/outcomes", outcome)
    )
    assert [(o["rating"], o["review_id"]) for o in after["outcomes"]] == [("partly_achieved", 3)]
    assert ok(api.read(f"/forms/{form['id']}")) == approved


def test_the_six_steps_of_an_approved_form_are_locked(api: Api) -> None:
    form = api.approved()
    for path, body in (
        ("evidence", {"kind": "objective", "text": "Later."}),
        ("needs", {"need": "Later."}),
    ):
        refused = api.as_user("admin").post(
            f"/forms/{form['id']}/{path}", {"version": form["version"]} | body
        )
        assert_error(refused, 409, "form_locked")
    assert ok_list(api.read(f"/forms/{form['id']}/evidence")) == []


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"kind": "hearsay", "text": "x"}, "body.kind"),
        ({"kind": "objective", "text": ""}, "body.text"),
        ({"kind": "objective", "text": "x" * 32_001}, "body.text"),
        ({"kind": "objective"}, "body.text"),
        ({"kind": "objective", "text": "x", "weight": 3}, "body.weight"),
    ],
)
def test_bad_evidence_is_refused_naming_the_field(
    api: Api, body: dict[str, Any], field: str
) -> None:
    form = api.complete()
    refused = api.as_user(AUTHOR).post(
        f"/forms/{form['id']}/evidence", {"version": form["version"]} | body
    )
    error = assert_error(refused, 422, "invalid_request")
    assert field in str(error["details"])
    assert ok_list(api.read(f"/forms/{form['id']}/evidence")) == []


def test_bad_need_links_are_refused_and_nothing_is_stored(api: Api) -> None:
    form, other = api.complete(), api.complete()
    foreign = evidence(api, other, "objective", "Another child's evidence.")
    for body, field in (
        ({"evidence_ids": [foreign["id"]]}, "body.evidence_ids[0]"),
        ({"evidence_ids": [999_999]}, "body.evidence_ids[0]"),
        ({"actions": [{"action_id": 0}]}, "body.actions"),
        ({"actions": [{"action_id": 4}, {"action_id": 4}]}, "body.actions"),
    ):
        refused = api.as_user(AUTHOR).post(
            f"/forms/{form['id']}/needs", {"version": form["version"], "need": "x"} | body
        )
        assert field in str(assert_error(refused, 422, "invalid_request")["details"]), body
    assert ok_list(api.read(f"/forms/{form['id']}/needs")) == []
    assert_error(api.read(f"/forms/{form['id']}/needs/999999"), 404, "not_found")
    initial = api.complete("initial_assessment")
    assert_error(api.read(f"/forms/{initial['id']}/needs"), 422, "no_assessment_steps")


def test_an_outcome_is_recorded_only_at_review_of_an_approved_form(api: Api) -> None:
    form = api.complete()
    made = need(api, form)
    body = {"rating": "achieved", "text": "Done."}
    draft = api.as_user(AUTHOR).post(f"/forms/{form['id']}/needs/{made['id']}/outcomes", body)
    assert_error(draft, 409, "form_not_locked")
    assert ok(api.read(f"/forms/{form['id']}/needs/{made['id']}"))["outcomes"] == []


# --- notes and their links ----------------------------------------------------------------------


def test_a_linked_record_lists_its_notes(api: Api) -> None:
    form = api.complete()
    child = form["child_id"]
    linked = note(
        api,
        child,
        "Visit about the assessment.",
        links=[
            {"target_type": "form", "target_id": form["id"]},
            {"target_type": "plan_action", "target_id": 41},
            {"target_type": "review", "target_id": 5},
        ],
        significant=True,
    )
    note(api, child, "Not linked.")
    assert linked["significant"] is True
    for path in (f"/forms/{form['id']}/notes", "/plan-actions/41/notes", "/reviews/5/notes"):
        assert [n["id"] for n in ok_list(api.read(path))] == [linked["id"]], path
    assert ok_list(api.read("/plan-actions/42/notes")) == []


@pytest.mark.parametrize(
    ("link", "field"),
    [
        ({"target_type": "letter", "target_id": 1}, "body.links[0].target_type"),
        ({"target_type": "form", "target_id": 999_999}, "body.links[0].target_id"),
        ({"target_type": "form", "target_id": -1}, "body.links[0].target_id"),
        ({"target_type": "form", "target_id": "1"}, "body.links.0.target_id"),
        ({"target_type": "review", "target_id": 2**70}, "body.links[0].target_id"),
    ],
)
def test_a_bad_link_target_is_refused_and_no_note_is_kept(
    api: Api, link: dict[str, Any], field: str
) -> None:
    child = api.child()
    refused = api.as_user(AUTHOR).post(
        f"/children/{child['id']}/notes", {"text": "Linked badly.", "links": [link]}
    )
    error = assert_error(refused, 422, "invalid_request")
    assert field.replace(".0.", "[0].") in str(error["details"]) or field in str(error), error
    assert ok_list(api.read(f"/children/{child['id']}/notes")) == []


def test_a_note_cannot_link_another_childs_form_or_be_oversized(api: Api) -> None:
    form, child = api.complete(), api.child()
    other = {"text": "x", "links": [{"target_type": "form", "target_id": form["id"]}]}
    error = assert_error(
        api.as_user(AUTHOR).post(f"/children/{child['id']}/notes", other), 422, "invalid_request"
    )
    assert "another child" in error["message"]
    too_long = api.as_user(AUTHOR).post(f"/children/{child['id']}/notes", {"text": "x" * 32_001})
    assert_error(too_long, 422, "invalid_request")
    assert ok_list(api.read(f"/children/{child['id']}/notes")) == []


# --- chronology ---------------------------------------------------------------------------------


def test_the_chronology_lists_significant_events_by_day_then_kind_then_id(api: Api) -> None:
    form = api.submitted()
    child = form["child_id"]
    today = date.today()
    late = note(api, child, "Strategy meeting.", significant=True, occurred_on=today.isoformat())
    early = note(
        api,
        child,
        "Police called out.",
        significant=True,
        occurred_on=(today - timedelta(days=40)).isoformat(),
    )
    note(api, child, "Routine call.", occurred_on=(today - timedelta(days=20)).isoformat())
    events = ok_list(api.read(f"/children/{child}/chronology"))
    got = [(e["on"], e["kind"], e["source_type"], e["source_id"]) for e in events]
    expected = sorted(
        [
            ((today - timedelta(days=40)).isoformat(), "note_significant", "note", early["id"]),
            (form["started_on"], "form_started", "form", form["id"]),
            (today.isoformat(), "note_significant", "note", late["id"]),
            (form["submitted_at"][:10], "form_submitted", "form", form["id"]),
        ],
        key=lambda e: (e[0], RULES.event_rank(e[1]), e[3]),
    )
    assert got == expected
    assert_error(api.read("/children/999999/chronology"), 404, "not_found")


# --- search -------------------------------------------------------------------------------------


def test_search_points_at_notes_answers_and_the_six_steps_of_this_child_only(api: Api) -> None:
    form = api.form()
    ok(api.save(form, {"health": "Seen by the orchard clinic nurse."}))
    form = ok(api.read(f"/forms/{form['id']}"))
    item = evidence(api, form, "objective", "Letter from the Orchard Clinic.")
    made = need(api, form, analysis="The orchard clinic can help.")
    noted = note(api, form["child_id"], "Rang the orchard clinic.")
    other = api.form()
    ok(api.save(other, {"health": "Orchard clinic, another child."}))
    answer = ok(api.read(f"/children/{form['child_id']}/search?q=orchard%20clinic"))
    got = {(h["source_type"], h["source_id"], h["field"]) for h in answer["hits"]}
    assert got == {
        ("note", noted["id"], "text"),
        ("form", form["id"], "health"),
        ("evidence", item["id"], "text"),
        ("need", made["id"], "analysis"),
    }
    assert [n["id"] for n in answer["notes"]] == [noted["id"]]


@pytest.mark.parametrize("query", ["", "   ", "x" * (RULES.search.max_query_chars + 1)])
def test_an_empty_or_oversized_query_is_refused(api: Api, query: str) -> None:
    child = api.child()
    refused = api.as_user(AUTHOR).request(
        "GET", f"/children/{child['id']}/search", params={"q": query}
    )
    assert "query.q" in str(assert_error(refused, 422, "invalid_request")["details"])


# --- the planted faults' scenarios (rows of tests/reference/test_faults.py) ---------------------


def kind_of_a_subjective_item(api: Api) -> Any:
    return evidence(api, api.complete(), "subjective", "Mum says so.")["kind"]


def evidence_of_a_need(api: Api) -> Any:
    form = api.complete()
    item = evidence(api, form, "objective", "Seen at the visit.")
    made = need(api, form, evidence_ids=[item["id"]], actions=[{"action_id": 3}])
    read = ok(api.read(f"/forms/{form['id']}/needs/{made['id']}"))
    return len(read["evidence"]), len(read["actions"])


def notes_of_a_linked_form(api: Api) -> Any:
    form = api.complete()
    link = {"target_type": "form", "target_id": form["id"]}
    note(api, form["child_id"], "About the assessment.", links=[link])
    return len(ok_list(api.read(f"/forms/{form['id']}/notes")))


def chronology_of_a_late_note(api: Api) -> Any:
    child = api.child()["id"]
    today = date.today()
    for days in (2, 30):
        day = (today - timedelta(days=days)).isoformat()
        note(api, child, f"Event {days} days ago.", significant=True, occurred_on=day)
    return [e["on"] for e in ok_list(api.read(f"/children/{child}/chronology"))]


def forms_found_for_a_shared_phrase(api: Api) -> Any:
    form, other = api.complete(), api.complete()
    ok(api.save(other, {"health": "A lantern festival."}))
    ok(api.save(form, {"health": "A lantern festival too."}))
    hits = ok(api.read(f"/children/{form['child_id']}/search?q=lantern"))["hits"]
    mine = {form["id"]: "own", other["id"]: "other"}
    return sorted(mine[h["source_id"]] for h in hits if h["source_type"] == "form")
