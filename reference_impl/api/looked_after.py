"""Looked-after children: episodes of care (SSDA903 Episodes), reviews of the child's case and
missing episodes, each recorded against a child and read back exactly."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated

from fastapi import APIRouter
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import select

from reference_impl.api.access import Authorised
from reference_impl.api.casework_checks import (
    check_code,
    check_day,
    check_span,
    conflict,
    spec_of,
    touch,
)
from reference_impl.api.deps import (
    AppSettings,
    CurrentUser,
    DbSession,
    Now,
    Specs,
    get_row,
    require,
)
from reference_impl.api.errors import error_responses, invalid_request
from reference_impl.api.fields import CalendarDate
from reference_impl.domain.access import CHILD_READ, CHILD_WRITE
from reference_impl.store.statutory import LookedAfterEpisode, LookedAfterReview, MissingEpisode
from reference_impl.store.tables import Child

__all__ = [
    "EpisodeCreate",
    "EpisodeEnd",
    "EpisodeRead",
    "MissingCreate",
    "MissingRead",
    "ReviewCreate",
    "ReviewRead",
    "router",
]

router = APIRouter(tags=["looked after"])

Code = Annotated[str, Field(min_length=1, max_length=8)]
Postcode = Annotated[str, Field(min_length=2, max_length=10, pattern=r"^[A-Z0-9 ]+$")]


class EpisodeCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    start_date: CalendarDate = Field(description="SSDA903 DECOM.")
    reason_new_episode: Code = Field(description="SSDA903 RNE.")
    legal_status: Code = Field(description="SSDA903 LS.")
    category_of_need: Code = Field(description="SSDA903 CIN.")
    placement_type: Code = Field(description="SSDA903 PLACE.")
    placement_provider: Code = Field(description="SSDA903 PLACE_PROVIDER.")
    home_postcode: Postcode = Field(description="SSDA903 HOME_POST.")
    placement_postcode: Postcode = Field(description="SSDA903 PL_POST.")
    reason_place_change: Code | None = Field(
        default=None, description="SSDA903 REASON_PLACE_CHANGE."
    )
    end_date: CalendarDate | None = Field(default=None, description="SSDA903 DEC.")
    reason_ceased: Code | None = Field(
        default=None, description="SSDA903 REC; given with end_date."
    )


class EpisodeEnd(BaseModel):
    model_config = ConfigDict(extra="forbid")

    end_date: CalendarDate
    reason_ceased: Code


class EpisodeRead(BaseModel):
    id: int
    child_id: int
    start_date: date
    reason_new_episode: str
    legal_status: str
    category_of_need: str
    placement_type: str
    placement_provider: str
    home_postcode: str
    placement_postcode: str
    reason_place_change: str | None
    end_date: date | None
    reason_ceased: str | None
    created_at: datetime


class ReviewCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    review_date: CalendarDate = Field(description="SSDA903 REVIEW.")
    participation: Code = Field(description="SSDA903 REVIEW_CODE (PN0-PN7).")


class ReviewRead(BaseModel):
    id: int
    child_id: int
    review_date: date
    participation: str


class MissingCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    kind: Code = Field(description="SSDA903 MISSING: M missing, A away without consent.")
    start_date: CalendarDate = Field(description="SSDA903 MIS_START.")
    end_date: CalendarDate | None = Field(default=None, description="SSDA903 MIS_END.")


class MissingRead(BaseModel):
    id: int
    child_id: int
    kind: str
    start_date: date
    end_date: date | None


def _episode_read(row: LookedAfterEpisode) -> EpisodeRead:
    return EpisodeRead(
        id=row.id,
        child_id=row.child_id,
        start_date=row.start_date,
        reason_new_episode=row.reason_new_episode,
        legal_status=row.legal_status,
        category_of_need=row.category_of_need,
        placement_type=row.placement_type,
        placement_provider=row.placement_provider,
        home_postcode=row.home_postcode,
        placement_postcode=row.placement_postcode,
        reason_place_change=row.reason_place_change,
        end_date=row.end_date,
        reason_ceased=row.reason_ceased,
        created_at=row.created_at,
    )


def _overlapping(
    session: DbSession, child_id: int, start: date, end: date | None, other_than: int | None = None
) -> LookedAfterEpisode | None:
    """Return a stored episode of the child that shares a day with [start, end)."""
    for row in session.scalars(
        select(LookedAfterEpisode).where(LookedAfterEpisode.child_id == child_id)
    ):
        if row.id == other_than:
            continue
        ends_after_start = row.end_date is None or row.end_date > start
        starts_before_end = end is None or row.start_date < end
        if ends_after_start and starts_before_end:
            return row
    return None


def _check_end(
    spec_specs: Specs, start: date, end: date | None, reason: str | None, today: date
) -> None:
    spec = spec_of(spec_specs)
    check_day(spec, "body.end_date", end, today)
    check_code(spec, "body.reason_ceased", reason, "reason_episode_ceased")
    check_span("start_date", start, "body.end_date", end)
    if (end is None) != (reason is None):
        raise invalid_request(
            "body.reason_ceased", "an episode's end needs both end_date and reason_ceased"
        )


@router.post(
    "/children/{child_id}/looked-after-episodes",
    status_code=201,
    operation_id="createLookedAfterEpisode",
    summary="Record an episode of care",
    responses=error_responses(401, 403, 404, 409, 413, 422),
)
def create_episode(
    child_id: int,
    body: EpisodeCreate,
    user: CurrentUser,
    gate: Authorised,
    session: DbSession,
    specs: Specs,
    settings: AppSettings,
    now: Now,
) -> EpisodeRead:
    """Record an episode; it never shares a day with another episode of the child (a placement
    change ends one episode on the day the next starts)."""
    gate.check(get_row(session, Child, child_id, "child"), what=f"child {child_id}")
    require(user, CHILD_WRITE)
    spec = spec_of(specs)
    check_day(spec, "body.start_date", body.start_date, now.date())
    for field, value, code_list in (
        ("reason_new_episode", body.reason_new_episode, "reason_new_episode"),
        ("legal_status", body.legal_status, "legal_status"),
        ("category_of_need", body.category_of_need, "category_of_need"),
        ("placement_type", body.placement_type, "placement_type"),
        ("placement_provider", body.placement_provider, "placement_provider"),
        ("reason_place_change", body.reason_place_change, "reason_place_change"),
    ):
        check_code(spec, f"body.{field}", value, code_list)
    if not settings.fault("episode-end-unchecked"):
        _check_end(specs, body.start_date, body.end_date, body.reason_ceased, now.date())
    clash = _overlapping(session, child_id, body.start_date, body.end_date)
    if clash is not None:
        raise conflict(
            "episode_overlap",
            f"episode {clash.id} ({clash.start_date} to {clash.end_date or 'open'}) already "
            f"covers part of {body.start_date} to {body.end_date or 'open'}",
        )
    row = LookedAfterEpisode(
        child_id=child_id,
        start_date=body.start_date,
        reason_new_episode=body.reason_new_episode,
        legal_status=body.legal_status,
        category_of_need=body.category_of_need,
        placement_type=body.placement_type,
        placement_provider=body.placement_provider,
        home_postcode=body.home_postcode,
        placement_postcode=body.placement_postcode,
        reason_place_change=body.reason_place_change,
        end_date=body.end_date,
        reason_ceased=body.reason_ceased,
        created_by=user.key,
        created_at=now,
    )
    session.add(row)
    touch(session, row.child_id, now)
    session.commit()
    return _episode_read(row)


@router.get(
    "/children/{child_id}/looked-after-episodes",
    operation_id="listLookedAfterEpisodes",
    summary="List a child's episodes of care",
    responses=error_responses(401, 403, 404, 422),
)
def list_episodes(
    child_id: int, user: CurrentUser, gate: Authorised, session: DbSession
) -> list[EpisodeRead]:
    """Return the child's episodes in date order."""
    gate.check(get_row(session, Child, child_id, "child"), what=f"child {child_id}")
    require(user, CHILD_READ)
    rows = session.scalars(
        select(LookedAfterEpisode)
        .where(LookedAfterEpisode.child_id == child_id)
        .order_by(LookedAfterEpisode.start_date, LookedAfterEpisode.id)
    )
    return [_episode_read(r) for r in rows]


