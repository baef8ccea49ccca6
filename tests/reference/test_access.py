"""The access matrix (specs/access.yaml): complete for the contract, loaded with clear errors,
decided by a pure function, and enforced by the reference's sharing route as by every other."""

from __future__ import annotations

import dataclasses
import importlib
from pathlib import Path
from typing import Any

import pytest
import yaml

from accredit.access_spec import HIDDEN, AccessMatrix, load_access
from accredit.errors import SpecError
from reference_impl.api.errors import STATUS_BY_CODE
from reference_impl.contract import CONTRACT_PATH
from reference_impl.domain.access import (
    Actor,
    Record,
    access_refusal,
    actor_from_spec,
    shared_child,
    shared_form,
)
from reference_impl.domain.refusal import FORBIDDEN, NOT_FOUND, Refusal
from tests.reference.conftest import AUTHOR, KIND, SPECS, Api, ok

MATRIX = load_access(SPECS)
SUITES = Path(__file__).resolve().parents[2] / "suites"
METHODS = {"get", "put", "post", "patch", "delete"}


def contract_operations() -> set[str]:
    document: dict[str, Any] = yaml.safe_load(CONTRACT_PATH.read_text(encoding="utf-8"))
    return {
        f"{method.upper()} {path}"
        for path, item in document["paths"].items()
        for method in item
        if method in METHODS
    }


def test_every_operation_of_the_contract_has_its_row_in_the_access_matrix() -> None:
    """A route added to the contract must be given its row: who may take it, on whose records."""
    rows = {row.operation for row in MATRIX.operations}
    missing = sorted(contract_operations() - rows)
    assert not missing, f"operations without a row in specs/access.yaml: {missing}"


def test_every_row_of_the_access_matrix_names_an_operation_of_the_contract() -> None:
    rows = {row.operation for row in MATRIX.operations}
    assert not sorted(rows - contract_operations()), "rows of access.yaml no route serves"


