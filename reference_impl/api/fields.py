"""Field types the request schemas share: calendar dates, and text a database can keep."""

from __future__ import annotations

import re
from datetime import date
from typing import Annotated

from pydantic import AfterValidator, BeforeValidator, Field, StrictInt

from reference_impl.domain.answers import text_problem

__all__ = [
    "MAX_TEXT_CHARS",
    "CalendarDate",
    "Id",
    "Name",
    "NoteText",
    "ReasonText",
    "parse_calendar_date",
]

_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
#: The longest case note (and return reason) kept whole (FUN-004).
MAX_TEXT_CHARS = 32_000


def _calendar_date(value: object) -> object:
    # Only "YYYY-MM-DD": no timestamps, no numbers, so a date never meets a time zone.
    if isinstance(value, date):
        return value
    if not isinstance(value, str) or not _ISO_DATE.fullmatch(value):
        raise ValueError("invalid date: expected YYYY-MM-DD")
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise ValueError(f"invalid date: {value} is not a calendar date") from None


def parse_calendar_date(value: str) -> date:
    """Return the day a "YYYY-MM-DD" text names; raise ValueError saying what is wrong."""
    parsed = _calendar_date(value)
    assert isinstance(parsed, date)
    return parsed


def _valid_text(limit: int) -> AfterValidator:
    def check(value: str) -> str:
        problem = text_problem(value, limit)
        if problem is not None:
            raise ValueError(problem)
        return value

    return AfterValidator(check)


def _not_blank(value: str) -> str:
    if not value.strip():
        raise ValueError("must not be blank")
    return value


#: A calendar date as "YYYY-MM-DD".
CalendarDate = Annotated[date, BeforeValidator(_calendar_date)]
#: A person's given or family name.
Name = Annotated[
    str, Field(min_length=1, max_length=100), _valid_text(100), AfterValidator(_not_blank)
]
#: The text of a case note, kept exactly as sent.
NoteText = Annotated[
    str, Field(min_length=1, max_length=MAX_TEXT_CHARS), _valid_text(MAX_TEXT_CHARS)
]
#: Why a form is returned.
ReasonText = Annotated[str, Field(max_length=MAX_TEXT_CHARS), _valid_text(MAX_TEXT_CHARS)]
#: An id in a request body.
Id = StrictInt
