"""The usability part of the specs (`specs/usability.yaml`) and the task maps suppliers write.

The spec defines the standard tasks: who does each, the inputs the harness provides, the steps
in order (what each achieves and the kind of action), the outcome the harness checks and the
budgets; with the Keystroke-Level Model's operator times and the accessibility rules. A task
map (YAML, `specs/schema/taskmap.schema.json`) says how one product's screens perform them: the
first screen of each task and, for each step, the control by role and accessible name or by
label. `read_task_map` checks a map against the tasks and says, in one line naming the file,
what is missing or wrong: a bad task map is the user's mistake (exit 2), not a verdict.
"""

from __future__ import annotations

import string
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from accredit._paths import specs_root
from accredit.errors import SpecError
from accredit.specs import Catalogue, Users, did_you_mean, validate_document

__all__ = [
    "BROWSER_ACTIONS",
    "HARNESS_ACTIONS",
    "SCREENSHOT_FOLDER",
    "Accessibility",
    "Budget",
    "Control",
    "MappedStep",
    "Task",
    "TaskMap",
    "TaskStep",
    "Usability",
    "fill_in",
    "read_task_map",
    "read_usability",
]

#: The folder of a run directory that holds the tasks' screenshots (beside results.json).
SCREENSHOT_FOLDER = "usability"
#: Steps the task map maps to a control of the product's screens.
BROWSER_ACTIONS = ("click", "type", "choose")
#: Steps the harness performs itself: end the session, close the page, sign in again.
HARNESS_ACTIONS = ("expire_session", "close_page", "sign_in")


@dataclass(frozen=True)
class Budget:
    predicted_seconds: float
    screens: int
    serious_violations: int


@dataclass(frozen=True)
class TaskStep:
    id: str
    action: str
    does: str
    value: str | None = None  # type: the input whose text is typed


@dataclass(frozen=True)
class Task:
    id: str
    title: str
    requirement: str | None
    user: str
    inputs: Mapping[str, str]
    steps: tuple[TaskStep, ...]
    outcome: str
    budget: Budget

    @property
    def mapped_steps(self) -> tuple[TaskStep, ...]:
        """Return the steps a task map must give a control for."""
        return tuple(s for s in self.steps if s.action in BROWSER_ACTIONS)


@dataclass(frozen=True)
class Accessibility:
    standard: str
    tags: tuple[str, ...]
    counted_impacts: tuple[str, ...]


@dataclass(frozen=True)
class Usability:
    version: str
    operators: Mapping[str, float]
    step_timeout_seconds: float
    task_timeout_seconds: float
    pass_through_max: int
    accessibility: Accessibility
    tasks: Mapping[str, Task]

    @property
    def accredited_tasks(self) -> tuple[Task, ...]:
        """Return the tasks that a requirement accredits, in spec order."""
        return tuple(t for t in self.tasks.values() if t.requirement is not None)


@dataclass(frozen=True)
class Control:
    """A control of a screen, as a task map names it (values may hold {input} fields)."""

    role: str | None = None
    name: str | None = None
    label: str | None = None
    within_role: str | None = None
    within_name: str | None = None
    option: str | None = None

    def describe(self) -> str:
        """Return how the control is found, e.g. `button "Save note"`."""
        what = f"{self.role} {self.name!r}" if self.role else f"field labelled {self.label!r}"
        if self.within_role:
            what += f" in {self.within_role} {self.within_name!r}"
        if self.option:
            what += f", option {self.option!r}"
        return what

    def filled(self, inputs: Mapping[str, str]) -> Control:
        """Return the control with the task's inputs put into its {fields}."""

        def fill(value: str | None) -> str | None:
            return fill_in(value, inputs) if value is not None else None

        return Control(
            self.role, fill(self.name), fill(self.label), self.within_role,
            fill(self.within_name), fill(self.option),
        )  # fmt: skip


@dataclass(frozen=True)
class MappedStep:
    """A step of a task as one product performs it."""

    step: TaskStep
    control: Control | None  # None for the harness's own steps
    pass_through: Control | None = None