def test_every_subject_the_matrix_names_has_a_builder_in_the_access_suite(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.syspath_prepend(str(SUITES))
    kinds = importlib.import_module("access.subjects").KINDS
    assert sorted({row.subject for row in MATRIX.operations} - set(kinds)) == []


def test_the_matrix_refusals_are_the_reference_s_statuses() -> None:
    for name in ("forbidden", HIDDEN):
        refusal = MATRIX.refusal(name)
        assert STATUS_BY_CODE[refusal.code] == refusal.status, name


# --- the decision ------------------------------------------------------------------------------


def actor(key: str) -> Actor:
    user = SPECS.users.user(key)
    return actor_from_spec(SPECS.users, user.key, user.role, user.team)


def decided(operation: str, key: str, *records: Record) -> str | None:
    refusal = access_refusal(MATRIX, operation, actor(key), records)
    return refusal.code if isinstance(refusal, Refusal) else None


TEAM_A, SHARED_A, TEAM_B = Record("A"), Record("A", shared=True), Record("B")


@pytest.mark.parametrize(
    ("operation", "key", "record", "code"),
    [
        ("GET /forms/{form_id}", "sw_b", TEAM_A, None),  # every worker reads every child
        ("PATCH /forms/{form_id}", "sw_b", TEAM_A, FORBIDDEN),  # but changes their team's
        ("PATCH /forms/{form_id}", "sw_b", TEAM_B, None),
        ("PATCH /forms/{form_id}", "auditor", TEAM_A, FORBIDDEN),
        ("GET /forms/{form_id}", "auditor", TEAM_A, None),
        ("PATCH /forms/{form_id}", "admin", TEAM_A, FORBIDDEN),  # no casework
        ("DELETE /forms/{form_id}", "admin", TEAM_A, None),  # administration
        ("GET /forms/{form_id}", "partner", TEAM_A, NOT_FOUND),  # not shared: hidden
        ("GET /forms/{form_id}", "partner", SHARED_A, None),
        ("GET /children/{child_id}/notes", "partner", SHARED_A, FORBIDDEN),  # never notes
        ("POST /children", "partner", Record("A", exists=False), FORBIDDEN),  # nothing to hide
        ("GET /no/such/route", "sw_a", TEAM_A, FORBIDDEN),  # a route without a row is closed
    ],
)
def test_the_matrix_decides_by_reach_then_rule(
    operation: str, key: str, record: Record, code: str | None
) -> None:
    assert decided(operation, key, record) == code


def test_a_change_to_records_of_two_teams_is_refused_unless_both_are_the_user_s() -> None:
    assert decided("POST /sibling-groups", "sw_a", TEAM_A, TEAM_B) == FORBIDDEN
    assert decided("POST /sibling-groups", "sw_a", TEAM_A, TEAM_A) is None


def test_a_shared_read_withholds_every_unshared_field_and_section() -> None:
    child = {"id": 1, "given_name": "Seren", "sibling_ids": [2], "sibling_group_id": 3}
    assert shared_child(child, MATRIX.shared) == {
        "id": 1,
        "given_name": "Seren",
        "sibling_ids": [],
        "sibling_group_id": None,
    }
    definition = SPECS.forms[KIND]
    form = {
        "id": 4,
        "kind": KIND,
        "answers": {"health": "Well.", "analysis": "Private."},
        "provenance": {"analysis": {"rule": "previous"}},
        "links": [{"id": 1}],
        "returned_reason": "Redo.",
    }
    shown = shared_form(form, definition, MATRIX.shared)
    assert shown["answers"] == {"health": "Well."}
    assert (shown["provenance"], shown["links"], shown["returned_reason"]) == ({}, [], None)


# --- loading -----------------------------------------------------------------------------------


def load_changed(tmp_path: Path, change: Any) -> AccessMatrix:
    document = yaml.safe_load((SPECS.root / "access.yaml").read_text(encoding="utf-8"))
    change(document)
    (tmp_path / "access.yaml").write_text(yaml.safe_dump(document), encoding="utf-8")
    return load_access(dataclasses.replace(SPECS, root=tmp_path))


def _drop_rule(doc: dict[str, Any]) -> None:
    del doc["operations"][3]["access"]["auditor"]


def _misspell_role(doc: dict[str, Any]) -> None:
    doc["reach"]["auditorr"] = "all"


def _twice(doc: dict[str, Any]) -> None:
    doc["operations"].append(doc["operations"][0])


def _unknown_section(doc: dict[str, Any]) -> None:
    doc["shared_sections"]["form"]["sections"][KIND] = ["developmental_need"]


def _bad_rule(doc: dict[str, Any]) -> None:
    doc["operations"][3]["access"]["auditor"] = "read_only"


@pytest.mark.parametrize(
    ("change", "where", "problem"),
    [
        (_drop_rule, "operations[3].access", "no rule for role(s) auditor"),
        (_misspell_role, "reach.auditorr", "did you mean 'auditor'?"),
        (_twice, f"operations[{len(MATRIX.operations)}].operation", "has two rows"),
        (_unknown_section, f"sections.{KIND}", "did you mean 'developmental_needs'?"),
        (_bad_rule, "operations[3].access", "read_only"),
    ],
)
def test_a_bad_access_matrix_names_file_path_and_problem(
    tmp_path: Path, change: Any, where: str, problem: str
) -> None:
    with pytest.raises(SpecError) as raised:
        load_changed(tmp_path, change)
    message = str(raised.value)
    assert "access.yaml" in message and where in message and problem in message, message


# --- the sharing route -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "status"),
    [({"shared": "yes"}, 422), ({}, 422), ({"shared": True, "agency": "police"}, 422)],
)
def test_a_bad_sharing_request_is_invalid_and_shares_nothing(
    api: Api, body: Any, status: int
) -> None:
    child = api.child()
    answered = api.as_user(AUTHOR).request("PUT", f"/children/{child['id']}/sharing", body)
    assert answered.status_code == status, answered.text
    assert api.read(f"/children/{child['id']}", "partner").status_code == 404


def test_sharing_an_unknown_child_is_not_found(api: Api) -> None:
    answered = api.as_user(AUTHOR).request("PUT", "/children/987654/sharing", {"shared": True})
    assert answered.status_code == 404 and answered.json()["code"] == "not_found"


def test_a_shared_child_is_read_by_the_partner_and_hidden_again_once_unshared(api: Api) -> None:
    child = api.child()
    path = f"/children/{child['id']}/sharing"
    assert ok(api.as_user(AUTHOR).request("PUT", path, {"shared": True})) == {
        "child_id": child["id"],
        "shared": True,
    }
    assert api.read(f"/children/{child['id']}", "partner").status_code == 200
    ok(api.as_user(AUTHOR).request("PUT", path, {"shared": False}))
    assert api.read(f"/children/{child['id']}", "partner").status_code == 404
