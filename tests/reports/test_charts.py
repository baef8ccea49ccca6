"""Charts: drawn from numbers, Okabe-Ito colours, no text a document could turn into markup."""

from __future__ import annotations

import base64
import re

from reports.charts import (
    OKABE_ITO,
    BudgetSeries,
    ScoreRow,
    budget_chart,
    category_chart,
    grouped_score_chart,
    totals_chart,
)


def svg(uri: str) -> str:
    prefix = "data:image/svg+xml;base64,"
    assert uri.startswith(prefix)
    return base64.b64decode(uri[len(prefix) :]).decode("utf-8")


def test_labels_are_drawn_as_outlines_never_as_markup_or_formulas() -> None:
    hostile = 'Lock-down <script>alert(1)</script> $\\frac{1}{0}$ "quoted" &amp;'
    drawn = svg(category_chart([ScoreRow(hostile, 50, 80), ScoreRow("Other", None, 80)]))
    # matplotlib notes each label in an XML comment; outside comments there is no label text.
    outside_comments = re.sub(r"<!--.*?-->", "", drawn, flags=re.DOTALL)
    assert "<text" not in drawn
    assert "<script" not in drawn
    assert "script" not in outside_comments
    assert "frac" not in outside_comments


def test_the_same_numbers_draw_the_same_bytes() -> None:
    first = svg(grouped_score_chart(["a", "b"], ["A", "B"], [[1, 2], [3, None]]))
    again = svg(grouped_score_chart(["a", "b"], ["A", "B"], [[1, 2], [3, None]]))
    assert first == again
    assert "<dc:date>" not in first


def test_scores_at_and_under_threshold_differ_in_colour_and_hatching() -> None:
    drawn = svg(category_chart([ScoreRow("Met", 90, 80), ScoreRow("Under", 40, 80)])).lower()
    assert OKABE_ITO["bluish_green"].lower() in drawn
    assert OKABE_ITO["vermillion"].lower() in drawn
    assert 'id="h' in drawn  # a hatch pattern marks the bar under its threshold


def test_products_take_okabe_ito_colours_in_order() -> None:
    drawn = svg(totals_chart(["A", "B", "C"], [90.0, 80.0, 70.0])).lower()
    for name in ("blue", "orange", "sky_blue"):
        assert OKABE_ITO[name].lower() in drawn


def test_a_budget_chart_marks_the_budget_and_the_point_of_no_marks() -> None:
    drawn = svg(budget_chart(["search p95"], [BudgetSeries("A", [1.5])], zero_at=2))
    # Two vertical lines (budget and twice it) are drawn as paths with a dash for the second.
    assert len(re.findall(r"stroke-dasharray", drawn)) >= 1
