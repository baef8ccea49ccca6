"""The `accredit` command line.

Exit codes of `run` and `demo`: 0 Accredited or Accredited with conditions (with --baseline:
no requirement regressed); 1 Not accredited: a MUST requirement failed, ended in error or was
not run (with --baseline: a requirement that passed in the baseline does not pass now); 2 a
usage error (bad argument, spec, profile or file: one line on stderr); 3 the SUT did not answer
at all; 4 the harness could not finish the run (no decision: it proves nothing).
`verify` and `reference verify-audit`: 0 verified, 1 differences found.
`requirements --coverage`: 0 no gap, 1 gaps.
"""

from __future__ import annotations

import argparse
import shutil
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

import accredit
from accredit._paths import suites_root
from accredit.baseline import BaselineComparison
from accredit.errors import SutUnreachable, UserError
from accredit.manifest import write_manifest
from accredit.runner import RUN_PROFILES, RunOutcome, run_accreditation, write_run_directory
from accredit.specs import did_you_mean, load_specs

if TYPE_CHECKING:
    from reports.scoring import Scorecard

__all__ = ["main"]


class _Parser(argparse.ArgumentParser):
    """An argument parser whose usage errors are one line and exit 2."""

    def error(self, message: str) -> NoReturn:
        print(f"error: {self.prog}: {message} (see {self.prog} --help)", file=sys.stderr)
        raise SystemExit(2)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; return the exit code."""
    parser = _build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "handler", None):
        parser.print_help()
        return 2
    try:
        code: int = args.handler(args)
    except UserError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print("error: interrupted", file=sys.stderr)
        return 130
    return code


def _build_parser() -> _Parser:
    parser = _Parser(
        prog="accredit",
        description="Executable accreditation of children's social-care case-management systems.",
    )
    parser.add_argument(
        "--version", action="version", version=f"ics-accredit {accredit.__version__}"
    )
    commands = parser.add_subparsers(title="commands", parser_class=_Parser)

    run = commands.add_parser("run", help="run the accreditation suites against a SUT")
    run.add_argument(
        "--sut", required=True, type=Path, metavar="PROFILE", help="SUT profile (YAML)"
    )
    run.add_argument("--out", required=True, type=Path, metavar="DIR", help="where results go")
    _add_run_options(run)
    run.set_defaults(handler=_run)

    demo = commands.add_parser(
        "demo", help="start the reference implementation and accredit it end to end"
    )
    demo.add_argument("--out", type=Path, default=Path("reports/out/demo"), metavar="DIR")
    demo.add_argument(
        "--fault", action="append", default=[], metavar="NAME",
        help="plant a named fault in the reference (see `accredit faults`); repeatable",
    )  # fmt: skip
    _add_run_options(demo)
    demo.set_defaults(handler=_demo)

    report = commands.add_parser(
        "report", help="score results and write the reports and the manifest, from results alone"
    )
    report.add_argument("results", type=Path, metavar="RESULTS", help="a results.json")
    report.add_argument("--out", required=True, type=Path, metavar="DIR")
    report.add_argument("--specs", type=Path, metavar="DIR", help="specs folder (default: bundled)")
    report.add_argument("--no-pdf", action="store_true", help="do not write report.pdf")
    report.set_defaults(handler=_report)

    verify = commands.add_parser(
        "verify", help="re-check a run directory's manifest and re-derive its scores"
    )
    verify.add_argument("directory", type=Path, metavar="DIR", help="a run directory")
    verify.set_defaults(handler=_verify)

    compare = commands.add_parser("compare", help="compare several products side by side")
    compare.add_argument(
        "results", type=Path, nargs="+", metavar="RESULTS",
        help="results.json files; the first is the reference the others are compared with",
    )  # fmt: skip
    compare.add_argument("--out", required=True, type=Path, metavar="DIR")
    compare.add_argument(
        "--weights", type=Path, metavar="WEIGHTS",
        help="a council's category weights (YAML, summing to 100); default: the policy's",
    )  # fmt: skip
    compare.add_argument(
        "--allow-different-specs", action="store_true",
        help="compare results made under different specifications",
    )  # fmt: skip
    compare.add_argument(
        "--specs", type=Path, metavar="DIR", help="specs folder (default: bundled)"
    )
    compare.set_defaults(handler=_compare)

    requirements = commands.add_parser(
        "requirements", help="list the requirements; --coverage: their tests and planted faults"
    )
    requirements.add_argument(
        "--coverage", action="store_true",
        help="the tests and faults that verify each requirement, and the gaps (exit 1 if any)",
    )  # fmt: skip
    requirements.add_argument("--json", action="store_true", help="print JSON")
    requirements.add_argument("--specs", type=Path, metavar="DIR", help="specs folder")
    requirements.set_defaults(handler=_requirements)

    suites = commands.add_parser(
        "suites", help="print the installed suites folder (for `pytest --sut PROFILE <folder>`)"
    )
    suites.set_defaults(handler=_suites)

    faults = commands.add_parser("faults", help="list the reference's planted faults")
    faults.set_defaults(handler=_faults)

    specs = commands.add_parser("specs", help="validate the specs and print their identity")
    specs.add_argument("--specs", type=Path, metavar="DIR", help="specs folder to check")
    specs.set_defaults(handler=_specs)

    reference = commands.add_parser("reference", help="the reference implementation")
    reference_commands = reference.add_subparsers(title="commands", parser_class=_Parser)
    serve = reference_commands.add_parser("serve", help="serve the conformance API over HTTP")
    serve.add_argument("--port", type=int, default=8000)
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--db", type=Path, default=Path("reference.db"), metavar="PATH")
    serve.add_argument("--fault", action="append", default=[], metavar="NAME")
    serve.add_argument(
        "--profile-out", type=Path, metavar="PATH",
        help="write a SUT profile with fresh test-user tokens here (file mode 0600)",
    )  # fmt: skip
    serve.set_defaults(handler=_serve)
    verify_audit = reference_commands.add_parser(
        "verify-audit", help="check the reference's audit trail against its hash chain"
    )
    verify_audit.add_argument("--db", type=Path, default=Path("reference.db"), metavar="PATH")
    verify_audit.set_defaults(handler=_verify_audit)
    return parser


def _add_run_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--only", metavar="NAMES",
        help="comma-separated categories or suites, e.g. lockdown,functional or plan",
    )  # fmt: skip
    parser.add_argument("--seed", type=int, help="seed for generated data (default: random)")
    parser.add_argument("--specs", type=Path, metavar="DIR", help="specs folder (default: bundled)")
    parser.add_argument(
        "--time-limit", type=float, default=1800.0, metavar="SECONDS",
        help="stop the suites after this long (default 1800)",
    )  # fmt: skip
    parser.add_argument(
        "--run-profile", default="full", choices=RUN_PROFILES,
        help="smoke: each suite test once, for CI; full (default): everything, for a decision",
    )  # fmt: skip
    parser.add_argument(
        "--baseline", type=Path, metavar="RESULTS",
        help="an earlier results.json: exit 1 only for requirements that passed there and "
        "do not pass now",
    )  # fmt: skip
    parser.add_argument("--no-pdf", action="store_true", help="do not write report.pdf")


def _run(args: argparse.Namespace) -> int:
    outcome = _accredit(args.sut, args)
    return outcome.exit_code


def _accredit(profile: Path, args: argparse.Namespace, manifest: bool = True) -> RunOutcome:
    outcome = run_accreditation(
        profile,
        args.out,
        only=args.only.split(",") if args.only else None,
        seed=args.seed,
        specs_dir=args.specs,
        time_limit=args.time_limit,
        run_profile=args.run_profile,
        baseline=args.baseline,
        pdf=not args.no_pdf,
        manifest=manifest,
    )
    if outcome.results is not None:
        _print_summary(outcome.results)
    if outcome.scorecard is not None:
        _print_decision(outcome.scorecard)
    if outcome.baseline is not None:
        _print_baseline(outcome.baseline)
    _print_written(outcome.artefacts, outcome.pdf_skipped)
    if outcome.unreachable is not None:
        raise SutUnreachable(outcome.unreachable)
    return outcome


def _demo(args: argparse.Namespace) -> int:
    from accredit.reference import running_reference

    _check_faults(args.fault)
    args.out.mkdir(parents=True, exist_ok=True)
    log = args.out / "reference.log"
    log.unlink(missing_ok=True)
    with running_reference(args.fault, log=log) as reference:
        print(
            f"reference implementation listening at {reference.base_url}"
            + (f" with faults {', '.join(args.fault)}" if args.fault else "")
        )
        outcome = _accredit(reference.profile, args, manifest=False)
    if outcome.results is not None:
        # Last, once the reference has stopped writing its log into the run directory.
        print(f"wrote {write_manifest(args.out, load_specs(args.specs))}")
        print(f"open {args.out / 'report.html'} to read the report")
    return outcome.exit_code


def _print_summary(results: dict[str, Any]) -> None:
    sut = results["sut"]
    print(f"\n{sut['product']} {sut['version']}: requirements by verdict")
    for requirement in results["requirements"]:
        print(
            f"  {requirement['verdict'].upper():8} {requirement['id']:8} "
            f"{requirement['level']:6} {requirement['title']}"
        )
    summary = results["summary"]
    counts = ", ".join(f"{summary[v]} {v}" for v in ("pass", "fail", "error", "not_run"))
    print(f"{counts}; seed {results['run']['seed']}")
    if not results["run"]["complete"]:
        print("INCOMPLETE: the harness did not finish; this run proves nothing")
    elif summary["must_not_passed"]:
        print(f"MUST requirements not passed: {', '.join(summary['must_not_passed'])}")
    else:
        print("every MUST requirement passed")


def _print_decision(card: Scorecard) -> None:
    indicative = " (indicative: not a full run)" if card.indicative else ""
    print(f"Decision under policy {card.policy.version}: {card.decision_title}{indicative}")
    for finding in card.refusals:
        print(f"  refused: {finding.text}")
    for finding in card.conditions:
        print(f"  condition: {finding.text}")
    if card.overall is not None:
        print(f"Overall score {card.overall:g} of 100 over {', '.join(card.overall_categories)}")


def _print_baseline(comparison: BaselineComparison) -> None:
    print(f"Against the baseline {comparison.source} (run {comparison.baseline_run}):")
    for words, changes in (
        ("regressed (passed in the baseline)", comparison.regressions),
        ("fixed since the baseline", comparison.fixed),
        ("still not passing", comparison.known_failures),
        ("new since the baseline", comparison.new),
        ("in the baseline, not in this run", comparison.not_in_this_run),
    ):
        if changes:
            listed = ", ".join(f"{c.id} ({c.now or c.before})" for c in changes)
            print(f"  {len(changes)} {words}: {listed}")
    if not comparison.regressions:
        print("  no regression")


def _print_written(artefacts: Sequence[Path], pdf_skipped: str | None) -> None:
    for artefact in artefacts:
        print(f"wrote {artefact}")
    if pdf_skipped:
        print(f"report.pdf skipped: {pdf_skipped}")


def _report(args: argparse.Namespace) -> int:
    from accredit.results import read_results

    read_results(args.results)  # a bad file stops here, before anything is written
    specs = load_specs(args.specs)
    args.out.mkdir(parents=True, exist_ok=True)
    target = args.out / "results.json"
    if args.results.resolve() != target.resolve():
        shutil.copyfile(args.results, target)
    for stale in ("report.pdf", "manifest.json"):
        (args.out / stale).unlink(missing_ok=True)
    reports, artefacts = write_run_directory(target, args.out, specs=specs, pdf=not args.no_pdf)
    _print_decision(reports.scorecard)
    _print_written(artefacts, reports.pdf_skipped)
    return 0


def _verify(args: argparse.Namespace) -> int:
    from accredit.verify import verify_directory

    found = verify_directory(args.directory)
    for check in found.checks:
        print(f"checked: {check}")
    for note in found.notes:
        print(f"note: {note}")
    for difference in found.differences:
        print(f"DIFFERENCE: {difference}")
    if found.verified:
        print(f"verified: {args.directory} is as it was written and its decision re-derives")
        return 0
    count = len(found.differences)
    print(f"NOT VERIFIED: {count} difference{'s' if count != 1 else ''} in {args.directory}")
    return 1


def _compare(args: argparse.Namespace) -> int:
    from reports.compare import write_comparison

    written = write_comparison(
        args.results,
        args.out,
        weights_path=args.weights,
        allow_different_specs=args.allow_different_specs,
        specs=load_specs(args.specs),
    )
    for path in written:
        print(f"wrote {path}")
    return 0


def _requirements(args: argparse.Namespace) -> int:
    from accredit.coverage import print_coverage, print_requirements, requirement_coverage

    specs = load_specs(args.specs)
    if not args.coverage:
        print_requirements(specs, as_json=args.json)
        return 0
    coverage = requirement_coverage(specs)
    print_coverage(coverage, as_json=args.json)
    return 1 if coverage.gaps else 0


def _suites(args: argparse.Namespace) -> int:
    print(suites_root())
    return 0


def _faults(args: argparse.Namespace) -> int:
    from reference_impl.faults import FAULTS

    catches = load_specs().catalogue.faults()
    width = max(len(name) for name in FAULTS)
    for name, fault in sorted(FAULTS.items()):
        requirements = ", ".join(catches.get(name, ())) or "(no requirement: a gap)"
        print(f"{name:{width}}  {requirements:10}  {fault.description}")
    return 0


def _check_faults(names: Sequence[str]) -> None:
    from reference_impl.faults import FAULTS

    for name in names:
        if name not in FAULTS:
            raise UserError(
                f"--fault: no fault named {name!r}{did_you_mean(name, FAULTS)} "
                "(see `accredit faults`)"
            )


def _specs(args: argparse.Namespace) -> int:
    from accredit.access_spec import load_access

    bundle = load_specs(args.specs)
    access = load_access(bundle)  # a bad access matrix stops here, naming file and path
    catalogue = bundle.catalogue
    musts = sum(1 for r in catalogue.requirements if r.level == "MUST")
    print(f"specs {bundle.version} at {bundle.root}")
    print(f"digest {bundle.digest}")
    print(
        f"{len(catalogue.requirements)} requirements ({musts} MUST), {len(bundle.forms)} forms, "
        f"{len(catalogue.faults())} planted faults named, "
        f"{len(access.operations)} operations in the access matrix"
    )
    return 0


def _verify_audit(args: argparse.Namespace) -> int:
    """Exit 0 when every entry matches its digest and follows the one before; 1 otherwise."""
    import sqlite3

    from sqlalchemy import create_engine

    from reference_impl.store.audit_trail import verify_audit

    if not args.db.is_file():
        raise UserError(f"{args.db}: no such database file")
    try:
        with sqlite3.connect(f"file:{args.db}?mode=ro", uri=True) as connection:
            tables = {row[0] for row in connection.execute("SELECT name FROM sqlite_master")}
    except sqlite3.DatabaseError as error:
        raise UserError(f"{args.db}: not a SQLite database ({error})") from None
    if "audit_entries" not in tables:
        raise UserError(f"{args.db}: not a reference database (it has no audit trail)")
    engine = create_engine(f"sqlite:///file:{args.db}?mode=ro&uri=true")
    try:
        found = verify_audit(engine)
    finally:
        engine.dispose()
    for chain_break in found.breaks:
        print(f"TAMPERED: {chain_break}")
    if found.breaks:
        print(f"NOT VERIFIED: the audit trail of {args.db} was changed outside the reference")
        return 1
    print(f"verified: {found.entries} audit entries in {args.db}, each chained to the one before")
    return 0


def _serve(args: argparse.Namespace) -> int:
    from reference_impl.serve import serve

    _check_faults(args.fault)
    if not 0 < args.port < 65536:
        raise UserError(f"--port: {args.port} is not a TCP port")
    serve(
        port=args.port,
        db=args.db,
        faults=set(args.fault),
        host=args.host,
        profile_out=args.profile_out,
    )
    return 0
