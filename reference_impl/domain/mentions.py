"""Where a phrase is written in a text, to mark each mention on the search screen.

A phrase is its words, case, accents and punctuation ignored, in this order and next to each
other: the rule of the record's search (`domain/record_search.py`), whose folding this uses, so
the screen marks exactly what the search found.
"""

from __future__ import annotations

import re

from reference_impl.domain.record_search import phrase_words

__all__ = ["highlighted"]

_WORD = re.compile(r"\w+")


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
        if [phrase_words(w.group())[0] for w in window] == wanted:
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
