"""What "finding a phrase" means in a child's record: the words of the query, in order, next
to each other, ignoring case and punctuation (as the case notes' full-text index reads them).

Pure functions, shared by every source of the search that is not read through the index.
"""

from __future__ import annotations

import re
import unicodedata

__all__ = ["contains_phrase", "excerpt", "phrase_words", "query_problem"]

_WORD = re.compile(r"\w+")
#: How many characters of context an excerpt keeps either side of the phrase.
EXCERPT_CONTEXT_CHARS = 60


def _fold(word: str) -> str:
    # Case and accents ignored, as the notes' index (FTS5 unicode61) ignores them.
    decomposed = unicodedata.normalize("NFKD", word.casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def phrase_words(query: str) -> list[str]:
    """Return the query's words, folded: what a text must contain, in this order."""
    return [_fold(w) for w in _WORD.findall(query)]


def query_problem(query: str, max_chars: int) -> str | None:
    """Return what is wrong with a search query (empty or blank, too long), or None.

    A query of punctuation alone is not wrong: it holds no word, and finds nothing.
    """
    if not query.strip():
        return "the query is empty: give the words to find"
    if len(query) > max_chars:
        return f"the query has {len(query)} characters; at most {max_chars} are searched"
    return None


def _match(text: str, words: list[str]) -> tuple[int, int] | None:
    found = list(_WORD.finditer(text))
    folded = [_fold(m.group()) for m in found]
    width = len(words)
    for i in range(len(folded) - width + 1):
        if folded[i : i + width] == words:
            return found[i].start(), found[i + width - 1].end()
    return None


def contains_phrase(text: str, words: list[str]) -> bool:
    """Return whether `text` holds the words, in order and next to each other."""
    return bool(words) and _match(text, words) is not None


def excerpt(text: str, words: list[str]) -> str:
    """Return the phrase in `text` with some context either side (the start when not found)."""
    span = _match(text, words)
    start, end = span if span is not None else (0, 0)
    first = max(0, start - EXCERPT_CONTEXT_CHARS)
    last = min(len(text), end + EXCERPT_CONTEXT_CHARS)
    return ("…" if first else "") + text[first:last] + ("…" if last < len(text) else "")
