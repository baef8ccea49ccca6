"""Service-level figures against a seeded caseload whose truth the harness computes from the
specs (SVC-001 open cases by status, SVC-002 assessments within timescale, SVC-003 reviews
overdue). The product's figures cover every record it holds, so each figure is read before
and after seeding: the change must equal the seeded truth, and the children it names among
the seeded ones must be exactly those the truth names."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date
from typing import Any

import pytest
from service.caseload import Caseload, build_caseload, seed_caseload
from service.truth import Truth, truth_on

from accredit.casework_spec import CaseworkSpec, casework_spec
from accredit.plugin import TableLog
from accredit.specs import SpecBundle
from accredit.sut import SutClient

from steps import expect

#: Random looked-after children besides the fixed edge cases, per run profile.
RANDOM_CHILDREN = {"smoke": 4, "full": 16}
WORKER, MANAGER, READER = "sw_a", "tm_a", "auditor"
#: How many differing days a failure reads again for its evidence.
EVIDENCE_DAYS = 3


@dataclass
class Observed:
    caseload: Caseload
    spec: CaseworkSpec
    before: dict[date, dict[str, Any]]
    after: dict[date, dict[str, Any]]
    reader: SutClient

    def truth(self, day: date) -> Truth:
        return truth_on(self.spec, self.caseload.children, day)

    def seeded_ids(self) -> set[int]:
        return {c.child_id for c in self.caseload.children}


def _figures(client: SutClient, day: date) -> dict[str, Any]:
    exchange = client.get(f"/service/figures?on={day.isoformat()}")
    expect(exchange, 200, what=f"read the service figures on {day}")
    body: dict[str, Any] = exchange.json()
    return body


@pytest.fixture(scope="module")
def observed(sut: SutClient, specs: SpecBundle, seed: int, run_profile: str) -> Observed:
    spec = casework_spec(specs.root)
    rng = random.Random(f"{seed}:service-caseload")
    caseload = build_caseload(spec, rng, RANDOM_CHILDREN[run_profile], date.today())
    reader = sut.as_user(READER)
    before = {day: _figures(reader, day) for day in caseload.days}
    seed_caseload(sut.as_user(WORKER), sut.as_user(MANAGER), caseload, rng)
    after = {day: _figures(reader, day) for day in caseload.days}
    return Observed(caseload, spec, before, after, reader)


def _change(observed: Observed, day: date, *path: str) -> int:
    def read(document: dict[str, Any]) -> int:
        value: Any = document
        for key in path:
            value = value[key]
        return int(value)

    return read(observed.after[day]) - read(observed.before[day])


def _compare(
    tables: TableLog, table: str, title: str, rows: list[tuple[str, str, int | str, int | str]]
) -> list[str]:
    rows = [r for r in rows if r[2] != 0 or r[3] != 0]  # a day the caseload does not touch
    mismatched = [i for i, row in enumerate(rows) if row[2] != row[3]]
    tables.record(
        table,
        title,
        ["day", "figure", "expected", "got"],
        rows,
        mismatched=mismatched,
        note="Counts are the change the seeded caseload made (after seeding minus before); "
        "rows where both are 0 are left out.",
    )
    return [f"{r[0]} {r[1]}: expected {r[2]}, got {r[3]}" for r in (rows[i] for i in mismatched)]


def _show(observed: Observed, wrong: list[str]) -> None:
    """Read the figures again on the first days that differ, as the failure's evidence."""
    days = sorted({date.fromisoformat(w.split(" ", 1)[0]) for w in wrong})
    for day in days[:EVIDENCE_DAYS]:
        _figures(observed.reader, day)


@pytest.mark.requirement("SVC-001")
def test_open_cases_by_status(observed: Observed, tables: TableLog) -> None:
    rows = []
    for day in observed.caseload.days:
        truth = observed.truth(day)
        for status, count in truth.open_cases.items():
            rows.append(
                (
                    day.isoformat(),
                    f"open cases: {status}",
                    count,
                    _change(observed, day, "open_cases", status),
                )
            )
        rows.append(
            (
                day.isoformat(),
                "open cases: total",
                sum(truth.open_cases.values()),
                _change(observed, day, "open_cases_total"),
            )
        )
    wrong = _compare(tables, "svc-open-cases", "Open cases by status on each day", rows)
    _show(observed, wrong)
    assert not wrong, (
        f"{len(wrong)} open-case figure(s) differ from the seeded truth: " + "; ".join(wrong[:8])
    )


@pytest.mark.requirement("SVC-002")
def test_assessments_within_timescale(observed: Observed, tables: TableLog) -> None:
    rows = []
    for day in observed.caseload.days:
        truth = observed.truth(day)
        rows.append(
            (
                day.isoformat(),
                "assessments completed",
                truth.assessments_completed,
                _change(observed, day, "assessments", "completed"),
            )
        )
        rows.append(
            (
                day.isoformat(),
                "within timescale",
                truth.assessments_within,
                _change(observed, day, "assessments", "within_timescale"),
            )
        )
    profile = observed.spec.figures.profile
    wrong = _compare(
        tables,
        "svc-assessments",
        f"Assessments completed in the year to each day ({profile.title})",
        rows,
    )
    _show(observed, wrong)
    assert not wrong, (
        f"{len(wrong)} assessment figure(s) differ from the seeded truth (authorised assessments "
        f"only, due in working days under {profile.id}): " + "; ".join(wrong[:8])
    )


@pytest.mark.requirement("SVC-003")
def test_reviews_overdue(observed: Observed, tables: TableLog) -> None:
    seeded = observed.seeded_ids()
    labels = {c.child_id: c.label for c in observed.caseload.children}
    rows: list[tuple[str, str, int | str, int | str]] = []
    wrong_children = []
    for day in observed.caseload.days:
        truth = observed.truth(day)
        rows.append(
            (
                day.isoformat(),
                "children looked after",
                truth.looked_after,
                _change(observed, day, "looked_after", "children"),
            )
        )
        rows.append(
            (
                day.isoformat(),
                "review overdue",
                len(truth.overdue),
                _change(observed, day, "looked_after", "review_overdue"),
            )
        )
        named = set(observed.after[day]["looked_after"]["review_overdue_child_ids"]) & seeded
        for child_id in sorted(named ^ truth.overdue):
            should = "overdue" if child_id in truth.overdue else "not overdue"
            got = "overdue" if child_id in named else "not overdue"
            rows.append((day.isoformat(), f"child {child_id}: {labels[child_id]}", should, got))
            wrong_children.append(
                f"{day} child {child_id} ({labels[child_id]}): expected {should}, got {got}"
            )
    wrong = _compare(
        tables, "svc-reviews", "Looked-after children with a review overdue on each day", rows
    )
    _show(observed, wrong)
    assert not wrong, f"{len(wrong)} review figure(s) differ from the seeded truth: " + "; ".join(
        (wrong_children or wrong)[:8]
    )
