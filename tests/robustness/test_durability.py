"""Durability of the reference: a write it acknowledged survives a SIGKILL and a restart.

The reference keeps SQLite in WAL mode with synchronous writes. One database lives through
every trial: each trial streams case notes at the running server, kills it with SIGKILL at a
random moment mid-stream, restarts it on the same database and reads back every note whose 201
arrived before any kill so far, and the approved form whose bytes were digested before the
first stream. The next trial kills the server this one started.
"""

from __future__ import annotations

import hashlib
import os
import random
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest
import yaml

from accredit.reference import free_port
from accredit.specs import load_specs
from tests.robustness.seeding import mandatory_answers

TRIALS = 20
SPECS = load_specs()


#: The trials share one database and one line of servers: keep them on one worker, in order.
pytestmark = pytest.mark.xdist_group("durability")


@dataclass
class Lineage:
    """One database and the server now running on it; each restart reissues the tokens."""

    database: Path
    folder: Path
    server: subprocess.Popen[bytes] | None = None
    base_url: str = ""
    tokens: dict[str, str] = field(default_factory=dict)
    child_id: int = 0
    form_id: int = 0
    digest: str = ""
    acknowledged: dict[int, str] = field(default_factory=dict)  # by every trial so far

    def start(self) -> None:
        """Start the reference on the database and wait until it answers."""
        profile, port = self.folder / "sut.yaml", free_port()
        profile.unlink(missing_ok=True)
        self.server = subprocess.Popen(
            [sys.executable, "-m", "accredit", "reference", "serve", "--port", str(port),
             "--db", str(self.database), "--profile-out", str(profile)],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True,
        )  # fmt: skip
        self.base_url = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 30
        while not _ready(self.base_url, profile):
            assert self.server.poll() is None, "the reference exited at start"
            assert time.monotonic() < deadline, "the reference did not start within 30 s"
            time.sleep(0.05)
        users = yaml.safe_load(profile.read_text())["users"]
        self.tokens = {key: user["token"] for key, user in users.items()}

    def kill(self) -> None:
        """SIGKILL the server and its process group; no shutdown of any kind."""
        if self.server is not None and self.server.poll() is None:
            os.killpg(self.server.pid, signal.SIGKILL)
        if self.server is not None:
            self.server.wait()


def _ready(base_url: str, profile: Path) -> bool:
    try:
        return profile.is_file() and httpx.get(f"{base_url}/health", timeout=1).status_code == 200
    except httpx.HTTPError:
        return False


def _client(base_url: str, token: str) -> httpx.Client:
    return httpx.Client(base_url=base_url, headers={"Authorization": f"Bearer {token}"}, timeout=5)


def _approved_form(base_url: str, tokens: dict[str, str], child_id: int) -> int:
    """Take a core assessment with every mandatory answer given through to approval."""
    form_spec = SPECS.forms["core_assessment"]
    with _client(base_url, tokens["sw_a"]) as author, _client(base_url, tokens["tm_a"]) as manager:
        form = author.post("/forms", json={"kind": "core_assessment", "child_id": child_id})
        assert form.status_code == 201, form.text
        body = form.json()
        answers = mandatory_answers(form_spec, body["age_band"])  # the child's band that day
        saved = author.patch(
            f"/forms/{body['id']}", json={"version": body["version"], "answers": answers}
        )
        assert saved.status_code == 200, saved.text
        assert author.post(f"/forms/{body['id']}/submit", json={}).status_code == 200
        approved = manager.post(f"/forms/{body['id']}/approve", json={})
        assert approved.status_code == 200, approved.text
        return int(body["id"])


def _stream_notes(base_url: str, token: str, child_id: int, acknowledged: dict[int, str],
                  stop: threading.Event) -> None:  # fmt: skip
    """Write notes one after another until the server dies; keep those acknowledged."""
    with _client(base_url, token) as client:
        n = 0
        while not stop.is_set():
            text = f"Visit note {n}: the child was seen at home and spoke about school. " * 3
            try:
                answer = client.post(f"/children/{child_id}/notes", json={"text": text})
            except httpx.HTTPError:
                return
            if answer.status_code == 201:
                acknowledged[int(answer.json()["id"])] = text
            n += 1


@pytest.fixture(scope="module")
def lineage(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Lineage]:
    """A running reference with a child and an approved form whose bytes are digested."""
    folder = tmp_path_factory.mktemp("durability")
    line = Lineage(folder / "reference.db", folder)
    line.start()
    try:
        with _client(line.base_url, line.tokens["sw_a"]) as client:
            child = client.post("/children", json={
                "given_name": "Wren", "family_name": "Millbeck", "date_of_birth": "2018-01-15",
                "sex": "female", "team": "A"})  # fmt: skip
            assert child.status_code == 201, child.text
            line.child_id = int(child.json()["id"])
            line.form_id = _approved_form(line.base_url, line.tokens, line.child_id)
            read = client.get(f"/forms/{line.form_id}")
            line.digest = hashlib.sha256(read.content).hexdigest()
        yield line
    finally:
        line.kill()


@pytest.mark.parametrize("trial", range(TRIALS))
def test_acknowledged_writes_survive_a_kill(lineage: Lineage, trial: int) -> None:
    rng = random.Random(trial)
    if lineage.server is None or lineage.server.poll() is not None:
        lineage.start()  # an earlier trial failed before its restart
    acknowledged: dict[int, str] = {}
    stop = threading.Event()
    writer = threading.Thread(
        target=_stream_notes,
        args=(lineage.base_url, lineage.tokens["sw_a"], lineage.child_id, acknowledged, stop),
    )
    writer.start()
    time.sleep(rng.uniform(0.2, 0.8))
    lineage.kill()
    stop.set()
    writer.join(timeout=10)
    assert acknowledged, "no write was acknowledged before the kill"
    lineage.acknowledged.update(acknowledged)

    lineage.start()
    with _client(lineage.base_url, lineage.tokens["sw_a"]) as client:
        notes = client.get(f"/children/{lineage.child_id}/notes")
        assert notes.status_code == 200
        kept = {int(n["id"]): n["text"] for n in notes.json()}
        lost = sorted(set(lineage.acknowledged) - set(kept))
        assert not lost, f"trial {trial}: {len(lost)} acknowledged notes lost: {lost[:10]}"
        damaged = [i for i, text in lineage.acknowledged.items() if kept[i] != text]
        assert not damaged, f"trial {trial}: notes changed by the restart: {damaged[:10]}"
        again = hashlib.sha256(client.get(f"/forms/{lineage.form_id}").content).hexdigest()
        assert again == lineage.digest, f"trial {trial}: the approved form changed across restarts"
