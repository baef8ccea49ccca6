"""The access matrix of specs/access.yaml: per operation of the conformance API, what each role
may do and on whose records; how a refusal reads; what a partner agency's read shows.

The reference enforces it (reference_impl/domain/access.py), the access suite checks every
required user against every row, and the report prints the matrix it checked. The checks here
are those the JSON Schema cannot make: every role of users.yaml has its reach and its rule in
every row, no operation has two rows, every shared section is a section of its form.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from accredit.errors import SpecError
from accredit.specs import SpecBundle, did_you_mean, validate_document

__all__ = [
    "ALLOWED",
    "FORBIDDEN",
    "HIDDEN",
    "OWNER",
    "OWN_TEAM",
    "PUBLIC",
    "REACH_ALL",
    "REACH_SHARED",
    "RULES",
    "SHARED_SECTIONS",
    "AccessMatrix",
    "OperationAccess",
    "Refusal",
    "SharedSections",
    "load_access",
]

#: The rules a row gives a role (specs/schema/access.schema.json).
ALLOWED, OWN_TEAM, OWNER, SHARED_SECTIONS, FORBIDDEN = (
    "allowed",
    "own_team",
    "owner",
    "shared_sections",
    "forbidden",
)
RULES = (ALLOWED, OWN_TEAM, OWNER, SHARED_SECTIONS, FORBIDDEN)
#: The refusal of a record outside the user's reach (the other is FORBIDDEN).
HIDDEN = "hidden"
#: A row that needs no sign-in.
PUBLIC = "public"
#: A role's reach: every child, or only the children shared with its agency.
REACH_ALL, REACH_SHARED = "all", "shared"


@dataclass(frozen=True)
class Refusal:
    """How a refusal reads: its HTTP status and error code."""

    status: int
    code: str


@dataclass(frozen=True)
class SharedSections:
    """What a `shared_sections` read shows: the child's fields, the form's fields, and per form
    kind the sections whose answers it keeps."""

    child_fields: frozenset[str]
    form_fields: frozenset[str]
    form_sections: Mapping[str, tuple[str, ...]]


@dataclass(frozen=True)
class OperationAccess:
    """One row: an operation (method and path template), the subject the harness builds for it,
    the body and query it sends, and the rule of each role (`public`: no sign-in needed)."""

    operation: str
    subject: str
    body: Any
    query: Mapping[str, str]
    rules: Mapping[str, str] | None  # None: public

    @property
    def method(self) -> str:
        return self.operation.split(" ", 1)[0]

    @property
    def path(self) -> str:
        return self.operation.split(" ", 1)[1]

    @property
    def public(self) -> bool:
        return self.rules is None

    def rule(self, role: str) -> str:
        """Return the rule of `role` for this operation (allowed for every role if public)."""
        if self.rules is None:
            return ALLOWED
        return self.rules.get(role, FORBIDDEN)

    @property
    def writes(self) -> bool:
        """Whether the operation changes or creates records (anything but a GET)."""
        return self.method != "GET"


@dataclass(frozen=True)
class AccessMatrix:
    version: str
    forbidden: Refusal
    hidden: Refusal
    reach: Mapping[str, str]
    acts_for: Mapping[str, str]  # role without a team -> the agency its users act for
    shared: SharedSections
    operations: tuple[OperationAccess, ...]

    def acting_for(self, role: str, team: str | None) -> str | None:
        """Return the team or agency a user of `role` (and `team`) acts for: their team, else
        their role's agency, else None."""
        return team if team is not None else self.acts_for.get(role)

    def row(self, operation: str) -> OperationAccess | None:
        """Return the row of `operation` ("METHOD /path/{template}"), or None."""
        return self._rows.get(operation)

    @property
    def _rows(self) -> dict[str, OperationAccess]:
        return {row.operation: row for row in self.operations}

    def refusal(self, outcome: str) -> Refusal:
        """Return how the refusal `outcome` (forbidden or hidden) reads."""
        return self.hidden if outcome == HIDDEN else self.forbidden


def load_access(specs: SpecBundle) -> AccessMatrix:
    """Return the validated access matrix of the bundle (specs/access.yaml).

    Raises SpecError naming file, path and problem for the first problem found.
    """
    path = specs.root / "access.yaml"
    document = _read(path)
    roles = list(specs.users.roles)
    reach = dict(document["reach"])
    for role in roles:
        if role not in reach:
            raise SpecError(path, "reach", f"no reach for role {role!r} of users.yaml")
    for role in reach:
        _known_role(path, "reach", role, roles)
    acts_for = dict(document.get("acts_for") or {})
    for role in acts_for:
        _known_role(path, "acts_for", role, roles)
    rows: list[OperationAccess] = []
    seen: set[str] = set()
    for i, entry in enumerate(document["operations"]):
        where = f"operations[{i}]"
        operation = entry["operation"]
        if operation in seen:
            raise SpecError(path, f"{where}.operation", f"{operation!r} has two rows")
        seen.add(operation)
        rules = entry["access"]
        if rules != PUBLIC:
            for role in rules:
                _known_role(path, f"{where}.access", role, roles)
            missing = [role for role in roles if role not in rules]
            if missing:
                raise SpecError(
                    path, f"{where}.access", f"no rule for role(s) {', '.join(missing)}"
                )
        rows.append(
            OperationAccess(
                operation=operation,
                subject=entry["subject"],
                body=entry.get("body"),
                query=dict(entry.get("query") or {}),
                rules=None if rules == PUBLIC else dict(rules),
            )
        )
    return AccessMatrix(
        version=document["version"],
        forbidden=Refusal(**document["refusals"]["forbidden"]),
        hidden=Refusal(**document["refusals"]["hidden"]),
        reach=reach,
        acts_for=acts_for,
        shared=_shared(path, document["shared_sections"], specs),
        operations=tuple(rows),
    )


def _read(path: Path) -> dict[str, Any]:
    if not path.is_file():
        raise SpecError(path, "", "file not found")
    try:
        document = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise SpecError(path, "", f"not valid YAML: {exc}") from None
    if not isinstance(document, dict):
        raise SpecError(path, "", "expected a mapping at the top of the file")
    validate_document(document, "access", path)
    return document


def _known_role(path: Path, where: str, role: str, roles: list[str]) -> None:
    if role not in roles:
        raise SpecError(
            path,
            f"{where}.{role}",
            f"{role!r} is not a role of users.yaml ({', '.join(roles)}){did_you_mean(role, roles)}",
        )


def _shared(path: Path, document: Mapping[str, Any], specs: SpecBundle) -> SharedSections:
    sections: dict[str, tuple[str, ...]] = {}
    for kind, ids in document["form"]["sections"].items():
        where = f"shared_sections.form.sections.{kind}"
        form = specs.forms.get(kind)
        if form is None:
            raise SpecError(
                path, where, f"{kind!r} is not a form kind{did_you_mean(kind, specs.forms)}"
            )
        known = [section.id for section in form.sections]
        for section in ids:
            if section not in known:
                raise SpecError(
                    path,
                    where,
                    f"{section!r} is not a section of {kind} ({', '.join(known)})"
                    f"{did_you_mean(section, known)}",
                )
        sections[kind] = tuple(ids)
    return SharedSections(
        child_fields=frozenset(document["child"]),
        form_fields=frozenset(document["form"]["fields"]),
        form_sections=sections,
    )
