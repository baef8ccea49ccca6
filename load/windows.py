"""The per-request log of a load run, cut into windows: the whole run, its thirds, its steps.

Locust's own CSV gives percentiles over a whole run (and rolling ones over ten seconds); a soak
compares its first and last thirds and a step-up each step, so the locustfile also logs every
request (start time, operation, milliseconds, failed) and this module reads those lines back.
Percentiles are nearest-rank over the exact times, not locust's rounded buckets.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from load.profiles import Budget
from load.runner import Measurement

__all__ = [
    "WINDOW_LENGTHS",
    "Drift",
    "Sample",
    "Thirds",
    "Window",
    "breaches",
    "by_second",
    "drift",
    "percentile",
    "read_requests",
    "steps",
    "summarise",
    "thirds",
    "throughput",
    "window_length",
]

#: The window lengths (seconds) a run's throughput is cut into: round numbers a reader can count
#: in, the shortest that gives a run about ten windows (a 24 s run: 3 s, a 30 min soak: 3 min).
WINDOW_LENGTHS = (1.0, 2.0, 3.0, 5.0, 10.0, 15.0, 30.0, 60.0, 120.0, 180.0, 300.0, 600.0, 900.0)


@dataclass(frozen=True)
class Sample:
    at: float  # seconds since the epoch, when the request started
    operation: str
    ms: float
    failed: bool


@dataclass(frozen=True)
class Drift:
    operation: str
    first_p95_ms: float
    last_p95_ms: float
    ratio: float  # of the two, each raised to the floor first


@dataclass(frozen=True)
class Thirds:
    """An operation's p95 in each third of a run (the drift rule's thirds)."""

    operation: str
    first_p95_ms: float
    middle_p95_ms: float | None  # None when the operation had no request in the middle third
    last_p95_ms: float
    ratio: float  # the drift rule's: last over first, each raised to the floor first


@dataclass(frozen=True)
class Window:
    """The requests that started in one window of a run, timed from its first request."""

    start_s: float
    seconds: float  # the window's length; the last may be shorter, up to the last request
    requests: int
    failures: int


def read_requests(out_dir: Path, profile_id: str) -> list[Sample]:
    """Return every request the run of `profile_id` logged under `out_dir`, oldest first."""
    samples = []
    for path in sorted(out_dir.glob(f"requests-{profile_id}.*.csv")):
        for line in path.read_text(encoding="utf-8").splitlines():
            at, operation, ms, failed = line.split(",")
            samples.append(Sample(float(at), operation, float(ms), failed == "1"))
    return sorted(samples, key=lambda s: s.at)


def percentile(values: Sequence[float], share: float) -> float:
    """Return the nearest-rank percentile (`share` in 0..1) of `values`; 0.0 for none."""
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[max(0, math.ceil(share * len(ordered)) - 1)]


def summarise(samples: Iterable[Sample]) -> dict[str, Measurement]:
    """Return a measurement per operation of these samples."""
    samples = list(samples)
    span = (samples[-1].at - samples[0].at) if len(samples) > 1 else 0.0
    grouped: dict[str, list[Sample]] = {}
    for sample in samples:
        grouped.setdefault(sample.operation, []).append(sample)
    result = {}
    for operation, group in sorted(grouped.items()):
        times = [s.ms for s in group]
        result[operation] = Measurement(
            operation=operation,
            requests=len(group),
            failures=sum(s.failed for s in group),
            p50_ms=percentile(times, 0.50),
            p95_ms=percentile(times, 0.95),
            p99_ms=percentile(times, 0.99),
            requests_per_second=len(group) / span if span else 0.0,
        )
    return result


def drift(samples: Sequence[Sample], floor_ms: float) -> list[Drift]:
    """Return, per operation, p95 of the run's first third against its last third."""
    if not samples:
        return []
    start, end = samples[0].at, samples[-1].at
    third = (end - start) / 3
    first = summarise(s for s in samples if s.at < start + third)
    last = summarise(s for s in samples if s.at >= end - third)
    return [
        Drift(op, first[op].p95_ms, last[op].p95_ms,
              max(last[op].p95_ms, floor_ms) / max(first[op].p95_ms, floor_ms, 1e-9))
        for op in sorted(set(first) & set(last))
    ]  # fmt: skip


