"""Load a caseload straight into the reference implementation's database.

A supplier's product is loaded through the conformance API; the reference can also be filled
directly, in large committed batches, so a county-sized caseload is ready in minutes.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from itertools import islice
from typing import Any

from sqlalchemy import Engine, func, insert, select

from load.caseload import Caseload
from reference_impl.store.db import make_engine
from reference_impl.store.tables import Child, Form, Note, SiblingGroup

__all__ = ["LoadReport", "load_into_reference"]

BATCH = 20_000


@dataclass(frozen=True)
class LoadReport:
    rows: dict[str, int]
    seconds: float

    @property
    def rows_per_second(self) -> float:
        return sum(self.rows.values()) / self.seconds if self.seconds else 0.0


def load_into_reference(caseload: Caseload, database_url: str) -> LoadReport:
    """Insert the caseload into an empty reference database; return rows written and time."""
    engine = make_engine(database_url)
    _refuse_if_not_empty(engine)
    started = time.monotonic()
    now = datetime.now(UTC)
    rows: dict[str, int] = {}
    managers = {u.team: u.key for u in caseload.specs.users.required_users
                if u.role == "team_manager"}  # fmt: skip
    workers = {u.team: u.key for u in caseload.specs.users.required_users
               if u.role == "social_worker"}  # fmt: skip

    group_of: dict[int, int] = {}
    groups = []
    for group_id, members in enumerate(caseload.families(), start=1):
        groups.append({"id": group_id, "created_at": now})
        group_of.update(dict.fromkeys(members, group_id))
    rows["sibling_groups"] = _insert(engine, SiblingGroup, groups)

    team_of: dict[int, str] = {}

    def children() -> Iterator[dict[str, Any]]:
        for child in caseload.children():
            team_of[child.number] = child.team
            yield {
                "id": child.number,
                "given_name": child.given_name,
                "family_name": child.family_name,
                "date_of_birth": child.date_of_birth,
                "sex": child.sex,
                "team": child.team,
                "sibling_group_id": group_of.get(child.number),
                "created_at": now,
            }

    rows["children"] = _insert(engine, Child, children())

    def forms() -> Iterator[dict[str, Any]]:
        for form in caseload.forms():
            team = team_of[form.child]
            submitted = form.status in ("submitted", "approved")
            approved = form.status == "approved"
            yield {
                "kind": form.kind,
                "child_id": form.child,
                "age_band": form.age_band,
                "status": form.status,
                "version": 3 if approved else 2 if submitted else 1,
                "author": workers[team],
                "started_on": form.started_on,
                "created_at": now,
                "updated_at": now,
                "submitted_at": now if submitted else None,
                "approved_at": now if approved else None,
                "approved_by": managers[team] if approved else None,
                "returned_reason": None,
                "answers": form.answers,
            }

    rows["forms"] = _insert(engine, Form, forms())

    def notes() -> Iterator[dict[str, Any]]:
        for note in caseload.notes():
            yield {
                "child_id": note.child,
                "author": workers[team_of[note.child]],
                "text": note.text,
                "occurred_on": note.occurred_on,
                "created_at": now,
            }

    rows["notes"] = _insert(engine, Note, notes())
    engine.dispose()
    return LoadReport(rows, time.monotonic() - started)


def _refuse_if_not_empty(engine: Engine) -> None:
    with engine.connect() as connection:
        if connection.execute(select(func.count()).select_from(Child)).scalar_one():
            raise ValueError(
                "the reference database already holds children: load into an empty one"
            )


def _insert(engine: Engine, table: Any, rows: Iterable[dict[str, Any]]) -> int:
    """Insert rows in committed batches; return how many."""
    count = 0
    iterator = iter(rows)
    while batch := list(islice(iterator, BATCH)):
        with engine.begin() as connection:
            connection.execute(insert(table), batch)
        count += len(batch)
    return count
