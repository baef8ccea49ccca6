"""The usability suite's browser and task runs: each task runs once, on a case built for it
through the contract (`cases.py`), and is judged by two tests (its own requirement, and
accessibility).

Everything is bounded: a step waits at most the spec's step timeout, a task at most its task
timeout; a task that cannot go on stops with the step and a screenshot, and the next runs.
"""

from __future__ import annotations

import importlib.util
import random
import shutil
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from accredit.plugin import UsabilityLog, spec_bundle
from accredit.specs import SpecBundle
from accredit.sut import Exchange, Recorder, SutClient, UiProfile
from accredit.usability_spec import TaskMap, Usability, read_task_map, read_usability
from usability.browser import headless_chromium
from usability.record import task_record
from usability.runner import TaskRun, run_task


def _beside(name: str) -> ModuleType:
    """Import a module of this folder by its file: `usability.<name>` would be looked for in
    the harness's `usability` package, whose name this folder shares."""
    spec = importlib.util.spec_from_file_location(
        f"usability_suite_{name}", Path(__file__).with_name(f"{name}.py")
    )
    assert spec is not None and spec.loader is not None
    module = sys.modules[spec.name] = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


cases = _beside("cases")


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """Parametrise by the accredited tasks of specs/usability.yaml, each under its requirement."""
    if "task_id" not in metafunc.fixturenames:
        return
    specs = spec_bundle(metafunc.config)
    usability = read_usability(specs.root, specs.catalogue, specs.users)
    judged_by = metafunc.definition.get_closest_marker("judged_by")
    params = []
    for task in usability.accredited_tasks:
        requirement = judged_by.args[0] if judged_by else task.requirement
        params.append(
            # Every task runs in a smoke run too: each is its requirement's only test.
            pytest.param(
                task.id,
                id=task.id,
                marks=[pytest.mark.requirement(requirement), pytest.mark.smoke],
            )
        )
    metafunc.parametrize("task_id", params)


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "judged_by(id): every task's test verifies this one requirement"
    )


@pytest.fixture(scope="session")
def usability(specs: SpecBundle) -> Usability:
    return read_usability(specs.root, specs.catalogue, specs.users)


@pytest.fixture(scope="session")
def ui(sut: SutClient) -> UiProfile:
    if sut.profile.ui is None:
        pytest.skip("precondition not met: the SUT profile has no `ui` block (no web UI named)")
    return sut.profile.ui


@pytest.fixture(scope="session")
def task_map(ui: UiProfile, usability: Usability) -> TaskMap:
    return read_task_map(ui.task_map, usability)


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    with headless_chromium() as chromium:
        yield chromium


@dataclass
class TaskOutcome:
    """One task run, its case, whether it was done, and the exchanges that built and checked it."""

    run: TaskRun
    case: Any  # cases.Case
    missing: str | None
    exchanges: list[Exchange]


class TaskRuns:
    """Runs each task once, the first time a test asks for it; later tests get the same run.

    The exchanges that built and checked a task's case are kept with it, and each test that
    judges it carries them as its evidence.
    """

    def __init__(self, **parts: Any) -> None:
        self._parts = parts
        self._done: dict[str, TaskOutcome | BaseException] = {}
        shutil.rmtree(parts["log"].directory, ignore_errors=True)  # nothing stale is listed

    def get(self, task_id: str, recorder: Recorder) -> TaskOutcome:
        if task_id not in self._done:
            try:
                self._done[task_id] = self._run(task_id, recorder)
            except (Exception, pytest.skip.Exception) as error:
                self._done[task_id] = error
                self._done[f"{task_id}:exchanges"] = recorder.take()  # type: ignore[assignment]
        found = self._done[task_id]
        if isinstance(found, BaseException):
            for exchange in self._done.get(f"{task_id}:exchanges", []):  # type: ignore[union-attr]
                recorder.add(exchange)
            raise found
        for exchange in found.exchanges:
            recorder.add(exchange)
        return found

    def _run(self, task_id: str, recorder: Recorder) -> TaskOutcome:
        p = self._parts
        usability: Usability = p["usability"]
        task = usability.tasks[task_id]
        task_map: TaskMap = p["task_map"]
        log: UsabilityLog = p["log"]
        rng = random.Random(f"{p['seed']}:usability:{task_id}")
        case = cases.build_case(task, p["sut"], p["specs"], rng)
        run = run_task(
            p["browser"], p["ui"], usability, task, task_map.steps[task_id],
            task_map.starts[task_id], case.inputs, log.directory,
        )  # fmt: skip
        missing = None if run.failure else case.check(run.final_text, run.field_values)
        outcome = "stopped" if run.failure else ("not_done" if missing else "done")
        message = (
            f"stopped at step {run.failure.step!r}: {run.failure.message}"
            if run.failure
            else missing
        )
        log.record(task_record(run, usability, outcome, message, log.directory.parent, log.scrub))
        return TaskOutcome(run, case, missing, recorder.take())


@pytest.fixture(scope="session")
def task_runs(
    sut: SutClient,
    specs: SpecBundle,
    seed: int,
    usability: Usability,
    ui: UiProfile,
    task_map: TaskMap,
    browser: Any,
    usability_log: UsabilityLog,
) -> TaskRuns:
    return TaskRuns(
        sut=sut, specs=specs, seed=seed, usability=usability, ui=ui, task_map=task_map,
        browser=browser, log=usability_log,
    )  # fmt: skip
