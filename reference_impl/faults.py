"""Planted faults: small, realistic defects the harness must catch.

Each fault is switched on by name (`accredit reference serve --fault NAME`) and changes the
reference at exactly one point, marked `settings.fault("NAME")`. The catalogue
(specs/catalogue.yaml, `verification.faults`) says which requirements must fail when it is on;
the end-to-end tests prove they do, and that the clean reference passes them.
"""

from __future__ import annotations

import dataclasses
import re
import time as pytime
from collections.abc import Iterable, Mapping
from datetime import UTC, date, datetime, time
from types import MappingProxyType
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from accredit.casework_spec import Calendar
from accredit.plan_spec import PlanSpec
from accredit.prepopulation_spec import PREVIOUS, SIBLING
from accredit.specs import Lifecycle, SpecBundle, did_you_mean
from reference_impl.domain.plan import ActionFacts, ActionQuery, action_matches, order_key
from reference_impl.domain.prepopulation import RecordedForm
from reference_impl.store.tables import Form, Note

__all__ = [
    "FAULTS",
    "SLOW_APPROVAL_SECONDS",
    "Fault",
    "UnknownFaultError",
    "check_fault_names",
    "drafts_as_approved",
    "drifted_definition",
    "every_day_a_working_day",
    "leaked_seconds",
    "lifecycle_with_reopening",
    "lifecycle_without_four_eyes",
    "london_midnight_in_utc",
    "mapping_without_exceptions",
    "marks_without_sources",
    "merge_addendum_into_parent",
    "precedence_sibling_first",
    "scan_every_note",
    "ties_by_last_update",
]


