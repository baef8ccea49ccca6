"""Reports made from a results document and the scoring policy: the decision and its scores
(scores.json), an HTML page for people (and its PDF), JUnit XML for CI, and the comparison of
several products.

The reports read only the results document (results.json) and the policy, so they can be
re-made, compared and verified later without running anything again.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from accredit.policy import POLICY_FILE, Policy, load_policy
from accredit.results import read_results as load_results
from accredit.specs import SpecBundle
from reports.compare import write_comparison
from reports.html import write_html
from reports.junit import write_junit
from reports.pdf import write_pdf
from reports.scoring import Scorecard, score

__all__ = [
    "SCORES_FILE",
    "ReportSet",
    "load_results",
    "score",
    "write_comparison",
    "write_html",
    "write_junit",
    "write_reports",
    "write_scores",
]

SCORES_FILE = "scores.json"


@dataclass(frozen=True)
class ReportSet:
    """What `write_reports` wrote, the scorecard it wrote them from, and a PDF not written."""

    paths: tuple[Path, ...]
    scorecard: Scorecard
    pdf_skipped: str | None


def write_reports(
    results_path: Path,
    out_dir: Path,
    *,
    specs: SpecBundle | None = None,
    pdf: bool = False,
    html: bool = True,
    known_failures: Mapping[str, str] | None = None,
) -> ReportSet:
    """Load the results document at `results_path`, score it under the policy of `specs`
    (default: the installed specs) and write into `out_dir`: report.html, junit.xml,
    scores.json, a copy of the policy and, if `pdf`, report.pdf. Without `html`, neither
    report.html nor report.pdf.

    `known_failures` (requirement id -> why) are shown in JUnit as skipped, not failed: the
    baseline mode of `accredit run`.
    """
    results = load_results(results_path)
    policy = load_policy(specs)
    card = score(results, policy, str(results_path))
    html_path = write_html(results, out_dir, card) if html else None
    paths = [
        *([html_path] if html_path is not None else []),
        write_junit(results, out_dir, known_failures),
        write_scores(card, out_dir),
        _copy_policy(policy, out_dir),
    ]
    skipped = None
    if pdf and html_path is not None:
        outcome = write_pdf(html_path.read_text(encoding="utf-8"), out_dir)
        skipped = outcome.skipped
        if outcome.path is not None:
            paths.append(outcome.path)
    return ReportSet(tuple(paths), card, skipped)


def write_scores(card: Scorecard, out_dir: Path) -> Path:
    """Write the scorecard as `scores.json` into `out_dir`; return its path."""
    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / SCORES_FILE
    path.write_text(_json(card.to_document()), encoding="utf-8")
    return path


def _copy_policy(policy: Policy, out_dir: Path) -> Path:
    """Keep the exact policy file the scores were made under beside them."""
    target = out_dir / POLICY_FILE
    if Path(policy.source).resolve() != target.resolve():
        shutil.copyfile(policy.source, target)
    return target


def _json(document: Any) -> str:
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"
