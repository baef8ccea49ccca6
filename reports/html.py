"""The HTML report: one self-contained page for the authority, the supplier and the council.

The page is built from the results document and the scoring policy alone: the decision first,
then the category scores with a chart and its figures, the requirements that failed with their
evidence, the conditions, and then everything else, the policy included. Everything in it that
came from the system under test is data, never markup: jinja2 escapes every value, the templates
never mark data safe, charts are images drawn from numbers, and characters that would hide or
disguise text (control and bidirectional-override characters) are shown as visible markers. The
page has no script and loads nothing: it works offline and can be archived with the decision it
supports, and its print stylesheet makes it a clean PDF.
"""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jinja2
from markupsafe import Markup

from accredit.policy import load_policy
from reports.decision_page import decision_page
from reports.load_section import load_section
from reports.scoring import Scorecard, score
from reports.tables_section import tables_section
from reports.usability_section import usability_section

__all__ = ["render_html", "template_environment", "write_html"]

REPORT_FILE = "report.html"

# Bodies larger than this are shown as recorded rather than re-indented as JSON.
_MAX_PRETTY_CHARS = 200_000

_OUTCOME_VERDICTS = {"pass": "pass", "fail": "fail", "error": "error", "skipped": "not_run"}
_OUTCOME_LABELS = {"pass": "Pass", "fail": "Fail", "error": "Error", "skipped": "Skipped"}
# The order in which requirements that did not pass are listed: the worst first.
_VERDICT_RANK = {"fail": 0, "error": 1, "not_run": 2, "pass": 3}

# C0 controls other than tab, newline and carriage return, and DEL: shown as control pictures.
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
# Bidirectional overrides and isolates could make evidence read differently from what it is.
_BIDI = re.compile("[\u202a-\u202e\u2066-\u2069\u200e\u200f]")
# C1 controls, lone surrogates and non-characters cannot be written as HTML text.
_UNWRITABLE = re.compile("[\x80-\x9f\ud800-\udfff\ufffe\uffff]")


@dataclass(frozen=True)
class Verdict:
    """How a verdict is shown: its value (a CSS class), its words and its symbol."""

    value: str
    label: str
    symbol: str


_VERDICTS = {
    "pass": Verdict("pass", "Pass", "\u2713"),
    "fail": Verdict("fail", "Fail", "\u2717"),
    "error": Verdict("error", "Error", "!"),
    "not_run": Verdict("not_run", "Not run", "\u2013"),
}


@dataclass(frozen=True)
class Exchange:
    number: int
    user: str | None
    method: str
    url: str
    request: str
    status: int | None
    response: str | None
    response_body_reindented: bool
    truncated: bool
    error: str | None
    elapsed_ms: str
    curl: str


@dataclass(frozen=True)
class TestResult:
    id: str
    outcome: str
    outcome_label: str
    verdict: Verdict
    duration: str
    message: str | None
    exchange_count: int
    exchanges: tuple[Exchange, ...]


@dataclass(frozen=True)
class Requirement:
    id: str
    anchor: str
    title: str
    statement: str
    level: str
    category: str
    category_title: str
    rationale: str
    method: str
    verdict: Verdict
    test_count: int
    not_passed: tuple[TestResult, ...]


@dataclass(frozen=True)
class CategoryRow:
    id: str
    title: str
    requirements: int
    counts: Mapping[str, int]


def write_html(
    results: Mapping[str, Any],
    out_dir: Path,
    scorecard: Scorecard | None = None,
    artefacts: Path | None = None,
) -> Path:
    """Write `report.html` for a validated results document into `out_dir`; return its path.
    Without a scorecard, the results are scored under the installed policy. `artefacts` is
    the folder of results.json, whose screenshots the report embeds."""
    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / REPORT_FILE
    text = render_html(results, scorecard, artefacts)
    # errors="replace" is a second guard: nothing the SUT sent may stop the report being written.
    path.write_text(text, encoding="utf-8", errors="replace")
    return path


