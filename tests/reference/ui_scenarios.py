"""What each planted fault of the web UI changes, seen from its screens (rows of the fault
table in test_faults.py): the same scenario on the clean reference and on the faulty one."""

from __future__ import annotations

import re
import time

from tests.reference.conftest import Api
from tests.reference.test_prepopulation import approved_for, family


def _sign_in(api: Api, user: str = "sw_a") -> None:
    api.client.post("/ui/sign-in", data={"username": user, "password": api.tokens[user]})


def screens_before_the_note_form(api: Api) -> int:
    """How many screens of preamble stand between the record and the note form."""
    child = api.child()
    _sign_in(api)
    path, screens = f"/ui/children/{child['id']}/notes/new", 0
    while 'id="text"' not in (page := api.client.get(path).text) and screens < 5:
        screens += 1
        found = re.search(r'href="([^"]+)">Continue</a>', page)
        path = found.group(1).replace("&amp;", "&") if found else path
    return screens


def note_field_labelled(api: Api) -> bool:
    """Whether the note's field has a label that names it."""
    child = api.child()
    _sign_in(api)
    page = api.client.get(f"/ui/children/{child['id']}/notes/new").text
    return 'for="text">Case note</label>' in page


def draft_typed_after_expiry(api: Api) -> str:
    """The note's field after typing on past the session's end and signing in again."""
    child = api.child()
    _sign_in(api)
    place = f"note:{child['id']}"
    api.client.post("/ui/drafts", data={"place": place, "field": "text", "text": "Before."})
    api.client.post("/ui/test-tenant/expire-session")
    api.client.post("/ui/drafts", data={"place": place, "field": "text", "text": "Before. After."})
    _sign_in(api)
    page = api.client.get(f"/ui/children/{child['id']}/notes/new").text
    return page.split('data-autosave="', 1)[1].split(">", 1)[1].split("</textarea>", 1)[0]


def source_after_choosing_the_sibling(api: Api) -> str:
    """Whose answer a copied question holds after the worker chose the sibling's on screen."""
    elder, younger = family(api)  # the elder sibling's approved record says "Sibling's care."
    approved_for(api, younger, {"basic_care": "Own care."})
    _sign_in(api)
    started = api.client.post(
        f"/ui/children/{younger['id']}/forms", data={"kind": "core_assessment"},
        follow_redirects=False,
    )  # fmt: skip
    form_id = int(started.headers["location"].split("/ui/forms/", 1)[1].split("?", 1)[0])
    form = api.as_user("sw_a").get(f"/forms/{form_id}").json()
    candidates = api.as_user("sw_a").get(f"/forms/{form_id}/candidates").json()
    basic_care = next(c for c in candidates if c["question_id"] == "basic_care")
    theirs = next(c for c in basic_care["candidates"] if c["source_child_id"] == elder["id"])
    api.client.post(
        f"/ui/forms/{form_id}/prepopulation",
        data={"version": str(form["version"]), "choice-basic_care": str(theirs["source_form_id"])},
    )
    answer: str = api.as_user("sw_a").get(f"/forms/{form_id}").json()["answers"]["basic_care"]
    return answer


def mentions_found_on_screen(api: Api) -> int:
    """How many mentions the search screen shows: one in a note, one in an answer."""
    form = api.form()
    api.as_user("sw_a").post(f"/children/{form['child_id']}/notes", {"text": "Missed the bus."})
    api.save(form, {"health": "Missed the bus to the clinic."})
    _sign_in(api)
    page = api.client.get(f"/ui/children/{form['child_id']}/search?q=missed+the+bus").text
    return page.count("<mark>")


def approval_seconds(api: Api) -> bool:
    """Whether approving on screen takes longer than a second."""
    form = api.submitted()
    _sign_in(api, "tm_a")
    started = time.monotonic()
    api.client.post(f"/ui/forms/{form['id']}/actions/approve")
    return time.monotonic() - started > 1


def plan_rows_for_team_a(api: Api) -> int:
    """How many actions the plan screen lists when filtered to team A (one of A, one of B)."""
    child = api.child()
    objective = (
        api.as_user("sw_a")
        .post(f"/children/{child['id']}/plan/objectives", {"title": "Safe at home"})
        .json()
    )
    path = f"/children/{child['id']}/plan/objectives/{objective['id']}/actions"
    for user, team in (("sw_a", "A"), ("sw_b", "B")):
        body = {"title": f"Visit by {team}", "owner": team, "responsible": "A worker",
                "due_date": "2030-01-31", "priority": "low"}  # fmt: skip
        assert api.as_user(user).post(path, body).status_code == 201
    _sign_in(api)
    page = api.client.get(f"/ui/children/{child['id']}/plan?team=A").text
    return page.count('href="/ui/plan-actions/')


def need_parts_on_its_screen(api: Api) -> tuple[bool, bool, bool]:
    """Whether a need's screen shows its evidence, its analysis and its plan action."""
    form = api.form()
    user = api.as_user("sw_a")
    child_id = form["child_id"]
    objective = user.post(f"/children/{child_id}/plan/objectives", {"title": "Health"}).json()
    action = user.post(
        f"/children/{child_id}/plan/objectives/{objective['id']}/actions",
        {"title": "Book the dentist", "owner": "A", "responsible": "Mother",
         "due_date": "2030-01-31", "priority": "high"},
    ).json()  # fmt: skip
    item = user.post(
        f"/forms/{form['id']}/evidence",
        {"version": form["version"], "kind": "objective", "text": "Two cavities, untreated."},
    ).json()
    need = user.post(
        f"/forms/{form['id']}/needs",
        {"version": item["form_version"], "need": "Dental care", "analysis": "Fear of dentists.",
         "evidence_ids": [item["id"]], "actions": [{"action_id": action["id"]}]},
    ).json()  # fmt: skip
    _sign_in(api)
    page = api.client.get(f"/ui/forms/{form['id']}/needs/{need['id']}").text
    return (
        "Two cavities, untreated." in page,
        "Fear of dentists." in page,
        "Book the dentist" in page,
    )
