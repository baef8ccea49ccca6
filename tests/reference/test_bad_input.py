"""Bad input gets a 4xx with the one error body, never a 5xx, and a refused request stores
nothing."""

from __future__ import annotations

from typing import Any

import pytest

from tests.reference.conftest import AUTHOR, KIND, Api, aged, assert_error, ok, ok_list

TOO_BIG = 2**70


def valid_child(**fields: Any) -> dict[str, Any]:
    return {
        "given_name": "Nye",
        "family_name": "Oakhurst",
        "date_of_birth": aged(7).isoformat(),
        "sex": "male",
        "team": "A",
    } | fields


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"date_of_birth": "2017-02-30"}, "body.date_of_birth"),
        ({"date_of_birth": "14/07/2017"}, "body.date_of_birth"),
        ({"date_of_birth": "2017-07-14T00:00:00Z"}, "body.date_of_birth"),
        ({"date_of_birth": 1500000000}, "body.date_of_birth"),
        ({"date_of_birth": "2999-01-01"}, "body.date_of_birth"),
        ({"given_name": ""}, "body.given_name"),
        ({"given_name": "   "}, "body.given_name"),
        ({"given_name": "x" * 101}, "body.given_name"),
        ({"family_name": "\ud800"}, "body.family_name"),
        ({"sex": "girl"}, "body.sex"),
        ({"team": "C"}, "body.team"),
        ({"nickname": "Bun"}, "body.nickname"),
    ],
)
def test_a_bad_child_is_invalid_request_naming_the_field(
    api: Api, fields: dict[str, Any], field: str
) -> None:
    body = assert_error(
        api.as_user(AUTHOR).post("/children", valid_child(**fields)), 422, "invalid_request"
    )
    assert body["message"].startswith(f"{field}: "), body["message"]
    assert body["details"][0]["field"] == field
    assert api.as_user(AUTHOR).post("/children", valid_child()).json()["id"] == 1, "nothing stored"


def test_a_missing_field_is_named(api: Api) -> None:
    child = valid_child()
    del child["date_of_birth"]
    body = assert_error(api.as_user(AUTHOR).post("/children", child), 422, "invalid_request")
    assert body["message"] == "body.date_of_birth: is required"


@pytest.mark.parametrize(
    "raw", [b"", b"{", b"[]", b'"text"', b"null", b"[" * 100_000 + b"]" * 100_000]
)
def test_a_body_that_is_not_an_object_is_refused(api: Api, raw: bytes) -> None:
    response = api.as_user(AUTHOR).post(
        "/children", content=raw, headers={"content-type": "application/json"}
    )
    assert 400 <= response.status_code < 500, response.text
    assert set(response.json()) <= {"code", "message", "details"}


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/children/999"),
        ("GET", f"/children/{TOO_BIG}"),
        ("GET", "/children/-1"),
        ("GET", f"/forms/{TOO_BIG}"),
        ("GET", f"/sibling-groups/{TOO_BIG}"),
        ("GET", f"/children/{TOO_BIG}/notes"),
        ("GET", f"/children/{TOO_BIG}/forms"),
        ("GET", "/form-definitions/core_assesment"),
        ("PATCH", f"/forms/{TOO_BIG}"),
        ("DELETE", f"/forms/{TOO_BIG}"),
        ("POST", f"/forms/{TOO_BIG}/submit"),
        ("POST", "/forms/1/reopen"),
        ("GET", "/no-such-thing"),
    ],
)
def test_an_unknown_id_or_route_is_not_found(api: Api, method: str, path: str) -> None:
    body = {"version": 1, "answers": {}} if method == "PATCH" else None
    assert_error(api.as_user("admin").request(method, path, body), 404, "not_found")


def test_a_non_numeric_id_is_invalid_request(api: Api) -> None:
    body = assert_error(api.read("/children/abc"), 422, "invalid_request")
    assert body["message"].startswith("path.child_id")


