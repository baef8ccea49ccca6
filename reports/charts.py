"""Charts for the reports: SVG images drawn by matplotlib (Agg, no display) from numbers.

Each chart is returned as a `data:` URI for an `<img>`, so a report stays one file that loads
nothing. Labels are reduced to plain printable text and drawn as outlines (no SVG text, no
mathtext), so nothing a results document holds can become markup or a formula in a chart. The
colours are the Okabe-Ito palette, safe for colour-blind readers, and every series also differs
by hatching, so the charts read in greyscale print. Every chart in a report has a table of its
figures beside it; the chart never holds a figure the table does not.
"""

from __future__ import annotations

import base64
import functools
import io
import re
import warnings
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, Literal

import matplotlib as mpl
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch

__all__ = [
    "OKABE_ITO",
    "BudgetSeries",
    "DriftRow",
    "RatePoint",
    "ScoreRow",
    "TaskTime",
    "budget_chart",
    "category_chart",
    "drift_chart",
    "grouped_score_chart",
    "task_time_chart",
    "throughput_chart",
    "totals_chart",
]

#: Okabe, M. and Ito, K. (2008) "Color Universal Design (CUD): how to make figures and
#: presentations that are friendly to colorblind people".
OKABE_ITO = {
    "black": "#000000",
    "orange": "#E69F00",
    "sky_blue": "#56B4E9",
    "bluish_green": "#009E73",
    "yellow": "#F0E442",
    "blue": "#0072B2",
    "vermillion": "#D55E00",
    "reddish_purple": "#CC79A7",
}
_MET = OKABE_ITO["bluish_green"]
_UNMET = OKABE_ITO["vermillion"]
# One colour and one hatch per product, in this order, for charts that compare products.
_SERIES = ("blue", "orange", "sky_blue", "reddish_purple", "bluish_green", "vermillion", "yellow")
_HATCHES = ("", "//", "..", "xx", "\\\\", "oo", "--")
_NOT_ASSESSED_GREY = "#505A5F"

_WIDTH_INCHES = 5.6
_ROW_INCHES = 0.42
_LABEL_CHARS = 42
_RC: dict[Any, Any] = {
    "svg.fonttype": "path",  # glyphs as outlines: no text element in the SVG
    "svg.hashsalt": "ics-accredit",  # the same numbers give the same bytes
    "text.parse_math": False,  # a "$" in a label is a dollar sign
    "font.family": "DejaVu Sans",
    "font.size": 9,
    "hatch.linewidth": 0.8,
}
# No date (the same numbers give the same bytes) and no RDF block naming outside vocabularies.
_NO_METADATA: dict[str, Any] = {"Date": None, "Creator": None, "Format": None, "Type": None}
_PRINTABLE = re.compile(r"[^\w .,:;()/&+'’-]", re.UNICODE)


@dataclass(frozen=True)
class ScoreRow:
    """One category: its score (None when not assessed) and its threshold, 0 to 100."""

    label: str
    score: float | None
    threshold: float


@dataclass(frozen=True)
class BudgetSeries:
    """One product's figures, each as a share of its budget (1.0 = exactly on budget)."""

    label: str
    shares: Sequence[float | None]


@dataclass(frozen=True)
class RatePoint:
    """One window of a load run: its middle (seconds from the first request) and its rates."""

    at_s: float
    requests_per_s: float
    failed_per_s: float


@dataclass(frozen=True)
class DriftRow:
    """One operation's p95 in each third of a soak (None: no request in it) and the highest
    last-third p95 the drift rule allows it."""

    label: str
    thirds_ms: tuple[float | None, float | None, float | None]
    limit_ms: float


@dataclass(frozen=True)
class TaskTime:
    """One usability task: its predicted expert time (the measured responses within it, the
    rest modelled) and its budget, in seconds; None when the task stopped before its end."""

    label: str
    predicted_s: float | None
    response_s: float
    budget_s: float


