"""The rules of the Child/Young Person's Plan as pure functions of specs/plan.yaml: who may
read and write a plan, which action a user may change, what a list query means and which
actions it gives in which order (PLN-001, PLN-002).

No HTTP and no SQL: the API module is a shell around these functions.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from accredit.plan_spec import (
    ANY_OF,
    DATE_ORDER,
    EQUALS,
    ON_OR_AFTER,
    ON_OR_BEFORE,
    PlanSpec,
    SortTerm,
    sort_terms,
)
from accredit.specs import did_you_mean

__all__ = [
    "ActionFacts",
    "ActionQuery",
    "QueryProblem",
    "action_matches",
    "due_date_problem",
    "order_key",
    "parse_query",
    "select_actions",
    "vocabulary_problem",
]

#: The longest value of the `responsible` filter: a person's name.
MAX_RESPONSIBLE_CHARS = 100


@dataclass(frozen=True)
class ActionFacts:
    """What the listing rules read of an action."""

    id: int
    owner: str
    status: str
    priority: str
    responsible: str
    due_date: date
    updated_at: datetime | None = None

    def value(self, name: str) -> Any:
        """Return the value of the field `name` (owner, status, priority, ...)."""
        return getattr(self, name)


@dataclass(frozen=True)
class ActionQuery:
    """A parsed list query: the filters given (parameter -> values) and the sort terms."""

    filters: Mapping[str, tuple[str, ...] | str | date] = field(default_factory=dict)
    sort: tuple[SortTerm, ...] = ()


@dataclass(frozen=True)
class QueryProblem:
    """Why a list query is refused: the parameter and what is wrong with it."""

    parameter: str
    problem: str


# --- values -----------------------------------------------------------------------------------


def vocabulary_problem(spec: PlanSpec, field_name: str, value: str) -> str | None:
    """Return why `value` cannot be an action's `field_name` (owner, status, priority), or
    None when it can."""
    valid = spec.vocabulary(field_name)
    if value in valid:
        return None
    return f"{value!r} is not one of {', '.join(valid)}{did_you_mean(value, valid)}"


def due_date_problem(spec: PlanSpec, value: date) -> str | None:
    """Return why `value` cannot be a due date (outside the spec's range), or None."""
    if spec.earliest_due <= value <= spec.latest_due:
        return None
    return f"{value.isoformat()} is outside {spec.earliest_due} to {spec.latest_due}"


# --- list queries -----------------------------------------------------------------------------


def parse_query(
    spec: PlanSpec, parameters: Sequence[tuple[str, str]]
) -> ActionQuery | QueryProblem:
    """Return the query the parameters (name, value pairs, as sent) ask for, or the first
    problem with them."""
    allowed = [*spec.filters, spec.sort_parameter]
    seen: set[str] = set()
    filters: dict[str, tuple[str, ...] | str | date] = {}
    sort = spec.default_sort
    for name, value in parameters:
        if name not in allowed:
            return QueryProblem(
                name,
                f"is not a parameter of the list: {', '.join(allowed)}"
                f"{did_you_mean(name, allowed)}",
            )
        if name in seen:
            return QueryProblem(name, "is given more than once; separate values with commas")
        seen.add(name)
        if name == spec.sort_parameter:
            parsed = _sort(spec, value)
            if isinstance(parsed, str):
                return QueryProblem(name, parsed)
            sort = parsed
            continue
        checked = _filter_value(spec, name, value)
        if isinstance(checked, QueryProblem):
            return checked
        filters[name] = checked
    dates = {spec.filters[p].match: v for p, v in filters.items() if isinstance(v, date)}
    start, end = dates.get(ON_OR_AFTER), dates.get(ON_OR_BEFORE)
    if isinstance(start, date) and isinstance(end, date) and end < start:
        parameter = next(p for p in filters if spec.filters[p].match == ON_OR_BEFORE)
        return QueryProblem(parameter, f"{end.isoformat()} is before {start.isoformat()}")
    return ActionQuery(filters, sort)


def _filter_value(
    spec: PlanSpec, parameter: str, value: str
) -> tuple[str, ...] | str | date | QueryProblem:
    match = spec.filters[parameter]
    if value == "":
        return QueryProblem(parameter, "must not be empty")
    if match.match == ANY_OF:
        values = tuple(value.split(","))
        for item in values:
            problem = vocabulary_problem(spec, match.field, item)
            if problem is not None:
                return QueryProblem(parameter, problem)
        return values
    if match.match == EQUALS:
        if len(value) > MAX_RESPONSIBLE_CHARS:
            return QueryProblem(parameter, f"longer than {MAX_RESPONSIBLE_CHARS} characters")
        return value
    try:
        if len(value) != len("YYYY-MM-DD"):
            raise ValueError(value)
        return date.fromisoformat(value)
    except ValueError:
        return QueryProblem(parameter, f"{value!r} is not a calendar date (YYYY-MM-DD)")


def _sort(spec: PlanSpec, value: str) -> tuple[SortTerm, ...] | str:
    terms = sort_terms(value)
    keys = list(spec.sort_keys)
    named: set[str] = set()
    for term in terms:
        if term.key not in spec.sort_keys:
            shown = term.key or "(nothing)"
            return (
                f"{shown!r} is not a sort key: {', '.join(keys)} (a leading - sorts "
                f"descending){did_you_mean(term.key, keys)}"
            )
        if term.key in named:
            return f"the key {term.key!r} is given more than once"
        named.add(term.key)
    return terms


def action_matches(spec: PlanSpec, action: ActionFacts, query: ActionQuery) -> bool:
    """Return whether the action passes every filter of the query."""
    for parameter, wanted in query.filters.items():
        match = spec.filters[parameter]
        value = action.value(match.field)
        if match.match == ANY_OF and isinstance(wanted, tuple) and value not in wanted:
            return False
        if match.match == EQUALS and value != wanted:
            return False
        if match.match == ON_OR_AFTER and isinstance(wanted, date) and value < wanted:
            return False
        if match.match == ON_OR_BEFORE and isinstance(wanted, date) and value > wanted:
            return False
    return True


def order_key(
    spec: PlanSpec, terms: Iterable[SortTerm], tie_break: bool = True
) -> Callable[[ActionFacts], tuple[int, ...]]:
    """Return the sort key of the terms: each key's rank (a date's day number, a value's place
    in its vocabulary), negated for a descending term, then the tie-break ascending."""
    ranked: list[tuple[str, int, dict[str, int] | None]] = []
    for term in terms:
        key = spec.sort_keys[term.key]
        sign = -1 if term.descending else 1
        if key.order == DATE_ORDER:
            ranked.append((key.field, sign, None))
        else:
            places = {v: i for i, v in enumerate(spec.vocabulary(key.field))}
            ranked.append((key.field, sign, places))

    def rank(action: ActionFacts) -> tuple[int, ...]:
        parts = []
        for name, sign, places in ranked:
            value = action.value(name)
            parts.append(sign * (value.toordinal() if places is None else places[value]))
        if tie_break:
            parts.append(action.value(spec.tie_break))
        return tuple(parts)

    return rank


def select_actions(
    spec: PlanSpec, actions: Iterable[ActionFacts], query: ActionQuery
) -> list[ActionFacts]:
    """Return the actions that pass the query's filters, in its order."""
    chosen = [a for a in actions if action_matches(spec, a, query)]
    return sorted(chosen, key=order_key(spec, query.sort))
