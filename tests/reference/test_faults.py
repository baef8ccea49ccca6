"""Each planted fault changes the reference exactly as described, and only when switched on.

One row per fault: a scenario, what the clean reference shows, what the faulty one shows.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient

from reference_impl.api import strain
from reference_impl.faults import (
    FAULTS,
    SLOW_SEARCH_SECONDS_PER_NOTE,
    UnknownFaultError,
    leaked_seconds,
)
from reference_impl.settings import Settings
from tests.reference.casework_fault_rows import CASEWORK_FAULT_ROWS
from tests.reference.conftest import (
    AUTHOR,
    KIND,
    SPECS,
    Api,
    MakeApi,
    created,
    mandatory_answers,
    ok,
)
from tests.reference.test_plan import (
    equal_actions_in_id_order,
    listed_for_team_b,
    other_team_changes_an_action,
    two_updates_on_one_version,
)
from tests.reference.test_prepopulation import approved_for, family, start
from tests.reference.test_record import (
    chronology_of_a_late_note,
    evidence_of_a_need,
    forms_found_for_a_shared_phrase,
    kind_of_a_subjective_item,
    notes_of_a_linked_form,
    plan_actions_found_for_a_shared_phrase,
)
from tests.reference.ui_scenarios import (
    approval_seconds,
    draft_typed_after_expiry,
    mentions_found_on_screen,
    need_parts_on_its_screen,
    note_field_labelled,
    plan_rows_for_team_a,
    screens_before_the_note_form,
    source_after_choosing_the_sibling,
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


def search_forty_notes(api: Api) -> Any:
    child = api.child()
    for n in range(40):
        api.as_user(AUTHOR).post(f"/children/{child['id']}/notes", {"text": f"Visit {n}."})
    started = time.monotonic()
    found = api.read(f"/children/{child['id']}/search?q=visit%2039").json()["notes"]
    return [n["text"] for n in found], time.monotonic() - started >= SLOW_SEARCH_FLOOR


def a_read_ten_seconds_on(api: Api) -> Any:
    """A second read on a connection ten seconds old (the clock is moved, not waited for)."""
    child = api.child()
    api.read(f"/children/{child['id']}")
    real = strain.clock
    strain.clock = lambda: real() + 10.0
    try:
        started = time.monotonic()
        api.read(f"/children/{child['id']}")
        return time.monotonic() - started >= LEAK_FLOOR
    finally:
        strain.clock = real


def reads_from_twelve_clients(api: Api) -> Any:
    child = api.child()
    headers = {"Authorization": f"Bearer {api.tokens[AUTHOR]}"}
    statuses = [
        TestClient(api.client.app, client=("127.0.0.1", port))
        .get(f"/children/{child['id']}", headers=headers)
        .status_code
        for port in range(40001, 40013)
    ]
    return sorted(set(statuses))


def approve_own_form(api: Api) -> Any:
    form = api.submitted(author="tm_a")
    approved = api.act(form, "approve", "tm_a")
    return approved.status_code, api.read(f"/forms/{form['id']}").json()["status"]


def return_with_reason(api: Api) -> Any:
    form = api.submitted()
    api.act(form, "return", "tm_a", {"reason": "Add the school's view."})
    return api.read(f"/forms/{form['id']}", AUTHOR).json()["returned_reason"]


def reallocate_approved(api: Api) -> Any:
    form = api.approved()
    body = {"version": form["version"], "author": "sw_b"}
    changed = api.as_user("admin").patch(f"/forms/{form['id']}/metadata", body)
    return changed.status_code, api.read(f"/forms/{form['id']}").json()["author"]


def move_approved(api: Api) -> Any:
    form = api.approved()
    other = api.child()
    body = {"version": form["version"], "child_id": other["id"]}
    moved = api.as_user("admin").post(f"/forms/{form['id']}/move", body)
    return moved.status_code, api.read(f"/forms/{form['id']}").json()["child_id"] == other["id"]


def attach_to_approved(api: Api) -> Any:
    form = api.approved()
    body = {
        "version": form["version"],
        "name": "letter.pdf",
        "media_type": "application/pdf",
        "content_base64": "JVBERi0xLjQK",
    }
    added = api.as_user(AUTHOR).post(f"/forms/{form['id']}/attachments", body)
    return added.status_code, len(api.read(f"/forms/{form['id']}").json()["attachments"])


def note_for(api: Api, form: dict[str, Any]) -> dict[str, Any]:
    note = api.as_user(AUTHOR).post(f"/children/{form['child_id']}/notes", {"text": "Visit."})
    assert note.status_code == 201, note.text
    body: dict[str, Any] = note.json()
    return body


def linked_form(api: Api) -> dict[str, Any]:
    form = api.complete()
    body = {
        "version": form["version"],
        "target_type": "note",
        "target_id": note_for(api, form)["id"],
    }
    return ok(api.as_user(AUTHOR).post(f"/forms/{form['id']}/links", body))


def unlink_approved(api: Api) -> Any:
    form = linked_form(api)
    form = ok(api.act(form, "submit", AUTHOR))
    form = ok(api.act(form, "approve", "tm_a"))
    link = form["links"][0]["id"]
    removed = api.as_user(AUTHOR).delete(
        f"/forms/{form['id']}/links/{link}?version={form['version']}"
    )
    return removed.status_code, len(api.read(f"/forms/{form['id']}").json()["links"])


def bulk_over_approved(api: Api) -> Any:
    form = api.approved()
    change = {"form_id": form["id"], "version": form["version"], "answers": {"analysis": "Bulk."}}
    done = api.as_user("admin").post("/forms/bulk-update", {"changes": [change]})
    return done.status_code, api.read(f"/forms/{form['id']}").json()["answers"]["analysis"]


def merge_away_approved(api: Api) -> Any:
    form = api.approved()
    child = api.read(f"/children/{form['child_id']}").json()
    fields = ("given_name", "family_name", "date_of_birth", "sex", "team")
    survivor = api.child(**{k: child[k] for k in fields})
    merged = api.as_user("admin").post(
        f"/children/{survivor['id']}/merge", {"duplicate_id": form["child_id"]}
    )
    return merged.status_code, api.read(f"/forms/{form['id']}").json()["child_id"] == survivor["id"]


def prepopulate_approved(api: Api) -> Any:
    form = api.approved()
    body = {"version": form["version"]}
    refilled = api.as_user("admin").post(f"/forms/{form['id']}/prepopulate", body)
    return refilled.status_code


def approve_an_addendum(api: Api) -> Any:
    form = api.approved()
    before = api.read(f"/forms/{form['id']}").content
    addendum = api.as_user(AUTHOR).post(f"/forms/{form['id']}/addenda")
    assert addendum.status_code == 201, addendum.text
    addendum = ok(api.save(addendum.json(), {"analysis": "Corrected in an addendum."}))
    addendum = ok(api.act(addendum, "submit", AUTHOR))
    ok(api.act(addendum, "approve", "tm_a"))
    return api.read(f"/forms/{form['id']}").content == before


def link_a_submitted_form(api: Api) -> Any:
    """The race itself is in the suites; here, the write that should guard it: a link is a
    new version of the form, which a racing approval's write then sees."""
    form = ok(api.act(api.complete(), "submit", AUTHOR))
    body = {
        "version": form["version"],
        "target_type": "note",
        "target_id": note_for(api, form)["id"],
    }
    linked = ok(api.as_user("tm_a").post(f"/forms/{form['id']}/links", body))
    return linked["version"] - form["version"]


