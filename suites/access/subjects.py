"""The records the access matrix is tried on, one builder per subject kind of access.yaml.

Every subject belongs to the team of the harness's author (team A) and is not shared with the
partner agency. A builder returns the values that fill the placeholders of a row's path, body
and query, and a kind names the reads (as the author) that show whether a refused request left
it as it was. A new route whose subject is a kind already here is a row of access.yaml alone;
a new kind of record is one builder below and one entry in `KINDS`.
"""

from __future__ import annotations

import base64
import random
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pytest

from accredit.returns_spec import returns_spec
from accredit.specs import SpecBundle
from accredit.sut import SutClient

from steps import (
    AUTHOR,
    answers_for,
    create_child,
    path_to_locked,
    precondition,
    sample_answer,
)

__all__ = ["KINDS", "Builder", "Case", "SubjectKind", "Subjects"]

#: The form kind the subjects hold (the richest form of the specs).
FORM_KIND = "core_assessment"
#: The age of every child built: inside one band of the form, so a move keeps the band.
AGE = 7
#: A synthetic document, never a real record.
_DOCUMENT = base64.b64encode(b"%PDF-1.4\n% synthetic letter for access checks\n").decode("ascii")
#: The word a subject's case note holds, for the search route.
NOTE_WORD = "allotment"
#: The collection year the management information is read for: one that has ended.
COLLECTION_YEAR = 2025
#: The episode of care a looked-after subject is in (codes of specs/code_lists.yaml).
_EPISODE = {
    "start_date": "2025-04-01",
    "reason_new_episode": "S",
    "legal_status": "C2",
    "category_of_need": "N1",
    "placement_type": "U1",
    "placement_provider": "PR1",
    "home_postcode": "AB1 2CD",
    "placement_postcode": "AB3 4EF",
}


@dataclass(frozen=True)
class Case:
    """What a builder needs: the SUT, the specs, a random source, and who writes the record."""

    sut: SutClient
    specs: SpecBundle
    rng: random.Random
    author: str = AUTHOR

    @property
    def writer(self) -> SutClient:
        return self.sut.as_user(self.author)

    @property
    def team(self) -> str:
        """The team of the record: its author's."""
        team = self.specs.users.user(self.author).team
        assert team is not None, f"{self.author} belongs to no team and writes no records"
        return team


Builder = Callable[[Case], dict[str, Any]]


@dataclass(frozen=True)
class SubjectKind:
    """How to build one kind of subject, the reads that show it unchanged, whether it is a
    child's record (so a role's reach applies) and whether the acting user writes it."""

    build: Builder
    reads: tuple[str, ...] = ()
    concerns_child: bool = True
    #: Built with the acting user as its author when the matrix lets them start a form for the
    #: child: the lifecycle's author rules (only the author submits or deletes) then let the
    #: matrix's answer through unchanged.
    by_actor: bool = False


# --- builders ---------------------------------------------------------------------------------


def _child(case: Case) -> dict[str, Any]:
    child: dict[str, Any] = create_child(case.writer, case.rng, years=AGE, team=case.team)
    return child


def _tenant(case: Case) -> dict[str, Any]:
    returns = returns_spec(case.specs.root)
    table = next(iter(returns.tables))
    return {
        "team": case.team,
        "kind": FORM_KIND,
        "la_code": returns.lea,
        "table": table,
        "collection_year": str(COLLECTION_YEAR),
        "reference_date": f"{COLLECTION_YEAR}-03-31",
        "figures_day": f"{COLLECTION_YEAR}-03-31",
    }


def _child_with_note(case: Case) -> dict[str, Any]:
    child = _child(case)
    precondition(
        case.writer.post(
            f"/children/{child['id']}/notes",
            {"text": f"Home visit: the family talked about their {NOTE_WORD}."},
        ),
        201,
        "record a case note",
    )
    return {"child_id": child["id"], "team": case.team, "kind": FORM_KIND, "note_word": NOTE_WORD}


def _two_children(case: Case) -> dict[str, Any]:
    return {"child_id": _child(case)["id"], "other_child_id": _child(case)["id"]}


