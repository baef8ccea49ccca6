"""The daily feed to the Department: each child's casework as the per-child JSON of the
published contract (specs/dfe-csc-api/openapi.json, `POST /children_social_care_data/{la_code}/
children`), full or as the delta since a time. A deleted record is sent with `purge: true`."""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, date, datetime
from typing import Any

from fastapi import APIRouter, Query
from pydantic import BaseModel, Field
from sqlalchemy import select
from sqlalchemy.orm import Session

from accredit.returns_spec import returns_spec
from reference_impl.api.access import Authorised
from reference_impl.api.casework_checks import touch
from reference_impl.api.deps import (
    AppSettings,
    CurrentUser,
    DbSession,
    Now,
    Specs,
    get_row,
    require,
)
from reference_impl.api.errors import error_responses, invalid_request, not_found
from reference_impl.domain.access import CHILD_READ, CHILD_WRITE
from reference_impl.settings import Settings
from reference_impl.store.statutory import (
    Assessment,
    ChildCharacteristics,
    ChildFeedState,
    ChildProtectionPlan,
    CinPlan,
    FeedPurge,
    LookedAfterEpisode,
    LookedAfterReview,
    MissingEpisode,
    Referral,
    Section47Enquiry,
    SocialWorkerEpisode,
)
from reference_impl.store.tables import Child

__all__ = ["FeedRead", "router"]

router = APIRouter(tags=["daily feed"])

#: Tables whose rows are a child's casework (each with a child_id and a created_at).
_CHILD_TABLES = (
    Referral,
    Assessment,
    LookedAfterEpisode,
    LookedAfterReview,
    MissingEpisode,
    SocialWorkerEpisode,
)


class FeedRead(BaseModel):
    generated_at: datetime = Field(description="Ask for the next delta since this time.")
    la_code: int
    since: datetime | None
    children: list[dict[str, Any]] = Field(
        description="The request body of POST /children_social_care_data/{la_code}/children "
        "(the Department's CSC schema): one object per child."
    )


def _day(value: date | None, settings: Settings) -> str | None:
    if value is None:
        return None
    if settings.fault("feed-dates-as-text"):
        return value.strftime("%d/%m/%Y")  # the defect: the case system's display format
    return value.isoformat()


def _clean(item: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in item.items() if v is not None and v != []}


def _child_payload(session: Session, child: Child, settings: Settings) -> dict[str, Any]:
    about = session.get(ChildCharacteristics, child.id)
    sex = {"female": "F", "male": "M"}.get(child.sex, "U")
    details = _clean(
        {
            "unique_pupil_number": about.upn if about else None,
            "unique_pupil_number_unknown_reason": about.upn_unknown if about else None,
            "first_name": child.given_name,
            "surname": child.family_name,
            "date_of_birth": _day(child.date_of_birth, settings),
            "sex": sex,
            "ethnicity": about.ethnicity if about else None,
            "disabilities": [d for d in about.disabilities if d != "NONE"] if about else None,
        }
    )
    episodes: list[dict[str, Any]] = []
    referrals = list(
        session.scalars(
            select(Referral)
            .where(Referral.child_id == child.id)
            .order_by(Referral.referral_date, Referral.id)
        )
    )
    for referral in referrals:
        assessments = session.scalars(
            select(Assessment).where(Assessment.referral_id == referral.id).order_by(Assessment.id)
        )
        plans = session.scalars(
            select(CinPlan).where(CinPlan.referral_id == referral.id).order_by(CinPlan.id)
        )
        enquiries = session.scalars(
            select(Section47Enquiry)
            .where(Section47Enquiry.referral_id == referral.id)
            .order_by(Section47Enquiry.id)
        )
        protection = session.scalars(
            select(ChildProtectionPlan)
            .where(ChildProtectionPlan.referral_id == referral.id)
            .order_by(ChildProtectionPlan.id)
        )
        episodes.append(
            _clean(
                {
                    "social_care_episode_id": f"R{referral.id}",
                    "referral_date": _day(referral.referral_date, settings),
                    "referral_source": referral.source,
                    "referral_no_further_action_flag": referral.no_further_action,
                    "closure_date": _day(referral.closure_date, settings),
                    "closure_reason": referral.closure_reason,
                    "child_and_family_assessments": [
                        _clean(
                            {
                                "child_and_family_assessment_id": f"A{a.id}",
                                "start_date": _day(a.start_date, settings),
                                "authorisation_date": _day(a.authorised_on, settings),
                                "factors": list(a.factors) if a.authorised_on else None,
                            }
                        )
                        for a in assessments
                    ],
                    "child_in_need_plans": [
                        _clean(
                            {
                                "child_in_need_plan_id": f"P{p.id}",
                                "start_date": _day(p.start_date, settings),
                                "end_date": _day(p.end_date, settings),
                            }
                        )
                        for p in plans
                    ],
                    "section_47_assessments": [
                        _clean(
                            {
                                "section_47_assessment_id": f"S{e.id}",
                                "start_date": _day(e.start_date, settings),
                                "icpc_required_flag": not e.conference_not_required,
                                "icpc_date": _day(e.conference_date, settings),
                            }
                        )
                        for e in enquiries
                    ],
                    "child_protection_plans": [
                        _clean(
                            {
                                "child_protection_plan_id": f"C{p.id}",
                                "start_date": _day(p.start_date, settings),
                                "end_date": _day(p.end_date, settings),
                            }
                        )
                        for p in protection
                    ],
                }
            )
        )
    placements = [
        _clean(
            {
                "child_looked_after_placement_id": f"L{e.id}",
                "start_date": _day(e.start_date, settings),
                "start_reason": e.reason_new_episode,
                "placement_type": e.placement_type,
                "postcode": e.placement_postcode,
                "end_date": _day(e.end_date, settings),
                "end_reason": e.reason_ceased,
                "change_reason": e.reason_place_change,
            }
        )
        for e in session.scalars(
            select(LookedAfterEpisode)
            .where(LookedAfterEpisode.child_id == child.id)
            .order_by(LookedAfterEpisode.start_date)
        )
    ]
    if placements:
        # Placements belong to the episode of care's social care episode; one per child here.
        episodes.append(
            {
                "social_care_episode_id": f"CLA{child.id}",
                "child_looked_after_placements": placements,
            }
        )
    return {
        "la_child_id": str(child.id),
        "child_details": details,
        "social_care_episodes": episodes,
    }


