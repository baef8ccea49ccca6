"""The report's section of compared tables, from results.json `tables` alone.

A test that compares many figures at once (service aggregates against the seeded truth, the
access matrix of every user against every route) lays them out as a table; the report shows
each under its requirement, with the rows where expected and got differ marked. The verdict
stays the test's: a table is what the reader checks it against. A document without `tables`
has no such section.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from reports.decision_page import format_figure

__all__ = ["ComparedTable", "TableRow", "tables_section"]


@dataclass(frozen=True)
class TableRow:
    cells: tuple[str, ...]
    mismatched: bool


@dataclass(frozen=True)
class ComparedTable:
    id: str
    title: str
    category: str
    requirement: str
    columns: tuple[str, ...]
    rows: tuple[TableRow, ...]
    mismatches: int
    note: str | None


def tables_section(results: Mapping[str, Any]) -> dict[str, Any]:
    """Return the template values of the compared-tables section: `compared_tables`, in the
    order of the catalogue's requirements as the results list them, empty without `tables`."""
    order = {r["id"]: i for i, r in enumerate(results["requirements"])}
    tables = sorted(
        results.get("tables", []), key=lambda t: (order.get(t["requirement"], len(order)), t["id"])
    )
    return {"compared_tables": [_table(t) for t in tables]}


def _table(table: Mapping[str, Any]) -> ComparedTable:
    mismatched = set(table["mismatched"])
    rows = tuple(
        TableRow(tuple(_cell(c) for c in row), index in mismatched)
        for index, row in enumerate(table["rows"])
    )
    return ComparedTable(
        id=table["id"],
        title=table["title"],
        category=table["category"],
        requirement=table["requirement"],
        columns=tuple(table["columns"]),
        rows=rows,
        mismatches=len(mismatched),
        note=table.get("note"),
    )


def _cell(value: str | float | None) -> str:
    if value is None:
        return "\u2013"  # an en dash: nothing there
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int | float):
        return format_figure(float(value)) if isinstance(value, float) else str(value)
    return value