@pytest.mark.parametrize(
    "body", [{"kind": KIND, "child_id": TOO_BIG}, {"kind": KIND, "child_id": 9}]
)
def test_a_form_for_an_unknown_child_is_not_found(api: Api, body: dict[str, Any]) -> None:
    assert_error(api.as_user(AUTHOR).post("/forms", body), 404, "not_found")


def test_a_form_of_an_unknown_kind_is_invalid_request(api: Api) -> None:
    child = api.child()
    refused = api.as_user(AUTHOR).post("/forms", {"kind": "core", "child_id": child["id"]})
    assert "body.kind" in assert_error(refused, 422, "invalid_request")["message"]


def test_a_form_started_before_birth_is_invalid_request(api: Api) -> None:
    child = api.child(date_of_birth="2015-06-01")
    started = {"kind": KIND, "child_id": child["id"], "started_on": "2015-05-31"}
    assert_error(api.as_user(AUTHOR).post("/forms", started), 422, "invalid_request")


@pytest.mark.parametrize("token", [None, "not-a-token", ""])
def test_without_a_valid_token_it_is_unauthenticated(api: Api, token: str | None) -> None:
    headers = {"Authorization": f"Bearer {token}"} if token is not None else {}
    response = api.client.get("/children/1", headers=headers)
    assert_error(response, 401, "unauthenticated")
    assert response.headers["www-authenticate"] == "Bearer"


def test_health_metadata_and_openapi_need_no_token(api: Api) -> None:
    for path in ("/health", "/metadata", "/openapi.json"):
        assert api.client.get(path).status_code == 200
    assert api.client.get("/docs").status_code == 404


@pytest.mark.parametrize(
    ("user", "method", "path", "body"),
    [
        ("partner", "POST", "/children", valid_child()),
        ("auditor", "POST", "/children", valid_child()),
        ("auditor", "POST", "/children/1/notes", {"text": "x"}),
        ("admin", "POST", "/children/1/notes", {"text": "x"}),
        ("admin", "POST", "/forms", {"kind": KIND, "child_id": 1}),
        ("auditor", "PATCH", "/forms/1", {"version": 1, "answers": {"identity": "x"}}),
    ],
)
def test_a_permission_the_role_lacks_is_forbidden_and_stores_nothing(
    api: Api, user: str, method: str, path: str, body: Any
) -> None:
    form = api.form()
    before = [api.read(p).content for p in ("/children/1", "/forms/1", "/children/1/notes")]
    assert_error(api.as_user(user).request(method, path, body), 403, "forbidden")
    after = [api.read(p).content for p in ("/children/1", "/forms/1", "/children/1/notes")]
    assert after == before
    assert [c["id"] for c in ok_list(api.read(f"/children/{form['child_id']}/forms"))] == [
        form["id"]
    ]


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("GET", "/forms/1", None),
        ("GET", "/children/1/notes", None),
        ("POST", "/children/1/notes", {"text": "x"}),
        ("PATCH", "/forms/1", {"version": 1, "answers": {"identity": "x"}}),
    ],
)
def test_a_child_not_shared_with_the_partner_agency_is_not_found_to_it(
    api: Api, method: str, path: str, body: Any
) -> None:
    """access.yaml: a record outside the user's reach answers as if it did not exist."""
    api.form()
    before = [api.read(p).content for p in ("/children/1", "/forms/1", "/children/1/notes")]
    assert_error(api.as_user("partner").request(method, path, body), 404, "not_found")
    after = [api.read(p).content for p in ("/children/1", "/forms/1", "/children/1/notes")]
    assert after == before


def test_a_note_over_the_limit_names_it_and_stores_nothing(api: Api) -> None:
    child = api.child()
    refused = api.as_user(AUTHOR).post(f"/children/{child['id']}/notes", {"text": "x" * 32_001})
    assert "32000" in assert_error(refused, 422, "invalid_request")["message"]
    assert ok_list(api.read(f"/children/{child['id']}/notes")) == []


