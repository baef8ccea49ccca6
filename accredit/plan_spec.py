"""The plan part of the specs (specs/plan.yaml): who may own an action, what each role may do
with a plan, the vocabularies of an action's status and priority, and how a list of actions is
filtered and sorted.

The reference enforces it, the plan suite parametrises itself from it and computes every
expected list from it; `read_plan` validates it against its JSON Schema and checks what the
schema cannot (owners and roles that users.yaml knows, a filter that suits its field, a default
sort of known keys, requirements the catalogue holds).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import yaml

from accredit.access_spec import FORBIDDEN, load_access
from accredit.errors import SpecError
from accredit.specs import SpecBundle, did_you_mean, validate_document

__all__ = [
    "ANY_OF",
    "DATE_ORDER",
    "EQUALS",
    "ON_OR_AFTER",
    "ON_OR_BEFORE",
    "PLAN_FILE",
    "VOCABULARY_ORDER",
    "Filter",
    "Owner",
    "PlanSpec",
    "RoleAccess",
    "SortKey",
    "SortTerm",
    "read_plan",
    "sort_terms",
]

PLAN_FILE = "plan.yaml"
#: How a filter matches (specs/schema/plan.schema.json).
ANY_OF, EQUALS, ON_OR_AFTER, ON_OR_BEFORE = "any_of", "equals", "on_or_after", "on_or_before"
#: How a sort key orders its values: by the calendar, or by the place in a vocabulary list.
DATE_ORDER, VOCABULARY_ORDER = "date", "vocabulary"
#: The fields whose values come from a vocabulary of the spec, and the one that is a date.
_VOCABULARY_FIELDS = ("owner", "status", "priority")
_DATE_FIELD = "due_date"
_MATCHES_BY_FIELD = {
    "owner": (ANY_OF,),
    "status": (ANY_OF,),
    "priority": (ANY_OF,),
    "responsible": (EQUALS,),
    "due_date": (ON_OR_AFTER, ON_OR_BEFORE),
}


@dataclass(frozen=True)
class Owner:
    """A team or agency that may own an action."""

    id: str
    kind: str  # team | agency
    title: str


@dataclass(frozen=True)
class RoleAccess:
    """What users of one role may do with a plan: the rules of access.yaml's plan rows."""

    read: bool
    add_objectives: bool
    write_actions: bool
    acts_for: str | None = None  # the agency users of the role act for, if they have no team


@dataclass(frozen=True)
class Filter:
    """A query parameter of the action list that filters on one field."""

    parameter: str
    field: str
    match: str


@dataclass(frozen=True)
class SortKey:
    """A key the action list may be sorted by."""

    name: str
    field: str
    order: str  # date | vocabulary


@dataclass(frozen=True)
class SortTerm:
    """One term of a `sort` parameter: a key, ascending or descending."""

    key: str
    descending: bool = False

    def text(self) -> str:
        """Return the term as the `sort` parameter writes it (`-priority`)."""
        return f"-{self.key}" if self.descending else self.key


@dataclass(frozen=True)
class PlanSpec:
    """specs/plan.yaml."""

    version: str
    owners: tuple[Owner, ...]
    access: Mapping[str, RoleAccess]  # role -> what it may do (read from access.yaml)
    statuses: tuple[str, ...]
    priorities: tuple[str, ...]
    earliest_due: date
    latest_due: date
    filters: Mapping[str, Filter]  # query parameter -> filter
    sort_parameter: str
    sort_keys: Mapping[str, SortKey]
    tie_break: str
    default_sort: tuple[SortTerm, ...]
    requirements: Mapping[str, str]  # rule -> requirement id

    @property
    def owner_ids(self) -> tuple[str, ...]:
        """Return the ids of every possible owner, in the spec's order."""
        return tuple(o.id for o in self.owners)

    def vocabulary(self, field: str) -> tuple[str, ...]:
        """Return the values `field` may hold (owner, status, priority), in ascending order."""
        if field == "owner":
            return self.owner_ids
        if field == "status":
            return self.statuses
        if field == "priority":
            return self.priorities
        raise KeyError(field)

    def role(self, role: str) -> RoleAccess:
        """Return what `role` may do; a role the spec does not list may do nothing."""
        return self.access.get(
            role, RoleAccess(read=False, add_objectives=False, write_actions=False)
        )

    def owner_for(self, role: str, team: str | None) -> str | None:
        """Return the owner a user of `role` and `team` acts for: their team, or else the
        agency of their role, or None."""
        if team is not None and team in self.owner_ids:
            return team
        return self.role(role).acts_for

    def requirement(self, rule: str) -> str:
        """Return the id of the requirement a breach of `rule` fails (KeyError if none)."""
        return self.requirements[rule]


def sort_terms(text: str) -> tuple[SortTerm, ...]:
    """Return the terms of a `sort` value as written (`due_date,-priority`), unchecked."""
    terms = []
    for item in text.split(","):
        descending = item.startswith("-")
        terms.append(SortTerm(item[1:] if descending else item, descending))
    return tuple(terms)