@dataclass(frozen=True)
class TaskMap:
    source: str
    product: str | None
    starts: Mapping[str, str]
    steps: Mapping[str, tuple[MappedStep, ...]]


def fill_in(template: str, inputs: Mapping[str, str]) -> str:
    """Return `template` with each {name} replaced by the input of that name."""
    return template.format_map(dict(inputs))


def _fields(template: str) -> list[str]:
    try:
        return [name for _, name, _, _ in string.Formatter().parse(template) if name is not None]
    except ValueError as exc:
        raise ValueError(f"{template!r} is not a valid template: {exc}") from None


# --- the spec ---------------------------------------------------------------------------------


def read_usability(
    root: Path | None = None, catalogue: Catalogue | None = None, users: Users | None = None
) -> Usability:
    """Return the tasks of `specs/usability.yaml`; raise SpecError naming file, path and
    problem. With the catalogue and users, requirement ids and users are checked too."""
    path = (root or specs_root()) / "usability.yaml"
    document = _read(path, "usability")
    tasks: dict[str, Task] = {}
    for i, t in enumerate(document["tasks"]):
        where = f"tasks[{i}]"
        if t["id"] in tasks:
            raise SpecError(path, f"{where}.id", f"task {t['id']!r} is defined twice")
        if catalogue is not None and "requirement" in t and t["requirement"] not in catalogue.ids:
            raise SpecError(
                path, f"{where}.requirement", f"{t['requirement']!r} is not in the catalogue"
            )
        if users is not None:
            keys = [u.key for u in users.required_users]
            if t["user"] not in keys:
                raise SpecError(
                    path, f"{where}.user",
                    f"{t['user']!r} is not one of {', '.join(keys)}{did_you_mean(t['user'], keys)}",
                )  # fmt: skip
        steps = []
        seen: set[str] = set()
        for j, s in enumerate(t["steps"]):
            at = f"{where}.steps[{j}]"
            if s["id"] in seen:
                raise SpecError(path, f"{at}.id", f"step {s['id']!r} is defined twice")
            seen.add(s["id"])
            if (s["action"] == "type") != ("value" in s):
                raise SpecError(path, at, "a type step, and only a type step, names its value")
            if "value" in s and s["value"] not in t["inputs"]:
                close = did_you_mean(s["value"], t["inputs"])
                raise SpecError(path, f"{at}.value", f"{s['value']!r} is not an input{close}")
            steps.append(TaskStep(s["id"], s["action"], s["does"], s.get("value")))
        budget = t["budget"]
        tasks[t["id"]] = Task(
            id=t["id"], title=t["title"], requirement=t.get("requirement"), user=t["user"],
            inputs=dict(t["inputs"]), steps=tuple(steps), outcome=t["outcome"],
            budget=Budget(
                float(budget["predicted_seconds"]), int(budget["screens"]),
                int(budget["serious_violations"]),
            ),
        )  # fmt: skip
    limits, access = document["limits"], document["accessibility"]
    return Usability(
        version=document["version"],
        operators={k: float(v) for k, v in document["operators"].items()},
        step_timeout_seconds=float(limits["step_timeout_seconds"]),
        task_timeout_seconds=float(limits["task_timeout_seconds"]),
        pass_through_max=int(limits["pass_through_max"]),
        accessibility=Accessibility(
            access["standard"], tuple(access["tags"]), tuple(access["counted_impacts"])
        ),
        tasks=tasks,
    )


def _read(path: Path, schema: str) -> dict[str, Any]:
    if not path.is_file():
        raise SpecError(path, "", "file not found")
    try:
        document = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}: " if mark is not None else ""
        raise SpecError(
            path, "", f"not valid YAML: {where}{getattr(exc, 'problem', exc)}"
        ) from None
    except UnicodeDecodeError:
        raise SpecError(path, "", "not UTF-8 text") from None
    if not isinstance(document, dict):
        raise SpecError(path, "", "expected a mapping at the top of the file")
    validate_document(document, schema, path)
    return document


# --- task maps --------------------------------------------------------------------------------