def refused_attempts_in_the_trail(api: Api) -> Any:
    form = api.approved()
    api.save(form, {"analysis": "Rewritten."}, "admin")
    entries = api.read(f"/audit?form_id={form['id']}", "auditor").json()
    return sorted({e["outcome"] for e in entries})


def trail_of_a_deleted_draft(api: Api) -> Any:
    form = ok(api.save(api.form(), {"identity": "x"}))
    api.as_user(AUTHOR).delete(f"/forms/{form['id']}")
    return [e["action"] for e in api.read(f"/audit?form_id={form['id']}", "auditor").json()]


def save_stale_then_fresh(api: Api) -> Any:
    form = api.form()
    ok(api.save(form, {"identity": "First."}))
    stale = api.save(form, {"identity": "Stale."})
    return stale.status_code, api.read(f"/forms/{form['id']}").json()["answers"]["identity"]


def patch_approved_silently(api: Api) -> Any:
    form = api.approved()
    saved = api.save(form, {"analysis": "Rewritten after approval."}, "admin")
    return saved.status_code, api.read(f"/forms/{form['id']}").json()["answers"]["analysis"]


def new_form_after_a_draft(api: Api) -> Any:
    child = api.child()
    approved_for(api, child, {"basic_care": "Approved."})
    draft = created(start(api, child))
    ok(api.save(draft, {"basic_care": "Draft."}))
    return created(start(api, child))["answers"]["basic_care"]


