"""Referrals (CIN episodes) and their assessments: the records the open-case and assessment
figures count and the CIN census carries. An assessment is complete only when authorised."""

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
from reference_impl.api.deps import CurrentUser, DbSession, Now, Specs, get_row, require
from reference_impl.api.errors import ApiError, error_responses, invalid_request
from reference_impl.api.fields import CalendarDate
from reference_impl.domain.access import CHILD_READ, CHILD_WRITE
from reference_impl.store.statutory import Assessment, Referral
from reference_impl.store.tables import Child

__all__ = [
    "AssessmentCreate",
    "AssessmentRead",
    "Authorisation",
    "ReferralClosure",
    "ReferralCreate",
    "ReferralRead",
    "router",
]

router = APIRouter(tags=["casework"])

Code = Annotated[str, Field(min_length=1, max_length=8)]


class ReferralCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    referral_date: CalendarDate
    source: Code = Field(description="CIN ReferralSource code (specs/code_lists.yaml).")
    primary_need: Code = Field(description="CIN PrimaryNeedCode (specs/code_lists.yaml).")
    no_further_action: bool = False
    closure_date: CalendarDate | None = None
    closure_reason: Code | None = Field(
        default=None, description="CIN ReasonForClosure; given with closure_date."
    )


class ReferralClosure(BaseModel):
    model_config = ConfigDict(extra="forbid")

    closure_date: CalendarDate
    closure_reason: Code


class ReferralRead(BaseModel):
    id: int
    child_id: int
    referral_date: date
    source: str
    primary_need: str
    no_further_action: bool
    closure_date: date | None
    closure_reason: str | None
    created_at: datetime


class AssessmentCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    referral_id: int
    kind: str = Field(description="An assessment kind of the configured timescale profile.")
    start_date: CalendarDate
    completed_on: CalendarDate | None = Field(
        default=None, description="The day the worker finished it; complete once authorised."
    )
    factors: list[Annotated[str, Field(min_length=1, max_length=4)]] = Field(
        default_factory=list, max_length=40, description="CIN AssessmentFactors codes."
    )


class Authorisation(BaseModel):
    model_config = ConfigDict(extra="forbid")

    authorised_on: CalendarDate


class AssessmentRead(BaseModel):
    id: int
    child_id: int
    referral_id: int
    kind: str
    start_date: date
    completed_on: date | None
    authorised_on: date | None
    authorised_by: str | None
    status: str = Field(description="draft until authorised, then authorised.")
    factors: list[str]
    created_by: str


def _referral_read(row: Referral) -> ReferralRead:
    return ReferralRead(
        id=row.id,
        child_id=row.child_id,
        referral_date=row.referral_date,
        source=row.source,
        primary_need=row.primary_need,
        no_further_action=row.no_further_action,
        closure_date=row.closure_date,
        closure_reason=row.closure_reason,
        created_at=row.created_at,
    )


def _assessment_read(row: Assessment) -> AssessmentRead:
    return AssessmentRead(
        id=row.id,
        child_id=row.child_id,
        referral_id=row.referral_id,
        kind=row.kind,
        start_date=row.start_date,
        completed_on=row.completed_on,
        authorised_on=row.authorised_on,
        authorised_by=row.authorised_by,
        status="draft" if row.authorised_on is None else "authorised",
        factors=list(row.factors),
        created_by=row.created_by,
    )


def _check_closure(
    specs: Specs, body: ReferralCreate | ReferralClosure, start: date, today: date
) -> None:
    spec = spec_of(specs)
    check_day(spec, "body.closure_date", body.closure_date, today)
    check_code(spec, "body.closure_reason", body.closure_reason, "closure_reason")
    if body.closure_date is not None:
        check_span("referral_date", start, "body.closure_date", body.closure_date)
    if (body.closure_date is None) != (body.closure_reason is None):
        raise invalid_request(
            "body.closure_reason", "a closure needs both closure_date and closure_reason"
        )


@router.post(
    "/children/{child_id}/referrals",
    status_code=201,
    operation_id="createReferral",
    summary="Record a referral (a CIN episode)",
    responses=error_responses(401, 403, 404, 409, 413, 422),
)
def create_referral(
    child_id: int,
    body: ReferralCreate,
    user: CurrentUser,
    gate: Authorised,
    session: DbSession,
    specs: Specs,
    now: Now,
) -> ReferralRead:
    """Record a referral of the child; a closed one carries its closure date and reason."""
    gate.check(get_row(session, Child, child_id, "child"), what=f"child {child_id}")
    require(user, CHILD_WRITE)
    spec = spec_of(specs)
    check_day(spec, "body.referral_date", body.referral_date, now.date())
    check_code(spec, "body.source", body.source, "referral_source")
    check_code(spec, "body.primary_need", body.primary_need, "primary_need")
    _check_closure(specs, body, body.referral_date, now.date())
    row = Referral(
        child_id=child_id,
        referral_date=body.referral_date,
        source=body.source,
        primary_need=body.primary_need,
        no_further_action=body.no_further_action,
        closure_date=body.closure_date,
        closure_reason=body.closure_reason,
        created_by=user.key,
        created_at=now,
    )
    session.add(row)
    touch(session, row.child_id, now)
    session.commit()
    return _referral_read(row)


@router.get(
    "/children/{child_id}/referrals",
    operation_id="listReferrals",
    summary="List a child's referrals",
    responses=error_responses(401, 403, 404, 422),
)
def list_referrals(
    child_id: int, user: CurrentUser, gate: Authorised, session: DbSession
) -> list[ReferralRead]:
    """Return the child's referrals, oldest first."""
    gate.check(get_row(session, Child, child_id, "child"), what=f"child {child_id}")
    require(user, CHILD_READ)
    rows = session.scalars(
        select(Referral)
        .where(Referral.child_id == child_id)
        .order_by(Referral.referral_date, Referral.id)
    )
    return [_referral_read(r) for r in rows]


