"""The JUnit XML report: one suite per category, one case per requirement, counts that add up."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

from reports import write_junit
from tests.reports.conftest import IMG, SCRIPT, validate


def _junit(results: dict[str, Any], out_dir: Path) -> ET.Element:
    path = write_junit(results, out_dir)
    assert path == out_dir / "junit.xml"
    return ET.parse(path).getroot()


def _counts(element: ET.Element) -> tuple[int, int, int, int]:
    return (
        int(element.attrib["tests"]),
        int(element.attrib["failures"]),
        int(element.attrib["errors"]),
        int(element.attrib["skipped"]),
    )


def test_one_suite_per_category_and_one_case_per_requirement(
    tmp_path: Path, results: dict[str, Any]
) -> None:
    root = _junit(results, tmp_path)
    assert root.tag == "testsuites"
    suites = {s.attrib["name"]: s for s in root.findall("testsuite")}
    assert list(suites) == ["functional", "lockdown"]
    assert _counts(root) == (4, 1, 1, 1)
    assert _counts(suites["functional"]) == (2, 0, 1, 0)
    assert _counts(suites["lockdown"]) == (2, 1, 0, 1)
    names = [c.attrib["name"] for c in suites["lockdown"].findall("testcase")]
    assert names == [
        "LD-001 An approved form refuses every change to its answers",
        "LD-002 An approved form cannot be deleted",
    ]
    assert {c.attrib["classname"] for c in root.iter("testcase")} == {
        "ics-accredit.functional",
        "ics-accredit.lockdown",
    }
    assert float(root.attrib["time"]) == sum(float(s.attrib["time"]) for s in suites.values())


def test_a_failure_carries_the_test_its_message_and_the_first_exchange(
    tmp_path: Path, results: dict[str, Any]
) -> None:
    root = _junit(results, tmp_path)
    failure = root.find(
        ".//testcase[@name='LD-001 An approved form refuses every change to its answers']/failure"
    )
    assert failure is not None
    assert failure.attrib["message"].startswith("MUST requirement fail: expected 409, got 200")
    assert failure.text is not None
    assert "suites/lockdown/test_lock.py::test_put_refused" in failure.text
    assert f"the product said {SCRIPT} {IMG}" in failure.text
    assert "PUT http://127.0.0.1:8123/forms/7/answers -> 200" in failure.text
    error = root.find(".//testcase/error")
    assert error is not None
    assert error.text is not None
    assert "GET http://127.0.0.1:8123/children/1/notes -> no response: timeout" in error.text
    skipped = root.find(".//testcase/skipped")
    assert skipped is not None
    assert skipped.attrib["message"] == "not run"


def test_markup_and_control_characters_from_the_product_cannot_break_the_file(
    tmp_path: Path, results: dict[str, Any]
) -> None:
    test = results["requirements"][1]["tests"][0]
    test["message"] = "bell\x07 nul\x00 esc\x1b ]]> </failure> & \ufffe end"
    results["requirements"][1]["title"] = "quote \" apostrophe ' <tag>\x0b"
    path = write_junit(results, tmp_path)
    text = path.read_text(encoding="utf-8")
    assert "<tag>" not in text
    root = ET.parse(path).getroot()
    failure = root.find(".//failure")
    assert failure is not None
    assert failure.text is not None
    assert "bell nul esc ]]> </failure> &  end" in failure.text
    names = [c.attrib["name"] for c in root.iter("testcase")]
    assert "LD-001 quote \" apostrophe ' <tag>" in names


def test_an_incomplete_run_is_an_error_in_ci(tmp_path: Path, results: dict[str, Any]) -> None:
    for requirement in results["requirements"]:
        requirement["verdict"] = "pass"
    results["run"]["complete"] = False
    results["run"]["internal_errors"] = ["KeyError: 'verdict'"]
    validate(results)
    root = _junit(results, tmp_path)
    assert _counts(root) == (5, 0, 1, 0)
    harness = root.find("testsuite[@name='harness']")
    assert harness is not None
    error = harness.find("testcase/error")
    assert error is not None
    assert error.attrib["message"] == "The harness did not finish: this run proves nothing"
    assert error.text == "KeyError: 'verdict'"


def test_run_identity_travels_as_suite_properties(tmp_path: Path, results: dict[str, Any]) -> None:
    root = _junit(results, tmp_path)
    suite = root.find("testsuite")
    assert suite is not None
    properties = {p.attrib["name"]: p.attrib["value"] for p in suite.iter("property")}
    assert properties["run_id"] == "run-20240501-0001"
    assert properties["product_version"] == "1.2.3"
    assert properties["spec_digest"] == "0123456789abcdef" * 4


def test_known_failures_of_a_baseline_show_as_skipped_not_failed(
    tmp_path: Path, results: dict[str, Any]
) -> None:
    path = write_junit(results, tmp_path, {"LD-001": "did not pass in the baseline either"})
    root = ET.parse(path).getroot()
    assert _counts(root) == (4, 0, 1, 2)
    case = next(c for c in root.iter("testcase") if c.attrib["name"].startswith("LD-001"))
    assert case.find("failure") is None
    skipped = case.find("skipped")
    assert skipped is not None
    assert skipped.attrib["message"] == "known failure: did not pass in the baseline either"
    out = case.find("system-out")
    assert out is not None and "expected 409, got 200" in (out.text or "")
