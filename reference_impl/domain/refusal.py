"""A refusal: the domain's answer when a rule forbids what a user asked for."""

from __future__ import annotations

from dataclasses import dataclass

__all__ = [
    "ADDENDUM_EMPTY",
    "AGE_BAND_NOT_DEFINED",
    "FORBIDDEN",
    "FORM_LOCKED",
    "FORM_NOT_EDITABLE",
    "FORM_NOT_LOCKED",
    "FOUR_EYES",
    "INVALID_ANSWER",
    "INVALID_TRANSITION",
    "MANDATORY_MISSING",
    "NOT_FOUND",
    "NOT_PREPOPULATED",
    "PREPOPULATION_UNCONFIRMED",
    "REASON_REQUIRED",
    "UNKNOWN_CANDIDATE",
    "UNKNOWN_QUESTION",
    "Refusal",
]

# The error codes of the conformance API that a domain rule can produce.
FORBIDDEN = "forbidden"
#: A record outside the user's reach answers as if it did not exist (access.yaml, hidden).
NOT_FOUND = "not_found"
FOUR_EYES = "four_eyes"
FORM_LOCKED = "form_locked"
FORM_NOT_EDITABLE = "form_not_editable"
FORM_NOT_LOCKED = "form_not_locked"
ADDENDUM_EMPTY = "addendum_empty"
INVALID_TRANSITION = "invalid_transition"
REASON_REQUIRED = "reason_required"
MANDATORY_MISSING = "mandatory_missing"
UNKNOWN_QUESTION = "unknown_question"
INVALID_ANSWER = "invalid_answer"
AGE_BAND_NOT_DEFINED = "age_band_not_defined"
PREPOPULATION_UNCONFIRMED = "prepopulation_unconfirmed"
NOT_PREPOPULATED = "not_prepopulated"
UNKNOWN_CANDIDATE = "unknown_candidate"


@dataclass(frozen=True)
class Refusal:
    """Why a request is refused: a snake_case `code`, a sentence, and the items concerned.

    `details` holds question ids (mandatory_missing) or (field, problem) pairs (answers).
    """

    code: str
    message: str
    details: tuple[str | tuple[str, str], ...] = ()