@router.post(
    "/looked-after-episodes/{episode_id}/end",
    operation_id="endLookedAfterEpisode",
    summary="End an episode of care",
    responses=error_responses(401, 403, 404, 409, 413, 422),
)
def end_episode(
    episode_id: int,
    body: EpisodeEnd,
    user: CurrentUser,
    gate: Authorised,
    session: DbSession,
    specs: Specs,
    now: Now,
) -> EpisodeRead:
    """End an open episode on a day with the reason it ceased."""
    row = get_row(session, LookedAfterEpisode, episode_id, "looked-after episode")
    gate.check(session.get_one(Child, row.child_id), what=f"looked-after episode {episode_id}")
    require(user, CHILD_WRITE)
    if row.end_date is not None:
        raise conflict("already_ended", f"episode {episode_id} ended on {row.end_date}")
    _check_end(specs, row.start_date, body.end_date, body.reason_ceased, now.date())
    row.end_date, row.reason_ceased = body.end_date, body.reason_ceased
    touch(session, row.child_id, now)
    session.commit()
    return _episode_read(row)


@router.post(
    "/children/{child_id}/reviews",
    status_code=201,
    operation_id="createLookedAfterReview",
    summary="Record a review of a looked-after child's case",
    responses=error_responses(401, 403, 404, 409, 413, 422),
)
def create_review(
    child_id: int,
    body: ReviewCreate,
    user: CurrentUser,
    gate: Authorised,
    session: DbSession,
    specs: Specs,
    now: Now,
) -> ReviewRead:
    """Record a review held on a day the child was looked after."""
    gate.check(get_row(session, Child, child_id, "child"), what=f"child {child_id}")
    require(user, CHILD_WRITE)
    spec = spec_of(specs)
    check_day(spec, "body.review_date", body.review_date, now.date())
    check_code(spec, "body.participation", body.participation, "review_participation")
    episodes = session.scalars(
        select(LookedAfterEpisode).where(LookedAfterEpisode.child_id == child_id)
    )
    if not any(
        e.start_date <= body.review_date and (e.end_date is None or body.review_date <= e.end_date)
        for e in episodes
    ):
        raise invalid_request(
            "body.review_date", f"the child was not looked after on {body.review_date}"
        )
    row = LookedAfterReview(
        child_id=child_id,
        review_date=body.review_date,
        participation=body.participation,
        created_by=user.key,
        created_at=now,
    )
    session.add(row)
    touch(session, row.child_id, now)
    session.commit()
    return ReviewRead(
        id=row.id, child_id=child_id, review_date=row.review_date, participation=row.participation
    )


