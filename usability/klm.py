"""The Keystroke-Level Model: an expert's time for a task, from the operators it takes.

Card, Moran and Newell (CACM 23(7), 1980) predict the time an expert takes for a routine task
as the sum of its physical operators (K keystroke, P pointing at a target, H homing a hand
between mouse and keyboard, B a mouse button pressed or released), the mental preparations (M)
placed among them by the paper's heuristic rules, and the system's response times (R), here
measured in the browser. The operator times are data (`specs/usability.yaml`).

The recorder (`usability.recorder`) notes each physical operator as it performs it, with what
the rules need to know about it; `place_mental_operators` then applies the rules:

- Rule 0: an M before every K and every P, and before a click that needs no pointing (the
  pointer is on the control already: the click itself is the command).
- Rule 1: delete it where the operator is fully anticipated by the one before (pointing at
  the option of a list just opened; typing into the field just clicked is decided with it).
- Rule 2: in a string of keystrokes that forms one cognitive unit (a note, a phrase, a
  password) keep only the first M.
- Rules 3 and 4: delete it before a keystroke that only terminates what came before (an Enter
  after a command argument).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace

__all__ = [
    "MODELLED",
    "Operator",
    "compress",
    "place_mental_operators",
    "predicted_seconds",
    "sequence_text",
]

#: The operators whose times the model gives; R (response) is measured.
MODELLED = ("K", "P", "H", "M", "B")


@dataclass(frozen=True)
class Operator:
    """One operator of a task: its kind, how many in a row, the step it belongs to.

    `seconds` is set for R (the measured response). `command` marks a click made without
    pointing first; `anticipated`, `continues` and `terminator` carry what the M placement
    rules need to know about a K or P.
    """

    kind: str
    step: str
    count: int = 1
    seconds: float | None = None
    note: str = ""
    command: bool = False
    anticipated: bool = False
    continues: bool = False
    terminator: bool = False


def place_mental_operators(operators: Sequence[Operator]) -> list[Operator]:
    """Return the operators with an M before each K and P the heuristic rules keep it for."""
    placed: list[Operator] = []
    for operator in operators:
        wants_m = operator.kind in ("K", "P") or (operator.kind == "B" and operator.command)
        if wants_m and not (operator.anticipated or operator.continues or operator.terminator):
            placed.append(Operator("M", operator.step))
        placed.append(operator)
    return placed


def predicted_seconds(operators: Iterable[Operator], times: Mapping[str, float]) -> float:
    """Return the model's time: each operator's time (measured for R) times its count."""
    total = 0.0
    for operator in operators:
        if operator.kind == "R":
            total += operator.seconds or 0.0
        else:
            total += times[operator.kind] * operator.count
    return total


def compress(operators: Iterable[Operator]) -> list[Operator]:
    """Return the sequence with runs of the same operator of one step joined (K K K -> K×3)."""
    joined: list[Operator] = []
    for operator in operators:
        last = joined[-1] if joined else None
        if (
            last is not None
            and operator.kind == last.kind
            and operator.step == last.step
            and operator.kind in ("K", "B")
            and operator.note == last.note
        ):
            joined[-1] = replace(last, count=last.count + operator.count)
        else:
            joined.append(operator)
    return joined


def sequence_text(operators: Iterable[Operator]) -> str:
    """Return the sequence as people write it: `M P B×2 H M K×12 R(0.04)`."""
    parts = []
    for operator in operators:
        if operator.kind == "R":
            parts.append(f"R({operator.seconds or 0:.2f})")
        elif operator.count > 1:
            parts.append(f"{operator.kind}×{operator.count}")
        else:
            parts.append(operator.kind)
    return " ".join(parts)