def render_html(
    results: Mapping[str, Any],
    scorecard: Scorecard | None = None,
    artefacts: Path | None = None,
) -> str:
    """Return the HTML report for a validated results document, as text."""
    card = scorecard if scorecard is not None else score(results, load_policy())
    page = _page(results)
    anchors = {r.id: r.anchor for r in page["requirements"]}
    template = template_environment().get_template("report.html.j2")
    return template.render(
        **page,
        **decision_page(card, anchors),
        **load_section(results),
        **tables_section(results),
        **usability_section(results, artefacts),
    )


@functools.cache
def template_environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("reports", "templates"),
        autoescape=jinja2.select_autoescape(default=True, default_for_string=True),
        undefined=jinja2.StrictUndefined,
        finalize=_visible,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["duration"] = _duration
    return env


def _visible(value: Any) -> Any:
    """Show characters that would hide or disguise text as visible markers (applied to output)."""
    if not isinstance(value, str) or isinstance(value, Markup):
        return value
    value = _CONTROL.sub(_control_picture, value)
    value = _BIDI.sub(lambda m: f"\u27e8U+{ord(m.group()):04X}\u27e9", value)
    return _UNWRITABLE.sub("\ufffd", value)


def _control_picture(match: re.Match[str]) -> str:
    code = ord(match.group())
    return "\u2421" if code == 0x7F else chr(0x2400 + code)


def _page(results: Mapping[str, Any]) -> dict[str, Any]:
    run = results["run"]
    sut = results["sut"]
    summary = results["summary"]
    categories = _categories(results["categories"], results["requirements"])
    titles = {c.id: c.title for c in categories}
    requirements = _requirements(results["requirements"], titles)
    by_id = {r.id: r for r in requirements}
    not_passed = sorted(
        (r for r in requirements if r.verdict.value in ("fail", "error")),
        key=lambda r: (r.level != "MUST", _VERDICT_RANK[r.verdict.value]),
    )
    not_run = [r for r in requirements if r.verdict.value == "not_run"]
    must_not_passed = [
        by_id.get(rid) or _unknown_requirement(rid) for rid in summary["must_not_passed"]
    ]
    return {
        "run": run,
        "sut": sut,
        "sut_metadata": _pretty(sut["metadata"]) if sut["metadata"] is not None else None,
        "selection": ", ".join(run["selection"]) if run["selection"] is not None else None,
        "summary": summary,
        "total": sum(summary[v] for v in _VERDICTS),
        "verdicts": list(_VERDICTS.values()),
        "must_not_passed": must_not_passed,
        "categories": categories,
        "not_passed": not_passed,
        "not_run": not_run,
        "requirements": requirements,
    }


def _categories(
    declared: Iterable[Mapping[str, Any]], requirements: Iterable[Mapping[str, Any]]
) -> list[CategoryRow]:
    requirements = list(requirements)
    ids = [c["id"] for c in declared]
    titles = {c["id"]: c["title"] for c in declared}
    # A requirement naming a category the document does not declare still gets counted.
    for r in requirements:
        if r["category"] not in titles:
            ids.append(r["category"])
            titles[r["category"]] = r["category"]
    rows = []
    for category_id in dict.fromkeys(ids):
        verdicts = [r["verdict"] for r in requirements if r["category"] == category_id]
        counts = {v: verdicts.count(v) for v in _VERDICTS}
        rows.append(CategoryRow(category_id, titles[category_id], len(verdicts), counts))
    return rows


def _requirements(
    entries: Iterable[Mapping[str, Any]], category_titles: Mapping[str, str]
) -> list[Requirement]:
    anchors: set[str] = set()
    requirements = []
    for entry in entries:
        anchor = _anchor(entry["id"], anchors)
        requirements.append(
            Requirement(
                id=entry["id"],
                anchor=anchor,
                title=entry["title"],
                statement=entry["statement"],
                level=entry["level"],
                category=entry["category"],
                category_title=category_titles.get(entry["category"], entry["category"]),
                rationale=entry["rationale"],
                method=entry["method"],
                verdict=_VERDICTS[entry["verdict"]],
                test_count=len(entry["tests"]),
                not_passed=tuple(_test(t) for t in entry["tests"] if t["outcome"] != "pass"),
            )
        )
    return requirements


