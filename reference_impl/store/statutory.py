"""The statutory casework tables behind the service figures and the statutory returns:
referrals (CIN episodes), assessments, looked-after episodes, their reviews and missing
episodes. Field names follow the CIN census and SSDA903 items they feed (noted beside each)."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, Boolean, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from reference_impl.store.tables import Base

__all__ = [
    "Assessment",
    "ChildCharacteristics",
    "ChildFeedState",
    "ChildProtectionPlan",
    "CinPlan",
    "FeedPurge",
    "LookedAfterEpisode",
    "LookedAfterReview",
    "MissingEpisode",
    "Referral",
    "Section47Enquiry",
    "SocialWorkerEpisode",
]


class Referral(Base):
    """A referral: the start of a CIN episode (CINdetails), open until closed."""

    __tablename__ = "referrals"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    child_id: Mapped[int] = mapped_column(ForeignKey("children.id"), index=True)
    referral_date: Mapped[date]  # CINreferralDate
    source: Mapped[str] = mapped_column(String(8))  # ReferralSource
    primary_need: Mapped[str] = mapped_column(String(8))  # PrimaryNeedCode
    no_further_action: Mapped[bool] = mapped_column(Boolean, default=False)  # ReferralNFA
    closure_date: Mapped[date | None]  # CINclosureDate
    closure_reason: Mapped[str | None] = mapped_column(String(8))  # ReasonForClosure
    created_by: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime]


class Assessment(Base):
    """An assessment of a CIN episode: complete only once authorised (a draft never counts)."""

    __tablename__ = "assessments"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    child_id: Mapped[int] = mapped_column(ForeignKey("children.id"), index=True)
    referral_id: Mapped[int] = mapped_column(ForeignKey("referrals.id"), index=True)
    kind: Mapped[str] = mapped_column(String(32))
    start_date: Mapped[date]  # AssessmentActualStartDate
    # The day the worker finished it, awaiting sign-off; not a completion until authorised.
    completed_on: Mapped[date | None]
    authorised_on: Mapped[date | None]  # AssessmentAuthorisationDate
    authorised_by: Mapped[str | None] = mapped_column(String(64))
    factors: Mapped[list[str]] = mapped_column(JSON, default=list)  # AssessmentFactors
    created_by: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime]


class LookedAfterEpisode(Base):
    """An SSDA903 episode: a period under one legal status and placement."""

    __tablename__ = "looked_after_episodes"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    child_id: Mapped[int] = mapped_column(ForeignKey("children.id"), index=True)
    start_date: Mapped[date]  # DECOM
    reason_new_episode: Mapped[str] = mapped_column(String(4))  # RNE
    legal_status: Mapped[str] = mapped_column(String(4))  # LS
    category_of_need: Mapped[str] = mapped_column(String(4))  # CIN
    placement_type: Mapped[str] = mapped_column(String(4))  # PLACE
    placement_provider: Mapped[str] = mapped_column(String(4))  # PLACE_PROVIDER
    home_postcode: Mapped[str] = mapped_column(String(10))  # HOME_POST
    placement_postcode: Mapped[str] = mapped_column(String(10))  # PL_POST
    reason_place_change: Mapped[str | None] = mapped_column(String(8))  # REASON_PLACE_CHANGE
    end_date: Mapped[date | None]  # DEC
    reason_ceased: Mapped[str | None] = mapped_column(String(4))  # REC
    created_by: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime]


class LookedAfterReview(Base):
    """A review of a looked-after child's case (SSDA903 Reviews)."""

    __tablename__ = "looked_after_reviews"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    child_id: Mapped[int] = mapped_column(ForeignKey("children.id"), index=True)
    review_date: Mapped[date]  # REVIEW
    participation: Mapped[str] = mapped_column(String(4))  # REVIEW_CODE
    created_by: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime]


class MissingEpisode(Base):
    """A time a looked-after child was missing or away without consent (SSDA903 Missing)."""

    __tablename__ = "missing_episodes"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    child_id: Mapped[int] = mapped_column(ForeignKey("children.id"), index=True)
    kind: Mapped[str] = mapped_column(String(2))  # MISSING
    start_date: Mapped[date]  # MIS_START
    end_date: Mapped[date | None]  # MIS_END
    created_by: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime]


