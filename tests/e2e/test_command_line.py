"""The `accredit` command: exit codes and one-line errors a user or a CI system can act on."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import yaml

from accredit.reference import free_port
from accredit.specs import load_specs


def accredit(*args: str, timeout: float = 300) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "accredit", *args],
        capture_output=True, text=True, timeout=timeout, check=False,
    )  # fmt: skip


def profile_at(tmp_path: Path, base_url: str, **extra: object) -> Path:
    path = tmp_path / "sut.yaml"
    users = {u.key: {"token": f"t-{u.key}"} for u in load_specs().users.required_users}
    document = {"product": "Nothing", "version": "0", "base_url": base_url, "users": users}
    path.write_text(yaml.safe_dump({**document, **extra}))
    return path


def test_demo_with_a_planted_fault_exits_1_and_says_where(tmp_path: Path) -> None:
    done = accredit("demo", "--fault", "lock-bypass", "--out", str(tmp_path), "--seed", "7")
    assert done.returncode == 1, done.stderr
    assert "MUST requirements not passed: LD-001" in done.stdout
    assert f"open {tmp_path / 'report.html'}" in done.stdout
    assert (tmp_path / "results.json").is_file()


def test_an_unreachable_sut_is_one_line_and_exit_3(tmp_path: Path) -> None:
    profile = profile_at(tmp_path, f"http://127.0.0.1:{free_port()}", timeout_seconds=2)
    done = accredit("run", "--sut", str(profile), "--out", str(tmp_path / "out"))
    assert done.returncode == 3
    assert done.stderr.count("\n") == 1 and "does not answer" in done.stderr
    assert not (tmp_path / "out" / "results.json").exists()


def test_a_missing_profile_is_one_line_and_exit_2(tmp_path: Path) -> None:
    done = accredit("run", "--sut", str(tmp_path / "none.yaml"), "--out", str(tmp_path))
    assert done.returncode == 2
    assert done.stderr == f"error: {tmp_path / 'none.yaml'}: SUT profile not found\n"


def test_an_unknown_category_suggests_the_right_one(tmp_path: Path) -> None:
    profile = profile_at(tmp_path, "http://127.0.0.1:9")
    done = accredit("run", "--sut", str(profile), "--out", str(tmp_path), "--only", "lockdwn")
    assert done.returncode == 2
    assert "did you mean 'lockdown'?" in done.stderr and done.stderr.count("\n") == 1


def test_an_unknown_fault_is_refused(tmp_path: Path) -> None:
    done = accredit("demo", "--fault", "lock-bypas", "--out", str(tmp_path))
    assert done.returncode == 2
    assert "did you mean 'lock-bypass'?" in done.stderr and done.stderr.count("\n") == 1


def test_a_bad_argument_is_one_line_and_exit_2() -> None:
    done = accredit("run", "--out")
    assert done.returncode == 2
    assert done.stderr.count("\n") == 1 and done.stderr.startswith("error: accredit run:")


def test_faults_lists_each_fault_with_the_requirement_that_catches_it() -> None:
    done = accredit("faults")
    assert done.returncode == 0
    catches = load_specs().catalogue.faults()
    for fault, requirements in catches.items():
        line = next((ln for ln in done.stdout.splitlines() if ln.startswith(fault + " ")), "")
        assert all(r in line for r in requirements), f"{fault}: {line!r}"
