"""Performance budgets and load profiles from `specs/performance.yaml`, validated on load."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import yaml

from accredit._paths import specs_root
from accredit.errors import SpecError
from accredit.specs import SpecBundle, did_you_mean, validate_document
from load.caseload import SCALES

__all__ = [
    "Budget",
    "Drift",
    "LoadProfile",
    "Operation",
    "Performance",
    "Request",
    "RunPlan",
    "editable_questions",
    "load_performance",
    "read_performance",
]


@dataclass(frozen=True)
class Request:
    method: str
    path: str
    body: str | None


@dataclass(frozen=True)
class Budget:
    p95_ms: float
    p99_ms: float
    error_rate: float


@dataclass(frozen=True)
class Operation:
    id: str
    title: str
    requests: tuple[Request, ...]
    budget: Budget


@dataclass(frozen=True)
class LoadProfile:
    id: str
    title: str
    users: int
    spawn_rate: float
    duration_seconds: float
    think_seconds: tuple[float, float]
    mix: dict[str, float]
    #: A step-up profile: the user count of each step, each held for step_seconds.
    steps: tuple[int, ...] = ()
    step_seconds: float = 0.0


@dataclass(frozen=True)
class Drift:
    """How far p95 may rise over a run: last third vs first third, both floored at floor_ms."""

    max_p95_ratio: float
    floor_ms: float


@dataclass(frozen=True)
class RunPlan:
    """Which scale and profiles a run uses for the budgets, the soak and the step-up."""

    scale: str
    load: str
    soak: str
    step_up: str


@dataclass(frozen=True)
class Performance:
    operations: dict[str, Operation]
    profiles: dict[str, LoadProfile]
    search_phrases: tuple[str, ...]
    drift: Drift
    runs: dict[str, RunPlan]


def load_performance(
    root: Path | None = None,
) -> tuple[dict[str, Operation], dict[str, LoadProfile]]:
    """Return the operations and load profiles; raise SpecError naming file, path and problem."""
    performance = read_performance(root)
    return performance.operations, performance.profiles


def read_performance(root: Path | None = None) -> Performance:
    """Return the whole performance spec; raise SpecError naming file, path and problem."""
    path = (root or specs_root()) / "performance.yaml"
    try:
        document = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise SpecError(path, "", f"cannot be read: {' '.join(str(exc).split())}") from None
    validate_document(document, "performance", path)
    operations = {
        op_id: Operation(
            id=op_id,
            title=op["title"],
            requests=tuple(Request(r["method"], r["path"], r.get("body")) for r in op["requests"]),
            budget=Budget(**op["budget"]),
        )
        for op_id, op in document["operations"].items()
    }
    for op in operations.values():
        if op.budget.p99_ms < op.budget.p95_ms:
            raise SpecError(path, f"operations.{op.id}.budget.p99_ms", "is below p95_ms")
    profiles = {}
    for profile_id, p in document["profiles"].items():
        for op_id in p["mix"]:
            if op_id not in operations:
                raise SpecError(
                    path,
                    f"profiles.{profile_id}.mix",
                    f"{op_id!r} is not an operation: {', '.join(operations)}"
                    f"{did_you_mean(op_id, operations)}",
                )
        low, high = p["think_seconds"]
        if low > high:
            raise SpecError(
                path, f"profiles.{profile_id}.think_seconds", "the least is above the most"
            )
        steps = p.get("steps")
        if steps is not None:
            users, seconds = steps["users"], float(steps["seconds"])
            if list(users) != sorted(users):
                raise SpecError(
                    path, f"profiles.{profile_id}.steps.users", "must rise step by step"
                )
            top, duration = max(users), seconds * len(users)
        elif "users" in p and "duration_seconds" in p:
            top, duration, seconds = p["users"], float(p["duration_seconds"]), 0.0
        else:
            raise SpecError(
                path, f"profiles.{profile_id}", "needs users and duration_seconds, or steps"
            )
        profiles[profile_id] = LoadProfile(
            id=profile_id,
            title=p["title"],
            users=top,
            spawn_rate=float(p["spawn_rate"]),
            duration_seconds=duration,
            think_seconds=(float(low), float(high)),
            mix=dict(p["mix"]),
            steps=tuple(steps["users"]) if steps else (),
            step_seconds=seconds,
        )
    runs = {}
    for run_id, r in document["runs"].items():
        for role in ("load", "soak", "step_up"):
            if r[role] not in profiles:
                raise SpecError(
                    path,
                    f"runs.{run_id}.{role}",
                    f"{r[role]!r} is not a profile: {', '.join(profiles)}"
                    f"{did_you_mean(r[role], profiles)}",
                )
        if not profiles[r["step_up"]].steps:
            raise SpecError(path, f"runs.{run_id}.step_up", f"{r['step_up']!r} has no steps")
        if r["scale"] not in SCALES:
            raise SpecError(
                path,
                f"runs.{run_id}.scale",
                f"{r['scale']!r} is not a scale: {', '.join(SCALES)}"
                f"{did_you_mean(r['scale'], SCALES)}",
            )
        runs[run_id] = RunPlan(r["scale"], r["load"], r["soak"], r["step_up"])
    return Performance(
        operations=operations,
        profiles=profiles,
        search_phrases=tuple(document["search_phrases"]),
        drift=Drift(
            float(document["drift"]["max_p95_ratio"]), float(document["drift"]["floor_ms"])
        ),
        runs=runs,
    )


def editable_questions(specs: SpecBundle) -> dict[str, str]:
    """Return, per form kind, a free-text question asked in every band: what a save changes."""
    chosen = {}
    for kind, form in specs.forms.items():
        for question in form.questions:
            if question.type == "long_text" and "not_asked" not in question.status.values():
                chosen[kind] = question.id
                break
    return chosen