def _add_purges(payload: dict[str, Any], purges: list[FeedPurge]) -> None:
    """Put each deleted record in its episode, marked `purge: true`."""
    episodes = {
        e["social_care_episode_id"]: e for e in payload.setdefault("social_care_episodes", [])
    }
    id_fields = {
        "child_in_need_plans": "child_in_need_plan_id",
        "child_and_family_assessments": "child_and_family_assessment_id",
    }
    for purge in purges:
        episode = episodes.get(purge.episode_key)
        if episode is None:
            episode = {"social_care_episode_id": purge.episode_key}
            payload["social_care_episodes"].append(episode)
            episodes[purge.episode_key] = episode
        episode.setdefault(purge.collection, []).append(
            {id_fields[purge.collection]: purge.record_key, "purge": True}
        )


@router.get(
    "/children_social_care_data/{la_code}/children",
    operation_id="getDailyFeed",
    summary="The daily feed's payload: every child, or the delta since a time",
    responses=error_responses(401, 403, 404, 422),
)
def daily_feed(
    la_code: int,
    user: CurrentUser,
    gate: Authorised,
    session: DbSession,
    specs: Specs,
    settings: AppSettings,
    now: Now,
    since: str | None = Query(
        default=None, description="An ISO 8601 time with its offset: only what changed after it."
    ),
) -> FeedRead:
    """Return what the product would send the Department now."""
    gate.check()
    require(user, CHILD_READ)
    if la_code != int(returns_spec(specs.root).lea):
        raise not_found("local authority", la_code)
    after: datetime | None = None
    if since is not None:
        try:
            after = datetime.fromisoformat(since)
        except ValueError:
            raise invalid_request("query.since", f"{since!r} is not an ISO 8601 time") from None
        if after.tzinfo is None:
            raise invalid_request("query.since", "the time needs its offset (e.g. +00:00)")
        after = after.astimezone(UTC)
    changed: dict[int, datetime] = {
        s.child_id: s.changed_at for s in session.scalars(select(ChildFeedState))
    }
    if settings.fault("feed-delta-misses-change"):
        # The defect: a child counts as changed when a record of theirs was created, not when
        # one was changed (a closure, an authorisation).
        changed = defaultdict(lambda: datetime.min.replace(tzinfo=UTC))
        for table in _CHILD_TABLES:
            for child_id, created in session.execute(select(table.child_id, table.created_at)):
                changed[child_id] = max(changed[child_id], created)
    purges: dict[int, list[FeedPurge]] = defaultdict(list)
    if not settings.fault("feed-drops-purge"):
        for purge in session.scalars(select(FeedPurge).order_by(FeedPurge.id)):
            if after is None or purge.at > after:
                purges[purge.child_id].append(purge)
    wanted = {c for c, at in changed.items() if after is None or at > after} | set(purges)
    children = []
    for child in session.scalars(select(Child).where(Child.id.in_(wanted)).order_by(Child.id)):
        payload = _child_payload(session, child, settings)
        _add_purges(payload, purges.get(child.id, []))
        children.append(payload)
    return FeedRead(generated_at=now, la_code=la_code, since=after, children=children)


@router.delete(
    "/cin-plans/{plan_id}",
    status_code=204,
    operation_id="deleteCinPlan",
    summary="Delete a child-in-need plan recorded in error",
    responses=error_responses(401, 403, 404),
)
def delete_cin_plan(
    plan_id: int, user: CurrentUser, gate: Authorised, session: DbSession, now: Now
) -> None:
    """Delete the plan; the feed tells the Department to purge it."""
    plan = get_row(session, CinPlan, plan_id, "child-in-need plan")
    referral = get_row(session, Referral, plan.referral_id, "referral")
    gate.check(session.get_one(Child, referral.child_id), what=f"child-in-need plan {plan_id}")
    require(user, CHILD_WRITE)
    session.add(
        FeedPurge(
            child_id=referral.child_id,
            episode_key=f"R{referral.id}",
            collection="child_in_need_plans",
            record_key=f"P{plan.id}",
            at=now,
        )
    )
    session.delete(plan)
    touch(session, referral.child_id, now)
    session.commit()
