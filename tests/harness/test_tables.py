"""Compared tables recorded by a suite reach results.json `tables`, valid and scrubbed."""

from __future__ import annotations

from pathlib import Path

import pytest

from accredit.plugin import TableLog, _Run
from accredit.results import validate_results
from accredit.specs import load_specs
from accredit.sut import SutProfile


@pytest.fixture
def run(tmp_path: Path) -> _Run:
    profile = SutProfile(
        "Product", "1", "http://127.0.0.1:1", None, 5.0, True, {"sw_a": "s3cret"}, "sut.yaml"
    )
    return _Run(load_specs(), profile, tmp_path / "results.json", 1, "full", ["functional"])


def test_a_recorded_table_goes_into_the_results_document_by_id(run: _Run) -> None:
    assert "tables" not in run.document()
    log = TableLog(run, "FUN-001")
    log.record("t", "First", ["a", "b"], [["x", 1]])
    log.record("t", "Again", ["a", "b"], [["x", 2], ["y", None]], mismatched=[1, 1])
    document = run.document()
    validate_results(document, "results.json")
    assert document["tables"] == [
        {
            "id": "t",
            "category": "functional",
            "requirement": "FUN-001",
            "title": "Again",
            "columns": ["a", "b"],
            "rows": [["x", 2], ["y", None]],
            "mismatched": [1],
        }
    ]


def test_a_secret_in_a_cell_never_reaches_the_document(run: _Run) -> None:
    TableLog(run, "FUN-001").record("t", "T", ["got"], [["token s3cret here"]])
    assert run.document()["tables"][0]["rows"] == [["token [redacted] here"]]


@pytest.mark.parametrize(("rows", "error"), [([["x"]], ValueError), ([["x", object()]], TypeError)])
def test_a_row_that_does_not_fit_its_columns_is_a_bug(
    run: _Run, rows: list[list[object]], error: type[Exception]
) -> None:
    with pytest.raises(error):
        TableLog(run, "FUN-001").record("t", "T", ["a", "b"], rows)
