"""Checks the casework routes share: a day the calendar covers and that has happened, a code of
a DfE code list (specs/code_lists.yaml), a span that does not end before it starts."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy.orm import Session

from accredit.casework_spec import CaseworkSpec, casework_spec
from accredit.specs import SpecBundle, did_you_mean
from reference_impl.api.errors import ApiError, invalid_request
from reference_impl.store.statutory import ChildFeedState

__all__ = ["check_code", "check_day", "check_span", "conflict", "spec_of", "touch"]


def spec_of(specs: SpecBundle) -> CaseworkSpec:
    """Return the casework specs of the bundle the reference serves."""
    return casework_spec(specs.root)


def check_day(spec: CaseworkSpec, field: str, day: date | None, today: date) -> None:
    """Refuse a day outside the calendar (working days cannot be counted there) or to come."""
    if day is None:
        return
    calendar = spec.calendar
    if not calendar.covers(day):
        raise invalid_request(
            field,
            f"date out of range: {day} is outside the working-day calendar "
            f"({calendar.first} to {calendar.last})",
        )
    if day > today:
        raise invalid_request(field, f"date out of range: {day} is in the future")


def check_code(spec: CaseworkSpec, field: str, value: str | None, code_list: str) -> None:
    """Refuse a value that is not a code of the named DfE code list."""
    if value is None:
        return
    codes = spec.codes[code_list]
    if value not in codes:
        raise invalid_request(
            field,
            f"{value!r} is not a {code_list.replace('_', ' ')} code{did_you_mean(value, codes)}; "
            f"valid codes ({spec.collection_year}): {', '.join(codes)}",
        )


def check_span(start_field: str, start: date, end_field: str, end: date | None) -> None:
    """Refuse an end before the start."""
    if end is not None and end < start:
        raise invalid_request(end_field, f"{end} is before {start_field} {start}")


def conflict(code: str, message: str) -> ApiError:
    """Return the 409 for a record that contradicts one already stored."""
    return ApiError(409, code, message)


def touch(session: Session, child_id: int, now: datetime) -> None:
    """Note that the child's casework changed now: the daily feed's next delta carries it."""
    state = session.get(ChildFeedState, child_id) or ChildFeedState(child_id=child_id)
    state.changed_at = now
    session.add(state)
