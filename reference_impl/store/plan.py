"""The tables of the Child/Young Person's Plan: a child's objectives and the actions under each.

A child has one plan, made of the objectives recorded against the child; the plan needs no row
of its own. An action's `version` rises by one at every accepted update, which names the version
it was made on (PLN-003).
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from reference_impl.store.tables import Base

__all__ = ["PlanAction", "PlanObjective"]


class PlanObjective(Base):
    """An objective of a child's plan."""

    __tablename__ = "plan_objectives"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    child_id: Mapped[int] = mapped_column(ForeignKey("children.id"), index=True)
    title: Mapped[str] = mapped_column(Text)
    created_by: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime]


class PlanAction(Base):
    """An action under an objective, owned by one team or agency of specs/plan.yaml."""

    __tablename__ = "plan_actions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    child_id: Mapped[int] = mapped_column(ForeignKey("children.id"), index=True)
    objective_id: Mapped[int] = mapped_column(ForeignKey("plan_objectives.id"), index=True)
    title: Mapped[str] = mapped_column(Text)
    owner: Mapped[str] = mapped_column(String(64))
    responsible: Mapped[str] = mapped_column(String(100))
    due_date: Mapped[date]
    priority: Mapped[str] = mapped_column(String(32))
    status: Mapped[str] = mapped_column(String(32))
    version: Mapped[int] = mapped_column(Integer)
    created_by: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime]
    updated_by: Mapped[str] = mapped_column(String(64))
    updated_at: Mapped[datetime]
