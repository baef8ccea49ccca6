"""The audit trail's hash chain: each entry's digest covers its content and the digest before it.

An entry changed after it was written no longer matches its digest; an entry removed breaks the
link of the one after it; entries removed from the end leave the chain shorter than its head,
the one row that keeps the last id and digest. Pure: the store computes, `verify_chain` checks.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime

__all__ = ["GENESIS", "ChainBreak", "EntryContent", "entry_digest", "verify_chain"]

#: The digest the first entry follows.
GENESIS = "0" * 64


@dataclass(frozen=True)
class EntryContent:
    """What one entry says, as the chain covers it."""

    id: int
    at: datetime
    user: str
    action: str
    form_id: int | None
    child_id: int | None
    outcome: str
    code: str | None

    def canonical(self) -> bytes:
        """Return the entry as canonical JSON: one byte string per content, whatever stores it."""
        at = self.at.astimezone(UTC).isoformat(timespec="microseconds")
        fields = [
            self.id,
            at,
            self.user,
            self.action,
            self.form_id,
            self.child_id,
            self.outcome,
            self.code,
        ]
        return json.dumps(fields, separators=(",", ":"), ensure_ascii=True).encode("ascii")


def entry_digest(previous: str, content: EntryContent) -> str:
    """Return the digest of an entry that follows the digest `previous`."""
    return hashlib.sha256(previous.encode("ascii") + b"\n" + content.canonical()).hexdigest()


@dataclass(frozen=True)
class ChainBreak:
    """Where the chain breaks and what that means."""

    entry_id: int | None
    problem: str

    def __str__(self) -> str:
        where = f"entry {self.entry_id}" if self.entry_id is not None else "the trail"
        return f"{where}: {self.problem}"


def verify_chain(
    entries: Iterable[tuple[EntryContent, str, str]], head: tuple[int, str] | None
) -> list[ChainBreak]:
    """Return every break in a trail of (content, previous digest, digest), read in id order,
    against its head (last id, last digest; None for a trail that never had an entry)."""
    breaks: list[ChainBreak] = []
    expected_previous, last_id = GENESIS, 0
    for content, previous, digest in entries:
        if previous != expected_previous:
            if content.id != last_id + 1:
                problem = f"entries after {last_id or 'the start'} and before it were removed"
            else:
                problem = f"its link to entry {last_id or 'the start'} was rewritten"
            breaks.append(ChainBreak(content.id, problem))
        if entry_digest(previous, content) != digest:
            breaks.append(
                ChainBreak(content.id, "its content does not match its digest: it was changed")
            )
        expected_previous, last_id = digest, content.id
    head_id, head_digest = head if head is not None else (0, GENESIS)
    if (last_id, expected_previous) != (head_id, head_digest):
        breaks.append(
            ChainBreak(
                None,
                f"ends at entry {last_id or 'none'} but its head records entry {head_id or 'none'}"
                ": entries were removed from the end, or the head was rewritten",
            )
        )
    return breaks
