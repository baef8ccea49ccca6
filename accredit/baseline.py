"""Baseline mode: compare a run with an earlier one and fail only on what got worse.

Suppliers of other conformance suites keep an "expected failures" file so that CI fails on a
regression rather than on every known gap. Here the expected failures are an earlier results
document: a requirement that passed in the baseline and does not pass now is a regression; one
that did not pass in the baseline and passes now is fixed; one that did not pass in either is a
known failure. Requirement ids never change once published, so the comparison holds across
spec versions.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

__all__ = ["BASELINE_FILE", "BaselineComparison", "compare_with_baseline"]

BASELINE_FILE = "baseline.json"


@dataclass(frozen=True)
class Change:
    id: str
    title: str
    level: str
    before: str | None  # None: not in the baseline
    now: str | None  # None: not in this run


@dataclass(frozen=True)
class BaselineComparison:
    source: str
    baseline_run: str
    regressions: tuple[Change, ...]
    fixed: tuple[Change, ...]
    known_failures: tuple[Change, ...]
    new: tuple[Change, ...]
    not_in_this_run: tuple[Change, ...]

    def known_failure_reasons(self) -> dict[str, str]:
        """Return each requirement that does not pass now but is no regression, with why."""
        reasons = {
            c.id: f"did not pass in the baseline either ({c.before}, run {self.baseline_run})"
            for c in self.known_failures
        }
        for c in self.new:
            if c.now != "pass":
                reasons[c.id] = f"new since the baseline (run {self.baseline_run})"
        return reasons

    def to_document(self) -> dict[str, Any]:
        """Return the comparison as JSON-ready data (baseline.json)."""

        def rows(changes: tuple[Change, ...]) -> list[dict[str, Any]]:
            return [
                {"id": c.id, "level": c.level, "title": c.title, "before": c.before, "now": c.now}
                for c in changes
            ]

        return {
            "baseline": {"file": self.source, "run": self.baseline_run},
            "regressions": rows(self.regressions),
            "fixed": rows(self.fixed),
            "known_failures": rows(self.known_failures),
            "new": rows(self.new),
            "not_in_this_run": rows(self.not_in_this_run),
        }


def compare_with_baseline(
    baseline: Mapping[str, Any], results: Mapping[str, Any], source: str
) -> BaselineComparison:
    """Return how the requirements of `results` moved since `baseline` (both validated)."""
    before = {r["id"]: r for r in baseline["requirements"]}
    now = {r["id"]: r for r in results["requirements"]}
    regressions, fixed, known, new = [], [], [], []
    for rid, r in now.items():
        old = before.get(rid)
        change = Change(rid, r["title"], r["level"], old["verdict"] if old else None, r["verdict"])
        if old is None:
            new.append(change)
        elif old["verdict"] == "pass" and r["verdict"] != "pass":
            regressions.append(change)
        elif old["verdict"] != "pass" and r["verdict"] == "pass":
            fixed.append(change)
        elif r["verdict"] != "pass":
            known.append(change)
    absent = [
        Change(rid, r["title"], r["level"], r["verdict"], None)
        for rid, r in before.items()
        if rid not in now
    ]
    return BaselineComparison(
        source=source,
        baseline_run=baseline["run"]["id"],
        regressions=tuple(regressions),
        fixed=tuple(fixed),
        known_failures=tuple(known),
        new=tuple(new),
        not_in_this_run=tuple(absent),
    )
