"""What the performance suite's fixtures and tests share: the acting user, the run plan and
the record of one load run."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

from accredit.series import DriftOperation, DriftSeries, ThroughputPoint, ThroughputSeries
from accredit.sut import SutClient
from load.profiles import LoadProfile, Performance, RunPlan
from load.through_contract import SeededIds
from load.windows import Sample, thirds, throughput, window_length

__all__ = ["LOAD_USER", "RUN_PLAN", "LoadRun", "drift_series", "replay", "throughput_series"]

#: The required user the load acts as: a social worker who may do every operation of the mix.
LOAD_USER = "sw_a"
#: The run plan of specs/performance.yaml an accreditation run follows.
RUN_PLAN = "accreditation"


#: The requirements each run of a plan is judged for, by the plan's field naming the run.
JUDGED = {"load": ("PERF-001", "PERF-002"), "soak": ("PERF-003",), "step_up": ("PERF-004",)}


@dataclass(frozen=True)
class LoadRun:
    profile: LoadProfile
    samples: list[Sample]
    out: Path


def replay(sut: SutClient, performance: Performance, operation: str, seeded: SeededIds) -> None:
    """Send one request of `operation` with the recording client: the evidence to repeat."""
    values = {"child_id": seeded.child_id[0], "form_id": seeded.form_id[0],
              "draft_form_id": (seeded.draft_form_id or seeded.form_id)[0],
              "phrase": quote(performance.search_phrases[0])}  # fmt: skip
    client = sut.as_user(LOAD_USER)
    for request in performance.operations[operation].requests:
        path = request.path.format(**values)
        if request.body == "note":
            client.post(path, {"text": "Replayed as evidence of a load run."})
        else:
            client.get(path)  # a save is shown by the read that precedes it


def throughput_series(
    profile: LoadProfile, plan: RunPlan, samples: list[Sample]
) -> ThroughputSeries:
    """Return the run's requests and failures per window, for the report (about ten windows)."""
    window_s = window_length(samples[-1].at - samples[0].at if samples else 0.0)
    judged = [i for use, ids in JUDGED.items() if getattr(plan, use) == profile.id for i in ids]
    return ThroughputSeries(
        id=f"throughput.{profile.id}",
        profile=profile.id,
        title=profile.title,
        users=profile.users,
        window_s=window_s,
        requirements=tuple(judged),
        points=tuple(
            ThroughputPoint(w.start_s, w.seconds, w.requests, w.failures)
            for w in throughput(samples, window_s)
        ),
    )


def drift_series(run: LoadRun, performance: Performance) -> DriftSeries:
    """Return each operation's p95 per third of the soak run, under the drift rule."""
    rule = performance.drift
    return DriftSeries(
        id=f"drift.{run.profile.id}",
        profile=run.profile.id,
        title=run.profile.title,
        floor_ms=rule.floor_ms,
        max_ratio=rule.max_p95_ratio,
        requirements=JUDGED["soak"],
        operations=tuple(
            DriftOperation(
                t.operation,
                performance.operations[t.operation].title,
                t.first_p95_ms,
                t.middle_p95_ms,
                t.last_p95_ms,
                t.ratio,
            )
            for t in thirds(run.samples, rule.floor_ms)
        ),
    )
