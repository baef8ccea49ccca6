"""Honesty of measurement: the harness's locust run costs little against a bare locust.

The same reads, the same users, no think time, against the same reference: a bare locustfile
run by hand and the harness's run (plan, per-request log, checks), alternated in short runs so
machine noise falls on both alike. The median ratio of requests per second is printed; the
assertion is generous because a shared 2-core machine is noisy (README gives measured figures).
"""

from __future__ import annotations

import csv
import os
import signal
import sqlite3
import statistics
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest
import yaml

from accredit.reference import running_reference
from accredit.specs import load_specs
from load.caseload import SCALES, Caseload
from load.into_reference import load_into_reference
from load.profiles import LoadProfile, load_performance
from load.runner import run_load

pytestmark = pytest.mark.alone  # load runs: nothing else on the machine

BARE = Path(__file__).with_name("bare_locustfile.py")
USERS, SECONDS, ROUNDS = 10, 6, 3
#: What the test tolerates on a noisy machine; the issue's target is 5 % (see README figures).
WORST_RATIO = 0.80


def _bare(base_url: str, token: str, children: list[int], forms: list[int], out: Path) -> float:
    prefix = out / "bare"
    environment = {**os.environ, "BARE_TOKEN": token,
                   "BARE_CHILD_IDS": ",".join(map(str, children)),
                   "BARE_FORM_IDS": ",".join(map(str, forms))}  # fmt: skip
    command = [sys.executable, "-m", "locust", "-f", str(BARE), "--host", base_url,
               "--headless", "-u", str(USERS), "-r", str(USERS), "-t", f"{SECONDS}s",
               "--csv", str(prefix), "--only-summary", "--loglevel", "WARNING"]  # fmt: skip
    with subprocess.Popen(
        command,
        env=environment,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    ) as process:
        try:
            process.wait(timeout=SECONDS + 30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            raise
    with (out / "bare_stats.csv").open(newline="") as handle:
        rows = {r["Name"]: r for r in csv.DictReader(handle)}
    return float(rows["Aggregated"]["Requests/s"])


def test_the_harness_costs_little_against_a_bare_locust(tmp_path: Path) -> None:
    operations, _ = load_performance()
    profile = LoadProfile("honesty", "bare vs harness", USERS, USERS, SECONDS, (0.0, 0.0),
                          {"open_child": 1, "read_form": 1})  # fmt: skip
    database = tmp_path / "reference.db"
    load_into_reference(Caseload(load_specs(), SCALES["small"], 3, date(2026, 11, 1)),
                        f"sqlite:///{database}")  # fmt: skip
    with sqlite3.connect(database) as db:
        forms = [row[0] for row in db.execute("SELECT id FROM forms")]
    children = list(range(1, SCALES["small"].children + 1))
    ratios = []
    with running_reference(database=database) as reference:
        token = yaml.safe_load(reference.profile.read_text())["users"]["sw_a"]["token"]
        for round_ in range(ROUNDS):
            out = tmp_path / f"round{round_}"
            out.mkdir()
            bare = _bare(reference.base_url, token, children, forms, out)
            measured = run_load(profile, operations, reference.base_url, token,
                                {"child_id": children, "form_id": forms, "draft_form_id": forms},
                                "", out)  # fmt: skip
            ratios.append(sum(m.requests_per_second for m in measured.values()) / bare)
    ratio = statistics.median(ratios)
    print(f"\nharness / bare locust requests per second: median {ratio:.3f} of {ratios}")
    assert ratio >= WORST_RATIO, f"the harness reached {ratio:.0%} of a bare locust's rate"
