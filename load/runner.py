"""Run a load profile with locust in its own processes and hold each operation to its budget.

Locust patches the process it runs in (gevent), so it never runs inside the harness: the runner
writes a plan to a private folder, starts `locust --headless` (one process, or a master and N
workers, which may also be started on other machines), bounds it by the profile's duration
plus a margin, and reads locust's CSV statistics back into per-operation measurements.
"""

from __future__ import annotations

import csv
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote

from accredit.reference import free_port
from load.profiles import LoadProfile, Operation

__all__ = ["Measurement", "measure", "run_load"]

LOCUSTFILE = Path(__file__).with_name("locustfile.py")
#: How long past its duration a load run may take to stop before it is killed.
STOP_MARGIN_SECONDS = 30.0


@dataclass(frozen=True)
class Measurement:
    operation: str
    requests: int
    failures: int
    p50_ms: float
    p95_ms: float
    p99_ms: float
    requests_per_second: float

    @property
    def error_rate(self) -> float:
        return self.failures / self.requests if self.requests else 1.0


def run_load(
    profile: LoadProfile,
    operations: dict[str, Operation],
    base_url: str,
    token: str,
    ids: Mapping[str, Sequence[int]],
    editable_question: str | Mapping[str, str],
    out_dir: Path,
    workers: int = 0,
    progress: bool = False,
    phrases: Sequence[str] = (),
) -> dict[str, Measurement]:
    """Run `profile` against `base_url`; return what was measured per operation.

    Every request is also logged under `out_dir` as `requests-<profile>.<pid>.csv` (see
    `load.windows`). A step-up profile runs its steps through a locust load shape. The run is
    killed if it has not stopped `STOP_MARGIN_SECONDS` after its duration.
    """
    out_dir.mkdir(parents=True, exist_ok=True)
    prefix = out_dir / f"locust-{profile.id}"
    with tempfile.TemporaryDirectory(prefix="accredit-load-") as private:
        plan_path = Path(private) / "plan.json"
        plan = {
            "operations": [
                {"id": op_id, "weight": weight,
                 "requests": [r.__dict__ for r in operations[op_id].requests]}
                for op_id, weight in profile.mix.items()
            ],
            "think_seconds": list(profile.think_seconds),
            "ids": {**{k: list(v) for k, v in ids.items()},
                    **({"phrase": [quote(p) for p in phrases]} if phrases else {})},
            "token": token,
            "editable_question": editable_question,
            "request_log": str(out_dir.resolve() / f"requests-{profile.id}"),
            "steps": list(profile.steps),
            "step_seconds": profile.step_seconds,
            "spawn_rate": profile.spawn_rate,
        }  # fmt: skip
        for stale in out_dir.glob(f"requests-{profile.id}.*.csv"):
            stale.unlink()
        plan_path.write_text(json.dumps(plan))
        plan_path.chmod(0o600)
        environment = {**os.environ, "ACCREDIT_LOAD_PLAN": str(plan_path)}
        common = ["-f", str(LOCUSTFILE), "--host", base_url]
        run = ["--headless", "--csv", str(prefix), "--only-summary", "--stop-timeout", "5",
               "--loglevel", "WARNING"]  # fmt: skip
        if not profile.steps:  # a step-up's shape sets users and stops the run itself
            run += ["-u", str(profile.users), "-r", str(profile.spawn_rate),
                    "-t", f"{int(profile.duration_seconds)}s"]  # fmt: skip
        locust = [sys.executable, "-m", "locust"]
        processes: list[subprocess.Popen[bytes]] = []
        log = open(out_dir / f"locust-{profile.id}.log", "wb")  # noqa: SIM115
        try:
            if workers:
                port = free_port()
                master = [
                    *locust, *common, *run, "--master", "--master-bind-host", "127.0.0.1",
                    "--master-bind-port", str(port), "--expect-workers", str(workers),
                ]  # fmt: skip
                processes.append(_start(master, environment, log))
                for _ in range(workers):
                    worker = [*locust, *common, "--worker", "--master-host", "127.0.0.1",
                              "--master-port", str(port)]  # fmt: skip
                    processes.append(_start(worker, environment, log))
            else:
                processes.append(_start([*locust, *common, *run], environment, log))
            _wait(processes, profile.duration_seconds + STOP_MARGIN_SECONDS, progress, profile)
        finally:
            for process in processes:
                if process.poll() is None:
                    os.killpg(process.pid, signal.SIGKILL)
                    process.wait()
            log.close()
    return measure(prefix.with_name(prefix.name + "_stats.csv"))


def _start(command: list[str], environment: dict[str, str], log: Any) -> subprocess.Popen[bytes]:
    return subprocess.Popen(command, env=environment, stdout=log, stderr=log,
                            start_new_session=True)  # fmt: skip


def _wait(processes: list[subprocess.Popen[bytes]], limit: float, progress: bool,
          profile: LoadProfile) -> None:  # fmt: skip
    started = time.monotonic()
    main = processes[0]
    while main.poll() is None:
        elapsed = time.monotonic() - started
        if elapsed > limit:
            raise TimeoutError(f"the load run did not stop within {limit:.0f} s")
        if progress:
            share = min(1.0, elapsed / profile.duration_seconds)
            print(f"\rload {profile.id}: {share:4.0%} of {profile.duration_seconds:.0f} s",
                  end="", flush=True)  # fmt: skip
        time.sleep(1 if progress else 0.2)
    if progress:
        print()


def measure(stats_csv: Path) -> dict[str, Measurement]:
    """Return the per-operation measurements in a locust `_stats.csv` (not the aggregate)."""
    if not stats_csv.is_file():
        return {}
    measurements = {}
    with stats_csv.open(newline="", encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            name = row["Name"]
            if name == "Aggregated" or name.endswith("(read)"):
                continue
            measurements[name] = Measurement(
                operation=name,
                requests=int(row["Request Count"]),
                failures=int(row["Failure Count"]),
                p50_ms=float(row["50%"]),
                p95_ms=float(row["95%"]),
                p99_ms=float(row["99%"]),
                requests_per_second=float(row["Requests/s"]),
            )
    return measurements
