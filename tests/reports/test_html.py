"""The HTML report: escaped, self-contained, accessible, and the failures come first."""

from __future__ import annotations

import base64
import copy
import itertools
import re
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from reports import write_html
from reports.html import render_html
from tests.reports.conftest import IMG, RESULTS, SCRIPT, validate


class Page(HTMLParser):
    """The elements and text of an HTML page, as a browser's parser would see them."""

    def __init__(self, html: str) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.text: list[str] = []
        self.feed(html)
        self.close()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))

    def handle_data(self, data: str) -> None:
        self.text.append(data)

    def named(self, tag: str) -> list[dict[str, str | None]]:
        return [attrs for name, attrs in self.tags if name == tag]

    @property
    def all_text(self) -> str:
        return "".join(self.text)


def test_markup_from_the_product_is_shown_as_text_never_run(
    tmp_path: Path, results: dict[str, Any]
) -> None:
    path = write_html(results, tmp_path)
    html = path.read_text(encoding="utf-8")
    page = Page(html)
    assert path.name == "report.html"
    assert page.named("script") == []
    assert all(chart_svg(attrs) for attrs in page.named("img"))
    assert not re.search(r"<\s*script\b", html, re.IGNORECASE)
    assert "<img src=x" not in html
    assert not any(name.startswith("on") for _, attrs in page.tags for name in attrs)
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "&lt;img src=x onerror=alert(1)&gt;" in html
    assert SCRIPT in page.all_text
    assert IMG in page.all_text


def chart_svg(attrs: dict[str, str | None]) -> str:
    """Return the SVG of a chart image, checking it is embedded and holds no text or script."""
    src = attrs.get("src") or ""
    prefix = "data:image/svg+xml;base64,"
    assert src.startswith(prefix), src[:60]
    svg = base64.b64decode(src[len(prefix) :]).decode("utf-8")
    assert "<svg" in svg
    for forbidden in ("<text", "<script", "<foreignObject", "<a ", "<image"):
        assert forbidden not in svg, forbidden
    assert not re.search(r"\son\w+\s*=", svg), "an event handler in a chart"
    assert not re.search(r"(href|src)\s*=\s*[\"'](?!#)", svg), "a reference outside the chart"
    assert not re.search(r"url\((?!#)", svg), "a reference outside the chart"
    assert attrs.get("alt"), "a chart without alt text"
    return svg


def test_the_page_loads_nothing_and_runs_nothing(results: dict[str, Any]) -> None:
    html = render_html(results)
    page = Page(html)
    for forbidden in ("script", "link", "iframe", "object", "embed", "form"):
        assert page.named(forbidden) == [], forbidden
    assert all((attrs.get("href") or "").startswith("#") for attrs in page.named("a"))
    assert [attrs for _, attrs in page.tags if "src" in attrs] == page.named("img")
    assert page.named("img"), "the report has no chart"
    assert all(chart_svg(attrs) for attrs in page.named("img"))
    assert "url(" not in html
    assert "@import" not in html


def test_failed_requirements_come_before_the_table_of_every_requirement(
    results: dict[str, Any],
) -> None:
    html = render_html(results)
    failure = html.index('id="req-LD-001"')
    error = html.index('id="req-FUN-004"')
    conditions = html.index('id="conditions-title"')
    table = html.index('id="all-title"')
    assert html.index('id="decision-title"') < html.index('id="scores-title"') < failure
    # A failed MUST is listed before an errored SHOULD; then the conditions, then the rest.
    assert failure < error < conditions < table
    assert table < html.index('id="identity-title"') < html.index('id="policy-title"')
    assert html.index("<h2") == html.index('<h2 id="decision-title"'), "decision first"


def test_evidence_is_shown_in_full(results: dict[str, Any]) -> None:
    text = Page(render_html(results)).all_text
    for expected in (
        "suites/lockdown/test_lock.py::test_put_refused",
        "expected 409, got 200",
        "PUT http://127.0.0.1:8123/forms/7/answers",
        "Authorization: Bearer",
        "$ACCREDIT_TOKEN_sw_alice",
        "body truncated by the harness",
        "Transport error",
        "timeout",
        "sw_alice",
        "13 ms",
    ):
        assert expected in text, expected
    # A test that passed carries no evidence section.
    assert "test_delete_refused" not in text


