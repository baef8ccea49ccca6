"""Fixtures every suite shares. The steps that build a case live in `steps.py`."""

from __future__ import annotations

import random

import pytest
from hypothesis.internal.conjecture import engine

# The usability suite's folder shares its name with the harness's `usability` package: importing
# the package first keeps the suite's conftest (module `usability.conftest`) from shadowing it.
import usability  # noqa: F401
from accredit.plugin import spec_bundle

#: The most time hypothesis spends shrinking a failure (its own default is 5 min). Every
#: shrinking step replays an example over HTTP against the SUT: unbounded, one failing property
#: test of a broken product could take minutes. The example reported is then the smallest found
#: within the bound, and still a failing one.
SHRINK_SECONDS = 12


@pytest.fixture(autouse=True)
def bounded_shrinking(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(engine, "MAX_SHRINKING_SECONDS", SHRINK_SECONDS)


@pytest.fixture
def rng(seed: int, request: pytest.FixtureRequest) -> random.Random:
    """A random source fixed by the run's seed and the test, so a failure can be replayed."""
    return random.Random(f"{seed}:{request.node.nodeid}")


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """Parametrise from the specs: every form kind and band, every mandatory question, every
    required user, so a new form or user in `specs/` is checked without a code change."""
    specs = spec_bundle(metafunc.config)
    if "form_kind" in metafunc.fixturenames:
        metafunc.parametrize("form_kind", sorted(specs.forms))
    if "form_band" in metafunc.fixturenames:
        cases = [(kind, band) for kind, form in specs.forms.items() for band in form.bands]
        metafunc.parametrize("form_band", cases, ids=[f"{k}-{b}" for k, b in cases])
    if "mandatory_question" in metafunc.fixturenames:
        cases = [
            (kind, band, q)
            for kind, form in specs.forms.items()
            for band in form.bands
            for q in form.mandatory(band)
        ]
        metafunc.parametrize("mandatory_question", cases, ids=["-".join(c) for c in cases])
    if "any_user" in metafunc.fixturenames:
        keys = [u.key for u in specs.users.required_users]
        metafunc.parametrize("any_user", keys)
