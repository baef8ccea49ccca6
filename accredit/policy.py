"""The scoring policy (`specs/policy.yaml`) and a council's own category weights.

The policy says how much each verdict earns, how measured figures are graded against their
budgets, each category's weight and threshold, and which findings refuse accreditation or
become conditions of it. Scoring, the reports, comparison and verification all read it through
this module, so the rules have one source of truth. A bad policy or weights file stops with one
line naming the file, the path inside it and the problem.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, Literal

import yaml

from accredit.errors import SpecError
from accredit.specs import SpecBundle, did_you_mean, load_specs, validate_document

__all__ = [
    "FINDING_KINDS",
    "OUTCOMES",
    "POLICY_FILE",
    "CategoryPolicy",
    "Policy",
    "Weights",
    "load_policy",
    "load_weights",
    "read_policy",
]

POLICY_FILE = "policy.yaml"

#: The findings scoring can make; the policy puts each under `refuse` or `conditions`.
FINDING_KINDS = (
    "must_not_passed",
    "should_not_passed",
    "category_below_threshold",
    "category_not_assessed",
    "category_not_selected",
)
#: The decisions, from the one that says least to the best.
OUTCOMES = ("no_decision", "not_accredited", "accredited_with_conditions", "accredited")

#: The category weights of a policy or a council sum to this (they are percentages).
WEIGHTS_TOTAL = 100.0
_TOLERANCE = 1e-6
_WEIGHTS_KEYS = ("title", "weights")

Grading = Literal["verdicts", "budgets"]


@dataclass(frozen=True)
class CategoryPolicy:
    id: str
    weight: float
    threshold: float
    grading: Grading


@dataclass(frozen=True)
class Weights:
    """A council's own category weights, read from a weights file."""

    source: str
    title: str | None
    weights: Mapping[str, float]


@dataclass(frozen=True)
class Policy:
    source: str
    version: str
    sha256: str
    verdict_credit: Mapping[str, float]
    zero_at: float
    categories: tuple[CategoryPolicy, ...]
    refuse: tuple[str, ...]
    conditions: tuple[str, ...]
    decisive_profiles: tuple[str, ...]
    outcomes: Mapping[str, str]
    weights_source: str | None = None

    def category(self, category_id: str) -> CategoryPolicy | None:
        """Return the policy for a category, or None if the policy does not name it."""
        return next((c for c in self.categories if c.id == category_id), None)

    def with_weights(self, weights: Weights) -> Policy:
        """Return this policy with a council's weights in place of its own (unnamed: 0)."""
        categories = tuple(
            replace(c, weight=float(weights.weights.get(c.id, 0.0))) for c in self.categories
        )
        return replace(self, categories=categories, weights_source=weights.source)


def load_policy(specs: SpecBundle | None = None) -> Policy:
    """Return the policy of a spec bundle (default: the installed specs), checked against the
    bundle's catalogue: one entry per category, no more."""
    specs = specs or load_specs()
    return read_policy(specs.root / POLICY_FILE, [c.id for c in specs.catalogue.categories])


def read_policy(path: Path, categories: Iterable[str] | None = None) -> Policy:
    """Return the policy in the file at `path`; if `categories` is given, it must name exactly
    those. Raises SpecError naming file, path and problem."""
    raw = _read_bytes(path)
    document = _parse(path, raw)
    validate_document(document, "policy", path)
    entries = document["categories"]
    if categories is not None:
        known = list(categories)
        for name in entries:
            if name not in known:
                raise SpecError(
                    path,
                    f"categories.{name}",
                    f"not a catalogue category: {', '.join(known)}{did_you_mean(name, known)}",
                )
        missing = [c for c in known if c not in entries]
        if missing:
            raise SpecError(path, "categories", f"no entry for catalogue category {missing[0]!r}")
    _check_total(path, "categories", {k: float(v["weight"]) for k, v in entries.items()})
    decision = document["decision"]
    for kind in FINDING_KINDS:
        places = [p for p in ("refuse", "conditions") if kind in decision[p]]
        if len(places) != 1:
            problem = "is in both" if places else "is in neither"
            raise SpecError(
                path, "decision", f"finding {kind!r} {problem} refuse and conditions: put it in one"
            )
    return Policy(
        source=str(path),
        version=document["version"],
        sha256=hashlib.sha256(raw).hexdigest(),
        verdict_credit={k: float(v) for k, v in document["verdict_credit"].items()},
        zero_at=float(document["budget_grading"]["zero_at"]),
        categories=tuple(
            CategoryPolicy(name, float(c["weight"]), float(c["threshold"]), c["grading"])
            for name, c in entries.items()
        ),
        refuse=tuple(decision["refuse"]),
        conditions=tuple(decision["conditions"]),
        decisive_profiles=tuple(decision["decisive_profiles"]),
        outcomes=dict(decision["outcomes"]),
    )


def load_weights(path: Path, categories: Iterable[str]) -> Weights:
    """Return a council's weights file: categories it names must be among `categories`, and
    the weights must sum to 100. Raises SpecError naming file, path and problem."""
    document = _parse(path, _read_bytes(path))
    for key in document:
        if key not in _WEIGHTS_KEYS:
            # Before the schema, which would say only that `weights` is missing.
            raise SpecError(path, "", f"unknown key {key!r}{did_you_mean(key, _WEIGHTS_KEYS)}")
    validate_document(document, "weights", path)
    known = list(categories)
    weights = {name: float(value) for name, value in document["weights"].items()}
    for name in weights:
        if name not in known:
            raise SpecError(
                path,
                f"weights.{name}",
                f"not a category: {', '.join(known)}{did_you_mean(name, known)}",
            )
    _check_total(path, "weights", weights)
    return Weights(str(path), document.get("title"), weights)


def _check_total(path: Path, where: str, weights: Mapping[str, float]) -> None:
    total = sum(weights.values())
    if abs(total - WEIGHTS_TOTAL) > _TOLERANCE:
        raise SpecError(path, where, f"the weights sum to {total:g}, not {WEIGHTS_TOTAL:g}")


def _read_bytes(path: Path) -> bytes:
    if not path.is_file():
        raise SpecError(path, "", "file not found")
    return path.read_bytes()


def _parse(path: Path, raw: bytes) -> Any:
    try:
        document = yaml.safe_load(raw.decode("utf-8"))
    except UnicodeDecodeError:
        raise SpecError(path, "", "not UTF-8 text") from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}: " if mark is not None else ""
        problem = getattr(exc, "problem", None) or str(exc)
        raise SpecError(path, "", f"not valid YAML: {where}{problem}") from None
    if not isinstance(document, dict):
        raise SpecError(path, "", "expected a mapping at the top of the file")
    return document
