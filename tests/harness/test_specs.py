"""The specs load, and a bad spec stops with one line naming file, path and problem."""

from __future__ import annotations

import shutil
import subprocess
import sys
from collections.abc import Callable
from datetime import date
from pathlib import Path

import pytest

from accredit._paths import specs_root
from accredit.errors import SpecError, UserError
from accredit.runner import Selection, select, select_categories
from accredit.specs import age_in_years, load_specs


@pytest.fixture
def spec_copy(tmp_path: Path) -> Path:
    root = tmp_path / "specs"
    shutil.copytree(specs_root(), root)
    return root


def edit(root: Path, name: str, old: str, new: str) -> None:
    path = root / name
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{old!r} is not in {name}: the test needs updating"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def test_bundled_specs_load_with_a_stable_digest() -> None:
    bundle = load_specs()
    assert bundle.version == bundle.catalogue.version
    assert len(bundle.digest) == 64
    assert load_specs().digest == bundle.digest


def test_every_requirement_names_a_planted_fault() -> None:
    """A requirement no planted fault can fail is not verified: the catalogue says which."""
    unverified = [r.id for r in load_specs().catalogue.requirements if not r.verification.faults]
    assert not unverified


def test_digest_changes_with_any_byte(spec_copy: Path) -> None:
    before = load_specs(spec_copy).digest
    edit(spec_copy, "forms/core_assessment.yaml", "title: Core Assessment Record", "title: Core")
    assert load_specs(spec_copy).digest != before


BAD_SPECS: list[tuple[str, str, str, str]] = [
    (
        "forms/core_assessment.yaml",
        "{id: health, text: Health, type: long_text, status: mandatory, prepopulate: [previous]}",
        "{id: health, text: Health, type: long_text, status: mandatroy, prepopulate: [previous]}",
        "forms/core_assessment.yaml: sections[1].questions[0].status: 'mandatroy' is not one "
        "of mandatory, optional, not_asked (did you mean 'mandatory'?)",
    ),
    (
        "catalogue.yaml",
        'category: lockdown\n    weight: 3\n    rationale: >-\n      "Some local',
        'category: lockdwn\n    weight: 3\n    rationale: >-\n      "Some local',
        "catalogue.yaml: requirements[7].category: 'lockdwn' is not one of functional, "
        "prepopulation, lockdown, access, performance, usability (did you mean 'lockdown'?)",
    ),
    (
        "catalogue.yaml",
        "  - id: LD-002",
        "  - id: LD-001",
        "catalogue.yaml: requirements: 'LD-001' is defined twice",
    ),
    (
        "lifecycle.yaml",
        "    roles: [team_manager]\n    author: any",
        "    roles: [team_manger]\n    author: any",
        "lifecycle.yaml: transitions[1].roles[0]: 'team_manger' is not one of social_worker, "
        "team_manager, partner_agency, auditor, administrator (did you mean 'team_manager'?)",
    ),
    (
        "lifecycle.yaml",
        "  - action: return\n    from: submitted",
        "  - action: return\n    from: approved",
        "lifecycle.yaml: transitions[1].from: 'approved' is locked: nothing leaves it",
    ),
    (
        "lockdown.yaml",
        "    requirement: LD-002",
        "    requirement: FUN-004",
        "lockdown.yaml: mutation_routes[1].requirement: FUN-004 is not a lockdown requirement",
    ),
    (
        "lockdown.yaml",
        "    method: DELETE\n    path: /forms/{form_id}?version={version}\n",
        "    method: DELETE\n    path: /forms/{form_id}?version={version}\n"
        "    for_each_action: yes-please\n",
        "lockdown.yaml: mutation_routes[1].for_each_action: expected boolean, got string",
    ),
    (
        "users.yaml",
        "  - {key: partner, role: partner_agency,",
        "  - {key: partner, role: partner_agency, colour: blue,",
        "users.yaml: required_users[4]: unknown key 'colour'",
    ),
    (
        "age_bands.yaml",
        '{id: "3-4", from_years: 3, to_years: 4}',
        '{id: "3-4", from_years: 4, to_years: 4}',
        "age_bands.yaml: sets[0].bands[1].from_years: expected 3: bands must not overlap or "
        "leave a gap",
    ),
    (
        "forms/core_assessment.yaml",
        "{id: health, text: Health, type: long_text, status: mandatory, prepopulate: [previous]}",
        "{id: health, text: Health, type: long_text, status: mandatory, prepopulate: [sibling]}",
        "forms/core_assessment.yaml: sections[1].questions[0].prepopulate: a sibling's answer is "
        "copied into family-level questions only; section developmental_needs is child-level",
    ),
    (
        "forms/core_assessment.yaml",
        "map: {emotional_behavioural_self_care: emotional_behavioural_development}",
        "map: {emotional_behavioural_self_care: identity_social_presentation}",
        "forms/core_assessment.yaml: band_mapping.pairs[0].map.emotional_behavioural_self_care: "
        "identity_social_presentation not asked in 3-4",
    ),
    (
        "forms/core_assessment.yaml",
        "{kind: initial_assessment, question: reason_for_referral}",
        "{kind: initial_assessment, question: reason_for_referal}",
        "forms/core_assessment.yaml: questions[3] (background).prepopulate: 'reason_for_referal' "
        "is not one of",
    ),
    (
        "age_bands.yaml",
        '"10-14": ["5-10", "11-15"]',
        '"10-14": ["11-15"]',
        "age_bands.yaml: mappings[0].bands.10-14: the ages of 10-14 fall in 5-10, 11-15",
    ),
    (
        "prepopulation.yaml",
        "band_mapping: PRE-003",
        "band_mapping: LD-001",
        "prepopulation.yaml: requirements.band_mapping: LD-001 is not a prepopulation requirement",
    ),
    (
        "prepopulation.yaml",
        "precedence: [child_record, previous, sibling, earlier_form]",
        "precedence: [child_record, previous, sibling, sibling]",
        "prepopulation.yaml: precedence: ",
    ),
    (
        "forms/initial_assessment.yaml",
        "kind: initial_assessment",
        "kind: initial_assessment\n  oops: [",
        "forms/initial_assessment.yaml: not valid YAML: line 5: ",
    ),
]


