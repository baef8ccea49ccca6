"""Every route of the contract but health and metadata refuses a request without a valid token."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import yaml

from accredit._paths import specs_root
from accredit.reference import RunningReference, running_reference

OPEN_ROUTES = {("get", "/health"), ("get", "/metadata")}
CONTRACT = yaml.safe_load((specs_root() / "contract" / "openapi.yaml").read_text())
OPERATIONS = sorted(
    (method, path)
    for path, item in CONTRACT["paths"].items()
    for method in item
    if method in {"get", "post", "patch", "put", "delete"} and (method, path) not in OPEN_ROUTES
)


@pytest.fixture(scope="module")
def reference() -> Iterator[RunningReference]:
    with running_reference() as running:
        yield running


def concrete(path: str) -> str:
    return re.sub(r"\{[^}]+\}", "1", path)


@pytest.mark.parametrize(("method", "path"), OPERATIONS, ids=[f"{m} {p}" for m, p in OPERATIONS])
@pytest.mark.parametrize("authorization", [None, "Bearer not-a-token", "Basic c3dfYTpzd19h"])
def test_a_route_refuses_without_a_valid_token(
    reference: RunningReference, method: str, path: str, authorization: str | None
) -> None:
    headers = {"Authorization": authorization} if authorization else {}
    body = {} if method in {"post", "patch", "put"} else None
    url = reference.base_url + concrete(path)
    answer = httpx.request(method.upper(), url, headers=headers, json=body, timeout=10)
    assert answer.status_code == 401, (
        f"{method.upper()} {path}: {answer.status_code} {answer.text[:200]}"
    )
    assert answer.json().get("code") == "unauthenticated"


def test_the_open_routes_answer_without_a_token(reference: RunningReference) -> None:
    for method, path in sorted(OPEN_ROUTES):
        assert httpx.request(method.upper(), reference.base_url + path).status_code == 200


def test_the_contract_lists_routes_to_check() -> None:
    assert len(OPERATIONS) >= 10, Path(specs_root()) / "contract" / "openapi.yaml"
