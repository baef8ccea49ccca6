"""The audit trail is hash-chained: a row changed or removed in the database itself is found.

The trail is written by a real reference server under concurrent requests, so the chain is
shown to hold when attempts race; then the database file is tampered with directly, the way an
administrator with access to the disk could, and `accredit reference verify-audit` must say so.
"""

from __future__ import annotations

import shutil
import sqlite3
import subprocess
import sys
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, date, datetime
from pathlib import Path

import httpx
import pytest
import yaml

from accredit.reference import running_reference
from reference_impl.domain.audit_chain import GENESIS, EntryContent, entry_digest, verify_chain

WRITERS = 8
ATTEMPTS_PER_WRITER = 6


def verify_audit(database: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "accredit", "reference", "verify-audit", "--db", str(database)],
        capture_output=True,
        text=True,
        timeout=60,
    )


@pytest.fixture(scope="module")
def audited_database(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A reference database whose trail holds allowed and refused attempts made concurrently."""
    database = tmp_path_factory.mktemp("audit") / "reference.db"
    with running_reference(database=database) as reference:
        users = yaml.safe_load(reference.profile.read_text())["users"]

        def client(key: str) -> httpx.Client:
            headers = {"Authorization": f"Bearer {users[key]['token']}"}
            return httpx.Client(base_url=reference.base_url, headers=headers, timeout=30)

        with client("sw_a") as author:
            child = author.post(
                "/children",
                json={
                    "given_name": "Tamsin",
                    "family_name": "Orrell",
                    "date_of_birth": date(2018, 3, 9).isoformat(),
                    "sex": "female",
                    "team": "A",
                },
            ).json()
            form = author.post("/forms", json={"kind": "core_assessment", "child_id": child["id"]})
            form_id = form.json()["id"]

        def writer(key: str) -> list[int]:
            statuses = []
            with client(key) as user:
                for _ in range(ATTEMPTS_PER_WRITER):
                    # sw_a may save (allowed or a version conflict); the others are refused.
                    sent = user.patch(f"/forms/{form_id}", json={"version": 1, "answers": {}})
                    statuses.append(sent.status_code)
            return statuses

        keys = ["sw_a", "partner", "auditor", "sw_b"] * (WRITERS // 4)
        with ThreadPoolExecutor(WRITERS) as pool:
            statuses = [s for done in pool.map(writer, keys) for s in done]
        assert all(s < 500 for s in statuses), f"a 5xx under concurrent attempts: {statuses}"
    return database


def test_a_trail_written_under_concurrent_attempts_verifies(audited_database: Path) -> None:
    done = verify_audit(audited_database)
    assert done.returncode == 0, done.stdout + done.stderr
    # The child is not audited (no form); the form's creation and every attempt are.
    expected = 1 + WRITERS * ATTEMPTS_PER_WRITER
    assert f"verified: {expected} audit entries" in done.stdout


def tampered(database: Path, folder: Path, statement: str) -> Path:
    copy = folder / "tampered.db"
    shutil.copyfile(database, copy)
    with sqlite3.connect(copy) as connection:
        connection.execute(statement)
    return copy


@pytest.mark.parametrize(
    ("statement", "found"),
    [
        ("UPDATE audit_entries SET outcome = 'allowed' WHERE outcome = 'refused' AND id = "
         "(SELECT MIN(id) FROM audit_entries WHERE outcome = 'refused')", "was changed"),
        ("UPDATE audit_entries SET user = 'admin' WHERE id = 1", "was changed"),
        ("DELETE FROM audit_entries WHERE id = 3", "were removed"),
        ("DELETE FROM audit_entries WHERE id = (SELECT MAX(id) FROM audit_entries)",
         "removed from the end"),
    ],
    ids=["refusal-made-allowed", "user-rewritten", "row-removed", "last-row-removed"],
)  # fmt: skip
def test_a_tampered_row_is_found(
    audited_database: Path, tmp_path: Path, statement: str, found: str
) -> None:
    done = verify_audit(tampered(audited_database, tmp_path, statement))
    assert done.returncode == 1, done.stdout
    assert "TAMPERED" in done.stdout and found in done.stdout, done.stdout


def test_a_rewritten_digest_is_found_by_the_next_link(
    audited_database: Path, tmp_path: Path
) -> None:
    """Re-hashing a changed row is not enough: the next entry still names the old digest."""
    with sqlite3.connect(f"file:{audited_database}?mode=ro", uri=True) as connection:
        row = connection.execute(
            "SELECT id, at, action, form_id, child_id, outcome, code, previous_digest "
            "FROM audit_entries WHERE id = 2"
        ).fetchone()
    at = datetime.fromisoformat(row[1]).replace(tzinfo=UTC)
    forged = EntryContent(row[0], at, "admin", *row[2:7])
    digest = entry_digest(row[7], forged)
    statement = f"UPDATE audit_entries SET user = 'admin', digest = '{digest}' WHERE id = 2"
    done = verify_audit(tampered(audited_database, tmp_path, statement))
    assert done.returncode == 1
    assert "entry 3: its link to entry 2 was rewritten" in done.stdout, done.stdout
    assert "entry 2" not in done.stdout.replace("link to entry 2", ""), "the forged row verifies"


@pytest.mark.parametrize(
    ("make", "problem"),
    [
        (lambda folder: folder / "missing.db", "no such database file"),
        (lambda folder: _written(folder / "notes.txt", b"not a database"), "not a SQLite database"),
        (lambda folder: _empty_sqlite(folder / "other.db"), "not a reference database"),
    ],
    ids=["missing", "not-sqlite", "other-database"],
)
def test_a_wrong_database_is_one_line_and_exit_2(
    tmp_path: Path, make: Callable[[Path], Path], problem: str
) -> None:
    done = verify_audit(make(tmp_path))
    assert done.returncode == 2
    assert problem in done.stderr and len(done.stderr.strip().splitlines()) == 1, done.stderr


def _written(path: Path, content: bytes) -> Path:
    path.write_bytes(content)
    return path


def _empty_sqlite(path: Path) -> Path:
    with sqlite3.connect(path) as connection:
        connection.execute("CREATE TABLE t (x)")
    return path


def test_the_chain_rule_itself() -> None:
    at = datetime(2026, 11, 22, 9, 30, tzinfo=UTC)
    first = EntryContent(1, at, "sw_a", "create_form", 1, 1, "allowed", None)
    second = EntryContent(2, at, "admin", "approve", 1, 1, "refused", "four_eyes")
    d1 = entry_digest(GENESIS, first)
    d2 = entry_digest(d1, second)
    assert verify_chain([(first, GENESIS, d1), (second, d1, d2)], (2, d2)) == []
    assert verify_chain([], None) == []
    assert [b.entry_id for b in verify_chain([(second, d1, d2)], (2, d2))] == [2]