#: ui-slow-approval: how long the approval screen takes to answer.
SLOW_APPROVAL_SECONDS = 6.0


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
    Fault(
        "author-self-approves",
        "A team manager can approve a form they wrote themselves (no four-eyes check).",
    ),
    Fault(
        "return-reason-dropped",
        "Returning a form demands a reason but does not keep it: the author never sees why.",
    ),
    Fault(
        "reallocate-locked",
        "Reallocating an approved form to another author is accepted (taken for caseload "
        "administration, not an edit).",
    ),
    Fault("move-locked", "Moving an approved form to another child is accepted."),
    Fault("attachment-on-locked", "Attaching a document to an approved form is accepted."),
    Fault("unlink-locked", "Removing a case-note link from an approved form is accepted."),
    Fault("bulk-skips-lock", "A bulk update changes the answers of approved forms too."),
    Fault(
        "merge-moves-locked",
        "Merging a duplicate child record moves its approved forms to the other child.",
    ),
    Fault(
        "prepopulate-locked", "Pre-population run again fills blank answers of an approved form."
    ),
    Fault(
        "addendum-alters-parent",
        "Approving an addendum copies its answers into the approved form it corrects.",
    ),
    Fault(
        "race-after-approve",
        "A case-note link checked against the form before the approval is written after it: "
        "the link is stored without the form's version guard.",
    ),
    Fault(
        "audit-misses-refusals",
        "The audit trail records changes that went through, but not refused attempts.",
    ),
    Fault("audit-cascades", "Deleting a draft deletes its audit entries with it."),
    Fault(
        "silent-ignore",
        "Saving answers on an approved form answers 200 and changes nothing, instead of "
        "refusing with form_locked.",
    ),
    Fault(
        "stale-version-applied",
        "Saving answers with a stale version is applied over the newer ones (last writer wins).",
    ),
    Fault("mandatory-ignored", "Submission skips the check for missing mandatory answers."),
    Fault("optional-demanded", "Submission also demands every optional answer."),
    Fault("mandatory-at-save", "Saving a draft is refused while a mandatory answer is missing."),
    Fault(
        "prepop-from-draft",
        "Pre-population takes the child's or a sibling's latest form of the kind whatever its "
        "state: a draft, submitted or returned form feeds a new one.",
    ),
    Fault(
        "prepop-wrong-sibling",
        "Sibling pre-population takes every child of the same surname, declared sibling or not.",
    ),
    Fault(
        "ageband-unmapped-carried",
        "Across age bands every question asked under the same id is carried, even those the "
        "mapping table says are not.",
    ),
    Fault(
        "prepop-overwrites-edit",
        "Pre-population run again into a draft overwrites the worker's own answers, not only "
        "blank ones.",
    ),
    Fault(
        "prepop-live-link",
        "A form's unconfirmed pre-populated answers are read live from the sources, so a later "
        "approval elsewhere changes them.",
    ),
    Fault(
        "no-provenance",
        "Pre-populated answers are kept without their source form, child or approval time.",
    ),
    Fault(
        "prepop-sibling-first",
        "Where a sibling's and the child's own previous answer both exist, the sibling's is "
        "the default (the precedence reversed).",
    ),
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
    Fault(
        "slow-search",
        "Searching a child's record scans every case note in the database (a LIKE, no index), "
        "at a cost per note: search latency grows with the number of notes.",
    ),
    Fault(
        "leak-under-soak",
        "Each connection keeps a buffer that is never trimmed and is re-read on every read: "
        "latency grows over the run with how long a client has been connected.",
    ),
    Fault(
        "errors-under-load",
        "Above a number of concurrent clients a share of requests fails with 503 "
        "(a connection pool sized for a demonstration).",
    ),
    Fault(
        "ui-extra-screens",
        "The web UI's case-note form sits two navigations deeper: two screens of preamble, "
        "each with a Continue button, stand between the child's record and the form.",
    ),
    Fault(
        "ui-missing-labels",
        "The web UI's text inputs have no label: the words beside them are plain text, not "
        "associated with the field, so a screen reader announces an unnamed field.",
    ),
    Fault(
        "ui-expiry-loses-draft",
        "Once a web UI session has expired, what the user types is no longer kept as a draft: "
        "signing in again shows only what was typed before the session ended.",
    ),
    Fault(
        "plan-filter-ignores-team",
        "Listing a child's plan actions ignores the team filter: every owner's actions are listed.",
    ),
    Fault(
        "plan-sort-unstable",
        "Plan actions equal in the requested sort keys are ordered by their last update, newest "
        "first, instead of by id: equal actions change places whenever one is edited.",
    ),
    Fault(
        "plan-cross-team-write",
        "Updating a plan action checks the user's role but not the team that owns the action: "
        "one team can change another team's actions.",
    ),
    Fault(
        "plan-lost-update",
        "Updating a plan action ignores the version it was made on: the last writer wins and "
        "a concurrent update is silently overwritten.",
    ),
    Fault(
        "ui-choice-ignored",
        "The web UI's Confirm answers button confirms every copied answer as it was copied: "
        "the source the worker chose between a sibling's and the previous answer is ignored.",
    ),
    Fault(
        "ui-search-notes-only",
        "The web UI's search of a child's record looks in case notes only: a phrase written in "
        "an assessment's answers is not found.",
    ),
    Fault(
        "ui-slow-approval",
        "The web UI's approval answers only after re-rendering every record of the child: "
        f"about {SLOW_APPROVAL_SECONDS:g} s before the manager sees the approved assessment.",
    ),
    Fault(
        "ui-plan-filter-lost",
        "The web UI's plan screen shows the team chosen in its filter but lists every team's "
        "actions.",
    ),
    Fault(
        "ui-split-need-view",
        "The web UI shows a need's analysis on its own screen, with the evidence it rests on and "
        "the plan actions that meet it each a link away on a screen of their own.",
    ),
    Fault(
        "evidence-kind-dropped",
        "Evidence items of an assessment lose their mark: every item is kept as objective, "
        "a parent's opinion included.",
    ),
    Fault(
        "need-links-lost",
        "A need reads back without the evidence it rests on and the plan actions that meet it.",
    ),
    Fault(
        "note-link-dropped",
        "A case note is kept but not its links: the assessment it speaks of does not list it.",
    ),
    Fault(
        "chronology-misordered",
        "The chronology lists events in the order they were typed in, not the order they "
        "happened: a note written today about last month comes last.",
    ),
    Fault(
        "search-misses-answers",
        "Search of a child's record looks only in case notes, never in the answers of forms.",
    ),
    Fault(
        "search-leaks-other-child",
        "Search of a child's record looks in every child's forms, assessments and plans, so "
        "another child's answers and plan text are returned.",
    ),
    Fault(
        "aggregate-counts-drafts",
        "The service figures count a draft assessment the worker marked finished as completed, "
        "on the day it was marked, before any manager authorised it.",
    ),
    Fault(
        "review-due-calendar-days",
        "A looked-after child's first review is taken as due 20 calendar days after care "
        "starts, not 20 working days: children are shown overdue a week early.",
    ),
    Fault(
        "open-cases-count-closure-day",
        "A referral closed on a day still counts as an open case on that day.",
    ),
    Fault(
        "episode-end-unchecked",
        "An episode of care whose end is before its start is accepted and stored.",
    ),
    Fault(
        "cin-assessment-before-referral",
        "The CIN census files every assessment of a child under the child's latest CIN "
        "episode: an earlier episode's assessment appears to start before its referral.",
    ),
    Fault(
        "903-overlapping-episodes",
        "The SSDA903 export writes each episode's end as the day after it ended (counted "
        "inclusively), so a placement change overlaps the next episode by a day.",
    ),
    Fault(
        "903-review-missing",
        "The SSDA903 export leaves out a review held on the last day of the collection year.",
    ),
    Fault(
        "return-counts-drafts",
        "The CIN census reports a draft assessment the worker marked finished as authorised "
        "on that day.",
    ),
    Fault(
        "returns-any-reference-date",
        "The CIN census export takes any reference date, even one outside the collection year.",
    ),
    Fault(
        "feed-dates-as-text",
        "The daily feed sends dates as the case system shows them (31/03/2026), not as the "
        "published contract's ISO dates.",
    ),
    Fault(
        "feed-drops-purge",
        "The daily feed leaves a deleted record out instead of sending it with purge: true, so "
        "the Department keeps it.",
    ),
    Fault(
        "feed-delta-misses-change",
        "The daily feed's delta picks children by when their records were created: a closure or "
        "an authorisation of an existing record is never sent.",
    ),
    Fault(
        "partner-sees-all",
        "A partner agency's read of a child shared with it shows the whole record: every "
        "section's answers, the documents, the links to case notes, the sibling group.",
    ),
    Fault(
        "auditor-can-write",
        "The auditor is given a team manager's rights in team A: their changes are accepted.",
    ),
    Fault(
        "other-team-writes",
        "A team's workers may change any team's records: the owning team is never compared.",
    ),
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


