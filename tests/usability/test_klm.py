"""The Keystroke-Level Model: operator times from the spec, M placed by the heuristic rules."""

from __future__ import annotations

import pytest

from accredit.usability_spec import read_usability
from usability.klm import (
    Operator,
    compress,
    place_mental_operators,
    predicted_seconds,
    sequence_text,
)
from usability.recorder import keys_for

TIMES = read_usability().operators


def test_the_operator_times_are_the_papers() -> None:
    assert dict(TIMES) == {"K": 0.28, "P": 1.1, "H": 0.4, "M": 1.35, "B": 0.1}


def test_an_m_goes_before_pointing_at_a_command_and_before_a_typed_string_once() -> None:
    """Rule 0 puts an M before each P and K; rule 2 keeps one for a string of keys."""
    raw = [
        Operator("P", "a"),
        Operator("B", "a", count=2),
        Operator("H", "a"),
        Operator("K", "a"),
        Operator("K", "a", continues=True),
        Operator("K", "a", continues=True),
    ]
    assert sequence_text(compress(place_mental_operators(raw))) == "M P B×2 H M K×3"


def test_an_anticipated_operator_and_a_terminator_get_no_m() -> None:
    """Rule 1 (pointing at the option of a list just opened) and rules 3 and 4."""
    raw = [
        Operator("P", "a"),
        Operator("B", "a", count=2),
        Operator("P", "a", anticipated=True),
        Operator("B", "a", count=2),
        Operator("K", "b"),
        Operator("K", "b", terminator=True),
    ]
    kinds = [o.kind for o in place_mental_operators(raw)]
    assert kinds == ["M", "P", "B", "P", "B", "M", "K", "K"]


def test_a_click_without_pointing_is_a_command_with_its_own_m() -> None:
    raw = [Operator("B", "a", count=2, command=True)]
    assert [o.kind for o in place_mental_operators(raw)] == ["M", "B"]


def test_the_predicted_time_is_the_sum_of_the_operators_and_the_measured_responses() -> None:
    sequence = [
        Operator("M", "a"),
        Operator("P", "a"),
        Operator("B", "a", count=2),
        Operator("R", "a", seconds=0.25),
        Operator("K", "b", count=10),
    ]
    assert predicted_seconds(sequence, TIMES) == pytest.approx(1.35 + 1.1 + 0.2 + 0.25 + 2.8)


@pytest.mark.parametrize(
    ("text", "keys"), [("abc", 3), ("Abc", 4), ("sw_a", 5), ("£5!", 5), ("", 0), ("a\nb", 3)]
)
def test_a_shift_counts_as_a_key(text: str, keys: int) -> None:
    assert keys_for(text) == keys


def test_runs_of_one_step_are_joined_and_other_steps_kept_apart() -> None:
    sequence = [Operator("K", "a"), Operator("K", "a"), Operator("K", "b")]
    assert [(o.step, o.count) for o in compress(sequence)] == [("a", 2), ("b", 1)]