def thirds(samples: Sequence[Sample], floor_ms: float) -> list[Thirds]:
    """Return, per operation in both the first and last thirds, its p95 in each third, with
    the drift rule's ratio (the same thirds, floor and ratio as `drift`)."""
    if not samples:
        return []
    start, end = samples[0].at, samples[-1].at
    third = (end - start) / 3
    middle = summarise(s for s in samples if start + third <= s.at < end - third)
    return [
        Thirds(d.operation, d.first_p95_ms,
               middle[d.operation].p95_ms if d.operation in middle else None,
               d.last_p95_ms, d.ratio)
        for d in drift(samples, floor_ms)
    ]  # fmt: skip


def window_length(span_seconds: float, windows: int = 10) -> float:
    """Return the shortest of WINDOW_LENGTHS that cuts a run of `span_seconds` into at most
    `windows` windows (the longest one for a run longer than that allows)."""
    return next((w for w in WINDOW_LENGTHS if w * windows >= span_seconds), WINDOW_LENGTHS[-1])


def throughput(samples: Sequence[Sample], window_seconds: float) -> list[Window]:
    """Return the requests and failures that started in each window of `window_seconds`,
    from the first request to the last. The last window ends at the last request, between half
    and one and a half windows long: a sliver of a window would give a rate of a few requests."""
    if not samples:
        return []
    if window_seconds <= 0:
        raise ValueError(f"a window must be longer than 0 s, not {window_seconds!r}")
    start, span = samples[0].at, samples[-1].at - samples[0].at
    count = max(1, round(span / window_seconds))
    requests, failures = [0] * count, [0] * count
    for sample in samples:
        index = min(int((sample.at - start) // window_seconds), count - 1)
        requests[index] += 1
        failures[index] += sample.failed
    # A run of one instant is one window of the full length: its rate is never divided by 0.
    lengths = [window_seconds] * (count - 1) + [
        span - (count - 1) * window_seconds or window_seconds
    ]
    return [Window(i * window_seconds, lengths[i], requests[i], failures[i]) for i in range(count)]


def steps(samples: Sequence[Sample], step_seconds: float, count: int) -> list[list[Sample]]:
    """Return the samples of each step of a step-up run (timed from its first request)."""
    windows: list[list[Sample]] = [[] for _ in range(count)]
    if samples:
        start = samples[0].at
        for sample in samples:
            index = int((sample.at - start) // step_seconds)
            if index < count:
                windows[index].append(sample)
    return windows


def breaches(measured: dict[str, Measurement], budgets: dict[str, Budget]) -> list[str]:
    """Return each budget the measurements break, as a phrase naming operation and figure."""
    found = []
    for operation, m in sorted(measured.items()):
        budget = budgets[operation]
        if m.p95_ms > budget.p95_ms:
            found.append(f"{operation} p95 {m.p95_ms:.0f} ms > {budget.p95_ms:g} ms")
        if m.p99_ms > budget.p99_ms:
            found.append(f"{operation} p99 {m.p99_ms:.0f} ms > {budget.p99_ms:g} ms")
        if m.error_rate > budget.error_rate:
            found.append(f"{operation} errors {m.error_rate:.2%} > {budget.error_rate:.2%}")
    return found


def by_second(samples: Sequence[Sample]) -> list[int]:
    """Return how many requests started in each second of the run."""
    if not samples:
        return []
    start = samples[0].at
    counts = [0] * (int(samples[-1].at - start) + 1)
    for sample in samples:
        counts[int(sample.at - start)] += 1
    return counts
