"""The form lifecycle: which change is allowed, to whom, from which state (lifecycle.yaml).

Every function here answers a question about one request and returns either what to do or a
`Refusal`; the order of the checks is the order of the conformance API, so that the same
request gets the same refusal from the reference and from the harness's oracle.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from accredit.specs import Lifecycle, State, Transition
from reference_impl.domain.access import (
    ADMINISTRATOR_ROLE,
    FORM_DELETE,
    FORM_EDIT,
    Actor,
    permission_refusal,
)
from reference_impl.domain.refusal import (
    FORBIDDEN,
    FORM_LOCKED,
    FORM_NOT_EDITABLE,
    FOUR_EYES,
    INVALID_TRANSITION,
    REASON_REQUIRED,
    Refusal,
)

__all__ = [
    "MANDATORY_ANSWERS_CHECK",
    "PREPOPULATION_CONFIRMED_CHECK",
    "FormStamps",
    "delete_refusal",
    "edit_refusal",
    "evidence_refusal",
    "locked_forms_refusal",
    "locked_refusal",
    "stamps_after",
    "transition_for",
]

#: The transition check (lifecycle.schema.json) that demands every mandatory answer.
MANDATORY_ANSWERS_CHECK = "mandatory_answers"
#: The check that refuses a form whose mandatory answers are still unconfirmed copies.
PREPOPULATION_CONFIRMED_CHECK = "prepopulation_confirmed"


@dataclass(frozen=True)
class FormStamps:
    """The parts of a form a transition records: when and by whom it moved."""

    submitted_at: datetime | None
    approved_at: datetime | None
    approved_by: str | None
    returned_reason: str | None


def locked_refusal(state: State) -> Refusal | None:
    """Return `form_locked` when the form's state is locked: nothing may change it, ever."""
    if not state.locked:
        return None
    return Refusal(
        FORM_LOCKED,
        f"the form is {state.id} and locked: it can never change again; "
        "record a correction as an addendum",
    )


def locked_forms_refusal(
    lifecycle: Lifecycle, forms: list[tuple[int, str]], doing: str
) -> Refusal | None:
    """Return `form_locked` naming every locked form among (form id, state) pairs, or None.

    For the requests that change many forms at once (a bulk update, a merge of children):
    one locked form refuses the whole request, so nothing changes.
    """
    locked = [form_id for form_id, state in forms if lifecycle.state(state).locked]
    if not locked:
        return None
    names = ", ".join(map(str, locked))
    return Refusal(
        FORM_LOCKED,
        f"{doing} would change locked form(s) {names}: a locked form can never change; "
        "record a correction as an addendum",
        tuple(str(form_id) for form_id in locked),
    )


def _not_editable(lifecycle: Lifecycle, state: State, doing: str) -> Refusal:
    editable = ", ".join(s.id for s in lifecycle.states if s.editable) or "no state"
    return Refusal(
        FORM_NOT_EDITABLE, f"the form is {state.id}: only a form in {editable} can be {doing}"
    )


def edit_refusal(lifecycle: Lifecycle, state: State, actor: Actor) -> Refusal | None:
    """Return why `actor` may not change the answers of a form in `state`, or None.

    Order: locked (before anything else, so even the administrator hears form_locked), then
    the form.edit permission, then whether the state is editable.
    """
    refusal = locked_refusal(state) or permission_refusal(actor, FORM_EDIT)
    if refusal is None and not state.editable:
        refusal = _not_editable(lifecycle, state, "changed")
    return refusal


def evidence_refusal(lifecycle: Lifecycle, state: State, actor: Actor) -> Refusal | None:
    """Return why `actor` may not attach a document to, or link a note from, a form in `state`.

    Order: locked, the form.edit permission, then whether the state is open to evidence (a
    manager reviewing a submitted form may still attach what the decision rests on).
    """
    refusal = locked_refusal(state) or permission_refusal(actor, FORM_EDIT)
    if refusal is None and not state.evidence:
        open_states = ", ".join(s.id for s in lifecycle.states if s.evidence) or "no state"
        refusal = Refusal(
            FORM_NOT_EDITABLE,
            f"the form is {state.id}: documents and links change only in {open_states}",
        )
    return refusal


def delete_refusal(lifecycle: Lifecycle, state: State, actor: Actor, author: str) -> Refusal | None:
    """Return why `actor` may not delete a form by `author` in `state`, or None.

    Order: locked, the form.delete permission, author or administrator, editable state.
    """
    refusal = locked_refusal(state) or permission_refusal(actor, FORM_DELETE)
    if refusal is None and actor.key != author and actor.role != ADMINISTRATOR_ROLE:
        refusal = Refusal(
            FORBIDDEN, f"only the form's author ({author}) or an administrator may delete it"
        )
    if refusal is None and not state.editable:
        refusal = _not_editable(lifecycle, state, "deleted")
    return refusal


def transition_for(
    lifecycle: Lifecycle,
    action: str,
    state: State,
    actor: Actor,
    author: str,
    reason: str | None,
) -> Transition | Refusal:
    """Return the transition `actor` may take with `action` on a form in `state`, or a Refusal.

    Order: locked, a transition for (action, state), the actor's role, the author rule
    (required: the author only; excluded: never the author, "four eyes"), then the reason.
    The version and the transition's checks (mandatory answers) come after, in the caller.
    """
    locked = locked_refusal(state)
    if locked is not None:
        return locked
    transition = lifecycle.transition(action, state.id)
    if transition is None:
        return Refusal(INVALID_TRANSITION, f"there is no {action!r} from state {state.id!r}")
    if actor.role not in transition.roles:
        return Refusal(
            FORBIDDEN,
            f"role {actor.role} may not {action} a form; allowed: {', '.join(transition.roles)}",
        )
    if transition.author == "required" and actor.key != author:
        return Refusal(FORBIDDEN, f"only the form's author ({author}) may {action} it")
    if transition.author == "excluded" and actor.key == author:
        return Refusal(
            FOUR_EYES,
            f"the author cannot {action} their own form: another user must (four eyes)",
        )
    if transition.reason_required and not (reason and reason.strip()):
        return Refusal(REASON_REQUIRED, f"a reason is required to {action} a form")
    return transition


def stamps_after(
    lifecycle: Lifecycle,
    transition: Transition,
    before: FormStamps,
    actor: Actor,
    reason: str | None,
    now: datetime,
) -> FormStamps:
    """Return what a form records after `transition` by `actor` at `now`.

    Leaving the initial state is a submission (its time; any earlier return reason cleared);
    arriving in the initial state is a return (its reason); arriving in a locked state is an
    approval (its time and approver).
    """
    stamps = before
    if transition.from_state == lifecycle.initial:
        stamps = FormStamps(now, stamps.approved_at, stamps.approved_by, None)
    if transition.to_state == lifecycle.initial:
        stamps = FormStamps(stamps.submitted_at, stamps.approved_at, stamps.approved_by, reason)
    if lifecycle.state(transition.to_state).locked:
        stamps = FormStamps(stamps.submitted_at, now, actor.key, stamps.returned_reason)
    return stamps
