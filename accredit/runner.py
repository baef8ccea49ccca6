"""One accreditation run: check the inputs, run the suites against the SUT, write the reports.

The suites run in their own pytest process, so a run can be given a hard time limit and nothing
of the harness's own process (or of later locust runs) leaks into it. The plugin in that
process writes `results.json`; everything after reads only that file: the scores and the
decision, the reports, the comparison with a baseline, and last the manifest.

Exit codes: 0 Accredited or Accredited with conditions (with a baseline: no regression);
1 Not accredited (with a baseline: a regression); 2 a usage error; 3 the SUT does not answer;
4 the harness could not finish (no decision).
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from accredit._paths import suites_root
from accredit.access_spec import load_access
from accredit.baseline import BASELINE_FILE, BaselineComparison, compare_with_baseline
from accredit.errors import SutUnreachable, UserError
from accredit.manifest import MANIFEST_FILE, write_manifest
from accredit.plan_spec import read_plan
from accredit.results import read_results
from accredit.specs import SpecBundle, did_you_mean, load_specs
from accredit.sut import SutProfile, load_profile, probe
from accredit.usability_spec import SCREENSHOT_FOLDER, read_task_map, read_usability

if TYPE_CHECKING:
    from reports import ReportSet
    from reports.scoring import Scorecard

__all__ = [
    "DECISION_EXIT_CODES",
    "EXIT_INCOMPLETE",
    "RUN_PROFILES",
    "RunOutcome",
    "Selection",
    "run_accreditation",
    "select",
    "select_categories",
    "write_run_directory",
]

#: Exit code of a run the harness could not finish: it proves nothing either way.
EXIT_INCOMPLETE = 4
#: The exit code of each decision the policy can reach.
DECISION_EXIT_CODES = {
    "accredited": 0,
    "accredited_with_conditions": 0,
    "not_accredited": 1,
    "no_decision": EXIT_INCOMPLETE,
}
#: smoke: each suite test once (one parametrisation); full: everything, for a decision.
RUN_PROFILES = ("smoke", "full")
DEFAULT_TIME_LIMIT_SECONDS = 1800.0
# What a run writes besides results.json: cleared first so nothing stale is listed.
_RUN_ARTEFACTS = (
    "report.html", "report.pdf", "junit.xml", "scores.json", "policy.yaml", BASELINE_FILE,
    MANIFEST_FILE,
)  # fmt: skip


@dataclass(frozen=True)
class RunOutcome:
    exit_code: int
    results: dict[str, Any] | None
    artefacts: tuple[Path, ...]
    scorecard: Scorecard | None = None
    baseline: BaselineComparison | None = None
    pdf_skipped: str | None = None
    #: Why the SUT could not be reached at all (exit 3); the run directory still records it.
    unreachable: str | None = None


@dataclass(frozen=True)
class Selection:
    """What a run covers: whole categories, suites (folders of `suites/`) on their own, and
    single requirements (the tests that verify them, wherever they are).

    A suite or requirement named alone is reported with its category; that category's other
    requirements are then `not_run`, never passed."""

    categories: tuple[str, ...]
    suites: tuple[str, ...]
    requirements: tuple[str, ...] = ()

    def tests_of(self, specs: SpecBundle) -> tuple[str, ...] | None:
        """The requirements whose tests run, when single requirements were named (None: every
        test of the chosen suites)."""
        if not self.requirements:
            return None
        whole = [
            r.id
            for r in specs.catalogue.requirements
            if r.category in self.categories or r.verification.suite in self.suites
        ]
        return tuple(dict.fromkeys([*whole, *self.requirements]))


def select(specs: SpecBundle, only: Iterable[str] | None) -> Selection | None:
    """Return what `only` names, checked against the catalogue (None: everything). A name is a
    category, a requirement id, or else the suite of some requirement."""
    if not only:
        return None
    categories = [c.id for c in specs.catalogue.categories]
    suites = sorted({r.verification.suite for r in specs.catalogue.requirements})
    ids = set(specs.catalogue.ids)
    chosen: list[str] = []
    alone: list[str] = []
    single: list[str] = []
    for name in only:
        if name in categories:
            chosen.append(name)
        elif name in ids:
            single.append(name)
        elif name in suites:
            alone.append(name)
        else:
            known = sorted({*categories, *suites})
            raise UserError(
                f"--only: {name!r} is not a category, a suite or a requirement id: "
                f"{', '.join(known)}{did_you_mean(name, [*known, *sorted(ids)])}"
            )
    return Selection(tuple(chosen), tuple(alone), tuple(single))


def select_categories(specs: SpecBundle, only: Iterable[str] | None) -> list[str] | None:
    """Return the categories a run of `only` reports on (None: all of them)."""
    return _categories(specs, select(specs, only))


def _categories(specs: SpecBundle, selection: Selection | None) -> list[str] | None:
    if selection is None:
        return None
    named = [
        r.category
        for r in specs.catalogue.requirements
        if r.verification.suite in selection.suites or r.id in selection.requirements
    ]
    return list(dict.fromkeys([*selection.categories, *named]))


def _suite_folders(specs: SpecBundle, selection: Selection | None) -> list[str]:
    if selection is None:
        return sorted({r.verification.suite for r in specs.catalogue.requirements})
    return sorted(
        {
            r.verification.suite
            for r in specs.catalogue.requirements
            if r.category in selection.categories or r.id in selection.requirements
        }
        | set(selection.suites)
    )


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
    baseline: Path | None = None,
    pdf: bool = False,
    html: bool = True,
    manifest: bool = True,
) -> RunOutcome:
    """Run the suites against the SUT of `profile_path`; write results, scores, reports and
    the manifest to `out_dir` (without `html`: no report.html or report.pdf, for runs whose
    verdicts alone are wanted). With `baseline` (an earlier results.json) the exit code says
    whether any requirement regressed, not what the decision is. Without `manifest`, the
    caller writes it (last, once nothing more will change in `out_dir`).

    `only` names categories, suites or requirements (as `accredit run --only`); a name that is
    both a category and a suite means the category.

    Raises UserError for a bad spec, profile, baseline or argument. A SUT that does not answer
    at all is still run against (every requirement ends in `error` with the failed exchange as
    evidence, and the run directory records it); the outcome then says why, with exit code 3.
    """
    specs = load_specs(specs_dir)
    load_access(specs)  # a bad access matrix is the user's error, before anything runs
    profile = load_profile(profile_path, specs.users)
    selection = select(specs, only)
    categories = _categories(specs, selection)
    if run_profile not in RUN_PROFILES:
        raise UserError(
            f"--run-profile: {run_profile!r} is not one of {', '.join(RUN_PROFILES)}"
            f"{did_you_mean(run_profile, RUN_PROFILES)}"
        )
    if categories is None or "performance" in categories:
        _check_performance_spec(specs)
    if categories is None or "usability" in categories:
        _check_usability_inputs(specs, profile)
    read_plan(specs)  # the plan suite computes what to expect from it: check it before a run
    earlier = read_results(baseline) if baseline is not None else None
    try:
        probe(profile)
        unreachable = None
    except SutUnreachable as error:
        unreachable = str(error)
    out_dir.mkdir(parents=True, exist_ok=True)
    results_path = out_dir / "results.json"
    for name in ("results.json", *_RUN_ARTEFACTS):
        (out_dir / name).unlink(missing_ok=True)
    shutil.rmtree(out_dir / SCREENSHOT_FOLDER, ignore_errors=True)

    suites_dir = suites_root()
    folders = _suite_folders(specs, selection)
    paths = [str(suites_dir / f) for f in folders if (suites_dir / f).is_dir()]
    if not paths:
        raise UserError(f"no suite covers {', '.join(categories or ())}")
    command = [
        sys.executable, "-m", "pytest", *paths,
        "-c", str(suites_dir / "pytest.ini"), "--rootdir", str(suites_dir),
        "--import-mode=importlib",
        "--sut", str(profile_path), "--results", str(results_path),
        "--run-profile", run_profile, "-q", "--tb=no", "--no-header", "-rN",
    ]  # fmt: skip
    if echo:
        command += ["--progress", "-o", "console_output_style=classic"]
    if seed is not None:
        command += ["--seed", str(seed)]
    if specs_dir is not None:
        command += ["--specs", str(specs_dir)]
    if categories:
        command += ["--categories", ",".join(categories)]
    tested = selection.tests_of(specs) if selection is not None else None
    if tested is not None:
        command += ["--requirements", ",".join(tested)]
    finished = _run_bounded(command, time_limit, echo)
    if not finished or not results_path.is_file():
        why = "did not finish within the time limit" if not finished else "wrote no results"
        print(f"error: the suites {why}: this run proves nothing", file=sys.stderr)
        return RunOutcome(EXIT_INCOMPLETE, None, ())

    results = read_results(results_path)
    comparison = None
    if earlier is not None and baseline is not None:
        comparison = compare_with_baseline(earlier, results, str(baseline))
    reports, artefacts = write_run_directory(
        results_path,
        out_dir,
        specs=specs,
        pdf=pdf,
        html=html,
        baseline=comparison,
        manifest=manifest,
    )
    card = reports.scorecard
    if unreachable is not None:
        exit_code = SutUnreachable.exit_code
    elif not results["run"]["complete"]:
        exit_code = EXIT_INCOMPLETE
    elif comparison is not None:
        exit_code = 1 if comparison.regressions else 0
    else:
        exit_code = DECISION_EXIT_CODES[card.decision]
    return RunOutcome(
        exit_code, results, artefacts, card, comparison, reports.pdf_skipped, unreachable
    )


def write_run_directory(
    results_path: Path,
    out_dir: Path,
    *,
    specs: SpecBundle | None = None,
    pdf: bool = False,
    html: bool = True,
    baseline: BaselineComparison | None = None,
    manifest: bool = True,
) -> tuple[ReportSet, tuple[Path, ...]]:
    """Score the results in `out_dir` and write the reports, the baseline comparison (if any)
    and, last, the manifest of everything there. Return the reports and every path written."""
    from reports import write_reports

    specs = specs or load_specs()
    known = baseline.known_failure_reasons() if baseline is not None else None
    reports = write_reports(
        results_path, out_dir, specs=specs, pdf=pdf, html=html, known_failures=known
    )
    paths = [results_path, *reports.paths]
    if baseline is not None:
        path = out_dir / BASELINE_FILE
        path.write_text(json.dumps(baseline.to_document(), indent=2) + "\n", encoding="utf-8")
        paths.append(path)
    if manifest:
        paths.append(write_manifest(out_dir, specs))
    return reports, tuple(paths)


def _check_performance_spec(specs: SpecBundle) -> None:
    """Raise SpecError (exit 2, one line) if specs/performance.yaml is wrong, before any load.

    The performance suite reads it through `load.profiles`; checking it here turns a bad
    profile or budget into a usage error instead of a suite that cannot start."""
    from load.profiles import read_performance

    read_performance(specs.root)


def _check_usability_inputs(specs: SpecBundle, profile: SutProfile) -> None:
    """Raise SpecError (exit 2, one line naming the file) if specs/usability.yaml or the
    profile's task map is wrong, before any browser starts. A profile without a `ui` block
    is no mistake: the usability suite then records its requirements as not run."""
    usability = read_usability(specs.root, specs.catalogue, specs.users)
    if profile.ui is not None:
        read_task_map(profile.ui.task_map, usability)


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
