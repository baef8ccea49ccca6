"""Scores and decisions follow the policy in specs/policy.yaml, on synthetic results."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest

from accredit._paths import specs_root
from accredit.errors import UserError
from accredit.policy import Policy, Weights, load_policy, read_policy
from accredit.specs import load_specs
from reports.scoring import grade_against_budget, score
from tests.reports.conftest import (
    every_category_passing,
    make_results,
    measurement,
    requirement,
)

POLICY = load_policy()


def edited_policy(tmp_path: Path, old: str, new: str) -> Policy:
    """The bundled policy with one edit, loaded from a copy."""
    path = tmp_path / "policy.yaml"
    shutil.copy(specs_root() / "policy.yaml", path)
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{old!r} is not in policy.yaml: the test needs updating"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    return read_policy(path, [c.id for c in load_specs().catalogue.categories])


def kinds(findings: Any) -> list[tuple[str, str]]:
    return [(f.kind, f.subject) for f in findings]


@pytest.mark.parametrize(
    ("value", "budget", "zero_at", "grade"),
    [
        (0, 500, 2, 1.0),
        (400, 500, 2, 1.0),
        (500, 500, 2, 1.0),
        (625, 500, 2, 0.75),
        (750, 500, 2, 0.5),
        (1000, 500, 2, 0.0),
        (5000, 500, 2, 0.0),
        (1000, 500, 3, 0.5),
        (0, 0, 2, 1.0),
        (1, 0, 2, 0.0),
    ],
)
def test_a_figure_earns_full_marks_within_budget_and_none_at_twice_it(
    value: float, budget: float, zero_at: float, grade: float
) -> None:
    assert grade_against_budget([value], [budget], zero_at)[0] == pytest.approx(grade)


def test_everything_passing_and_assessed_is_accredited() -> None:
    card = score(every_category_passing(), POLICY)
    assert card.decision == "accredited"
    assert card.decision_title == "Accredited"
    assert not card.refusals and not card.conditions
    assert [c.score for c in card.categories] == [100.0] * 6
    assert card.overall == 100.0
    assert not card.indicative


@pytest.mark.parametrize("verdict", ["fail", "error", "not_run"])
def test_a_must_that_did_not_pass_refuses_accreditation(verdict: str) -> None:
    results = every_category_passing()
    results["requirements"][3] = requirement("LD-001", "lockdown", verdict, weight=3)
    card = score(results, POLICY)
    assert card.decision == "not_accredited"
    assert kinds(card.refusals) == [("must_not_passed", "LD-001")]
    assert card.category("lockdown").score == 0.0


def test_a_failed_should_is_a_condition_naming_it() -> None:
    results = every_category_passing()
    results["requirements"].append(requirement("FUN-003", "functional", "fail", "SHOULD", 0.5))
    card = score(results, POLICY)
    assert card.decision == "accredited_with_conditions"
    assert kinds(card.conditions) == [("should_not_passed", "FUN-003")]
    assert "SHOULD requirement FUN-003 failed" in card.conditions[0].text
    # 3.5 of the weight passed: 1 + 2 of 3.5, over the threshold of 80.
    assert card.category("functional").score == pytest.approx(100 * 3 / 3.5, abs=0.01)


def test_a_category_under_its_threshold_is_a_condition() -> None:
    results = every_category_passing()
    results["requirements"].append(requirement("FUN-003", "functional", "fail", "SHOULD", 3))
    card = score(results, POLICY)
    functional = card.category("functional")
    assert functional.score == 50.0 and functional.below_threshold
    assert kinds(card.conditions) == [
        ("should_not_passed", "FUN-003"),
        ("category_below_threshold", "functional"),
    ]
    assert "scored 50, under its threshold of 80" in card.conditions[1].text


def test_measured_figures_grade_their_category_against_budgets() -> None:
    results = every_category_passing()
    results["measurements"] = [
        measurement("search.p95", "performance", 750, 500),  # 0.5
        measurement("save.p95", "performance", 300, 300),  # 1.0
        measurement("case-note.klm", "usability", 45, 45, "s"),
    ]
    card = score(results, POLICY)
    performance = card.category("performance")
    assert performance.score == 75.0 and performance.measurements == 2
    assert not performance.below_threshold
    results["measurements"][1]["value"] = 450  # 0.5 as well
    card = score(results, POLICY)
    assert card.category("performance").score == 50.0
    assert kinds(card.conditions) == [("category_below_threshold", "performance")]


def test_a_category_with_nothing_assessed_has_no_score_and_refuses() -> None:
    results = make_results(
        [requirement("FUN-001", "functional"), requirement("LD-001", "lockdown", weight=3)]
    )
    card = score(results, POLICY)
    not_assessed = [c.id for c in card.categories if not c.assessed]
    assert not_assessed == ["prepopulation", "access", "performance", "usability"]
    assert all(card.category(c).score is None for c in not_assessed)
    assert card.decision == "not_accredited"
    assert kinds(card.refusals) == [("category_not_assessed", c) for c in not_assessed]
    assert card.overall == 100.0 and card.overall_categories == ("functional", "lockdown")


def test_a_category_left_out_of_the_run_is_a_condition_not_a_refusal() -> None:
    results = make_results([requirement("LD-001", "lockdown")], selection=["lockdown"])
    card = score(results, POLICY)
    assert card.decision == "accredited_with_conditions"
    left_out = [c.id for c in card.categories if c.id != "lockdown"]
    assert sorted(f.subject for f in card.conditions) == sorted(left_out)
    assert {f.kind for f in card.conditions} == {"category_not_selected"}


def test_categories_left_out_of_a_run_are_not_assessed_and_say_why() -> None:
    results = make_results([requirement("LD-001", "lockdown")], selection=["lockdown"])
    card = score(results, POLICY)
    assert card.category("functional").reason == "not selected in this run"
    assert card.category("functional").title == "Functional"


def test_the_policy_decides_what_refuses(tmp_path: Path) -> None:
    policy = edited_policy(
        tmp_path,
        "refuse: [must_not_passed, category_not_assessed]\n  conditions: [should_not_passed, "
        "category_below_threshold, category_not_selected]",
        "refuse: [must_not_passed]\n  conditions: [should_not_passed, category_below_threshold, "
        "category_not_selected, category_not_assessed]",
    )
    results = make_results([requirement("FUN-001", "functional")])
    card = score(results, policy)
    assert card.decision == "accredited_with_conditions"
    assert {f.kind for f in card.conditions} == {"category_not_assessed"}
    assert score(results, POLICY).decision == "not_accredited"


def test_the_policy_decides_what_a_verdict_earns(tmp_path: Path) -> None:
    policy = edited_policy(tmp_path, "not_run: 0", "not_run: 0.5")
    results = every_category_passing()
    results["requirements"].append(requirement("FUN-003", "functional", "not_run", "SHOULD"))
    assert score(results, policy).category("functional").score == pytest.approx(87.5)
    assert score(results, POLICY).category("functional").score == 75.0


def test_the_policy_decides_the_budget_rule(tmp_path: Path) -> None:
    policy = edited_policy(tmp_path, "zero_at: 2", "zero_at: 3")
    results = every_category_passing()
    results["measurements"][0]["value"] = 1000  # twice its budget of 500
    assert score(results, policy).category("performance").score == 75.0
    assert score(results, POLICY).category("performance").score == 50.0


def test_an_incomplete_run_gets_no_decision() -> None:
    card = score(make_results([requirement("FUN-001", "functional")], complete=False), POLICY)
    assert card.decision == "no_decision"
    assert card.decision_title.startswith("No decision")


def test_a_smoke_run_decision_is_indicative() -> None:
    results = make_results(
        [requirement("FUN-001", "functional")], profile="smoke", selection=["functional"]
    )
    card = score(results, POLICY)
    assert card.indicative
    assert card.decision == "accredited_with_conditions"


def test_a_council_weighting_moves_the_overall_score_not_the_decision() -> None:
    results = every_category_passing()
    results["measurements"][0]["value"] = 1000  # performance: 50
    own = score(results, POLICY)
    council = POLICY.with_weights(Weights("w.yaml", None, {"performance": 50, "functional": 50}))
    theirs = score(results, council)
    assert own.decision == theirs.decision
    assert own.overall == pytest.approx(90.0)  # 20 of 100 weight at 50
    assert theirs.overall == 75.0
    assert theirs.overall_categories == ("functional", "performance")
    assert theirs.to_document()["policy"]["weights"] == "w.yaml"


def test_a_category_the_policy_does_not_grade_is_one_line_naming_the_file() -> None:
    results = make_results([requirement("FUN-001", "functional")])
    results["requirements"][0]["category"] = "telepathy"
    with pytest.raises(UserError, match=r"^r\.json: category 'telepathy' has no entry in the"):
        score(results, POLICY, "r.json")


def test_a_weight_that_is_not_positive_is_one_line_naming_the_file() -> None:
    results = make_results([requirement("FUN-001", "functional", weight=-1)])
    with pytest.raises(UserError, match=r"^r\.json: requirements\[0\]\.weight: -1 is not"):
        score(results, POLICY, "r.json")


def test_the_scorecard_document_has_what_verify_rederives() -> None:
    document = score(every_category_passing(), POLICY).to_document()
    assert document["decision"] == "accredited"
    assert document["policy"] == {"version": POLICY.version, "sha256": POLICY.sha256,
                                  "weights": None}  # fmt: skip
    assert [c["score"] for c in document["categories"]] == [100.0] * 6
    assert [m["grade"] for m in document["measurements"]] == [1.0, 1.0, 1.0]
