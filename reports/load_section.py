"""The report's section on load runs over time, from results.json `series` alone.

For each load run the suite judged: a line chart of requests and failed requests per second,
window by window, beside the table of its windows; for the soak: each operation's p95 in the
first, middle and last thirds against the drift rule's floor and limit, beside its table. The
verdicts stay where they are (PERF-001 to PERF-004 rest on percentiles and failure ratios over a
run); this section shows how the run went. A document without `series` has no such section.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from accredit.series import DriftSeries, ThroughputSeries, read_series
from reports.charts import DriftRow, RatePoint, drift_chart, throughput_chart
from reports.decision_page import format_figure

__all__ = ["DriftLine", "DriftRun", "ThroughputLine", "ThroughputRun", "load_section"]


@dataclass(frozen=True)
class ThroughputLine:
    window: str
    requests: int
    failed: int
    requests_per_s: str
    failed_per_s: str


@dataclass(frozen=True)
class ThroughputRun:
    id: str
    profile: str
    title: str
    users: int
    window_s: str
    requirements: str
    chart: str | None
    lines: tuple[ThroughputLine, ...]
    requests: int
    failed: int


@dataclass(frozen=True)
class DriftLine:
    title: str
    first_ms: str
    middle_ms: str | None
    last_ms: str
    limit_ms: str
    ratio: str
    within: bool


@dataclass(frozen=True)
class DriftRun:
    id: str
    profile: str
    title: str
    floor_ms: str
    max_ratio: str
    requirements: str
    chart: str | None
    lines: tuple[DriftLine, ...]


def load_section(results: Mapping[str, Any]) -> dict[str, Any]:
    """Return the template values of the load-runs section: `throughput_runs` and
    `drift_runs`, both empty for a results document without `series`."""
    series = read_series(results.get("series", []))
    return {
        "throughput_runs": [_throughput(s) for s in series if isinstance(s, ThroughputSeries)],
        "drift_runs": [_drift(s) for s in series if isinstance(s, DriftSeries)],
    }


def _throughput(series: ThroughputSeries) -> ThroughputRun:
    points = series.points
    # Each window is drawn at its middle: the last one may be shorter than the others.
    rates = [RatePoint(p.start_s + p.seconds / 2, p.requests_per_s, p.failed_per_s) for p in points]
    return ThroughputRun(
        id=series.id,
        profile=series.profile,
        title=series.title,
        users=series.users,
        window_s=format_figure(series.window_s),
        requirements=", ".join(series.requirements),
        chart=throughput_chart(rates) if rates else None,
        lines=tuple(
            ThroughputLine(
                window=f"{format_figure(p.start_s)}\u2013{format_figure(p.start_s + p.seconds)} s",
                requests=p.requests,
                failed=p.failed,
                requests_per_s=format_figure(p.requests_per_s),
                failed_per_s=format_figure(p.failed_per_s),
            )
            for p in points
        ),
        requests=sum(p.requests for p in points),
        failed=sum(p.failed for p in points),
    )


def _drift(series: DriftSeries) -> DriftRun:
    operations = series.operations
    rows = [
        DriftRow(o.title, (o.first_p95_ms, o.middle_p95_ms, o.last_p95_ms), series.limit_ms(o))
        for o in operations
    ]
    return DriftRun(
        id=series.id,
        profile=series.profile,
        title=series.title,
        floor_ms=format_figure(series.floor_ms),
        max_ratio=format_figure(series.max_ratio),
        requirements=", ".join(series.requirements),
        chart=drift_chart(rows, series.floor_ms) if rows else None,
        lines=tuple(
            DriftLine(
                title=o.title,
                first_ms=format_figure(o.first_p95_ms),
                middle_ms=None if o.middle_p95_ms is None else format_figure(o.middle_p95_ms),
                last_ms=format_figure(o.last_p95_ms),
                limit_ms=format_figure(series.limit_ms(o)),
                ratio=format_figure(o.ratio),
                within=o.ratio <= series.max_ratio,
            )
            for o in operations
        ),
    )
