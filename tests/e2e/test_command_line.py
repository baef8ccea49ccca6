"""The `accredit` command: exit codes and one-line errors a user or a CI system can act on."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
import yaml

from accredit.reference import free_port
from accredit.results import read_results
from accredit.specs import load_specs

# The module's runs are shared fixtures: keep its tests on one worker.
pytestmark = pytest.mark.xdist_group("command-line")

#: The runs here cover one category, with a fault that one requirement of it catches.
ONLY = ("--only", "functional")
FAULT, CAUGHT_AT = "notes-truncated", "FUN-004"


def accredit(*args: str, timeout: float = 300) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "accredit", *args],
        capture_output=True, text=True, timeout=timeout, check=False,
    )  # fmt: skip


def profile_at(tmp_path: Path, base_url: str, **extra: object) -> Path:
    path = tmp_path / "sut.yaml"
    users = {u.key: {"token": f"t-{u.key}"} for u in load_specs().users.required_users}
    document = {"product": "Nothing", "version": "0", "base_url": base_url, "users": users}
    path.write_text(yaml.safe_dump({**document, **extra}))
    return path


@pytest.fixture(scope="module")
def clean_run(
    tmp_path_factory: pytest.TempPathFactory,
) -> tuple[subprocess.CompletedProcess[str], Path]:
    """`accredit demo` of the clean reference, the full profile, PDF included.

    These runs cover one category: what they test is the command line around a run, and the
    fault table and the supplier CI tests run the other categories."""
    out = tmp_path_factory.mktemp("clean")
    return accredit("demo", "--out", str(out), "--seed", "7", *ONLY), out


@pytest.fixture(scope="module")
def faulty_run(
    tmp_path_factory: pytest.TempPathFactory,
) -> tuple[subprocess.CompletedProcess[str], Path]:
    """`accredit demo` of the reference with case notes cut short."""
    out = tmp_path_factory.mktemp("faulty")
    done = accredit("demo", "--fault", FAULT, "--out", str(out), "--seed", "7", "--no-pdf", *ONLY)
    return done, out


def test_demo_with_a_planted_fault_exits_1_and_says_where(
    faulty_run: tuple[subprocess.CompletedProcess[str], Path],
) -> None:
    done, out = faulty_run
    assert done.returncode == 1, done.stderr
    assert f"MUST requirements not passed: {CAUGHT_AT}" in done.stdout
    assert "Decision under policy 1.1.0: Not accredited" in done.stdout
    assert f"  refused: MUST requirement {CAUGHT_AT} failed" in done.stdout
    assert f"open {out / 'report.html'}" in done.stdout
    assert (out / "results.json").is_file()
    assert not (out / "report.pdf").exists()


def test_demo_writes_the_decision_report_with_charts_and_a_manifest(
    clean_run: tuple[subprocess.CompletedProcess[str], Path],
) -> None:
    done, out = clean_run
    assert done.returncode == 0, done.stdout + done.stderr
    assert "Decision under policy 1.1.0: Accredited with conditions" in done.stdout
    assert "  condition: Lockdown was not assessed (not selected in this run)" in done.stdout
    html = (out / "report.html").read_text(encoding="utf-8")
    assert html.count('<img src="data:image/svg+xml;base64,') >= 1
    assert html.index('id="decision-title"') < html.index('id="scores-title"')
    written = [
        line.removeprefix("wrote ")
        for line in done.stdout.splitlines()
        if line.startswith("wrote ")
    ]
    assert written[-1] == str(out / "manifest.json"), "the manifest is written last"
    assert (out / "report.pdf").is_file() or "report.pdf skipped: " in done.stdout
    scores = json.loads((out / "scores.json").read_text())
    assert scores["decision"] == "accredited_with_conditions"


def test_verify_passes_on_an_untouched_run(
    clean_run: tuple[subprocess.CompletedProcess[str], Path],
) -> None:
    _, out = clean_run
    done = accredit("verify", str(out))
    assert done.returncode == 0, done.stdout
    assert f"verified: {out} is as it was written and its decision re-derives" in done.stdout


@pytest.mark.parametrize("name", ["report.html", "results.json", "reference.log"])
def test_verify_fails_on_a_one_byte_change(
    clean_run: tuple[subprocess.CompletedProcess[str], Path], tmp_path: Path, name: str
) -> None:
    copy = tmp_path / "run"
    shutil.copytree(clean_run[1], copy)
    data = bytearray((copy / name).read_bytes())
    data[len(data) // 3] ^= 0x20
    (copy / name).write_bytes(bytes(data))
    done = accredit("verify", str(copy))
    assert done.returncode == 1
    assert f"DIFFERENCE: {name}: sha256 differs from the manifest" in done.stdout
    assert "NOT VERIFIED" in done.stdout


def test_verify_of_a_folder_that_is_no_run_is_one_line_and_exit_2(tmp_path: Path) -> None:
    done = accredit("verify", str(tmp_path))
    assert done.returncode == 2
    assert done.stderr.count("\n") == 1 and "not a run directory" in done.stderr


def test_report_remakes_the_decision_from_results_alone(
    clean_run: tuple[subprocess.CompletedProcess[str], Path], tmp_path: Path
) -> None:
    _, out = clean_run
    done = accredit("report", str(out / "results.json"), "--out", str(tmp_path), "--no-pdf")
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "scores.json").read_bytes() == (out / "scores.json").read_bytes()
    assert (tmp_path / "results.json").read_bytes() == (out / "results.json").read_bytes()
    assert accredit("verify", str(tmp_path)).returncode == 0


def test_compare_sets_the_faulty_product_beside_the_reference(
    clean_run: tuple[subprocess.CompletedProcess[str], Path],
    faulty_run: tuple[subprocess.CompletedProcess[str], Path],
    tmp_path: Path,
) -> None:
    weights = tmp_path / "weights.yaml"
    weights.write_text("title: Northshire\nweights: {lockdown: 60, functional: 40}\n")
    done = accredit(
        "compare", str(clean_run[1] / "results.json"), str(faulty_run[1] / "results.json"),
        "--weights", str(weights), "--out", str(tmp_path / "cmp"),
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    text = (tmp_path / "cmp" / "compare.html").read_text(encoding="utf-8")
    assert f"{CAUGHT_AT} fails (the reference passes it)" in text
    data = json.loads((tmp_path / "cmp" / "compare.json").read_text())
    # Only functional is assessed in both: each total is that product's functional score.
    functional = [
        next(c["score"] for c in json.loads((run[1] / "scores.json").read_text())["categories"]
             if c["id"] == "functional")
        for run in (clean_run, faulty_run)
    ]  # fmt: skip
    assert functional[0] == 100.0 and functional[1] < 100.0
    assert [p["total"] for p in data["products"]] == functional


def test_compare_refuses_results_of_other_specs_and_says_why(
    clean_run: tuple[subprocess.CompletedProcess[str], Path], tmp_path: Path
) -> None:
    other = json.loads((clean_run[1] / "results.json").read_text())
    other["run"]["spec_digest"] = "0" * 64
    (tmp_path / "other.json").write_text(json.dumps(other))
    done = accredit("compare", str(clean_run[1] / "results.json"), str(tmp_path / "other.json"),
                    "--out", str(tmp_path / "cmp"))  # fmt: skip
    assert done.returncode == 2
    assert done.stderr.count("\n") == 1
    assert "other.json: made under specs 0.1.0 with digest 000000000000" in done.stderr
    assert "--allow-different-specs" in done.stderr


@pytest.mark.parametrize(
    ("edit", "problem"),
    [
        (lambda text: text.replace('"schema_version": 1', '"schema_version": 2', 1),
         "results schema version 2 is not supported"),
        (lambda text: text[: len(text) // 2], "not valid JSON"),
        (lambda text: text.replace('"verdict": "pass"', '"verdict": "passed"', 1),
         "'passed' is not one of pass, fail, error, not_run"),
    ],
    ids=["other-schema-version", "truncated", "hand-edited"],
)  # fmt: skip
def test_bad_results_given_to_compare_or_report_are_one_line_naming_the_file(
    clean_run: tuple[subprocess.CompletedProcess[str], Path],
    tmp_path: Path,
    edit: Callable[[str], str],
    problem: str,
) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text(edit((clean_run[1] / "results.json").read_text()))
    for args in (
        ("compare", str(clean_run[1] / "results.json"), str(bad), "--out", str(tmp_path / "c")),
        ("report", str(bad), "--out", str(tmp_path / "r")),
    ):
        done = accredit(*args)
        assert done.returncode == 2, args
        assert done.stderr.startswith(f"error: {bad}: ") and done.stderr.count("\n") == 1
        assert problem in done.stderr
    assert not (tmp_path / "r").exists() and not (tmp_path / "c").exists()


def test_weights_that_do_not_sum_are_one_line(
    clean_run: tuple[subprocess.CompletedProcess[str], Path], tmp_path: Path
) -> None:
    weights = tmp_path / "weights.yaml"
    weights.write_text("weights: {lockdown: 60, functional: 30}\n")
    results = str(clean_run[1] / "results.json")
    done = accredit("compare", results, results, "--weights", str(weights), "--out", str(tmp_path))
    assert done.returncode == 2
    assert done.stderr == f"error: {weights}: weights: the weights sum to 90, not 100\n"


def test_a_regression_against_the_baseline_exits_1_and_is_named(
    clean_run: tuple[subprocess.CompletedProcess[str], Path], tmp_path: Path
) -> None:
    done = accredit(
        "demo", "--fault", FAULT, "--out", str(tmp_path), "--seed", "7", "--no-pdf", *ONLY,
        "--baseline", str(clean_run[1] / "results.json"),
    )  # fmt: skip
    assert done.returncode == 1, done.stdout + done.stderr
    assert f"  1 regressed (passed in the baseline): {CAUGHT_AT} (fail)" in done.stdout
    regressions = json.loads((tmp_path / "baseline.json").read_text())["regressions"]
    assert [r["id"] for r in regressions] == [CAUGHT_AT]
    assert "<failure" in (tmp_path / "junit.xml").read_text()
    assert accredit("verify", str(tmp_path)).returncode == 0


def test_a_failure_already_in_the_baseline_is_known_not_a_regression(
    faulty_run: tuple[subprocess.CompletedProcess[str], Path], tmp_path: Path
) -> None:
    done = accredit(
        "demo", "--fault", FAULT, "--out", str(tmp_path), "--seed", "7", "--no-pdf", *ONLY,
        "--baseline", str(faulty_run[1] / "results.json"),
    )  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr
    assert f"  1 still not passing: {CAUGHT_AT} (fail)" in done.stdout
    assert "  no regression" in done.stdout
    junit = (tmp_path / "junit.xml").read_text()
    assert "<failure" not in junit
    assert 'message="known failure: did not pass in the baseline either (fail, run ' in junit


def test_a_baseline_that_is_not_results_is_one_line_before_anything_runs(tmp_path: Path) -> None:
    baseline = tmp_path / "baseline.json"
    baseline.write_text("{}")
    profile = profile_at(tmp_path, "http://127.0.0.1:9")
    done = accredit("run", "--sut", str(profile), "--out", str(tmp_path / "out"),
                    "--baseline", str(baseline))  # fmt: skip
    assert done.returncode == 2
    assert done.stderr == f"error: {baseline}: not a results document: schema_version is missing\n"


def test_an_unreachable_sut_is_one_line_and_exit_3(tmp_path: Path) -> None:
    profile = profile_at(tmp_path, f"http://127.0.0.1:{free_port()}", timeout_seconds=2)
    done = accredit("run", "--sut", str(profile), "--out", str(tmp_path / "out"), "--no-pdf")
    assert done.returncode == 3
    assert done.stderr.count("\n") == 1 and "does not answer" in done.stderr
    # The run is still on record: every requirement in error, with the failed exchange; those
    # at the screen not run, as the profile names no web UI.
    results = read_results(tmp_path / "out" / "results.json")
    by_category = {(r["category"] == "usability", r["verdict"]) for r in results["requirements"]}
    assert by_category == {(False, "error"), (True, "not_run")}
    assert "Not accredited" in (tmp_path / "out" / "report.html").read_text()


def test_a_missing_profile_is_one_line_and_exit_2(tmp_path: Path) -> None:
    done = accredit("run", "--sut", str(tmp_path / "none.yaml"), "--out", str(tmp_path))
    assert done.returncode == 2
    assert done.stderr == f"error: {tmp_path / 'none.yaml'}: SUT profile not found\n"


def test_an_unknown_category_suggests_the_right_one(tmp_path: Path) -> None:
    profile = profile_at(tmp_path, "http://127.0.0.1:9")
    done = accredit("run", "--sut", str(profile), "--out", str(tmp_path), "--only", "lockdwn")
    assert done.returncode == 2
    assert "did you mean 'lockdown'?" in done.stderr and done.stderr.count("\n") == 1


def test_an_unknown_fault_is_refused(tmp_path: Path) -> None:
    done = accredit("demo", "--fault", "lock-bypas", "--out", str(tmp_path))
    assert done.returncode == 2
    assert "did you mean 'lock-bypass'?" in done.stderr and done.stderr.count("\n") == 1


def test_a_bad_argument_is_one_line_and_exit_2() -> None:
    done = accredit("run", "--out")
    assert done.returncode == 2
    assert done.stderr.count("\n") == 1 and done.stderr.startswith("error: accredit run:")


def test_faults_lists_each_fault_with_the_requirement_that_catches_it() -> None:
    done = accredit("faults")
    assert done.returncode == 0
    catches = load_specs().catalogue.faults()
    for fault, requirements in catches.items():
        line = next((ln for ln in done.stdout.splitlines() if ln.startswith(fault + " ")), "")
        assert all(r in line for r in requirements), f"{fault}: {line!r}"
