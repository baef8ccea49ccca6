"""The JUnit XML report, for suppliers' CI: one test suite per category, one case per requirement.

A CI server shows a requirement as a test case, so a supplier sees at a glance which requirement
broke a build. ElementTree escapes all text; characters XML 1.0 cannot carry at all (most
control characters) are removed from everything taken from the results document, so a hostile
body cannot make the file unreadable.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

__all__ = ["write_junit"]

JUNIT_FILE = "junit.xml"
SUITES_NAME = "ics-accredit"

# A failure message attribute is a headline; the full story is in the element's text.
_MAX_MESSAGE_CHARS = 300

# Everything outside XML 1.0's Char production: C0 controls but tab, newline and carriage
# return; lone surrogates; U+FFFE and U+FFFF.
_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def write_junit(
    results: Mapping[str, Any],
    out_dir: Path,
    known_failures: Mapping[str, str] | None = None,
) -> Path:
    """Write `junit.xml` for a validated results document into `out_dir`; return its path.

    A requirement in `known_failures` (id -> why) that did not pass is written as skipped with
    that reason, so a CI system shows only regressions as failures (baseline mode).
    """
    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / JUNIT_FILE
    tree = ET.ElementTree(junit_element(results, known_failures))
    ET.indent(tree)
    tree.write(path, encoding="utf-8", xml_declaration=True)
    return path


def junit_element(
    results: Mapping[str, Any], known_failures: Mapping[str, str] | None = None
) -> ET.Element:
    """Return the <testsuites> element for a validated results document."""
    run = results["run"]
    root = ET.Element("testsuites", name=SUITES_NAME)
    categories = _category_ids(results["categories"], results["requirements"])
    for category in categories:
        requirements = [r for r in results["requirements"] if r["category"] == category]
        root.append(_suite(category, requirements, results, known_failures or {}))
    if not run["complete"]:
        # An incomplete run must not look green in CI whatever its verdicts say.
        root.append(_incomplete_suite(run))
    _count(root, root.findall("testsuite"))
    return root


def _category_ids(
    declared: Iterable[Mapping[str, Any]], requirements: Iterable[Mapping[str, Any]]
) -> list[str]:
    ids = [c["id"] for c in declared]
    ids += [r["category"] for r in requirements]
    return list(dict.fromkeys(ids))


def _suite(
    category: str,
    requirements: list[Mapping[str, Any]],
    results: Mapping[str, Any],
    known_failures: Mapping[str, str],
) -> ET.Element:
    suite = ET.Element("testsuite", name=_xml_text(category))
    suite.set("timestamp", _xml_text(results["run"]["started_at"]))
    suite.append(_properties(results))
    for requirement in requirements:
        suite.append(_case(category, requirement, known_failures.get(requirement["id"])))
    cases = suite.findall("testcase")
    suite.set("tests", str(len(cases)))
    suite.set("failures", str(sum(1 for c in cases if c.find("failure") is not None)))
    suite.set("errors", str(sum(1 for c in cases if c.find("error") is not None)))
    suite.set("skipped", str(sum(1 for c in cases if c.find("skipped") is not None)))
    suite.set("time", _seconds(sum(float(c.get("time", "0")) for c in cases)))
    return suite


def _properties(results: Mapping[str, Any]) -> ET.Element:
    run, sut = results["run"], results["sut"]
    properties = ET.Element("properties")
    for name, value in (
        ("run_id", run["id"]),
        ("product", sut["product"]),
        ("product_version", sut["version"]),
        ("base_url", sut["base_url"]),
        ("harness_version", run["harness_version"]),
        ("spec_version", run["spec_version"]),
        ("spec_digest", run["spec_digest"]),
        ("profile", run["profile"]),
        ("seed", str(run["seed"])),
        ("complete", "true" if run["complete"] else "false"),
    ):
        ET.SubElement(properties, "property", name=name, value=_xml_text(value))
    return properties


def _case(category: str, requirement: Mapping[str, Any], known: str | None) -> ET.Element:
    case = ET.Element(
        "testcase",
        classname=_xml_text(f"{SUITES_NAME}.{category}"),
        name=_xml_text(f"{requirement['id']} {requirement['title']}"),
        time=_seconds(sum(t["duration_s"] for t in requirement["tests"])),
    )
    verdict = requirement["verdict"]
    not_passed = [t for t in requirement["tests"] if t["outcome"] != "pass"]
    if known is not None and verdict != "pass":
        ET.SubElement(case, "skipped", message=_xml_text(f"known failure: {known}"))
        ET.SubElement(case, "system-out").text = _xml_text(_story(not_passed))
    elif verdict in ("fail", "error"):
        element = ET.SubElement(case, "failure" if verdict == "fail" else "error")
        element.set("message", _headline(requirement, not_passed))
        element.set("type", verdict)
        element.text = _xml_text(_story(not_passed))
    elif verdict == "not_run":
        reasons = [t["message"] for t in not_passed if t["message"]]
        ET.SubElement(case, "skipped", message="not run")
        if reasons:
            ET.SubElement(case, "system-out").text = _xml_text("\n".join(reasons))
    return case


def _incomplete_suite(run: Mapping[str, Any]) -> ET.Element:
    suite = ET.Element("testsuite", name="harness")
    suite.set("timestamp", _xml_text(run["started_at"]))
    case = ET.SubElement(suite, "testcase", classname=f"{SUITES_NAME}.harness")
    case.set("name", "run complete")
    case.set("time", _seconds(0))
    error = ET.SubElement(case, "error", type="incomplete")
    error.set("message", "The harness did not finish: this run proves nothing")
    error.text = _xml_text("\n".join(run["internal_errors"]) or "No internal error was recorded.")
    suite.set("tests", "1")
    suite.set("failures", "0")
    suite.set("errors", "1")
    suite.set("skipped", "0")
    suite.set("time", _seconds(0))
    return suite


def _count(root: ET.Element, suites: list[ET.Element]) -> None:
    for attribute in ("tests", "failures", "errors", "skipped"):
        root.set(attribute, str(sum(int(s.get(attribute, "0")) for s in suites)))
    root.set("time", _seconds(sum(float(s.get("time", "0")) for s in suites)))


def _headline(requirement: Mapping[str, Any], not_passed: list[Mapping[str, Any]]) -> str:
    level, verdict = requirement["level"], requirement["verdict"]
    first = next((t["message"] for t in not_passed if t["message"]), None)
    headline = f"{level} requirement {verdict}"
    if first:
        headline += f": {first}"
    headline = " ".join(_xml_text(headline).split())
    if len(headline) > _MAX_MESSAGE_CHARS:
        headline = headline[: _MAX_MESSAGE_CHARS - 1] + "…"
    return headline


def _story(not_passed: list[Mapping[str, Any]]) -> str:
    """Return each test that did not pass: its id, outcome, message and first exchange."""
    blocks = []
    for test in not_passed:
        lines = [f"{test['id']} ({test['outcome']})"]
        if test["message"]:
            lines.append(test["message"])
        if test["evidence"]:
            lines.append(_exchange_line(test["evidence"][0]))
        blocks.append("\n".join(lines))
    return "\n\n".join(blocks)


def _exchange_line(exchange: Mapping[str, Any]) -> str:
    request, response = exchange["request"], exchange["response"]
    if response is not None:
        answer = f"{response['status']}"
    elif exchange["error"]:
        answer = f"no response: {exchange['error']}"
    else:
        answer = "no response"
    return f"first exchange: {request['method']} {request['url']} -> {answer}"


def _seconds(value: float) -> str:
    return f"{value:.3f}"


def _xml_text(text: str) -> str:
    """Return text without the characters XML 1.0 cannot carry."""
    return _NOT_XML.sub("", text)
