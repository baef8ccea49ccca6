"""The case record around the forms: the six steps of a core assessment, case notes linked to
records, the chronology and search across a child's record; bad input is refused with a 4xx
naming the problem, and nothing of it is stored."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest

from accredit.record_spec import load_record_rules
from reference_impl.api.search import _SOURCES
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


def plan_action(
    api: Api, child_id: int, title: str = "Refer to the food bank", **fields: Any
) -> dict[str, Any]:
    """Add an objective and an action under it to the child's plan; return the action."""
    objective = created(
        api.as_user(AUTHOR).post(
            f"/children/{child_id}/plan/objectives", {"title": fields.pop("objective", "Meals")}
        )
    )
    body = {
        "title": title,
        "owner": "A",
        "responsible": "Kit Oakhurst",
        "due_date": "2026-03-01",
        "priority": "high",
    } | fields
    return created(
        api.as_user(AUTHOR).post(
            f"/children/{child_id}/plan/objectives/{objective['id']}/actions", body
        )
    )


# --- the six steps ------------------------------------------------------------------------------


def test_a_need_reads_with_its_evidence_analysis_actions_and_outcomes(api: Api) -> None:
    form = api.complete()
    seen = evidence(api, form, "objective", "The fridge was empty at the visit.")
    said = evidence(api, form, "subjective", "Mum says money runs out by Thursday.")
    bank, visit = (plan_action(api, form["child_id"], t) for t in ("Food bank", "Home visit"))
    made = need(
        api,
        form,
        analysis="Food runs short late in the week.",
        evidence_ids=[said["id"], seen["id"]],
        actions=[
            {"action_id": bank["id"], "text": "Refer to the food bank"},
            {"action_id": visit["id"]},
        ],
        planned_outcome="Three meals a day, every day, within a month.",
    )
    read = ok(api.read(f"/forms/{form['id']}/needs/{made['id']}"))
    assert [(e["id"], e["kind"]) for e in read["evidence"]] == [
        (said["id"], "subjective"),
        (seen["id"], "objective"),
    ]
    assert [(a["action_id"], a["text"], a["href"]) for a in read["actions"]] == [
        (bank["id"], "Refer to the food bank", f"/plan-actions/{bank['id']}"),
        (visit["id"], None, f"/plan-actions/{visit['id']}"),
    ]
    assert [(a["title"], a["owner"], a["status"]) for a in read["actions"]] == [
        ("Food bank", "A", "not_started"),
        ("Home visit", "A", "not_started"),
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
    # The plan goes on after approval: the need reads the action as it is now, its snapshot kept.
    changed = {"version": bank["version"], "title": "Food bank, weekly", "status": "completed"}
    ok(api.as_user(AUTHOR).patch(f"/plan-actions/{bank['id']}", changed))
    now = ok(api.read(f"/forms/{form['id']}/needs/{made['id']}"))["actions"][0]
    assert (now["text"], now["title"], now["status"]) == (
        "Refer to the food bank",
        "Food bank, weekly",
        "completed",
    )


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
    own, theirs = plan_action(api, form["child_id"]), plan_action(api, other["child_id"])
    for body, field, words in (
        ({"evidence_ids": [foreign["id"]]}, "body.evidence_ids[0]", "not an item"),
        ({"evidence_ids": [999_999]}, "body.evidence_ids[0]", "not an item"),
        ({"actions": [{"action_id": 0}]}, "body.actions", "greater than"),
        ({"actions": [{"action_id": own["id"]}] * 2}, "body.actions", "twice"),
        ({"actions": [{"action_id": 999_999}]}, "body.actions[0].action_id", "does not exist"),
        (
            {"actions": [{"action_id": own["id"]}, {"action_id": theirs["id"]}]},
            "body.actions[1].action_id",
            "another child's plan",
        ),
    ):
        refused = api.as_user(AUTHOR).post(
            f"/forms/{form['id']}/needs", {"version": form["version"], "need": "x"} | body
        )
        error = assert_error(refused, 422, "invalid_request")
        assert field in str(error["details"]) and words in str(error), (body, error)
    made = need(api, form, actions=[{"action_id": own["id"]}])
    changed = api.as_user(AUTHOR).patch(
        f"/forms/{form['id']}/needs/{made['id']}",
        {"version": form["version"], "actions": [{"action_id": theirs["id"]}]},
    )
    assert_error(changed, 422, "invalid_request")
    read = ok(api.read(f"/forms/{form['id']}/needs/{made['id']}"))
    assert [a["action_id"] for a in read["actions"]] == [own["id"]]
    assert ok(api.read(f"/forms/{form['id']}"))["version"] == form["version"]
    assert [n["id"] for n in ok_list(api.read(f"/forms/{form['id']}/needs"))] == [made["id"]]
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
    action, unlinked = plan_action(api, child), plan_action(api, child)
    worker = api.as_user("sw_a")
    created(
        worker.post(
            f"/children/{child}/looked-after-episodes",
            {
                "start_date": "2025-04-01",
                "reason_new_episode": "S",
                "legal_status": "C2",
                "category_of_need": "N1",
                "placement_type": "U1",
                "placement_provider": "PR1",
                "home_postcode": "AB1 2CD",
                "placement_postcode": "AB3 4EF",
            },
        )
    )
    review = created(
        worker.post(
            f"/children/{child}/reviews", {"review_date": "2025-04-29", "participation": "PN1"}
        )
    )
    linked = note(
        api,
        child,
        "Visit about the assessment.",
        links=[
            {"target_type": "form", "target_id": form["id"]},
            {"target_type": "plan_action", "target_id": action["id"]},
            {"target_type": "review", "target_id": review["id"]},
        ],
        significant=True,
    )
    note(api, child, "Not linked.")
    assert linked["significant"] is True
    paths = (
        f"/forms/{form['id']}/notes",
        f"/plan-actions/{action['id']}/notes",
        f"/reviews/{review['id']}/notes",
    )
    for path in paths:
        assert [n["id"] for n in ok_list(api.read(path))] == [linked["id"]], path
    assert ok_list(api.read(f"/plan-actions/{unlinked['id']}/notes")) == []
    assert_error(api.read("/plan-actions/999999/notes"), 404, "not_found")
    assert_error(api.read("/reviews/999999/notes"), 404, "not_found")
    for path in (f"/reviews/{2**70}/notes", f"/plan-actions/{2**70}/notes"):
        assert_error(api.read(path), 404, "not_found")


@pytest.mark.parametrize(
    ("link", "field"),
    [
        ({"target_type": "letter", "target_id": 1}, "body.links[0].target_type"),
        ({"target_type": "form", "target_id": 999_999}, "body.links[0].target_id"),
        ({"target_type": "form", "target_id": -1}, "body.links[0].target_id"),
        ({"target_type": "form", "target_id": "1"}, "body.links.0.target_id"),
        ({"target_type": "plan_action", "target_id": 999_999}, "body.links[0].target_id"),
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


def test_a_note_cannot_link_another_childs_form_or_action_or_be_oversized(api: Api) -> None:
    form, child = api.complete(), api.child()
    action = plan_action(api, form["child_id"])
    for target_type, target_id in (("form", form["id"]), ("plan_action", action["id"])):
        other = {"text": "x", "links": [{"target_type": target_type, "target_id": target_id}]}
        error = assert_error(
            api.as_user(AUTHOR).post(f"/children/{child['id']}/notes", other),
            422,
            "invalid_request",
        )
        assert "another child" in error["message"] and "target_id" in str(error["details"])
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


def test_search_points_at_notes_answers_six_steps_and_plan_of_this_child_only(api: Api) -> None:
    form = api.form()
    ok(api.save(form, {"health": "Seen by the orchard clinic nurse."}))
    form = ok(api.read(f"/forms/{form['id']}"))
    item = evidence(api, form, "objective", "Letter from the Orchard Clinic.")
    made = need(api, form, analysis="The orchard clinic can help.")
    noted = note(api, form["child_id"], "Rang the orchard clinic.")
    action = plan_action(
        api,
        form["child_id"],
        "Book the orchard clinic",
        objective="Health: orchard clinic checks",
        responsible="Orchard Clinic nurse",
    )
    other = api.form()
    ok(api.save(other, {"health": "Orchard clinic, another child."}))
    plan_action(api, other["child_id"], "Orchard clinic too", objective="Orchard clinic")
    answer = ok(api.read(f"/children/{form['child_id']}/search?q=orchard%20clinic"))
    got = {(h["source_type"], h["source_id"], h["field"], h["form_id"]) for h in answer["hits"]}
    assert got == {
        ("note", noted["id"], "text", None),
        ("form", form["id"], "health", form["id"]),
        ("evidence", item["id"], "text", form["id"]),
        ("need", made["id"], "analysis", form["id"]),
        ("plan_objective", action["objective_id"], "title", None),
        ("plan_action", action["id"], "title", None),
        ("plan_action", action["id"], "responsible", None),
    }
    assert [n["id"] for n in answer["notes"]] == [noted["id"]]


def test_every_search_source_of_the_spec_has_a_reader() -> None:
    assert {source for source, _ in RULES.search.sources} <= set(_SOURCES)


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
    action = plan_action(api, form["child_id"])
    made = need(api, form, evidence_ids=[item["id"]], actions=[{"action_id": action["id"]}])
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


def plan_actions_found_for_a_shared_phrase(api: Api) -> Any:
    form, other = api.child(), api.child()
    own = plan_action(api, form["id"], "Lantern walk with the family")
    theirs = plan_action(api, other["id"], "Lantern walk, another child")
    hits = ok(api.read(f"/children/{form['id']}/search?q=lantern%20walk"))["hits"]
    mine = {own["id"]: "own", theirs["id"]: "other"}
    return sorted(mine[h["source_id"]] for h in hits if h["source_type"] == "plan_action")