def lifecycle_without_four_eyes(lifecycle: Lifecycle) -> Lifecycle:
    """author-self-approves: return the lifecycle with every "never the author" rule dropped."""
    transitions = tuple(
        dataclasses.replace(t, author="any") if t.author == "excluded" else t
        for t in lifecycle.transitions
    )
    return Lifecycle(lifecycle.initial, lifecycle.states, transitions)


def merge_addendum_into_parent(session: Session, addendum: Form, now: datetime) -> None:
    """addendum-alters-parent: write an approved addendum's answers into its parent form."""
    parent = session.get(Form, addendum.addendum_of)
    if parent is not None:
        parent.answers = {**parent.answers, **addendum.answers}
        parent.updated_at = now


#: slow-search: what scanning one note costs without an index, gross enough to show at a few
#: hundred notes (a county's million would take hours).
SLOW_SEARCH_SECONDS_PER_NOTE = 0.008
#: leak-under-soak: what a connection's buffer costs each read, per second² of its age: 0.6 s
#: after 24 s (within every read budget), a fifth of that a third of the way in.
LEAK_SECONDS_PER_AGE_SQUARED = 0.0011
#: errors-under-load: above this many clients seen within the window, one request in
#: ERRORS_EVERY fails.
ERRORS_ABOVE_CLIENTS, ERRORS_WINDOW_SECONDS, ERRORS_EVERY = 8, 5.0, 5


