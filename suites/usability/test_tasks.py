"""The standard tasks at the screen (specs/usability.yaml), each driven in Chromium through the
product's task map: done, within its predicted expert time and screens (USE-001 to USE-005),
and every screen it visits free of serious and critical accessibility violations (USE-006)."""

from __future__ import annotations

from typing import Any

import pytest

from accredit.plugin import MeasurementLog
from accredit.sut import Recorder
from accredit.usability_spec import Usability
from usability.runner import TaskRun


class TaskStopped(Exception):
    """A step of the task could not be performed: the harness could not decide (error)."""


def _stopped(run: TaskRun) -> None:
    if run.failure is not None:
        raise TaskStopped(
            f"the task stopped at step {run.failure.step!r}: {run.failure.message}"
            + (f" (screenshot {run.screenshot.name})" if run.screenshot else "")
        )


def test_the_task_is_done_within_its_budget(
    task_id: str,
    task_runs: Any,
    recorder: Recorder,
    usability: Usability,
    measurements: MeasurementLog,
) -> None:
    """The task's result is in the product, in no more than its predicted expert time and
    screens."""
    outcome = task_runs.get(task_id, recorder)
    run, task = outcome.run, usability.tasks[task_id]
    _stopped(run)
    budget = task.budget
    measurements.record(
        f"usability.{task_id}.predicted_s", f"{task.title}: predicted expert time",
        run.predicted_s, budget.predicted_seconds, "s",
    )  # fmt: skip
    measurements.record(
        f"usability.{task_id}.screens", f"{task.title}: screens visited",
        len(run.screens), budget.screens, "screens",
    )  # fmt: skip
    problems = []
    if outcome.missing:
        problems.append(f"the task was not done: {outcome.missing}")
    if run.predicted_s > budget.predicted_seconds:
        problems.append(
            f"predicted expert time: expected at most {budget.predicted_seconds:g} s, got "
            f"{run.predicted_s:.1f} s"
        )
    if len(run.screens) > budget.screens:
        visited = " > ".join(s.path for s in run.screens)
        problems.append(
            f"screens: expected at most {budget.screens}, got {len(run.screens)} ({visited})"
        )
    if problems:
        raise AssertionError("; ".join(problems))


@pytest.mark.judged_by("USE-006")
def test_every_screen_of_the_task_is_accessible(
    task_id: str,
    task_runs: Any,
    recorder: Recorder,
    usability: Usability,
    measurements: MeasurementLog,
) -> None:
    """axe-core finds no violation of the counted impacts on any screen the task visits."""
    outcome = task_runs.get(task_id, recorder)
    run, task = outcome.run, usability.tasks[task_id]
    _stopped(run)
    counted = usability.accessibility.counted_impacts
    found = [v for v in run.violations if v.impact in counted]
    measurements.record(
        f"usability.{task_id}.violations",
        f"{task.title}: {' and '.join(counted)} accessibility violations",
        len(found), task.budget.serious_violations, "violations",
    )  # fmt: skip
    if len(found) > task.budget.serious_violations:
        raise AssertionError(
            f"expected at most {task.budget.serious_violations} {'/'.join(counted)} violations "
            f"of {usability.accessibility.standard}, got {len(found)}: "
            + "; ".join(
                f"{v.rule} ({v.impact}) on {v.screen}: {', '.join(n.target for n in v.nodes[:3])}"
                for v in found[:5]
            )
        )
