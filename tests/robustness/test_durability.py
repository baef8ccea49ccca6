"""Durability of the reference: a write it acknowledged survives a SIGKILL and a restart.

The reference keeps SQLite in WAL mode with synchronous writes. Each trial streams case notes
at the server, kills it with SIGKILL at a random moment mid-stream, restarts it on the same
database and reads back every note whose 201 arrived before the kill, and the approved form
whose bytes were digested before the stream began.
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
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest
import yaml

from accredit.reference import free_port
from accredit.specs import load_specs
from tests.robustness.seeding import mandatory_answers

TRIALS = 20
SPECS = load_specs()


@contextmanager
def reference(
    database: Path, folder: Path
) -> Iterator[tuple[subprocess.Popen[bytes], str, dict[str, str]]]:
    """Start the reference on `database`; yield the process, its URL and fresh tokens."""
    profile, port = folder / "sut.yaml", free_port()
    profile.unlink(missing_ok=True)
    server = subprocess.Popen(
        [sys.executable, "-m", "accredit", "reference", "serve", "--port", str(port),
         "--db", str(database), "--profile-out", str(profile)],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True,
    )  # fmt: skip
    base_url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while not _ready(base_url, profile):
            assert server.poll() is None, "the reference exited at start"
            assert time.monotonic() < deadline, "the reference did not start within 30 s"
            time.sleep(0.05)
        users = yaml.safe_load(profile.read_text())["users"]
        yield server, base_url, {key: user["token"] for key, user in users.items()}
    finally:
        if server.poll() is None:
            os.killpg(server.pid, signal.SIGKILL)
        server.wait()


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


@pytest.mark.parametrize("trial", range(TRIALS))
def test_acknowledged_writes_survive_a_kill(tmp_path: Path, trial: int) -> None:
    database = tmp_path / "reference.db"
    rng = random.Random(trial)
    acknowledged: dict[int, str] = {}
    with reference(database, tmp_path) as (server, base_url, tokens):
        with _client(base_url, tokens["sw_a"]) as client:
            child = client.post("/children", json={
                "given_name": "Wren", "family_name": "Millbeck", "date_of_birth": "2018-01-15",
                "sex": "female", "team": "A"})  # fmt: skip
            assert child.status_code == 201, child.text
            child_id = int(child.json()["id"])
            form_id = _approved_form(base_url, tokens, child_id)
            digest = hashlib.sha256(client.get(f"/forms/{form_id}").content).hexdigest()
        stop = threading.Event()
        writer = threading.Thread(
            target=_stream_notes, args=(base_url, tokens["sw_a"], child_id, acknowledged, stop)
        )
        writer.start()
        time.sleep(rng.uniform(0.2, 0.8))
        os.killpg(server.pid, signal.SIGKILL)
        server.wait()
        stop.set()
        writer.join(timeout=10)
    assert acknowledged, "no write was acknowledged before the kill"

    with (
        reference(database, tmp_path) as (_, base_url, tokens),
        _client(base_url, tokens["sw_a"]) as client,
    ):
        notes = client.get(f"/children/{child_id}/notes")
        assert notes.status_code == 200
        kept = {int(n["id"]): n["text"] for n in notes.json()}
        lost = sorted(set(acknowledged) - set(kept))
        assert not lost, f"trial {trial}: {len(lost)} acknowledged notes lost: {lost[:10]}"
        damaged = [i for i, text in acknowledged.items() if kept[i] != text]
        assert not damaged, f"trial {trial}: notes changed by the restart: {damaged[:10]}"
        again = hashlib.sha256(client.get(f"/forms/{form_id}").content).hexdigest()
        assert again == digest, f"trial {trial}: the approved form changed across the restart"