def test_the_decision_names_the_musts_that_refuse_it(results: dict[str, Any]) -> None:
    text = " ".join(Page(render_html(results)).all_text.split())
    decision = text[text.index("Decision") : text.index("Category scores")]
    assert "Not accredited" in decision
    assert "MUST requirement LD-001 failed" in decision
    assert "MUST requirement LD-002 was not run" in decision
    assert "FUN-004" not in decision
    assert "Every MUST requirement passed" not in text
    conditions = text[text.index("Conditions Each") :]
    assert "SHOULD requirement FUN-004 ended in error" in conditions


def test_a_run_where_every_must_passed_says_so(results: dict[str, Any]) -> None:
    for requirement in results["requirements"]:
        requirement["verdict"] = "pass"
        for test in requirement["tests"]:
            test["outcome"] = "pass"
    text = " ".join(Page(render_html(results)).all_text.split())
    decision = text[text.index("Decision") : text.index("Category scores")]
    assert "Every MUST requirement passed" in decision
    # Pre-population, access, performance and usability were not assessed.
    assert "Accredited with conditions" in decision
    assert "4 conditions" in decision


def test_an_incomplete_run_says_it_proves_nothing(results: dict[str, Any]) -> None:
    results["run"]["complete"] = False
    results["run"]["internal_errors"] = [f"Traceback: KeyError {SCRIPT}"]
    validate(results)
    html = render_html(results)
    text = Page(html).all_text
    assert "The harness did not finish: this run proves nothing" in text
    assert f"Traceback: KeyError {SCRIPT}" in text
    assert "No decision: the run did not finish" in text
    assert html.index("this run proves nothing") < html.index('id="decision-title"')
    complete = render_html({**results, "run": {**results["run"], "complete": True}})
    assert "this run proves nothing" not in complete


def test_verdicts_are_told_in_words_and_okabe_ito_colours(results: dict[str, Any]) -> None:
    html = render_html(results)
    page = Page(html)
    for colour in ("#009e73", "#d55e00", "#e69f00", "#999999"):
        assert colour in html.lower()
    badges = [a for a in page.named("span") if "badge" in (a.get("class") or "").split()]
    assert badges
    text = page.all_text
    for word in ("Pass", "Fail", "Error", "Not run"):
        assert word in text


def test_the_page_is_accessible_by_construction(results: dict[str, Any]) -> None:
    html = render_html(results)
    page = Page(html)
    assert page.named("html") == [{"lang": "en"}]
    assert len(page.named("h1")) == 1
    assert page.named("header") and page.named("main")
    levels = [int(name[1]) for name, _ in page.tags if re.fullmatch(r"h[1-6]", name)]
    assert levels[0] == 1
    assert all(b - a <= 1 for a, b in itertools.pairwise(levels)), levels
    assert len(page.named("caption")) == len(page.named("table"))
    assert all(attrs.get("alt") for attrs in page.named("img"))
    assert all(attrs.get("scope") in ("col", "row") for attrs in page.named("th"))
    ids = [attrs["id"] for _, attrs in page.tags if "id" in attrs]
    assert len(ids) == len(set(ids))
    assert "@media print" in html


def test_characters_that_hide_text_are_made_visible(results: dict[str, Any]) -> None:
    test = results["requirements"][1]["tests"][0]
    test["message"] = "NUL\x00 ESC\x1b[31m RLO\u202eevil lone\ud800 end"
    html = render_html(results)
    assert "\x00" not in html
    assert "\x1b" not in html
    assert "\u202e" not in html
    assert "\ud800" not in html
    assert "NUL\u2400 ESC\u241b[31m RLO\u27e8U+202E\u27e9evil lone\ufffd end" in html


def test_a_body_nested_too_deeply_to_re_indent_is_shown_as_received(
    results: dict[str, Any],
) -> None:
    deep = "[" * 100_000 + "]" * 100_000
    results["requirements"][1]["tests"][0]["evidence"][0]["response"]["body"] = deep
    assert deep in render_html(results)


def _element_names(results: dict[str, Any]) -> list[str]:
    return [name for name, _ in Page(render_html(results)).tags]


_BASELINE = _element_names(copy.deepcopy(RESULTS))


@settings(max_examples=30, deadline=None, derandomize=True)
@given(body=st.text(), message=st.text(min_size=1), header=st.text())
def test_no_text_from_the_product_adds_or_removes_an_element(
    body: str, message: str, header: str
) -> None:
    """Property: whatever text the product returns, the page has exactly the same elements."""
    document = copy.deepcopy(RESULTS)
    test = document["requirements"][1]["tests"][0]
    test["message"] = message
    test["evidence"][0]["response"]["body"] = body
    test["evidence"][0]["response"]["headers"]["x-evil"] = header
    assert _element_names(document) == _BASELINE
