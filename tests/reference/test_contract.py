"""The served /openapi.json and specs/contract/openapi.yaml describe the same API.

If this fails after a deliberate change to the API (or to the lifecycle actions), regenerate the
contract: `python -m reference_impl.contract`.
"""

from __future__ import annotations

from typing import Any

import pytest
import yaml

from reference_impl.contract import CONTRACT_PATH, contract_text
from tests.reference.conftest import Api

METHODS = {"get", "put", "post", "patch", "delete", "head", "options"}
REGENERATE = "the contract is stale: run python -m reference_impl.contract"


def operations(document: dict[str, Any]) -> dict[tuple[str, str], dict[str, Any]]:
    return {
        (path, method): operation
        for path, item in document["paths"].items()
        for method, operation in item.items()
        if method in METHODS
    }


def body_schema(operation: dict[str, Any]) -> str | None:
    schema = operation.get("requestBody", {}).get("content", {}).get("application/json", {})
    ref = schema.get("schema", {}).get("$ref")
    return ref.rsplit("/", 1)[-1] if ref else None


@pytest.fixture(scope="module")
def contract() -> dict[str, Any]:
    document: dict[str, Any] = yaml.safe_load(CONTRACT_PATH.read_text(encoding="utf-8"))
    return document


@pytest.fixture
def served(api: Api) -> dict[str, Any]:
    response = api.client.get("/openapi.json")
    assert response.status_code == 200
    document: dict[str, Any] = response.json()
    return document


def test_the_contract_is_openapi_3_1_with_its_title(contract: dict[str, Any]) -> None:
    assert contract["openapi"].startswith("3.1")
    assert contract["info"]["title"] == "ics-accredit conformance API"
    assert contract["info"]["version"] == "0.2.0"


def test_the_same_operations_are_served(contract: dict[str, Any], served: dict[str, Any]) -> None:
    assert set(operations(served)) == set(operations(contract)), REGENERATE


def test_the_same_operation_ids_body_schemas_and_statuses(
    contract: dict[str, Any], served: dict[str, Any]
) -> None:
    promised, actual = operations(contract), operations(served)
    for key, operation in promised.items():
        got = actual[key]
        assert got["operationId"] == operation["operationId"], (key, REGENERATE)
        assert body_schema(got) == body_schema(operation), (key, REGENERATE)
        assert set(got["responses"]) == set(operation["responses"]), (key, REGENERATE)


def test_operation_ids_are_unique_and_readable(contract: dict[str, Any]) -> None:
    ids = [op["operationId"] for op in operations(contract).values()]
    assert len(ids) == len(set(ids))
    assert all(i[0].islower() and i.isalnum() for i in ids), ids


def test_every_error_response_is_the_error_body(contract: dict[str, Any]) -> None:
    for key, operation in operations(contract).items():
        for status, response in operation["responses"].items():
            if status.startswith(("4", "5")):
                schema = response["content"]["application/json"]["schema"]
                assert schema == {"$ref": "#/components/schemas/ErrorBody"}, (key, status)


def test_every_lifecycle_action_is_an_operation(api: Api, contract: dict[str, Any]) -> None:
    for action in api.specs.lifecycle.actions:
        assert ("/forms/{form_id}/" + action, "post") in operations(contract)


def test_the_contract_file_is_what_the_generator_writes() -> None:
    assert CONTRACT_PATH.read_text(encoding="utf-8") == contract_text(), REGENERATE
