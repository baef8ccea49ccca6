"""Lock-down route coverage: every route of lockdown.yaml, by every required user, is refused.

Each route gets a locked form (with a document, a note link and a duplicate record of its
child), and the exact bytes the SUT serves for it and its addenda listing are kept. Each
required user in turn (the administrator included) tries every attempt lockdown.yaml lists for
the route, and the check demands both the explicit refusal of the spec (a silent 200 that
changes nothing is not a refusal) and the same bytes afterwards. The users of a route share its
locked form while it reads back as at approval; once an attempt has changed it, the next user
gets a freshly locked one, so a failure is always that user's own. The routes, bodies and
requirement ids are the spec's.
"""

from __future__ import annotations

import random

import pytest
from lockdown.locked_case import LockedCase, attempts, build_locked_case

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


@pytest.fixture(scope="session")
def locked_cases() -> dict[str, LockedCase]:
    """The locked form of each route, by route id, shared while it stays as approved."""
    return {}


def test_a_locked_form_refuses_the_route(
    sut: SutClient,
    specs: SpecBundle,
    rng: random.Random,
    mutation_route: MutationRoute,
    any_user: str,
    locked_cases: dict[str, LockedCase],
) -> None:
    """Every attempt of the route by the user is refused with the spec's status and code, and
    the form (answers, metadata, attachments, links) and its addenda read back byte-identical."""
    case = locked_cases.get(mutation_route.id)
    if case is None or not case.unchanged():
        case = locked_cases[mutation_route.id] = build_locked_case(sut, specs, rng)
    client = sut.as_user(any_user)
    refusal = specs.lockdown
    for attempt in attempts(specs, mutation_route, case.values):
        what = f"{attempt.label} {attempt.body or ''} as {any_user}".replace("  ", " ")
        expect(attempt.send(client), refusal.refusal_status, refusal.refusal_code, what=what)
        case.assert_unchanged(what)
