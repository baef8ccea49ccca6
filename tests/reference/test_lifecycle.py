"""The form lifecycle over the API: draft -> submitted -> approved, and nothing after."""

from __future__ import annotations

import dataclasses

import pytest

from reference_impl.app import create_app, issue_tokens
from reference_impl.settings import Settings
from tests.reference.conftest import (
    AUTHOR,
    KIND,
    SPECS,
    Api,
    assert_error,
    client_for,
    mandatory_answers,
    ok,
    ok_list,
    sample,
)

USERS = [u.key for u in SPECS.users.required_users]


def test_a_form_goes_from_draft_to_approved(api: Api) -> None:
    """Start, save, submit, return with a reason, resubmit and approve: each step is recorded."""
    form = api.form()
    assert (form["status"], form["version"], form["author"]) == ("draft", 1, AUTHOR)
    assert form["age_band"] == "5-9" and form["answers"] == {}
    form = ok(api.save(form, mandatory_answers(KIND, "5-9")))
    assert form["version"] == 2
    assert list(form["answers"]) == list(SPECS.forms[KIND].mandatory("5-9")), "form order"
    form = ok(api.act(form, "submit", AUTHOR))
    assert (form["status"], form["version"]) == ("submitted", 3)
    assert form["submitted_at"] is not None
    form = ok(api.act(form, "return", "tm_a", {"reason": "Add the school's view."}))
    assert (form["status"], form["returned_reason"]) == ("draft", "Add the school's view.")
    form = ok(api.act(form, "submit", AUTHOR))
    assert form["returned_reason"] is None, "a resubmission clears the return reason"
    form = ok(api.act(form, "approve", "tm_a", {"version": form["version"]}))
    assert (form["status"], form["approved_by"], form["version"]) == ("approved", "tm_a", 6)
    assert form["approved_at"] is not None
    assert ok(api.read(f"/forms/{form['id']}")) == form
    listed = ok_list(api.read(f"/children/{form['child_id']}/forms"))
    assert [f["id"] for f in listed] == [form["id"]]


def test_an_initial_assessment_is_in_the_band_all(api: Api) -> None:
    form = api.form("initial_assessment", years=16)
    assert form["age_band"] == "all"


def test_a_form_kind_without_the_childs_band_is_refused() -> None:
    """A form kind whose spec leaves out a band refuses a child of that band's age."""
    core = dataclasses.replace(SPECS.forms[KIND], bands=("5-9",))
    specs = dataclasses.replace(SPECS, forms={**SPECS.forms, KIND: core})
    app = create_app(Settings(database_url="sqlite://"), specs)
    with client_for(app) as client:
        api = Api(client, issue_tokens(app), specs)
        child = api.child(years=12)
        refused = api.as_user(AUTHOR).post("/forms", {"kind": KIND, "child_id": child["id"]})
        body = assert_error(refused, 422, "age_band_not_defined")
    assert "10-14" in body["message"]


def test_the_band_follows_the_start_date(api: Api) -> None:
    """A child turning 5 on 2020-06-01 is in 5-9 from that day, and in 3-4 the day before."""
    child = api.child(date_of_birth="2015-06-01")
    user = api.as_user(AUTHOR)
    started = user.post(
        "/forms", {"kind": KIND, "child_id": child["id"], "started_on": "2020-06-01"}
    )
    assert started.status_code == 201 and started.json()["age_band"] == "5-9"
    early = user.post("/forms", {"kind": KIND, "child_id": child["id"], "started_on": "2020-05-31"})
    assert early.status_code == 201 and early.json()["age_band"] == "3-4"


def test_the_author_cannot_approve_their_own_form(api: Api) -> None:
    """Four eyes: a team manager who wrote the form is refused, whatever their role."""
    form = api.submitted(author="tm_a")
    body = assert_error(api.act(form, "approve", "tm_a"), 403, "four_eyes")
    assert "own form" in body["message"]
    assert ok(api.read(f"/forms/{form['id']}"))["status"] == "submitted"
    # Another team's manager may not either (access.yaml: changes are the owning team's).
    assert_error(api.act(form, "approve", "tm_b"), 403, "forbidden")
    assert ok(api.read(f"/forms/{form['id']}"))["status"] == "submitted"


@pytest.mark.parametrize(
    ("user", "status", "code"),
    # The partner agency does not reach a child not shared with it (access.yaml): not found.
    [("sw_a", 403, "forbidden"), ("partner", 404, "not_found"), ("admin", 403, "forbidden")],
)
def test_only_a_team_manager_approves(api: Api, user: str, status: int, code: str) -> None:
    form = api.submitted()
    assert_error(api.act(form, "approve", user), status, code)


def test_only_the_author_submits(api: Api) -> None:
    form = api.complete()
    assert_error(api.act(form, "submit", "sw_b"), 403, "forbidden")
    assert_error(api.act(form, "submit", "tm_a"), 403, "forbidden")


def test_a_return_needs_a_reason(api: Api) -> None:
    form = api.submitted()
    assert_error(api.act(form, "return", "tm_a"), 422, "reason_required")
    assert_error(api.act(form, "return", "tm_a", {"reason": "  "}), 422, "reason_required")


def test_an_action_from_the_wrong_state_names_both(api: Api) -> None:
    form = api.complete()
    body = assert_error(api.act(form, "approve", "tm_a"), 409, "invalid_transition")
    assert "approve" in body["message"] and "draft" in body["message"]