def new_form_beside_a_non_sibling(api: Api) -> Any:
    neighbour, child = api.child(), api.child()
    approved_for(api, neighbour, {"housing": "The neighbour's flat."})
    return created(start(api, child))["answers"].get("housing")


def next_band_after_a_baby_record(api: Api) -> Any:
    child = api.child(date_of_birth="2019-06-01")
    approved_for(api, child, {"education": "Plays with blocks."}, started_on="2020-06-01")
    form = created(start(api, child, started_on="2023-06-01"))
    return form["age_band"], form["answers"].get("education")


def rerun_after_an_edit(api: Api) -> Any:
    child = api.child()
    approved_for(api, child, {"basic_care": "Approved."})
    form = ok(api.save(created(start(api, child)), {"basic_care": "Typed."}))
    rerun = api.as_user(AUTHOR).post(
        f"/forms/{form['id']}/prepopulate", {"version": form["version"]}
    )
    return ok(rerun)["answers"]["basic_care"]


def read_after_a_newer_sibling_approval(api: Api) -> Any:
    elder, younger = family(api)
    form = created(start(api, younger))
    approved_for(api, elder, {"housing": "Moved to a house."})
    return api.read(f"/forms/{form['id']}").json()["answers"]["housing"]


def provenance_of_a_sibling_copy(api: Api) -> Any:
    elder, younger = family(api)
    provenance = created(start(api, younger))["provenance"]["housing"]
    return provenance["source_child_id"] == elder["id"], provenance["source_form_id"] is not None


def default_between_own_and_sibling(api: Api) -> Any:
    _, younger = family(api)
    approved_for(api, younger, {"basic_care": "Own care."})
    return created(start(api, younger))["answers"]["basic_care"]


def partner_reads_a_shared_form(api: Api) -> Any:
    form = api.complete()
    sharing = f"/children/{form['child_id']}/sharing"
    shared = api.as_user(AUTHOR).request("PUT", sharing, {"shared": True})
    assert shared.status_code == 200, shared.text
    read = ok(api.read(f"/forms/{form['id']}", "partner"))
    return "health" in read["answers"], "analysis" in read["answers"]


def auditor_saves_a_draft(api: Api) -> Any:
    form = api.form()
    return api.save(form, {"identity": "Written by the auditor."}, "auditor").status_code


def other_team_saves_a_draft(api: Api) -> Any:
    form = api.form()
    return api.save(form, {"identity": "Written by team B."}, "sw_b").status_code


ANALYSIS_AS_SAVED = mandatory_answers(KIND, "5-9")["analysis"]
SUMMER, WINTER = "2017-07-14", "2017-01-14"
#: slow-search: 40 notes at its cost per note; leak-under-soak: a read at ten seconds.
SLOW_SEARCH_FLOOR = 40 * SLOW_SEARCH_SECONDS_PER_NOTE
LEAK_FLOOR = leaked_seconds(10.0)

