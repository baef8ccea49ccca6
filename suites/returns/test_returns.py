"""The statutory returns against a seeded caseload: every row and field the seeded truth
implies (RET-001 CIN census, RET-003 SSDA903), the Department's published validation rules run
by the open-source validators with zero errors (RET-002, RET-004), and parameters refused
(RET-005). Only the seeded children are compared and validated: the product holds other
suites' records too."""

from __future__ import annotations

import csv
import io
import random
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from returns.caseload import COLLECTION_YEAR, REFERENCE_DATE, Seeded, caseload, truth_903, truth_cin
from returns.caseload import seed as seed_caseload
from returns.validators import Findings, run_validator

from accredit.plugin import TableLog
from accredit.returns_spec import ReturnsSpec, returns_spec
from accredit.specs import SpecBundle
from accredit.sut import Exchange, SutClient

from steps import expect

WORKER, MANAGER, READER = "sw_a", "tm_a", "auditor"


class MalformedReturn(Exception):
    """The product's return cannot be read as XML or CSV: the check is an error, not a verdict."""


@dataclass
class Returns:
    spec: ReturnsSpec
    children: list[Seeded]
    census: ET.Element  # only the seeded children
    census_text: bytes
    tables: dict[str, list[dict[str, str]]]  # only the seeded children
    folder: Path
    reader: SutClient

    def seeded(self) -> set[str]:
        return {c.child_id for c in self.children}


def _census_path() -> str:
    return f"/returns/cin-census?collection_year={COLLECTION_YEAR}&reference_date={REFERENCE_DATE}"


def _table_path(table: str) -> str:
    return f"/returns/ssda903/{table}?collection_year={COLLECTION_YEAR}"


def read_census(exchange: Exchange, seeded: set[str]) -> tuple[ET.Element, bytes]:
    """Return the census with only the seeded children, as a tree and as text."""
    expect(exchange, 200, what="export the CIN census")
    try:
        root = ET.fromstring(exchange.content)
    except ET.ParseError as exc:
        raise MalformedReturn(f"the CIN census is not well-formed XML: {exc}") from None
    children = root.find("Children")
    if root.tag != "Message" or root.find("Header") is None or children is None:
        raise MalformedReturn(f"the CIN census is not a census Message: root <{root.tag}>")
    for child in list(children):
        if child.findtext("ChildIdentifiers/LAchildID") not in seeded:
            children.remove(child)
    return root, ET.tostring(root, encoding="utf-8", xml_declaration=True)


def read_table(
    exchange: Exchange, table: str, columns: tuple[str, ...], seeded: set[str]
) -> list[dict[str, str]]:
    """Return the rows of the seeded children; a table that is not the CSV asked for is an error."""
    expect(exchange, 200, what=f"export the SSDA903 {table} table")
    try:
        rows = list(csv.reader(io.StringIO(exchange.content.decode("utf-8-sig"))))
    except (UnicodeDecodeError, csv.Error) as exc:
        raise MalformedReturn(f"the SSDA903 {table} table is not CSV: {exc}") from None
    if not rows or tuple(rows[0]) != columns:
        got = rows[0] if rows else "nothing"
        raise MalformedReturn(f"the SSDA903 {table} table's header is {got}, not {list(columns)}")
    body = [dict(zip(columns, r, strict=False)) for r in rows[1:] if r]
    if any(len(r) != len(columns) for r in rows[1:] if r):
        raise MalformedReturn(f"the SSDA903 {table} table has rows of the wrong width")
    return [r for r in body if r["CHILD"] in seeded]