def scan_every_note(session: Session, child_id: int, query: str, limit: int) -> list[Note]:
    """slow-search: return the child's notes containing `query`, found by reading every note
    in the database and paying a cost per note read."""
    words = " ".join(re.findall(r"\w+", query)).lower()
    every = list(session.execute(select(Note.id, Note.child_id, Note.text).order_by(Note.id)))
    session.rollback()  # the scan's cost is paid without holding a connection
    pytime.sleep(len(every) * SLOW_SEARCH_SECONDS_PER_NOTE)
    ids = [i for i, child, text in every if child == child_id and words in text.lower()]
    return list(session.scalars(select(Note).where(Note.id.in_(ids[:limit])).order_by(Note.id)))


def leaked_seconds(age_seconds: float) -> float:
    """leak-under-soak: return what a read costs on a connection this many seconds old."""
    return LEAK_SECONDS_PER_AGE_SQUARED * age_seconds**2


def drafts_as_approved(specs: SpecBundle, forms: list[RecordedForm]) -> list[RecordedForm]:
    """prepop-from-draft: return the forms with every one treated as approved when last saved."""
    locked = next(s.id for s in specs.lifecycle.states if s.locked)
    return [
        dataclasses.replace(f, status=locked, approved_at=f.approved_at or f.updated_at)
        for f in forms
    ]


def mapping_without_exceptions(specs: SpecBundle) -> SpecBundle:
    """ageband-unmapped-carried: return the specs with every `not_carried` list emptied."""
    forms = {
        kind: dataclasses.replace(
            form,
            band_mapping=dataclasses.replace(
                form.band_mapping,
                pairs=tuple(
                    dataclasses.replace(p, not_carried=()) for p in form.band_mapping.pairs
                ),
            ),
        )
        for kind, form in specs.forms.items()
    }
    return dataclasses.replace(specs, forms=forms)


def precedence_sibling_first(specs: SpecBundle) -> SpecBundle:
    """prepop-sibling-first: return the specs with a sibling's answer ranked before the child's
    own previous answer."""
    order = [r for r in specs.prepopulation.precedence if r != SIBLING]
    order.insert(order.index(PREVIOUS), SIBLING)
    rules = dataclasses.replace(specs.prepopulation, precedence=tuple(order))
    return dataclasses.replace(specs, prepopulation=rules)


def marks_without_sources(marks: dict[str, dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """no-provenance: return the marks with the source form, child, question and approval
    time dropped (the rule and the pre-populated flag stay)."""
    lost = ("source_child_id", "source_form_id", "source_question", "approved_at")
    return {q: {k: (None if k in lost else v) for k, v in m.items()} for q, m in marks.items()}


def ties_by_last_update(
    spec: PlanSpec, actions: Iterable[ActionFacts], query: ActionQuery
) -> list[ActionFacts]:
    """plan-sort-unstable: return the actions that pass the query's filters, sorted by its keys
    with ties ordered by last update, newest first, instead of by the spec's tie-break."""
    chosen = [a for a in actions if action_matches(spec, a, query)]
    by_keys = order_key(spec, query.sort, tie_break=False)
    newest_first = sorted(
        chosen,
        key=lambda a: (a.updated_at or datetime.min.replace(tzinfo=UTC), a.id),
        reverse=True,
    )
    return sorted(newest_first, key=by_keys)  # a stable sort: ties stay newest first


def every_day_a_working_day(calendar: Calendar) -> Calendar:
    """review-due-calendar-days: return the calendar with no weekend and no bank holiday."""
    return dataclasses.replace(calendar, weekend=frozenset(), bank_holidays=MappingProxyType({}))


#: The role and rights the auditor is given by the fault auditor-can-write.
AUDITOR_ROLE, AUDITOR_GIVEN_ROLE, AUDITOR_GIVEN_TEAM = "auditor", "team_manager", "A"
