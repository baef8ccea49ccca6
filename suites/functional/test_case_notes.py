"""Case notes: recorded in full, listed on their own child's record only."""

from __future__ import annotations

import random

import pytest

from accredit.sut import SutClient

from steps import AUTHOR, create_child, expect

#: The longest note the contract promises to keep whole.
LONGEST_NOTE = 32_000
_PASSAGE = (
    "Home visit. Siân (7) showed me her drawing of “the house with the red door” and said: "
    "‘I don’t like it when Dad shouts.’ Mum was tired but warm; the kitchen was clean — "
    "no food in the fridge though. Agreed: school nurse to see Siân on Tuesday. ✓ "
)


def _note_text(length: int) -> str:
    return (_PASSAGE * (length // len(_PASSAGE) + 1))[:length]


@pytest.mark.requirement("FUN-004")
@pytest.mark.parametrize("length", [len(_PASSAGE), LONGEST_NOTE])
def test_notes_are_kept_whole_on_their_child(
    sut: SutClient, rng: random.Random, length: int
) -> None:
    """A note reads back character for character in its child's list and in no other."""
    client = sut.as_user(AUTHOR)
    child, other = create_child(client, rng), create_child(client, rng)
    text, other_text = _note_text(length), f"Telephone call about another child. {rng.random()}"
    expect(
        client.post(f"/children/{child['id']}/notes", {"text": text}), 201, what="record the note"
    )
    expect(
        client.post(f"/children/{other['id']}/notes", {"text": other_text}),
        201,
        what="record a note on another child",
    )
    listed = client.get(f"/children/{child['id']}/notes")
    expect(listed, 200, what="list the child's notes")
    texts = [n.get("text") for n in listed.json()]
    assert texts == [text], (
        f"expected exactly the one note of {len(text)} characters; got "
        f"{[len(t) if isinstance(t, str) else t for t in texts]} characters"
        + (" (another child's note is listed)" if other_text in texts else "")
    )
