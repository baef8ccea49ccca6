"""The scoring policy and a council's weights load, and a bad one is one line naming the problem."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from accredit._paths import specs_root
from accredit.errors import SpecError
from accredit.policy import FINDING_KINDS, load_policy, load_weights, read_policy
from accredit.specs import load_specs

CATEGORIES = [c.id for c in load_specs().catalogue.categories]


def test_the_policy_grades_exactly_the_catalogue_categories() -> None:
    policy = load_policy()
    assert [c.id for c in policy.categories] == CATEGORIES
    assert sum(c.weight for c in policy.categories) == 100
    assert sorted(policy.refuse + policy.conditions) == sorted(FINDING_KINDS)


def test_the_policy_is_part_of_the_spec_digest(tmp_path: Path) -> None:
    root = tmp_path / "specs"
    shutil.copytree(specs_root(), root)
    before = load_specs(root)
    assert "policy.yaml" in before.files
    policy_before = load_policy(before)
    assert policy_before.sha256 == before.files["policy.yaml"]
    path = root / "policy.yaml"
    path.write_text(path.read_text().replace("threshold: 80", "threshold: 79", 1))
    after = load_specs(root)
    assert after.digest != before.digest
    assert load_policy(after).sha256 != policy_before.sha256


BAD_POLICIES = [
    ("{weight: 20", "{weight: 25", "categories: the weights sum to 105, not 100"),
    (
        "  functional:",
        "  functionl:",
        "categories.functionl: not a catalogue category: functional, prepopulation, lockdown, "
        "access, performance, usability (did you mean 'functional'?)",
    ),
    (
        "  usability:     {weight: 15, threshold: 75, grading: budgets}\n",
        "",
        "categories: no entry for catalogue category 'usability'",
    ),
    (
        "grading: budgets}",
        "grading: budget}",
        "categories.performance.grading: 'budget' is not one of verdicts, budgets "
        "(did you mean 'budgets'?)",
    ),
    ("threshold: 100,", "threshold: 101,", "categories.lockdown.threshold: 101 is greater than"),
    ("zero_at: 2", "zero_at: 1", "budget_grading.zero_at: 1 is less than or equal to"),
    (
        "refuse: [must_not_passed, category_not_assessed]",
        "refuse: [must_not_passed, category_not_assessed, should_not_passed]",
        "decision: finding 'should_not_passed' is in both refuse and conditions: put it in one",
    ),
    (
        "refuse: [must_not_passed, category_not_assessed]",
        "refuse: [category_not_assessed]",
        "decision: finding 'must_not_passed' is in neither refuse and conditions",
    ),
    (
        "refuse: [must_not_passed, category_not_assessed]",
        "refuse: [must_fail, category_not_assessed]",
        "decision.refuse[0]: 'must_fail' is not one of must_not_passed",
    ),
    (
        "decisive_profiles: [full]",
        "decisive_profiles: [nightly]",
        "decision.decisive_profiles[0]: 'nightly' is not one of smoke, full",
    ),
    ('version: "1.1.0"', "version: 1", "version: expected string, got number 1"),
    ("verdict_credit:", "verdict_credit: [\n", "not valid YAML"),
]


@pytest.mark.parametrize(
    ("old", "new", "problem"), BAD_POLICIES, ids=[p[2][:40] for p in BAD_POLICIES]
)
def test_a_bad_policy_is_one_line_naming_file_path_and_problem(
    tmp_path: Path, old: str, new: str, problem: str
) -> None:
    path = tmp_path / "policy.yaml"
    text = (specs_root() / "policy.yaml").read_text(encoding="utf-8")
    assert old in text, f"{old!r} is not in policy.yaml: the test needs updating"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    with pytest.raises(SpecError) as caught:
        read_policy(path, CATEGORIES)
    message = str(caught.value)
    assert message.startswith(f"{path}: ")
    assert problem in message
    assert "\n" not in message


def write(tmp_path: Path, text: str | bytes) -> Path:
    path = tmp_path / "weights.yaml"
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8")
    return path


def test_council_weights_load_and_unnamed_categories_weigh_nothing(tmp_path: Path) -> None:
    path = write(tmp_path, "title: Northshire\nweights: {performance: 60, usability: 40}\n")
    weights = load_weights(path, CATEGORIES)
    assert weights.title == "Northshire"
    policy = load_policy().with_weights(weights)
    assert {c.id: c.weight for c in policy.categories} == {
        "functional": 0, "prepopulation": 0, "lockdown": 0, "access": 0,
        "performance": 60, "usability": 40,
    }  # fmt: skip
    assert [c.threshold for c in policy.categories] == [
        c.threshold for c in load_policy().categories
    ]


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("weights: {performance: 60, usability: 30}", "weights: the weights sum to 90, not 100"),
        (
            "weights: {performence: 100}",
            "weights.performence: not a category: functional, "
            "prepopulation, lockdown, access, performance, usability (did you mean 'performance'?)",
        ),
        ("weights: {performance: -10, usability: 110}", "weights.performance: -10 is less than"),
        ("weights: {performance: lots}", "weights.performance: expected number, got string"),
        ("wieghts: {performance: 100}", "unknown key 'wieghts' (did you mean 'weights'?)"),
        ("- performance", "expected a mapping at the top of the file"),
        ("weights: {performance: [", "not valid YAML"),
        (b"\xff\xfe", "not UTF-8 text"),
        (None, "file not found"),
    ],
)
def test_bad_weights_are_one_line_naming_the_file(
    tmp_path: Path, text: str | bytes | None, problem: str
) -> None:
    path = write(tmp_path, text) if text is not None else tmp_path / "missing.yaml"
    with pytest.raises(SpecError) as caught:
        load_weights(path, CATEGORIES)
    message = str(caught.value)
    assert message.startswith(f"{path}: ")
    assert problem in message
    assert "\n" not in message