@pytest.fixture(scope="module")
def returns(
    sut: SutClient, specs: SpecBundle, seed: int, tmp_path_factory: pytest.TempPathFactory
) -> Returns:
    spec = returns_spec(specs.root)
    children = caseload()
    rng = random.Random(f"{seed}:returns-caseload")
    seed_caseload(sut.as_user(WORKER), sut.as_user(MANAGER), children, rng)
    reader = sut.as_user(READER)
    seeded = {c.child_id for c in children}
    census, text = read_census(reader.get(_census_path()), seeded)
    tables = {
        t: read_table(reader.get(_table_path(t)), t, cols, seeded)
        for t, cols in spec.tables.items()
    }
    folder = tmp_path_factory.mktemp("returns")
    (folder / "cin_census.xml").write_bytes(text)
    tables_folder = folder / "ssda903"
    tables_folder.mkdir()
    for table, rows in tables.items():
        out = io.StringIO()
        writer = csv.DictWriter(out, fieldnames=list(spec.tables[table]), lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
        (tables_folder / f"{table}.csv").write_text(out.getvalue(), encoding="utf-8")
    return Returns(spec, children, census, text, tables, folder, reader)


# --- CIN census -----------------------------------------------------------------------------


def _flat_census(root: ET.Element) -> dict[str, list[dict[str, Any]]]:
    """Return each child's CIN episodes as the facts `truth_cin` writes."""
    found: dict[str, list[dict[str, Any]]] = {}
    for child in root.iterfind("Children/Child"):
        episodes = []
        for details in child.iterfind("CINdetails"):
            item = {
                tag: details.findtext(tag)
                for tag in (
                    "CINreferralDate",
                    "ReferralSource",
                    "PrimaryNeedCode",
                    "CINclosureDate",
                    "ReasonForClosure",
                    "DateOfInitialCPC",
                    "ReferralNFA",
                )
            }
            item["Assessments"] = [
                {
                    "AssessmentActualStartDate": a.findtext("AssessmentActualStartDate"),
                    "AssessmentAuthorisationDate": a.findtext("AssessmentAuthorisationDate"),
                    "AssessmentFactors": [
                        f.text
                        for f in a.iterfind("FactorsIdentifiedAtAssessment/AssessmentFactors")
                    ],
                }
                for a in details.iterfind("Assessments")
            ]
            item["CINPlanDates"] = [
                {t: p.findtext(t) for t in ("CINPlanStartDate", "CINPlanEndDate")}
                for p in details.iterfind("CINPlanDates")
            ]
            item["Section47"] = [
                {
                    t: e.findtext(t)
                    for t in (
                        "S47ActualStartDate",
                        "InitialCPCtarget",
                        "DateOfInitialCPC",
                        "ICPCnotRequired",
                    )
                }
                for e in details.iterfind("Section47")
            ]
            item["ChildProtectionPlans"] = [
                {
                    **{
                        t: p.findtext(t)
                        for t in (
                            "CPPstartDate",
                            "CPPendDate",
                            "InitialCategoryOfAbuse",
                            "LatestCategoryOfAbuse",
                            "NumberOfPreviousCPP",
                        )
                    },
                    "CPPreviewDate": [r.text for r in p.iterfind("Reviews/CPPreviewDate")],
                }
                for p in details.iterfind("ChildProtectionPlans")
            ]
            episodes.append(item)
        found[child.findtext("ChildIdentifiers/LAchildID") or "?"] = episodes
    return found


def _structure_problems(root: ET.Element, spec: ReturnsSpec) -> list[str]:
    """Return where the census departs from the structure of specs/returns.yaml."""
    problems = []

    def check(element: ET.Element, where: str, order: tuple[str, ...]) -> None:
        tags = [c.tag for c in element]
        unknown = [t for t in tags if t not in order]
        if unknown:
            problems.append(f"{where}: unexpected <{unknown[0]}>")
        ranks = [order.index(t) for t in tags if t in order]
        if ranks != sorted(ranks):
            problems.append(f"{where}: elements out of order: {tags}")

    header = root.find("Header")
    assert header is not None
    check(header, "Header", tuple(spec.cin_header))
    for name, order in spec.cin_header.items():
        part = header.find(name)
        if part is None:
            problems.append(f"Header: no <{name}>")
        else:
            check(part, f"Header/{name}", order)
    child_order = ("ChildIdentifiers", "ChildCharacteristics", "CINdetails")
    for child in root.iterfind("Children/Child"):
        who = child.findtext("ChildIdentifiers/LAchildID")
        check(child, f"Child {who}", child_order)
        for name in child_order:
            for part in child.iterfind(name):
                check(part, f"Child {who}/{name}", spec.cin_child[name])
        for details in child.iterfind("CINdetails"):
            for name in ("Assessments", "CINPlanDates", "Section47", "ChildProtectionPlans"):
                for part in details.iterfind(name):
                    check(part, f"Child {who}/CINdetails/{name}", spec.cin_child[name])
    return problems


def _rows_of(
    census: dict[str, list[dict[str, Any]]], labels: dict[str, str]
) -> dict[tuple[str, str], str]:
    flat: dict[tuple[str, str], str] = {}
    for child, episodes in census.items():
        for n, episode in enumerate(episodes, start=1):
            for key, value in episode.items():
                flat[(f"{child} ({labels.get(child, '?')})", f"CIN episode {n} {key}")] = str(value)
    return flat


@pytest.mark.requirement("RET-001")
def test_cin_census_holds_the_seeded_truth(returns: Returns, tables: TableLog) -> None:
    labels = {c.child_id: c.label for c in returns.children}
    expected = _rows_of(truth_cin(returns.children, returns.spec), labels)
    got = _rows_of(_flat_census(returns.census), labels)
    keys = sorted(set(expected) | set(got))
    rows = [(k[0], k[1], expected.get(k, "(absent)"), got.get(k, "(absent)")) for k in keys]
    mismatched = [i for i, r in enumerate(rows) if r[2] != r[3]]
    tables.record(
        "ret-cin-truth",
        f"CIN census {COLLECTION_YEAR - 1}-{COLLECTION_YEAR % 100:02d} against the seeded truth",
        ["child", "item", "expected", "got"],
        rows,
        mismatched=mismatched,
    )
    problems = _structure_problems(returns.census, returns.spec)
    wrong = [f"{r[0]} {r[1]}: expected {r[2]}, got {r[3]}" for r in (rows[i] for i in mismatched)]
    if wrong:
        returns.reader.get(_census_path())  # the export again, as the failure's evidence
    assert not wrong and not problems, (
        f"the CIN census departs from the seeded truth in {len(wrong)} item(s) and from the "
        f"census structure in {len(problems)}: " + "; ".join((wrong + problems)[:8])
    )


def _findings_table(
    tables: TableLog, table: str, title: str, findings: Findings, rows_exported: int
) -> None:
    rows: list[tuple[str, str, str, int, str]] = [
        (
            "summary",
            "",
            f"{findings.version}, ruleset {findings.ruleset}: {findings.rules_run} rules run, "
            f"{rows_exported} rows exported",
            0,
            "",
        )
    ]
    for kind, issues in (("error", findings.errors), ("query", findings.queries)):
        for issue in issues:
            rows.append(
                (
                    kind,
                    issue["code"],
                    issue["message"],
                    issue["count"],
                    ", ".join(issue["children"]),
                )
            )
    if findings.failed_to_run:
        rows.append(
            ("not run", ", ".join(findings.failed_to_run), "rules that raised on this data", 0, "")
        )
    errors = [i for i, r in enumerate(rows) if r[0] == "error"]
    tables.record(
        table,
        title,
        ["kind", "rule", "message", "count", "children"],
        rows,
        mismatched=errors,
        note="Errors fail the requirement; queries are reported only.",
    )


def _error_message(findings: Findings) -> str:
    return "; ".join(
        f"rule {e['code']}: {e['message']} ({e['count']}; children {', '.join(e['children'])})"
        for e in findings.errors
    )


@pytest.mark.requirement("RET-002")
def test_cin_census_passes_the_published_rules(returns: Returns, tables: TableLog) -> None:
    ruleset = returns.spec.cin_validator.ruleset
    findings = run_validator(returns.spec, ["cin", str(returns.folder / "cin_census.xml"), ruleset])
    children = len(returns.census.findall("Children/Child"))
    _findings_table(
        tables,
        "ret-cin-rules",
        f"CIN census: the Department's rules ({ruleset})",
        findings,
        children,
    )
    if findings.errors:
        returns.reader.get(_census_path())
    assert not findings.errors, (
        f"{len(findings.errors)} CIN rule(s) broken: {_error_message(findings)}"
    )


# --- SSDA903 -----------------------------------------------------------------------------------


@pytest.mark.requirement("RET-003")
def test_ssda903_holds_the_seeded_truth(returns: Returns, tables: TableLog) -> None:
    expected = truth_903(returns.spec, returns.children)
    rows = []
    for table, columns in returns.spec.tables.items():
        want = sorted(tuple(r[c] for c in columns) for r in expected[table])
        got = sorted(tuple(r.get(c, "") for c in columns) for r in returns.tables[table])
        for row in want:
            rows.append((table, ",".join(row), "present", "present" if row in got else "absent"))
        for row in got:
            if row not in want:
                rows.append((table, ",".join(row), "absent", "present"))
    mismatched = [i for i, r in enumerate(rows) if r[2] != r[3]]
    tables.record(
        "ret-903-truth",
        f"SSDA903 {COLLECTION_YEAR - 1}-{COLLECTION_YEAR % 100:02d} rows against the seeded truth",
        ["table", "row", "expected", "got"],
        rows,
        mismatched=mismatched,
    )
    wrong = [
        f"{r[0]} row {r[1]}: expected {r[2]}, got {r[3]}" for r in (rows[i] for i in mismatched)
    ]
    if wrong:
        for table in sorted({rows[i][0] for i in mismatched}):
            returns.reader.get(_table_path(table))
    assert not wrong, f"{len(wrong)} SSDA903 row(s) differ from the seeded truth: " + "; ".join(
        wrong[:8]
    )


@pytest.mark.requirement("RET-004")
def test_ssda903_passes_the_published_rules(returns: Returns, tables: TableLog) -> None:
    spec = returns.spec
    ruleset = spec.ssda903_validator.ruleset
    findings = run_validator(
        spec,
        ["ssda903", str(returns.folder / "ssda903"), ruleset, str(COLLECTION_YEAR), spec.la_code],
    )
    exported = sum(len(r) for r in returns.tables.values())
    _findings_table(
        tables, "ret-903-rules", f"SSDA903: the Department's rules ({ruleset})", findings, exported
    )
    if findings.errors:
        returns.reader.get(_table_path("episodes"))
    assert not findings.errors, (
        f"{len(findings.errors)} SSDA903 rule(s) broken: {_error_message(findings)}"
    )


# --- parameters ----------------------------------------------------------------------------


@pytest.mark.requirement("RET-005")
def test_returns_refuse_parameters_outside_the_calendar_and_year(returns: Returns) -> None:
    reader = returns.reader
    cases = [
        (
            "a collection year before the calendar",
            "/returns/cin-census?collection_year=1999&reference_date=1999-03-31",
        ),
        ("a collection year not yet begun", "/returns/ssda903/header?collection_year=2099"),
        (
            "a reference date not in the year",
            f"/returns/cin-census?collection_year={COLLECTION_YEAR}"
            f"&reference_date={COLLECTION_YEAR - 2}-03-31",
        ),
        (
            "a reference date that is not a date",
            f"/returns/cin-census?collection_year={COLLECTION_YEAR}&reference_date={COLLECTION_YEAR}-02-30",
        ),
        (
            "an SSDA903 table that does not exist",
            f"/returns/ssda903/placements?collection_year={COLLECTION_YEAR}",
        ),
    ]
    problems = []
    for what, path in cases:
        exchange = reader.get(path)
        if not (400 <= exchange.status < 500 and exchange.code):
            problems.append(
                f"{what}: expected a 4xx with an error code, got {exchange.status}: "
                f"{exchange.text[:160]!r}"
            )
    assert not problems, "; ".join(problems)
