"""Who is acting, and what their role lets them do: the permissions of users.yaml, and the
access matrix of access.yaml (whose children a role reaches, whose records it may change, what a
partner agency's read shows).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from accredit.access_spec import (
    FORBIDDEN as RULE_FORBIDDEN,
)
from accredit.access_spec import (
    OWN_TEAM,
    OWNER,
    REACH_ALL,
    REACH_SHARED,
    SHARED_SECTIONS,
    AccessMatrix,
    SharedSections,
)
from accredit.specs import FormDefinition, Users
from reference_impl.domain.refusal import FORBIDDEN, Refusal

__all__ = [
    "ADMINISTRATOR_ROLE",
    "CHILD_READ",
    "CHILD_WRITE",
    "FORM_CREATE",
    "FORM_DELETE",
    "FORM_EDIT",
    "FORM_READ",
    "NOTE_READ",
    "NOTE_WRITE",
    "Actor",
    "Record",
    "access_refusal",
    "actor_from_spec",
    "permission_refusal",
    "reach_refusal",
    "shared_child",
    "shared_form",
    "shows_shared_sections_only",
]

# The permission vocabulary of specs/schema/users.schema.json; which role holds which is data.
CHILD_READ = "child.read"
CHILD_WRITE = "child.write"
FORM_READ = "form.read"
FORM_CREATE = "form.create"
FORM_EDIT = "form.edit"
FORM_DELETE = "form.delete"
NOTE_READ = "note.read"
NOTE_WRITE = "note.write"

#: The role (users.yaml) that may delete any user's draft; others delete only their own.
ADMINISTRATOR_ROLE = "administrator"


@dataclass(frozen=True)
class Actor:
    """A signed-in user: their key, role, team and the permissions the role grants."""

    key: str
    role: str
    team: str | None
    permissions: frozenset[str]

    def may(self, permission: str) -> bool:
        """Return whether the actor's role grants `permission`."""
        return permission in self.permissions


def actor_from_spec(users: Users, key: str, role: str, team: str | None) -> Actor:
    """Return the actor for a stored user, with the permissions the spec gives their role.

    A role the spec no longer defines grants nothing.
    """
    spec_role = users.roles.get(role)
    permissions = spec_role.permissions if spec_role is not None else frozenset()
    return Actor(key=key, role=role, team=team, permissions=permissions)


def permission_refusal(actor: Actor, permission: str) -> Refusal | None:
    """Return a `forbidden` refusal unless the actor's role grants `permission`."""
    if actor.may(permission):
        return None
    return Refusal(
        FORBIDDEN,
        f"user {actor.key} (role {actor.role}) lacks the permission {permission}",
    )


@dataclass(frozen=True)
class Record:
    """A child's record as access sees it: the team that owns it, whether it is shared with the
    partner agency, whether it exists yet (a child being registered is its team alone: no
    reach to hide it from, only the row's rule)."""

    team: str
    shared: bool = False
    exists: bool = True
    #: The team or agency that owns the record itself, where that is not the child's team
    #: (a plan action's owner, plan.yaml); None: the child's team owns it.
    owner: str | None = None


def _reaches(reach: str | None, record: Record) -> bool:
    if not record.exists:
        return True
    return reach == REACH_ALL or (reach == REACH_SHARED and record.shared)


def reach_refusal(
    matrix: AccessMatrix, actor: Actor, records: Iterable[Record], what: str = "the record"
) -> Refusal | None:
    """Return the matrix's `hidden` refusal (read as not found, naming `what`) when a record is
    outside the actor's reach, else None."""
    reach = matrix.reach.get(actor.role)
    if any(not _reaches(reach, record) for record in records):
        return Refusal(matrix.hidden.code, f"{what} not found")
    return None


def access_refusal(
    matrix: AccessMatrix,
    operation: str,
    actor: Actor,
    records: Iterable[Record],
    what: str = "the record",
) -> Refusal | None:
    """Return why `actor` may not take `operation` ("METHOD /path/{template}") on `records`,
    or None when the matrix allows it.

    Order (access.yaml): a record outside the role's reach is hidden (the matrix's `hidden`
    code, read as not found, naming `what`); then the row's rule for the role: forbidden, or
    own_team on a record of another team, owner on a record another team or agency owns (a
    plan action). An operation without a row is forbidden: a route
    nobody gave its row is closed, not open.
    """
    row = matrix.row(operation)
    if row is None:
        return Refusal(matrix.forbidden.code, f"{operation} has no row in the access matrix")
    if row.public:
        return None
    concerned = tuple(records)
    hidden = reach_refusal(matrix, actor, concerned, what)
    if hidden is not None:
        return hidden
    rule = row.rule(actor.role)
    if rule == RULE_FORBIDDEN:
        return Refusal(matrix.forbidden.code, f"role {actor.role} may not {operation} ({what})")
    if rule == OWN_TEAM:
        others = sorted({r.team for r in concerned if r.team != actor.team})
        if others:
            return Refusal(
                matrix.forbidden.code,
                f"user {actor.key} of team {actor.team} may not change the records of team "
                f"{', '.join(others)}",
            )
    if rule == OWNER:
        acting_for = matrix.acting_for(actor.role, actor.team)
        owners = sorted({r.owner or r.team for r in concerned} - {acting_for})
        if owners:
            who = f"acts for {acting_for}" if acting_for else "acts for no team or agency"
            return Refusal(
                matrix.forbidden.code,
                f"{what} belongs to {', '.join(owners)}; user {actor.key} {who} and may change "
                "only that owner's records",
            )
    return None


def shows_shared_sections_only(matrix: AccessMatrix, operation: str, actor: Actor) -> bool:
    """Return whether `actor`'s read by `operation` shows the shared sections only."""
    row = matrix.row(operation)
    return row is not None and row.rule(actor.role) == SHARED_SECTIONS


def _withheld(value: Any) -> Any:
    if isinstance(value, list):
        return []
    if isinstance(value, dict):
        return {}
    return None


def shared_child(child: Mapping[str, Any], shared: SharedSections) -> dict[str, Any]:
    """Return a child's body as a shared read shows it: unshared fields withheld (null, [] or
    {})."""
    return {k: v if k in shared.child_fields else _withheld(v) for k, v in child.items()}


def shared_form(
    form: Mapping[str, Any], definition: FormDefinition, shared: SharedSections
) -> dict[str, Any]:
    """Return a form's body as a shared read shows it: unshared fields withheld, and its answers
    and provenance kept for the questions of the shared sections of its kind only."""
    sections = set(shared.form_sections.get(definition.kind, ()))
    questions = {q.id for s in definition.sections if s.id in sections for q in s.questions}
    body = {k: v if k in shared.form_fields else _withheld(v) for k, v in form.items()}
    for key in ("answers", "provenance"):
        if isinstance(body.get(key), dict):
            body[key] = {q: v for q, v in body[key].items() if q in questions}
    return body