def read_task_map(path: Path, usability: Usability, tasks: Iterable[str] | None = None) -> TaskMap:
    """Return the task map at `path`, checked against the tasks (default: the accredited ones).

    Raises SpecError, one line naming the file and the problem: a task or step without a
    control, a step the task does not have, a control for the wrong kind of action, a value
    that names no input of the task.
    """
    document = _read(path, "taskmap")
    wanted = list(tasks) if tasks is not None else [t.id for t in usability.accredited_tasks]
    mapped: dict[str, Any] = document["tasks"]
    for task_id in mapped:
        if task_id not in usability.tasks:
            raise SpecError(
                path, f"tasks.{task_id}",
                f"no such task in usability.yaml{did_you_mean(task_id, usability.tasks)}",
            )  # fmt: skip
    starts: dict[str, str] = {}
    steps: dict[str, tuple[MappedStep, ...]] = {}
    for task_id in [t for t in usability.tasks if t in mapped or t in wanted]:
        task = usability.tasks[task_id]
        if task_id not in mapped:
            raise SpecError(path, "tasks", f"no entry for task {task_id!r} ({task.title})")
        entry = mapped[task_id]
        where = f"tasks.{task_id}"
        _check_fields(path, f"{where}.start", entry["start"], task)
        starts[task_id] = entry["start"]
        steps[task_id] = _mapped_steps(path, where, task, entry["steps"])
    return TaskMap(str(path), document.get("product"), starts, steps)


def _mapped_steps(
    path: Path, where: str, task: Task, given: Mapping[str, Any]
) -> tuple[MappedStep, ...]:
    known = {s.id for s in task.steps}
    for step_id in given:
        if step_id not in known:
            raise SpecError(
                path, f"{where}.steps.{step_id}",
                f"task {task.id!r} has no step {step_id!r}{did_you_mean(step_id, known)}",
            )  # fmt: skip
    result = []
    for step in task.steps:
        at = f"{where}.steps.{step.id}"
        if step.action in HARNESS_ACTIONS:
            if step.id in given:
                raise SpecError(
                    path, at, f"the harness does this step ({step.action}): map nothing"
                )
            result.append(MappedStep(step, None))
            continue
        if step.id not in given:
            raise SpecError(
                path, f"{where}.steps",
                f"no control for step {step.id!r} ({step.does}): give `{step.action}:` with a "
                "role and name, or a label",
            )  # fmt: skip
        entry = given[step.id]
        if step.action not in entry:
            other = next((a for a in BROWSER_ACTIONS if a in entry), None)
            raise SpecError(
                path, at,
                f"step {step.id!r} is a {step.action} step, not {other or 'a pass-through'}: "
                f"give `{step.action}:`",
            )  # fmt: skip
        extra = [a for a in BROWSER_ACTIONS if a in entry and a != step.action]
        if extra:
            raise SpecError(path, f"{at}.{extra[0]}", f"step {step.id!r} is a {step.action} step")
        control = _control(path, f"{at}.{step.action}", entry[step.action], task)
        if step.action == "type" and control.option:
            raise SpecError(path, f"{at}.type.option", "a typed value comes from the task's input")
        through = entry.get("pass_through")
        pass_through = _control(path, f"{at}.pass_through", through, task) if through else None
        result.append(MappedStep(step, control, pass_through))
    return tuple(result)


def _control(path: Path, at: str, given: Mapping[str, Any], task: Task) -> Control:
    for key in ("name", "label", "option"):
        if key in given:
            _check_fields(path, f"{at}.{key}", given[key], task)
    within = given.get("within") or {}
    if within:
        _check_fields(path, f"{at}.within.name", within["name"], task)
    return Control(
        role=given.get("role"), name=given.get("name"), label=given.get("label"),
        within_role=within.get("role"), within_name=within.get("name"),
        option=given.get("option"),
    )  # fmt: skip


def _check_fields(path: Path, at: str, template: str, task: Task) -> None:
    try:
        names = _fields(template)
    except ValueError as exc:
        raise SpecError(path, at, str(exc)) from None
    for name in names:
        if name not in task.inputs:
            raise SpecError(
                path, at,
                f"{{{name}}} is not an input of task {task.id!r}: "
                f"{', '.join(task.inputs)}{did_you_mean(name, task.inputs)}",
            )  # fmt: skip
