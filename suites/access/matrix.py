"""The access matrix as the harness reads it: what each required user should be answered for
each row of access.yaml (the oracle), how a row is sent, and what came back.

The expected answer is worked out here from the specs alone, not from the reference: the row's
rule for the user's role, the role's reach, the team of the subject (the author's, never
shared with the partner agency), then lifecycle.yaml for a lifecycle action (which roles take
it). An allowed request must succeed (2xx); a refused one must carry the matrix's status and
code (`forbidden` 403 or `hidden` 404).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from access.subjects import KINDS, Subjects
from lockdown.locked_case import fill

from accredit.access_spec import (
    ALLOWED,
    FORBIDDEN,
    HIDDEN,
    OWN_TEAM,
    OWNER,
    REACH_ALL,
    AccessMatrix,
    OperationAccess,
)
from accredit.specs import RequiredUser, SpecBundle
from accredit.sut import Exchange, SutClient

from steps import AUTHOR

__all__ = ["Cell", "expected_outcome", "label", "outcome_of", "send", "subject_for", "try_cell"]

#: The operation that starts a form: whoever it allows writes their own draft subjects.
START_FORM = "POST /forms"


#: Authorising an assessment takes it into a locked state: the roles of that transition take it.
AUTHORISE = "POST /assessments/{assessment_id}/authorise"


def _lifecycle_roles(specs: SpecBundle, row: OperationAccess) -> tuple[str, ...] | None:
    """Return the roles lifecycle.yaml lets take the row's action, or None for another row."""
    if row.operation == AUTHORISE:
        lifecycle = specs.lifecycle
        return tuple(
            role
            for t in lifecycle.transitions
            if lifecycle.state(t.to_state).locked
            for role in t.roles
        )
    for action in specs.lifecycle.actions:
        if row.method == "POST" and row.path == f"/forms/{{form_id}}/{action}":
            return tuple(
                role for t in specs.lifecycle.transitions if t.action == action for role in t.roles
            )
    return None


def expected_outcome(
    specs: SpecBundle, matrix: AccessMatrix, row: OperationAccess, user: RequiredUser
) -> str:
    """Return `allowed`, `forbidden` or `hidden`: the matrix's answer to `user` for `row` on a
    subject of the author's team that is not shared."""
    if row.public:
        return ALLOWED
    subject_team = specs.users.user(AUTHOR).team
    if KINDS[row.subject].concerns_child and matrix.reach.get(user.role) != REACH_ALL:
        return HIDDEN
    rule = row.rule(user.role)
    if rule == FORBIDDEN or (rule == OWN_TEAM and user.team != subject_team):
        return FORBIDDEN
    if rule == OWNER and matrix.acting_for(user.role, user.team) != subject_team:
        return FORBIDDEN  # the subject's records are owned by the author's team
    roles = _lifecycle_roles(specs, row)
    if roles is not None and user.role not in roles:
        return FORBIDDEN
    return ALLOWED


def subject_author(
    specs: SpecBundle, matrix: AccessMatrix, row: OperationAccess, user: RequiredUser
) -> str:
    """Return who writes the row's subject for `user`: the user, for a kind written by its
    actor when the matrix lets them start forms for the child; otherwise the author."""
    start = matrix.row(START_FORM)
    writes_own = start is not None and expected_outcome(specs, matrix, start, user) == ALLOWED
    return user.key if KINDS[row.subject].by_actor and writes_own else AUTHOR


def subject_for(
    subjects: Subjects, matrix: AccessMatrix, row: OperationAccess, user: RequiredUser
) -> tuple[dict[str, Any], str]:
    """Return the values of the row's subject for `user`, and who wrote it."""
    author = subject_author(subjects.specs, matrix, row, user)
    return subjects.get(row.subject, author), author


def send(client: SutClient, row: OperationAccess, values: dict[str, Any]) -> Exchange:
    """Send the row's request, its placeholders filled from the subject's values."""
    path = fill(row.path, values)
    if row.query:
        path += "?" + urlencode({k: fill(v, values) for k, v in row.query.items()})
    body = fill(row.body, values) if row.body is not None else None
    return client.request(row.method, path, body)


def outcome_of(exchange: Exchange, matrix: AccessMatrix) -> str:
    """Return what the SUT answered, in the matrix's words where it is one of its answers."""
    if exchange.status is not None and 200 <= exchange.status < 300:
        return ALLOWED
    for name in (FORBIDDEN, HIDDEN):
        refusal = matrix.refusal(name)
        if (exchange.status, exchange.code) == (refusal.status, refusal.code):
            return name
    if exchange.status is None:
        return f"no answer ({exchange.error})"
    return f"{exchange.status} {exchange.code or ''}".strip()


def label(outcome: str, matrix: AccessMatrix) -> str:
    """Return an outcome as the report shows it: `allowed`, `403 forbidden`, `404 hidden`."""
    if outcome in (FORBIDDEN, HIDDEN):
        return f"{matrix.refusal(outcome).status} {outcome}"
    return outcome


@dataclass(frozen=True)
class Cell:
    """One user's answer to one row: expected, got, and the exchange that showed it."""

    row: OperationAccess
    user: str
    expected: str
    got: str
    exchange: Exchange
    unchanged: bool | None = None  # for a refused change: did the subject read back the same

    @property
    def matches(self) -> bool:
        return self.expected == self.got and self.unchanged is not False

    def describe(self, matrix: AccessMatrix) -> str:
        """Return the mismatch in one line: who, what, expected against got."""
        got = label(self.got, matrix)
        if self.expected == self.got and self.unchanged is False:
            got += ", and the record changed"
        return (
            f"{self.row.operation} as {self.user}: expected {label(self.expected, matrix)}, "
            f"got {got} ({self.exchange.method} {self.exchange.url} answered "
            f"{self.exchange.text[:160]!r})"
        )


def _snapshot(sut: SutClient, subject: str, values: dict[str, Any]) -> list[bytes]:
    reader = sut.as_user(AUTHOR)
    return [reader.get(fill(path, values)).content for path in KINDS[subject].reads]


def try_cell(
    subjects: Subjects,
    matrix: AccessMatrix,
    row: OperationAccess,
    user: RequiredUser,
    check_unchanged: bool = False,
) -> Cell:
    """Send the row as `user` on its subject and return the cell; a subject a request changed
    is rebuilt for the next user. With `check_unchanged`, a refused change must leave the
    subject reading back byte-identical (as the author reads it)."""
    sut, specs = subjects.sut, subjects.specs
    values, author = subject_for(subjects, matrix, row, user)
    before = _snapshot(sut, row.subject, values) if check_unchanged and row.writes else None
    exchange = send(sut.as_user(user.key), row, values)
    got = outcome_of(exchange, matrix)
    if got == ALLOWED and row.writes:
        subjects.spent(row.subject, author)
    unchanged = None
    if before is not None and got != ALLOWED:
        unchanged = _snapshot(sut, row.subject, values) == before
    return Cell(row, user.key, expected_outcome(specs, matrix, row, user), got, exchange, unchanged)
