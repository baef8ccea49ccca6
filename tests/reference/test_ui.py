"""The reference's web UI: sign-in and sessions, drafts that outlive a session, bad input on
its forms refused with an error summary and nothing stored, and nothing typed becoming markup."""

from __future__ import annotations

import httpx
import pytest

from reference_impl.domain.mentions import highlighted
from reference_impl.domain.record_search import phrase_words
from tests.reference.conftest import Api, MakeApi, created, ok_list


def sign_in(api: Api, user: str = "sw_a", next_path: str = "/ui/") -> httpx.Response:
    return api.client.post(
        "/ui/sign-in",
        data={"username": user, "password": api.tokens[user], "next": next_path},
        follow_redirects=False,
    )


def test_a_screen_asks_to_sign_in_and_comes_back_after(api: Api) -> None:
    child = api.child()
    wanted = f"/ui/children/{child['id']}"
    response = api.client.get(wanted, follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == f"/ui/sign-in?next={wanted}"
    signed = sign_in(api, next_path=wanted)
    assert (signed.status_code, signed.headers["location"]) == (303, wanted)
    cookie = signed.headers["set-cookie"].lower()
    assert "httponly" in cookie and "samesite=lax" in cookie
    page = api.client.get(wanted)
    assert page.status_code == 200
    assert "Seren Millbeck" in page.text
    assert "default-src 'self'" in page.headers["content-security-policy"]


@pytest.mark.parametrize(
    ("username", "password", "problem"),
    [
        ("", "", "Enter your username"),
        ("sw_a", "", "Enter your password"),
        ("sw_a", "not-the-token", "The username or password is not right"),
        ("tm_a", None, "The username or password is not right"),  # another user's token
    ],
)
def test_a_wrong_sign_in_shows_the_error_summary_and_no_session(
    api: Api, username: str, password: str | None, problem: str
) -> None:
    password = api.tokens["sw_a"] if password is None else password
    response = api.client.post(
        "/ui/sign-in", data={"username": username, "password": password, "next": "/ui/"}
    )
    assert response.status_code == 400
    assert "There is a problem" in response.text and problem in response.text
    assert response.text.startswith("<!DOCTYPE html>")
    assert "<title>Error: Sign in" in response.text
    assert api.tokens["sw_a"] not in response.text
    assert "set-cookie" not in response.headers


@pytest.mark.parametrize(
    "next_path", ["https://elsewhere.example/", "//elsewhere.example/x", "/api"]
)
def test_sign_in_never_sends_the_browser_off_the_ui(api: Api, next_path: str) -> None:
    assert sign_in(api, next_path=next_path).headers["location"] == "/ui/"


def test_an_expired_session_asks_to_sign_in_again_but_keeps_the_draft(api: Api) -> None:
    child = api.child()
    place = f"note:{child['id']}"
    sign_in(api)
    assert (
        api.client.post(
            "/ui/drafts", data={"place": place, "field": "text", "text": "Half"}
        ).status_code
        == 204
    )
    assert api.client.post("/ui/test-tenant/expire-session").status_code == 204
    assert (
        api.client.post(
            "/ui/drafts", data={"place": place, "field": "text", "text": "Half and the rest"}
        ).status_code
        == 204
    )
    form = f"/ui/children/{child['id']}/notes/new"
    response = api.client.get(form, follow_redirects=False)
    assert response.headers["location"].startswith(f"/ui/sign-in?next={form}")
    sign_in(api, next_path=form)
    page = api.client.get(form)
    assert ">Half and the rest</textarea>" in page.text
    assert "What you typed before has been restored" in page.text


def test_the_fault_drops_what_is_typed_after_expiry(make_api: MakeApi) -> None:
    api = make_api("ui-expiry-loses-draft")
    child = api.child()
    place = f"note:{child['id']}"
    sign_in(api)
    api.client.post("/ui/drafts", data={"place": place, "field": "text", "text": "Half"})
    api.client.post("/ui/test-tenant/expire-session")
    refused = api.client.post(
        "/ui/drafts", data={"place": place, "field": "text", "text": "Half more"}
    )
    assert refused.status_code == 401
    sign_in(api)
    assert ">Half</textarea>" in api.client.get(f"/ui/children/{child['id']}/notes/new").text


@pytest.mark.parametrize(
    ("data", "status"),
    [
        ({"place": "note:1", "field": "text", "text": "x"}, 401),  # no session at all
    ],
)
def test_a_draft_without_a_session_is_refused(api: Api, data: dict[str, str], status: int) -> None:
    assert api.client.post("/ui/drafts", data=data).status_code == status


@pytest.mark.parametrize(
    "data",
    [
        {"place": "elsewhere:1", "field": "text", "text": "x"},
        {"place": "note:0", "field": "text", "text": "x"},
        {"place": "note:1", "field": "<b>", "text": "x"},
        {"place": "note:1", "field": "text", "text": "x" * 32_001},
        {"place": "note:1", "field": "text"} | {"place": "n" * 41},
    ],
)
def test_a_draft_of_no_known_screen_is_refused(api: Api, data: dict[str, str]) -> None:
    sign_in(api)
    assert api.client.post("/ui/drafts", data=data).status_code == 422


def test_an_empty_note_is_refused_with_the_error_summary_and_nothing_stored(api: Api) -> None:
    child = api.child()
    sign_in(api)
    response = api.client.post(f"/ui/children/{child['id']}/notes", data={"text": "  "})
    assert response.status_code == 400
    assert '<a href="#text">Enter the case note</a>' in response.text
    assert ok_list(api.as_user("sw_a").get(f"/children/{child['id']}/notes")) == []


def test_a_note_linked_to_an_assessment_is_listed_by_it(api: Api) -> None:
    form = api.form()
    sign_in(api)
    response = api.client.post(
        f"/ui/children/{form['child_id']}/notes",
        data={"text": "Seen at school.", "form_id": str(form["id"])},
        follow_redirects=False,
    )
    assert response.status_code == 303
    notes = ok_list(api.as_user("sw_a").get(f"/children/{form['child_id']}/notes"))
    listed = ok_list(api.as_user("sw_a").get(f"/forms/{form['id']}/notes"))
    assert [n["id"] for n in listed] == [notes[0]["id"]]
    page = api.client.get(f"/ui/children/{form['child_id']}").text
    assert f"Core Assessment Record (form {form['id']})</a>" in page


def test_a_note_cannot_be_linked_to_another_childs_assessment(api: Api) -> None:
    form = api.form()
    other = api.child()
    sign_in(api)
    response = api.client.post(
        f"/ui/children/{other['id']}/notes",
        data={"text": "Wrong link.", "form_id": str(form["id"])},
    )
    assert response.status_code == 400
    assert "another child" in response.text
    assert ok_list(api.as_user("sw_a").get(f"/forms/{form['id']}/notes")) == []
    assert ok_list(api.as_user("sw_a").get(f"/children/{other['id']}/notes")) == []


def test_markup_typed_into_a_note_is_shown_as_text(api: Api) -> None:
    child = api.child()
    text = '<script>alert("x")</script> missed the dentist appointment'
    created(api.as_user("sw_a").post(f"/children/{child['id']}/notes", {"text": text}))
    sign_in(api)
    for path in (f"/ui/children/{child['id']}", f"/ui/children/{child['id']}/search?q=dentist"):
        page = api.client.get(path).text
        assert "<script>alert" not in page
        assert "&lt;script&gt;" in page


def test_search_shows_every_mention_in_notes_and_answers(api: Api) -> None:
    form = api.form()
    user = api.as_user("sw_a")
    for text in (
        "Missed the DENTIST appointment.",
        "Nothing of note.",
        "missed, the dentist appointment",
    ):
        created(user.post(f"/children/{form['child_id']}/notes", {"text": text}))
    api.save(form, {"health": "She missed the dentist appointment twice."})
    sign_in(api)
    page = api.client.get(
        f"/ui/children/{form['child_id']}/search?q=missed+the+dentist+appointment"
    )
    assert "3 mentions of" in page.text
    assert "Core Assessment Record (form" in page.text


def test_a_manager_approves_a_submitted_assessment_from_its_screen(api: Api) -> None:
    form = api.submitted()
    sign_in(api, "tm_a")
    assert "Approve assessment" in api.client.get(f"/ui/forms/{form['id']}").text
    response = api.client.post(f"/ui/forms/{form['id']}/actions/approve", follow_redirects=False)
    assert response.status_code == 303
    assert api.as_user("tm_a").get(f"/forms/{form['id']}").json()["status"] == "approved"


def test_the_author_cannot_approve_their_own_assessment_on_screen(api: Api) -> None:
    form = api.submitted()
    sign_in(api, "sw_a")
    page = api.client.get(f"/ui/forms/{form['id']}").text
    assert "Approve assessment" not in page
    refused = api.client.post(f"/ui/forms/{form['id']}/actions/approve")
    assert refused.status_code == 400 and "There is a problem" in refused.text
    assert api.as_user("sw_a").get(f"/forms/{form['id']}").json()["status"] == "submitted"


def test_the_ui_routes_are_not_part_of_the_contract(api: Api) -> None:
    paths = api.client.get("/openapi.json").json()["paths"]
    assert not [p for p in paths if p.startswith("/ui")]


def test_the_missing_labels_fault_leaves_the_note_field_unlabelled(make_api: MakeApi) -> None:
    api = make_api("ui-missing-labels")
    child = api.child()
    sign_in(api)
    page = api.client.get(f"/ui/children/{child['id']}/notes/new").text
    assert '<label class="govuk-label govuk-label--s" for="text">' not in page
    assert '<p class="govuk-label govuk-label--s">Case note</p>' in page


def test_the_extra_screens_fault_puts_two_screens_before_the_note_form(make_api: MakeApi) -> None:
    api = make_api("ui-extra-screens")
    child = api.child()
    sign_in(api)
    base = f"/ui/children/{child['id']}/notes/new"
    for stage in ("", "?stage=1"):
        assert "Before you record a case note" in api.client.get(base + stage).text
    assert 'id="text"' in api.client.get(base + "?stage=2").text


@pytest.mark.parametrize(
    ("text", "phrase", "marked"),
    [
        ("She missed the dentist appointment.", "missed the dentist", ["missed the dentist"]),
        ("MISSED, the dentist!", "missed the dentist", ["MISSED, the dentist"]),
        ("missed the bus; missed the dentist", "missed the", ["missed the", "missed the"]),
        ("nothing here", "dentist", None),
        ("anything", "!!!", None),
    ],
)
def test_a_mention_is_the_phrase_s_words_in_order_case_and_punctuation_aside(
    text: str, phrase: str, marked: list[str] | None
) -> None:
    parts = highlighted(text, phrase)
    if marked is None:
        assert parts is None
        return
    assert parts is not None
    assert "".join(p for p, _ in parts) == text
    assert [p for p, hit in parts if hit] == marked
    assert phrase_words(phrase)


def test_a_refusal_on_a_screen_is_a_page_and_stays_json_on_the_api(api: Api) -> None:
    sign_in(api)
    missing = api.client.get("/ui/children/999999")
    assert missing.status_code == 404
    assert "<title>Page not found" in missing.text and "child 999999 not found" in missing.text
    assert api.as_user("sw_a").get("/children/999999").json()["code"] == "not_found"


def test_the_partner_agency_sees_a_shared_child_but_not_the_assessments(api: Api) -> None:
    form = api.form()
    child = f"/ui/children/{form['child_id']}"
    sign_in(api, "partner")
    assert api.client.get(child).status_code == 404  # not shared: not known to exist
    shared = api.as_user("sw_a").request(
        "PUT", f"/children/{form['child_id']}/sharing", {"shared": True}
    )
    assert shared.status_code == 200, shared.text
    page = api.client.get(child).text
    assert "Seren Millbeck" in page
    assert f"(form {form['id']})" not in page
    assert "Add a case note" not in page
    assert api.client.get(f"/ui/forms/{form['id']}").status_code == 403