Scenario = Callable[[Api], Any]
#: fault, scenario, what the clean reference shows, what the faulty one shows.
FAULT_TABLE: list[tuple[str, Scenario, Any, Any]] = [
    ("lock-bypass", patch_approved, (409, ANALYSIS_AS_SAVED), (200, "Rewritten after approval.")),
    ("delete-locked", delete_approved, (409, 200), (204, 404)),
    ("admin-can-reopen", admin_returns_approved, (409, "approved", [409]), (200, "draft", [409])),
    ("author-self-approves", approve_own_form, (403, "submitted"), (200, "approved")),
    (
        "return-reason-dropped",
        return_with_reason,
        "Add the school's view.",
        None,
    ),
    ("reallocate-locked", reallocate_approved, (409, AUTHOR), (200, "sw_b")),
    ("move-locked", move_approved, (409, False), (200, True)),
    ("attachment-on-locked", attach_to_approved, (409, 0), (200, 1)),
    ("unlink-locked", unlink_approved, (409, 1), (200, 0)),
    ("bulk-skips-lock", bulk_over_approved, (409, ANALYSIS_AS_SAVED), (200, "Bulk.")),
    ("merge-moves-locked", merge_away_approved, (409, False), (200, True)),
    ("prepopulate-locked", prepopulate_approved, 409, 200),
    ("addendum-alters-parent", approve_an_addendum, True, False),
    ("race-after-approve", link_a_submitted_form, 1, 0),
    ("audit-misses-refusals", refused_attempts_in_the_trail, ["allowed", "refused"], ["allowed"]),
    (
        "audit-cascades",
        trail_of_a_deleted_draft,
        ["create_form", "update_answers", "delete_form"],
        ["delete_form"],
    ),
    ("silent-ignore", patch_approved_silently, (409, ANALYSIS_AS_SAVED), (200, ANALYSIS_AS_SAVED)),
    ("stale-version-applied", save_stale_then_fresh, (409, "First."), (200, "Stale.")),
    ("mandatory-ignored", submit_without_analysis, 422, 200),
    ("optional-demanded", submit_mandatory_only, (200, False), (422, True)),
    ("mandatory-at-save", save_one_optional, 200, 422),
    ("prepop-from-draft", new_form_after_a_draft, "Approved.", "Draft."),
    ("prepop-wrong-sibling", new_form_beside_a_non_sibling, None, "The neighbour's flat."),
    (
        "ageband-unmapped-carried",
        next_band_after_a_baby_record,
        ("3-4", None),
        ("3-4", "Plays with blocks."),
    ),
    ("prepop-overwrites-edit", rerun_after_an_edit, "Typed.", "Approved."),
    ("prepop-live-link", read_after_a_newer_sibling_approval, "Two-bed flat.", "Moved to a house."),
    ("no-provenance", provenance_of_a_sibling_copy, (True, True), (False, False)),
    ("prepop-sibling-first", default_between_own_and_sibling, "Own care.", "Sibling's care."),
    ("child-dob-shifted", summer_and_winter_birthdays, [SUMMER, WINTER], ["2017-07-13", WINTER]),
    ("siblings-not-listed", siblings_of_a_pair, True, False),
    ("definition-drift", published_analysis, ("mandatory", 422), ("optional", 422)),
    ("notes-truncated", long_note, 5000, 4000),
    ("slow-search", search_forty_notes, (["Visit 39."], False), (["Visit 39."], True)),
    ("leak-under-soak", a_read_ten_seconds_on, False, True),
    ("errors-under-load", reads_from_twelve_clients, [200], [200, 503]),
    ("ui-extra-screens", screens_before_the_note_form, 0, 2),
    ("ui-missing-labels", note_field_labelled, True, False),
    ("ui-expiry-loses-draft", draft_typed_after_expiry, "Before. After.", "Before."),
    ("ui-choice-ignored", source_after_choosing_the_sibling, "Sibling's care.", "Own care."),
    ("ui-search-notes-only", mentions_found_on_screen, 2, 1),
    ("ui-slow-approval", approval_seconds, False, True),
    ("ui-plan-filter-lost", plan_rows_for_team_a, 1, 2),
    ("ui-split-need-view", need_parts_on_its_screen, (True, True, True), (False, True, False)),
    ("plan-filter-ignores-team", listed_for_team_b, 1, 2),
    ("plan-sort-unstable", equal_actions_in_id_order, True, False),
    ("plan-cross-team-write", other_team_changes_an_action, 403, 200),
    ("plan-lost-update", two_updates_on_one_version, [200, 409], [200, 200]),
    ("evidence-kind-dropped", kind_of_a_subjective_item, "subjective", "objective"),
    ("need-links-lost", evidence_of_a_need, (1, 1), (0, 0)),
    ("note-link-dropped", notes_of_a_linked_form, 1, 0),
    (
        "chronology-misordered",
        chronology_of_a_late_note,
        [str(date.today() - timedelta(days=d)) for d in (30, 2)],
        [str(date.today() - timedelta(days=d)) for d in (2, 30)],
    ),
    ("search-misses-answers", forms_found_for_a_shared_phrase, ["own"], []),
    ("search-leaks-other-child", forms_found_for_a_shared_phrase, ["own"], ["other", "own"]),
    *CASEWORK_FAULT_ROWS,
    (
        "search-leaks-other-child",
        plan_actions_found_for_a_shared_phrase,
        ["own"],
        ["other", "own"],
    ),
    ("partner-sees-all", partner_reads_a_shared_form, (True, False), (True, True)),
    ("auditor-can-write", auditor_saves_a_draft, 403, 200),
    ("other-team-writes", other_team_saves_a_draft, 403, 200),
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
