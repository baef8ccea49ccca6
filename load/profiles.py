"""Performance budgets and load profiles from `specs/performance.yaml`, validated on load."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import yaml

from accredit._paths import specs_root
from accredit.errors import SpecError
from accredit.specs import did_you_mean, validate_document

__all__ = ["Budget", "LoadProfile", "Operation", "Request", "load_performance"]


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


def load_performance(
    root: Path | None = None,
) -> tuple[dict[str, Operation], dict[str, LoadProfile]]:
    """Return the operations and load profiles; raise SpecError naming file, path and problem."""
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
        profiles[profile_id] = LoadProfile(
            id=profile_id,
            title=p["title"],
            users=p["users"],
            spawn_rate=float(p["spawn_rate"]),
            duration_seconds=float(p["duration_seconds"]),
            think_seconds=(float(low), float(high)),
            mix=dict(p["mix"]),
        )
    return operations, profiles