def _duplicate_children(case: Case) -> dict[str, Any]:
    child = _child(case)
    fields = ("given_name", "family_name", "date_of_birth", "sex", "team")
    duplicate = precondition(
        case.writer.post("/children", {k: child[k] for k in fields}),
        201,
        "record the same child again (a duplicate record)",
    )
    return {"child_id": child["id"], "duplicate_id": duplicate["id"]}


def _sibling_group(case: Case) -> dict[str, Any]:
    pair = _two_children(case)
    group = precondition(
        case.writer.post(
            "/sibling-groups", {"child_ids": [pair["child_id"], pair["other_child_id"]]}
        ),
        201,
        "declare two children siblings",
    )
    return {"group_id": group["id"]}


def _complete_draft(case: Case, child_id: int | None = None) -> dict[str, Any]:
    """A draft with every mandatory answer, by the case's author."""
    child_id = child_id or _child(case)["id"]
    definition = case.specs.forms[FORM_KIND]
    form = precondition(
        case.writer.post("/forms", {"kind": FORM_KIND, "child_id": child_id}), 201, "start a form"
    )
    answers = answers_for(definition, definition.mandatory(form["age_band"]))
    saved: dict[str, Any] = precondition(
        case.writer.patch(f"/forms/{form['id']}", {"version": form["version"], "answers": answers}),
        200,
        "save the mandatory answers",
    )
    return saved


def _draft_form(case: Case) -> dict[str, Any]:
    form = _complete_draft(case)
    writer = case.writer
    notes = [
        precondition(
            writer.post(f"/children/{form['child_id']}/notes", {"text": text}),
            201,
            "record a case note",
        )
        for text in ("School nurse visit noted.", "Telephoned the health visitor.")
    ]
    form = precondition(
        writer.post(
            f"/forms/{form['id']}/attachments",
            {
                "version": form["version"],
                "name": "Home visit record.pdf",
                "media_type": "application/pdf",
                "content_base64": _DOCUMENT,
            },
        ),
        200,
        "attach a document",
    )
    form = precondition(
        writer.post(
            f"/forms/{form['id']}/links",
            {"version": form["version"], "target_type": "note", "target_id": notes[0]["id"]},
        ),
        200,
        "link a case note",
    )
    definition = case.specs.forms[FORM_KIND]
    question = next(q for q in definition.asked(form["age_band"]) if q.id not in form["answers"])
    return {
        "form_id": form["id"],
        "version": form["version"],
        "child_id": form["child_id"],
        "question": question.id,
        "answer": sample_answer(definition, question.id),
        "attachment_id": form["attachments"][0]["id"],
        "link_id": form["links"][0]["id"],
        "note_id": notes[1]["id"],
        "other_child_id": _child(case)["id"],
        "other_author": _other_writer(case.specs, case.author),
        "document": _DOCUMENT,
        "note_word": "nurse",
    }


def _other_writer(specs: SpecBundle, author: str) -> str:
    users = specs.users
    return next(
        u.key
        for u in users.required_users
        if "form.create" in users.roles[u.role].permissions and u.key != author
    )


def _take(case: Case, form: dict[str, Any], count: int) -> dict[str, Any]:
    """Take the first `count` transitions towards the locked state; return the form."""
    for transition in path_to_locked(case.specs)[:count]:
        actor = _actor_for(case, transition.roles, transition.author, form["author"])
        body = {"reason": "Returned for more detail."} if transition.reason_required else {}
        form = precondition(
            case.sut.as_user(actor).post(f"/forms/{form['id']}/{transition.action}", body),
            200,
            f"{transition.action} the form as {actor}",
        )
    return form


def _actor_for(case: Case, roles: tuple[str, ...], rule: str, author: str) -> str:
    team = case.team
    users = [u for u in case.specs.users.required_users if u.role in roles]
    if rule == "required":
        users = [u for u in users if u.key == author]
    elif rule == "excluded":
        users = [u for u in users if u.key != author]
    users.sort(key=lambda u: u.team != team)
    return users[0].key


def _submitted_form(case: Case) -> dict[str, Any]:
    form = _take(case, _complete_draft(case), 1)
    return {"form_id": form["id"], "version": form["version"], "child_id": form["child_id"]}


def _approved_form(case: Case) -> dict[str, Any]:
    form = _take(case, _complete_draft(case), len(path_to_locked(case.specs)))
    return {"form_id": form["id"], "version": form["version"], "child_id": form["child_id"]}


