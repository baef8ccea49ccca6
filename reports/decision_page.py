"""The decision part of the HTML report: the decision and its findings, the category scores,
the figures measured against budgets, and the policy that made them, as template values.

Everything here comes from the scorecard (`reports.scoring`), itself made from the results
document and the policy alone; the charts are drawn from the same figures as their tables.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from reports.charts import BudgetSeries, ScoreRow, budget_chart, category_chart
from reports.scoring import Finding, Scorecard

__all__ = ["FINDING_MEANINGS", "decision_page", "format_figure"]

#: What each finding kind the policy can name means, in the report's words.
FINDING_MEANINGS = {
    "must_not_passed": "a MUST requirement failed, ended in error or was not run",
    "should_not_passed": "a SHOULD requirement failed, ended in error or was not run",
    "category_below_threshold": "an assessed category scored under its threshold",
    "category_not_assessed": "a category the run covered had nothing assessed in it",
    "category_not_selected": "a category was left out of the run",
}
_GRADING_WORDS = {
    "verdicts": "its requirements' verdicts, weighted",
    "budgets": "its measured figures against their budgets",
}


@dataclass(frozen=True)
class ScoreLine:
    id: str
    title: str
    weight: str
    threshold: str
    score: str | None
    status: str  # met | under | not_assessed
    reason: str | None
    grading: str


@dataclass(frozen=True)
class MeasurementLine:
    id: str
    title: str
    category: str
    value: str
    budget: str
    share: str
    grade: str


@dataclass(frozen=True)
class FindingLine:
    kind: str
    subject: str
    text: str
    anchor: str | None


def decision_page(card: Scorecard, anchors: Mapping[str, str]) -> dict[str, Any]:
    """Return the template values of the decision, the scores, the measured figures and the
    policy; `anchors` are the requirements' anchors on the page, by id."""
    policy = card.policy
    categories = [
        ScoreLine(
            id=c.id,
            title=c.title,
            weight=format_figure(c.weight),
            threshold=format_figure(c.threshold),
            score=format_figure(c.score) if c.score is not None else None,
            status="not_assessed" if c.score is None else "under" if c.below_threshold else "met",
            reason=c.reason,
            grading=_GRADING_WORDS[c.grading],
        )
        for c in card.categories
    ]
    measurements = [
        MeasurementLine(
            id=m.id,
            title=m.title,
            category=next((c.title for c in card.categories if c.id == m.category), m.category),
            value=f"{format_figure(m.value)} {m.unit}",
            budget=f"{format_figure(m.budget)} {m.unit}",
            share=f"{100 * m.value / m.budget:.0f}%" if m.budget > 0 else "\u2013",
            grade=format_figure(100 * m.grade),
        )
        for m in card.measurements
    ]
    assessed = [c.title for c in card.categories if c.assessed and c.id in card.overall_categories]
    return {
        "decision": card,
        "decision_style": {
            "accredited": "good",
            "accredited_with_conditions": "conditions",
            "not_accredited": "bad",
            "no_decision": "none",
        }[card.decision],
        "policy": policy,
        "policy_categories": categories,
        "refusals": [_finding_line(f, anchors) for f in card.refusals],
        "conditions": [_finding_line(f, anchors) for f in card.conditions],
        "overall": format_figure(card.overall) if card.overall is not None else None,
        "overall_titles": ", ".join(assessed),
        "not_assessed_titles": ", ".join(c.title for c in card.categories if not c.assessed),
        "score_chart": category_chart(
            [ScoreRow(c.title, c.score, c.threshold) for c in card.categories]
        ),
        "budget_categories": ", ".join(c.title for c in card.categories if c.grading == "budgets"),
        "measurements": measurements,
        "measurement_chart": budget_chart(
            [m.title for m in card.measurements],
            [BudgetSeries("this run", [_share(m.value, m.budget) for m in card.measurements])],
            policy.zero_at,
        )
        if card.measurements
        else None,
        "finding_meanings": FINDING_MEANINGS,
        "zero_at": format_figure(policy.zero_at),
        "zero_at_percent": format_figure(100 * policy.zero_at),
        "verdict_credit": {
            v: format_figure(100 * credit) for v, credit in policy.verdict_credit.items()
        },
    }


def _finding_line(finding: Finding, anchors: Mapping[str, str]) -> FindingLine:
    about_requirement = finding.kind in ("must_not_passed", "should_not_passed")
    anchor = anchors.get(finding.subject) if about_requirement else None
    return FindingLine(finding.kind, finding.subject, finding.text, anchor or None)


def _share(value: float, budget: float) -> float | None:
    # A zero budget has no share to draw: the table says 0 allowed and what was measured.
    return value / budget if budget > 0 else None


def format_figure(value: float) -> str:
    """Return a figure for people: no trailing zeros, at most two decimals."""
    return f"{round(value, 2):g}"
