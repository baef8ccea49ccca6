"""Case notes linked to the records they speak of (REC-001): each linked record lists the note
at the path of specs/record.yaml; a bad link target or an oversized note is refused with a 4xx
naming it, and no note is kept.

Forms, plan actions and reviews are real records of the child, built through their routes; a
target type whose records the suite cannot build is linked by a generated id.
"""

from __future__ import annotations

import random
import re

import pytest
from record.record_case import answered_assessment, plan_action, record_note, record_rules

from accredit.specs import SpecBundle
from accredit.sut import SutClient

from steps import AUTHOR, create_child, expect, precondition

#: The longest note the contract keeps whole (FUN-004).
LONGEST_NOTE = 32_000


def _notes_path(template: str, record_id: int) -> str:
    return re.sub(r"\{[a-z_]+\}", str(record_id), template)


def _listed(client: SutClient, path: str) -> list[object]:
    got = client.get(path)
    expect(got, 200, what=f"list the notes at {path}")
    return [n.get("id") for n in got.json()]


#: An episode of care (codes of specs/code_lists.yaml) for the reviews a note is linked to.
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


def _reviews(client: SutClient, child: int) -> tuple[int, int]:
    """Record the child looked after and two reviews of it (preconditions); return their ids."""
    base = f"/children/{child}"
    precondition(client.post(f"{base}/looked-after-episodes", _EPISODE), 201, "record care")
    first, second = (
        precondition(
            client.post(f"{base}/reviews", {"review_date": day, "participation": "PN1"}),
            201,
            "record a review",
        )
        for day in ("2025-04-29", "2025-07-29")
    )
    return int(first["id"]), int(second["id"])


@pytest.mark.requirement("REC-001")
def test_each_linked_record_lists_its_notes_and_no_other(
    sut: SutClient, specs: SpecBundle, rng: random.Random
) -> None:
    """A note linked to an assessment, a plan action and a review is listed by each of them;
    a note linked to the assessment alone by it alone; an unlinked note by none, nor another
    record of the same type."""
    rules = record_rules(specs)
    client = sut.as_user(AUTHOR)
    form = answered_assessment(client, specs, rng)
    child = form["child_id"]
    ids = {t.type: rng.randrange(1, 10**6) for t in rules.link_targets}
    others = {t: i + 1 for t, i in ids.items()}
    ids["form"] = form["id"]
    if "plan_action" in ids:
        ids["plan_action"], others["plan_action"] = (
            plan_action(sut, specs, child, title)["id"]
            for title in ("Visit at teatime weekly", "Refer the family to the food bank")
        )
    if "review" in ids:
        ids["review"], others["review"] = _reviews(client, child)
    everywhere = record_note(
        client,
        child,
        "Visit about the assessment and the plan.",
        significant=True,
        links=[{"target_type": t, "target_id": i} for t, i in ids.items()],
    )
    form_only = record_note(
        client,
        child,
        "Called the school about the assessment.",
        links=[{"target_type": "form", "target_id": form["id"]}],
    )
    record_note(client, child, "A note about nothing in particular.")
    for target in rules.link_targets:
        path = _notes_path(target.notes_path, ids[target.type])
        expected = (
            [everywhere["id"], form_only["id"]] if target.type == "form" else [everywhere["id"]]
        )
        got = _listed(client, path)
        assert got == expected, f"{path}: expected the linked notes {expected}; got {got}"
        other = _notes_path(target.notes_path, others[target.type])
        if target.type != "form":
            assert _listed(client, other) == [], f"{other} lists notes not linked to it"


@pytest.mark.requirement("REC-001")
@pytest.mark.parametrize(
    "problem",
    [
        "unknown target type",
        "unknown form",
        "another child's form",
        "unknown plan action",
        "another child's plan action",
        "oversized note",
    ],
)
def test_a_bad_link_or_an_oversized_note_is_refused_and_no_note_is_kept(
    sut: SutClient, specs: SpecBundle, rng: random.Random, problem: str
) -> None:
    """A link to a type the spec does not list, to a form or a plan action that does not exist
    or is on another child's record, or a note over the limit, is refused with a 4xx naming
    it; the child's notes stay as they were."""
    rules = record_rules(specs)
    client = sut.as_user(AUTHOR)
    child = create_child(client, rng)
    text, links, named = "A note linked badly.", [], "links"
    if problem == "unknown target type":
        kinds = "_".join(t.type for t in rules.link_targets)
        links = [{"target_type": f"letter_{kinds}", "target_id": 1}]
    elif problem == "unknown form":
        links = [{"target_type": "form", "target_id": 2**40}]
    elif problem == "another child's form":
        other = answered_assessment(client, specs, rng)
        links = [{"target_type": "form", "target_id": other["id"]}]
    elif problem == "unknown plan action":
        links = [{"target_type": "plan_action", "target_id": 2**40}]
    elif problem == "another child's plan action":
        other_child = create_child(client, rng)["id"]
        action = plan_action(sut, specs, other_child, "Another child's action")
        links = [{"target_type": "plan_action", "target_id": action["id"]}]
    else:
        text, named = "x" * (LONGEST_NOTE + 1), "text"
    sent = client.post(f"/children/{child['id']}/notes", {"text": text, "links": links})
    assert sent.status is not None and 400 <= sent.status < 500, (
        f"{problem}: expected a 4xx, got {sent.status}: {sent.text[:200]!r}"
    )
    assert named in sent.text, f"{problem}: the refusal does not name {named}: {sent.text[:300]}"
    assert _listed(client, f"/children/{child['id']}/notes") == [], f"{problem}: a note was kept"
