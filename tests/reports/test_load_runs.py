"""The load runs over time: a throughput chart per run and a drift chart for the soak, each
beside the table of its figures, drawn only from results.json `series`."""

from __future__ import annotations

import base64
import html
import json
import re
from pathlib import Path
from typing import Any

import pytest

from accredit.errors import UserError
from reports import load_results, load_section
from reports.charts import OKABE_ITO, DriftRow, RatePoint, drift_chart, throughput_chart
from reports.html import render_html
from tests.reports.conftest import IMG, SCRIPT, load_series, validate

SVG_URI = "data:image/svg+xml;base64,"


def svg(uri: str) -> str:
    assert uri.startswith(SVG_URI)
    return base64.b64decode(uri[len(SVG_URI) :]).decode("utf-8")


def section(page: str) -> str:
    """Return the load-runs section of a report page."""
    start = page.index('<section aria-labelledby="load-runs-title"')
    return page[start : page.index("\n</section>", start)]


def rows(table_class: str, page: str) -> list[list[str]]:
    """Return the cells of each body row of the table of `table_class`, as plain text."""
    table = re.search(rf'<table class="{table_class}">.*?</table>', page, re.DOTALL)
    assert table is not None, f"no {table_class} table"
    body = table.group().split("<tbody>", 1)[1]
    return [
        [html.unescape(re.sub(r"<[^>]+>", "", cell)).strip()
         for cell in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row)]
        for row in re.findall(r"<tr>(.*?)</tr>", body, re.DOTALL)
    ]  # fmt: skip


@pytest.fixture
def with_series(results: dict[str, Any]) -> dict[str, Any]:
    results["series"] = load_series()
    validate(results)
    return results


def test_throughput_is_charted_beside_the_table_of_its_windows(
    with_series: dict[str, Any],
) -> None:
    page = section(render_html(with_series))
    assert "Throughput: accreditation" in page
    assert "246 requests, 6 failed; windows of 3 s" in page
    assert "judged for PERF-001, PERF-002" in page
    assert rows("throughput", page) == [
        ["0\u20133 s", "90", "0", "30", "0"],
        ["3\u20136 s", "111", "6", "37", "2"],
        ["6\u20137.5 s", "45", "0", "30", "0"],
    ]
    charts = re.findall(r'<img src="(data:image/svg\+xml;base64,[^"]+)" alt="Line chart', page)
    assert len(charts) == 1


def test_drift_is_charted_per_third_with_its_floor_and_limits(
    with_series: dict[str, Any],
) -> None:
    page = section(render_html(with_series))
    assert "Drift over the soak: accreditation" in page
    assert "floor of 200 ms first, is at most 2." in page
    assert rows("drift", page) == [
        ["Search the record", "320", "480", "720", "640", "2.25", "Over"],
        [f"Open a child's record {IMG}", "40", "\u2013", "260", "400", "1.3", "Within"],
    ]
    assert len(re.findall(r'<img src="data:image/svg\+xml;base64,[^"]+" alt="Bar chart of each '
                          r"operation's p95", page)) == 1  # fmt: skip


def test_text_in_a_series_is_shown_as_text_never_markup(with_series: dict[str, Any]) -> None:
    page = section(render_html(with_series))
    assert SCRIPT not in page and IMG not in page
    assert "The busy hour &lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "Open a child&#39;s record &lt;img src=x onerror=alert(1)&gt;" in page


def test_a_document_without_series_has_no_load_runs_section(results: dict[str, Any]) -> None:
    page = render_html(results)
    assert "load-runs-title" not in page
    assert 'class="throughput"' not in page and 'class="drift"' not in page
    with_empty = {**results, "series": []}
    validate(with_empty)
    assert render_html(with_empty).count("<img") == page.count("<img")


def test_a_run_with_no_window_or_no_operation_says_so_without_a_chart(
    with_series: dict[str, Any],
) -> None:
    with_series["series"][0]["points"] = []
    with_series["series"][1]["operations"] = []
    validate(with_series)
    page = section(render_html(with_series))
    assert "<img" not in page
    assert "The run logged no request." in page
    assert "No operation had requests in both the first and the last third." in page


