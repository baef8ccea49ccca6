"""The reports package: its public names, and one call that makes every report."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

import reports
from accredit.errors import UserError


def test_the_public_names_are_exactly_these() -> None:
    assert reports.__all__ == ["load_results", "write_html", "write_junit", "write_reports"]


def test_write_reports_makes_the_html_and_the_junit_report(
    tmp_path: Path, results_file: Path
) -> None:
    out = tmp_path / "out"
    paths = reports.write_reports(results_file, out)
    assert paths == [out / "report.html", out / "junit.xml"]
    assert all(p.is_file() for p in paths)
    assert paths[0].read_text(encoding="utf-8").startswith("<!DOCTYPE html>")
    ET.parse(paths[1])


def test_write_reports_writes_nothing_from_an_unusable_document(tmp_path: Path) -> None:
    out = tmp_path / "out"
    with pytest.raises(UserError):
        reports.write_reports(tmp_path / "missing.json", out)
    assert not out.exists()
