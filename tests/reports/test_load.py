"""A results document that cannot be used stops with one line naming the file and the problem."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from accredit.errors import UserError
from reports import load_results
from tests.reports.conftest import RESULTS


def test_a_valid_document_loads(results_file: Path, results: dict[str, Any]) -> None:
    assert load_results(results_file) == results
    assert load_results(str(results_file)) == results


def _without(key: str) -> Callable[[dict[str, Any]], Any]:
    def edit(document: dict[str, Any]) -> Any:
        del document[key]
        return document

    return edit


def _set(*path: str | int, value: Any) -> Callable[[dict[str, Any]], Any]:
    def edit(document: dict[str, Any]) -> Any:
        target: Any = document
        for part in path[:-1]:
            target = target[part]
        target[path[-1]] = value
        return document

    return edit


@pytest.mark.parametrize(
    ("content", "problem"),
    [
        pytest.param(None, "results document not found", id="missing"),
        pytest.param("{not json", "not valid JSON: Expecting property name", id="bad-json"),
        pytest.param(
            '{"schema_version": NaN}', "not valid JSON: NaN is not a JSON number", id="nan"
        ),
        pytest.param(b"\xff\xfe{}", "not UTF-8 text", id="not-utf8"),
        pytest.param("[" * 100_000, "JSON nested too deeply", id="too-deep"),
        pytest.param("[1, 2]", "not a results document", id="not-an-object"),
        pytest.param("{}", "not a results document: schema_version is missing", id="no-version"),
        pytest.param(
            _set("schema_version", value=2),
            "results schema version 2 is not supported; this harness reads version 1",
            id="version-2",
        ),
        pytest.param(_without("summary"), "(top): 'summary' is missing", id="missing-key"),
        pytest.param(
            _set("requirements", 1, "verdict", value="passed"),
            "requirements[1].verdict: 'passed' is not one of pass, fail, error, not_run",
            id="bad-verdict",
        ),
        pytest.param(
            _set(
                "requirements", 1, "tests", 0, "evidence", 0, "response", "body", value=["x" * 500]
            ),
            "evidence[0].response.body: expected string or null, got array",
            id="long-bad-value",
        ),
        pytest.param(_set("run", "extra", value=1), "run: unknown key 'extra'", id="unknown-key"),
    ],
)
def test_an_unusable_results_file_is_one_line_naming_it(
    tmp_path: Path, content: str | bytes | Callable[[dict[str, Any]], Any] | None, problem: str
) -> None:
    path = tmp_path / "results.json"
    if isinstance(content, bytes):
        path.write_bytes(content)
    elif isinstance(content, str):
        path.write_text(content, encoding="utf-8")
    elif content is not None:
        path.write_text(json.dumps(content(json.loads(json.dumps(RESULTS)))), encoding="utf-8")
    with pytest.raises(UserError) as caught:
        load_results(path)
    message = str(caught.value)
    assert message.startswith(f"{path}: ")
    assert problem in message
    assert "\n" not in message
    assert len(message) < len(str(path)) + 250