#: The operations of access.yaml whose rules say what a role may do with a plan.
READ_PLAN = "GET /children/{child_id}/plan"
ADD_OBJECTIVE = "POST /children/{child_id}/plan/objectives"
UPDATE_ACTION = "PATCH /plan-actions/{action_id}"


def _role_access(specs: SpecBundle, agencies: list[str]) -> dict[str, RoleAccess]:
    """Return what each role may do with a plan, as the access matrix (access.yaml) says: the
    matrix is the one place that says who may do what; plan.yaml says who may own an action."""
    matrix = load_access(specs)

    def may(operation: str, role: str) -> bool:
        row = matrix.row(operation)
        if row is None:
            raise SpecError(specs.root / "access.yaml", "operations", f"no row for {operation}")
        return row.rule(role) != FORBIDDEN

    for role, agency in matrix.acts_for.items():
        _known(specs.root / "access.yaml", f"acts_for.{role}", agency, agencies, "an agency owner")
    return {
        role: RoleAccess(
            may(READ_PLAN, role),
            may(ADD_OBJECTIVE, role),
            may(UPDATE_ACTION, role),
            matrix.acts_for.get(role),
        )
        for role in specs.users.roles
    }


def read_plan(specs: SpecBundle) -> PlanSpec:
    """Return the validated plan spec of the bundle; raise SpecError naming file, path and
    problem for the first problem found."""
    path = specs.root / PLAN_FILE
    document = _read(path)
    owners = tuple(Owner(o["id"], o["kind"], o["title"]) for o in document["owners"])
    owner_ids = [o.id for o in owners]
    teams = list(specs.users.teams)
    for i, owner in enumerate(owners):
        if owner_ids.count(owner.id) > 1:
            raise SpecError(path, f"owners[{i}].id", f"{owner.id!r} is defined twice")
        if owner.kind == "team":
            _known(path, f"owners[{i}].id", owner.id, teams, "a team of users.yaml")
    agencies = [o.id for o in owners if o.kind == "agency"]
    access = _role_access(specs, agencies)
    earliest = _date(path, "due_dates.earliest", document["due_dates"]["earliest"])
    latest = _date(path, "due_dates.latest", document["due_dates"]["latest"])
    if latest < earliest:
        raise SpecError(path, "due_dates.latest", "is before due_dates.earliest")
    listing = document["listing"]
    filters = {}
    for parameter, raw in listing["filters"].items():
        allowed = _MATCHES_BY_FIELD[raw["field"]]
        if raw["match"] not in allowed:
            raise SpecError(
                path,
                f"listing.filters.{parameter}.match",
                f"{raw['match']!r} does not suit the field {raw['field']}: {', '.join(allowed)}",
            )
        filters[parameter] = Filter(parameter, raw["field"], raw["match"])
    sort_keys = {}
    for name, raw in listing["sort_keys"].items():
        wanted = DATE_ORDER if raw["field"] == _DATE_FIELD else VOCABULARY_ORDER
        if raw["order"] != wanted or raw["field"] not in (*_VOCABULARY_FIELDS, _DATE_FIELD):
            raise SpecError(
                path,
                f"listing.sort_keys.{name}.order",
                f"the field {raw['field']} sorts by {wanted}",
            )
        sort_keys[name] = SortKey(name, raw["field"], raw["order"])
    sort_parameter = listing["sort_parameter"]
    if sort_parameter in filters:
        raise SpecError(path, "listing.sort_parameter", f"{sort_parameter!r} is also a filter")
    default_sort = sort_terms(",".join(listing["default_sort"])) if listing["default_sort"] else ()
    for i, term in enumerate(default_sort):
        _known(path, f"listing.default_sort[{i}]", term.key, list(sort_keys), "a sort key")
    requirements = dict(document["requirements"])
    ids = set(specs.catalogue.ids)
    for rule, requirement in requirements.items():
        if requirement not in ids:
            raise SpecError(path, f"requirements.{rule}", f"{requirement} is not in the catalogue")
    return PlanSpec(
        version=document["version"],
        owners=owners,
        access=access,
        statuses=tuple(document["statuses"]),
        priorities=tuple(document["priorities"]),
        earliest_due=earliest,
        latest_due=latest,
        filters=filters,
        sort_parameter=sort_parameter,
        sort_keys=sort_keys,
        tie_break=listing["tie_break"],
        default_sort=default_sort,
        requirements=requirements,
    )


def _read(path: Path) -> dict[str, Any]:
    try:
        document = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError, UnicodeDecodeError) as exc:
        raise SpecError(path, "", f"cannot be read: {' '.join(str(exc).split())}") from None
    validate_document(document, "plan", path)
    loaded: dict[str, Any] = document
    return loaded


def _known(path: Path, where: str, value: str, valid: list[str], what: str) -> None:
    if value not in valid:
        raise SpecError(
            path,
            where,
            f"{value!r} is not {what}: {', '.join(valid)}{did_you_mean(value, valid)}",
        )


def _date(path: Path, where: str, text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise SpecError(path, where, f"{text!r} is not a calendar date") from None
