"""Compared tables: what a test laid out beside its verdict reaches the report from results.json
`tables` alone, escaped, with the rows that differ marked."""

from __future__ import annotations

from typing import Any

import jsonschema
import pytest

from reports.html import render_html
from reports.tables_section import tables_section
from tests.reports.conftest import SCRIPT, validate


def table(requirement: str, **changes: Any) -> dict[str, Any]:
    entry: dict[str, Any] = {
        "id": "service.open-cases",
        "category": "functional",
        "requirement": requirement,
        "title": "Open cases by status",
        "columns": ["Figure", "Expected", "Got"],
        "rows": [["open", 12, 12], ["closed", 3, 4], [SCRIPT, None, 0.5]],
        "mismatched": [1],
    }
    return {**entry, **changes}


@pytest.fixture
def with_tables(results: dict[str, Any]) -> dict[str, Any]:
    first = results["requirements"][0]["id"]
    results["tables"] = [table(first)]
    validate(results)
    return results


def section(page: str) -> str:
    start = page.index('<section aria-labelledby="compared-title"')
    return page[start : page.index("\n</section>\n", start)]


def test_each_table_is_shown_with_its_differing_rows_marked(with_tables: dict[str, Any]) -> None:
    page = section(render_html(with_tables))
    assert "Open cases by status" in page
    assert page.count('class="mismatched"') == 1
    assert "<strong>1 differs</strong>" in page
    assert "<td>12</td><td>12</td><td>\u2013</td>" in page


def test_cells_from_the_sut_are_escaped(with_tables: dict[str, Any]) -> None:
    page = render_html(with_tables)
    assert SCRIPT not in page
    assert "&lt;script&gt;" in section(page)


def test_a_document_without_tables_has_no_such_section(results: dict[str, Any]) -> None:
    assert tables_section(results) == {"compared_tables": []}
    assert 'aria-labelledby="compared-title"' not in render_html(results)


def test_the_schema_refuses_a_table_without_its_requirement(results: dict[str, Any]) -> None:
    broken = table("FUN-001")
    del broken["requirement"]
    results["tables"] = [broken]
    with pytest.raises(jsonschema.ValidationError):
        validate(results)
