"""What each planted fault of the web UI changes, seen from its screens (rows of the fault
table in test_faults.py): the same scenario on the clean reference and on the faulty one."""

from __future__ import annotations

import re

from tests.reference.conftest import Api


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
