"""`make bench`: the reference at county scale under the long profiles of the `bench` plan.

Builds the caseload straight into a reference database (timed), runs the bench plan's load
profile bounded to `--seconds`, then the step-up and the soak if asked, and measures search
p95 at a tenth of the notes (the `district` scale) against the full county. Prints each
operation's p95 as a share of its budget. Locust runs in its own processes (`--workers N`
for a master and N local workers; see load/README.md for workers on other machines).

    python -m load.bench --seconds 120 --out reports/out/bench
"""

from __future__ import annotations

import argparse
import json
import sqlite3
import sys
import time
from dataclasses import replace
from datetime import date
from pathlib import Path

import yaml

from accredit.errors import UserError
from accredit.reference import running_reference
from accredit.specs import load_specs
from load.caseload import SCALES, Caseload
from load.into_reference import load_into_reference
from load.profiles import LoadProfile, Performance, editable_questions, read_performance
from load.runner import run_load
from load.windows import drift, read_requests, summarise

SEED = 20261121
TODAY = date(2026, 11, 1)


def _build(scale: str, folder: Path) -> tuple[Path, float, int]:
    database = folder / f"{scale}.db"
    if database.exists():
        return database, 0.0, 0
    report = load_into_reference(Caseload(load_specs(), SCALES[scale], SEED, TODAY),
                                 f"sqlite:///{database}")  # fmt: skip
    return database, report.seconds, sum(report.rows.values())


def _pools(database: Path) -> tuple[dict[str, list[int]], dict[str, str]]:
    with sqlite3.connect(database) as db:
        # sw_a writes only its own team's records (specs/access.yaml): notes go to team A.
        children = [r[0] for r in db.execute("SELECT id FROM children WHERE team = 'A'")]
        forms = [r[0] for r in db.execute("SELECT id FROM forms ORDER BY random() LIMIT 5000")]
        drafts = [
            r[0]
            for r in db.execute(
                "SELECT id FROM forms WHERE status = 'draft' AND author = 'sw_a' LIMIT 5000"
            )
        ]
    pools = {"child_id": children, "form_id": forms, "draft_form_id": drafts}
    return pools, editable_questions(load_specs())


def _run(database: Path, profile: LoadProfile, performance: Performance, out: Path,
         workers: int) -> dict[str, dict[str, float]]:  # fmt: skip
    ids, questions = _pools(database)
    out.mkdir(parents=True, exist_ok=True)
    with running_reference(database=database, log=out / "reference.log") as reference:
        token = yaml.safe_load(reference.profile.read_text())["users"]["sw_a"]["token"]
        run_load(
            profile,
            performance.operations,
            reference.base_url,
            token,
            ids,
            questions,
            out,
            workers=workers,
            progress=True,
            phrases=performance.search_phrases,
        )
    samples = read_requests(out, profile.id)
    figures = {
        op: {"p95_ms": m.p95_ms, "p99_ms": m.p99_ms, "requests": m.requests,
             "error_rate": m.error_rate,
             "p95_share_of_budget": m.p95_ms / performance.operations[op].budget.p95_ms}
        for op, m in summarise(samples).items()
    }  # fmt: skip
    for d in drift(samples, performance.drift.floor_ms):
        figures[d.operation]["drift"] = d.ratio
    return figures


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m load.bench", description=__doc__)
    parser.add_argument("--seconds", type=float, default=120, help="bound on each load run")
    parser.add_argument("--out", type=Path, default=Path("reports/out/bench"))
    parser.add_argument("--workers", type=int, default=0)
    args = parser.parse_args(argv)
    try:
        performance = read_performance()
    except UserError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    plan = performance.runs["bench"]
    args.out.mkdir(parents=True, exist_ok=True)
    results: dict[str, object] = {}
    for scale in ("district", plan.scale):
        started = time.monotonic()
        database, seconds, rows = _build(scale, args.out)
        print(f"{scale}: {rows} rows in {seconds:.0f} s", flush=True)
        results[f"{scale}_build"] = {"rows": rows, "seconds": round(seconds, 1)}
        profile = performance.profiles[plan.load]
        bounded = replace(profile, duration_seconds=min(profile.duration_seconds, args.seconds))
        results[scale] = _run(database, bounded, performance, args.out / scale, args.workers)
        print(json.dumps(results[scale], indent=1), f"({time.monotonic() - started:.0f} s)")
    search = [results[s]["search_record"]["p95_ms"] for s in ("district", plan.scale)]  # type: ignore[index]
    results["search_p95_ratio_county_vs_district"] = search[1] / search[0] if search[0] else None
    (args.out / "bench.json").write_text(json.dumps(results, indent=2) + "\n")
    print(f"search p95: {search[0]:.0f} ms at 100k notes, {search[1]:.0f} ms at 1M notes")
    print(f"wrote {args.out / 'bench.json'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
