"""The statutory returns as exports: the CIN census XML for a collection year and reference
date, and the SSDA903 tables (CSV, the Department's column names) for a collection year."""

from __future__ import annotations

from collections import defaultdict
from datetime import date, timedelta
from typing import Any

from fastapi import APIRouter, Query, Response
from sqlalchemy import select
from sqlalchemy.orm import Session

from accredit.returns_spec import ReturnsSpec, returns_spec
from accredit.specs import did_you_mean
from reference_impl.api.access import Authorised
from reference_impl.api.casework_checks import spec_of
from reference_impl.api.deps import AppSettings, CurrentUser, DbSession, Now, Specs, require
from reference_impl.api.errors import error_responses, invalid_request, not_found
from reference_impl.api.fields import parse_calendar_date
from reference_impl.domain import returns as build
from reference_impl.domain.access import CHILD_READ
from reference_impl.settings import Settings
from reference_impl.store.statutory import (
    Assessment,
    ChildCharacteristics,
    ChildProtectionPlan,
    CinPlan,
    LookedAfterEpisode,
    LookedAfterReview,
    MissingEpisode,
    Referral,
    Section47Enquiry,
    SocialWorkerEpisode,
)
from reference_impl.store.tables import Child

__all__ = ["router"]

router = APIRouter(tags=["statutory returns"])

#: What the returns say of a child whose characteristics were never recorded.
NOT_OBTAINED_ETHNICITY, UPN_PENDING = "NOBT", "UN5"


def _collection_year(specs: Specs, value: int, today: date) -> tuple[date, date]:
    returns = returns_spec(specs.root)
    calendar = spec_of(specs).calendar
    first, last = returns.year_bounds(value) if 1 < value < 9999 else (date.min, date.max)
    if first < calendar.first or last > calendar.last or first > today:
        lowest = calendar.first.year + 1
        raise invalid_request(
            "query.collection_year",
            f"collection year out of range: {value}; years from {lowest} whose 1 April has "
            f"passed and that end by {calendar.last} can be exported",
        )
    return first, last


def _by_child(rows: Any) -> dict[int, list[Any]]:
    grouped: dict[int, list[Any]] = defaultdict(list)
    for row in rows:
        grouped[row.child_id].append(row)
    return grouped


def _gather(session: Session, settings: Settings, last: date) -> list[build.ChildReturn]:
    """Return every child with casework, as the returns builders read them."""
    referrals = _by_child(
        session.scalars(select(Referral).order_by(Referral.referral_date, Referral.id))
    )
    assessments = defaultdict(list)
    for row in session.scalars(select(Assessment).order_by(Assessment.start_date, Assessment.id)):
        assessments[row.referral_id].append(row)
    by_referral: dict[str, dict[int, list[Any]]] = {}
    for name, table in (("cin", CinPlan), ("s47", Section47Enquiry), ("cpp", ChildProtectionPlan)):
        grouped: dict[int, list[Any]] = defaultdict(list)
        for row in session.scalars(select(table).order_by(table.start_date, table.id)):
            grouped[row.referral_id].append(row)
        by_referral[name] = grouped
    episodes = _by_child(
        session.scalars(select(LookedAfterEpisode).order_by(LookedAfterEpisode.start_date))
    )
    reviews = _by_child(
        session.scalars(select(LookedAfterReview).order_by(LookedAfterReview.review_date))
    )
    missing = _by_child(session.scalars(select(MissingEpisode).order_by(MissingEpisode.start_date)))
    workers = _by_child(
        session.scalars(select(SocialWorkerEpisode).order_by(SocialWorkerEpisode.start_date))
    )
    wanted = set(referrals) | set(episodes)
    children = []
    for child in session.scalars(select(Child).where(Child.id.in_(wanted)).order_by(Child.id)):
        about = session.get(ChildCharacteristics, child.id)
        own = referrals.get(child.id, [])
        if settings.fault("cin-assessment-before-referral") and own:
            # The defect: every assessment is filed under the child's latest CIN episode.
            latest = own[-1].id
            moved = [a for r in own for a in assessments.pop(r.id, [])]
            assessments[latest] = moved
        plans_before = 0
        rows = []
        for referral in own:
            protection = []
            for plan in by_referral["cpp"].get(referral.id, []):
                protection.append(
                    build.ProtectionPlanRow(
                        start=plan.start_date,
                        end=plan.end_date,
                        initial_category=plan.initial_category,
                        latest_category=plan.latest_category,
                        reviews=tuple(date.fromisoformat(d) for d in plan.review_dates),
                        previous_plans=plans_before,
                    )
                )
                plans_before += 1
            rows.append(
                build.ReferralRow(
                    referral_date=referral.referral_date,
                    source=referral.source,
                    primary_need=referral.primary_need,
                    no_further_action=referral.no_further_action,
                    closure_date=referral.closure_date,
                    closure_reason=referral.closure_reason,
                    assessments=tuple(
                        build.AssessmentRow(
                            start=a.start_date,
                            authorised_on=(
                                a.authorised_on or a.completed_on
                                if settings.fault("return-counts-drafts")  # the defect
                                else a.authorised_on
                            ),
                            factors=tuple(a.factors),
                        )
                        for a in assessments.get(referral.id, [])
                    ),
                    cin_plans=tuple(
                        build.CinPlanRow(p.start_date, p.end_date)
                        for p in by_referral["cin"].get(referral.id, [])
                    ),
                    enquiries=tuple(
                        build.Section47Row(
                            e.start_date,
                            e.conference_target,
                            e.conference_date,
                            e.conference_not_required,
                        )
                        for e in by_referral["s47"].get(referral.id, [])
                    ),
                    protection_plans=tuple(protection),
                )
            )
        stretch = timedelta(days=1) if settings.fault("903-overlapping-episodes") else timedelta(0)
        held = reviews.get(child.id, [])
        if settings.fault("903-review-missing"):
            held = [r for r in held if r.review_date != last]  # the defect: the last day left out
        children.append(
            build.ChildReturn(
                child_id=str(child.id),
                date_of_birth=child.date_of_birth,
                sex=child.sex,
                ethnicity=about.ethnicity if about else NOT_OBTAINED_ETHNICITY,
                upn=about.upn if about else None,
                upn_unknown=about.upn_unknown if about else UPN_PENDING,
                disabilities=tuple(about.disabilities) if about else ("NONE",),
                previous_permanence=about.previous_permanence if about else "Z1",
                referrals=tuple(rows),
                episodes=tuple(
                    build.EpisodeRow(
                        start=e.start_date,
                        rne=e.reason_new_episode,
                        legal_status=e.legal_status,
                        category_of_need=e.category_of_need,
                        placement=e.placement_type,
                        provider=e.placement_provider,
                        home_postcode=e.home_postcode,
                        placement_postcode=e.placement_postcode,
                        reason_place_change=e.reason_place_change,
                        end=e.end_date + stretch if e.end_date else None,
                        reason_ceased=e.reason_ceased,
                    )
                    for e in episodes.get(child.id, [])
                ),
                reviews=tuple(build.ReviewRow(r.review_date, r.participation) for r in held),
                missing=tuple(
                    build.MissingRow(m.kind, m.start_date, m.end_date)
                    for m in missing.get(child.id, [])
                ),
                workers=tuple(
                    build.WorkerRow(w.worker_id, w.start_date, w.end_date, w.reason)
                    for w in workers.get(child.id, [])
                ),
            )
        )
    return children


