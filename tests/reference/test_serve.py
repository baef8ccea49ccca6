"""The reference served over real HTTP: tokens reach only the profile, which only its owner
reads, and a restart with a new profile rotates them."""

from __future__ import annotations

import stat
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import yaml

from accredit.reference import free_port
from accredit.specs import load_specs
from reference_impl.app import create_app, issue_tokens
from reference_impl.serve import base_url_for
from reference_impl.settings import Settings
from tests.reference.conftest import client_for

DEADLINE_SECONDS = 20.0
CHILD = {
    "given_name": "Wren", "family_name": "Glenmoor", "date_of_birth": "2017-07-14",
    "sex": "unknown", "team": "A",
}  # fmt: skip


@contextmanager
def served(db: Path, profile: Path, log: Path) -> Iterator[str]:
    """Run `serve()` in a child process on a free port; yield its base URL; stop it after."""
    port = free_port()
    code = (
        "import sys; from pathlib import Path; from reference_impl.serve import serve; "
        f"serve({port}, Path(sys.argv[1]), set(), profile_out=Path(sys.argv[2]))"
    )
    with (
        log.open("ab") as sink,
        subprocess.Popen(
            [sys.executable, "-c", code, str(db), str(profile)], stdout=sink, stderr=sink
        ) as server,
    ):
        try:
            base_url = f"http://127.0.0.1:{port}"
            deadline = time.monotonic() + DEADLINE_SECONDS
            while True:
                assert server.poll() is None, log.read_text()
                try:
                    if httpx.get(f"{base_url}/health", timeout=1).status_code == 200:
                        break
                except httpx.TransportError:
                    assert time.monotonic() < deadline, "the reference did not start"
                    time.sleep(0.05)
            yield base_url
        finally:
            server.terminate()
            server.wait(timeout=10)


def test_serve_writes_a_private_profile_whose_tokens_work(tmp_path: Path) -> None:
    db, profile, log = tmp_path / "ref.db", tmp_path / "out" / "sut.yaml", tmp_path / "log"
    with served(db, profile, log) as base_url:
        document = yaml.safe_load(profile.read_text())
        assert stat.S_IMODE(profile.stat().st_mode) == 0o600
        assert document["product"] == "ICS reference implementation"
        assert document["base_url"] == base_url
        required = {u.key for u in load_specs().users.required_users}
        assert set(document["users"]) == required
        token = document["users"]["sw_a"]["token"]
        auth = {"Authorization": f"Bearer {token}"}
        created = httpx.post(f"{base_url}/children", json=CHILD, headers=auth)
        assert created.status_code == 201, created.text
    logged = log.read_text()
    assert "Uvicorn running" in logged or "Application startup complete" in logged
    assert not [t for t in document["users"].values() if t["token"] in logged], "a token logged"


def test_new_tokens_replace_the_old_and_the_data_stays(tmp_path: Path) -> None:
    """What `serve(profile_out=...)` does at each start, on one database file."""
    settings = Settings(database_url=f"sqlite:///{tmp_path / 'ref.db'}")
    first = create_app(settings)
    old = issue_tokens(first)
    with client_for(first) as client:
        auth = {"Authorization": f"Bearer {old['sw_a']}"}
        assert client.post("/children", json=CHILD, headers=auth).status_code == 201
    second = create_app(settings)
    new = issue_tokens(second)
    assert all(new[key] != token for key, token in old.items())
    with client_for(second) as client:
        stale = client.get("/children/1", headers={"Authorization": f"Bearer {old['sw_a']}"})
        assert stale.status_code == 401
        read = client.get("/children/1", headers={"Authorization": f"Bearer {new['sw_a']}"})
        assert read.json()["date_of_birth"] == CHILD["date_of_birth"]
    stored = (tmp_path / "ref.db").read_bytes().decode("latin-1")
    assert not [t for t in [*old.values(), *new.values()] if t in stored], "a token stored"


def test_the_base_url_is_reachable_from_this_machine() -> None:
    assert base_url_for("0.0.0.0", 8000) == "http://127.0.0.1:8000"
    assert base_url_for("::1", 8000) == "http://[::1]:8000"
    assert base_url_for("ics.example", 80) == "http://ics.example:80"
