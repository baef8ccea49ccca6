"""Lock-down route coverage: every route of lockdown.yaml, by every required user, is refused.

Each check locks a fresh form (with a document, a note link and a duplicate record of its
child), keeps the exact bytes the SUT serves for it and its addenda listing, lets one required
user (the administrator included) try every attempt lockdown.yaml lists for one route, and
demands both the explicit refusal of the spec (a silent 200 that changes nothing is not a
refusal) and the same bytes afterwards. The routes, bodies and requirement ids are the spec's.
"""

from __future__ import annotations

import random

import pytest
from lockdown.locked_case import attempts, build_locked_case

from accredit.plugin import spec_bundle
from accredit.specs import MutationRoute, SpecBundle
from accredit.sut import SutClient

from steps import expect


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """One check per mutation route of lockdown.yaml, marked with the route's requirement."""
    if "mutation_route" in metafunc.fixturenames:
        routes = spec_bundle(metafunc.config).lockdown.mutation_routes
        metafunc.parametrize(
            "mutation_route",
            [
                pytest.param(r, id=r.id, marks=pytest.mark.requirement(r.requirement))
                for r in routes
            ],
        )


def test_a_locked_form_refuses_the_route(
    sut: SutClient,
    specs: SpecBundle,
    rng: random.Random,
    mutation_route: MutationRoute,
    any_user: str,
) -> None:
    """Every attempt of the route by the user is refused with the spec's status and code, and
    the form (answers, metadata, attachments, links) and its addenda read back byte-identical."""
    case = build_locked_case(sut, specs, rng)
    client = sut.as_user(any_user)
    refusal = specs.lockdown
    for attempt in attempts(specs, mutation_route, case.values):
        what = f"{attempt.label} {attempt.body or ''} as {any_user}".replace("  ", " ")
        expect(attempt.send(client), refusal.refusal_status, refusal.refusal_code, what=what)
        case.assert_unchanged(what)
