"""The performance suite's load runs: a caseload seeded through the contract, then locust.

Locust runs in its own process (`load.runner`): its gevent patching never enters this one.
What each run uses (scale, profiles, budgets, drift rule) is read from specs/performance.yaml,
the run plan `accreditation`; the long profiles of the plan `bench` are for `make bench`.
Each load run happens once per session and is shared by the tests that judge it.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from performance.load_runs import (
    LOAD_USER,
    RUN_PLAN,
    LoadRun,
    drift_series,
    replay,
    throughput_series,
)

from accredit.plugin import SeriesLog, spec_bundle
from accredit.specs import SpecBundle
from accredit.sut import SutClient
from load.caseload import SCALES, Caseload
from load.profiles import Performance, RunPlan, editable_questions, read_performance
from load.runner import run_load
from load.through_contract import LoadRefused, SeededIds, load_through_contract
from load.windows import read_requests


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """Parametrise by the operations of the run plan's load profile; each runs in smoke too."""
    if "operation" in metafunc.fixturenames:
        performance = read_performance(spec_bundle(metafunc.config).root)
        mix = performance.profiles[performance.runs[RUN_PLAN].load].mix
        metafunc.parametrize(
            "operation", [pytest.param(op, marks=pytest.mark.smoke, id=op) for op in mix]
        )


@pytest.fixture(scope="session")
def performance(specs: SpecBundle) -> Performance:
    return read_performance(specs.root)


@pytest.fixture(scope="session")
def plan(performance: Performance) -> RunPlan:
    return performance.runs[RUN_PLAN]


@pytest.fixture(scope="session")
def seeded(sut: SutClient, specs: SpecBundle, seed: int, plan: RunPlan) -> SeededIds:
    """The caseload of the plan's scale, loaded through the contract (a refusal is an error)."""
    caseload = Caseload(specs, SCALES[plan.scale], seed, date.today())
    return load_through_contract(caseload, sut, author=LOAD_USER)


def _load_run(
    profile_id: str,
    performance: Performance,
    sut: SutClient,
    specs: SpecBundle,
    seeded: SeededIds,
    out: Path,
    plan: RunPlan,
    series: SeriesLog,
) -> LoadRun:
    profile = performance.profiles[profile_id]
    run_load(
        profile, performance.operations, sut.profile.base_url, sut.profile.tokens[LOAD_USER],
        seeded.pools(), editable_questions(specs), out, phrases=performance.search_phrases,
    )  # fmt: skip
    samples = read_requests(out, profile.id)
    if samples:  # a refused run is charted too: the failures over time are part of its evidence
        series.record(throughput_series(profile, plan, samples))
    refused = {s.operation for s in samples} - {s.operation for s in samples if not s.failed}
    if not samples or refused:
        for operation in sorted(refused) or list(profile.mix)[:1]:
            replay(sut, performance, operation, seeded)  # the evidence: a request to repeat
    if not samples:
        log = out / f"locust-{profile.id}.log"
        tail = log.read_text(errors="replace")[-600:] if log.is_file() else ""
        raise LoadRefused(f"the load run {profile.id!r} logged no request: {tail}")
    if refused:
        raise LoadRefused(f"every request of {', '.join(sorted(refused))} failed: the SUT "
                          f"refused the load")  # fmt: skip
    return LoadRun(profile, samples, out)


@pytest.fixture(scope="session")
def load_run(
    performance: Performance,
    plan: RunPlan,
    sut: SutClient,
    specs: SpecBundle,
    seeded: SeededIds,
    series: SeriesLog,
    tmp_path_factory: pytest.TempPathFactory,
) -> LoadRun:
    """The run of the plan's load profile (PERF-001, PERF-002)."""
    out = tmp_path_factory.mktemp("load")
    return _load_run(plan.load, performance, sut, specs, seeded, out, plan, series)


@pytest.fixture(scope="session")
def soak_run(
    performance: Performance,
    plan: RunPlan,
    load_run: LoadRun,
    sut: SutClient,
    specs: SpecBundle,
    seeded: SeededIds,
    series: SeriesLog,
    tmp_path_factory: pytest.TempPathFactory,
) -> LoadRun:
    """The run of the plan's soak profile (PERF-003): the load run itself when they are one."""
    run = load_run
    if plan.soak != plan.load:
        out = tmp_path_factory.mktemp("soak")
        run = _load_run(plan.soak, performance, sut, specs, seeded, out, plan, series)
    series.record(drift_series(run, performance))
    return run


@pytest.fixture(scope="session")
def step_run(
    performance: Performance,
    plan: RunPlan,
    soak_run: LoadRun,
    sut: SutClient,
    specs: SpecBundle,
    seeded: SeededIds,
    series: SeriesLog,
    tmp_path_factory: pytest.TempPathFactory,
) -> LoadRun:
    """The step-up run (PERF-004), after the others so it never loads them."""
    out = tmp_path_factory.mktemp("step")
    return _load_run(plan.step_up, performance, sut, specs, seeded, out, plan, series)
