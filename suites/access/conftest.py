"""Fixtures of the access suite: the matrix of access.yaml and the subjects it is tried on."""

from __future__ import annotations

import random

import pytest
from access.subjects import Subjects

from accredit.access_spec import AccessMatrix, load_access
from accredit.specs import SpecBundle
from accredit.sut import SutClient


@pytest.fixture(scope="session")
def matrix(specs: SpecBundle) -> AccessMatrix:
    """The access matrix of the specs."""
    return load_access(specs)


@pytest.fixture(scope="session")
def subjects(sut: SutClient, specs: SpecBundle, seed: int) -> Subjects:
    """The subjects of the run, built once per kind and shared while nothing changes them."""
    return Subjects(sut, specs, random.Random(f"{seed}:access"))
