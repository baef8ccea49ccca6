"""A task's run as results.json records it (`usability` section, results schema), with
every credential scrubbed and the screenshot named by its path and sha256."""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from accredit.usability_spec import Usability
from usability.klm import compress, sequence_text
from usability.runner import TaskRun

__all__ = ["task_record"]


def task_record(
    run: TaskRun,
    usability: Usability,
    outcome: str,
    message: str | None,
    results_folder: Path,
    scrub: Callable[[str], str],
) -> dict[str, Any]:
    """Return the results entry of a task run; `outcome` is done, not_done or stopped."""
    task = run.task
    times: Mapping[str, float] = usability.operators
    operators = [
        {
            "op": o.kind,
            "count": o.count,
            "step": o.step,
            "seconds": round(o.seconds or 0.0, 4) if o.kind == "R" else times[o.kind] * o.count,
        }
        for o in compress(run.operators)
    ]
    screenshot = None
    if run.screenshot is not None and run.screenshot.is_file():
        screenshot = {
            "path": run.screenshot.relative_to(results_folder).as_posix(),
            "sha256": hashlib.sha256(run.screenshot.read_bytes()).hexdigest(),
        }
    counted = usability.accessibility.counted_impacts
    return {
        "task": task.id,
        "title": task.title,
        "requirement": task.requirement,
        "user": task.user,
        "outcome": outcome,
        "message": scrub(message) if message else None,
        "stopped_at": run.failure.step if run.failure else None,
        "operators": operators,
        "sequence": sequence_text(compress(run.operators)),
        "predicted_s": round(run.predicted_s, 3),
        "budget_s": task.budget.predicted_seconds,
        "screens": [{"path": scrub(s.path), "response_s": s.response_s} for s in run.screens],
        "budget_screens": task.budget.screens,
        "clicks": run.clicks,
        "keystrokes": run.keystrokes,
        "scroll_px": run.scroll_px,
        "wall_s": max(run.wall_s, 0.0),
        "response_s": round(run.response_s, 4),
        "violations": [
            {
                "screen": scrub(v.screen),
                "rule": v.rule,
                "impact": v.impact,
                "help": v.help,
                "help_url": v.help_url,
                "node_count": v.node_count,
                "nodes": [{"target": scrub(n.target), "html": scrub(n.html)} for n in v.nodes],
            }
            for v in run.violations
        ],
        "counted_impacts": list(counted),
        "counted_violations": run.counted_violations(counted),
        "budget_violations": task.budget.serious_violations,
        "unlabelled": [scrub(u) for u in run.unlabelled],
        "screenshot": screenshot,
    }
