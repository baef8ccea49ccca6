"""Where a phrase is written in a child's record: the pure rule the reference's search screen
uses for case notes and answers alike.

A phrase is its words (letters and digits), case and punctuation ignored, found in this order
and next to each other: the rule of the notes' full-text search (store/note_search.py), so the
screen and the API find the same notes.
"""

from __future__ import annotations

import re

__all__ = ["highlighted", "phrase_words"]

_WORD = re.compile(r"\w+")


def phrase_words(phrase: str) -> tuple[str, ...]:
    """Return the words of a phrase, lower-cased; empty when it has none."""
    return tuple(word.lower() for word in _WORD.findall(phrase))


def highlighted(text: str, phrase: str) -> list[tuple[str, bool]] | None:
    """Return `text` cut into parts, each marked True where it is a mention of `phrase`, or
    None when the phrase is not in the text (or has no word)."""
    wanted = phrase_words(phrase)
    if not wanted:
        return None
    words = list(_WORD.finditer(text))
    spans: list[tuple[int, int]] = []
    index = 0
    while index + len(wanted) <= len(words):
        window = words[index : index + len(wanted)]
        if tuple(w.group().lower() for w in window) == wanted:
            spans.append((window[0].start(), window[-1].end()))
            index += len(wanted)
        else:
            index += 1
    if not spans:
        return None
    parts: list[tuple[str, bool]] = []
    at = 0
    for start, end in spans:
        if start > at:
            parts.append((text[at:start], False))
        parts.append((text[start:end], True))
        at = end
    if at < len(text):
        parts.append((text[at:], False))
    return parts
