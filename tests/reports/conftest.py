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
        # A run of two categories (`--only functional,lockdown`): the others are left out.
        "selection": ["functional", "lockdown"],
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


#: Every catalogue category, for documents that assess them all.
ALL_CATEGORIES = [
    {"id": "functional", "title": "Functions a case worker needs"},
    {"id": "prepopulation", "title": "Pre-population"},
    {"id": "lockdown", "title": "Lock-down of approved records"},
    {"id": "access", "title": "Access and roles"},
    {"id": "performance", "title": "Performance under load"},
    {"id": "usability", "title": "Usability at the screen"},
]


def requirement(
    requirement_id: str,
    category: str,
    verdict: str = "pass",
    level: str = "MUST",
    weight: float = 1.0,
) -> dict[str, Any]:
    """A requirement entry whose one test ended with the outcome behind `verdict`."""
    outcome = "skipped" if verdict == "not_run" else verdict
    message = None if verdict == "pass" else f"{requirement_id} did not pass"
    entry = _requirement(
        requirement_id,
        f"The product does {requirement_id}",
        level,
        category,
        verdict,
        [_test(f"suites/{category}/test_x.py::test_{requirement_id}", outcome, message)],
    )
    entry["weight"] = weight
    return entry


def measurement(
    measurement_id: str, category: str, value: float, budget: float, unit: str = "ms"
) -> dict[str, Any]:
    """A measured figure against its budget."""
    return {
        "id": measurement_id,
        "category": category,
        "title": f"{measurement_id} ({unit})",
        "requirement": None,
        "value": value,
        "budget": budget,
        "unit": unit,
    }


def make_results(
    requirements: list[dict[str, Any]],
    measurements: list[dict[str, Any]] | None = None,
    *,
    product: str = "Reference ICS",
    profile: str = "full",
    complete: bool = True,
    selection: list[str] | None = None,
) -> dict[str, Any]:
    """A valid results document holding these requirements and measurements."""
    from accredit.results import summarise

    document = copy.deepcopy(RESULTS)
    document["sut"]["product"] = product
    document["run"]["profile"] = profile
    document["run"]["complete"] = complete
    if not complete:
        document["run"]["internal_errors"] = ["collecting the suites failed"]
    document["run"]["selection"] = selection
    document["categories"] = [
        c for c in ALL_CATEGORIES if selection is None or c["id"] in selection
    ]
    document["requirements"] = requirements
    if measurements is not None:
        document["measurements"] = measurements
    document["summary"] = summarise(requirements)
    validate(document)
    return document


def every_category_passing() -> dict[str, Any]:
    """A run in which every category is assessed and everything is within its budget."""
    return make_results(
        [
            requirement("FUN-001", "functional"),
            requirement("FUN-002", "functional", weight=2),
            requirement("PRE-001", "prepopulation"),
            requirement("LD-001", "lockdown", weight=3),
            requirement("ACC-001", "access"),
        ],
        [
            measurement("search.p95", "performance", 400, 500),
            measurement("save.p95", "performance", 200, 300),
            measurement("case-note.klm", "usability", 30, 45, "s"),
        ],
    )


def load_series() -> list[dict[str, Any]]:
    """A `series` array: the throughput of one load run (a failure in its second window) and
    the thirds of its soak (one operation over the drift rule, one with no middle third)."""
    from accredit.series import DriftOperation, DriftSeries, ThroughputPoint, ThroughputSeries

    throughput = ThroughputSeries(
        id="throughput.accreditation",
        profile="accreditation",
        title="The busy hour " + SCRIPT,
        users=20,
        window_s=3.0,
        requirements=("PERF-001", "PERF-002"),
        points=(
            ThroughputPoint(0, 3, 90, 0),
            ThroughputPoint(3, 3, 111, 6),
            ThroughputPoint(6, 1.5, 45, 0),
        ),
    )
    drift = DriftSeries(
        id="drift.accreditation",
        profile="accreditation",
        title="The busy hour",
        floor_ms=200,
        max_ratio=2.0,
        requirements=("PERF-003",),
        operations=(
            DriftOperation("search_record", "Search the record", 320, 480, 720, 2.25),
            DriftOperation("open_child", "Open a child's record " + IMG, 40, None, 260, 1.3),
        ),
    )
    return [throughput.to_json(), drift.to_json()]
