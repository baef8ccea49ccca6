"""What the CIN census and the SSDA903 need beyond referrals, assessments and episodes: the
child's characteristics, child-in-need plans, section 47 enquiries with their initial
conferences, child protection plans and social worker episodes."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy.orm import Session

from reference_impl.api.access import Authorised, Gate
from reference_impl.api.casework_checks import check_code, check_day, check_span, spec_of, touch
from reference_impl.api.deps import CurrentUser, DbSession, Now, Specs, get_row, require
from reference_impl.api.errors import error_responses, invalid_request
from reference_impl.api.fields import CalendarDate
from reference_impl.domain.access import CHILD_WRITE
from reference_impl.store.statutory import (
    ChildCharacteristics,
    ChildProtectionPlan,
    CinPlan,
    Referral,
    Section47Enquiry,
    SocialWorkerEpisode,
)
from reference_impl.store.tables import Child

__all__ = [
    "CharacteristicsWrite",
    "CinPlanCreate",
    "ProtectionPlanCreate",
    "RecordRead",
    "Section47Create",
    "SocialWorkerCreate",
    "router",
]

router = APIRouter(tags=["casework"])

Code = Annotated[str, Field(min_length=1, max_length=12)]


class CharacteristicsWrite(BaseModel):
    model_config = ConfigDict(extra="forbid")

    ethnicity: Code
    upn: Annotated[str, Field(pattern=r"^[A-Z]\d{11}[0-9A-Z]$")] | None = Field(
        default=None, description="The unique pupil number; or give upn_unknown."
    )
    upn_unknown: Code | None = None
    disabilities: list[Code] = Field(default_factory=lambda: ["NONE"], max_length=13)
    previous_permanence: Code = Field(
        default="Z1", description="SSDA903 PREV_PERM before this period of care (Z1: none)."
    )


class CinPlanCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    start_date: CalendarDate
    end_date: CalendarDate | None = None


class Section47Create(BaseModel):
    model_config = ConfigDict(extra="forbid")

    start_date: CalendarDate
    conference_target: CalendarDate | None = None
    conference_date: CalendarDate | None = None
    conference_not_required: bool = False


class ProtectionPlanCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    start_date: CalendarDate
    end_date: CalendarDate | None = None
    initial_category: Code
    latest_category: Code
    review_dates: list[CalendarDate] = Field(default_factory=list, max_length=60)


class SocialWorkerCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    worker_id: Annotated[str, Field(min_length=1, max_length=20, pattern=r"^[A-Za-z0-9]+$")]
    start_date: CalendarDate
    end_date: CalendarDate | None = None
    reason: Code


class RecordRead(BaseModel):
    id: int
    record: dict[str, Any]


def _check_referral(session: Session, gate: Gate, referral_id: int) -> None:
    """Refuse unless the access matrix lets the user record this on the referral's child."""
    referral = get_row(session, Referral, referral_id, "referral")
    gate.check(session.get_one(Child, referral.child_id), what=f"referral {referral_id}")


def _referral_in(session: Session, referral_id: int, field: str, day: date) -> Referral:
    referral = get_row(session, Referral, referral_id, "referral")
    if day < referral.referral_date:
        raise invalid_request(field, f"{day} is before the referral date {referral.referral_date}")
    if referral.closure_date is not None and day > referral.closure_date:
        raise invalid_request(
            field, f"{day} is after the referral closed on {referral.closure_date}"
        )
    return referral


@router.put(
    "/children/{child_id}/characteristics",
    operation_id="putChildCharacteristics",
    summary="Record the child's ethnicity, UPN and disabilities",
    responses=error_responses(401, 403, 404, 413, 422),
)
def put_characteristics(
    child_id: int,
    body: CharacteristicsWrite,
    user: CurrentUser,
    gate: Authorised,
    session: DbSession,
    specs: Specs,
    now: Now,
) -> RecordRead:
    """Record (or replace) what the returns say of the child."""
    gate.check(get_row(session, Child, child_id, "child"), what=f"child {child_id}")
    require(user, CHILD_WRITE)
    spec = spec_of(specs)
    check_code(spec, "body.ethnicity", body.ethnicity, "ethnicity")
    check_code(spec, "body.upn_unknown", body.upn_unknown, "upn_unknown")
    if (body.upn is None) == (body.upn_unknown is None):
        raise invalid_request("body.upn", "give either upn or upn_unknown")
    check_code(spec, "body.previous_permanence", body.previous_permanence, "previous_permanence")
    for index, code in enumerate(body.disabilities):
        check_code(spec, f"body.disabilities[{index}]", code, "disability")
    row = session.get(ChildCharacteristics, child_id) or ChildCharacteristics(child_id=child_id)
    row.ethnicity, row.upn, row.upn_unknown = body.ethnicity, body.upn, body.upn_unknown
    row.disabilities, row.updated_at = list(body.disabilities), now
    row.previous_permanence = body.previous_permanence
    session.add(row)
    touch(session, row.child_id, now)
    session.commit()
    return RecordRead(id=child_id, record=body.model_dump(mode="json"))


