"""Comparison for councils: side by side, against the reference, under the council's weights."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from accredit.errors import UserError
from accredit.policy import Weights, load_policy
from reports.compare import compare, render_comparison, write_comparison
from tests.reports.conftest import SCRIPT, every_category_passing, measurement, requirement
from tests.reports.test_html import Page

POLICY = load_policy()


def products() -> list[tuple[str, dict[str, Any]]]:
    """A reference, a product better at one thing and worse at others, and a third."""
    reference = every_category_passing()
    reference["requirements"][0] = requirement("FUN-001", "functional", "fail")
    other = every_category_passing()
    other["sut"]["product"] = f"Other {SCRIPT}"
    other["requirements"][3] = requirement("LD-001", "lockdown", "error", weight=3)
    other["measurements"][0] = measurement("search.p95", "performance", 750, 500)
    third = every_category_passing()
    third["sut"]["product"] = "Third"
    del third["measurements"]  # performance and usability not assessed for this one
    return [("ref.json", reference), ("other.json", other), ("third.json", third)]


def test_each_product_is_set_against_the_reference() -> None:
    comparison = compare(products(), POLICY)
    better = [d.what for d in comparison.differences["B"] if d.better]
    worse = [d.what for d in comparison.differences["B"] if not d.better]
    assert better == [
        "FUN-001 passes (the reference: fails)",
        "Functions a case worker needs: 100 against 66.67",
    ]
    assert worse == [
        "LD-001 ends in error (the reference passes it)",
        "Lock-down of approved records: 0 against 100",
        "Performance under load: 75 against 100",
        "search.p95 (ms): 750 ms against 400 ms",
    ]
    # The third measured nothing under load or at the screen: not assessed, so refused.
    assert [p.card.decision for p in comparison.products] == [
        "not_accredited", "not_accredited", "not_accredited",
    ]  # fmt: skip
    assert {f.kind for f in comparison.products[2].card.refusals} == {"category_not_assessed"}
    third = [d.what for d in comparison.differences["C"] if not d.better]
    assert "Performance under load: not assessed for this product" in third


def test_the_total_counts_only_categories_assessed_for_every_product() -> None:
    comparison = compare(products(), POLICY)
    assert comparison.common_categories == ("functional", "prepopulation", "lockdown", "access")
    reference, other, third = comparison.products
    # Weights 20, 15, 15, 15 over 65: the reference loses a third of functional.
    assert reference.total == pytest.approx((20 * 66.67 + 45 * 100) / 65, abs=0.01)
    assert other.total == pytest.approx((20 * 100 + 15 * 100 + 15 * 0 + 15 * 100) / 65, abs=0.01)
    assert third.total == 100.0


def test_a_councils_weights_change_the_totals_never_the_decisions() -> None:
    council = POLICY.with_weights(Weights("council.yaml", "Northshire", {"lockdown": 100}))
    theirs = compare(products(), council, weights_title="Northshire")
    own = compare(products(), POLICY)
    assert [p.total for p in theirs.products] == [100.0, 0.0, 100.0]
    assert [p.card.decision for p in theirs.products] == [p.card.decision for p in own.products]
    text = " ".join(Page(render_comparison(theirs)).all_text.split())
    assert "Category weights: Northshire (council.yaml)" in text


def test_results_under_different_specs_are_refused_unless_allowed() -> None:
    documents = products()
    documents[2][1]["run"]["spec_digest"] = "f" * 64
    with pytest.raises(UserError) as caught:
        compare(documents, POLICY)
    message = str(caught.value)
    assert message.startswith("third.json: made under specs 1.0.0 with digest ffffffffffff")
    assert "--allow-different-specs" in message and "\n" not in message
    assert len(compare(documents, POLICY, allow_different_specs=True).products) == 3


def test_one_document_is_not_a_comparison() -> None:
    with pytest.raises(UserError, match="at least two results documents"):
        compare(products()[:1], POLICY)


def test_the_page_shows_everything_side_by_side_and_escapes_product_names(
    tmp_path: Path,
) -> None:
    paths = []
    for name, document in products():
        path = tmp_path / name
        path.write_text(json.dumps(document), encoding="utf-8")
        paths.append(path)
    written = write_comparison(paths, tmp_path / "out")
    assert [p.name for p in written] == ["compare.html", "compare.json"]
    html = written[0].read_text(encoding="utf-8")
    page = Page(html)
    assert page.named("script") == []
    assert SCRIPT in page.all_text and "&lt;script&gt;" in html
    titles = [a.get("id") for n, a in page.tags if n == "h2"]
    assert titles == [
        "products-title", "better-title", "totals-title", "scores-title",
        "figures-performance", "figures-usability", "requirements-title", "weights-title",
    ]  # fmt: skip
    text = " ".join(page.all_text.split())
    assert "search.p95 (ms)" in text and "750 ms" in text
    assert len(page.named("img")) == 4  # totals, scores, performance, usability
    assert len(page.named("caption")) == len(page.named("table"))
    data = json.loads(written[1].read_text(encoding="utf-8"))
    assert [p["letter"] for p in data["products"]] == ["A", "B", "C"]
    assert data["products"][1]["verdicts"]["LD-001"] == "error"


def test_bad_weights_stop_the_comparison_with_one_line(tmp_path: Path) -> None:
    paths = []
    for name, document in products()[:2]:
        path = tmp_path / name
        path.write_text(json.dumps(document), encoding="utf-8")
        paths.append(path)
    weights = tmp_path / "w.yaml"
    weights.write_text("weights: {lockdown: 50, usabilty: 40}\n")
    with pytest.raises(UserError) as caught:
        write_comparison(paths, tmp_path / "out", weights_path=weights)
    assert str(caught.value).startswith(f"{weights}: weights.usabilty: not a category")
    assert not (tmp_path / "out").exists()
