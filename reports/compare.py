"""`accredit compare`: several products side by side, for a council choosing between them.

Each product is a results document. They are scored under the scoring policy, with the
council's own category weights in place of the policy's if given, and set beside the first
document, the reference: which requirements each product passes that the reference does not
(better) or fails that it passes (worse), its category scores, its measured figures against the
budgets, and a weighted total over the categories assessed in every product, so no product
gains from a category that was not assessed for it. Results made under different specifications
are refused unless the user says otherwise: their requirements, weights and budgets may differ.
"""

from __future__ import annotations

import json
import string
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from accredit.errors import UserError
from accredit.policy import Policy, load_policy, load_weights
from accredit.results import read_results
from accredit.specs import SpecBundle
from reports.charts import BudgetSeries, budget_chart, grouped_score_chart, totals_chart
from reports.decision_page import format_figure
from reports.html import template_environment
from reports.scoring import Scorecard, score

__all__ = ["COMPARE_FILE", "COMPARE_JSON", "Comparison", "compare", "write_comparison"]

COMPARE_FILE = "compare.html"
COMPARE_JSON = "compare.json"
_VERDICT_LABELS = {"pass": "Pass", "fail": "Fail", "error": "Error", "not_run": "Not run"}
_EPSILON = 0.005  # scores are kept to two decimals: closer than this is the same


@dataclass(frozen=True)
class Product:
    letter: str
    label: str  # "A. Product 1.2"
    product: str
    version: str
    source: str
    run_id: str
    profile: str
    complete: bool
    card: Scorecard
    total: float | None  # the weighted total over the categories every product has


@dataclass(frozen=True)
class Difference:
    """One way a product differs from the reference: better or worse, and what."""

    better: bool
    what: str


@dataclass(frozen=True)
class Comparison:
    policy: Policy
    weights_title: str | None
    products: tuple[Product, ...]
    common_categories: tuple[str, ...]
    requirements: pd.DataFrame  # index id; columns title, level, then one verdict per letter
    scores: pd.DataFrame  # index category id; one column per letter (NaN: not assessed)
    measurements: pd.DataFrame  # one row per (measurement, letter)
    differences: Mapping[str, tuple[Difference, ...]]  # letter -> vs the reference

    def to_document(self) -> dict[str, Any]:
        """Return the comparison as JSON-ready data (compare.json)."""
        return {
            "policy": {"version": self.policy.version, "sha256": self.policy.sha256},
            "weights": {c.id: c.weight for c in self.policy.categories},
            "weights_from": self.policy.weights_source,
            "common_categories": list(self.common_categories),
            "products": [
                {
                    "letter": p.letter,
                    "product": p.product,
                    "version": p.version,
                    "results": p.source,
                    "run": p.run_id,
                    "profile": p.profile,
                    "decision": p.card.decision,
                    "total": p.total,
                    "categories": {c.id: c.score for c in p.card.categories},
                    "verdicts": {
                        rid: self.requirements.at[rid, p.letter] for rid in self.requirements.index
                    },
                    "better": [d.what for d in self.differences[p.letter] if d.better],
                    "worse": [d.what for d in self.differences[p.letter] if not d.better],
                }
                for p in self.products
            ],
        }


def compare(
    documents: Sequence[tuple[str, Mapping[str, Any]]],
    policy: Policy,
    *,
    weights_title: str | None = None,
    allow_different_specs: bool = False,
) -> Comparison:
    """Return the comparison of validated results documents (source, document); the first is
    the reference. Raises UserError for fewer than two, or for different spec digests unless
    allowed."""
    if len(documents) < 2:
        raise UserError("compare: give at least two results documents (the first is the reference)")
    if len(documents) > len(string.ascii_uppercase):
        raise UserError(f"compare: at most {len(string.ascii_uppercase)} results documents")
    first_source, first = documents[0]
    if not allow_different_specs:
        for source, document in documents[1:]:
            if document["run"]["spec_digest"] != first["run"]["spec_digest"]:
                raise UserError(
                    f"{source}: made under specs {_specs(document)}, but {first_source} under "
                    f"{_specs(first)}: their requirements, weights and budgets may differ, so "
                    "side by side they would mislead (--allow-different-specs to compare anyway)"
                )
    cards = [score(document, policy, source) for source, document in documents]
    letters = string.ascii_uppercase[: len(documents)]
    scores = pd.DataFrame(
        {
            letter: {
                c.id: (c.score if c.score is not None else float("nan")) for c in card.categories
            }
            for letter, card in zip(letters, cards, strict=True)
        }
    )
    weights = pd.Series({c.id: c.weight for c in policy.categories})
    common = scores.index[scores.notna().all(axis=1) & (weights.reindex(scores.index) > 0)]
    totals: dict[str, float | None] = {}
    for letter in letters:
        if len(common) == 0:
            totals[letter] = None
        else:
            w = weights[common]
            totals[letter] = round(float((scores.loc[common, letter] * w).sum() / w.sum()), 2)
    products = tuple(
        Product(
            letter=letter,
            label=f"{letter}. {document['sut']['product']} {document['sut']['version']}",
            product=document["sut"]["product"],
            version=document["sut"]["version"],
            source=source,
            run_id=document["run"]["id"],
            profile=document["run"]["profile"],
            complete=document["run"]["complete"],
            card=card,
            total=totals[letter],
        )
        for letter, (source, document), card in zip(letters, documents, cards, strict=True)
    )
    requirements = _requirements(documents, letters)
    measurements = _measurements(cards, letters)
    differences = {
        p.letter: _differences(p.letter, requirements, measurements, cards[0], p.card)
        for p in products
    }
    return Comparison(
        policy=policy,
        weights_title=weights_title,
        products=products,
        common_categories=tuple(common),
        requirements=requirements,
        scores=scores,
        measurements=measurements,
        differences=differences,
    )


