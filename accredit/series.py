"""Load runs over time, as the results document records them in `series`.

A verdict under load rests on percentiles and failure ratios over a whole run; a reader judging
it also wants to see the run go by: how many requests (and failures) each window of seconds
carried, and each operation's p95 in the first, middle and last thirds that the drift rule
compares. The performance suite records one `ThroughputSeries` per load run it judged and one
`DriftSeries` per soak; the report draws them. Each kind is a frozen dataclass that writes and
reads its JSON form (schema: `specs/schema/results.schema.json`, `$defs` `throughput_series`
and `drift_series`), so nothing crosses the results document as a loose dict.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

__all__ = [
    "DriftOperation",
    "DriftSeries",
    "Series",
    "ThroughputPoint",
    "ThroughputSeries",
    "read_series",
]


def _check(name: str, value: float) -> None:
    if not (math.isfinite(value) and value >= 0):
        raise ValueError(f"{name} must be a finite number >= 0, not {value!r}")


@dataclass(frozen=True)
class ThroughputPoint:
    """One window of a load run: when it started (seconds from the first request), its
    length, and the requests and failed requests that started in it."""

    start_s: float
    seconds: float
    requests: int
    failed: int

    def __post_init__(self) -> None:
        for name in ("start_s", "seconds", "requests", "failed"):
            _check(name, getattr(self, name))
        if self.seconds == 0:
            raise ValueError("a window must be longer than 0 s")

    @property
    def requests_per_s(self) -> float:
        """Return the window's requests per second."""
        return self.requests / self.seconds

    @property
    def failed_per_s(self) -> float:
        """Return the window's failed requests per second."""
        return self.failed / self.seconds

    def to_json(self) -> dict[str, Any]:
        """Return the window as the results document records it."""
        return {
            "start_s": round(self.start_s, 3),
            "seconds": round(self.seconds, 3),
            "requests": self.requests,
            "failed": self.failed,
            "requests_per_s": round(self.requests_per_s, 3),
            "failed_per_s": round(self.failed_per_s, 3),
        }


@dataclass(frozen=True)
class ThroughputSeries:
    """Requests and failures per window over one load run of `profile`."""

    id: str  # stable across runs: "throughput.<profile>"
    profile: str
    title: str
    users: int
    window_s: float
    requirements: tuple[str, ...]
    points: tuple[ThroughputPoint, ...]

    def to_json(self) -> dict[str, Any]:
        """Return the series as the results document records it."""
        return {
            "kind": "throughput",
            "id": self.id,
            "profile": self.profile,
            "title": self.title,
            "users": self.users,
            "window_s": self.window_s,
            "requirements": list(self.requirements),
            "points": [p.to_json() for p in self.points],
        }

    @classmethod
    def from_json(cls, entry: Mapping[str, Any]) -> ThroughputSeries:
        """Return the series of a validated results document's entry."""
        return cls(
            id=entry["id"],
            profile=entry["profile"],
            title=entry["title"],
            users=entry["users"],
            window_s=entry["window_s"],
            requirements=tuple(entry["requirements"]),
            points=tuple(
                ThroughputPoint(p["start_s"], p["seconds"], p["requests"], p["failed"])
                for p in entry["points"]
            ),
        )


@dataclass(frozen=True)
class DriftOperation:
    """One operation's p95 in each third of a soak, and the drift rule's ratio."""

    operation: str
    title: str
    first_p95_ms: float
    middle_p95_ms: float | None  # None: no request of it in the middle third
    last_p95_ms: float
    ratio: float

    def __post_init__(self) -> None:
        for name in ("first_p95_ms", "middle_p95_ms", "last_p95_ms", "ratio"):
            value = getattr(self, name)
            if value is not None:
                _check(name, value)

    def to_json(self) -> dict[str, Any]:
        """Return the operation's thirds as the results document records them."""
        middle = self.middle_p95_ms
        return {
            "operation": self.operation,
            "title": self.title,
            "first_p95_ms": round(self.first_p95_ms, 3),
            "middle_p95_ms": None if middle is None else round(middle, 3),
            "last_p95_ms": round(self.last_p95_ms, 3),
            "ratio": round(self.ratio, 4),
        }


@dataclass(frozen=True)
class DriftSeries:
    """Each operation's p95 per third of the soak run of `profile`, under the drift rule:
    last over first, each raised to `floor_ms`, at most `max_ratio`."""

    id: str  # stable across runs: "drift.<profile>"
    profile: str
    title: str
    floor_ms: float
    max_ratio: float
    requirements: tuple[str, ...]
    operations: tuple[DriftOperation, ...]

    def limit_ms(self, operation: DriftOperation) -> float:
        """Return the highest last-third p95 the rule allows `operation`."""
        return self.max_ratio * max(operation.first_p95_ms, self.floor_ms)

    def to_json(self) -> dict[str, Any]:
        """Return the series as the results document records it."""
        return {
            "kind": "drift",
            "id": self.id,
            "profile": self.profile,
            "title": self.title,
            "floor_ms": self.floor_ms,
            "max_ratio": self.max_ratio,
            "requirements": list(self.requirements),
            "operations": [o.to_json() for o in self.operations],
        }

    @classmethod
    def from_json(cls, entry: Mapping[str, Any]) -> DriftSeries:
        """Return the series of a validated results document's entry."""
        return cls(
            id=entry["id"],
            profile=entry["profile"],
            title=entry["title"],
            floor_ms=entry["floor_ms"],
            max_ratio=entry["max_ratio"],
            requirements=tuple(entry["requirements"]),
            operations=tuple(
                DriftOperation(
                    o["operation"],
                    o["title"],
                    o["first_p95_ms"],
                    o["middle_p95_ms"],
                    o["last_p95_ms"],
                    o["ratio"],
                )
                for o in entry["operations"]
            ),
        )


Series = ThroughputSeries | DriftSeries


def read_series(entries: Iterable[Mapping[str, Any]]) -> list[Series]:
    """Return the series of a validated results document's `series` array, in its order."""
    kinds: dict[str, type[ThroughputSeries] | type[DriftSeries]] = {
        "throughput": ThroughputSeries,
        "drift": DriftSeries,
    }
    return [kinds[entry["kind"]].from_json(entry) for entry in entries]
