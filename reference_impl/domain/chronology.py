"""The chronology of a child's record: significant events in the order they happened.

Pure rules: the events come in as plain values, already read from the records; the order is the
spec's (specs/record.yaml `chronology`): the day, then the event kind's place in the spec, then
the source record's id. Nothing in the key depends on when an event was typed in, so a note
written today about last month lands last month, and two reads give the same order.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from accredit.record_spec import RecordRules, chronology_key

__all__ = ["Event", "in_chronological_order"]


@dataclass(frozen=True)
class Event:
    """One significant event: when it happened, its kind and the record it comes from."""

    on: date
    kind: str
    source_type: str
    source_id: int
    summary: str


def in_chronological_order(rules: RecordRules, events: Iterable[Event]) -> list[Event]:
    """Return the events by day, then kind (the spec's order), then source record id."""
    return sorted(events, key=lambda e: chronology_key(rules, e.on, e.kind, e.source_id))
