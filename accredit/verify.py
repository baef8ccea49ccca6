"""`accredit verify DIR`: is a run directory exactly as it was written, and does it add up?

It re-checks the sha256 of every artefact against the manifest (and the manifest's own
canonical form), finds files added since, traces the copy of the policy to the spec bundle,
re-derives every requirement's verdict and the summary from the per-test outcomes in
results.json, and re-derives the scores and the decision from results.json under that policy,
comparing each with what was recorded. Every difference is listed; none means verified.

A directory that is not a run directory at all is a usage error; anything wrong inside one
(a truncated file, a hand-edited value) is a difference.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import jsonschema

from accredit.errors import UserError
from accredit.manifest import MANIFEST_FILE, artefact_files, canonical_manifest, sha256_file
from accredit.policy import POLICY_FILE, Policy, read_policy
from accredit.results import read_results, summarise, verdict_of
from accredit.specs import _bundle_digest, first_schema_problem, load_specs, read_schema

__all__ = ["Verification", "verify_directory"]

RESULTS_FILE = "results.json"
SCORES_FILE = "scores.json"


@dataclass
class Verification:
    directory: Path
    checks: list[str] = field(default_factory=list)
    differences: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def verified(self) -> bool:
        return not self.differences


def verify_directory(directory: Path) -> Verification:
    """Return what verifying the run directory found. Raises UserError (exit 2) if it is not
    a run directory: missing, not a folder, or without a manifest."""
    if not directory.is_dir():
        raise UserError(f"{directory}: no such directory")
    manifest_path = directory / MANIFEST_FILE
    if not manifest_path.is_file():
        raise UserError(
            f"{directory}: no {MANIFEST_FILE}: not a run directory written by accredit run, "
            "demo or report"
        )
    found = Verification(directory)
    manifest = _manifest(manifest_path, found)
    if manifest is None:
        return found
    _artefacts(directory, manifest["artefacts"], found)
    bundle = manifest["spec_bundle"]
    if _bundle_digest(bundle["files"]) != bundle["digest"]:
        found.differences.append(
            f"{MANIFEST_FILE}: spec_bundle.digest is not the digest of the files it lists"
        )
    results = _results(directory, found)
    policy_path = directory / POLICY_FILE
    policy = None
    if not policy_path.is_file():
        found.differences.append(f"{POLICY_FILE}: missing: the scores cannot be re-derived")
    elif sha256_file(policy_path) != bundle["files"].get(POLICY_FILE):
        found.differences.append(
            f"{POLICY_FILE}: not the policy of the spec bundle the manifest records"
        )
    else:
        try:
            policy = read_policy(policy_path)
        except UserError as exc:
            found.differences.append(str(exc))
    if results is not None:
        _specs_notes(results, bundle, found)
        if policy is not None:
            _scores(directory, results, policy, found)
    return found


def _manifest(path: Path, found: Verification) -> dict[str, Any] | None:
    raw = path.read_bytes()
    try:
        manifest = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as exc:
        found.differences.append(f"{MANIFEST_FILE}: not valid JSON: {' '.join(str(exc).split())}")
        return None
    problem = first_schema_problem(
        jsonschema.Draft202012Validator(read_schema("manifest")), manifest
    )
    if problem is not None:
        found.differences.append(f"{MANIFEST_FILE}: {problem}")
        return None
    if canonical_manifest(manifest) != raw:
        found.differences.append(
            f"{MANIFEST_FILE}: its bytes are not the form it was written in (edited by hand?)"
        )
    found.checks.append(f"{MANIFEST_FILE}: lists {len(manifest['artefacts'])} artefacts")
    result: dict[str, Any] = manifest
    return result


def _artefacts(directory: Path, listed: Mapping[str, str], found: Verification) -> None:
    root = directory.resolve()
    matched = 0
    for name, digest in sorted(listed.items()):
        path = directory / name
        if not path.resolve().is_relative_to(root):
            found.differences.append(f"{name}: outside the run directory")
        elif not path.is_file():
            found.differences.append(f"{name}: missing")
        elif sha256_file(path) != digest:
            found.differences.append(f"{name}: sha256 differs from the manifest: changed since")
        else:
            matched += 1
    for name in artefact_files(directory):
        if name not in listed:
            found.differences.append(f"{name}: not in the manifest: added since it was written")
    found.checks.append(f"{matched} of {len(listed)} artefacts have the sha256 recorded")


def _results(directory: Path, found: Verification) -> dict[str, Any] | None:
    path = directory / RESULTS_FILE
    if not path.is_file():
        found.differences.append(f"{RESULTS_FILE}: missing")
        return None
    try:
        results = read_results(path)
    except UserError as exc:
        found.differences.append(str(exc).replace(str(path), RESULTS_FILE, 1))
        return None
    outcomes = 0
    for i, requirement in enumerate(results["requirements"]):
        tests = [t["outcome"] for t in requirement["tests"]]
        outcomes += len(tests)
        derived = verdict_of(tests)
        if derived != requirement["verdict"]:
            found.differences.append(
                f"{RESULTS_FILE}: requirements[{i}] ({requirement['id']}): verdict is "
                f"{requirement['verdict']}, but its tests' outcomes give {derived}"
            )
    for where, was, now in _compare(results["summary"], summarise(results["requirements"])):
        found.differences.append(
            f"{RESULTS_FILE}: summary{where}: recorded {was}, re-derived {now}"
        )
    found.checks.append(f"verdicts and summary re-derived from {outcomes} test outcomes")
    return results


def _specs_notes(
    results: Mapping[str, Any], bundle: Mapping[str, Any], found: Verification
) -> None:
    run_digest = results["run"]["spec_digest"]
    if run_digest != bundle["digest"]:
        found.notes.append(
            f"the run used specs {run_digest[:12]}; the scores were made under specs "
            f"{bundle['version']} ({bundle['digest'][:12]})"
        )
    installed = load_specs()
    same = "the same as" if installed.digest == run_digest else "not the same as"
    found.notes.append(
        f"the specs installed here ({installed.version}, {installed.digest[:12]}) are {same} "
        f"the run's ({results['run']['spec_version']}, {run_digest[:12]})"
    )


def _scores(
    directory: Path, results: Mapping[str, Any], policy: Policy, found: Verification
) -> None:
    from reports.scoring import score

    path = directory / SCORES_FILE
    if not path.is_file():
        found.differences.append(f"{SCORES_FILE}: missing")
        return
    try:
        recorded = json.loads(path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, ValueError) as exc:
        found.differences.append(f"{SCORES_FILE}: not valid JSON: {' '.join(str(exc).split())}")
        return
    try:
        card = score(results, policy, RESULTS_FILE)
    except UserError as exc:
        found.differences.append(str(exc))
        return
    for where, was, now in _compare(recorded, card.to_document()):
        found.differences.append(
            f"{SCORES_FILE}: {where or '(top)'}: recorded {was}, re-derived {now}"
        )
    found.checks.append(
        f"scores and decision re-derived under policy {policy.version}: {card.decision_title}"
    )


def _compare(recorded: Any, derived: Any, where: str = "") -> Iterator[tuple[str, str, str]]:
    """Yield (path, recorded, re-derived) for every place the two documents differ."""
    if isinstance(recorded, dict) and isinstance(derived, dict):
        for key in sorted(recorded.keys() | derived.keys()):
            here = f"{where}.{key}"
            if key not in recorded:
                yield here, "nothing", _short(derived[key])
            elif key not in derived:
                yield here, _short(recorded[key]), "nothing"
            else:
                yield from _compare(recorded[key], derived[key], here)
    elif isinstance(recorded, list) and isinstance(derived, list):
        if len(recorded) != len(derived):
            yield where, f"{len(recorded)} entries", f"{len(derived)}"
        for i, (a, b) in enumerate(zip(recorded, derived, strict=False)):
            yield from _compare(a, b, f"{where}[{i}]")
    elif recorded != derived or type(recorded) is not type(derived):
        yield where, _short(recorded), _short(derived)


def _short(value: Any) -> str:
    text = json.dumps(value, ensure_ascii=False)
    return text if len(text) <= 80 else text[:79] + "…"
