"""Who is acting, and what their role lets them do (roles and permissions come from users.yaml)."""

from __future__ import annotations

from dataclasses import dataclass

from accredit.specs import Users
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
    "actor_from_spec",
    "permission_refusal",
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