def _prepopulated_form(case: Case) -> dict[str, Any]:
    """A draft whose family-level answers were copied, with a choice between a declared
    sibling's approved answer and the child's own previous one."""
    pair = _two_children(case)
    case.writer.post("/sibling-groups", {"child_ids": [pair["child_id"], pair["other_child_id"]]})
    locked = len(path_to_locked(case.specs))
    for child_id in (pair["other_child_id"], pair["child_id"]):
        _take(case, _complete_draft(case, child_id), locked)
    form = precondition(
        case.writer.post("/forms", {"kind": FORM_KIND, "child_id": pair["child_id"]}),
        201,
        "start a pre-populated form",
    )
    offered = precondition(
        case.writer.get(f"/forms/{form['id']}/candidates"), 200, "list the candidates"
    )
    if not offered:
        pytest.skip("precondition not met: the new form offers no candidates to choose from")
    first = offered[0]
    return {
        "form_id": form["id"],
        "version": form["version"],
        "child_id": form["child_id"],
        "offered_question": first["question_id"],
        "offered_form_id": first["candidates"][-1]["source_form_id"],
    }


def _audit_entry(case: Case) -> dict[str, Any]:
    form = _complete_draft(case)
    entries = precondition(
        case.writer.get(f"/audit?form_id={form['id']}"), 200, "read the audit trail"
    )
    return {"entry_id": entries[-1]["id"]}


def _plan(case: Case) -> dict[str, Any]:
    """A child's plan with one objective and one action owned by the child's team."""
    child = _child(case)
    base = f"/children/{child['id']}/plan"
    objective = precondition(
        case.writer.post(f"{base}/objectives", {"title": "Be settled at school."}),
        201,
        "add an objective to the plan",
    )
    action = precondition(
        case.writer.post(
            f"{base}/objectives/{objective['id']}/actions",
            {
                "title": "Meet the class teacher.",
                "owner": case.team,
                "responsible": "Orla Fernhollow",
                "due_date": "2030-06-01",
                "priority": "high",
            },
        ),
        201,
        "add an action owned by the child's team",
    )
    return {
        "child_id": child["id"],
        "team": case.team,
        "objective_id": objective["id"],
        "action_id": action["id"],
        "action_version": action["version"],
        "due_date": "2030-07-01",
    }


def _steps(case: Case, form: dict[str, Any]) -> dict[str, Any]:
    """Add an evidence item and a need resting on it to a draft; return the draft's values."""
    base = f"/forms/{form['id']}"
    item = precondition(
        case.writer.post(
            f"{base}/evidence",
            {
                "version": form["version"],
                "kind": "subjective",
                "text": "Mother says he sleeps late.",
            },
        ),
        201,
        "add an evidence item",
    )
    form = precondition(case.writer.get(base), 200, "read the form")
    need = precondition(
        case.writer.post(
            f"{base}/needs",
            {
                "version": form["version"],
                "need": "A bedtime routine.",
                "evidence_ids": [item["id"]],
            },
        ),
        201,
        "add a need",
    )
    form = precondition(case.writer.get(base), 200, "read the form")
    return {
        "form_id": form["id"],
        "version": form["version"],
        "child_id": form["child_id"],
        "need_id": need["id"],
    }


def _assessment_draft(case: Case) -> dict[str, Any]:
    return _steps(case, _complete_draft(case))


def _assessed_form(case: Case) -> dict[str, Any]:
    values = _steps(case, _complete_draft(case))
    form = precondition(case.writer.get(f"/forms/{values['form_id']}"), 200, "read the form")
    _take(case, form, len(path_to_locked(case.specs)))
    return values


