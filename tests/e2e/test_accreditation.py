"""The harness proved right in both directions, over real HTTP against the real reference.

The clean reference passes every requirement; each planted fault fails exactly the requirements
the catalogue says must catch it, with evidence. A new fault is one entry in the catalogue and
one in `reference_impl/faults.py`: this table picks it up.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from accredit.reference import running_reference
from accredit.runner import RunOutcome, run_accreditation
from accredit.specs import load_specs
from reference_impl.faults import FAULTS

SEED = 20261121
CATCHES = load_specs().catalogue.faults()


def accredit_reference(
    out: Path,
    faults: tuple[str, ...] = (),
    only: list[str] | None = None,
    run_profile: str = "full",
    html: bool = True,
) -> tuple[RunOutcome, list[str]]:
    """Run the harness (the categories, suites or requirements `only`, or all) against the
    reference; return the outcome and the tokens used."""
    with running_reference(faults, log=out / "reference.log") as reference:
        tokens = [
            u["token"] for u in yaml.safe_load(reference.profile.read_text())["users"].values()
        ]
        outcome = run_accreditation(
            reference.profile, out, only=only, seed=SEED, echo=False,
            run_profile=run_profile, html=html,
        )  # fmt: skip
    return outcome, tokens


#: A fault's run covers the tests that verify the requirements that must catch it, and so
#: every other requirement those tests verify: the clean runs below show every requirement
#: passes, and the fault's run shows it fails exactly its own among those it touches, in a
#: fraction of the time of a run of whole categories.
#:
#: The run profile of a fault's run, by the suites it covers (default: full). The
#: pre-population suite's tests are not parametrised, so its smoke run is every test with
#: fewer generated families (30, not 200): each of its faults is still caught at exactly its
#: requirements, in a third of the time. The clean run above uses the full profile.
FAULT_RUN_PROFILES = {("prepopulation",): "smoke"}


def suites_of(requirement_ids: list[str]) -> list[str]:
    catalogue = load_specs().catalogue
    return sorted({catalogue.requirement(i).verification.suite for i in requirement_ids})


def categories_of(requirement_ids: list[str]) -> list[str]:
    catalogue = load_specs().catalogue
    return sorted({catalogue.requirement(i).category for i in requirement_ids})


#: Tests that measure time or load run with the machine to themselves.
alone = pytest.mark.alone
#: The clean reference is accredited in two runs that together cover every category: the
#: categories whose load runs measure time, with the machine to themselves, and the others on
#: one worker of the parallel pass (its tests share the run through one xdist group).
LOAD_CATEGORIES = ("performance",)
CASEWORK = tuple(c.id for c in load_specs().catalogue.categories if c.id not in LOAD_CATEGORIES)
casework = pytest.mark.xdist_group("clean-casework")


def _clean_run(
    tmp_path_factory: pytest.TempPathFactory, name: str, categories: tuple[str, ...]
) -> tuple[RunOutcome, list[str], Path]:
    out = tmp_path_factory.mktemp(name)
    outcome, tokens = accredit_reference(out, only=list(categories))
    return outcome, tokens, out


@pytest.fixture(scope="module")
def clean_casework(tmp_path_factory: pytest.TempPathFactory) -> tuple[RunOutcome, list[str], Path]:
    return _clean_run(tmp_path_factory, "clean-casework", CASEWORK)


@pytest.fixture(scope="module")
def clean_under_load(
    tmp_path_factory: pytest.TempPathFactory,
) -> tuple[RunOutcome, list[str], Path]:
    return _clean_run(tmp_path_factory, "clean-load", LOAD_CATEGORIES)


def verdicts(outcome: RunOutcome) -> dict[str, str]:
    assert outcome.results is not None, "the run wrote no results"
    return {r["id"]: r["verdict"] for r in outcome.results["requirements"]}


def assert_every_requirement_passes(
    clean: tuple[RunOutcome, list[str], Path], categories: tuple[str, ...]
) -> None:
    outcome, _, _ = clean
    not_passed = {i: v for i, v in verdicts(outcome).items() if v != "pass"}
    assert not not_passed, f"the clean reference did not pass: {not_passed}"
    assert outcome.exit_code == 0
    assert outcome.results is not None and outcome.results["run"]["complete"]
    expected = {r.id for r in load_specs().catalogue.requirements if r.category in categories}
    assert set(verdicts(outcome)) == expected


def assert_no_credential_in(clean: tuple[RunOutcome, list[str], Path]) -> None:
    _, tokens, out = clean
    assert tokens, "the reference issued no tokens"
    for artefact in out.rglob("*"):
        if artefact.is_file():
            content = artefact.read_text(encoding="utf-8", errors="replace")
            leaked = [t[:6] + "…" for t in tokens if t in content]
            assert not leaked, f"{artefact.name} contains tokens {leaked}"


@casework
def test_the_clean_reference_passes_every_casework_requirement(
    clean_casework: tuple[RunOutcome, list[str], Path],
) -> None:
    assert_every_requirement_passes(clean_casework, CASEWORK)


@alone
def test_the_clean_reference_passes_every_requirement_under_load(
    clean_under_load: tuple[RunOutcome, list[str], Path],
) -> None:
    assert_every_requirement_passes(clean_under_load, LOAD_CATEGORIES)


@casework
def test_a_run_writes_results_report_and_junit(
    clean_casework: tuple[RunOutcome, list[str], Path],
) -> None:
    _, _, out = clean_casework
    for name in ("results.json", "report.html", "junit.xml"):
        assert (out / name).stat().st_size > 0, f"{name} is empty"


@casework
def test_no_credential_reaches_any_artefact(
    clean_casework: tuple[RunOutcome, list[str], Path],
) -> None:
    assert_no_credential_in(clean_casework)


@alone
def test_no_credential_reaches_any_artefact_of_a_load_run(
    clean_under_load: tuple[RunOutcome, list[str], Path],
) -> None:
    assert_no_credential_in(clean_under_load)


def test_the_fault_registry_and_the_catalogue_agree() -> None:
    assert set(FAULTS) == set(CATCHES), "a fault without a requirement, or the reverse"


def fault_cases() -> list[Any]:
    """Every fault; those caught by load runs are measured with the machine to themselves."""
    return [
        pytest.param(fault, marks=[alone] if "performance" in categories_of(ids) else [], id=fault)
        for fault, ids in sorted(CATCHES.items())
    ]


@pytest.mark.parametrize("fault", fault_cases())
def test_each_planted_fault_fails_exactly_its_requirements(tmp_path: Path, fault: str) -> None:
    suites = suites_of(CATCHES[fault])
    run_profile = FAULT_RUN_PROFILES.get(tuple(suites), "full")
    outcome, _ = accredit_reference(tmp_path, (fault,), CATCHES[fault], run_profile, html=False)
    got = verdicts(outcome)
    failed = {i for i, v in got.items() if v in ("fail", "error")}
    assert failed == set(CATCHES[fault]), f"{fault}: failed {sorted(failed)}, all {got}"
    assert outcome.exit_code == 1
    assert outcome.results is not None
    for requirement in outcome.results["requirements"]:
        if requirement["id"] in failed:
            assert_evidence(requirement)


def assert_evidence(requirement: dict[str, Any]) -> None:
    """A failure carries a message and the HTTP exchanges that reproduce it."""
    failing = [t for t in requirement["tests"] if t["outcome"] in ("fail", "error")]
    assert failing
    for test in failing:
        assert test["message"], f"{test['id']} has no message"
        assert test["evidence"], f"{test['id']} has no evidence"
        assert all(e["curl"].startswith("curl ") for e in test["evidence"])
