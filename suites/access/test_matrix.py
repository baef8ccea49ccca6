"""The whole access matrix: every required user against every operation of access.yaml.

Each row is sent by each user on a subject of team A not shared with the partner agency; the
answer must be the matrix's: a success where it allows, its refusal (403 forbidden, or 404 for a
record outside the user's reach) where it does not. The report shows the matrix as checked, one
row per operation and one column per user, with every cell that differed marked.
"""

from __future__ import annotations

import pytest
from access.matrix import Cell, label, try_cell
from access.subjects import Subjects

from accredit.access_spec import AccessMatrix
from accredit.plugin import TableLog
from accredit.specs import SpecBundle


@pytest.mark.requirement("ACC-001")
def test_every_user_gets_the_matrix_answer_for_every_operation(
    specs: SpecBundle, matrix: AccessMatrix, subjects: Subjects, tables: TableLog
) -> None:
    """Every (user, operation) cell of the matrix is answered as access.yaml says."""
    users = specs.users.required_users
    rows, mismatched, wrong = [], [], []
    for index, row in enumerate(matrix.operations):
        cells: list[Cell] = [try_cell(subjects, matrix, row, user) for user in users]
        shown = []
        for cell in cells:
            if cell.matches:
                shown.append(label(cell.got, matrix))
            else:
                shown.append(
                    f"expected {label(cell.expected, matrix)}; got {label(cell.got, matrix)}"
                )
                wrong.append(cell.describe(matrix))
        if any(not c.matches for c in cells):
            mismatched.append(index)
        rows.append([row.operation, row.subject, *shown])
    tables.record(
        "access-matrix",
        "Who may do what: every required user against every operation (subject of team A, "
        "not shared with the partner agency)",
        ["operation", "subject", *(u.key for u in users)],
        rows,
        mismatched=mismatched,
        note=f"{len(rows)} operations x {len(users)} users; a cell shows the answer got, or "
        "expected against got where they differ",
    )
    assert not wrong, f"{len(wrong)} cell(s) of the access matrix differ:\n" + "\n".join(wrong)
