"""What a supplier's CI relies on: the smoke profile, pytest directly, progress, the example
workflow, and requirement coverage with no MUST left untested."""

from __future__ import annotations

import json
import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from accredit._paths import suites_root
from accredit.cli import _build_parser
from accredit.coverage import requirement_coverage
from accredit.reference import running_reference
from accredit.results import read_results
from accredit.specs import load_specs
from tests.e2e.test_command_line import accredit

# The module's runs are shared fixtures: keep its tests on one worker.
pytestmark = pytest.mark.xdist_group("supplier-ci")

ROOT = Path(__file__).resolve().parents[2]
WORKFLOW = ROOT / "docs" / "ci" / "github-actions.yml"
SMOKE_BUDGET_SECONDS = 60.0
ONLY = ("--only", "functional,lockdown")


@pytest.fixture(scope="module")
def full_and_smoke(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, str]:
    """A full run of the clean reference, then a smoke run with the full one as its baseline.

    Both cover the functional and lock-down suites: the performance suite's load runs are
    timed by their own tests, and what is shown here is the selection a smoke run makes."""
    full = tmp_path_factory.mktemp("full")
    done = accredit("demo", "--out", str(full), "--seed", "5", "--no-pdf", *ONLY)
    assert done.returncode == 0, done.stdout + done.stderr
    smoke = tmp_path_factory.mktemp("smoke")
    done = accredit(
        "demo", "--out", str(smoke), "--seed", "5", "--no-pdf", "--run-profile", "smoke",
        "--baseline", str(full / "results.json"), *ONLY,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr
    return full, smoke, done.stdout


def test_the_smoke_profile_runs_each_test_once_within_a_minute(
    full_and_smoke: tuple[Path, Path, str],
) -> None:
    full, smoke, stdout = full_and_smoke
    full_results, smoke_results = (
        read_results(full / "results.json"),
        read_results(smoke / "results.json"),
    )
    assert smoke_results["run"]["profile"] == "smoke"
    assert smoke_results["run"]["duration_s"] < SMOKE_BUDGET_SECONDS
    functions = {t["id"].split("[", 1)[0] for r in full_results["requirements"] for t in r["tests"]}
    smoke_tests = {t["id"] for r in smoke_results["requirements"] for t in r["tests"]}
    full_tests = {t["id"] for r in full_results["requirements"] for t in r["tests"]}
    assert len(smoke_tests) == len(functions) < len(full_tests)
    assert {t.split("[", 1)[0] for t in smoke_tests} == functions
    assert all(r["verdict"] == "pass" for r in smoke_results["requirements"])
    assert "(indicative: not a full run)" in stdout
    assert "  no regression" in stdout


def test_progress_is_a_bar_per_category(full_and_smoke: tuple[Path, Path, str]) -> None:
    _, _, stdout = full_and_smoke
    titles = {c.id: c.title for c in load_specs().catalogue.categories}
    for category in ("functional", "lockdown"):
        done = re.search(
            rf"^{re.escape(titles[category][:32])}\s+\[#{{24}}\]\s+(\d+)/(\d+)", stdout, re.M
        )
        assert done and done.group(1) == done.group(2), f"no finished bar for {category}"


def functional_suites() -> list[str]:
    """The folders of the suites that verify the functional category's requirements."""
    catalogue = load_specs().catalogue
    folders = {r.verification.suite for r in catalogue.requirements if r.category == "functional"}
    return [str(suites_root() / f) for f in sorted(folders)]


def test_the_plugin_runs_the_installed_suites_under_plain_pytest(tmp_path: Path) -> None:
    results = tmp_path / "out" / "results.json"
    with running_reference(log=tmp_path / "reference.log") as reference:
        done = subprocess.run(
            [sys.executable, "-m", "pytest", "--sut", str(reference.profile),
             "--results", str(results), "--seed", "5", "-q", *functional_suites(),
             "--categories", "functional"],
            capture_output=True, text=True, cwd=tmp_path, timeout=300, check=False,
        )  # fmt: skip
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    document = read_results(results)
    functional = {r.id for r in load_specs().catalogue.requirements if r.category == "functional"}
    verdicts = {r["id"]: r["verdict"] for r in document["requirements"]}
    assert set(verdicts) == functional  # a run lists the categories it covers, no others
    assert all(v == "pass" for v in verdicts.values()), verdicts
    remade = accredit("report", str(results), "--out", str(tmp_path / "out"), "--no-pdf")
    assert remade.returncode == 0, remade.stderr
    assert "Decision under policy" in remade.stdout


def test_accredit_suites_prints_the_installed_suites_folder() -> None:
    done = accredit("suites")
    assert done.returncode == 0
    assert Path(done.stdout.strip()) == suites_root()


def _workflow_commands() -> list[list[str]]:
    workflow = yaml.safe_load(WORKFLOW.read_text(encoding="utf-8"))
    commands = []
    for job in workflow["jobs"].values():
        for step in job["steps"]:
            for line in str(step.get("run", "")).splitlines():
                line = line.strip()
                if "accredit " in line:
                    text = line[line.index("accredit ") :].split(";")[0]
                    commands.append(shlex.split(text.replace('"$run"', "runs/x")))
    return commands


def test_the_example_workflow_calls_accredit_as_the_command_line_accepts() -> None:
    commands = _workflow_commands()
    assert {c[1] for c in commands} >= {"run", "verify"}
    parser = _build_parser()
    for command in commands:
        args = parser.parse_args(command[1:])
        assert args.handler is not None, command
    assert any("--baseline" in c and "smoke" in c for c in commands)


def test_every_must_requirement_has_a_test() -> None:
    """The project fails when the catalogue holds a MUST that no suite test verifies."""
    coverage = requirement_coverage(load_specs())
    untested = [r.id for r in coverage.requirements if r.level == "MUST" and not r.tests]
    assert not untested, f"MUST requirements without a test: {untested}"


def test_coverage_lists_each_requirement_with_its_tests_and_faults() -> None:
    done = accredit("requirements", "--coverage", "--json")
    document = json.loads(done.stdout)
    assert done.returncode == (1 if document["gaps"] else 0)
    by_id = {r["id"]: r for r in document["requirements"]}
    assert set(by_id) == set(load_specs().catalogue.ids)
    catches = load_specs().catalogue.faults()
    for fault, ids in catches.items():
        for rid in ids:
            assert fault in by_id[rid]["faults"], (fault, rid)
    lockdown = by_id["LD-001"]
    assert lockdown["cases"] >= 1
    assert any("test_a_locked_form_refuses_the_route" in t for t in lockdown["tests"])
