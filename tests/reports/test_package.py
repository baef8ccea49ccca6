"""The reports package: its public names, and one call that makes every report."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

import reports
from accredit._paths import specs_root
from accredit.errors import UserError
from accredit.policy import load_policy
from reports.scoring import score


def test_the_public_names_are_exactly_these() -> None:
    assert reports.__all__ == [
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


def test_write_reports_makes_the_report_junit_scores_and_policy_copy(
    tmp_path: Path, results_file: Path
) -> None:
    out = tmp_path / "out"
    written = reports.write_reports(results_file, out)
    assert written.paths == (
        out / "report.html", out / "junit.xml", out / "scores.json", out / "policy.yaml",
    )  # fmt: skip
    assert all(p.is_file() for p in written.paths)
    assert written.paths[0].read_text(encoding="utf-8").startswith("<!DOCTYPE html>")
    ET.parse(written.paths[1])
    expected = score(reports.load_results(results_file), load_policy()).to_document()
    assert json.loads(written.paths[2].read_text(encoding="utf-8")) == expected
    assert written.paths[3].read_bytes() == (specs_root() / "policy.yaml").read_bytes()
    assert written.scorecard.decision == "not_accredited"
    assert written.pdf_skipped is None


def test_write_reports_writes_nothing_from_an_unusable_document(tmp_path: Path) -> None:
    out = tmp_path / "out"
    with pytest.raises(UserError):
        reports.write_reports(tmp_path / "missing.json", out)
    assert not out.exists()
