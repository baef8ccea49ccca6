"""The casework tables behind the service figures and the statutory returns: referrals (CIN
episodes), assessments, looked-after episodes, their reviews and missing episodes. Field names
follow the CIN census and SSDA903 items they feed (noted beside each)."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, Boolean, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from reference_impl.store.tables import Base

__all__ = ["Assessment", "LookedAfterEpisode", "LookedAfterReview", "MissingEpisode", "Referral"]


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