@router.get(
    "/returns/cin-census",
    operation_id="exportCinCensus",
    summary="The CIN census XML for a collection year",
    response_class=Response,
    responses={200: {"content": {"application/xml": {}}, "description": "The census."}}
    | error_responses(401, 403, 422),
)
def cin_census(
    user: CurrentUser,
    gate: Authorised,
    session: DbSession,
    specs: Specs,
    settings: AppSettings,
    now: Now,
    collection_year: int = Query(description="The year the collection ends in: 2026 is 2025-26."),
    reference_date: str = Query(description="YYYY-MM-DD inside the collection year (31 March)."),
) -> Response:
    """Return the census of every child with a CIN episode open in the year to the date."""
    gate.check()
    require(user, CHILD_READ)
    first, last = _collection_year(specs, collection_year, now.date())
    try:
        day = parse_calendar_date(reference_date)
    except ValueError as exc:
        raise invalid_request("query.reference_date", str(exc)) from None
    if not first <= day <= last and not settings.fault("returns-any-reference-date"):
        raise invalid_request(
            "query.reference_date", f"{day} is not in the collection year {first} to {last}"
        )
    if day > now.date():
        raise invalid_request("query.reference_date", f"{day} is in the future")
    children = _gather(session, settings, last)
    body = build.cin_census_xml(children, collection_year, day, returns_spec(specs.root), now)
    return Response(content=body, media_type="application/xml")


@router.get(
    "/returns/ssda903/{table}",
    operation_id="exportSsda903Table",
    summary="One SSDA903 table (CSV) for a collection year",
    response_class=Response,
    responses={200: {"content": {"text/csv": {}}, "description": "The table."}}
    | error_responses(401, 403, 404, 422),
)
def ssda903_table(
    table: str,
    user: CurrentUser,
    gate: Authorised,
    session: DbSession,
    specs: Specs,
    settings: AppSettings,
    now: Now,
    collection_year: int = Query(description="The year the collection ends in: 2026 is 2025-26."),
) -> Response:
    """Return the table's rows for every child looked after at any time in the year."""
    gate.check()
    require(user, CHILD_READ)
    returns: ReturnsSpec = returns_spec(specs.root)
    if table not in returns.tables:
        raise not_found("SSDA903 table", f"{table}{did_you_mean(table, returns.tables)}")
    _, last = _collection_year(specs, collection_year, now.date())
    tables = build.ssda903_tables(_gather(session, settings, last), collection_year, returns)
    text = build.ssda903_csv(tables[table], returns.tables[table])
    return Response(content=text, media_type="text/csv")
