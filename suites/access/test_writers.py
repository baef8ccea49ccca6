"""Who may never write: the read-only auditor, and a team on another team's records.

For each such user, every operation of access.yaml that changes a record is sent on a subject
of team A. It must be refused with the matrix's 403 forbidden, and the subject must read back
byte-identical afterwards (as its author reads it): a refusal that stored the change anyway is
no refusal. A team-B worker then writes a record of their own team, so the refusals are shown
to be about whose record it is, not about a role that can write nothing.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest
from access.matrix import Cell, label, try_cell
from access.subjects import Subjects

from accredit.access_spec import FORBIDDEN, OWN_TEAM, REACH_ALL, AccessMatrix, OperationAccess
from accredit.plugin import TableLog
from accredit.specs import RequiredUser, SpecBundle

from steps import AUTHOR, create_child, expect


def read_only(matrix: AccessMatrix, user: RequiredUser) -> bool:
    """A user who reads every child and whom no row lets write: the auditor."""
    writes = [row for row in matrix.operations if row.writes and not row.public]
    return matrix.reach.get(user.role) == REACH_ALL and all(
        row.rule(user.role) == FORBIDDEN for row in writes
    )


def other_team(specs: SpecBundle, user: RequiredUser) -> bool:
    """A user of a team other than the subjects' (team B)."""
    return user.team is not None and user.team != specs.users.user(AUTHOR).team


def _refused_writes(
    specs: SpecBundle,
    matrix: AccessMatrix,
    subjects: Subjects,
    tables: TableLog,
    table: str,
    title: str,
    who: Callable[[RequiredUser], bool],
    rows: Callable[[OperationAccess, RequiredUser], bool],
) -> None:
    users = [u for u in specs.users.required_users if who(u)]
    if not users:
        pytest.skip(f"precondition not met: specs/users.yaml names no required user for {title!r}")
    cells: list[Cell] = [
        try_cell(subjects, matrix, row, user, check_unchanged=True)
        for user in users
        for row in matrix.operations
        if row.writes and rows(row, user)
    ]
    tables.record(
        table,
        title,
        ["operation", "user", "expected", "got", "record afterwards"],
        [
            [
                c.row.operation,
                c.user,
                label(c.expected, matrix),
                label(c.got, matrix),
                {True: "unchanged", False: "CHANGED", None: "-"}[c.unchanged],
            ]
            for c in cells
        ],
        mismatched=[i for i, c in enumerate(cells) if not c.matches],
    )
    wrong = [c.describe(matrix) for c in cells if not c.matches]
    assert not wrong, f"{len(wrong)} write(s) not refused as the matrix says:\n" + "\n".join(wrong)


@pytest.mark.requirement("ACC-003")
def test_the_auditor_changes_nothing_by_any_route(
    specs: SpecBundle, matrix: AccessMatrix, subjects: Subjects, tables: TableLog
) -> None:
    """Every change the auditor attempts is refused 403 and leaves the record as it was."""
    _refused_writes(
        specs,
        matrix,
        subjects,
        tables,
        "access-auditor-writes",
        "The auditor's attempts to change records (each must be refused and change nothing)",
        lambda user: read_only(matrix, user),
        lambda row, user: True,
    )


@pytest.mark.requirement("ACC-004")
def test_a_team_changes_no_record_of_another_team(
    specs: SpecBundle, matrix: AccessMatrix, subjects: Subjects, tables: TableLog
) -> None:
    """Every change team B's workers attempt on team A's records is refused 403 and leaves the
    record as it was; the same workers may write their own team's records."""
    _refused_writes(
        specs,
        matrix,
        subjects,
        tables,
        "access-other-team-writes",
        "Team B's attempts to change team A's records (each must be refused and change nothing)",
        lambda user: other_team(specs, user),
        lambda row, user: row.rule(user.role) == OWN_TEAM,
    )
    for user in specs.users.required_users:
        if other_team(specs, user):
            client = subjects.sut.as_user(user.key)
            child = create_child(client, subjects.rng, team=user.team or "")
            note = client.post(f"/children/{child['id']}/notes", {"text": "Visit by own team."})
            expect(note, 201, what=f"{user.key} records a note on their own team's child")
