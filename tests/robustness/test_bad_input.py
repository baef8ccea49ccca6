"""The reference under generated bad input: never a 5xx, and every refusal names its problem.

Schemathesis generates requests from the served OpenAPI contract — valid ones and, in its
negative mode, ones that break it — against a real reference server seeded with records in
every lifecycle state, as a team-A social worker and as the partner agency.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import httpx
import pytest
import yaml

from accredit.reference import running_reference
from accredit.specs import load_specs
from tests.robustness.refusal_checks import EXISTING
from tests.robustness.seeding import mandatory_answers

BUDGET_SECONDS = 20
SEED = 20261122


def _seed(base_url: str, tokens: dict[str, str]) -> None:
    """Children 1..N with siblings and notes; forms 1..N across draft, submitted, approved."""
    form = load_specs().forms["initial_assessment"]
    answers = mandatory_answers(form, form.bands[0])
    sw = httpx.Client(base_url=base_url, headers={"Authorization": f"Bearer {tokens['sw_a']}"})
    tm = httpx.Client(base_url=base_url, headers={"Authorization": f"Bearer {tokens['tm_a']}"})
    with sw, tm:
        for n in range(EXISTING):
            child = {"given_name": "Seren", "family_name": "Oakhurst", "sex": "female",
                     "date_of_birth": f"201{n}-03-0{n + 1}", "team": "A"}  # fmt: skip
            assert sw.post("/children", json=child).status_code == 201
            assert sw.post(f"/children/{n + 1}/notes", json={"text": "Visit."}).status_code == 201
        assert sw.post("/sibling-groups", json={"child_ids": [1, 2]}).status_code == 201
        for n in range(EXISTING):
            made = sw.post("/forms", json={"kind": "initial_assessment", "child_id": n + 1})
            assert made.status_code == 201, made.text
            saved = sw.patch(f"/forms/{n + 1}", json={"version": 1, "answers": answers})
            assert saved.status_code == 200, saved.text
            if n % 3:
                assert sw.post(f"/forms/{n + 1}/submit", json={}).status_code == 200
            if n % 3 == 2:
                assert tm.post(f"/forms/{n + 1}/approve", json={}).status_code == 200


@pytest.mark.parametrize("user", ["sw_a", "partner"])
def test_generated_requests_never_meet_a_server_error(tmp_path: Path, user: str) -> None:
    with running_reference() as reference:
        users = yaml.safe_load(reference.profile.read_text())["users"]
        tokens = {key: value["token"] for key, value in users.items()}
        _seed(reference.base_url, tokens)
        environment = {**os.environ, "SCHEMATHESIS_HOOKS": "tests.robustness.refusal_checks",
                       "PYTHONPATH": str(Path(__file__).resolve().parents[2])}  # fmt: skip
        done = subprocess.run(
            [sys.executable, "-m", "schemathesis.cli", "run", f"{reference.base_url}/openapi.json",
             "-H", f"Authorization: Bearer {tokens[user]}",
             "--checks", "not_a_server_error,refusal_names_the_problem",
             "--max-time", str(BUDGET_SECONDS), "--seed", str(SEED), "--no-color"],
            capture_output=True, text=True, timeout=BUDGET_SECONDS * 4, env=environment,
            cwd=tmp_path, check=False,
        )  # fmt: skip
    output = done.stdout + done.stderr
    for token in tokens.values():
        output = output.replace(token, "[token]")
    generated = re.search(r"(\d+) generated", output)
    assert done.returncode == 0, output[-4000:]
    assert generated and int(generated.group(1)) > 100, (
        f"too few cases generated:\n{output[-2000:]}"
    )
    print(f"as {user}: {generated.group(1)} generated requests, none answered 5xx")  # README
