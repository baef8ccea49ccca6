"""Looked-after children: periods of care and when each review falls due (SI 2010/959 reg. 33).

A period of care is a run of episodes each starting on the day the one before ended. Its first
review is due a number of working days after it starts, the second some months after the first
review, later ones some months after the one before (specs/service_figures.yaml). Pure rules.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date

from accredit.casework_spec import Calendar, ReviewSchedule
from reference_impl.domain.working_days import add_months, add_working_days

__all__ = ["Span", "next_review_due", "period_of_care_on", "periods_of_care", "review_overdue"]


@dataclass(frozen=True)
class Span:
    """An episode or a period of care: from `start` to `end` (None while it lasts)."""

    start: date
    end: date | None

    def open_on(self, day: date) -> bool:
        """Return whether the child is looked after on `day` under this span.

        The day an episode ends the child is no longer looked after under it.
        """
        return self.start <= day and (self.end is None or day < self.end)


def periods_of_care(episodes: Iterable[Span]) -> list[Span]:
    """Return the periods of care the episodes make, in order."""
    periods: list[Span] = []
    for episode in sorted(episodes, key=lambda e: e.start):
        last = periods[-1] if periods else None
        if last is not None and last.end is not None and episode.start <= last.end:
            end = None if episode.end is None else max(episode.end, last.end)
            periods[-1] = Span(last.start, end)
        elif last is not None and last.end is None:
            continue  # an open period swallows whatever starts inside it
        else:
            periods.append(episode)
    return periods


def period_of_care_on(episodes: Iterable[Span], day: date) -> Span | None:
    """Return the period of care the child is in on `day`, or None."""
    return next((p for p in periods_of_care(episodes) if p.open_on(day)), None)


def next_review_due(
    period_start: date,
    reviews: Sequence[date],
    on: date,
    schedule: ReviewSchedule,
    calendar: Calendar,
) -> date:
    """Return the date the next review is due, as it stands on `on`: reviews held in the period
    (on or after its start) and by `on` each move the due date on."""
    due = add_working_days(period_start, schedule.first_working_days, calendar)
    held = sorted(r for r in reviews if period_start <= r <= on)
    for number, review in enumerate(held, start=1):
        months = schedule.second_months if number == 1 else schedule.subsequent_months
        due = add_months(review, months)
    return due


def review_overdue(
    period_start: date,
    reviews: Sequence[date],
    on: date,
    schedule: ReviewSchedule,
    calendar: Calendar,
) -> bool:
    """Return whether a review is overdue on `on`: its due date has passed without one."""
    return next_review_due(period_start, reviews, on, schedule, calendar) < on
