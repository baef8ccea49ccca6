"""`accredit requirements --coverage`: which tests and planted faults verify each requirement.

The tests are found by collecting the suites with pytest, as a run would (so parametrisation
from the specs counts), with a placeholder product that is never contacted for collection. The
faults are those the catalogue names for each requirement, checked against the faults the
reference can plant; the end-to-end tests prove each one fails exactly its requirements. A
requirement with no test, or with no planted fault that makes it fail, is a gap.

This module is also the small pytest plugin (`-p accredit.coverage`) that writes what the
collection found.
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml

from accredit._paths import suites_root
from accredit.errors import UserError
from accredit.plugin import MARKER
from accredit.specs import SpecBundle

__all__ = [
    "Coverage",
    "RequirementCoverage",
    "collect_tests",
    "print_coverage",
    "print_requirements",
    "requirement_coverage",
]

_MAP_OPTION = "--requirement-map"
_COLLECT_TIME_LIMIT_SECONDS = 300
# Nothing listens on the discard port: the placeholder product is never reached.
_PLACEHOLDER_URL = "http://127.0.0.1:9"


@dataclass(frozen=True)
class RequirementCoverage:
    id: str
    level: str
    category: str
    title: str
    tests: tuple[str, ...]  # test functions, without their parametrisation
    cases: int  # collected test cases, parametrisations included
    faults: tuple[str, ...]  # planted faults the catalogue says make it fail
    unplanted: tuple[str, ...]  # named in the catalogue, unknown to the reference

    @property
    def gaps(self) -> tuple[str, ...]:
        """Return what is missing: no test, no planted fault, a fault the reference lacks."""
        found = []
        if not self.tests:
            found.append("no test verifies it")
        if not self.faults:
            found.append("no planted fault makes it fail")
        found += [f"fault {name!r} is not planted in the reference" for name in self.unplanted]
        return tuple(found)


@dataclass(frozen=True)
class Coverage:
    requirements: tuple[RequirementCoverage, ...]

    @property
    def gaps(self) -> tuple[tuple[str, str], ...]:
        """Return (requirement id, gap) for every gap."""
        return tuple((r.id, gap) for r in self.requirements for gap in r.gaps)

    def to_document(self) -> dict[str, Any]:
        """Return the coverage as JSON-ready data."""
        return {
            "requirements": [
                {
                    "id": r.id,
                    "level": r.level,
                    "category": r.category,
                    "title": r.title,
                    "tests": list(r.tests),
                    "cases": r.cases,
                    "faults": list(r.faults),
                    "gaps": list(r.gaps),
                }
                for r in self.requirements
            ],
            "gaps": [{"requirement": rid, "gap": gap} for rid, gap in self.gaps],
        }


def requirement_coverage(specs: SpecBundle, planted: set[str] | None = None) -> Coverage:
    """Return each catalogue requirement with its tests and planted faults. `planted` is the
    set of faults the reference can plant (default: read from the reference)."""
    if planted is None:
        from reference_impl.faults import FAULTS

        planted = set(FAULTS)
    cases = collect_tests(specs)
    entries = []
    for r in specs.catalogue.requirements:
        nodeids = [nodeid for nodeid, ids in cases.items() if r.id in ids]
        functions = tuple(dict.fromkeys(nodeid.split("[", 1)[0] for nodeid in nodeids))
        faults = r.verification.faults
        entries.append(
            RequirementCoverage(
                id=r.id,
                level=r.level,
                category=r.category,
                title=r.title,
                tests=functions,
                cases=len(nodeids),
                faults=tuple(f for f in faults if f in planted),
                unplanted=tuple(f for f in faults if f not in planted),
            )
        )
    return Coverage(tuple(entries))


def collect_tests(specs: SpecBundle) -> dict[str, tuple[str, ...]]:
    """Return every collected suite test's node id with the requirement ids it names."""
    suites = suites_root()
    with tempfile.TemporaryDirectory(prefix="accredit-coverage-") as private:
        folder = Path(private)
        profile = folder / "sut.yaml"
        users = {u.key: {"token": "collect-only"} for u in specs.users.required_users}
        profile.write_text(
            yaml.safe_dump(
                {
                    "product": "collection only",
                    "version": "0",
                    "base_url": _PLACEHOLDER_URL,
                    "timeout_seconds": 1,
                    "users": users,
                }
            )
        )
        found = folder / "map.json"
        command = [
            sys.executable, "-m", "pytest", str(suites), "--collect-only", "-q",
            "-c", str(suites / "pytest.ini"), "--rootdir", str(suites), "--import-mode=importlib",
            "--sut", str(profile), "--specs", str(specs.root),
            "--results", str(folder / "results.json"),
            "-p", "accredit.coverage", _MAP_OPTION, str(found),
        ]  # fmt: skip
        done = subprocess.run(
            command, capture_output=True, text=True, timeout=_COLLECT_TIME_LIMIT_SECONDS,
            check=False,
        )  # fmt: skip
        if not found.is_file():
            last = (done.stderr.strip() or done.stdout.strip() or "no output").splitlines()[-1]
            raise UserError(f"{suites}: the suites could not be collected: {last}")
        mapping: dict[str, list[str]] = json.loads(found.read_text(encoding="utf-8"))
    return {nodeid: tuple(ids) for nodeid, ids in mapping.items()}


def print_requirements(specs: SpecBundle, *, as_json: bool = False) -> None:
    """Print every requirement of the catalogue: id, level, category, weight, title."""
    rows = [
        {"id": r.id, "level": r.level, "category": r.category, "weight": r.weight,
         "title": r.title, "suite": r.verification.suite}
        for r in specs.catalogue.requirements
    ]  # fmt: skip
    if as_json:
        print(json.dumps({"requirements": rows}, indent=2))
        return
    for row in rows:
        print(f"{row['id']:8} {row['level']:6} {row['category']:14} {row['title']}")


def print_coverage(coverage: Coverage, *, as_json: bool = False) -> None:
    """Print each requirement with its tests and faults, then every gap."""
    if as_json:
        print(json.dumps(coverage.to_document(), indent=2))
        return
    for r in coverage.requirements:
        faults = ", ".join(r.faults) or "none"
        print(f"{r.id:8} {r.level:6} {r.category:14} {r.cases:3} cases  faults: {faults}")
        for test in r.tests:
            print(f"{'':9}{test}")
        for gap in r.gaps:
            print(f"{'':9}GAP: {gap}")
    total = len(coverage.requirements)
    tested = sum(1 for r in coverage.requirements if r.tests)
    faulted = sum(1 for r in coverage.requirements if r.faults)
    print(
        f"{total} requirements: {tested} verified by a test, {faulted} failed by a planted "
        f"fault (proved by the project's end-to-end tests); {len(coverage.gaps)} gaps"
    )
    for rid, gap in coverage.gaps:
        level = next(r.level for r in coverage.requirements if r.id == rid)
        print(f"GAP {rid} ({level}): {gap}")


# --- the collection plugin (-p accredit.coverage) ----------------------------------------------


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(_MAP_OPTION, metavar="PATH", help="write each test's requirement ids here")


@pytest.hookimpl(trylast=True)
def pytest_collection_finish(session: pytest.Session) -> None:
    path = session.config.getoption(_MAP_OPTION)
    if not path:
        return
    found: Mapping[str, list[str]] = {
        item.nodeid: [i for m in item.iter_markers(MARKER) for i in m.args]
        for item in session.items
    }
    Path(path).write_text(json.dumps(found, indent=2), encoding="utf-8")
