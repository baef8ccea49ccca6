"""The chronology (REC-002): significant events in the order they happened, whatever order they
were recorded in: by day, then the order of event kinds in specs/record.yaml, then record id."""

from __future__ import annotations

import random
from datetime import date, timedelta
from typing import Any

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import seed as seeded
from hypothesis import strategies as st
from record.record_case import answered_assessment, approve, record_note, record_rules

from accredit.plugin import Recorder
from accredit.record_spec import chronology_key
from accredit.specs import SpecBundle
from accredit.sut import SutClient

from steps import AUTHOR, expect

#: Generated batches of notes per run profile.
EXAMPLES = {"smoke": 3, "full": 12}
#: Notes are dated up to this many days back: few enough days that events share a day.
DAYS_BACK = 20

_Event = tuple[str, str, str, int]  # (day, kind, source type, source id)


def _form_events(form: dict[str, Any]) -> list[_Event]:
    """The events the spec's kinds name for an approved assessment, as its read gives them."""
    return [
        (form["started_on"], "form_started", "form", form["id"]),
        (form["submitted_at"][:10], "form_submitted", "form", form["id"]),
        (form["approved_at"][:10], "form_approved", "form", form["id"]),
    ]


notes_strategy = st.lists(
    st.tuples(st.integers(0, DAYS_BACK), st.booleans()), min_size=1, max_size=6
)


@pytest.mark.requirement("REC-002")
def test_the_chronology_is_in_the_order_events_happened(
    sut: SutClient,
    specs: SpecBundle,
    rng: random.Random,
    seed: int,
    run_profile: str,
    recorder: Recorder,
) -> None:
    """For generated notes (some significant, dated in any order, some on the day of the
    assessment's events), the chronology equals the events sorted by day, kind and id."""
    rules = record_rules(specs)
    client = sut.as_user(AUTHOR)
    form = approve(sut, specs, answered_assessment(client, specs, rng))
    child = form["child_id"]
    expected = [e for e in _form_events(form) if e[1] in {k.id for k in rules.event_kinds}]
    today = date.today()

    @given(notes_strategy)
    @example([(3, True), (DAYS_BACK, True), (0, True), (3, False)])
    @settings(
        max_examples=EXAMPLES[run_profile],
        deadline=None,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    def check(notes: list[tuple[int, bool]]) -> None:
        recorder.take()
        for days, significant in notes:
            day = (today - timedelta(days=days)).isoformat()
            text = f"{'Significant: ' if significant else ''}event of {day}."
            made = record_note(client, child, text, occurred_on=day, significant=significant)
            if significant:
                expected.append(
                    (made.get("occurred_on", day), "note_significant", "note", made["id"])
                )
        read = client.get(f"/children/{child}/chronology")
        expect(read, 200, what="read the chronology")
        got = [
            (e.get("on"), e.get("kind"), e.get("source_type"), e.get("source_id"))
            for e in read.json()
        ]
        wanted = sorted(
            expected, key=lambda e: chronology_key(rules, date.fromisoformat(e[0]), e[1], e[3])
        )
        assert got == wanted, f"expected the events by day, kind and id {wanted}; got {got}"

    seeded(seed)(check)()
