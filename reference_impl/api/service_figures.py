"""Service-level figures on a day: open cases by status, assessments completed within their
timescale, looked-after children with a review overdue (specs/service_figures.yaml)."""

from __future__ import annotations

from collections import defaultdict
from datetime import date, timedelta

from fastapi import APIRouter, Query
from pydantic import BaseModel, Field
from sqlalchemy import select

from reference_impl import faults
from reference_impl.api.access import Authorised
from reference_impl.api.casework_checks import check_day, spec_of
from reference_impl.api.deps import AppSettings, CurrentUser, DbSession, Now, Specs, require
from reference_impl.api.errors import error_responses, invalid_request
from reference_impl.api.fields import parse_calendar_date
from reference_impl.domain.access import CHILD_READ
from reference_impl.domain.looked_after import Span
from reference_impl.domain.service_figures import AssessmentFacts, ChildFacts, figures_on
from reference_impl.domain.working_days import OutsideCalendarError
from reference_impl.store.statutory import (
    Assessment,
    LookedAfterEpisode,
    LookedAfterReview,
    Referral,
)

__all__ = ["AssessmentFigures", "LookedAfterFigures", "ServiceFiguresRead", "router"]

router = APIRouter(tags=["service figures"])


class AssessmentFigures(BaseModel):
    period_from: date = Field(description="The start of the year the figures count from.")
    period_to: date
    completed: int = Field(description="Authorised in the period (a draft is not complete).")
    within_timescale: int
    late: int


class LookedAfterFigures(BaseModel):
    children: int = Field(description="Children looked after on the day.")
    review_overdue: int
    review_overdue_child_ids: list[int]


class ServiceFiguresRead(BaseModel):
    on: date
    timescale_profile: str
    open_cases: dict[str, int] = Field(description="Open cases by status, each child once.")
    open_cases_total: int
    assessments: AssessmentFigures
    looked_after: LookedAfterFigures


@router.get(
    "/service/figures",
    operation_id="getServiceFigures",
    summary="Service-level figures on a day",
    responses=error_responses(401, 403, 422),
)
def service_figures(
    user: CurrentUser,
    gate: Authorised,
    session: DbSession,
    specs: Specs,
    settings: AppSettings,
    now: Now,
    on: str = Query(description="The day, YYYY-MM-DD, inside the working-day calendar."),
) -> ServiceFiguresRead:
    """Return the figures as they stood at the end of the day `on`."""
    gate.check()
    require(user, CHILD_READ)
    spec = spec_of(specs)
    try:
        day = parse_calendar_date(on)
    except ValueError as exc:
        raise invalid_request("query.on", str(exc)) from None
    check_day(spec, "query.on", day, now.date())
    facts: dict[int, dict[str, list[object]]] = defaultdict(lambda: defaultdict(list))
    referral_dates: dict[int, date] = {}
    for referral in session.scalars(select(Referral)):
        referral_dates[referral.id] = referral.referral_date
        closed = referral.closure_date
        if closed is not None and settings.fault("open-cases-count-closure-day"):
            closed += timedelta(days=1)  # the defect: still open on the day it closed
        facts[referral.child_id]["referrals"].append(Span(referral.referral_date, closed))
    for assessment in session.scalars(select(Assessment)):
        completed = assessment.authorised_on
        if settings.fault("aggregate-counts-drafts"):
            completed = completed or assessment.completed_on  # the defect: a draft counts
        facts[assessment.child_id]["assessments"].append(
            AssessmentFacts(
                kind=assessment.kind,
                referral_date=referral_dates[assessment.referral_id],
                start_date=assessment.start_date,
                completed_on=completed,
            )
        )
    for episode in session.scalars(select(LookedAfterEpisode)):
        facts[episode.child_id]["episodes"].append(Span(episode.start_date, episode.end_date))
    for review in session.scalars(select(LookedAfterReview)):
        facts[review.child_id]["reviews"].append(review.review_date)
    children = [
        ChildFacts(child_id=child_id, **{k: tuple(v) for k, v in kinds.items()})  # type: ignore[arg-type]
        for child_id, kinds in sorted(facts.items())
    ]
    review_calendar = spec.calendar
    if settings.fault("review-due-calendar-days"):
        review_calendar = faults.every_day_a_working_day(spec.calendar)
    try:
        figures = figures_on(day, children, spec.figures, spec.calendar, review_calendar)
    except OutsideCalendarError as exc:
        raise invalid_request(
            "query.on", f"date out of range: a due date runs past the calendar: {exc}"
        ) from None
    return ServiceFiguresRead(
        on=day,
        timescale_profile=spec.figures.profile.id,
        open_cases=dict(figures.open_cases),
        open_cases_total=sum(figures.open_cases.values()),
        assessments=AssessmentFigures(
            period_from=figures.year_from,
            period_to=day,
            completed=figures.assessments_completed,
            within_timescale=figures.assessments_within_timescale,
            late=figures.assessments_completed - figures.assessments_within_timescale,
        ),
        looked_after=LookedAfterFigures(
            children=len(figures.looked_after),
            review_overdue=len(figures.review_overdue),
            review_overdue_child_ids=figures.review_overdue,
        ),
    )
