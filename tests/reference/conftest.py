"""An in-process reference for each test: in-memory SQLite, fresh tokens, a client per user."""

from __future__ import annotations

import json
import warnings
from collections.abc import Callable, Iterable, Iterator
from datetime import date, timedelta
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from accredit.specs import SpecBundle, load_specs
from reference_impl.app import create_app, issue_tokens
from reference_impl.settings import Settings

with warnings.catch_warnings():
    # Starlette prefers httpx2 for its test client; httpx works the same for these tests.
    warnings.filterwarnings("ignore", message="Using `httpx` with `starlette.testclient`")
    from fastapi.testclient import TestClient

SPECS = load_specs()
AUTHOR = "sw_a"
KIND = "core_assessment"


class UserClient:
    """Requests to the reference as one test user (None: no Authorization header)."""

    def __init__(self, client: TestClient, token: str | None) -> None:
        self._client = client
        self._headers = {"Authorization": f"Bearer {token}"} if token else {}

    def request(self, method: str, path: str, body: Any = None, **kwargs: Any) -> httpx.Response:
        headers = self._headers | kwargs.pop("headers", {})
        if body is not None:
            # ASCII-escaped JSON carries even a lone surrogate, as a hostile client may send.
            kwargs["content"] = json.dumps(body).encode("ascii")
            headers["content-type"] = "application/json"
        response: httpx.Response = self._client.request(method, path, headers=headers, **kwargs)
        return response

    def get(self, path: str) -> httpx.Response:
        return self.request("GET", path)

    def post(self, path: str, body: Any = None, **kwargs: Any) -> httpx.Response:
        return self.request("POST", path, body, **kwargs)

    def patch(self, path: str, body: Any = None) -> httpx.Response:
        return self.request("PATCH", path, body)

    def delete(self, path: str) -> httpx.Response:
        return self.request("DELETE", path)


class Api:
    """The reference under test, with a client per required user and steps to build a case."""

    def __init__(self, client: TestClient, tokens: dict[str, str], specs: SpecBundle) -> None:
        self.client = client
        self.tokens = tokens
        self.specs = specs

    def as_user(self, key: str | None) -> UserClient:
        return UserClient(self.client, self.tokens[key] if key else None)

    def child(self, years: int = 7, **fields: Any) -> dict[str, Any]:
        body = {
            "given_name": "Seren",
            "family_name": "Millbeck",
            "date_of_birth": aged(years).isoformat(),
            "sex": "female",
            "team": "A",
        } | fields
        return created(self.as_user(AUTHOR).post("/children", body))

    def form(self, kind: str = KIND, author: str = AUTHOR, years: int = 7) -> dict[str, Any]:
        child = self.child(years)
        return created(self.as_user(author).post("/forms", {"kind": kind, "child_id": child["id"]}))

    def save(
        self, form: dict[str, Any], answers: dict[str, Any], user: str = AUTHOR
    ) -> httpx.Response:
        return self.as_user(user).patch(
            f"/forms/{form['id']}", {"version": form["version"], "answers": answers}
        )

    def act(self, form: dict[str, Any], action: str, user: str, body: Any = None) -> httpx.Response:
        return self.as_user(user).post(f"/forms/{form['id']}/{action}", body)

    def complete(self, kind: str = KIND, author: str = AUTHOR) -> dict[str, Any]:
        """Return a draft with every mandatory answer given."""
        form = self.form(kind, author)
        saved = self.save(form, mandatory_answers(kind, form["age_band"]), author)
        assert saved.status_code == 200, saved.text
        result: dict[str, Any] = saved.json()
        return result

    def submitted(self, kind: str = KIND, author: str = AUTHOR) -> dict[str, Any]:
        form = self.complete(kind, author)
        return ok(self.act(form, "submit", author))

    def approved(self, kind: str = KIND, author: str = AUTHOR) -> dict[str, Any]:
        form = self.submitted(kind, author)
        return ok(self.act(form, "approve", "tm_a" if author != "tm_a" else "tm_b"))

    def read(self, path: str, user: str = "admin") -> httpx.Response:
        return self.as_user(user).get(path)


def aged(years: int) -> date:
    """Return a date of birth for a child `years` old today, well clear of a birthday."""
    born = date.today() - timedelta(days=100)
    return born.replace(year=born.year - years, day=min(born.day, 28))


def created(response: httpx.Response) -> dict[str, Any]:
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


def ok(response: httpx.Response) -> dict[str, Any]:
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def ok_list(response: httpx.Response) -> list[Any]:
    assert response.status_code == 200, response.text
    body: list[Any] = response.json()
    return body


def client_for(app: FastAPI) -> TestClient:
    """Return a test client for an application built outside the `make_api` fixture."""
    return TestClient(app)


def sample(kind: str, question_id: str) -> Any:
    question = SPECS.forms[kind].question(question_id)
    if question.type == "date":
        return "2024-03-31"
    if question.type == "yes_no":
        return True
    if question.type == "choice":
        assert question.options
        return question.options[-1]
    return f"{question.text}: seen at home."


def mandatory_answers(kind: str, band: str, leave_out: Iterable[str] = ()) -> dict[str, Any]:
    skip = set(leave_out)
    return {q: sample(kind, q) for q in SPECS.forms[kind].mandatory(band) if q not in skip}


def assert_error(response: httpx.Response, status: int, code: str) -> dict[str, Any]:
    """Assert an error response with the one error body; return the body."""
    assert response.status_code == status, response.text
    body: dict[str, Any] = response.json()
    assert body["code"] == code, body
    assert isinstance(body["message"], str) and body["message"], body
    assert set(body) <= {"code", "message", "details"}, body
    return body


MakeApi = Callable[..., Api]


@pytest.fixture
def make_api() -> Iterator[MakeApi]:
    """Return a factory of fresh references (in-memory SQLite), closed at teardown."""
    clients: list[TestClient] = []

    def make(*faults: str) -> Api:
        app = create_app(Settings(database_url="sqlite://", faults=frozenset(faults)), SPECS)
        client = TestClient(app)
        client.__enter__()
        clients.append(client)
        return Api(client, issue_tokens(app), app.state.specs)

    yield make
    for client in clients:
        client.__exit__(None, None, None)


@pytest.fixture
def api(make_api: MakeApi) -> Api:
    """A clean reference."""
    return make_api()
