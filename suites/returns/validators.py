"""The Department's validation rules, run by the open-source validators in their own virtual
environment (`make setup` makes it; see specs/returns.yaml), as a subprocess."""

from __future__ import annotations

import json
import os
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from accredit.returns_spec import ReturnsSpec

__all__ = ["Findings", "run_validator", "validator_python"]

RUNNER = Path(__file__).with_name("run_validators.py")
#: How long one validator run may take (a small caseload takes a few seconds).
TIMEOUT_SECONDS = 120
#: Where else to look for the validators' interpreter.
PYTHON_ENV = "ACCREDIT_VALIDATORS_PYTHON"


@dataclass(frozen=True)
class Findings:
    ruleset: str
    version: str
    rules_run: int
    errors: list[dict[str, Any]]
    queries: list[dict[str, Any]]
    failed_to_run: list[str]


def validator_python(spec: ReturnsSpec) -> Path:
    """Return the validators' interpreter, or skip: without it the rules cannot be run."""
    if os.environ.get(PYTHON_ENV):
        return Path(os.environ[PYTHON_ENV])
    roots = [Path.cwd(), *Path(__file__).resolve().parents]
    for root in roots:
        candidate = root / spec.validators_venv / "bin" / "python"
        if candidate.is_file():
            return candidate
    pytest.skip(
        f"precondition not met: the validators' environment {spec.validators_venv} was not "
        f"found (run `make setup`, or set {PYTHON_ENV})"
    )


def run_validator(spec: ReturnsSpec, args: list[str]) -> Findings:
    """Run the validators on a return; an error is any issue whose code is not a query."""
    python = validator_python(spec)
    done = subprocess.run(
        [str(python), str(RUNNER), *args],
        capture_output=True,
        text=True,
        timeout=TIMEOUT_SECONDS,
        check=False,
    )
    if done.returncode != 0:
        raise RuntimeError(
            f"the validator did not run (exit {done.returncode}): {done.stderr[-2000:]}"
        )
    result = json.loads(done.stdout)
    issues = sorted(result["issues"], key=lambda i: i["code"])
    queries = [i for i in issues if i["code"].endswith(spec.query_suffix)]
    errors = [i for i in issues if not i["code"].endswith(spec.query_suffix)]
    return Findings(
        result["ruleset"],
        result["version"],
        result["rules_run"],
        errors,
        queries,
        result["rules_failed_to_run"],
    )