def write_comparison(
    paths: Sequence[Path],
    out_dir: Path,
    *,
    weights_path: Path | None = None,
    allow_different_specs: bool = False,
    specs: SpecBundle | None = None,
) -> list[Path]:
    """Read the results documents, compare them and write compare.html and compare.json into
    `out_dir`; return the paths written. Every bad input is a one-line UserError."""
    documents = [(str(path), read_results(path)) for path in paths]
    policy = load_policy(specs)
    title = None
    if weights_path is not None:
        weights = load_weights(weights_path, [c.id for c in policy.categories])
        policy = policy.with_weights(weights)
        title = weights.title
    comparison = compare(
        documents, policy, weights_title=title, allow_different_specs=allow_different_specs
    )
    out_dir.mkdir(parents=True, exist_ok=True)
    html = out_dir / COMPARE_FILE
    html.write_text(render_comparison(comparison), encoding="utf-8", errors="replace")
    data = out_dir / COMPARE_JSON
    data.write_text(json.dumps(comparison.to_document(), indent=2, ensure_ascii=False) + "\n")
    return [html, data]


def render_comparison(comparison: Comparison) -> str:
    """Return the comparison page as HTML text."""
    products = comparison.products
    labels = [p.label for p in products]
    reference = products[0]
    category_rows = []
    for category in reference.card.categories:
        cells = []
        for p in products:
            value = p.card.category(category.id).score
            ref = reference.card.category(category.id).score
            cells.append(
                {
                    "score": format_figure(value) if value is not None else None,
                    "change": _change(value, ref) if p is not reference else None,
                }
            )
        category_rows.append({"title": category.title, "weight": format_figure(category.weight),
                              "common": category.id in comparison.common_categories,
                              "cells": cells})  # fmt: skip
    requirement_rows = []
    for rid, row in comparison.requirements.iterrows():
        verdicts = [row[p.letter] for p in products]
        requirement_rows.append(
            {
                "id": rid,
                "title": row["title"],
                "level": row["level"],
                "verdicts": [
                    {"value": v, "label": _VERDICT_LABELS.get(v, "Not in this run")}
                    if isinstance(v, str)
                    else {"value": "absent", "label": "Not in this run"}
                    for v in verdicts
                ],
                "differs": len({str(v) for v in verdicts}) > 1,
            }
        )
    template = template_environment().get_template("compare.html.j2")
    return template.render(
        products=products,
        reference=reference,
        policy=comparison.policy,
        weights_title=comparison.weights_title,
        common_titles=", ".join(
            c.title for c in reference.card.categories if c.id in comparison.common_categories
        ),
        totals_chart=totals_chart(labels, [p.total for p in products]),
        scores_chart=grouped_score_chart(
            [c.title for c in reference.card.categories],
            labels,
            [[c.score for c in p.card.categories] for p in products],
        ),
        category_rows=category_rows,
        requirement_rows=requirement_rows,
        differences=comparison.differences,
        figures=[
            _figure_section(comparison, "performance", "Performance percentiles"),
            _figure_section(comparison, "usability", "Usability task times"),
        ],
        decision_style={
            "accredited": "pass",
            "accredited_with_conditions": "error",
            "not_accredited": "fail",
            "no_decision": "not_run",
        },
        number=format_figure,
    )