def task_time_chart(rows: Sequence[TaskTime]) -> str:
    """Return a bar per task of its predicted expert time (the measured responses hatched at
    its start) with a black tick at its budget; a bar over budget is vermillion."""
    with _style():
        figure, axes = _figure(len(rows) * 0.9 + 0.5)
        centres = [float(len(rows) - 1 - i) for i in range(len(rows))]
        top = max([1.0, *(r.budget_s for r in rows), *(r.predicted_s or 0 for r in rows)])
        for centre, row in zip(centres, rows, strict=True):
            if row.predicted_s is None:
                axes.text(top / 100, centre, "stopped before its end", va="center", fontsize=7,
                          color=_NOT_ASSESSED_GREY)  # fmt: skip
            else:
                colour = _MET if row.predicted_s <= row.budget_s else _UNMET
                axes.barh(centre, row.predicted_s, height=0.6, color=colour, edgecolor="black",
                          linewidth=0.5)  # fmt: skip
                axes.barh(centre, min(row.response_s, row.predicted_s), height=0.6,
                          color="white", hatch="//", edgecolor="black", linewidth=0.5)  # fmt: skip
                axes.text(row.predicted_s + top / 100, centre, f"{row.predicted_s:.1f} s",
                          va="center", fontsize=7)  # fmt: skip
            axes.plot([row.budget_s] * 2, [centre - 0.42, centre + 0.42], color="black",
                      linewidth=2.4)  # fmt: skip
        axes.set_xlim(0, top * 1.15)
        axes.set_yticks(centres, [_label(r.label) for r in rows])
        axes.set_ylim(-0.6, len(rows) - 0.4)
        axes.set_xlabel("predicted expert time, s")
        axes.grid(axis="x", color="#dddddd", linewidth=0.6)
        axes.set_axisbelow(True)
        handles: list[Patch | Line2D] = [
            Patch(facecolor=_MET, edgecolor="black", label="within budget"),
            Patch(facecolor=_UNMET, edgecolor="black", label="over budget"),
            Patch(facecolor="white", hatch="//", edgecolor="black", label="measured responses"),
            Line2D([], [], color="black", linewidth=2.4, label="budget"),
        ]
        figure.legend(handles=handles, loc="outside lower center", ncols=2, frameon=False)
        return _data_uri(figure)


def category_chart(rows: Sequence[ScoreRow]) -> str:
    """Return a horizontal bar chart of category scores against their thresholds."""
    return _category_chart(tuple(rows))


@functools.lru_cache(maxsize=32)
def _category_chart(rows: tuple[ScoreRow, ...]) -> str:
    # The same numbers draw the same chart: a report re-made or re-rendered reuses it.
    with _style():
        return _data_uri(_category_figure(rows))


def grouped_score_chart(
    categories: Sequence[str], products: Sequence[str], scores: Sequence[Sequence[float | None]]
) -> str:
    """Return grouped horizontal bars: for each category, one bar per product (scores[p][c])."""
    with _style():
        return _data_uri(
            _grouped(categories, products, scores, 100.0, "score out of 100", (), "not assessed")
        )


def totals_chart(products: Sequence[str], totals: Sequence[float | None]) -> str:
    """Return one horizontal bar per product: its weighted total score, 0 to 100."""
    with _style():
        return _data_uri(_totals_figure(products, totals))


def budget_chart(
    measurements: Sequence[str], series: Sequence[BudgetSeries], zero_at: float
) -> str:
    """Return grouped bars of each figure as a percentage of its budget, with lines at the
    budget (full marks) and at `zero_at` times it (no marks)."""
    shares = [[None if s is None else 100.0 * s for s in one.shares] for one in series]
    top = max([100.0 * zero_at * 1.1] + [s for row in shares for s in row if s is not None])
    marks = ((100.0, "budget"), (100.0 * zero_at, f"{zero_at:g} times the budget: no marks"))
    labels = [s.label for s in series]
    with _style():
        return _data_uri(
            _grouped(measurements, labels, shares, top, "% of budget", marks, "not measured")
        )


def throughput_chart(points: Sequence[RatePoint]) -> str:
    """Return a line chart of requests and failed requests per second over a load run."""
    with _style():
        figure, axes = _figure(6)
        times = [p.at_s for p in points]
        axes.plot(times, [p.requests_per_s for p in points], color=OKABE_ITO["blue"],
                  marker="o", linewidth=1.6, label="requests per second")  # fmt: skip
        axes.plot(times, [p.failed_per_s for p in points], color=_UNMET, marker="s",
                  linestyle="--", linewidth=1.6, label="failed requests per second")  # fmt: skip
        top = max([1.0, *(p.requests_per_s for p in points)])
        axes.set_ylim(0, top * 1.12)
        axes.set_xlim(left=0)
        axes.set_xlabel("seconds from the first request (middle of each window)")
        axes.set_ylabel("per second")
        axes.grid(color="#dddddd", linewidth=0.6)
        axes.set_axisbelow(True)
        figure.legend(loc="outside lower center", ncols=2, frameon=False)
        return _data_uri(figure)


