"""One accreditation run: check the inputs, run the suites against the SUT, write the reports.

The suites run in their own pytest process, so a run can be given a hard time limit and nothing
of the harness's own process (or of later locust runs) leaks into it. The plugin in that
process writes `results.json`; everything after reads only that file.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from accredit._paths import suites_root
from accredit.errors import UserError
from accredit.results import read_results
from accredit.specs import SpecBundle, did_you_mean, load_specs
from accredit.sut import load_profile, probe

__all__ = ["EXIT_INCOMPLETE", "RunOutcome", "run_accreditation", "select_categories"]

#: Exit code of a run the harness could not finish: it proves nothing either way.
EXIT_INCOMPLETE = 4
DEFAULT_TIME_LIMIT_SECONDS = 1800.0


@dataclass(frozen=True)
class RunOutcome:
    exit_code: int
    results: dict[str, Any] | None
    artefacts: tuple[Path, ...]


def select_categories(specs: SpecBundle, only: Iterable[str] | None) -> list[str] | None:
    """Return the categories asked for, checked against the catalogue (None: all of them)."""
    if not only:
        return None
    known = [c.id for c in specs.catalogue.categories]
    chosen = []
    for name in only:
        if name not in known:
            raise UserError(
                f"--only: {name!r} is not a category: {', '.join(known)}{did_you_mean(name, known)}"
            )
        chosen.append(name)
    return chosen


def run_accreditation(
    profile_path: Path,
    out_dir: Path,
    *,
    only: Iterable[str] | None = None,
    seed: int | None = None,
    specs_dir: Path | None = None,
    run_profile: str = "full",
    time_limit: float = DEFAULT_TIME_LIMIT_SECONDS,
    echo: bool = True,
) -> RunOutcome:
    """Run the suites against the SUT of `profile_path`; write results and reports to `out_dir`.

    Raises UserError for a bad spec, profile or argument and SutUnreachable (exit 3) when the
    SUT does not answer at all.
    """
    specs = load_specs(specs_dir)
    profile = load_profile(profile_path, specs.users)
    categories = select_categories(specs, only)
    probe(profile)
    out_dir.mkdir(parents=True, exist_ok=True)
    results_path = out_dir / "results.json"
    results_path.unlink(missing_ok=True)

    suites = suites_root()
    chosen = categories or [c.id for c in specs.catalogue.categories]
    folders = sorted(
        {r.verification.suite for r in specs.catalogue.requirements if r.category in chosen}
    )
    paths = [str(suites / f) for f in folders if (suites / f).is_dir()]
    if not paths:
        raise UserError(f"no suite covers the categories {', '.join(chosen)}")
    command = [
        sys.executable, "-m", "pytest", *paths,
        "-c", str(suites / "pytest.ini"), "--rootdir", str(suites), "--import-mode=importlib",
        "--sut", str(profile_path), "--results", str(results_path),
        "--run-profile", run_profile, "-q", "--tb=no", "--no-header", "-rN",
    ]  # fmt: skip
    if seed is not None:
        command += ["--seed", str(seed)]
    if specs_dir is not None:
        command += ["--specs", str(specs_dir)]
    if categories:
        command += ["--categories", ",".join(categories)]
    finished = _run_bounded(command, time_limit, echo)
    if not finished or not results_path.is_file():
        why = "did not finish within the time limit" if not finished else "wrote no results"
        print(f"error: the suites {why}: this run proves nothing", file=sys.stderr)
        return RunOutcome(EXIT_INCOMPLETE, None, ())

    results = read_results(results_path)
    from reports import write_reports

    artefacts = (results_path, *write_reports(results_path, out_dir))
    if not results["run"]["complete"]:
        exit_code = EXIT_INCOMPLETE
    else:
        exit_code = 1 if results["summary"]["must_not_passed"] else 0
    return RunOutcome(exit_code, results, artefacts)


def _run_bounded(command: list[str], time_limit: float, echo: bool) -> bool:
    """Run `command` in its own process group; kill the group at the time limit."""
    output = None if echo else subprocess.DEVNULL
    with subprocess.Popen(command, stdout=output, stderr=output, start_new_session=True) as proc:
        try:
            proc.wait(timeout=time_limit)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
            return False
    return True
