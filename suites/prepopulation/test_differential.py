"""Differential: the SUT's pre-populated form equals the reference engine's, for generated
families and histories.

Hypothesis generates a household (one to six children, some of them a declared sibling group,
the others children of the same surname who are not), a history (core and initial assessments
started at ages on either side of the age-band boundaries, each approved, submitted, returned or
left a draft) and the user who starts the new form. The harness builds it all in the SUT over
HTTP, starts the new form there, and computes the expected form with the reference engine
(`reference_impl.domain.prepopulation.prepopulate`) in-process from what it built, with the
SUT's own ids and approval times. Everything compared comes from the SUT: its answers, their
provenance and marks, and its candidates.

A mismatch names the requirement it breaks (`RequirementViolation`): an answer copied from a
form the harness did not approve is PRE-001, from a child who is not a declared sibling (or a
sibling's answer in a child-level question) PRE-002, across bands against the mapping table
PRE-003, without its source PRE-006, anything else (a wrong default, a missing answer or
candidate) PRE-007. Hypothesis shrinks a failure to the smallest family and history, which the
message shows with the differing answers; its evidence is that example's exchanges alone.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
from hypothesis import HealthCheck, given, seed, settings
from hypothesis import strategies as st
from hypothesis.internal.conjecture import engine
from prepopulation.family_case import (
    APPROVED,
    FATES,
    Built,
    ChildPlan,
    Difference,
    FamilyPlan,
    FormPlan,
    band_of,
    build,
    differences,
    expected_form,
)

from accredit.plugin import RequirementViolation
from accredit.prepopulation_spec import CHILD_RECORD, FAMILY_LEVEL, SIBLING
from accredit.specs import SpecBundle
from accredit.sut import Recorder, SutClient

from steps import AUTHOR, precondition

#: Examples per run profile. The full count is the authority's; smoke is a supplier's CI.
EXAMPLES = {"smoke": 30, "full": 200}
#: The most time hypothesis spends shrinking a failure over HTTP.
SHRINK_SECONDS = 25
#: Every family's dates are counted back from this day, so a seed replays the same ages.
ANCHOR = date(2024, 9, 2)
MAX_CHILDREN, MAX_FORMS = 6, 7
#: Approved forms are what pre-population copies: half of the history, and the simplest.
FATE_WEIGHTS = (APPROVED, APPROVED, APPROVED, *[f for f in FATES if f != APPROVED])
#: The rules of specs/prepopulation.yaml a mismatch can break, each failing its requirement.
DRAFTS, SIBLINGS, MAPPING, PROVENANCE, DIFFERENTIAL = (
    "approved_sources_only",
    "declared_siblings_only",
    "band_mapping",
    "provenance_and_confirmation",
    "precedence_and_candidates",
)
_CHECKED = (DRAFTS, SIBLINGS, MAPPING, PROVENANCE, DIFFERENTIAL)


def _birthday(born: date, years: int) -> date:
    try:
        return born.replace(year=born.year + years)
    except ValueError:  # 29 February: the birthday is 1 March in other years
        return date(born.year + years, 3, 1)


@st.composite
def families(draw: st.DrawFn, specs: SpecBundle) -> FamilyPlan:
    """Return a household, its history and the new form to check.

    The new form is always child 0's (any child can be numbered 0); the history always holds a
    form of child 0 and one of child 1 and leans towards the new form's kind, so that a child's
    own records, a declared sibling's and a non-sibling's meet often, not once in a hundred
    examples.
    """
    boundaries = sorted(
        {b.from_years for s in specs.age_band_sets.values() for b in s.bands} | {16}
    )
    count = draw(st.integers(1, MAX_CHILDREN))
    children = tuple(
        ChildPlan(
            born=ANCHOR
            - timedelta(days=draw(st.integers(0, 365)))
            - timedelta(days=365 * draw(st.sampled_from(boundaries))),
            # Mostly declared, so siblings' and a child's own records often meet.
            declared=draw(st.sampled_from([True, True, False])),
        )
        for _ in range(count)
    )
    kinds = sorted(specs.forms, key=lambda kind: specs.forms[kind].age_band_set is None)
    target_kind = draw(st.sampled_from(kinds))
    # One form of child 0's own and one of child 1's (a sibling or not), then any others.
    owners = [0, min(1, count - 1)]
    owners += [draw(st.integers(0, count - 1)) for _ in range(draw(st.integers(0, MAX_FORMS - 2)))]
    forms = []
    for child in owners:
        born = children[child].born
        # Started on, or a day either side of, a band boundary birthday, or well inside a band.
        years = draw(st.sampled_from(boundaries))
        started = _birthday(born, years) + timedelta(days=draw(st.sampled_from([-1, 0, 1, 60])))
        started = min(max(started, born), ANCHOR)
        forms.append(
            FormPlan(
                child=child,
                kind=draw(st.sampled_from([target_kind, target_kind, *kinds])),
                started_on=started,
                fate=draw(st.sampled_from(FATE_WEIGHTS)),
                optional_mask=draw(st.integers(0, 2**16 - 1)),
            )
        )
    # The family is the author's team's, and only its team starts its forms (access.yaml).
    team = specs.users.user(AUTHOR).team
    creators = [
        u.key
        for u in specs.users.required_users
        if "form.create" in specs.users.roles[u.role].permissions and u.team == team
    ]
    return FamilyPlan(
        children=children,
        forms=tuple(forms),
        target_child=0,
        target_kind=target_kind,
        target_started_on=ANCHOR,
        user=draw(st.sampled_from(creators)),
    )


def _rule_broken(specs: SpecBundle, built: Built, band: str, found: list[Difference]) -> str:
    """Return the rule of specs/prepopulation.yaml the differences break, the most specific
    first."""
    plan = built.plan
    child_id = built.child_ids[plan.target_child]
    allowed = {child_id} | {built.child_ids[i] for i in plan.siblings_of(plan.target_child)}
    forms = {f.id: f for f in built.history}
    definition = specs.forms[plan.target_kind]
    sources = [(d, s) for d in found for s in d.sources]
    if any(s[1] is None or (s[0] != CHILD_RECORD and s[2] is None) for _, s in sources) or any(
        d.got.endswith("(no provenance)") for d in found
    ):
        return PROVENANCE
    if any(s[2] in built.fates and built.fates[s[2]] != APPROVED for _, s in sources):
        return DRAFTS
    for difference, source in sources:
        question = next((q for q in definition.questions if q.id == difference.question), None)
        section = next(
            (s for s in definition.sections if question is not None and question in s.questions),
            None,
        )
        if source[1] not in allowed or (
            source[0] == SIBLING and (section is None or section.level != FAMILY_LEVEL)
        ):
            return SIBLINGS
        origin = forms.get(source[2])
        if origin is not None and origin.kind == plan.target_kind and origin.age_band != band:
            mapped = definition.band_mapping.source_question(
                origin.age_band, band, difference.question, definition.asked_ids(origin.age_band)
            )
            if mapped != source[3]:
                return MAPPING
    return DIFFERENTIAL


def _report(specs: SpecBundle, built: Built, band: str, found: list[Difference]) -> str:
    """Return the family, the history and the differing answers, as short as they can be."""
    plan = built.plan
    lines = [f"family {built.surname}:"]
    for i, child in enumerate(plan.children):
        group = "in the declared sibling group" if plan.siblings_of(i) else "not a declared sibling"
        lines.append(f"  child {built.child_ids[i]} born {child.born} ({group})")
    lines.append("history:")
    for form, form_plan in zip(built.history, plan.forms, strict=True):
        given = ", ".join(sorted(form.answers)) or "nothing"
        lines.append(
            f"  form {form.id} {form.kind} of child {form.child_id}, band {form.age_band}, "
            f"started {form_plan.started_on}, {built.fates[form.id]}: answers {given}"
        )
    target = plan.target_child
    lines.append(
        f"new form: {plan.target_kind} for child {built.child_ids[target]} on "
        f"{plan.target_started_on} (band {band}) by {plan.user}"
    )
    lines.append("differences (expected by the reference engine / the SUT's):")
    for d in found:
        lines.append(f"  {d.question}: expected {d.expected}; got {d.got}")
    return "\n".join(lines)


def check_family(sut: SutClient, specs: SpecBundle, plan: FamilyPlan) -> None:
    """Build the plan in the SUT, start the new form, compare it with the engine's."""
    built = build(sut, specs, plan)
    band, expected = expected_form(specs, built)
    target = plan.target_child
    body = {
        "kind": plan.target_kind,
        "child_id": built.child_ids[target],
        "started_on": plan.target_started_on.isoformat(),
    }
    form = precondition(sut.as_user(plan.user).post("/forms", body), 201, "start the new form")
    assert band == band_of(specs, plan.target_kind, plan.children[target].born, ANCHOR)
    listed = sut.as_user(plan.user).get(f"/forms/{form['id']}/candidates")
    assert listed.status == 200, f"list the candidates: {listed.describe()}"
    candidates: Any = listed.json()
    found = differences(expected, form, candidates if isinstance(candidates, list) else [])
    if found:
        rule = _rule_broken(specs, built, band, found)
        raise RequirementViolation(
            specs.prepopulation.requirement(rule), _report(specs, built, band, found)
        )