def _unknown_requirement(requirement_id: str) -> Requirement:
    # summary.must_not_passed names an id the requirements list lacks: still show it.
    return Requirement(
        id=requirement_id,
        anchor="",
        title="(not in this results document)",
        statement="",
        level="MUST",
        category="",
        category_title="",
        rationale="",
        method="",
        verdict=_VERDICTS["not_run"],
        test_count=0,
        not_passed=(),
    )


def _anchor(requirement_id: str, taken: set[str]) -> str:
    base = "req-" + (re.sub(r"[^A-Za-z0-9_-]+", "-", requirement_id).strip("-") or "x")
    anchor, n = base, 1
    while anchor in taken:
        n += 1
        anchor = f"{base}-{n}"
    taken.add(anchor)
    return anchor


def _test(test: Mapping[str, Any]) -> TestResult:
    return TestResult(
        id=test["id"],
        outcome=test["outcome"],
        outcome_label=_OUTCOME_LABELS[test["outcome"]],
        verdict=_VERDICTS[_OUTCOME_VERDICTS[test["outcome"]]],
        duration=_duration(test["duration_s"]),
        message=test["message"],
        exchange_count=test["exchange_count"],
        exchanges=tuple(_exchange(n, e) for n, e in enumerate(test["evidence"], start=1)),
    )


def _exchange(number: int, exchange: Mapping[str, Any]) -> Exchange:
    request = exchange["request"]
    response = exchange["response"]
    response_text, reindented = None, False
    if response is not None:
        body, reindented = (None, False)
        if response["body"] is not None:
            body, reindented = _maybe_json(response["body"])
        response_text = _message(None, response["headers"], body)
    return Exchange(
        number=number,
        user=exchange["user"],
        method=request["method"],
        url=request["url"],
        request=_message(
            f"{request['method']} {request['url']}", request["headers"], request["body"]
        ),
        status=response["status"] if response is not None else None,
        response=response_text,
        response_body_reindented=reindented,
        truncated=bool(response is not None and response["truncated"]),
        error=exchange["error"],
        elapsed_ms=f"{exchange['elapsed_ms']:.0f}",
        curl=exchange["curl"],
    )


def _message(start: str | None, headers: Mapping[str, str], body: str | None) -> str:
    """Return an HTTP message as text: start line, headers, a blank line, the body."""
    lines = [start] if start else []
    lines += [f"{name}: {value}" for name, value in headers.items()]
    if body is not None:
        lines += ["", body] if lines else [body]
    return "\n".join(lines)


def _maybe_json(body: str) -> tuple[str, bool]:
    """Return a JSON body re-indented for reading (and True), or the body as recorded."""
    if len(body) > _MAX_PRETTY_CHARS or body.lstrip()[:1] not in ("{", "["):
        return body, False
    try:
        return json.dumps(json.loads(body), indent=2, ensure_ascii=False), True
    except (ValueError, RecursionError):
        # Not JSON, or nested too deeply to re-indent: show what was received.
        return body, False


def _pretty(value: Any) -> str:
    try:
        return json.dumps(value, indent=2, ensure_ascii=False, sort_keys=True)
    except (ValueError, RecursionError):
        return json.dumps(value, ensure_ascii=False)


def _duration(seconds: float) -> str:
    """Return a duration for people: '0.42 s', '12.3 s', '2 min 05 s', '1 h 02 min'."""
    if seconds < 10:
        return f"{seconds:.2f} s"
    if seconds < 60:
        return f"{seconds:.1f} s"
    whole = round(seconds)
    hours, rest = divmod(whole, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours} h {minutes:02d} min" if hours else f"{minutes} min {secs:02d} s"
