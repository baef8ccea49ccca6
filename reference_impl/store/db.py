"""The database engine and sessions: a SQLite file by default, any SQLAlchemy URL allowed."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.pool import StaticPool

# Imported for their tables, so create_all makes them.
from reference_impl.store import casework as _casework  # noqa: F401
from reference_impl.store import sharing as _sharing  # noqa: F401
from reference_impl.store import statutory as _statutory  # noqa: F401
from reference_impl.store.note_search import install_note_index
from reference_impl.store.tables import Base

__all__ = ["make_engine", "make_sessions"]

#: How long a writer waits for another writer's lock before giving up.
SQLITE_BUSY_TIMEOUT_SECONDS = 30


def make_engine(database_url: str) -> Engine:
    """Return an engine for `database_url` with the tables created.

    A SQLite file runs in WAL mode with synchronous=FULL, so a committed change survives a
    power cut; an in-memory SQLite database is shared by every thread of the process. Case
    notes get their full-text index (store/note_search.py).
    """
    url = make_url(database_url)
    options: dict[str, Any] = {}
    if url.get_backend_name() == "sqlite":
        options["connect_args"] = {
            "check_same_thread": False,
            "timeout": SQLITE_BUSY_TIMEOUT_SECONDS,
        }
        if url.database in (None, "", ":memory:"):
            options["poolclass"] = StaticPool
    engine = create_engine(url, **options)
    if url.get_backend_name() == "sqlite":
        event.listen(engine, "connect", _sqlite_pragmas)
    Base.metadata.create_all(engine)
    install_note_index(engine)
    return engine


def _sqlite_pragmas(connection: Any, _record: Any) -> None:
    cursor = connection.cursor()
    try:
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=FULL")
        cursor.execute("PRAGMA foreign_keys=ON")
    finally:
        cursor.close()


def make_sessions(engine: Engine) -> sessionmaker[Session]:
    """Return the session factory the API uses: one session per request."""
    return sessionmaker(engine, expire_on_commit=True)
