"""The `accredit` command line.

Exit codes: 0 every MUST requirement passed; 1 a MUST requirement did not pass; 2 a usage
error (bad argument, spec or profile: one line on stderr); 3 the SUT did not answer at all;
4 the harness could not finish the run (it proves nothing).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any, NoReturn

import accredit
from accredit.errors import UserError
from accredit.runner import RunOutcome, run_accreditation
from accredit.specs import did_you_mean, load_specs

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

    report = commands.add_parser("report", help="write report.html and junit.xml from results")
    report.add_argument("results", type=Path, metavar="RESULTS", help="a results.json")
    report.add_argument("--out", required=True, type=Path, metavar="DIR")
    report.set_defaults(handler=_report)

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
    return parser


def _add_run_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--only", metavar="CATEGORIES", help="comma-separated categories, e.g. lockdown,functional"
    )
    parser.add_argument("--seed", type=int, help="seed for generated data (default: random)")
    parser.add_argument("--specs", type=Path, metavar="DIR", help="specs folder (default: bundled)")
    parser.add_argument(
        "--time-limit", type=float, default=1800.0, metavar="SECONDS",
        help="stop the suites after this long (default 1800)",
    )  # fmt: skip


def _run(args: argparse.Namespace) -> int:
    outcome = _accredit(args.sut, args)
    return outcome.exit_code


def _accredit(profile: Path, args: argparse.Namespace) -> RunOutcome:
    outcome = run_accreditation(
        profile,
        args.out,
        only=args.only.split(",") if args.only else None,
        seed=args.seed,
        specs_dir=args.specs,
        time_limit=args.time_limit,
    )
    if outcome.results is not None:
        _print_summary(outcome.results)
    for artefact in outcome.artefacts:
        print(f"wrote {artefact}")
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
        outcome = _accredit(reference.profile, args)
    if outcome.results is not None:
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


def _report(args: argparse.Namespace) -> int:
    from reports import write_reports

    for path in write_reports(args.results, args.out):
        print(f"wrote {path}")
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
    bundle = load_specs(args.specs)
    catalogue = bundle.catalogue
    musts = sum(1 for r in catalogue.requirements if r.level == "MUST")
    print(f"specs {bundle.version} at {bundle.root}")
    print(f"digest {bundle.digest}")
    print(
        f"{len(catalogue.requirements)} requirements ({musts} MUST), {len(bundle.forms)} forms, "
        f"{len(catalogue.faults())} planted faults named"
    )
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