def _figure_section(comparison: Comparison, category: str, title: str) -> dict[str, Any]:
    frame = comparison.measurements
    own = frame[frame["category"] == category] if not frame.empty else frame
    products = comparison.products
    if own.empty:
        return {"id": category, "title": title, "rows": [], "chart": None}
    ids = list(dict.fromkeys(own["id"]))
    rows = []
    series = {p.letter: [] for p in products}  # type: dict[str, list[float | None]]
    for mid in ids:
        these = own[own["id"] == mid]
        first = these.iloc[0]
        cells: list[dict[str, str] | None] = []
        for p in products:
            hit = these[these["letter"] == p.letter]
            if hit.empty:
                cells.append(None)
                series[p.letter].append(None)
                continue
            m = hit.iloc[0]
            cells.append({"value": f"{format_figure(m['value'])} {m['unit']}",
                          "budget": f"{format_figure(m['budget'])} {m['unit']}",
                          "grade": format_figure(100 * m["grade"])})  # fmt: skip
            share = m["value"] / m["budget"] if m["budget"] > 0 else None
            series[p.letter].append(share)
        rows.append({"title": first["title"], "cells": cells})
    chart = budget_chart(
        [r["title"] for r in rows],
        [BudgetSeries(p.label, series[p.letter]) for p in products],
        comparison.policy.zero_at,
    )
    return {"id": category, "title": title, "rows": rows, "chart": chart}


def _requirements(documents: Sequence[tuple[str, Mapping[str, Any]]], letters: str) -> pd.DataFrame:
    rows: dict[str, dict[str, Any]] = {}
    for letter, (_, document) in zip(letters, documents, strict=True):
        for r in document["requirements"]:
            row = rows.setdefault(r["id"], {"title": r["title"], "level": r["level"]})
            row[letter] = r["verdict"]
    frame = pd.DataFrame.from_dict(rows, orient="index")
    for letter in letters:
        if letter not in frame.columns:
            frame[letter] = None
    return frame[["title", "level", *letters]]


def _measurements(cards: Sequence[Scorecard], letters: str) -> pd.DataFrame:
    columns = ["letter", "id", "category", "title", "value", "budget", "unit", "grade"]
    rows = [
        {"letter": letter, "id": m.id, "category": m.category, "title": m.title, "value": m.value,
         "budget": m.budget, "unit": m.unit, "grade": m.grade}
        for letter, card in zip(letters, cards, strict=True)
        for m in card.measurements
    ]  # fmt: skip
    return pd.DataFrame(rows, columns=columns)


def _differences(
    letter: str,
    requirements: pd.DataFrame,
    measurements: pd.DataFrame,
    reference: Scorecard,
    card: Scorecard,
) -> tuple[Difference, ...]:
    """Return how the product `letter` (scored as `card`) differs from the reference "A"."""
    if letter == "A":
        return ()
    found: list[Difference] = []
    for rid, row in requirements.iterrows():
        ref, now = row["A"], row[letter]
        if ref == "pass" and now != "pass":
            found.append(Difference(False, f"{rid} {_word(now)} (the reference passes it)"))
        elif ref != "pass" and now == "pass":
            found.append(Difference(True, f"{rid} passes (the reference: {_word(ref)})"))
    for category in reference.categories:
        ref_score, now_score = category.score, card.category(category.id).score
        if ref_score is None or now_score is None:
            if (ref_score is None) != (now_score is None):
                side = "the reference" if ref_score is None else "this product"
                found.append(
                    Difference(ref_score is None, f"{category.title}: not assessed for {side}")
                )
            continue
        if abs(now_score - ref_score) >= _EPSILON:
            found.append(
                Difference(
                    now_score > ref_score,
                    f"{category.title}: {format_figure(now_score)} against "
                    f"{format_figure(ref_score)}",
                )
            )
    if not measurements.empty:
        for mid in dict.fromkeys(measurements["id"]):
            ref_rows = measurements[(measurements["id"] == mid) & (measurements["letter"] == "A")]
            now_rows = measurements[
                (measurements["id"] == mid) & (measurements["letter"] == letter)
            ]
            if ref_rows.empty or now_rows.empty:
                continue
            ref_m, now_m = ref_rows.iloc[0], now_rows.iloc[0]
            if now_m["value"] != ref_m["value"]:
                found.append(
                    Difference(
                        bool(now_m["value"] < ref_m["value"]),
                        f"{now_m['title']}: {format_figure(now_m['value'])} {now_m['unit']} "
                        f"against {format_figure(ref_m['value'])} {ref_m['unit']}",
                    )
                )
    return tuple(found)


def _word(verdict: Any) -> str:
    return {"fail": "fails", "error": "ends in error", "not_run": "was not run"}.get(
        verdict if isinstance(verdict, str) else "", "is not in the run"
    )


def _change(value: float | None, reference: float | None) -> str | None:
    if value is None or reference is None or abs(value - reference) < _EPSILON:
        return None
    return "better" if value > reference else "worse"


def _specs(document: Mapping[str, Any]) -> str:
    run = document["run"]
    return f"{run['spec_version']} with digest {run['spec_digest'][:12]}"