@router.get(
    "/children/{child_id}/reviews",
    operation_id="listLookedAfterReviews",
    summary="List the reviews of a looked-after child's case",
    responses=error_responses(401, 403, 404, 422),
)
def list_reviews(
    child_id: int, user: CurrentUser, gate: Authorised, session: DbSession
) -> list[ReviewRead]:
    """Return the child's reviews in date order."""
    gate.check(get_row(session, Child, child_id, "child"), what=f"child {child_id}")
    require(user, CHILD_READ)
    rows = session.scalars(
        select(LookedAfterReview)
        .where(LookedAfterReview.child_id == child_id)
        .order_by(LookedAfterReview.review_date, LookedAfterReview.id)
    )
    return [
        ReviewRead(
            id=r.id, child_id=r.child_id, review_date=r.review_date, participation=r.participation
        )
        for r in rows
    ]


@router.post(
    "/children/{child_id}/missing-episodes",
    status_code=201,
    operation_id="createMissingEpisode",
    summary="Record a time the child was missing or away",
    responses=error_responses(401, 403, 404, 413, 422),
)
def create_missing(
    child_id: int,
    body: MissingCreate,
    user: CurrentUser,
    gate: Authorised,
    session: DbSession,
    specs: Specs,
    now: Now,
) -> MissingRead:
    """Record a missing (M) or away (A) episode."""
    gate.check(get_row(session, Child, child_id, "child"), what=f"child {child_id}")
    require(user, CHILD_WRITE)
    spec = spec_of(specs)
    check_code(spec, "body.kind", body.kind, "missing_kind")
    check_day(spec, "body.start_date", body.start_date, now.date())
    check_day(spec, "body.end_date", body.end_date, now.date())
    check_span("start_date", body.start_date, "body.end_date", body.end_date)
    row = MissingEpisode(
        child_id=child_id,
        kind=body.kind,
        start_date=body.start_date,
        end_date=body.end_date,
        created_by=user.key,
        created_at=now,
    )
    session.add(row)
    touch(session, row.child_id, now)
    session.commit()
    return MissingRead(
        id=row.id,
        child_id=child_id,
        kind=row.kind,
        start_date=row.start_date,
        end_date=row.end_date,
    )


@router.get(
    "/children/{child_id}/missing-episodes",
    operation_id="listMissingEpisodes",
    summary="List the child's missing episodes",
    responses=error_responses(401, 403, 404, 422),
)
def list_missing(
    child_id: int, user: CurrentUser, gate: Authorised, session: DbSession
) -> list[MissingRead]:
    """Return the child's missing episodes in date order."""
    gate.check(get_row(session, Child, child_id, "child"), what=f"child {child_id}")
    require(user, CHILD_READ)
    rows = session.scalars(
        select(MissingEpisode)
        .where(MissingEpisode.child_id == child_id)
        .order_by(MissingEpisode.start_date)
    )
    return [
        MissingRead(
            id=r.id, child_id=r.child_id, kind=r.kind, start_date=r.start_date, end_date=r.end_date
        )
        for r in rows
    ]
