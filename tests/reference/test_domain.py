"""The pure rules of `reference_impl.domain`, checked without HTTP or SQL."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from accredit.specs import NO_AGE_BAND
from reference_impl.domain.access import Actor, actor_from_spec
from reference_impl.domain.answers import apply_answers, form_band, missing_mandatory
from reference_impl.domain.lifecycle import (
    FormStamps,
    delete_refusal,
    edit_refusal,
    stamps_after,
    transition_for,
)
from reference_impl.domain.refusal import Refusal
from tests.reference.conftest import KIND, SPECS

LIFECYCLE = SPECS.lifecycle
CORE = SPECS.forms[KIND]
NOW = datetime(2024, 5, 1, 9, 30, tzinfo=UTC)


def actor(key: str) -> Actor:
    user = SPECS.users.user(key)
    return actor_from_spec(SPECS.users, user.key, user.role, user.team)


def code(outcome: object) -> str | None:
    return outcome.code if isinstance(outcome, Refusal) else None


@pytest.mark.parametrize(
    ("born", "on", "band"),
    [
        ("2019-05-01", "2024-05-01", "5-9"),  # the fifth birthday itself
        ("2019-05-01", "2024-04-30", "3-4"),
        ("2016-02-29", "2021-02-28", "3-4"),  # a leap-day child turns 5 on 1 March
        ("2016-02-29", "2021-03-01", "5-9"),
        ("2024-05-02", "2024-05-01", None),  # started before the birth
    ],
)
def test_the_band_is_the_age_in_completed_years_on_the_start_day(
    born: str, on: str, band: str | None
) -> None:
    got = form_band(CORE, SPECS.age_band_sets, date.fromisoformat(born), date.fromisoformat(on))
    assert got == band


def test_a_form_without_a_band_set_is_in_the_band_all() -> None:
    definition = SPECS.forms["initial_assessment"]
    assert form_band(definition, SPECS.age_band_sets, date(2000, 1, 1), NOW.date()) == NO_AGE_BAND


def test_answers_come_back_in_form_order_and_blank_clears() -> None:
    answers = apply_answers(
        CORE,
        "5-9",
        {"health": "x"},
        {"child_views": "y", "date_started": "2024-01-01", "health": ""},
    )
    assert isinstance(answers, dict)
    assert list(answers.items()) == [("date_started", "2024-01-01"), ("child_views", "y")]


def test_unknown_questions_are_reported_before_bad_values() -> None:
    outcome = apply_answers(CORE, "5-9", {}, {"child_seen": "maybe", "shoe_size": 3})
    assert code(outcome) == "unknown_question"


def test_missing_mandatory_answers_follow_form_order() -> None:
    given = {q: "x" for q in CORE.mandatory("5-9")[1:-1]}
    assert missing_mandatory(CORE, "5-9", given) == (
        CORE.mandatory("5-9")[0],
        CORE.mandatory("5-9")[-1],
    )


@pytest.mark.parametrize(
    ("action", "state", "user", "reason", "expected"),
    [
        ("approve", "approved", "admin", None, "form_locked"),
        ("return", "approved", "tm_a", "why", "form_locked"),
        ("approve", "draft", "tm_a", None, "invalid_transition"),
        ("approve", "submitted", "admin", None, "forbidden"),
        ("submit", "draft", "tm_a", None, "forbidden"),
        ("approve", "submitted", "sw_a", None, "forbidden"),
        ("approve", "submitted", "tm_a", None, None),
        ("return", "submitted", "tm_b", " ", "reason_required"),
        ("return", "submitted", "tm_b", "Add detail.", None),
    ],
)
def test_a_transition_is_checked_in_the_contract_order(
    action: str, state: str, user: str, reason: str | None, expected: str | None
) -> None:
    outcome = transition_for(LIFECYCLE, action, LIFECYCLE.state(state), actor(user), "sw_a", reason)
    assert code(outcome) == expected


def test_four_eyes_refuses_the_author_whatever_their_role() -> None:
    outcome = transition_for(
        LIFECYCLE, "approve", LIFECYCLE.state("submitted"), actor("tm_a"), "tm_a", None
    )
    assert code(outcome) == "four_eyes"


def test_a_locked_form_refuses_edits_and_deletes_before_any_permission() -> None:
    approved = LIFECYCLE.state("approved")
    for key in ("sw_a", "admin", "partner"):
        assert code(edit_refusal(LIFECYCLE, approved, actor(key))) == "form_locked"
        assert code(delete_refusal(LIFECYCLE, approved, actor(key), "sw_a")) == "form_locked"


def test_a_draft_is_deleted_by_its_author_or_an_administrator_only() -> None:
    draft = LIFECYCLE.state("draft")
    assert delete_refusal(LIFECYCLE, draft, actor("sw_a"), "sw_a") is None
    assert delete_refusal(LIFECYCLE, draft, actor("admin"), "sw_a") is None
    assert code(delete_refusal(LIFECYCLE, draft, actor("tm_a"), "sw_a")) == "forbidden"


def test_stamps_record_submission_return_and_approval() -> None:
    blank = FormStamps(None, None, None, None)
    submit = LIFECYCLE.transition("submit", "draft")
    back = LIFECYCLE.transition("return", "submitted")
    approve = LIFECYCLE.transition("approve", "submitted")
    assert submit and back and approve
    submitted = stamps_after(LIFECYCLE, submit, blank, actor("sw_a"), None, NOW)
    assert submitted == FormStamps(NOW, None, None, None)
    returned = stamps_after(LIFECYCLE, back, submitted, actor("tm_a"), "More.", NOW)
    assert returned.returned_reason == "More."
    assert (
        stamps_after(LIFECYCLE, submit, returned, actor("sw_a"), None, NOW).returned_reason is None
    )
    approved = stamps_after(LIFECYCLE, approve, submitted, actor("tm_a"), None, NOW)
    assert (approved.approved_at, approved.approved_by) == (NOW, "tm_a")
