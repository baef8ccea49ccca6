"""Load runs over time: the series read back as written, and the plugin records them."""

from __future__ import annotations

import importlib
from collections.abc import Callable
from pathlib import Path
from types import ModuleType

import pytest

from accredit._paths import specs_root
from accredit.plugin import SeriesLog, _Run
from accredit.results import validate_results
from accredit.series import (
    DriftOperation,
    DriftSeries,
    ThroughputPoint,
    ThroughputSeries,
    read_series,
)
from accredit.specs import load_specs
from accredit.sut import SutProfile
from load.profiles import read_performance
from load.windows import Sample

THROUGHPUT = ThroughputSeries(
    "throughput.p",
    "p",
    "A run",
    20,
    3.0,
    ("PERF-001",),
    (ThroughputPoint(0, 3, 90, 3), ThroughputPoint(3, 1.5, 30, 0)),
)
DRIFT = DriftSeries("drift.p", "p", "A run", 200, 2.0, ("PERF-003",),
                    (DriftOperation("search", "Search", 320, None, 720, 2.25),))  # fmt: skip


def test_a_series_reads_back_as_it_was_written() -> None:
    assert read_series([THROUGHPUT.to_json(), DRIFT.to_json()]) == [THROUGHPUT, DRIFT]
    assert THROUGHPUT.to_json()["points"][0] == {
        "start_s": 0, "seconds": 3, "requests": 90, "failed": 3,
        "requests_per_s": 30, "failed_per_s": 1,
    }  # fmt: skip


def test_the_limit_of_a_last_third_is_the_ratio_times_the_first_or_the_floor() -> None:
    low = DriftOperation("open", "Open", 40, 50, 260, 1.3)
    assert (DRIFT.limit_ms(DRIFT.operations[0]), DRIFT.limit_ms(low)) == (640, 400)


@pytest.mark.parametrize(
    "make",
    [
        lambda: ThroughputPoint(0, 0, 1, 0),
        lambda: ThroughputPoint(0, 3, -1, 0),
        lambda: DriftOperation("op", "Op", float("nan"), None, 1, 1),
    ],
    ids=["zero-window", "negative-count", "nan"],
)
def test_a_figure_no_run_could_give_is_refused(make: Callable[[], object]) -> None:
    with pytest.raises(ValueError, match="must be"):
        make()


@pytest.fixture
def run(tmp_path: Path) -> _Run:
    profile = SutProfile("Product", "1", "http://127.0.0.1:1", None, 5.0, True, {}, "sut.yaml")
    return _Run(load_specs(), profile, tmp_path / "results.json", 1, "full", ["performance"])


def test_recorded_series_go_into_the_results_document_by_id(run: _Run) -> None:
    assert "series" not in run.document()
    log = SeriesLog(run)
    log.record(THROUGHPUT)
    log.record(DRIFT)
    log.record(THROUGHPUT)  # the same run recorded again replaces it
    document = run.document()
    validate_results(document, "results.json")
    assert document["series"] == [THROUGHPUT.to_json(), DRIFT.to_json()]


def test_a_series_naming_a_requirement_the_catalogue_lacks_is_refused(run: _Run) -> None:
    with pytest.raises(KeyError, match="PERF-999"):
        SeriesLog(run).record(DriftSeries("drift.p", "p", "A run", 200, 2.0, ("PERF-999",), ()))
    assert run.series == {}


@pytest.fixture
def load_runs(monkeypatch: pytest.MonkeyPatch) -> ModuleType:
    """The performance suite's load-run helpers, imported as the suites import them."""
    monkeypatch.syspath_prepend(str(Path(__file__).parents[2] / "suites"))
    return importlib.import_module("performance.load_runs")


def test_the_suite_records_each_run_for_the_requirements_judged_from_it(
    load_runs: ModuleType,
) -> None:
    performance = read_performance(specs_root())
    plan = performance.runs[load_runs.RUN_PLAN]
    load, step_up = performance.profiles[plan.load], performance.profiles[plan.step_up]
    run = [Sample(1000 + t / 10, "search_record", 50 + t, t % 50 == 0) for t in range(240)]
    recorded = load_runs.throughput_series(load, plan, run)
    assert (recorded.id, recorded.window_s, recorded.users) == ("throughput.accreditation", 3, 20)
    # The accreditation plan judges PERF-001 to PERF-003 from one run.
    assert recorded.requirements == ("PERF-001", "PERF-002", "PERF-003")
    assert [p.requests for p in recorded.points] == [30] * 8
    assert sum(p.failed for p in recorded.points) == 5
    assert load_runs.throughput_series(step_up, plan, run).requirements == ("PERF-004",)
    thirds = load_runs.drift_series(load_runs.LoadRun(load, run, Path()), performance)
    assert (thirds.floor_ms, thirds.max_ratio) == (200, 2.0)
    (search,) = thirds.operations
    assert search.title == performance.operations["search_record"].title
    assert (search.first_p95_ms, search.middle_p95_ms, search.last_p95_ms) == (125, 205, 285)