def test_a_stale_version_is_a_conflict(api: Api) -> None:
    form = api.complete()
    assert_error(api.act(form, "submit", AUTHOR, {"version": 1}), 409, "version_conflict")
    stale = dict(form, version=1)
    assert_error(api.save(stale, {"identity": "x"}), 409, "version_conflict")


def test_a_submitted_form_cannot_be_edited_or_deleted(api: Api) -> None:
    form = api.submitted()
    assert_error(api.save(form, {"identity": "x"}), 409, "form_not_editable")
    assert_error(api.as_user(AUTHOR).delete(f"/forms/{form['id']}"), 409, "form_not_editable")


def test_submission_names_every_missing_mandatory_answer_in_form_order(api: Api) -> None:
    form = api.form()
    leave_out = ["analysis", "date_started", "child_views"]
    form = ok(api.save(form, mandatory_answers(KIND, "5-9", leave_out)))
    body = assert_error(api.act(form, "submit", AUTHOR), 422, "mandatory_missing")
    assert body["details"] == ["date_started", "analysis", "child_views"]
    assert "analysis" in body["message"]
    assert ok(api.read(f"/forms/{form['id']}"))["status"] == "draft"


def test_blank_text_is_not_an_answer_at_submission(api: Api) -> None:
    form = api.form()
    form = ok(api.save(form, mandatory_answers(KIND, "5-9") | {"analysis": "   "}))
    body = assert_error(api.act(form, "submit", AUTHOR), 422, "mandatory_missing")
    assert body["details"] == ["analysis"]


def test_a_draft_saves_without_its_mandatory_answers(api: Api) -> None:
    form = ok(api.save(api.form(), {"identity": "Proud of her Welsh name."}))
    assert form["answers"] == {"identity": "Proud of her Welsh name."}


def test_null_or_empty_clears_an_answer(api: Api) -> None:
    form = ok(api.save(api.form(), {"identity": "x", "child_seen": True, "health": "y"}))
    form = ok(api.save(form, {"identity": None, "child_seen": ""}))
    assert form["answers"] == {"health": "y"}


def test_a_save_that_changes_nothing_keeps_the_version(api: Api) -> None:
    form = ok(api.save(api.form(), {"identity": "x"}))
    again = ok(api.save(form, {"identity": "x"}))
    assert again["version"] == form["version"] and again["updated_at"] == form["updated_at"]


@pytest.mark.parametrize("user", USERS)
def test_every_change_to_an_approved_form_is_form_locked(api: Api, user: str) -> None:
    """Save, delete and every action by every user (administrator included): 409 form_locked,
    and the form reads back byte for byte."""
    form = api.approved()
    before = api.read(f"/forms/{form['id']}").content
    client = api.as_user(user)
    attempts = [
        client.patch(
            f"/forms/{form['id']}",
            {"version": form["version"], "answers": {"analysis": "altered"}},
        ),
        client.patch(f"/forms/{form['id']}", {"version": 1, "answers": {"analysis": None}}),
        client.delete(f"/forms/{form['id']}"),
        *(
            client.post(
                f"/forms/{form['id']}/{action}",
                {"reason": "Re-open to correct.", "version": form["version"]},
            )
            for action in SPECS.lifecycle.actions
        ),
    ]
    for attempt in attempts:
        assert_error(attempt, 409, "form_locked")
    assert api.read(f"/forms/{form['id']}").content == before


def test_a_draft_is_deleted_by_its_author_or_an_administrator(api: Api) -> None:
    mine, other = api.form(), api.form()
    assert_error(api.as_user("sw_b").delete(f"/forms/{mine['id']}"), 403, "forbidden")
    assert_error(api.as_user("auditor").delete(f"/forms/{mine['id']}"), 403, "forbidden")
    assert api.as_user(AUTHOR).delete(f"/forms/{mine['id']}").status_code == 204
    assert api.as_user("admin").delete(f"/forms/{other['id']}").status_code == 204
    assert_error(api.read(f"/forms/{mine['id']}"), 404, "not_found")


@pytest.mark.parametrize(
    ("question", "value"),
    [("child_seen", "yes"), ("child_seen", 1), ("date_started", "31/03/2024"),
     ("date_started", "2024-02-30"), ("outcome", "adopted"), ("health", 7),
     ("health", ["a"]), ("health", "x" * 32_001)],
)  # fmt: skip
def test_an_answer_of_the_wrong_type_is_invalid_answer(
    api: Api, question: str, value: object
) -> None:
    form = api.form()
    body = assert_error(api.save(form, {question: value}), 422, "invalid_answer")
    assert question in body["message"]
    assert ok(api.read(f"/forms/{form['id']}"))["version"] == 1


def test_a_question_not_in_the_form_is_unknown_question(api: Api) -> None:
    form = api.form()
    body = assert_error(api.save(form, {"health": "ok", "shoe_size": "3"}), 422, "unknown_question")
    assert "shoe_size" in body["message"]
    assert ok(api.read(f"/forms/{form['id']}"))["answers"] == {}


def test_answers_keep_their_types(api: Api) -> None:
    answers = {q: sample(KIND, q) for q in ("date_started", "child_seen", "outcome", "health")}
    form = ok(api.save(api.form(), answers))
    assert form["answers"] == answers