def test_a_note_is_kept_exactly(api: Api) -> None:
    child = api.child()
    text = "  Siân said: ‘no’ — \u0000 \r\n e\u0301 ✓ 🙂  " + "x" * 31_970
    text = text[:32_000]
    note = api.as_user(AUTHOR).post(f"/children/{child['id']}/notes", {"text": text})
    assert note.status_code == 201, note.text
    assert [n["text"] for n in ok_list(api.read(f"/children/{child['id']}/notes"))] == [text]


def test_notes_are_listed_oldest_first_on_their_own_child(api: Api) -> None:
    child, other = api.child(), api.child()
    user = api.as_user(AUTHOR)
    for text in ("first", "second"):
        user.post(f"/children/{child['id']}/notes", {"text": text, "occurred_on": "2024-01-02"})
    user.post(f"/children/{other['id']}/notes", {"text": "elsewhere"})
    notes = ok_list(api.read(f"/children/{child['id']}/notes"))
    assert [n["text"] for n in notes] == ["first", "second"]
    assert notes[0]["occurred_on"] == "2024-01-02" and notes[0]["author"] == AUTHOR


def test_a_body_over_one_mebibyte_is_body_too_large(api: Api) -> None:
    child = api.child()
    big = b'{"text": "' + b"x" * (1024 * 1024) + b'"}'
    declared = api.as_user(AUTHOR).post(
        f"/children/{child['id']}/notes", content=big, headers={"content-type": "application/json"}
    )
    assert_error(declared, 413, "body_too_large")

    def chunks() -> Any:
        for start in range(0, len(big), 65_536):
            yield big[start : start + 65_536]

    streamed = api.as_user(AUTHOR).post(
        f"/children/{child['id']}/notes",
        content=chunks(),
        headers={"content-type": "application/json"},
    )
    assert_error(streamed, 413, "body_too_large")
    assert ok_list(api.read(f"/children/{child['id']}/notes")) == []


def test_siblings_are_listed_by_each_member(api: Api) -> None:
    ids = [api.child()["id"] for _ in range(3)]
    group = api.as_user(AUTHOR).post("/sibling-groups", {"child_ids": list(reversed(ids))})
    assert group.status_code == 201 and group.json()["child_ids"] == ids
    for child_id in ids:
        child = ok(api.read(f"/children/{child_id}"))
        assert child["sibling_ids"] == [i for i in ids if i != child_id]
        assert child["sibling_group_id"] == group.json()["id"]
    assert ok(api.read(f"/sibling-groups/{group.json()['id']}"))["child_ids"] == ids


@pytest.mark.parametrize("child_ids", [[1], [1, 1], list(range(1, 14)), [1, "2"], [1, True], "1,2"])
def test_a_bad_sibling_group_is_invalid_request(api: Api, child_ids: Any) -> None:
    for _ in range(2):
        api.child()
    refused = api.as_user(AUTHOR).post("/sibling-groups", {"child_ids": child_ids})
    assert_error(refused, 422, "invalid_request")
    assert ok(api.read("/children/1"))["sibling_group_id"] is None


def test_a_child_in_a_group_cannot_join_another(api: Api) -> None:
    a, b, c = (api.child()["id"] for _ in range(3))
    user = api.as_user(AUTHOR)
    assert user.post("/sibling-groups", {"child_ids": [a, b]}).status_code == 201
    body = assert_error(
        user.post("/sibling-groups", {"child_ids": [c, b]}), 409, "sibling_conflict"
    )
    assert f"child {b}" in body["message"]
    assert ok(api.read(f"/children/{c}"))["sibling_group_id"] is None
    assert_error(user.post("/sibling-groups", {"child_ids": [c, 99]}), 404, "not_found")
    assert_error(api.read("/sibling-groups/2"), 404, "not_found")


def test_form_definitions_are_published_as_the_spec_says(api: Api) -> None:
    listed = ok_list(api.read("/form-definitions"))
    assert [d["kind"] for d in listed] == sorted(api.specs.forms)
    for definition in listed:
        assert definition == api.specs.forms[definition["kind"]].to_document()
