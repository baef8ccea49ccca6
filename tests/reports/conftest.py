"""A small results document for the report tests: two categories, each verdict, hostile data."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from accredit.specs import read_schema

SCRIPT = "<script>alert(1)</script>"
IMG = "<img src=x onerror=alert(1)>"
TOKEN = "$ACCREDIT_TOKEN_sw_alice"


def _exchange(
    method: str, url: str, status: int | None, body: str | None, error: str | None = None
) -> dict[str, Any]:
    response = (
        None
        if status is None
        else {
            "status": status,
            "headers": {"content-type": "application/json", "x-evil": SCRIPT},
            "body": body,
            "truncated": status == 200,
        }
    )
    return {
        "user": "sw_alice",
        "request": {
            "method": method,
            "url": url,
            "headers": {"Authorization": "Bearer", "content-type": "application/json"},
            "body": '{"answers": {"health": "Well"}}' if method != "GET" else None,
        },
        "response": response,
        "error": error,
        "elapsed_ms": 12.7,
        "curl": f"curl -sS -X {method} '{url}' -H \"Authorization: Bearer {TOKEN}\"",
    }


def _test(
    test_id: str,
    outcome: str,
    message: str | None = None,
    evidence: list[dict[str, Any]] | None = None,
) -> dict[str, Any]:
    evidence = evidence or []
    return {
        "id": test_id,
        "outcome": outcome,
        "duration_s": 0.25,
        "message": message,
        "exchange_count": len(evidence) + 3,
        "evidence": evidence,
    }


def _requirement(
    requirement_id: str,
    title: str,
    level: str,
    category: str,
    verdict: str,
    tests: list[dict[str, Any]],
) -> dict[str, Any]:
    return {
        "id": requirement_id,
        "title": title,
        "statement": f"The product does what {requirement_id} says.",
        "level": level,
        "category": category,
        "weight": 1.0,
        "rationale": "Practitioners lost work when this was not so.",
        "method": "Create a record, read it back, compare.",
        "verdict": verdict,
        "tests": tests,
    }


RESULTS: dict[str, Any] = {
    "schema_version": 1,
    "run": {
        "id": "run-20240501-0001",
        "started_at": "2024-05-01T09:00:00Z",
        "finished_at": "2024-05-01T09:02:05Z",
        "duration_s": 125.4,
        "harness_version": "0.1.0",
        "spec_version": "1.0.0",
        "spec_digest": "0123456789abcdef" * 4,
        "profile": "full",
        "selection": None,
        "seed": 20240501,
        "complete": True,
        "internal_errors": [],
    },
    "sut": {
        "product": "Reference ICS",
        "version": "1.2.3",
        "base_url": "http://127.0.0.1:8123",
        "metadata": {"product": "Reference ICS", "note": SCRIPT},
    },
    "categories": [
        {"id": "functional", "title": "Functions a case worker needs"},
        {"id": "lockdown", "title": "Lock-down of approved records"},
    ],
    "requirements": [
        _requirement(
            "FUN-001",
            "A child's record reads back exactly as it was entered",
            "MUST",
            "functional",
            "pass",
            [_test("suites/functional/test_child.py::test_round_trip", "pass")],
        ),
        _requirement(
            "LD-001",
            "An approved form refuses every change to its answers",
            "MUST",
            "lockdown",
            "fail",
            [
                _test(
                    "suites/lockdown/test_lock.py::test_put_refused",
                    "fail",
                    f"expected 409, got 200: the product said {SCRIPT} {IMG}",
                    [
                        _exchange(
                            "PUT",
                            "http://127.0.0.1:8123/forms/7/answers",
                            200,
                            json.dumps({"ok": True, "html": SCRIPT + IMG}),
                        ),
                        _exchange("GET", "http://127.0.0.1:8123/forms/7", 200, SCRIPT + IMG),
                    ],
                ),
                _test("suites/lockdown/test_lock.py::test_delete_refused", "pass"),
            ],
        ),
        _requirement(
            "FUN-004",
            "Case notes are recorded in full and listed on the child's record",
            "SHOULD",
            "functional",
            "error",
            [
                _test(
                    "suites/functional/test_notes.py::test_notes_listed",
                    "error",
                    "the product did not answer within 10 s",
                    [
                        _exchange(
                            "GET", "http://127.0.0.1:8123/children/1/notes", None, None, "timeout"
                        )
                    ],
                )
            ],
        ),
        _requirement(
            "LD-002",
            "An approved form cannot be deleted",
            "MUST",
            "lockdown",
            "not_run",
            [
                _test(
                    "suites/lockdown/test_lock.py::test_delete",
                    "skipped",
                    "the product offers no delete operation",
                )
            ],
        ),
    ],
    "summary": {
        "pass": 1,
        "fail": 1,
        "error": 1,
        "not_run": 1,
        "must_not_passed": ["LD-001", "LD-002"],
    },
}


def validate(document: dict[str, Any]) -> None:
    """Raise if the document is not a valid results document."""
    jsonschema.Draft202012Validator(read_schema("results")).validate(document)


@pytest.fixture
def results() -> dict[str, Any]:
    """A fresh copy of the sample results document, checked against the schema."""
    document = copy.deepcopy(RESULTS)
    validate(document)
    return document


@pytest.fixture
def results_file(tmp_path: Path, results: dict[str, Any]) -> Path:
    """The sample results document written to a file."""
    path = tmp_path / "results.json"
    path.write_text(json.dumps(results, indent=2), encoding="utf-8")
    return path
