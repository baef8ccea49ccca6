"""Load profiles are validated specs; a short profile runs locust in its own process."""

from __future__ import annotations

import shutil
import sqlite3
from dataclasses import replace
from datetime import date
from pathlib import Path

import pytest
import yaml

from accredit._paths import specs_root
from accredit.errors import SpecError
from accredit.reference import running_reference
from accredit.specs import load_specs
from load.caseload import SCALES, Caseload
from load.into_reference import load_into_reference
from load.profiles import load_performance, read_performance
from load.runner import run_load

pytestmark = pytest.mark.alone  # load runs: nothing else on the machine


def test_the_shipped_profiles_name_only_known_operations() -> None:
    operations, profiles = load_performance()
    assert profiles and all(set(p.mix) <= set(operations) for p in profiles.values())


def test_an_unknown_operation_in_a_mix_is_one_line(tmp_path: Path) -> None:
    root = tmp_path / "specs"
    shutil.copytree(specs_root(), root)
    path = root / "performance.yaml"
    path.write_text(path.read_text().replace("mix: {open_child: 25", "mix: {open_chld: 25", 1))
    with pytest.raises(SpecError) as caught:
        load_performance(root)
    assert "profiles.smoke.mix: 'open_chld' is not an operation" in str(caught.value)
    assert "did you mean 'open_child'?" in str(caught.value)


@pytest.mark.parametrize("workers", [0, 2], ids=["one-process", "master-and-2-workers"])
def test_a_short_profile_measures_every_operation_within_budget(
    tmp_path: Path, workers: int
) -> None:
    """The same verdicts whether locust runs as one process or as a master and workers."""
    operations, profiles = load_performance()
    profile = replace(profiles["smoke"], users=10, duration_seconds=6)
    database = tmp_path / "reference.db"
    load_into_reference(Caseload(load_specs(), SCALES["small"], 3, date(2026, 11, 1)),
                        f"sqlite:///{database}")  # fmt: skip
    with sqlite3.connect(database) as db:
        forms = [row[0] for row in db.execute("SELECT id FROM forms")]
        # sw_a writes notes only on its own team's children (specs/access.yaml).
        children = [row[0] for row in db.execute(
            "SELECT id FROM children WHERE team = 'A' ORDER BY id LIMIT 200")]  # fmt: skip
        drafts = [row[0] for row in db.execute(
            "SELECT id FROM forms WHERE status = 'draft' AND author = 'sw_a' "
            "AND kind = 'initial_assessment'")]  # fmt: skip
    ids = {"child_id": children, "form_id": forms, "draft_form_id": drafts}
    with running_reference(database=database) as reference:
        token = yaml.safe_load(reference.profile.read_text())["users"]["sw_a"]["token"]
        measured = run_load(profile, operations, reference.base_url, token, ids,
                            "parents_views", tmp_path / "out",
                            phrases=read_performance().search_phrases,
                            workers=workers)  # fmt: skip
    assert set(measured) == set(profile.mix)
    for name, m in measured.items():
        assert m.requests > 0 and m.failures == 0, (name, m)
        assert m.p95_ms <= operations[name].budget.p95_ms, (name, m)
    log = (tmp_path / "out" / "locust-smoke.log").read_text()
    assert token not in log
    logs = [f for f in (tmp_path / "out").glob("requests-smoke.*.csv") if f.stat().st_size]
    assert len(logs) == max(1, workers), "the requests did not come from each locust process"
