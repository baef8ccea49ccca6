"""The partner agency reads the shared sections of the children shared with it, and nothing else.

A child of team A with a sibling, a case note and an assessment with answers in every section, a
document and a link to the note is shared with the partner agency. The partner's reads of the
child and of its forms must equal what its author reads with every unshared field withheld
(null, [] or {}) and the answers and provenance cut to the questions of the shared sections of
access.yaml: the body is checked, not just the status. The partner's other reads of the child
(case notes, search, documents, candidates) are refused as the matrix says, and once the child
is no longer shared it is hidden again.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

import pytest
from access.matrix import label, outcome_of, send
from access.subjects import KINDS, Case, Subjects
from lockdown.locked_case import fill

from accredit.access_spec import FORBIDDEN, HIDDEN, REACH_SHARED, AccessMatrix
from accredit.plugin import TableLog
from accredit.specs import SpecBundle

from steps import AUTHOR, expect, precondition

#: The operation that shares a child with the partner agency.
SHARING = "/children/{child_id}/sharing"


def _withheld(value: Any) -> Any:
    return [] if isinstance(value, list) else {} if isinstance(value, dict) else None


def expected_child(matrix: AccessMatrix, child: Mapping[str, Any]) -> dict[str, Any]:
    """The child as a shared read must show it."""
    shown = matrix.shared.child_fields
    return {k: v if k in shown else _withheld(v) for k, v in child.items()}


def expected_form(
    specs: SpecBundle, matrix: AccessMatrix, form: Mapping[str, Any]
) -> dict[str, Any]:
    """The form as a shared read must show it."""
    sections = matrix.shared.form_sections.get(form["kind"], ())
    definition = specs.forms[form["kind"]]
    questions = {q.id for q in definition.questions if q.section in sections}
    body = {k: v if k in matrix.shared.form_fields else _withheld(v) for k, v in form.items()}
    for key in ("answers", "provenance"):
        body[key] = {q: v for q, v in (body.get(key) or {}).items() if q in questions}
    return body


def _short(value: Any) -> str:
    text = json.dumps(value, sort_keys=True, default=str)
    return text if len(text) <= 120 else text[:117] + "..."


def _compare(
    record: str, expected: Mapping[str, Any], got: Any, rows: list[list[Any]]
) -> list[int]:
    """Lay out expected against got field by field; return the indexes of the rows that differ."""
    if not isinstance(got, dict):
        rows.append([record, "(body)", "an object", _short(got)])
        return [len(rows) - 1]
    differ = []
    for key in sorted(set(expected) | set(got)):
        want, have = expected.get(key), got.get(key)
        if want != have:
            differ.append(len(rows))
        if key in ("answers", "provenance") and isinstance(want, dict) and want == have:
            want = have = sorted(want)  # shown by the questions they hold
        rows.append([record, key, _short(want), _short(have)])
    return differ


def _shared_case(subjects: Subjects, specs: SpecBundle) -> dict[str, Any]:
    """A shared child with a sibling, notes, and a draft holding answers in every section."""
    case = Case(subjects.sut, specs, subjects.rng)
    values = KINDS["draft_form"].build(case)
    author = subjects.sut.as_user(AUTHOR)
    form = precondition(author.get(f"/forms/{values['form_id']}"), 200, "read the draft")
    definition = specs.forms[form["kind"]]
    more = {
        q.id: (f"Noted for {q.id}." if q.type == "long_text" else None)
        for q in definition.asked(form["age_band"])
        if q.id not in form["answers"] and q.type in ("long_text", "short_text")
    }
    more = {k: v for k, v in more.items() if v is not None}
    precondition(
        author.patch(f"/forms/{form['id']}", {"version": form["version"], "answers": more}),
        200,
        "answer the remaining questions",
    )
    precondition(
        author.post(
            "/sibling-groups", {"child_ids": [values["child_id"], values["other_child_id"]]}
        ),
        201,
        "declare a sibling",
    )
    precondition(
        author.request("PUT", fill(SHARING, values), {"shared": True}),
        200,
        "share the child with the partner agency",
    )
    return values


@pytest.mark.requirement("ACC-002")
def test_the_partner_agency_reads_the_shared_sections_only(
    specs: SpecBundle, matrix: AccessMatrix, subjects: Subjects, tables: TableLog
) -> None:
    """The partner's reads of a shared child show its shared fields and sections alone; its
    notes and documents stay refused; unshared again, the child is hidden."""
    partners = [u for u in specs.users.required_users if matrix.reach.get(u.role) == REACH_SHARED]
    if not partners:
        pytest.skip(
            "precondition not met: specs/access.yaml gives no required user's role a reach of "
            "shared children only, so there is no shared-sections read to check"
        )
    values = _shared_case(subjects, specs)
    author = subjects.sut.as_user(AUTHOR)
    child_path, form_path = fill("/children/{child_id}", values), fill("/forms/{form_id}", values)
    full_child = precondition(author.get(child_path), 200, "read the child")
    full_form = precondition(author.get(form_path), 200, "read the form")
    rows: list[list[Any]] = []
    mismatched: list[int] = []
    wrong: list[str] = []

    def compared(what: str, expected: Mapping[str, Any], got: Any) -> None:
        differ = _compare(what, expected, got, rows)
        if differ:
            fields = ", ".join(rows[i][1] for i in differ)
            wrong.append(f"{what}: not the shared view; fields differing: {fields}")
            mismatched.extend(differ)

    for partner in partners:
        client = subjects.sut.as_user(partner.key)
        read = client.get(child_path)
        expect(read, 200, what=f"{partner.key} reads the shared child")
        compared(f"{partner.key}: child", expected_child(matrix, full_child), read.json())
        read = client.get(form_path)
        expect(read, 200, what=f"{partner.key} reads a form of the shared child")
        compared(f"{partner.key}: form", expected_form(specs, matrix, full_form), read.json())
        listed = client.get(fill("/children/{child_id}/forms", values))
        expect(listed, 200, what=f"{partner.key} lists the shared child's forms")
        for item in listed.json():
            compared(f"{partner.key}: listed form", expected_form(specs, matrix, full_form), item)
        for row in matrix.operations:
            if row.writes or row.rule(partner.role) != FORBIDDEN or not KINDS[row.subject].reads:
                continue
            try:
                refused = send(client, row, values)
            except KeyError:
                continue  # the row's subject is another kind of record
            got = outcome_of(refused, matrix)
            rows.append([f"{partner.key}: {row.operation}", "(status)", label(FORBIDDEN, matrix),
                         label(got, matrix)])  # fmt: skip
            if got != FORBIDDEN:
                mismatched.append(len(rows) - 1)
                wrong.append(f"{row.operation} as {partner.key}: expected 403 forbidden, got {got}")
    precondition(
        author.request("PUT", fill(SHARING, values), {"shared": False}), 200, "stop sharing"
    )
    for partner in partners:
        hidden = subjects.sut.as_user(partner.key).get(child_path)
        expect(
            hidden,
            matrix.hidden.status,
            matrix.hidden.code,
            what=f"{partner.key} reads the child once it is no longer shared ({HIDDEN})",
        )
    tables.record(
        "access-shared-sections",
        "What the partner agency reads of a child shared with it: expected (the author's read "
        "with unshared fields withheld) against got",
        ["record", "field", "expected", "got"],
        rows,
        mismatched=sorted(set(mismatched)),
        note="answers and provenance are compared by the questions they hold",
    )
    assert not wrong, "\n".join(wrong)
