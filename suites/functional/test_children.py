"""Children and sibling groups: entered once, read back exactly."""

from __future__ import annotations

import random
from datetime import date

import pytest

from accredit.sut import SutClient

from steps import AUTHOR, child_body, create_child, expect

# Dates where products go wrong: summer time, a leap day, the turn of the year.
BOUNDARY_DATES_OF_BIRTH = [
    date(2016, 2, 29),
    date(2017, 7, 14),
    date(2018, 3, 26),
    date(2019, 10, 27),
    date(2020, 12, 31),
    date(2021, 1, 1),
]
CHILD_FIELDS = ("given_name", "family_name", "date_of_birth", "sex", "team")


@pytest.mark.requirement("FUN-001")
@pytest.mark.parametrize("date_of_birth", BOUNDARY_DATES_OF_BIRTH, ids=str)
def test_a_child_reads_back_as_entered(
    sut: SutClient, rng: random.Random, date_of_birth: date
) -> None:
    """A child created with a boundary date of birth reads back field for field."""
    client = sut.as_user(AUTHOR)
    entered = child_body(rng, date_of_birth)
    entered["given_name"] = f"{entered['given_name']}-Siân"  # non-ASCII survives too
    created = client.post("/children", entered)
    expect(created, 201, what="create a child")
    read = client.get(f"/children/{created.json()['id']}")
    expect(read, 200, what="read the child back")
    child = read.json()
    differing = {f: (entered[f], child.get(f)) for f in CHILD_FIELDS if child.get(f) != entered[f]}
    assert not differing, f"fields read back differently (entered, read): {differing}"


@pytest.mark.requirement("FUN-002")
@pytest.mark.parametrize("size", [2, 3, 4])
def test_every_sibling_lists_the_others(sut: SutClient, rng: random.Random, size: int) -> None:
    """Each member of a declared sibling group lists every other member, and only them."""
    client = sut.as_user(AUTHOR)
    members = [create_child(client, rng, years=3 + i)["id"] for i in range(size)]
    outsider = create_child(client, rng, years=6)["id"]
    ids = [*members, outsider]
    assert len(set(map(str, ids))) == len(ids), f"different children were given the same id: {ids}"
    declared = client.post("/sibling-groups", {"child_ids": members})
    expect(declared, 201, what="declare the sibling group")
    for child_id in members:
        read = client.get(f"/children/{child_id}")
        expect(read, 200, what="read a sibling")
        listed = sorted(read.json().get("sibling_ids") or [])
        others = sorted(m for m in members if m != child_id)
        assert listed == others, f"child {child_id} lists siblings {listed}, expected {others}"
    read = client.get(f"/children/{outsider}")
    expect(read, 200, what="read a child outside the group")
    assert not read.json().get("sibling_ids"), "a child outside the group lists siblings"
