"""Pre-population run again into a draft: blank answers filled from the child's latest locked
form of the same kind and band, as its approved addenda correct it.

A snapshot, never a live link; a worker's own answers are never overwritten; a locked form is
never a target (its lock refuses the run before this is reached).
"""

from __future__ import annotations

from collections.abc import Mapping

from accredit.specs import FormDefinition
from reference_impl.domain.answers import AnswerValue, is_answered

__all__ = ["carried_forward"]


def carried_forward(
    definition: FormDefinition,
    band: str,
    current: Mapping[str, AnswerValue],
    source: Mapping[str, AnswerValue],
) -> dict[str, AnswerValue]:
    """Return `current` with each blank question asked in `band` answered from `source`.

    Answers come back in form order; a question the band does not ask is never carried.
    """
    asked = {q.id for q in definition.asked(band)}
    filled = dict(current)
    for question_id, value in source.items():
        if question_id in asked and not is_answered(filled.get(question_id)):
            filled[question_id] = value
    return {q.id: filled[q.id] for q in definition.questions if q.id in filled}