@pytest.mark.requirement("PRE-001", "PRE-002", "PRE-003", "PRE-006", "PRE-007")
@pytest.mark.evidence(400)
def test_the_pre_populated_form_equals_the_reference_engines(
    sut: SutClient,
    specs: SpecBundle,
    recorder: Recorder,
    seed: int,
    run_profile: str,
    monkeypatch: pytest.MonkeyPatch,
    request: pytest.FixtureRequest,
) -> None:
    """For every generated family, history and user, the SUT's new form has the engine's
    answers, provenance, marks and candidates, and no others."""
    marker = request.node.get_closest_marker("requirement")
    named = {specs.prepopulation.requirement(rule) for rule in _CHECKED}
    assert marker is not None and named == set(marker.args), "marker and specs disagree"
    monkeypatch.setattr(engine, "MAX_SHRINKING_SECONDS", SHRINK_SECONDS)

    @given(families(specs))
    @settings(
        max_examples=EXAMPLES[run_profile],
        deadline=None,
        database=None,
        report_multiple_bugs=False,
        suppress_health_check=list(HealthCheck),
        print_blob=True,
    )
    def example(plan: FamilyPlan) -> None:
        recorder.take()  # the evidence of a failure is its own (shrunk) example alone
        check_family(sut, specs, plan)

    _seeded(example, seed)()


def _seeded(test: Any, run_seed: int) -> Any:
    return seed(run_seed)(test)