class ChildCharacteristics(Base):
    """What the returns say of the child beyond the child's record: ethnicity, the unique pupil
    number (or why it is not known) and disabilities."""

    __tablename__ = "child_characteristics"

    child_id: Mapped[int] = mapped_column(ForeignKey("children.id"), primary_key=True)
    ethnicity: Mapped[str] = mapped_column(String(4))  # ETHNIC, Ethnicity
    upn: Mapped[str | None] = mapped_column(String(13))  # UPN
    upn_unknown: Mapped[str | None] = mapped_column(String(4))  # UPNunknown
    disabilities: Mapped[list[str]] = mapped_column(JSON, default=list)  # Disability
    previous_permanence: Mapped[str] = mapped_column(String(4), default="Z1")  # PREV_PERM
    updated_at: Mapped[datetime]


class CinPlan(Base):
    """A child-in-need plan of a CIN episode (CINPlanDates)."""

    __tablename__ = "cin_plans"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    referral_id: Mapped[int] = mapped_column(ForeignKey("referrals.id"), index=True)
    start_date: Mapped[date]  # CINPlanStartDate
    end_date: Mapped[date | None]  # CINPlanEndDate
    created_at: Mapped[datetime]


class Section47Enquiry(Base):
    """A section 47 enquiry and its initial child protection conference (Section47)."""

    __tablename__ = "section47_enquiries"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    referral_id: Mapped[int] = mapped_column(ForeignKey("referrals.id"), index=True)
    start_date: Mapped[date]  # S47ActualStartDate
    conference_target: Mapped[date | None]  # InitialCPCtarget
    conference_date: Mapped[date | None]  # DateOfInitialCPC
    conference_not_required: Mapped[bool] = mapped_column(Boolean, default=False)  # ICPCnotRequired
    created_at: Mapped[datetime]


class ChildProtectionPlan(Base):
    """A child protection plan of a CIN episode, with its review conferences."""

    __tablename__ = "child_protection_plans"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    referral_id: Mapped[int] = mapped_column(ForeignKey("referrals.id"), index=True)
    start_date: Mapped[date]  # CPPstartDate
    end_date: Mapped[date | None]  # CPPendDate
    initial_category: Mapped[str] = mapped_column(String(4))  # InitialCategoryOfAbuse
    latest_category: Mapped[str] = mapped_column(String(4))  # LatestCategoryOfAbuse
    review_dates: Mapped[list[str]] = mapped_column(JSON, default=list)  # CPPreviewDate, ISO
    created_at: Mapped[datetime]


class SocialWorkerEpisode(Base):
    """A social worker's time as a looked-after child's allocated worker (SSDA903 SWEpisodes)."""

    __tablename__ = "social_worker_episodes"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    child_id: Mapped[int] = mapped_column(ForeignKey("children.id"), index=True)
    worker_id: Mapped[str] = mapped_column(String(20))  # SW_ID
    start_date: Mapped[date]  # SW_DECOM
    end_date: Mapped[date | None]  # SW_DEC
    reason: Mapped[str] = mapped_column(String(8))  # SW_REASON
    created_at: Mapped[datetime]


class ChildFeedState(Base):
    """When the child's casework last changed: the daily feed's delta is every child changed
    after the time it is asked for."""

    __tablename__ = "child_feed_state"

    child_id: Mapped[int] = mapped_column(ForeignKey("children.id"), primary_key=True)
    changed_at: Mapped[datetime]


class FeedPurge(Base):
    """A record deleted from the child's casework, kept so the feed can tell the Department to
    purge it (never dropped silently)."""

    __tablename__ = "feed_purges"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    child_id: Mapped[int] = mapped_column(ForeignKey("children.id"), index=True)
    episode_key: Mapped[str] = mapped_column(String(36))  # the social care episode it sat in
    collection: Mapped[str] = mapped_column(String(40))  # e.g. child_in_need_plans
    record_key: Mapped[str] = mapped_column(String(36))  # e.g. its child_in_need_plan_id
    at: Mapped[datetime]
