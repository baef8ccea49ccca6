"""A load run's request log cut into windows; the performance spec's refusals are one line."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from accredit._paths import specs_root
from accredit.errors import SpecError
from load.profiles import Budget, read_performance
from load.windows import (
    Sample,
    Window,
    breaches,
    drift,
    percentile,
    read_requests,
    steps,
    summarise,
    thirds,
    throughput,
    window_length,
)


def samples(*rows: tuple[float, str, float]) -> list[Sample]:
    return [Sample(at, op, ms, False) for at, op, ms in rows]


def test_percentile_is_nearest_rank() -> None:
    values = list(range(1, 101))
    assert (percentile(values, 0.95), percentile(values, 0.99), percentile([], 0.95)) == (
        95, 99, 0.0)  # fmt: skip


def test_drift_compares_the_thirds_above_the_floor() -> None:
    rising = samples(*((t, "op", 100 + 50 * t) for t in range(31)))
    (found,) = drift(rising, floor_ms=200)
    assert found.first_p95_ms == 550 and found.last_p95_ms == 1600
    flat = samples(*((t, "op", 20 + t % 3) for t in range(31)))
    assert drift(flat, floor_ms=200)[0].ratio == 1.0  # noise under the floor never drifts


def test_thirds_give_each_third_and_the_drift_rule_ratio() -> None:
    rising = samples(*((t, "op", 100 + 50 * t) for t in range(31)))
    (found,) = thirds(rising, floor_ms=200)
    (rule,) = drift(rising, floor_ms=200)
    # Thirds of 0..30 s: [0, 10), [10, 20), [20, 30]; nearest-rank p95 of each.
    assert (found.first_p95_ms, found.middle_p95_ms, found.last_p95_ms) == (550, 1050, 1600)
    assert found.ratio == rule.ratio


def test_thirds_leave_the_middle_empty_when_no_request_fell_in_it() -> None:
    run = samples((0, "op", 10), (1, "op", 10), (29, "op", 10), (30, "op", 300))
    (found,) = thirds(run, floor_ms=200)
    assert found.middle_p95_ms is None and found.ratio == 1.5
    assert thirds([], floor_ms=200) == []


@pytest.mark.parametrize(
    ("span", "expected"), [(0, 1), (9.5, 1), (18, 2), (23.9, 3), (24, 3), (1800, 180), (1e6, 900)]
)
def test_a_window_length_gives_a_run_about_ten_windows(span: float, expected: float) -> None:
    assert window_length(span) == expected


def test_throughput_counts_requests_and_failures_per_window_to_the_last_request() -> None:
    run = [Sample(100.0, "a", 1, False), Sample(102.9, "a", 1, True), Sample(103.0, "b", 1, False),
           Sample(107.5, "a", 1, True)]  # fmt: skip
    assert throughput(run, 2) == [Window(0, 2, 1, 0), Window(2, 2, 2, 1), Window(4, 2, 0, 0),
                                  Window(6, 1.5, 1, 1)]  # fmt: skip


def test_a_sliver_at_the_end_of_a_run_joins_the_last_window() -> None:
    run = [Sample(100.0 + t, "a", 1, False) for t in (0, 1, 2.5, 3.5, 6.0, 6.25)]
    assert throughput(run, 3) == [Window(0, 3, 3, 0), Window(3, 3.25, 3, 0)]


def test_throughput_of_one_instant_is_one_full_window() -> None:
    assert throughput([Sample(5.0, "a", 1, False)] * 2, 3) == [Window(0, 3, 2, 0)]
    assert throughput([], 3) == []
    with pytest.raises(ValueError, match="longer than 0 s"):
        throughput([Sample(5.0, "a", 1, False)], 0)


def test_steps_split_the_run_from_its_first_request() -> None:
    run = samples((100.0, "a", 1), (104.9, "a", 1), (105.0, "a", 1), (111.0, "a", 1))
    assert [len(w) for w in steps(run, 5, 2)] == [2, 1]


def test_breaches_name_operation_and_figure() -> None:
    run = [*samples(*((t, "op", 900 if t < 90 else 3000) for t in range(100))),
           Sample(101, "op", 10, True)]  # fmt: skip
    found = breaches(summarise(run), {"op": Budget(1000, 2000, 0.001)})
    assert found == ["op p95 3000 ms > 1000 ms", "op p99 3000 ms > 2000 ms",
                     "op errors 0.99% > 0.10%"]  # fmt: skip


def test_a_request_log_reads_back_in_time_order(tmp_path: Path) -> None:
    (tmp_path / "requests-p.2.csv").write_text("2.0,b,5.00,1\n")
    (tmp_path / "requests-p.1.csv").write_text("1.0,a,3.50,0\n")
    assert read_requests(tmp_path, "p") == [Sample(1.0, "a", 3.5, False),
                                            Sample(2.0, "b", 5.0, True)]  # fmt: skip


def spec_with(tmp_path: Path, old: str, new: str) -> Path:
    root = tmp_path / "specs"
    shutil.copytree(specs_root(), root)
    path = root / "performance.yaml"
    text = path.read_text()
    assert old in text
    path.write_text(text.replace(old, new, 1))
    return root


@pytest.mark.parametrize(
    ("old", "new", "says"),
    [
        (
            "budget: {p95_ms: 2000,",
            "budget: {p95_ms: 2s,",
            "p95_ms: expected number, got string '2s'",
        ),
        (
            "error_rate: 0.001}",
            "error_rate: 0.1%}",
            "error_rate: expected number, got string '0.1%'",
        ),
        ("step_up: step_up}", "step_up: step_upp}", "did you mean 'step_up'?"),
        ("{scale: suite,", "{scale: suit,", "'suit' is not a scale"),
        ("steps: {users: [10, 20, 40]", "steps: {users: [40, 20, 10]", "must rise step by step"),
    ],
    ids=["p95-with-units", "error-rate-percent", "unknown-profile", "unknown-scale", "falling"],
)
def test_a_bad_performance_spec_is_one_line_naming_the_file(
    tmp_path: Path, old: str, new: str, says: str
) -> None:
    with pytest.raises(SpecError) as caught:
        read_performance(spec_with(tmp_path, old, new))
    message = str(caught.value)
    assert "performance.yaml" in message and says in message and "\n" not in message
