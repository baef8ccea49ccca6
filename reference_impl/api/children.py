"""Children and sibling groups: entered once, read back exactly (FUN-001, FUN-002)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any, Literal, cast

from fastapi import APIRouter
from pydantic import AfterValidator, BaseModel, ConfigDict, Field
from sqlalchemy import CursorResult, select, update
from sqlalchemy.orm import Session

from accredit.specs import did_you_mean
from reference_impl import faults
from reference_impl.api.access import Authorised
from reference_impl.api.deps import (
    AppSettings,
    CurrentUser,
    DbSession,
    Now,
    Specs,
    get_row,
    require,
)
from reference_impl.api.errors import ApiError, error_responses, invalid_request
from reference_impl.api.fields import CalendarDate, Id, Name
from reference_impl.domain.access import CHILD_READ, CHILD_WRITE
from reference_impl.settings import Settings
from reference_impl.store.tables import Child, SiblingGroup

__all__ = [
    "ChildCreate",
    "ChildRead",
    "SiblingGroupCreate",
    "SiblingGroupRead",
    "child_read",
    "router",
]

router = APIRouter(tags=["children"])

#: How many children one sibling group may hold.
MIN_SIBLINGS, MAX_SIBLINGS = 2, 12


class ChildCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    given_name: Name
    family_name: Name
    date_of_birth: CalendarDate
    sex: Literal["female", "male", "unknown"]
    team: str = Field(description="One of the teams of specs/users.yaml.")


class ChildRead(BaseModel):
    id: int
    given_name: str
    family_name: str
    date_of_birth: date
    sex: str
    team: str
    sibling_group_id: int | None
    sibling_ids: list[int] = Field(description="The other members of the child's sibling group.")
    created_at: datetime
    merged_into: int | None = Field(
        description="Set on a duplicate record: the child it was merged into."
    )


def _distinct(ids: list[int]) -> list[int]:
    if len(set(ids)) != len(ids):
        raise ValueError("the child ids must be distinct")
    return ids


class SiblingGroupCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    child_ids: Annotated[
        list[Id],
        Field(min_length=MIN_SIBLINGS, max_length=MAX_SIBLINGS),
        AfterValidator(_distinct),
    ]


class SiblingGroupRead(BaseModel):
    id: int
    child_ids: list[int]


def _group_members(session: Session, group_id: int) -> list[int]:
    return sorted(session.scalars(select(Child.id).where(Child.sibling_group_id == group_id)))


def child_read(session: Session, child: Child, settings: Settings) -> ChildRead:
    """Return a child as the API shows it, with the other members of its sibling group."""
    siblings: list[int] = []
    if child.sibling_group_id is not None:
        members = _group_members(session, child.sibling_group_id)
        if settings.fault("siblings-not-listed"):
            members = members[:-1]  # the defect: an off-by-one drops the last member
        siblings = [m for m in members if m != child.id]
    return ChildRead(
        id=child.id,
        given_name=child.given_name,
        family_name=child.family_name,
        date_of_birth=child.date_of_birth,
        sex=child.sex,
        team=child.team,
        sibling_group_id=child.sibling_group_id,
        sibling_ids=siblings,
        created_at=child.created_at,
        merged_into=child.merged_into,
    )


@router.post(
    "/children",
    status_code=201,
    operation_id="createChild",
    summary="Record a child",
    responses=error_responses(401, 403, 413, 422),
)
def create_child(
    body: ChildCreate,
    user: CurrentUser,
    gate: Authorised,
    session: DbSession,
    specs: Specs,
    settings: AppSettings,
    now: Now,
) -> ChildRead:
    """Record a child; return it as it now reads back."""
    if body.team not in specs.users.teams:
        raise invalid_request(
            "body.team",
            f"{body.team!r} is not one of {', '.join(specs.users.teams)}"
            f"{did_you_mean(body.team, specs.users.teams)}",
        )
    gate.check(teams=[body.team], what=f"a child of team {body.team}")
    require(user, CHILD_WRITE)
    if body.date_of_birth > now.date():
        raise invalid_request("body.date_of_birth", "invalid date: in the future")
    date_of_birth = body.date_of_birth
    if settings.fault("child-dob-shifted"):
        date_of_birth = faults.london_midnight_in_utc(date_of_birth)
    child = Child(
        given_name=body.given_name,
        family_name=body.family_name,
        date_of_birth=date_of_birth,
        sex=body.sex,
        team=body.team,
        created_at=now,
    )
    session.add(child)
    session.commit()
    return child_read(session, child, settings)


@router.get(
    "/children/{child_id}",
    operation_id="getChild",
    summary="Read a child",
    responses=error_responses(401, 403, 404, 422),
)
def get_child(
    child_id: int, user: CurrentUser, gate: Authorised, session: DbSession, settings: AppSettings
) -> ChildRead:
    """Return the child with its sibling list (the shared fields only, to a partner agency)."""
    child = get_row(session, Child, child_id, "child")
    gate.check(child, what=f"child {child_id}")
    require(user, CHILD_READ)
    return gate.child_view(child_read(session, child, settings))


@router.post(
    "/sibling-groups",
    status_code=201,
    operation_id="createSiblingGroup",
    summary="Declare siblings",
    responses=error_responses(401, 403, 404, 409, 413, 422),
)
def create_sibling_group(
    body: SiblingGroupCreate, user: CurrentUser, gate: Authorised, session: DbSession, now: Now
) -> SiblingGroupRead:
    """Declare two to twelve children siblings; return the group."""
    children = [get_row(session, Child, child_id, "child") for child_id in body.child_ids]
    gate.check(*children, what="a child of the group")
    require(user, CHILD_WRITE)
    for child in children:
        if child.sibling_group_id is not None:
            raise _already_grouped(child.id, child.sibling_group_id)
    group = SiblingGroup(created_at=now)
    session.add(group)
    session.flush()
    # Only children still without a group join it: a concurrent declaration cannot steal one.
    joined = session.execute(
        update(Child)
        .where(Child.id.in_(body.child_ids), Child.sibling_group_id.is_(None))
        .values(sibling_group_id=group.id)
    )
    if cast(CursorResult[Any], joined).rowcount != len(body.child_ids):
        session.rollback()
        raise ApiError(409, "sibling_conflict", "a child joined another sibling group meanwhile")
    session.commit()
    return SiblingGroupRead(id=group.id, child_ids=sorted(body.child_ids))


def _already_grouped(child_id: int, group_id: int) -> ApiError:
    return ApiError(
        409,
        "sibling_conflict",
        f"child {child_id} is already in sibling group {group_id}",
        [str(child_id)],
    )


@router.get(
    "/sibling-groups/{group_id}",
    operation_id="getSiblingGroup",
    summary="Read a sibling group",
    responses=error_responses(401, 403, 404, 422),
)
def get_sibling_group(
    group_id: int, user: CurrentUser, gate: Authorised, session: DbSession
) -> SiblingGroupRead:
    """Return the group and its members."""
    get_row(session, SiblingGroup, group_id, "sibling group")
    members = _group_members(session, group_id)
    gate.check(*(session.get_one(Child, m) for m in members), what=f"sibling group {group_id}")
    require(user, CHILD_READ)
    return SiblingGroupRead(id=group_id, child_ids=members)
