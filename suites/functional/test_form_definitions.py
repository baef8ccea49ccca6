"""Form definitions: the product publishes exactly the questions and statuses of the spec."""

from __future__ import annotations

from typing import Any

import pytest

from accredit.specs import SpecBundle
from accredit.sut import SutClient

from steps import AUTHOR, expect


def _differences(expected: dict[str, Any], published: dict[str, Any]) -> list[str]:
    """Return one line per difference between the spec's and the published definition."""
    lines = [
        f"{key}: spec {expected[key]!r}, published {published.get(key)!r}"
        for key in ("kind", "title", "version", "age_band_set", "bands")
        if published.get(key) != expected[key]
    ]
    spec_questions = {q["id"]: q for s in expected["sections"] for q in s["questions"]}
    sections = published.get("sections")
    if not isinstance(sections, list):
        return [*lines, f"sections: expected a list, published {sections!r}"[:300]]
    published_questions = {
        q.get("id"): q for s in sections for q in (s.get("questions") or []) if isinstance(q, dict)
    }
    for qid, question in spec_questions.items():
        got = published_questions.get(qid)
        if got is None:
            lines.append(f"question {qid}: in the spec, not published")
            continue
        for key in ("text", "type", "options", "status"):
            if got.get(key) != question[key]:
                lines.append(
                    f"question {qid}.{key}: spec {question[key]!r}, published {got.get(key)!r}"
                )
    lines += [
        f"question {q}: published, not in the spec"
        for q in published_questions
        if q not in spec_questions
    ]
    spec_layout = [(s["id"], [q["id"] for q in s["questions"]]) for s in expected["sections"]]
    published_layout = [
        (s.get("id"), [q.get("id") for q in s.get("questions") or []]) for s in sections
    ]
    if not lines and published_layout != spec_layout:
        lines.append(f"sections: spec order {spec_layout}, published {published_layout}")
    return lines


@pytest.mark.requirement("FUN-003")
def test_published_definition_matches_the_spec(
    sut: SutClient, specs: SpecBundle, form_kind: str
) -> None:
    """Every question's id, text, type, options and status per band is as the spec says."""
    kind = form_kind
    read = sut.as_user(AUTHOR).get(f"/form-definitions/{kind}")
    expect(read, 200, what=f"read the {kind} definition")
    published = read.json()
    assert isinstance(published, dict), f"the definition is not an object: {read.text[:200]!r}"
    differences = _differences(specs.forms[kind].to_document(), published)
    assert not differences, f"{kind}: " + "; ".join(differences[:20])


@pytest.mark.requirement("FUN-003")
def test_every_specified_form_is_published(sut: SutClient, specs: SpecBundle) -> None:
    """The list of definitions includes every form kind of the spec."""
    listed = sut.as_user(AUTHOR).get("/form-definitions")
    expect(listed, 200, what="list the form definitions")
    body = listed.json()
    assert isinstance(body, list), f"expected a list, got {listed.text[:200]!r}"
    kinds = {d.get("kind") for d in body if isinstance(d, dict)}
    missing = sorted(set(specs.forms) - kinds)
    assert not missing, f"form kinds not published: {missing}"
