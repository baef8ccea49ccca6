"""The results document: what a run found, in one schema-versioned JSON file.

Running writes it; scoring, reports, comparison and verification read only it. The schema is
`specs/schema/results.schema.json`. A requirement's verdict is the worst of its tests' outcomes,
so a requirement verified by several tests passes only if all of them pass.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any, Literal

import jsonschema

from accredit.errors import UserError
from accredit.specs import Catalogue, first_schema_problem, read_schema

__all__ = [
    "SCHEMA_VERSION",
    "Outcome",
    "Verdict",
    "read_results",
    "requirement_entries",
    "summarise",
    "validate_results",
    "verdict_of",
    "write_results",
]

SCHEMA_VERSION = 1

Verdict = Literal["pass", "fail", "error", "not_run"]
Outcome = Literal["pass", "fail", "error", "skipped"]

# Worst first. A skipped test (an unmet precondition) leaves its requirement not run.
_SEVERITY: tuple[Verdict, ...] = ("fail", "error", "not_run", "pass")
_OUTCOME_VERDICT: dict[str, Verdict] = {
    "fail": "fail",
    "error": "error",
    "skipped": "not_run",
    "pass": "pass",
}


def verdict_of(outcomes: Iterable[str]) -> Verdict:
    """Return a requirement's verdict from its tests' outcomes: the worst; not_run if none."""
    verdicts = {_OUTCOME_VERDICT[o] for o in outcomes}
    if not verdicts:
        return "not_run"
    return next(v for v in _SEVERITY if v in verdicts)


def requirement_entries(
    catalogue: Catalogue,
    tests_by_requirement: Mapping[str, list[dict[str, Any]]],
    categories: Iterable[str] | None = None,
) -> list[dict[str, Any]]:
    """Return the `requirements` array: every catalogue requirement (of the selected
    categories) with its tests and verdict, in catalogue order."""
    selected = set(categories) if categories is not None else None
    entries = []
    for r in catalogue.requirements:
        if selected is not None and r.category not in selected:
            continue
        tests = tests_by_requirement.get(r.id, [])
        entries.append(
            {
                "id": r.id,
                "title": r.title,
                "statement": r.statement,
                "level": r.level,
                "category": r.category,
                "weight": r.weight,
                "rationale": r.rationale,
                "method": r.verification.method,
                "verdict": verdict_of(t["outcome"] for t in tests),
                "tests": tests,
            }
        )
    return entries


def summarise(requirements: Iterable[Mapping[str, Any]]) -> dict[str, Any]:
    """Return the `summary` object: counts per verdict and the MUSTs that did not pass."""
    requirements = list(requirements)
    counts: dict[str, int] = {
        v: sum(1 for r in requirements if r["verdict"] == v) for v in _SEVERITY
    }
    return {
        **counts,
        "must_not_passed": [
            r["id"] for r in requirements if r["level"] == "MUST" and r["verdict"] != "pass"
        ],
    }


def validate_results(document: Any, source: str) -> None:
    """Raise UserError, one line starting with `source`, unless `document` is a valid results
    document of this schema version."""
    if not isinstance(document, dict):
        raise UserError(f"{source}: not a results document: expected a JSON object at the top")
    if "schema_version" not in document:
        raise UserError(f"{source}: not a results document: schema_version is missing")
    version = document["schema_version"]
    if version != SCHEMA_VERSION or isinstance(version, bool):
        raise UserError(
            f"{source}: results schema version {version!r} is not supported; this harness "
            f"reads version {SCHEMA_VERSION}"
        )
    problem = first_schema_problem(
        jsonschema.Draft202012Validator(read_schema("results")), document
    )
    if problem is not None:
        raise UserError(f"{source}: {problem}")


def write_results(document: dict[str, Any], path: Path) -> Path:
    """Validate and write the document; a harness that writes an invalid one has a bug."""
    validate_results(document, str(path))
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(document, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return path


def read_results(path: Path | str) -> dict[str, Any]:
    """Return the results document at `path`, checked against its schema.

    Raises UserError, one line starting with the path, if the file is missing, is not JSON,
    has another schema version or breaks the schema.
    """
    path = Path(path)
    if not path.is_file():
        raise UserError(f"{path}: results document not found")
    try:
        document = json.loads(path.read_text(encoding="utf-8"), parse_constant=_refuse_constant)
    except UnicodeDecodeError:
        raise UserError(f"{path}: not UTF-8 text") from None
    except ValueError as exc:
        raise UserError(f"{path}: not valid JSON: {' '.join(str(exc).split())}") from None
    except RecursionError:
        raise UserError(f"{path}: not usable: JSON nested too deeply to read") from None
    validate_results(document, str(path))
    return dict(document)


def _refuse_constant(name: str) -> Any:
    # Python's json reads NaN and Infinity; JSON has no such numbers.
    raise ValueError(f"{name} is not a JSON number")
