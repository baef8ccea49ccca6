"""Baseline mode: what regressed, what got fixed, what was already failing."""

from __future__ import annotations

from accredit.baseline import compare_with_baseline
from tests.reports.conftest import make_results, requirement


def test_regressions_fixes_known_failures_and_new_requirements_are_told_apart() -> None:
    baseline = make_results(
        [
            requirement("FUN-001", "functional"),
            requirement("FUN-002", "functional", "fail"),
            requirement("FUN-003", "functional", "error"),
            requirement("LD-001", "lockdown"),
            requirement("LD-009", "lockdown"),
        ]
    )
    now = make_results(
        [
            requirement("FUN-001", "functional", "not_run"),  # regressed: no longer shown
            requirement("FUN-002", "functional"),  # fixed
            requirement("FUN-003", "functional", "fail"),  # known failure
            requirement("LD-001", "lockdown"),  # unchanged
            requirement("LD-004", "lockdown", "fail"),  # new since
        ]
    )
    found = compare_with_baseline(baseline, now, "old/results.json")
    assert [(c.id, c.before, c.now) for c in found.regressions] == [("FUN-001", "pass", "not_run")]
    assert [c.id for c in found.fixed] == ["FUN-002"]
    assert [(c.id, c.before, c.now) for c in found.known_failures] == [("FUN-003", "error", "fail")]
    assert [c.id for c in found.new] == ["LD-004"]
    assert [c.id for c in found.not_in_this_run] == ["LD-009"]
    reasons = found.known_failure_reasons()
    assert set(reasons) == {"FUN-003", "LD-004"}
    assert reasons["FUN-003"].startswith("did not pass in the baseline either (error, run ")
    document = found.to_document()
    assert document["baseline"]["file"] == "old/results.json"
    assert [r["id"] for r in document["regressions"]] == ["FUN-001"]


def test_the_same_results_have_no_regression() -> None:
    results = make_results([requirement("FUN-001", "functional", "fail")])
    found = compare_with_baseline(results, results, "same.json")
    assert found.regressions == () and found.fixed == ()
    assert [c.id for c in found.known_failures] == ["FUN-001"]
