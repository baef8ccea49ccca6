"""A hostile or broken SUT never crashes, hangs or fools the harness, nor injects into reports.

For each behaviour of the fake SUT: the run ends within its time limit, no requirement the
behaviour touches passes, every test that did not pass says why and carries its evidence, the
reports are written, nothing the SUT sent becomes markup, and no credential reaches an artefact.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
import yaml

from accredit.reference import running_reference
from accredit.runner import run_accreditation
from accredit.specs import load_specs
from tests.e2e.test_command_line import accredit
from tests.hostile.fake_sut import BEHAVIOURS, hostile_sut

TIME_LIMIT_SECONDS = 120.0
REQUEST_TIMEOUT_SECONDS = 1.0
#: The requirements each behaviour must keep from passing (None: every requirement).
AFFECTED: dict[str, set[str] | None] = {
    name: None for name in BEHAVIOURS if name not in ("flip-flop", "bad-certificate")
}
#: A record that reads back differently every other time must never pass as unchanged: in the
#: smoke run below, the checks that compare a locked form's reads before and after an attempt
#: (the first route of the route coverage, LD-001) or an addendum's lifecycle (LD-010).
AFFECTED["flip-flop"] = {"LD-001", "LD-010"}
#: What a behaviour's run covers (categories, suites or requirement ids; absent: EVERY_KIND).
#: A proxy in front of a real reference only needs the suites whose requirements it can
#: affect: every request through it is relayed.
ONLY: dict[str, list[str]] = {"flip-flop": ["lockdown"]}
#: Every kind of check the suites make, once: the case-worker functions of the first suite,
#: property tests (pre-population), stateful sequences and races (lock-down), the matrix
#: (access), and the browser's precondition (usability). The later functional suites (plan,
#: record, service, returns) reach a product through the same client and add only time here.
EVERY_KIND = [
    "prepopulation", "lockdown", "access", "usability",
    *(r.id for r in load_specs().catalogue.requirements if r.verification.suite == "functional"),
]  # fmt: skip
#: Each behaviour is met by every suite test function once (the smoke run profile): what is
#: shown is that the harness survives and records it, which more examples of the same
#: property tests would only show again, more slowly.
RUN_PROFILE = "smoke"


class _Elements(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.found: set[str] = set()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.found.update(name for name, _ in attrs if name.startswith("on"))
        # The report's own charts are images embedded as data: URIs; nothing else may be one.
        if tag == "img" and (dict(attrs).get("src") or "").startswith("data:image/svg+xml;"):
            return
        self.found.add(tag)


def write_profile(folder: Path, base_url: str, tokens: dict[str, str]) -> Path:
    path = folder / "sut.yaml"
    document = {
        "product": "Hostile",
        "version": "0",
        "base_url": base_url,
        "timeout_seconds": REQUEST_TIMEOUT_SECONDS,
        "users": {key: {"token": token} for key, token in tokens.items()},
    }
    path.write_text(yaml.safe_dump(document))
    return path


@pytest.fixture
def upstream() -> Iterator[tuple[str | None, dict[str, str]]]:
    """A real reference, for the behaviours that distort a working product's answers."""
    with running_reference() as reference:
        users = yaml.safe_load(reference.profile.read_text())["users"]
        yield reference.base_url, {key: user["token"] for key, user in users.items()}


def invented_tokens() -> dict[str, str]:
    return {u.key: f"secret-{u.key}-7f3a9c" for u in load_specs().users.required_users}


def accredit_hostile(behaviour: str, folder: Path, upstream: str | None,
                     tokens: dict[str, str]) -> tuple[Any, float]:  # fmt: skip
    with hostile_sut(behaviour, folder, upstream) as base_url:
        profile = write_profile(folder, base_url, tokens)
        started = time.monotonic()
        outcome = run_accreditation(profile, folder / "out", seed=11, echo=False,
                                    time_limit=TIME_LIMIT_SECONDS,
                                    only=ONLY.get(behaviour, EVERY_KIND),
                                    run_profile=RUN_PROFILE)  # fmt: skip
        return outcome, time.monotonic() - started


@pytest.mark.parametrize("behaviour", sorted(AFFECTED))
def test_a_hostile_sut_is_survived_and_reported(
    tmp_path: Path, behaviour: str, request: pytest.FixtureRequest
) -> None:
    if behaviour == "flip-flop":
        base, tokens = request.getfixturevalue("upstream")
    else:
        base, tokens = None, invented_tokens()
    outcome, took = accredit_hostile(behaviour, tmp_path, base, tokens)

    assert took < TIME_LIMIT_SECONDS, f"{behaviour}: the run took {took:.0f} s"
    results = outcome.results
    assert results is not None and results["run"]["complete"], f"{behaviour}: no complete run"
    affected = AFFECTED[behaviour]
    for requirement in results["requirements"]:
        if affected is not None and requirement["id"] not in affected:
            continue
        assert requirement["verdict"] != "pass", f"{behaviour}: {requirement['id']} passed"
        for test in requirement["tests"]:
            if test["outcome"] != "pass":
                assert test["message"], f"{behaviour}: {test['id']} says nothing"
            # A skipped test (an unmet precondition: here, a profile naming no web UI) says why;
            # one that failed or ended in error also shows the exchanges behind it.
            if test["outcome"] in ("fail", "error"):
                assert test["evidence"], f"{behaviour}: {test['id']} has no evidence"
    assert outcome.exit_code == 1

    out = tmp_path / "out"
    report = (out / "report.html").read_text(encoding="utf-8")
    parser = _Elements()
    parser.feed(report)
    injected = parser.found & {"script", "img", "iframe", "onerror", "onload"}
    assert not injected, f"{behaviour}: the SUT's markup reached the report: {injected}"
    assert (out / "junit.xml").is_file()
    assert_no_token_in(out, tokens)


def assert_no_token_in(out: Path, tokens: dict[str, str]) -> None:
    for artefact in out.iterdir():
        text = artefact.read_text(encoding="utf-8", errors="replace")
        leaked = [key for key, token in tokens.items() if token in text]
        assert not leaked, f"{artefact.name} holds the token of {leaked}"


def test_a_sut_with_an_invalid_certificate_is_refused_and_on_record(tmp_path: Path) -> None:
    """The harness never trusts a bad certificate: exit 3 with one line, and the run directory
    says why, every requirement in error with the refused handshake as evidence."""
    tokens = invented_tokens()
    with hostile_sut("bad-certificate", tmp_path) as base_url:
        profile = write_profile(tmp_path, base_url, tokens)
        out = tmp_path / "out"
        done = accredit("run", "--sut", str(profile), "--out", str(out), "--no-pdf", timeout=120)
    assert done.returncode == 3
    assert "CERTIFICATE_VERIFY_FAILED" in done.stderr and done.stderr.count("\n") == 1
    results = json.loads((out / "results.json").read_text())
    # Those at the screen are not run: the profile names no web UI.
    verdicts = {(r["category"] == "usability", r["verdict"]) for r in results["requirements"]}
    assert verdicts == {(False, "error"), (True, "not_run")}
    evidence = [
        e for r in results["requirements"] for t in r["tests"] for e in t.get("evidence", [])
    ]
    assert evidence and all(e["curl"].startswith("curl ") for e in evidence)
    assert "CERTIFICATE_VERIFY_FAILED" in json.dumps(results)
    assert_no_token_in(out, tokens)
