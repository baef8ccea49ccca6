"""Addenda: corrections to a locked form, made as new forms linked to it (lockdown.yaml).

An addendum never changes its parent. It answers questions of the parent's form (the
corrections) and goes through the same lifecycle; at submission it needs at least the spec's
minimum of answers instead of the parent's mandatory ones.
"""

from __future__ import annotations

from collections.abc import Mapping

from accredit.specs import State
from reference_impl.domain.access import FORM_CREATE, Actor, permission_refusal
from reference_impl.domain.answers import AnswerValue, is_answered
from reference_impl.domain.refusal import ADDENDUM_EMPTY, FORM_NOT_LOCKED, Refusal

__all__ = ["addendum_refusal", "corrected_answers", "empty_addendum_refusal"]


def addendum_refusal(parent_state: State, actor: Actor) -> Refusal | None:
    """Return why `actor` may not add an addendum to a form in `parent_state`, or None.

    Order: the form.create permission, then the parent must be locked (a form that is not
    locked is corrected by editing it, or by returning it to its author).
    """
    refusal = permission_refusal(actor, FORM_CREATE)
    if refusal is None and not parent_state.locked:
        refusal = Refusal(
            FORM_NOT_LOCKED,
            f"the form is {parent_state.id}: only a locked form takes addenda; "
            "correct it before it is approved",
        )
    return refusal


def empty_addendum_refusal(minimum: int, answers: Mapping[str, AnswerValue]) -> Refusal | None:
    """Return `addendum_empty` unless an addendum carries at least `minimum` answers."""
    given = sum(1 for value in answers.values() if is_answered(value))
    if given >= minimum:
        return None
    return Refusal(
        ADDENDUM_EMPTY,
        f"an addendum corrects at least {minimum} answer(s) of its form; it has {given}",
    )


def corrected_answers(
    original: Mapping[str, AnswerValue], addenda: list[Mapping[str, AnswerValue]]
) -> dict[str, AnswerValue]:
    """Return a locked form's answers as its approved addenda correct them, oldest first."""
    corrected = dict(original)
    for answers in addenda:
        corrected.update({q: v for q, v in answers.items() if is_answered(v)})
    return corrected
