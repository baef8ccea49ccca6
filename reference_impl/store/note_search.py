"""Full-text search of a child's case notes: an SQLite FTS5 index kept in step by triggers.

The index is an external-content FTS5 table over `notes`, with the child's id as a column of
its own, so a search of one record is an AND of two index lookups (the child, the phrase) and
its cost does not grow with the number of notes in the database. Triggers keep it in step with
every insert, update and delete, whoever writes the row: the API, or a bulk load straight into
the database. On other databases the search falls back to a case-insensitive LIKE on the
child's notes (a child has tens of notes, not millions).
"""

from __future__ import annotations

import re

from sqlalchemy import Connection, Engine, func, select, text
from sqlalchemy.orm import Session

from reference_impl.store.tables import Note

__all__ = ["fts_phrase", "install_note_index", "search_notes"]

#: The FTS5 table and its triggers; every statement is idempotent.
_DDL = (
    "CREATE VIRTUAL TABLE IF NOT EXISTS notes_fts USING fts5("
    "child_id, text, content='notes', content_rowid='id')",
    "CREATE TRIGGER IF NOT EXISTS notes_fts_insert AFTER INSERT ON notes BEGIN "
    "INSERT INTO notes_fts(rowid, child_id, text) VALUES (new.id, new.child_id, new.text); END",
    "CREATE TRIGGER IF NOT EXISTS notes_fts_delete AFTER DELETE ON notes BEGIN "
    "INSERT INTO notes_fts(notes_fts, rowid, child_id, text) "
    "VALUES ('delete', old.id, old.child_id, old.text); END",
    "CREATE TRIGGER IF NOT EXISTS notes_fts_update AFTER UPDATE ON notes BEGIN "
    "INSERT INTO notes_fts(notes_fts, rowid, child_id, text) "
    "VALUES ('delete', old.id, old.child_id, old.text); "
    "INSERT INTO notes_fts(rowid, child_id, text) VALUES (new.id, new.child_id, new.text); END",
)
_WORD = re.compile(r"\w+")


def install_note_index(engine: Engine) -> None:
    """Create the notes' full-text index and its triggers (SQLite only; a no-op elsewhere).

    A database that already holds notes but no index (made before the index existed) has the
    index rebuilt from the notes once.
    """
    if engine.dialect.name != "sqlite":
        return
    with engine.begin() as connection:
        existed = _has_index(connection)
        for statement in _DDL:
            connection.execute(text(statement))
        if not existed:
            connection.execute(text("INSERT INTO notes_fts(notes_fts) VALUES ('rebuild')"))


def _has_index(connection: Connection) -> bool:
    found = connection.execute(
        text("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'notes_fts'")
    ).first()
    return found is not None


def fts_phrase(query: str) -> str | None:
    """Return `query` as one FTS5 phrase of its words (None if it has no word), so nothing the
    user typed is read as FTS5 syntax."""
    words = _WORD.findall(query)
    return '"' + " ".join(words) + '"' if words else None


def search_notes(session: Session, child_id: int, query: str, limit: int) -> list[Note]:
    """Return the child's notes that contain the words of `query` in order, oldest first."""
    phrase = fts_phrase(query)
    if phrase is None:
        return []
    if session.get_bind().dialect.name == "sqlite":
        match = f'child_id : "{child_id}" AND text : {phrase}'
        hits = text("SELECT rowid FROM notes_fts WHERE notes_fts MATCH :match").bindparams(
            match=match
        )
        ids = list(session.scalars(hits))
        statement = (
            select(Note)
            .where(Note.id.in_(ids), Note.child_id == child_id)
            .order_by(Note.id)
            .limit(limit)
        )
    else:
        pattern = "%" + " ".join(_WORD.findall(query)).lower() + "%"
        statement = (
            select(Note)
            .where(Note.child_id == child_id, func.lower(Note.text).like(pattern))
            .order_by(Note.id)
            .limit(limit)
        )
    return list(session.scalars(statement))
