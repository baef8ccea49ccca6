"""Scores and the accreditation decision, computed from a results document and the policy.

Nothing here knows a weight, a threshold or a rule: they come from the policy
(`specs/policy.yaml`, read by `accredit.policy`). The results document is the only other input,
so a decision can be re-derived from a run directory at any later time (`accredit verify`).

A category is graded by its requirements' verdicts or by its measured figures against their
budgets, as the policy says. A category with nothing assessed has no score at all: it is "not
assessed", never 0 or 100, and takes no part in the overall score.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from accredit.errors import UserError
from accredit.policy import CategoryPolicy, Policy

__all__ = [
    "CategoryScore",
    "Finding",
    "GradedMeasurement",
    "Scorecard",
    "grade_against_budget",
    "score",
]

_VERDICTS = ("pass", "fail", "error", "not_run")
_VERDICT_WORDS = {"fail": "failed", "error": "ended in error", "not_run": "was not run"}
_DECIMALS = 2


@dataclass(frozen=True)
class CategoryScore:
    id: str
    title: str
    weight: float
    threshold: float
    grading: str
    score: float | None  # None: not assessed
    reason: str | None  # why it was not assessed
    counts: Mapping[str, int]  # requirements by verdict
    measurements: int

    @property
    def assessed(self) -> bool:
        return self.score is not None

    @property
    def below_threshold(self) -> bool:
        return self.score is not None and self.score < self.threshold


@dataclass(frozen=True)
class Finding:
    """Something the decision rests on: a requirement or a category, and what was found."""

    kind: str
    subject: str
    text: str


@dataclass(frozen=True)
class GradedMeasurement:
    id: str
    category: str
    title: str
    requirement: str | None
    value: float
    budget: float
    unit: str
    weight: float
    grade: float  # 0 to 1


@dataclass(frozen=True)
class Scorecard:
    policy: Policy
    profile: str
    decision: str
    decision_title: str
    indicative: bool
    overall: float | None
    overall_categories: tuple[str, ...]
    categories: tuple[CategoryScore, ...]
    refusals: tuple[Finding, ...]
    conditions: tuple[Finding, ...]
    measurements: tuple[GradedMeasurement, ...]

    def category(self, category_id: str) -> CategoryScore:
        """Return the score of one category (KeyError if there is none)."""
        for category in self.categories:
            if category.id == category_id:
                return category
        raise KeyError(category_id)

    def to_document(self) -> dict[str, Any]:
        """Return the scorecard as JSON-ready data (scores.json): what verify re-derives."""
        return {
            "policy": {
                "version": self.policy.version,
                "sha256": self.policy.sha256,
                "weights": self.policy.weights_source,
            },
            "profile": self.profile,
            "decision": self.decision,
            "decision_title": self.decision_title,
            "indicative": self.indicative,
            "overall": self.overall,
            "overall_categories": list(self.overall_categories),
            "categories": [
                {
                    "id": c.id,
                    "title": c.title,
                    "weight": c.weight,
                    "threshold": c.threshold,
                    "grading": c.grading,
                    "score": c.score,
                    "not_assessed": c.reason,
                    "requirements": dict(c.counts),
                    "measurements": c.measurements,
                }
                for c in self.categories
            ],
            "refusals": [_finding(f) for f in self.refusals],
            "conditions": [_finding(f) for f in self.conditions],
            "measurements": [
                {"id": m.id, "category": m.category, "grade": m.grade} for m in self.measurements
            ],
        }


#: Why a category a run left out (`accredit run --only`) has no score.
_NOT_SELECTED = "not selected in this run"


def _finding(finding: Finding) -> dict[str, str]:
    return {"kind": finding.kind, "subject": finding.subject, "text": finding.text}


def grade_against_budget(
    values: npt.ArrayLike, budgets: npt.ArrayLike, zero_at: float
) -> npt.NDArray[np.float64]:
    """Return each figure's grade from 0 to 1: 1 within its budget, falling linearly to 0 at
    `zero_at` times the budget. A budget of 0 gives 1 at 0 and 0 above it."""
    value = np.asarray(values, dtype=float)
    budget = np.asarray(budgets, dtype=float)
    span = (zero_at - 1.0) * budget
    with np.errstate(divide="ignore", invalid="ignore"):
        over = np.where(span > 0, (value - budget) / np.where(span > 0, span, 1.0), np.inf)
    grades: npt.NDArray[np.float64] = np.where(value <= budget, 1.0, np.clip(1.0 - over, 0, 1))
    return grades


def score(results: Mapping[str, Any], policy: Policy, source: str = "results") -> Scorecard:
    """Return the scorecard of a validated results document under `policy`.

    Raises UserError, naming `source`, when the results hold a category the policy does not
    grade or a requirement weight that is not positive.
    """
    titles = {c["id"]: c["title"] for c in results["categories"]}
    requirements = _requirements_frame(results["requirements"], source)
    measurements = _measurements(results.get("measurements", []), policy)
    known = {c.id for c in policy.categories}
    named = list(titles) + list(requirements["category"]) + [m.category for m in measurements]
    for category_id in named:
        if category_id not in known:
            raise UserError(
                f"{source}: category {category_id!r} has no entry in the scoring policy "
                f"{policy.source}"
            )
    selection = results["run"]["selection"]
    categories = tuple(
        _category(rule, titles, requirements, measurements, policy, selection)
        for rule in policy.categories
    )
    overall, included = _overall(categories)
    refusals, conditions = _findings(results["requirements"], categories, policy)
    run = results["run"]
    if not run["complete"]:
        decision = "no_decision"
    elif refusals:
        decision = "not_accredited"
    elif conditions:
        decision = "accredited_with_conditions"
    else:
        decision = "accredited"
    return Scorecard(
        policy=policy,
        profile=run["profile"],
        decision=decision,
        decision_title=policy.outcomes[decision],
        indicative=run["profile"] not in policy.decisive_profiles,
        overall=overall,
        overall_categories=included,
        categories=categories,
        refusals=refusals,
        conditions=conditions,
        measurements=measurements,
    )


def _requirements_frame(entries: Sequence[Mapping[str, Any]], source: str) -> pd.DataFrame:
    columns = ["id", "level", "category", "weight", "verdict"]
    frame = pd.DataFrame([{k: e[k] for k in columns} for e in entries], columns=columns)
    frame["weight"] = frame["weight"].astype(float)
    bad = frame.index[frame["weight"] <= 0]
    if len(bad):
        i = int(bad[0])
        weight = float(entries[i]["weight"])
        raise UserError(f"{source}: requirements[{i}].weight: {weight:g} is not positive")
    return frame


def _measurements(
    entries: Sequence[Mapping[str, Any]], policy: Policy
) -> tuple[GradedMeasurement, ...]:
    if not entries:
        return ()
    frame = pd.DataFrame(
        {
            "value": [float(e["value"]) for e in entries],
            "budget": [float(e["budget"]) for e in entries],
        }
    )
    grades = grade_against_budget(frame["value"], frame["budget"], policy.zero_at)
    return tuple(
        GradedMeasurement(
            id=e["id"],
            category=e["category"],
            title=e["title"],
            requirement=e.get("requirement"),
            value=float(e["value"]),
            budget=float(e["budget"]),
            unit=e["unit"],
            weight=float(e.get("weight", 1.0)),
            grade=round(float(g), 4),
        )
        for e, g in zip(entries, grades, strict=True)
    )


def _category(
    rule: CategoryPolicy,
    titles: Mapping[str, str],
    requirements: pd.DataFrame,
    measurements: Sequence[GradedMeasurement],
    policy: Policy,
    selection: Sequence[str] | None,
) -> CategoryScore:
    category_id = rule.id
    own = requirements[requirements["category"] == category_id]
    counts = {v: int((own["verdict"] == v).sum()) for v in _VERDICTS}
    figures = [m for m in measurements if m.category == category_id]
    value: float | None = None
    reason: str | None = None
    if selection is not None and category_id not in selection:
        reason = _NOT_SELECTED
    elif rule.grading == "verdicts":
        if own.empty:
            reason = "no requirement of it in this run"
        else:
            credit = own["verdict"].map(policy.verdict_credit)
            earned = float((own["weight"] * credit).sum())
            value = 100.0 * earned / float(own["weight"].sum())
    elif not figures:
        reason = "nothing measured against a budget in this run"
    else:
        graded = pd.DataFrame(
            {"grade": [m.grade for m in figures], "weight": [m.weight for m in figures]}
        )
        value = 100.0 * float((graded["grade"] * graded["weight"]).sum() / graded["weight"].sum())
    return CategoryScore(
        id=category_id,
        title=titles.get(category_id, category_id.replace("_", " ").capitalize()),
        weight=rule.weight,
        threshold=rule.threshold,
        grading=rule.grading,
        score=round(value, _DECIMALS) if value is not None else None,
        reason=reason,
        counts=counts,
        measurements=len(figures),
    )


def _overall(categories: Sequence[CategoryScore]) -> tuple[float | None, tuple[str, ...]]:
    """Return the weighted mean of the assessed categories' scores, and which they were."""
    frame = pd.DataFrame(
        [{"id": c.id, "score": c.score, "weight": c.weight} for c in categories if c.assessed]
    )
    if frame.empty or float(frame["weight"].sum()) <= 0:
        return None, ()
    frame = frame[frame["weight"] > 0]
    total = float((frame["score"] * frame["weight"]).sum() / frame["weight"].sum())
    return round(total, _DECIMALS), tuple(frame["id"])


def _findings(
    requirements: Sequence[Mapping[str, Any]],
    categories: Sequence[CategoryScore],
    policy: Policy,
) -> tuple[tuple[Finding, ...], tuple[Finding, ...]]:
    found: list[Finding] = []
    for r in requirements:
        if r["verdict"] == "pass":
            continue
        kind = "must_not_passed" if r["level"] == "MUST" else "should_not_passed"
        text = f"{r['level']} requirement {r['id']} {_VERDICT_WORDS[r['verdict']]}: {r['title']}"
        found.append(Finding(kind, r["id"], text))
    for c in categories:
        if c.score is None:
            text = f"{c.title} was not assessed ({c.reason}): the decision does not cover it"
            left_out = c.reason == _NOT_SELECTED
            kind = "category_not_selected" if left_out else "category_not_assessed"
            found.append(Finding(kind, c.id, text))
        elif c.below_threshold:
            text = f"{c.title} scored {c.score:g}, under its threshold of {c.threshold:g}"
            found.append(Finding("category_below_threshold", c.id, text))
    refusals = tuple(f for f in found if f.kind in policy.refuse)
    conditions = tuple(f for f in found if f.kind in policy.conditions)
    return refusals, conditions
