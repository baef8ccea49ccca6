"""Verdicts: a requirement passes only when every test of it passes."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from accredit.errors import UserError
from accredit.results import read_results, summarise, verdict_of


@pytest.mark.parametrize(
    ("outcomes", "verdict"),
    [
        ([], "not_run"),
        (["pass"], "pass"),
        (["pass", "pass"], "pass"),
        (["pass", "skipped"], "not_run"),
        (["pass", "error"], "error"),
        (["error", "fail", "pass"], "fail"),
        (["skipped", "error"], "error"),
    ],
)
def test_the_worst_outcome_decides(outcomes: list[str], verdict: str) -> None:
    assert verdict_of(outcomes) == verdict


def test_summary_lists_every_must_that_did_not_pass() -> None:
    requirements = [
        {"id": "A-001", "level": "MUST", "verdict": "pass"},
        {"id": "A-002", "level": "MUST", "verdict": "error"},
        {"id": "A-003", "level": "SHOULD", "verdict": "fail"},
        {"id": "A-004", "level": "MUST", "verdict": "not_run"},
    ]
    summary = summarise(requirements)
    assert summary["must_not_passed"] == ["A-002", "A-004"]
    assert (summary["pass"], summary["fail"], summary["error"], summary["not_run"]) == (1, 1, 1, 1)


@pytest.mark.parametrize(
    ("content", "problem"),
    [
        (None, "results document not found"),
        ("{not json", "not valid JSON"),
        (json.dumps({"schema_version": 2}), "results schema version 2 is not supported"),
        (json.dumps({"schema_version": 1, "run": {}}), "run: 'id' is missing"),
        (json.dumps([1, 2]), "not a results document: expected a JSON object"),
    ],
)
def test_an_unusable_results_file_is_one_line(
    tmp_path: Path, content: str | None, problem: str
) -> None:
    path = tmp_path / "results.json"
    if content is not None:
        path.write_text(content)
    with pytest.raises(UserError) as caught:
        read_results(path)
    assert str(caught.value).startswith(str(path))
    assert problem in str(caught.value)
    assert "\n" not in str(caught.value)
