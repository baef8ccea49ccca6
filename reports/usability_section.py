"""The report's section on the usability tasks, from results.json `usability` alone.

For each task run in a browser: whether it was done, the operators it took (Keystroke-Level
Model) and its predicted expert time against the budget (one chart for all tasks, beside the
table of its figures), the screens visited, the accessibility violations with the failing
elements, and the screenshot of the final state. Screenshots are files of the run directory
named in results.json with their sha256: the report embeds each one only if its bytes still
match, so the report stays one file and never shows an image the results do not vouch for.
"""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from reports.charts import TaskTime, task_time_chart
from reports.decision_page import format_figure

__all__ = ["TaskSection", "usability_section"]

_OUTCOMES = {"done": "Done", "not_done": "Not done", "stopped": "Stopped"}
_STEP_OPERATORS = ("K", "P", "H", "M", "B", "R")


@dataclass(frozen=True)
class ViolationLine:
    screen: str
    rule: str
    impact: str
    help: str
    help_url: str
    elements: str
    counted: bool


@dataclass(frozen=True)
class TaskSection:
    id: str
    title: str
    requirement: str
    user: str
    outcome: str
    done: bool
    message: str | None
    sequence: str
    operator_counts: str
    predicted_s: str
    budget_s: str
    within_time: bool
    screens: tuple[tuple[str, str], ...]
    screen_count: int
    budget_screens: int
    clicks: int
    keystrokes: int
    scroll_px: str
    wall_s: str
    response_s: str
    violations: tuple[ViolationLine, ...]
    counted_violations: int
    budget_violations: int
    counted_impacts: str
    unlabelled: tuple[str, ...]
    screenshot: str | None
    screenshot_note: str


def usability_section(results: Mapping[str, Any], artefacts: Path | None = None) -> dict[str, Any]:
    """Return the template values of the usability section: `usability_tasks` (empty for a
    results document without `usability`) and `usability_chart`. `artefacts` is the folder of
    results.json, where the screenshots are; without it none is embedded."""
    tasks = [_task(t, artefacts) for t in results.get("usability", [])]
    rows = [
        TaskTime(
            t["title"],
            None if t["outcome"] == "stopped" else float(t["predicted_s"]),
            float(t["response_s"]),
            float(t["budget_s"]),
        )
        for t in results.get("usability", [])
    ]
    return {"usability_tasks": tasks, "usability_chart": task_time_chart(rows) if rows else None}


def _task(task: Mapping[str, Any], artefacts: Path | None) -> TaskSection:
    counted = set(task["counted_impacts"])
    screenshot, note = _screenshot(task.get("screenshot"), artefacts)
    return TaskSection(
        id=task["task"],
        title=task["title"],
        requirement=task["requirement"],
        user=task["user"],
        outcome=_OUTCOMES.get(task["outcome"], task["outcome"]),
        done=task["outcome"] == "done",
        message=task["message"],
        sequence=task["sequence"],
        operator_counts=_counts(task["operators"]),
        predicted_s=format_figure(task["predicted_s"]),
        budget_s=format_figure(task["budget_s"]),
        within_time=task["predicted_s"] <= task["budget_s"],
        screens=tuple(
            (s["path"], "" if s["response_s"] is None else format_figure(s["response_s"]))
            for s in task["screens"]
        ),
        screen_count=len(task["screens"]),
        budget_screens=task["budget_screens"],
        clicks=task["clicks"],
        keystrokes=task["keystrokes"],
        scroll_px=format_figure(task["scroll_px"]),
        wall_s=format_figure(task["wall_s"]),
        response_s=format_figure(task["response_s"]),
        violations=tuple(
            ViolationLine(
                v["screen"],
                v["rule"],
                v["impact"],
                v["help"],
                v["help_url"],
                "; ".join(f"{n['target']}: {n['html']}" for n in v["nodes"]),
                v["impact"] in counted,
            )
            for v in task["violations"]
        ),
        counted_violations=task["counted_violations"],
        budget_violations=task["budget_violations"],
        counted_impacts=" or ".join(task["counted_impacts"]),
        unlabelled=tuple(task["unlabelled"]),
        screenshot=screenshot,
        screenshot_note=note,
    )


def _counts(operators: Sequence[Mapping[str, Any]]) -> str:
    totals: dict[str, tuple[int, float]] = {}
    for o in operators:
        count, seconds = totals.get(o["op"], (0, 0.0))
        totals[o["op"]] = (count + o["count"], seconds + o["seconds"])
    return ", ".join(
        f"{op} {totals[op][0]} ({format_figure(round(totals[op][1], 2))} s)"
        for op in _STEP_OPERATORS
        if op in totals
    )


def _screenshot(entry: Mapping[str, Any] | None, artefacts: Path | None) -> tuple[str | None, str]:
    if entry is None:
        return None, "no screenshot was taken"
    if artefacts is None:
        return None, f"the screenshot is {entry['path']} beside results.json"
    path = (artefacts / entry["path"]).resolve()
    if artefacts.resolve() not in path.parents or not path.is_file():
        return None, f"the screenshot {entry['path']} is missing"
    content = path.read_bytes()
    if hashlib.sha256(content).hexdigest() != entry["sha256"]:
        return None, f"the screenshot {entry['path']} differs from the one results.json names"
    return "data:image/png;base64," + base64.b64encode(content).decode("ascii"), entry["path"]