@router.post(
    "/referrals/{referral_id}/close",
    operation_id="closeReferral",
    summary="Close a referral",
    responses=error_responses(401, 403, 404, 409, 413, 422),
)
def close_referral(
    referral_id: int,
    body: ReferralClosure,
    user: CurrentUser,
    gate: Authorised,
    session: DbSession,
    specs: Specs,
    now: Now,
) -> ReferralRead:
    """Close an open referral on a day with a reason; a closed referral stays closed."""
    row = get_row(session, Referral, referral_id, "referral")
    gate.check(session.get_one(Child, row.child_id), what=f"referral {referral_id}")
    require(user, CHILD_WRITE)
    if row.closure_date is not None:
        raise conflict("already_closed", f"referral {referral_id} was closed on {row.closure_date}")
    _check_closure(specs, body, row.referral_date, now.date())
    row.closure_date, row.closure_reason = body.closure_date, body.closure_reason
    touch(session, row.child_id, now)
    session.commit()
    return _referral_read(row)


@router.post(
    "/children/{child_id}/assessments",
    status_code=201,
    operation_id="createAssessment",
    summary="Record an assessment (a draft until authorised)",
    responses=error_responses(401, 403, 404, 413, 422),
)
def create_assessment(
    child_id: int,
    body: AssessmentCreate,
    user: CurrentUser,
    gate: Authorised,
    session: DbSession,
    specs: Specs,
    now: Now,
) -> AssessmentRead:
    """Record an assessment of one of the child's referrals, as a draft."""
    gate.check(get_row(session, Child, child_id, "child"), what=f"child {child_id}")
    require(user, CHILD_WRITE)
    referral = get_row(session, Referral, body.referral_id, "referral")
    if referral.child_id != child_id:
        raise invalid_request("body.referral_id", f"referral {referral.id} is not this child's")
    spec = spec_of(specs)
    kinds = spec.figures.profile.assessments
    if body.kind not in kinds:
        raise invalid_request(
            "body.kind",
            f"{body.kind!r} is not an assessment of the {spec.figures.profile.id} profile; "
            f"valid kinds: {', '.join(kinds)}",
        )
    check_day(spec, "body.start_date", body.start_date, now.date())
    check_day(spec, "body.completed_on", body.completed_on, now.date())
    if body.start_date < referral.referral_date:
        raise invalid_request(
            "body.start_date",
            f"{body.start_date} is before the referral date {referral.referral_date}",
        )
    check_span("start_date", body.start_date, "body.completed_on", body.completed_on)
    for index, factor in enumerate(body.factors):
        check_code(spec, f"body.factors[{index}]", factor, "assessment_factor")
    row = Assessment(
        child_id=child_id,
        referral_id=referral.id,
        kind=body.kind,
        start_date=body.start_date,
        completed_on=body.completed_on,
        authorised_on=None,
        authorised_by=None,
        factors=list(body.factors),
        created_by=user.key,
        created_at=now,
    )
    session.add(row)
    touch(session, row.child_id, now)
    session.commit()
    return _assessment_read(row)


@router.get(
    "/children/{child_id}/assessments",
    operation_id="listAssessments",
    summary="List a child's assessments",
    responses=error_responses(401, 403, 404, 422),
)
def list_assessments(
    child_id: int, user: CurrentUser, gate: Authorised, session: DbSession
) -> list[AssessmentRead]:
    """Return the child's assessments, drafts included, oldest first."""
    gate.check(get_row(session, Child, child_id, "child"), what=f"child {child_id}")
    require(user, CHILD_READ)
    rows = session.scalars(
        select(Assessment)
        .where(Assessment.child_id == child_id)
        .order_by(Assessment.start_date, Assessment.id)
    )
    return [_assessment_read(r) for r in rows]


@router.post(
    "/assessments/{assessment_id}/authorise",
    operation_id="authoriseAssessment",
    summary="Authorise an assessment (it is then complete)",
    responses=error_responses(401, 403, 404, 409, 413, 422),
)
def authorise_assessment(
    assessment_id: int,
    body: Authorisation,
    user: CurrentUser,
    gate: Authorised,
    session: DbSession,
    specs: Specs,
    now: Now,
) -> AssessmentRead:
    """Authorise a draft assessment on a day; the roles and the four-eyes rule are those of the
    lifecycle's transition into a locked state (specs/lifecycle.yaml)."""
    row = get_row(session, Assessment, assessment_id, "assessment")
    gate.check(session.get_one(Child, row.child_id), what=f"assessment {assessment_id}")
    require(user, CHILD_WRITE)
    locking = next(
        t for t in specs.lifecycle.transitions if specs.lifecycle.state(t.to_state).locked
    )
    if user.role not in locking.roles:
        raise ApiError(403, "forbidden", f"role {user.role} may not authorise an assessment")
    if locking.author == "excluded" and user.key == row.created_by:
        raise ApiError(403, "four_eyes", "whoever recorded an assessment never authorises it")
    if row.authorised_on is not None:
        raise conflict(
            "already_authorised",
            f"assessment {assessment_id} was authorised on {row.authorised_on}",
        )
    check_day(spec_of(specs), "body.authorised_on", body.authorised_on, now.date())
    earliest = row.completed_on or row.start_date
    if body.authorised_on < earliest:
        raise invalid_request(
            "body.authorised_on", f"{body.authorised_on} is before the assessment's {earliest}"
        )
    row.authorised_on, row.authorised_by = body.authorised_on, user.key
    if row.completed_on is None:
        row.completed_on = body.authorised_on
    touch(session, row.child_id, now)
    session.commit()
    return _assessment_read(row)
