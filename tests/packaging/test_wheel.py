"""A plain `pip install .` gives an `accredit` that finds its specs and suites and runs."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from accredit.specs import load_specs

ROOT = Path(__file__).resolve().parents[2]


def run(
    *command: str | Path, cwd: Path | None = None, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    done = subprocess.run(
        [str(c) for c in command], capture_output=True, text=True, cwd=cwd, timeout=300,
        check=False, env=None if env is None else {**os.environ, **env},
    )  # fmt: skip
    assert done.returncode in (0, 1), f"{command}: {done.returncode}\n{done.stdout}\n{done.stderr}"
    return done


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A fresh virtualenv with the project installed from a built wheel, not editable."""
    uv = shutil.which("uv", path=str(Path(sys.executable).parent))
    if uv is None:
        pytest.skip("uv is not in the project's virtualenv: run `make setup`")
    work = tmp_path_factory.mktemp("wheel")
    run(uv, "build", "--wheel", "--out-dir", work / "dist", ROOT, cwd=work)
    wheel = next((work / "dist").glob("ics_accredit-*.whl"))
    run(uv, "venv", "--quiet", "--python", sys.executable, work / "venv")
    run(uv, "pip", "install", "--quiet", "--python", work / "venv" / "bin" / "python", wheel)
    return work / "venv" / "bin"


def test_the_installed_command_finds_its_specs(installed: Path, tmp_path: Path) -> None:
    done = run(installed / "accredit", "specs", cwd=tmp_path)
    assert "site-packages/accredit/_bundled/specs" in done.stdout
    assert f"{len(load_specs().catalogue.requirements)} requirements" in done.stdout


def test_the_installed_demo_runs_its_bundled_suites(installed: Path, tmp_path: Path) -> None:
    # One category end to end is enough to show the installed suites run; the end-to-end
    # tests run every category from the source tree.
    # Installed elsewhere, the returns suite finds the validators' environment by name.
    validators = ROOT / ".venv-validators" / "bin" / "python"
    done = run(installed / "accredit", "demo", "--out", tmp_path / "out", "--seed", "3",
               "--only", "functional", "--no-pdf", cwd=tmp_path,
               env={"ACCREDIT_VALIDATORS_PYTHON": str(validators)})  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr
    assert "every MUST requirement passed" in done.stdout
    assert (tmp_path / "out" / "report.html").is_file()


def test_the_installed_suites_of_every_category_are_collected(
    installed: Path, tmp_path: Path
) -> None:
    """Every requirement has its tests in the installed suites (the load package included)."""
    done = run(installed / "accredit", "requirements", "--coverage", "--json", cwd=tmp_path)
    document = json.loads(done.stdout)
    untested = [r["id"] for r in document["requirements"] if not r["tests"]]
    assert not untested, f"no installed test for {untested}"