def _edit(path: tuple[str | int, ...], value: Any) -> dict[str, Any]:
    document = json.loads(json.dumps(_document()))
    target: Any = document
    for part in path[:-1]:
        target = target[part]
    if value is _DELETE:
        del target[path[-1]]
    else:
        target[path[-1]] = value
    return document


_DELETE = object()


def _document() -> dict[str, Any]:
    from tests.reports.conftest import RESULTS

    return {**RESULTS, "series": load_series()}


@pytest.mark.parametrize(
    ("path", "value", "problem"),
    [
        pytest.param(("series", 0, "kind"), "latency",
                     "series[0].kind: 'latency' is not one of throughput, drift", id="kind"),
        pytest.param(("series", 0, "points", 1, "requests"), _DELETE,
                     "series[0].points[1]: 'requests' is missing", id="missing-count"),
        pytest.param(("series", 0, "points", 1, "failed"), -1,
                     "series[0].points[1].failed: -1 is less than the minimum of 0",
                     id="negative"),
        pytest.param(("series", 0, "window_s"), 0,
                     "series[0].window_s: 0 is less than or equal to the minimum of 0",
                     id="zero-window"),
        pytest.param(("series", 1, "operations", 0, "middle_p95_ms"), "fast",
                     "series[1].operations[0].middle_p95_ms: expected number or null, got "
                     "string 'fast'", id="middle-not-a-number"),
        pytest.param(("series", 1, "max_ratio"), 0.5,
                     "series[1].max_ratio: 0.5 is less than the minimum of 1", id="ratio-under-1"),
        pytest.param(("series", 1, "limit"), 3,
                     "series[1]: unknown key 'limit'", id="unknown-key"),
    ],
)  # fmt: skip
def test_a_bad_series_entry_is_refused_in_one_line_naming_the_file(
    tmp_path: Path, path: tuple[str | int, ...], value: Any, problem: str
) -> None:
    file = tmp_path / "results.json"
    file.write_text(json.dumps(_edit(path, value)), encoding="utf-8")
    with pytest.raises(UserError) as caught:
        load_results(file)
    message = str(caught.value)
    assert message == f"{file}: {problem}"


def test_the_charts_are_drawn_from_the_figures_in_their_tables(
    with_series: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    drawn: list[Any] = []
    monkeypatch.setattr(load_section, "throughput_chart", lambda points: drawn.append(points))
    monkeypatch.setattr(load_section, "drift_chart", lambda *args: drawn.append(args))
    render_html(with_series)
    # Each window at its middle; each operation's limit: twice its first third or the floor.
    assert drawn == [
        [RatePoint(1.5, 30, 0), RatePoint(4.5, 37, 2), RatePoint(6.75, 30, 0)],
        ([DriftRow("Search the record", (320, 480, 720), 640),
          DriftRow(f"Open a child's record {IMG}", (40, None, 260), 400)], 200),
    ]  # fmt: skip


def test_the_throughput_chart_draws_both_rates_in_okabe_ito_colours() -> None:
    points = [RatePoint(1.5, 30, 0), RatePoint(4.5, 37, 2)]
    drawn = svg(throughput_chart(points)).lower()
    assert OKABE_ITO["blue"].lower() in drawn and OKABE_ITO["vermillion"].lower() in drawn
    # Failures are dashed, on the chart and in its legend: they read in greyscale too.
    assert drawn.count("stroke-dasharray") == 2
    assert "<text" not in drawn
    assert svg(throughput_chart(points)) != svg(throughput_chart([RatePoint(1.5, 30, 0)] * 2))


def test_the_drift_chart_draws_each_third_the_floor_and_hostile_labels_as_outlines() -> None:
    thirds = [
        DriftRow(f"Search {SCRIPT}", (320, 480, 720), 640),
        DriftRow("Open", (40, None, 260), 400),
    ]
    drawn = svg(drift_chart(thirds, floor_ms=200))
    lowered = drawn.lower()
    for colour in ("sky_blue", "blue", "orange"):
        assert OKABE_ITO[colour].lower() in lowered
    assert drawn.count("stroke-dasharray") == 2  # the floor, and its key in the legend
    assert "<text" not in drawn and "<script" not in drawn
    assert drawn == svg(drift_chart(thirds, floor_ms=200))
    assert drawn != svg(drift_chart(thirds, floor_ms=300))
