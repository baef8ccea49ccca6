"""The seeded truth of the service figures, computed by the harness from the specs alone
(specs/calendar.yaml, specs/service_figures.yaml): never by asking the product, never by the
reference's own functions. Deliberately plain: count days one by one.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta

from accredit.casework_spec import CaseworkSpec

__all__ = [
    "Episode",
    "SeededAssessment",
    "SeededChild",
    "Truth",
    "months_later",
    "nth_working_day_after",
    "truth_on",
    "working_day",
]


def working_day(spec: CaseworkSpec, day: date) -> bool:
    """Return whether `day` is a working day: not a weekend day, not a bank holiday."""
    return day.weekday() not in spec.calendar.weekend and day not in spec.calendar.bank_holidays


def nth_working_day_after(spec: CaseworkSpec, start: date, count: int) -> date:
    """Return the `count`-th working day after `start`."""
    day, seen = start, 0
    for _ in range(count * 7 + 30):  # bounded: no run of non-working days is that long
        if seen == count:
            return day
        day += timedelta(days=1)
        seen += working_day(spec, day)
    if seen == count:
        return day
    raise AssertionError(f"no {count}th working day after {start} within the bound")


def nth_working_day_before(spec: CaseworkSpec, end: date, count: int) -> date:
    """Return the day whose `count`-th working day after is `end` (a working day)."""
    day, seen = end, 0
    for _ in range(count * 7 + 30):
        if seen == count:
            return day
        day -= timedelta(days=1)
        if working_day(spec, day + timedelta(days=1)):
            seen += 1
    raise AssertionError(f"no day {count} working days before {end} within the bound")


def months_later(day: date, months: int) -> date:
    """Return the same day `months` later, or the last day of that month."""
    month0 = day.month - 1 + months
    year, month = day.year + month0 // 12, month0 % 12 + 1
    for candidate in (day.day, 30, 29, 28):
        try:
            return date(year, month, min(day.day, candidate))
        except ValueError:
            continue
    raise AssertionError(f"no day in {year}-{month}")


@dataclass(frozen=True)
class Episode:
    start: date
    end: date | None = None


@dataclass(frozen=True)
class SeededAssessment:
    kind: str
    start: date
    completed_on: date | None  # the worker's day
    authorised_on: date | None  # None: a draft


@dataclass
class SeededChild:
    label: str  # what the case is there to test
    child_id: int = 0
    referrals: list[tuple[date, date | None]] = field(default_factory=list)
    assessments: list[tuple[int, SeededAssessment]] = field(default_factory=list)  # referral index
    episodes: list[Episode] = field(default_factory=list)
    reviews: list[date] = field(default_factory=list)


@dataclass(frozen=True)
class Truth:
    open_cases: dict[str, int]
    assessments_completed: int
    assessments_within: int
    looked_after: int
    overdue: frozenset[int]


def _care_start_on(episodes: Iterable[Episode], on: date) -> date | None:
    """Return the start of the period of care the child is in on `on`, or None. A period is a
    run of episodes each starting on or before the day the one before ended."""
    periods: list[list[date | None]] = []
    for episode in sorted(episodes, key=lambda e: e.start):
        last = periods[-1] if periods else None
        if last is not None and last[1] is None:
            continue
        if last is not None and last[1] is not None and episode.start <= last[1]:
            last[1] = None if episode.end is None else max(episode.end, last[1])
        else:
            periods.append([episode.start, episode.end])
    for start, end in periods:
        assert start is not None
        if start <= on and (end is None or on < end):
            return start
    return None


def _overdue(spec: CaseworkSpec, care_start: date, reviews: list[date], on: date) -> bool:
    schedule = spec.figures.reviews
    due = nth_working_day_after(spec, care_start, schedule.first_working_days)
    held = sorted(r for r in reviews if care_start <= r <= on)
    for index, review in enumerate(held):
        due = months_later(
            review, schedule.second_months if index == 0 else schedule.subsequent_months
        )
    return due < on


def truth_on(spec: CaseworkSpec, children: Iterable[SeededChild], on: date) -> Truth:
    """Return what the figures on `on` must say about exactly these children."""
    figures = spec.figures
    counts = dict.fromkeys(figures.statuses, 0)
    year = date(on.year, *figures.year_start)
    year_from = year if year <= on else date(on.year - 1, *figures.year_start)
    completed = within = looked_after = 0
    overdue: set[int] = set()
    for child in children:
        care_start = _care_start_on(child.episodes, on)
        in_need = any(r <= on and (c is None or on < c) for r, c in child.referrals)
        status = {"looked_after": care_start is not None, "child_in_need": in_need}
        first = next((s for s in figures.statuses if status[s]), None)
        if first is not None:
            counts[first] += 1
        if care_start is not None:
            looked_after += 1
            if _overdue(spec, care_start, child.reviews, on):
                overdue.add(child.child_id)
        for referral_index, assessment in child.assessments:
            done = assessment.authorised_on
            if done is None or not year_from <= done <= on:
                continue
            completed += 1
            timescale = figures.profile.assessments[assessment.kind]
            anchor = (
                child.referrals[referral_index][0]
                if timescale.anchor == "referral"
                else assessment.start
            )
            within += done <= nth_working_day_after(spec, anchor, timescale.working_days)
    return Truth(counts, completed, within, looked_after, frozenset(overdue))
