"""Planted faults: small, realistic defects the harness must catch.

Each fault is switched on by name (`accredit reference serve --fault NAME`) and changes the
reference at exactly one point, marked `settings.fault("NAME")`. The catalogue
(specs/catalogue.yaml, `verification.faults`) says which requirements must fail when it is on;
the end-to-end tests prove they do, and that the clean reference passes them.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping
from datetime import UTC, date, datetime, time
from types import MappingProxyType
from typing import Any
from zoneinfo import ZoneInfo

from accredit.specs import Lifecycle, did_you_mean

__all__ = [
    "FAULTS",
    "Fault",
    "UnknownFaultError",
    "check_fault_names",
    "drifted_definition",
    "lifecycle_with_reopening",
    "london_midnight_in_utc",
]


@dataclasses.dataclass(frozen=True)
class Fault:
    name: str
    description: str


_FAULTS = (
    Fault("lock-bypass", "Saving answers on an approved form is accepted and changes them."),
    Fault("delete-locked", "Deleting an approved form succeeds and the form is gone."),
    Fault(
        "admin-can-reopen",
        "The administrator can return an approved form, which goes back to draft.",
    ),
    Fault("mandatory-ignored", "Submission skips the check for missing mandatory answers."),
    Fault("optional-demanded", "Submission also demands every optional answer."),
    Fault("mandatory-at-save", "Saving a draft is refused while a mandatory answer is missing."),
    Fault(
        "child-dob-shifted",
        "A date of birth in British Summer Time is stored one day early "
        "(local midnight converted to UTC).",
    ),
    Fault("siblings-not-listed", "A child's sibling list omits the member with the highest id."),
    Fault(
        "definition-drift",
        "The published core assessment shows the mandatory question 'analysis' as optional.",
    ),
    Fault("notes-truncated", "Case notes are cut to 4,000 characters when stored."),
)

#: Every planted fault by name.
FAULTS: Mapping[str, Fault] = MappingProxyType({f.name: f for f in _FAULTS})


class UnknownFaultError(ValueError):
    """A fault name that the registry does not hold."""


def check_fault_names(names: Iterable[str]) -> frozenset[str]:
    """Return the names as a frozenset; raise UnknownFaultError naming the valid ones."""
    chosen = frozenset(names)
    for name in sorted(chosen):
        if name not in FAULTS:
            raise UnknownFaultError(
                f"no planted fault named {name!r}{did_you_mean(name, FAULTS)}; "
                f"valid faults: {', '.join(sorted(FAULTS))}"
            )
    return chosen


# --- the defects themselves, each used at its one switch ----------------------------------------

#: child-dob-shifted: the local time zone the defect converts from.
LONDON = "Europe/London"
#: definition-drift: the form and question whose published status drifts from the spec.
DRIFTED_FORM, DRIFTED_QUESTION = "core_assessment", "analysis"
#: notes-truncated: the column width an old schema gave case notes.
TRUNCATED_NOTE_CHARS = 4000


def london_midnight_in_utc(day: date) -> date:
    """child-dob-shifted: return the UTC date of local midnight in London on `day`."""
    return datetime.combine(day, time(0), tzinfo=ZoneInfo(LONDON)).astimezone(UTC).date()


def drifted_definition(document: dict[str, Any]) -> dict[str, Any]:
    """definition-drift: return the published definition with the drifted question optional."""
    if document["kind"] != DRIFTED_FORM:
        return document
    for section in document["sections"]:
        for question in section["questions"]:
            if question["id"] == DRIFTED_QUESTION:
                question["status"] = {band: "optional" for band in question["status"]}
    return document


def lifecycle_with_reopening(lifecycle: Lifecycle, role: str) -> Lifecycle:
    """admin-can-reopen: return the lifecycle with a support "re-open" path for `role`.

    Every transition back to the initial state (a return) is also allowed from each locked
    state, by `role`, and the locked states no longer lock: the override a support desk asks for.
    """
    locked = [s.id for s in lifecycle.states if s.locked]
    reopenings = tuple(
        dataclasses.replace(t, from_state=state, roles=(*t.roles, role))
        for t in lifecycle.transitions
        if t.to_state == lifecycle.initial
        for state in locked
    )
    states = tuple(dataclasses.replace(s, locked=False) for s in lifecycle.states)
    return Lifecycle(lifecycle.initial, states, lifecycle.transitions + reopenings)