_THIRDS = (("first third", "sky_blue", ""), ("middle third", "blue", ".."),
           ("last third", "orange", "//"))  # fmt: skip


def drift_chart(rows: Sequence[DriftRow], floor_ms: float) -> str:
    """Return grouped bars of each operation's p95 per third of a soak, with the drift rule's
    floor (a dashed line) and each operation's limit for its last third (a black tick)."""
    with _style():
        figure, axes = _figure(len(rows) * 1.6 + 0.5)
        height = 0.8 / len(_THIRDS)
        centres = [float(len(rows) - 1 - g) for g in range(len(rows))]
        values = [v for row in rows for v in (*row.thirds_ms, row.limit_ms) if v is not None]
        top = max([floor_ms * 1.1, 1.0, *values])
        for centre, row in zip(centres, rows, strict=True):
            for t, ((_, colour, hatch), value) in enumerate(
                zip(_THIRDS, row.thirds_ms, strict=True)
            ):
                y = centre + 0.4 - height * (t + 0.5)
                if value is None:
                    axes.text(top / 100, y, "no request", va="center", fontsize=7,
                              color=_NOT_ASSESSED_GREY)  # fmt: skip
                    continue
                axes.barh(y, value, height=height * 0.9, color=OKABE_ITO[colour], hatch=hatch,
                          edgecolor="black", linewidth=0.5)  # fmt: skip
                axes.text(value + top / 100, y, f"{value:.0f}", va="center", fontsize=7)
            axes.plot([row.limit_ms] * 2, [centre - 0.45, centre + 0.45], color="black",
                      linewidth=2.4)  # fmt: skip
        axes.axvline(floor_ms, color="black", linewidth=1.2, linestyle="--")
        axes.set_xlim(0, top * 1.12)
        axes.set_yticks(centres, [_label(r.label) for r in rows])
        axes.set_ylim(-0.6, len(rows) - 0.4)
        axes.set_xlabel("p95, ms")
        axes.grid(axis="x", color="#dddddd", linewidth=0.6)
        axes.set_axisbelow(True)
        handles: list[Patch | Line2D] = [
            Patch(facecolor=OKABE_ITO[colour], hatch=hatch, edgecolor="black", label=name)
            for name, colour, hatch in _THIRDS
        ]
        handles += [
            Line2D([], [], color="black", linestyle="--", label=f"floor ({floor_ms:g} ms)"),
            Line2D([], [], color="black", linewidth=2.4, label="limit for the last third"),
        ]
        figure.legend(handles=handles, loc="outside lower center", ncols=3, frameon=False)
        return _data_uri(figure)


def _category_figure(rows: Sequence[ScoreRow]) -> Figure:
    figure, axes = _figure(len(rows))
    positions = list(range(len(rows)))[::-1]
    for y, row in zip(positions, rows, strict=True):
        if row.score is None:
            axes.text(1, y, "not assessed", va="center", color=_NOT_ASSESSED_GREY, style="italic")
        else:
            met = row.score >= row.threshold
            axes.barh(
                y, row.score, height=0.6, color=_MET if met else _UNMET,
                hatch="" if met else "//", edgecolor="black", linewidth=0.6,
            )  # fmt: skip
            axes.text(row.score + 1, y, f"{row.score:g}", va="center")
        axes.plot([row.threshold] * 2, [y - 0.4, y + 0.4], color="black", linewidth=2)
    _score_axis(axes, positions, [r.label for r in rows])
    figure.legend(
        handles=[
            Patch(facecolor=_MET, edgecolor="black", label="at or above threshold"),
            Patch(facecolor=_UNMET, edgecolor="black", hatch="//", label="under threshold"),
            Line2D([], [], color="black", linewidth=2, label="threshold"),
        ],
        loc="outside lower center",
        ncols=3,
        frameon=False,
    )
    return figure


def _totals_figure(products: Sequence[str], totals: Sequence[float | None]) -> Figure:
    figure, axes = _figure(len(products))
    positions = list(range(len(products)))[::-1]
    for i, (y, total) in enumerate(zip(positions, totals, strict=True)):
        if total is None:
            axes.text(1, y, "no assessed category", va="center", color=_NOT_ASSESSED_GREY)
            continue
        axes.barh(
            y, total, height=0.6, color=_colour(i), hatch=_HATCHES[i % len(_HATCHES)],
            edgecolor="black", linewidth=0.6,
        )  # fmt: skip
        axes.text(total + 1, y, f"{total:g}", va="center")
    _score_axis(axes, positions, products)
    return figure


