"""Tables of the case record around the forms: the six steps of a core assessment (evidence
items, needs with their links, outcomes recorded at review), case notes' links to other records
and the significance flag of a note.

A need's links are lists of ids kept with the need (its evidence items, its plan actions with
an optional text snapshot): one read of the need gives them all.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from reference_impl.store.tables import Base

__all__ = ["EvidenceItem", "Need", "NeedOutcome", "NoteLink", "NoteSignificance"]


class EvidenceItem(Base):
    """An item of evidence of an assessment, marked objective or subjective (the mark is kept)."""

    __tablename__ = "assessment_evidence"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    form_id: Mapped[int] = mapped_column(ForeignKey("forms.id"), index=True)
    kind: Mapped[str] = mapped_column(String(32))
    text: Mapped[str] = mapped_column(Text)
    source: Mapped[str | None] = mapped_column(Text)
    added_by: Mapped[str] = mapped_column(String(64))
    added_at: Mapped[datetime]


class Need(Base):
    """A need of an assessment: its analysis, the evidence it rests on, the plan actions that
    meet it and the outcome planned."""

    __tablename__ = "assessment_needs"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    form_id: Mapped[int] = mapped_column(ForeignKey("forms.id"), index=True)
    need: Mapped[str] = mapped_column(Text)
    analysis: Mapped[str] = mapped_column(Text)
    planned_outcome: Mapped[str] = mapped_column(Text)
    # Ids of evidence items of the same form, in the order the worker gave them.
    evidence_ids: Mapped[list[Any]] = mapped_column(JSON, default=list)
    # [{"action_id": int, "text": str | None}]: actions of the child's plan.
    actions: Mapped[list[Any]] = mapped_column(JSON, default=list)
    added_by: Mapped[str] = mapped_column(String(64))
    added_at: Mapped[datetime]
    updated_at: Mapped[datetime]


class NeedOutcome(Base):
    """An actual outcome of a need, recorded at review: a new record, never a change of the
    approved assessment."""

    __tablename__ = "assessment_outcomes"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    need_id: Mapped[int] = mapped_column(ForeignKey("assessment_needs.id"), index=True)
    rating: Mapped[str] = mapped_column(String(32))
    text: Mapped[str] = mapped_column(Text)
    review_id: Mapped[int | None] = mapped_column()
    recorded_at: Mapped[datetime]
    recorded_by: Mapped[str] = mapped_column(String(64))


class NoteLink(Base):
    """A case note's link to the record it speaks of: a form, a plan action or a review."""

    __tablename__ = "note_links"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    note_id: Mapped[int] = mapped_column(ForeignKey("notes.id"), index=True)
    target_type: Mapped[str] = mapped_column(String(32))
    target_id: Mapped[int] = mapped_column(index=True)


class NoteSignificance(Base):
    """A case note flagged significant: it appears in the child's chronology."""

    __tablename__ = "note_significance"

    note_id: Mapped[int] = mapped_column(ForeignKey("notes.id"), primary_key=True)
    flagged_by: Mapped[str] = mapped_column(String(64))
    flagged_at: Mapped[datetime]
