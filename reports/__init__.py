"""Reports made from a results document: an HTML page for people, JUnit XML for CI.

The reports read only the results document (results.json), so they can be re-made, compared
and verified later without running anything again.
"""

from __future__ import annotations

from pathlib import Path

from accredit.results import read_results as load_results
from reports.html import write_html
from reports.junit import write_junit

__all__ = ["load_results", "write_html", "write_junit", "write_reports"]


def write_reports(results_path: Path, out_dir: Path) -> list[Path]:
    """Load the results document at `results_path`, write every report into `out_dir` and
    return the paths written (HTML first, then JUnit XML)."""
    results = load_results(results_path)
    return [write_html(results, out_dir), write_junit(results, out_dir)]
