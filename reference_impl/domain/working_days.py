"""Working days and calendar months, as the timescales count them (specs/service_figures.yaml).

Pure functions over a `Calendar` (specs/calendar.yaml): no HTTP, no SQL.
"""

from __future__ import annotations

import calendar as gregorian
from datetime import date, timedelta

from accredit.casework_spec import Calendar

__all__ = ["OutsideCalendarError", "add_months", "add_working_days", "is_working_day"]


class OutsideCalendarError(ValueError):
    """A day the calendar does not cover: nobody can say whether it is a working day."""


def is_working_day(day: date, calendar: Calendar) -> bool:
    """Return whether `day` is neither a weekend day nor a bank holiday."""
    if not calendar.covers(day):
        raise OutsideCalendarError(
            f"{day} is outside the calendar ({calendar.first} to {calendar.last})"
        )
    return day.weekday() not in calendar.weekend and day not in calendar.bank_holidays


def add_working_days(start: date, count: int, calendar: Calendar) -> date:
    """Return the `count`-th working day after `start` (`start` itself is day 0, whatever it is)."""
    if count < 0:
        raise ValueError("count must not be negative")
    day = start
    while count:
        day += timedelta(days=1)
        if is_working_day(day, calendar):
            count -= 1
    return day


def add_months(start: date, months: int) -> date:
    """Return the same day `months` later, or that month's last day where it is shorter."""
    index = start.month - 1 + months
    year, month = start.year + index // 12, index % 12 + 1
    return date(year, month, min(start.day, gregorian.monthrange(year, month)[1]))
