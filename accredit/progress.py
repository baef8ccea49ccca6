"""Progress of a run on the console: a bar per category.

On a terminal the bars are redrawn in place as each test ends; in a CI log, where redrawing
would leave a line per test, a category's line is printed as it passes each quarter. pytest's
own per-test letters are left out while the bars are shown, so the two never interleave.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import pytest

__all__ = ["CategoryProgress", "render_bar"]

BAR_WIDTH = 24
_QUARTERS = 4


@dataclass
class _Tally:
    title: str
    total: int = 0
    done: int = 0
    not_passed: int = 0
    printed_quarter: int = 0


def render_bar(title: str, done: int, total: int, not_passed: int, width: int = BAR_WIDTH) -> str:
    """Return one category's progress line: title, bar, count and how many did not pass."""
    filled = round(width * done / total) if total else width
    bar = "#" * filled + "." * (width - filled)
    tail = f"  {not_passed} did not pass" if not_passed else ""
    return f"{title:<32.32} [{bar}] {done:>4}/{total:<4}{tail}"


class CategoryProgress:
    """A pytest plugin drawing a progress bar per category of the tests run."""

    def __init__(self, category_of: Callable[[str], str | None], titles: Mapping[str, str]):
        self._category_of = category_of
        self._titles = titles
        self._tallies: dict[str, _Tally] = {}
        self._failed: set[str] = set()
        self._lines_drawn = 0
        self._writer: Any = None
        self._tty = False

    @pytest.hookimpl(trylast=True)
    def pytest_collection_finish(self, session: pytest.Session) -> None:
        for item in session.items:
            category = self._category_of(item.nodeid)
            if category is not None:
                tally = self._tallies.setdefault(
                    category, _Tally(self._titles.get(category, category))
                )
                tally.total += 1
        reporter = session.config.pluginmanager.getplugin("terminalreporter")
        if reporter is not None:
            self._writer = reporter
            self._tty = bool(getattr(reporter, "isatty", False))
            reporter.write_line("")
            self._draw()

    def pytest_report_teststatus(self, report: pytest.TestReport) -> tuple[str, str, str] | None:
        # The bars say how far the run is: no per-test letter beside them. The first word is
        # pytest's own (what the closing summary counts).
        if hasattr(report, "wasxfail"):
            return None
        if report.failed and report.when != "call":
            return "error", "", "ERROR"
        if report.when == "call" or report.skipped:
            return report.outcome, "", report.outcome.upper()
        return None

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        if report.failed:
            self._failed.add(report.nodeid)
        if report.when != "teardown":
            return
        category = self._category_of(report.nodeid)
        tally = self._tallies.get(category) if category is not None else None
        if tally is None:
            return
        tally.done += 1
        if report.nodeid in self._failed:
            tally.not_passed += 1
        self._draw()

    def _draw(self) -> None:
        if self._writer is None:
            return
        if self._tty:
            if self._lines_drawn:
                self._writer.write(f"\x1b[{self._lines_drawn}F")
            for tally in self._tallies.values():
                line = render_bar(tally.title, tally.done, tally.total, tally.not_passed)
                self._writer.write(f"\x1b[2K{line}\n")
            self._lines_drawn = len(self._tallies)
            self._writer.flush()
            return
        for tally in self._tallies.values():
            quarter = tally.done * _QUARTERS // tally.total if tally.total else _QUARTERS
            if quarter > tally.printed_quarter or (tally.done == 0 and not self._lines_drawn):
                tally.printed_quarter = quarter
                self._writer.write_line(
                    render_bar(tally.title, tally.done, tally.total, tally.not_passed)
                )
        self._lines_drawn = max(self._lines_drawn, 1)