@router.post(
    "/referrals/{referral_id}/cin-plans",
    status_code=201,
    operation_id="createCinPlan",
    summary="Record a child-in-need plan",
    responses=error_responses(401, 403, 404, 413, 422),
)
def create_cin_plan(
    referral_id: int,
    body: CinPlanCreate,
    user: CurrentUser,
    gate: Authorised,
    session: DbSession,
    specs: Specs,
    now: Now,
) -> RecordRead:
    """Record a child-in-need plan of the CIN episode."""
    _check_referral(session, gate, referral_id)
    require(user, CHILD_WRITE)
    spec = spec_of(specs)
    check_day(spec, "body.start_date", body.start_date, now.date())
    check_day(spec, "body.end_date", body.end_date, now.date())
    check_span("start_date", body.start_date, "body.end_date", body.end_date)
    referral = _referral_in(session, referral_id, "body.start_date", body.start_date)
    row = CinPlan(
        referral_id=referral_id, start_date=body.start_date, end_date=body.end_date, created_at=now
    )
    session.add(row)
    touch(session, referral.child_id, now)
    session.commit()
    return RecordRead(id=row.id, record=body.model_dump(mode="json"))


@router.post(
    "/referrals/{referral_id}/section-47-enquiries",
    status_code=201,
    operation_id="createSection47Enquiry",
    summary="Record a section 47 enquiry and its initial conference",
    responses=error_responses(401, 403, 404, 413, 422),
)
def create_section47(
    referral_id: int,
    body: Section47Create,
    user: CurrentUser,
    gate: Authorised,
    session: DbSession,
    specs: Specs,
    now: Now,
) -> RecordRead:
    """Record an enquiry; the initial conference, if held, is on or after its start."""
    _check_referral(session, gate, referral_id)
    require(user, CHILD_WRITE)
    spec = spec_of(specs)
    for field in ("start_date", "conference_target", "conference_date"):
        check_day(spec, f"body.{field}", getattr(body, field), now.date())
    check_span("start_date", body.start_date, "body.conference_date", body.conference_date)
    if body.conference_not_required and body.conference_date is not None:
        raise invalid_request("body.conference_not_required", "a conference was held")
    referral = _referral_in(session, referral_id, "body.start_date", body.start_date)
    row = Section47Enquiry(
        referral_id=referral_id,
        start_date=body.start_date,
        conference_target=body.conference_target,
        conference_date=body.conference_date,
        conference_not_required=body.conference_not_required,
        created_at=now,
    )
    session.add(row)
    touch(session, referral.child_id, now)
    session.commit()
    return RecordRead(id=row.id, record=body.model_dump(mode="json"))


@router.post(
    "/referrals/{referral_id}/child-protection-plans",
    status_code=201,
    operation_id="createChildProtectionPlan",
    summary="Record a child protection plan and its reviews",
    responses=error_responses(401, 403, 404, 413, 422),
)
def create_protection_plan(
    referral_id: int,
    body: ProtectionPlanCreate,
    user: CurrentUser,
    gate: Authorised,
    session: DbSession,
    specs: Specs,
    now: Now,
) -> RecordRead:
    """Record a plan: categories of abuse from the code list, reviews inside the plan."""
    _check_referral(session, gate, referral_id)
    require(user, CHILD_WRITE)
    spec = spec_of(specs)
    check_day(spec, "body.start_date", body.start_date, now.date())
    check_day(spec, "body.end_date", body.end_date, now.date())
    check_span("start_date", body.start_date, "body.end_date", body.end_date)
    check_code(spec, "body.initial_category", body.initial_category, "category_of_abuse")
    check_code(spec, "body.latest_category", body.latest_category, "category_of_abuse")
    for index, review in enumerate(body.review_dates):
        check_day(spec, f"body.review_dates[{index}]", review, now.date())
        if review < body.start_date or (body.end_date is not None and review > body.end_date):
            raise invalid_request(f"body.review_dates[{index}]", f"{review} is outside the plan")
    referral = _referral_in(session, referral_id, "body.start_date", body.start_date)
    row = ChildProtectionPlan(
        referral_id=referral_id,
        start_date=body.start_date,
        end_date=body.end_date,
        initial_category=body.initial_category,
        latest_category=body.latest_category,
        review_dates=[d.isoformat() for d in sorted(body.review_dates)],
        created_at=now,
    )
    session.add(row)
    touch(session, referral.child_id, now)
    session.commit()
    return RecordRead(id=row.id, record=body.model_dump(mode="json"))


@router.post(
    "/children/{child_id}/social-worker-episodes",
    status_code=201,
    operation_id="createSocialWorkerEpisode",
    summary="Record a social worker's allocation to a looked-after child",
    responses=error_responses(401, 403, 404, 413, 422),
)
def create_social_worker_episode(
    child_id: int,
    body: SocialWorkerCreate,
    user: CurrentUser,
    gate: Authorised,
    session: DbSession,
    specs: Specs,
    now: Now,
) -> RecordRead:
    """Record who was the child's social worker, from when to when and why it changed."""
    gate.check(get_row(session, Child, child_id, "child"), what=f"child {child_id}")
    require(user, CHILD_WRITE)
    spec = spec_of(specs)
    check_day(spec, "body.start_date", body.start_date, now.date())
    check_day(spec, "body.end_date", body.end_date, now.date())
    check_span("start_date", body.start_date, "body.end_date", body.end_date)
    check_code(spec, "body.reason", body.reason, "social_worker_change")
    row = SocialWorkerEpisode(
        child_id=child_id,
        worker_id=body.worker_id,
        start_date=body.start_date,
        end_date=body.end_date,
        reason=body.reason,
        created_at=now,
    )
    session.add(row)
    touch(session, row.child_id, now)
    session.commit()
    return RecordRead(id=row.id, record=body.model_dump(mode="json"))
