"""Each planted fault changes the reference exactly as described, and only when switched on.

One row per fault: a scenario, what the clean reference shows, what the faulty one shows.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from reference_impl.faults import FAULTS, UnknownFaultError
from reference_impl.settings import Settings
from tests.reference.conftest import (
    AUTHOR,
    KIND,
    SPECS,
    Api,
    MakeApi,
    mandatory_answers,
    ok,
)


def patch_approved(api: Api) -> Any:
    form = api.approved()
    saved = api.save(form, {"analysis": "Rewritten after approval."})
    return saved.status_code, api.read(f"/forms/{form['id']}").json()["answers"]["analysis"]


def delete_approved(api: Api) -> Any:
    form = api.approved()
    deleted = api.as_user(AUTHOR).delete(f"/forms/{form['id']}")
    return deleted.status_code, api.read(f"/forms/{form['id']}").status_code


def admin_returns_approved(api: Api) -> Any:
    form = api.approved()
    returned = api.act(form, "return", "admin", {"reason": "Re-open to correct."})
    others = [api.act(form, "return", user, {"reason": "x"}).status_code for user in ("tm_a",)]
    return returned.status_code, api.read(f"/forms/{form['id']}").json()["status"], others


def submit_without_analysis(api: Api) -> Any:
    form = ok(api.save(api.form(), mandatory_answers(KIND, "5-9", ["analysis"])))
    return api.act(form, "submit", AUTHOR).status_code


def submit_mandatory_only(api: Api) -> Any:
    submitted = api.act(api.complete(), "submit", AUTHOR)
    details = submitted.json().get("details") or []
    return submitted.status_code, set(details) == set(SPECS.forms[KIND].optional("5-9"))


def save_one_optional(api: Api) -> Any:
    return api.save(api.form(), {"identity": "Proud of her Welsh name."}).status_code


def summer_and_winter_birthdays(api: Api) -> Any:
    summer = api.child(date_of_birth=SUMMER)
    winter = api.child(date_of_birth=WINTER)
    return [api.read(f"/children/{c['id']}").json()["date_of_birth"] for c in (summer, winter)]


def siblings_of_a_pair(api: Api) -> Any:
    first, second = api.child(), api.child()
    api.as_user(AUTHOR).post("/sibling-groups", {"child_ids": [first["id"], second["id"]]})
    lists = [api.read(f"/children/{c['id']}").json()["sibling_ids"] for c in (first, second)]
    return lists == [[second["id"]], [first["id"]]]


def published_analysis(api: Api) -> Any:
    definition = api.read(f"/form-definitions/{KIND}").json()
    questions = {q["id"]: q for s in definition["sections"] for q in s["questions"]}
    return questions["analysis"]["status"]["5-9"], submit_without_analysis(api)


def long_note(api: Api) -> Any:
    child = api.child()
    api.as_user(AUTHOR).post(f"/children/{child['id']}/notes", {"text": "é" * 5000})
    return len(api.read(f"/children/{child['id']}/notes").json()[0]["text"])


ANALYSIS_AS_SAVED = mandatory_answers(KIND, "5-9")["analysis"]
SUMMER, WINTER = "2017-07-14", "2017-01-14"

Scenario = Callable[[Api], Any]
#: fault, scenario, what the clean reference shows, what the faulty one shows.
FAULT_TABLE: list[tuple[str, Scenario, Any, Any]] = [
    ("lock-bypass", patch_approved, (409, ANALYSIS_AS_SAVED), (200, "Rewritten after approval.")),
    ("delete-locked", delete_approved, (409, 200), (204, 404)),
    ("admin-can-reopen", admin_returns_approved, (409, "approved", [409]), (200, "draft", [409])),
    ("mandatory-ignored", submit_without_analysis, 422, 200),
    ("optional-demanded", submit_mandatory_only, (200, False), (422, True)),
    ("mandatory-at-save", save_one_optional, 200, 422),
    ("child-dob-shifted", summer_and_winter_birthdays, [SUMMER, WINTER], ["2017-07-13", WINTER]),
    ("siblings-not-listed", siblings_of_a_pair, True, False),
    ("definition-drift", published_analysis, ("mandatory", 422), ("optional", 422)),
    ("notes-truncated", long_note, 5000, 4000),
]


def test_every_fault_has_a_row_and_a_requirement() -> None:
    assert {row[0] for row in FAULT_TABLE} == set(FAULTS)
    assert set(FAULTS) == set(SPECS.catalogue.faults())


@pytest.mark.parametrize(
    ("fault", "scenario", "clean", "faulty"), FAULT_TABLE, ids=[row[0] for row in FAULT_TABLE]
)
def test_a_fault_changes_only_what_it_names(
    make_api: MakeApi, fault: str, scenario: Scenario, clean: Any, faulty: Any
) -> None:
    assert scenario(make_api()) == clean, "the clean reference"
    assert scenario(make_api(fault)) == faulty, f"the reference with {fault}"


def test_metadata_lists_the_active_faults(make_api: MakeApi) -> None:
    api = make_api("notes-truncated", "lock-bypass")
    assert api.read("/metadata").json()["faults"] == ["lock-bypass", "notes-truncated"]


def test_an_unknown_fault_is_refused_with_the_valid_names() -> None:
    with pytest.raises(UnknownFaultError) as raised:
        Settings(faults=frozenset({"lock-bypas"}))
    assert "did you mean 'lock-bypass'" in str(raised.value)
    assert all(name in str(raised.value) for name in FAULTS)


def test_asking_for_a_fault_not_in_the_registry_is_a_bug() -> None:
    with pytest.raises(KeyError):
        Settings().fault("no-such-fault")