def _referral(case: Case) -> dict[str, Any]:
    """A child with an open referral, a finished draft assessment and a child-in-need plan."""
    child = _child(case)
    base = f"/children/{child['id']}"
    referral = precondition(
        case.writer.post(
            f"{base}/referrals",
            {"referral_date": "2025-04-07", "source": "1A", "primary_need": "N1"},
        ),
        201,
        "record a referral",
    )
    assessment = precondition(
        case.writer.post(
            f"{base}/assessments",
            {
                "referral_id": referral["id"],
                "kind": "single",
                "start_date": "2025-04-08",
                "completed_on": "2025-05-15",
            },
        ),
        201,
        "record an assessment",
    )
    plan = precondition(
        case.writer.post(f"/referrals/{referral['id']}/cin-plans", {"start_date": "2025-05-19"}),
        201,
        "record a child-in-need plan",
    )
    return {
        "child_id": child["id"],
        "referral_id": referral["id"],
        "assessment_id": assessment["id"],
        "plan_id": plan["id"],
    }


def _looked_after(case: Case) -> dict[str, Any]:
    """A looked-after child: an open episode of care, a review and a note linked to it."""
    child = _child(case)
    base = f"/children/{child['id']}"
    episode = precondition(
        case.writer.post(f"{base}/looked-after-episodes", _EPISODE), 201, "record an episode"
    )
    review = precondition(
        case.writer.post(f"{base}/reviews", {"review_date": "2025-04-29", "participation": "PN1"}),
        201,
        "record a review",
    )
    precondition(
        case.writer.post(
            f"{base}/notes",
            {
                "text": "Review held; placement stable.",
                "links": [{"target_type": "review", "target_id": review["id"]}],
            },
        ),
        201,
        "record a note linked to the review",
    )
    return {"child_id": child["id"], "episode_id": episode["id"], "review_id": review["id"]}


_CHILD_READS = ("/children/{child_id}", "/children/{child_id}/notes", "/children/{child_id}/forms")
_FORM_READS = ("/forms/{form_id}", "/forms/{form_id}/addenda")

#: Every subject kind access.yaml names, by name.
KINDS: dict[str, SubjectKind] = {
    "tenant": SubjectKind(_tenant, concerns_child=False),
    "child": SubjectKind(_child_with_note, _CHILD_READS),
    "children": SubjectKind(_two_children, ("/children/{child_id}", "/children/{other_child_id}")),
    "duplicate_children": SubjectKind(
        _duplicate_children, ("/children/{child_id}", "/children/{duplicate_id}")
    ),
    "sibling_group": SubjectKind(_sibling_group, ("/sibling-groups/{group_id}",)),
    "draft_form": SubjectKind(_draft_form, _FORM_READS, by_actor=True),
    "submitted_form": SubjectKind(_submitted_form, _FORM_READS),
    "approved_form": SubjectKind(_approved_form, _FORM_READS),
    "prepopulated_form": SubjectKind(_prepopulated_form, _FORM_READS),
    "audit_entry": SubjectKind(_audit_entry, concerns_child=False),
    "plan": SubjectKind(_plan, ("/children/{child_id}/plan",)),
    "assessment_draft": SubjectKind(
        _assessment_draft, ("/forms/{form_id}/evidence", "/forms/{form_id}/needs"), by_actor=True
    ),
    "assessed_form": SubjectKind(_assessed_form, ("/forms/{form_id}/needs",)),
    "referral": SubjectKind(
        _referral, ("/children/{child_id}/referrals", "/children/{child_id}/assessments")
    ),
    "looked_after": SubjectKind(
        _looked_after,
        ("/children/{child_id}/looked-after-episodes", "/children/{child_id}/reviews"),
    ),
}


@dataclass
class Subjects:
    """The subjects of one run, built on first use and kept while nothing changed them: one per
    kind (and author), shared by every row and user that leaves it as it was."""

    sut: SutClient
    specs: SpecBundle
    rng: random.Random
    _built: dict[tuple[str, str], dict[str, Any]] = field(default_factory=dict)

    def get(self, kind: str, author: str = AUTHOR) -> dict[str, Any]:
        """Return the values of a subject of `kind` written by `author`, building it if need be."""
        if kind not in KINDS:
            raise KeyError(
                f"access.yaml names subject {kind!r}; suites/access/subjects.py has no builder"
            )
        key = (kind, author)
        if key not in self._built:
            self._built[key] = KINDS[kind].build(Case(self.sut, self.specs, self.rng, author))
        return self._built[key]

    def spent(self, kind: str, author: str = AUTHOR) -> None:
        """Forget a subject a request changed: the next user gets a fresh one."""
        self._built.pop((kind, author), None)