def _grouped(
    groups: Sequence[str],
    products: Sequence[str],
    values: Sequence[Sequence[float | None]],
    limit: float,
    unit: str,
    marks: Sequence[tuple[float, str]],
    missing: str,
) -> Figure:
    count = max(len(products), 1)
    figure, axes = _figure(len(groups) * (count + 0.6) / 2.2 + 0.5)
    height = 0.8 / count
    centres = [float(len(groups) - 1 - g) for g in range(len(groups))]
    for p, product_values in enumerate(values):
        for g, value in enumerate(product_values):
            y = centres[g] + 0.4 - height * (p + 0.5)
            if value is None:
                axes.text(1, y, missing, va="center", fontsize=7, color=_NOT_ASSESSED_GREY)
                continue
            axes.barh(
                y, value, height=height * 0.9, color=_colour(p),
                hatch=_HATCHES[p % len(_HATCHES)], edgecolor="black", linewidth=0.5,
            )  # fmt: skip
            axes.text(value + limit / 100, y, f"{value:.0f}", va="center", fontsize=7)
    handles: list[Patch | Line2D] = [
        Patch(
            facecolor=_colour(p),
            hatch=_HATCHES[p % len(_HATCHES)],
            edgecolor="black",
            label=_label(name),
        )
        for p, name in enumerate(products)
    ]
    for i, (x, text) in enumerate(marks):
        style: Literal["-", "--"] = "-" if i == 0 else "--"
        axes.axvline(x, color="black", linewidth=1.2, linestyle=style)
        handles.append(Line2D([], [], color="black", linestyle=style, label=text))
    axes.set_xlim(0, limit * 1.08)
    axes.set_yticks(centres, [_label(g) for g in groups])
    axes.set_ylim(-0.6, len(groups) - 0.4)
    axes.set_xlabel(unit)
    axes.grid(axis="x", color="#dddddd", linewidth=0.6)
    axes.set_axisbelow(True)
    # Long product names each take a line of the legend rather than running off the image.
    columns = 1 if any(len(_label(p)) > 18 for p in products) else min(3, len(handles))
    figure.legend(handles=handles, loc="outside lower center", ncols=columns, frameon=False)
    return figure


def _figure(rows: float) -> tuple[Figure, Axes]:
    figure = Figure(figsize=(_WIDTH_INCHES, 1.2 + _ROW_INCHES * max(rows, 1)), layout="constrained")
    FigureCanvasAgg(figure)
    axes = figure.add_subplot()
    for side in ("top", "right"):
        axes.spines[side].set_visible(False)
    return figure, axes


def _score_axis(axes: Axes, positions: Sequence[int], labels: Sequence[str]) -> None:
    axes.set_xlim(0, 108)
    axes.set_xticks([0, 20, 40, 60, 80, 100])
    axes.set_yticks(positions, [_label(text) for text in labels])
    axes.set_ylim(-0.6, max(positions, default=0) + 0.6)
    axes.set_xlabel("score out of 100")
    axes.grid(axis="x", color="#dddddd", linewidth=0.6)
    axes.set_axisbelow(True)


def _colour(index: int) -> str:
    return OKABE_ITO[_SERIES[index % len(_SERIES)]]


def _label(text: str) -> str:
    """Return a label as plain printable text, short enough for an axis."""
    plain = " ".join(_PRINTABLE.sub(" ", text).split())
    return plain if len(plain) <= _LABEL_CHARS else plain[: _LABEL_CHARS - 1] + "…"


@contextmanager
def _style() -> Iterator[None]:
    """Draw with the report's settings (read as each text is made, so around the whole chart)."""
    with mpl.rc_context(_RC), warnings.catch_warnings():
        # A glyph DejaVu Sans lacks is drawn as a box: say nothing of it on the console.
        warnings.simplefilter("ignore", UserWarning)
        yield


def _data_uri(figure: Figure) -> str:
    buffer = io.BytesIO()
    figure.savefig(buffer, format="svg", metadata=_NO_METADATA)
    encoded = base64.b64encode(buffer.getvalue()).decode("ascii")
    return f"data:image/svg+xml;base64,{encoded}"
