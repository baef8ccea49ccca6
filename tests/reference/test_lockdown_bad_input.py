"""Bad input to the lock-down routes (metadata, moves, evidence, bulk, merge, pre-population,
addenda, audit): a clear 4xx with the one error body, never a 5xx, and nothing changes."""

from __future__ import annotations

from typing import Any

import pytest

from tests.reference.conftest import AUTHOR, Api, ok

UNKNOWN = 987654
#: (method, path, body, status): {form}, {version}, {child} filled from a draft with a note.
CASES: list[tuple[str, str, Any, int]] = [
    ("PATCH", "/forms/{form}/metadata", {"version": "{version}"}, 422),
    ("PATCH", "/forms/{form}/metadata", {"version": "{version}", "author": "nobody"}, 422),
    ("PATCH", "/forms/{form}/metadata", {"version": "{version}", "kind": "no_such_kind"}, 422),
    ("PATCH", "/forms/{form}/metadata", {"version": "{version}", "started_on": "31/12/2020"}, 422),
    ("PATCH", "/forms/{form}/metadata", {"version": 999, "author": "sw_b"}, 409),
    ("PATCH", f"/forms/{UNKNOWN}/metadata", {"version": 1, "author": "sw_b"}, 404),
    ("PATCH", "/forms/{form}/metadata", [1, 2], 422),
    ("POST", "/forms/{form}/move", {"version": "{version}", "child_id": UNKNOWN}, 404),
    ("POST", "/forms/{form}/move", {"version": "{version}", "child_id": "{child}"}, 422),
    ("POST", "/forms/{form}/move", {"version": "{version}"}, 422),
    ("POST", "/forms/{form}/move", {"version": 999, "child_id": "{child}"}, 409),
    (
        "POST",
        "/forms/{form}/attachments",
        {
            "version": "{version}",
            "name": "a.pdf",
            "media_type": "application/pdf",
            "content_base64": "not base64!",
        },
        422,
    ),
    (
        "POST",
        "/forms/{form}/attachments",
        {
            "version": "{version}",
            "name": "../etc/passwd",
            "media_type": "application/pdf",
            "content_base64": "JVBERi0xLjQK",
        },
        422,
    ),
    (
        "POST",
        "/forms/{form}/attachments",
        {
            "version": 999,
            "name": "a.pdf",
            "media_type": "application/pdf",
            "content_base64": "JVBERi0xLjQK",
        },
        409,
    ),
    ("DELETE", "/forms/{form}/attachments/" + str(UNKNOWN) + "?version={version}", None, 404),
    ("DELETE", "/forms/{form}/attachments/1?version=x", None, 422),
    (
        "POST",
        "/forms/{form}/links",
        {"version": "{version}", "target_type": "plan", "target_id": 1},
        422,
    ),
    (
        "POST",
        "/forms/{form}/links",
        {"version": "{version}", "target_type": "note", "target_id": UNKNOWN},
        404,
    ),
    ("DELETE", "/forms/{form}/links/" + str(UNKNOWN) + "?version={version}", None, 404),
    ("POST", "/forms/bulk-update", {"changes": []}, 422),
    (
        "POST",
        "/forms/bulk-update",
        {"changes": [{"form_id": "{form}", "version": "{version}", "answers": {}}] * 2},
        422,
    ),
    (
        "POST",
        "/forms/bulk-update",
        {"changes": [{"form_id": UNKNOWN, "version": 1, "answers": {"identity": "x"}}]},
        404,
    ),
    (
        "POST",
        "/forms/bulk-update",
        {"changes": [{"form_id": "{form}", "version": 999, "answers": {"identity": "x"}}]},
        409,
    ),
    ("POST", "/children/{child}/merge", {"duplicate_id": "{child}"}, 422),
    ("POST", "/children/{child}/merge", {"duplicate_id": UNKNOWN}, 404),
    ("POST", "/children/{child}/merge", {}, 422),
    ("POST", "/forms/{form}/prepopulate", {"version": 999}, 409),
    ("POST", "/forms/{form}/prepopulate", {"version": "1"}, 422),
    ("POST", f"/forms/{UNKNOWN}/prepopulate", {"version": 1}, 404),
    ("POST", "/forms/{form}/confirmations", {"version": 999, "question_ids": ["identity"]}, 409),
    ("POST", "/forms/{form}/confirmations", {"version": "{version}", "question_ids": []}, 422),
    ("POST", "/forms/{form}/confirmations", {"version": "{version}", "question_ids": ["x"]}, 422),
    ("POST", f"/forms/{UNKNOWN}/confirmations", {"version": 1, "question_ids": ["x"]}, 404),
    (
        "POST",
        "/forms/{form}/choices",
        {"version": "{version}", "question_id": "identity", "source_form_id": "{form}"},
        422,
    ),
    ("POST", "/forms/{form}/choices", {"version": "{version}", "question_id": "identity"}, 422),
    ("GET", f"/forms/{UNKNOWN}/candidates", None, 404),
    ("POST", "/forms/{form}/addenda", None, 409),  # a draft takes no addenda
    ("POST", f"/forms/{UNKNOWN}/addenda", None, 404),
    ("GET", "/audit?form_id=-1", None, 422),
    ("GET", "/audit?limit=0", None, 422),
    ("GET", f"/audit/{UNKNOWN}", None, 404),
]


def _fill(template: Any, values: dict[str, Any]) -> Any:
    if isinstance(template, dict):
        return {k: _fill(v, values) for k, v in template.items()}
    if isinstance(template, list):
        return [_fill(item, values) for item in template]
    if isinstance(template, str) and template.startswith("{") and template.endswith("}"):
        return values[template[1:-1]]
    if isinstance(template, str):
        return template.format(**values)
    return template


@pytest.mark.parametrize(
    ("method", "path", "body", "status"),
    CASES,
    ids=[f"{c[0]} {c[1]} {i}" for i, c in enumerate(CASES)],
)
def test_bad_input_is_a_clear_4xx_and_changes_nothing(
    api: Api, method: str, path: str, body: Any, status: int
) -> None:
    form = ok(api.save(api.form(), {"identity": "Proud of her Welsh name."}))
    api.as_user(AUTHOR).post(f"/children/{form['child_id']}/notes", {"text": "Visit."})
    values = {"form": form["id"], "version": form["version"], "child": form["child_id"]}
    before = api.read(f"/forms/{form['id']}").content
    answered = api.as_user(AUTHOR).request(method, _fill(path, values), _fill(body, values))
    assert answered.status_code == status, answered.text
    error = answered.json()
    assert isinstance(error.get("code"), str) and error.get("message"), error
    assert api.read(f"/forms/{form['id']}").content == before


def test_audit_entries_cannot_be_written_through_any_route(api: Api) -> None:
    """Every forbidden audit route of lockdown.yaml is refused and the trail stays as it was."""
    ok(api.save(api.form(), {"identity": "x"}))
    before = api.read("/audit", "auditor").content
    entry = api.read("/audit", "auditor").json()[0]["id"]
    for route in api.specs.lockdown.audit.forbidden:
        path = route.path.replace("{entry_id}", str(entry))
        body = dict(route.body) if route.body is not None else None
        answered = api.as_user("admin").request(route.method, path, body)
        assert 400 <= answered.status_code < 500, (route, answered.text)
    assert api.read("/audit", "auditor").content == before
