"""A run directory has a manifest; verify finds any changed byte and any re-derived difference."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from accredit._paths import specs_root
from accredit.errors import UserError
from accredit.manifest import canonical_manifest, write_manifest
from accredit.runner import write_run_directory
from accredit.specs import load_specs
from accredit.verify import verify_directory
from tests.reports.conftest import every_category_passing, requirement

SPECS = load_specs()


@pytest.fixture(scope="module")
def pristine(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A run directory written from a results document under the installed specs."""
    out = tmp_path_factory.mktemp("run")
    results = every_category_passing()
    results["requirements"].append(requirement("FUN-009", "functional", "fail", "SHOULD"))
    results["run"]["spec_digest"] = SPECS.digest
    from accredit.results import summarise

    results["summary"] = summarise(results["requirements"])
    (out / "results.json").write_text(json.dumps(results, indent=2), encoding="utf-8")
    write_run_directory(out / "results.json", out, specs=SPECS, pdf=False)
    return out


@pytest.fixture
def run_dir(tmp_path: Path, pristine: Path) -> Path:
    copy = tmp_path / "run"
    shutil.copytree(pristine, copy)
    return copy


def test_an_untouched_run_directory_verifies(run_dir: Path) -> None:
    found = verify_directory(run_dir)
    assert found.differences == []
    assert found.verified
    manifest = json.loads((run_dir / "manifest.json").read_text())
    assert sorted(manifest["artefacts"]) == [
        "junit.xml", "policy.yaml", "report.html", "results.json", "scores.json",
    ]  # fmt: skip
    assert manifest["spec_bundle"]["digest"] == SPECS.digest
    assert any("re-derived under policy" in c for c in found.checks)


ARTEFACTS = ["results.json", "report.html", "junit.xml", "scores.json", "policy.yaml"]


@pytest.mark.parametrize("name", [*ARTEFACTS, "manifest.json"])
@pytest.mark.parametrize("where", [0.0, 0.5, 1.0])
def test_one_changed_byte_anywhere_is_found(run_dir: Path, name: str, where: float) -> None:
    path = run_dir / name
    data = bytearray(path.read_bytes())
    index = min(int(len(data) * where), len(data) - 1)
    data[index] ^= 0x01
    path.write_bytes(bytes(data))
    found = verify_directory(run_dir)
    assert not found.verified
    assert any(d.startswith(f"{name}:") for d in found.differences), found.differences


def test_whitespace_that_json_ignores_in_the_manifest_is_still_found(run_dir: Path) -> None:
    path = run_dir / "manifest.json"
    path.write_text(path.read_text().replace('{\n  "algorithm"', '{\n   "algorithm"', 1))
    found = verify_directory(run_dir)
    assert found.differences == [
        "manifest.json: its bytes are not the form it was written in (edited by hand?)"
    ]


def test_a_missing_or_added_artefact_is_found(run_dir: Path) -> None:
    (run_dir / "junit.xml").unlink()
    (run_dir / "extra.txt").write_text("later")
    differences = verify_directory(run_dir).differences
    assert "junit.xml: missing" in differences
    assert "extra.txt: not in the manifest: added since it was written" in differences


def rehash(run_dir: Path) -> None:
    """Re-write the manifest over edited files, as someone covering their tracks would."""
    write_manifest(run_dir, SPECS)


def test_a_verdict_edited_and_rehashed_is_found_by_rederiving_it(run_dir: Path) -> None:
    path = run_dir / "results.json"
    results = json.loads(path.read_text())
    target = next(r for r in results["requirements"] if r["id"] == "FUN-009")
    target["verdict"] = "pass"
    path.write_text(json.dumps(results, indent=2))
    rehash(run_dir)
    differences = verify_directory(run_dir).differences
    assert "results.json: requirements[5] (FUN-009): verdict is pass, but its tests' outcomes " \
        "give fail" in differences  # fmt: skip
    assert any(d.startswith("results.json: summary.pass: recorded 5") for d in differences)
    assert any(d.startswith("scores.json: .conditions") for d in differences)


def test_a_decision_edited_and_rehashed_is_found_by_rescoring(run_dir: Path) -> None:
    path = run_dir / "scores.json"
    scores = json.loads(path.read_text())
    scores["decision"] = "accredited"
    path.write_text(json.dumps(scores, indent=2))
    rehash(run_dir)
    assert verify_directory(run_dir).differences == [
        'scores.json: .decision: recorded "accredited", re-derived "accredited_with_conditions"'
    ]


def test_a_policy_swapped_and_rehashed_is_not_the_bundles(run_dir: Path) -> None:
    path = run_dir / "policy.yaml"
    path.write_text(path.read_text().replace("threshold: 80", "threshold: 10"))
    rehash(run_dir)
    assert "policy.yaml: not the policy of the spec bundle the manifest records" in (
        verify_directory(run_dir).differences
    )


def test_a_spec_bundle_edited_in_the_manifest_is_found(run_dir: Path) -> None:
    path = run_dir / "manifest.json"
    manifest = json.loads(path.read_text())
    manifest["spec_bundle"]["files"]["catalogue.yaml"] = "0" * 64
    path.write_bytes(canonical_manifest(manifest))
    assert verify_directory(run_dir).differences == [
        "manifest.json: spec_bundle.digest is not the digest of the files it lists"
    ]


def test_the_manifest_digest_is_the_spec_bundles_own(tmp_path: Path) -> None:
    shutil.copytree(specs_root(), tmp_path / "specs")
    bundle = load_specs(tmp_path / "specs")
    (tmp_path / "run").mkdir()
    (tmp_path / "run" / "x.txt").write_text("x")
    manifest = json.loads(write_manifest(tmp_path / "run", bundle).read_text())
    assert manifest["spec_bundle"]["digest"] == bundle.digest == SPECS.digest


def test_a_folder_that_is_not_a_run_directory_is_a_usage_error(tmp_path: Path) -> None:
    with pytest.raises(UserError, match="no such directory"):
        verify_directory(tmp_path / "nothing")
    with pytest.raises(UserError, match=r"no manifest\.json: not a run directory"):
        verify_directory(tmp_path)
