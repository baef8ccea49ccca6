"""Service-level figures from plain facts: open cases by status, assessments completed within
their timescale, looked-after children with a review overdue (specs/service_figures.yaml).

Pure: the API gathers the facts from the store and hands them here.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date

from accredit.casework_spec import Calendar, ServiceFigures, TimescaleProfile
from reference_impl.domain.looked_after import Span, period_of_care_on, review_overdue
from reference_impl.domain.working_days import add_working_days

__all__ = [
    "AssessmentFacts",
    "ChildFacts",
    "Figures",
    "assessment_due",
    "figures_on",
    "year_start_on_or_before",
]


@dataclass(frozen=True)
class AssessmentFacts:
    kind: str
    referral_date: date
    start_date: date
    completed_on: date | None  # authorised (or, for no other reason, None: not complete)


@dataclass(frozen=True)
class ChildFacts:
    child_id: int
    referrals: Sequence[Span] = ()  # referral date to closure date
    episodes: Sequence[Span] = ()  # looked-after episodes
    reviews: Sequence[date] = ()  # looked-after reviews held
    assessments: Sequence[AssessmentFacts] = ()


@dataclass(frozen=True)
class Figures:
    on: date
    open_cases: Mapping[str, int]
    year_from: date
    assessments_completed: int
    assessments_within_timescale: int
    looked_after: list[int] = field(default_factory=list)
    review_overdue: list[int] = field(default_factory=list)


def year_start_on_or_before(day: date, start: tuple[int, int]) -> date:
    """Return the latest start of a year (month, day) on or before `day`."""
    candidate = date(day.year, *start)
    return candidate if candidate <= day else date(day.year - 1, *start)


def assessment_due(
    assessment: AssessmentFacts, profile: TimescaleProfile, calendar: Calendar
) -> date:
    """Return the day an assessment must be completed by under the profile."""
    timescale = profile.assessments[assessment.kind]
    anchor = assessment.referral_date if timescale.anchor == "referral" else assessment.start_date
    return add_working_days(anchor, timescale.working_days, calendar)


def figures_on(
    on: date,
    children: Iterable[ChildFacts],
    spec: ServiceFigures,
    calendar: Calendar,
    review_calendar: Calendar | None = None,
) -> Figures:
    """Return the figures on `on` for these children.

    `review_calendar` counts the working days of the first review (default: `calendar`).
    """
    counts = dict.fromkeys(spec.statuses, 0)
    year_from = year_start_on_or_before(on, spec.year_start)
    completed = within = 0
    looked_after: list[int] = []
    overdue: list[int] = []
    for child in children:
        period = period_of_care_on(child.episodes, on)
        held = {
            "looked_after": period is not None,
            "child_in_need": any(r.open_on(on) for r in child.referrals),
        }
        status = next((s for s in spec.statuses if held[s]), None)
        if status is not None:
            counts[status] += 1
        if period is not None:
            looked_after.append(child.child_id)
            if review_overdue(
                period.start, child.reviews, on, spec.reviews, review_calendar or calendar
            ):
                overdue.append(child.child_id)
        for assessment in child.assessments:
            done = assessment.completed_on
            if done is None or not year_from <= done <= on:
                continue
            completed += 1
            if done <= assessment_due(assessment, spec.profile, calendar):
                within += 1
    return Figures(
        on=on,
        open_cases=counts,
        year_from=year_from,
        assessments_completed=completed,
        assessments_within_timescale=within,
        looked_after=sorted(looked_after),
        review_overdue=sorted(overdue),
    )