@pytest.mark.parametrize(
    ("name", "old", "new", "message"),
    BAD_SPECS,
    ids=[b[3].split(":")[0] + ":" + b[3].split(":")[1] for b in BAD_SPECS],
)
def test_a_bad_spec_is_one_line_naming_file_path_and_problem(
    spec_copy: Path, name: str, old: str, new: str, message: str
) -> None:
    edit(spec_copy, name, old, new)
    with pytest.raises(SpecError) as caught:
        load_specs(spec_copy)
    text = str(caught.value)
    assert "\n" not in text
    assert text.startswith(str(spec_copy / message.split(": ")[0]))
    assert text.removeprefix(str(spec_copy) + "/").startswith(message)


def test_the_command_line_reports_a_bad_spec_in_one_line_with_exit_2(spec_copy: Path) -> None:
    edit(spec_copy, "catalogue.yaml", "level: MUST", "level: MUSTT")
    done = subprocess.run(
        [sys.executable, "-m", "accredit", "specs", "--specs", str(spec_copy)],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert done.returncode == 2
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1, done.stderr
    assert "catalogue.yaml: requirements[0].level: 'MUSTT' is not one of MUST, SHOULD" in lines[0]
    assert "Traceback" not in done.stderr


AgeCase = tuple[date, date, int]
BIRTHDAYS: list[AgeCase] = [
    (date(2019, 5, 10), date(2024, 5, 9), 4),
    (date(2019, 5, 10), date(2024, 5, 10), 5),
    (date(2016, 2, 29), date(2021, 2, 28), 4),
    (date(2016, 2, 29), date(2021, 3, 1), 5),
    (date(2016, 2, 29), date(2024, 2, 29), 8),
]


@pytest.mark.parametrize(("born", "on", "years"), BIRTHDAYS, ids=str)
def test_a_band_boundary_is_a_birthday(born: date, on: date, years: int) -> None:
    assert age_in_years(born, on) == years


def test_age_band_chosen_on_the_birthday() -> None:
    bands = load_specs().age_band_sets["framework-2000"]
    band_of: Callable[[date], str | None] = lambda on: (  # noqa: E731
        b.id if (b := bands.band_for(date(2015, 6, 1), on)) else None
    )
    assert band_of(date(2020, 5, 31)) == "3-4"
    assert band_of(date(2020, 6, 1)) == "5-9"
    assert band_of(date(2030, 6, 1)) == "15+"


def test_a_name_that_is_a_category_and_a_suite_means_the_category() -> None:
    specs = load_specs()
    assert select(specs, None) is None
    assert select(specs, ["lockdown", "functional"]) == Selection(("lockdown", "functional"), ())
    assert select_categories(specs, ["functional"]) == ["functional"]


def test_a_name_that_is_neither_a_category_nor_a_suite_is_a_usage_error() -> None:
    with pytest.raises(UserError, match="'lockdwn' is not a category, a suite or a requirement id"):
        select(load_specs(), ["lockdwn"])


def test_a_requirement_named_alone_runs_its_tests_and_reports_its_category() -> None:
    specs = load_specs()
    selection = select(specs, ["lockdown", "FUN-004"])
    assert selection == Selection(("lockdown",), (), ("FUN-004",))
    assert select_categories(specs, ["FUN-004"]) == ["functional"]
    tested = selection.tests_of(specs)
    assert tested is not None and "FUN-004" in tested and "FUN-001" not in tested
    assert {r.id for r in specs.catalogue.requirements if r.category == "lockdown"} <= set(tested)
    assert select(specs, ["lockdown"]) is not None
    assert Selection(("lockdown",), ()).tests_of(specs) is None


def test_a_suite_named_alone_runs_whole_and_reports_its_category() -> None:
    specs = load_specs()
    assert select(specs, ["plan"]) == Selection((), ("plan",))
    assert select_categories(specs, ["plan"]) == ["functional"]
