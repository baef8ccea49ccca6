"""The pytest plugin: runs the suites against a SUT and writes the results document.

Registered through the `pytest11` entry point and inert unless `--sut PROFILE` is given, so the
installed suites can also be run directly: `pytest --sut sut.yaml --results results.json
<suites>`. Every suite test names the requirement ids it verifies with
`@pytest.mark.requirement("LD-001")`; the plugin keeps each test's outcome and, for one that
did not pass, the HTTP exchanges that show why.

Outcomes: an assertion that fails is `fail`; any other exception (the SUT hung, reset, answered
something unusable) is `error`; `pytest.skip` (an unmet precondition, with its reason) leaves the
requirement `not_run`. Collection problems mark the whole run incomplete.

Run profiles: `full` runs every test; `smoke` runs each test function once, with its first
parametrisation, or with those a suite marks `@pytest.mark.smoke` (for example
`pytest.param(..., marks=pytest.mark.smoke)`). A suite that must do less work in a smoke run
reads the `run_profile` fixture.
"""

from __future__ import annotations

import secrets
import time
import uuid
from collections.abc import Generator, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest

import accredit
from accredit.errors import UserError
from accredit.results import requirement_entries, summarise, write_results
from accredit.series import Series
from accredit.specs import SpecBundle, load_specs
from accredit.sut import (
    Exchange,
    Recorder,
    SutClient,
    SutProfile,
    http_client,
    load_profile,
    probe,
)

__all__ = [
    "EVIDENCE_EXCHANGES",
    "EVIDENCE_MARKER",
    "MARKER",
    "RUN_PROFILES",
    "SMOKE_MARKER",
    "MeasurementLog",
    "RequirementViolation",
    "SeriesLog",
    "TableLog",
    "spec_bundle",
]

MARKER = "requirement"
SMOKE_MARKER = "smoke"
#: smoke: each test function once; full: every test (the only profile a decision rests on).
RUN_PROFILES = ("smoke", "full")
#: How many of a failing test's last exchanges its evidence keeps, unless the test says more.
EVIDENCE_EXCHANGES = 10
EVIDENCE_MARKER = "evidence"
_MESSAGE_CHARS = 4000


class RequirementViolation(AssertionError):
    """A failed check of a test that verifies several requirements, naming the one it breaks.

    A stateful test checks many rules in one run; when it stops at a violation, only the
    requirements named here fail. Its other requirements were not checked to the end: they are
    recorded as skipped (not run), never as passed.
    """

    def __init__(self, requirement_ids: tuple[str, ...] | str, message: str) -> None:
        ids = (requirement_ids,) if isinstance(requirement_ids, str) else requirement_ids
        super().__init__(f"{', '.join(ids)}: {message}")
        self.requirement_ids = ids


@dataclass
class _TestRecord:
    nodeid: str
    requirement_ids: tuple[str, ...]
    outcome: str = "pass"
    message: str | None = None
    duration_s: float = 0.0
    violated: tuple[str, ...] | None = None  # a RequirementViolation's ids, when one ended it
    cause: BaseException | None = None  # the exception that ended it


@dataclass(eq=False)  # registered as a plugin: pluggy keeps plugins in sets
class _Run:
    specs: SpecBundle
    profile: SutProfile
    results_path: Path
    seed: int
    run_profile: str
    selection: list[str] | None
    #: With single requirements named: only the tests that verify one of these run.
    only_requirements: tuple[str, ...] | None = None
    recorder: Recorder = field(default_factory=Recorder)
    started_at: datetime = field(default_factory=lambda: datetime.now(UTC))
    started: float = field(default_factory=time.monotonic)
    metadata: dict[str, Any] | None = None
    http: httpx.Client | None = None
    requirement_ids: dict[str, tuple[str, ...]] = field(default_factory=dict)
    open_records: dict[str, _TestRecord] = field(default_factory=dict)
    tests: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    internal_errors: list[str] = field(default_factory=list)
    # The evidence of each exception that ended a test: a shared fixture that failed raises
    # the same exception again in every later test that uses it, with no exchange of its own.
    evidence_of_cause: list[tuple[BaseException, list[dict[str, Any]]]] = field(
        default_factory=list
    )
    measurements: dict[str, dict[str, Any]] = field(default_factory=dict)
    series: dict[str, dict[str, Any]] = field(default_factory=dict)
    tables: dict[str, dict[str, Any]] = field(default_factory=dict)

    def client(self) -> SutClient:
        if self.http is None:
            self.http = http_client(self.profile)
        return SutClient(self.profile, self.http, self.recorder)

    # --- hooks (this object is registered as a plugin when --sut is given) ---------------------

    def pytest_report_header(self) -> list[str]:
        return [
            f"accredit: SUT {self.profile.product} {self.profile.version} at "
            f"{self.profile.base_url}",
            f"accredit: specs {self.specs.version} ({self.specs.digest[:12]}), seed {self.seed}",
        ]

    def pytest_sessionstart(self) -> None:
        try:
            self.metadata = probe(self.profile)
        except UserError:
            self.metadata = None  # every test meets the same failure and says so as evidence

    def pytest_collection_modifyitems(self, items: list[pytest.Item]) -> None:
        known = set(self.specs.catalogue.ids)
        for item in items:
            ids = tuple(i for m in item.iter_markers(MARKER) for i in m.args)
            if not ids:
                raise pytest.UsageError(
                    f"{item.nodeid}: names no requirement (mark it with "
                    f"@pytest.mark.{MARKER}('ID'))"
                )
            unknown = [i for i in ids if i not in known]
            if unknown:
                raise pytest.UsageError(
                    f"{item.nodeid}: requirement {unknown[0]!r} is not in the catalogue"
                )
            self.requirement_ids[item.nodeid] = ids
        if self.only_requirements is not None:
            wanted = set(self.only_requirements)
            dropped = [i for i in items if wanted.isdisjoint(self.requirement_ids[i.nodeid])]
            if dropped:
                items[0].config.hook.pytest_deselected(items=dropped)
                items[:] = [
                    i for i in items if not wanted.isdisjoint(self.requirement_ids[i.nodeid])
                ]
        if self.run_profile == "smoke":
            kept = {id(item) for item in _smoke_selection(items)}
            dropped = [item for item in items if id(item) not in kept]
            if dropped:
                items[0].config.hook.pytest_deselected(items=dropped)
                items[:] = [item for item in items if id(item) in kept]

    def category_of(self, nodeid: str) -> str | None:
        """Return the category of the first requirement a collected test names."""
        ids = self.requirement_ids.get(nodeid)
        if not ids:
            return None
        return self.specs.catalogue.requirement(ids[0]).category

    def pytest_collectreport(self, report: pytest.CollectReport) -> None:
        if report.failed:
            self.internal_errors.append(
                f"collecting {report.nodeid or 'the suites'} failed: {report.longrepr}"
            )

    @pytest.hookimpl(wrapper=True)
    def pytest_runtest_makereport(
        self, item: pytest.Item, call: pytest.CallInfo[None]
    ) -> Generator[None, pytest.TestReport, pytest.TestReport]:
        report = yield
        self._observe(item, call, report)
        return report

    def pytest_internalerror(self, excrepr: Any) -> None:
        self.internal_errors.append(f"internal error: {str(excrepr).strip().splitlines()[-1]}")

    def pytest_sessionfinish(self, exitstatus: int) -> None:
        if self.http is not None:
            self.http.close()
        if exitstatus in (pytest.ExitCode.INTERRUPTED, pytest.ExitCode.INTERNAL_ERROR):
            self.internal_errors.append(
                f"the run stopped early (pytest exit status {int(exitstatus)})"
            )
        write_results(self.document(), self.results_path)

    # --- the record --------------------------------------------------------------------------

    def _observe(self, item: pytest.Item, call: pytest.CallInfo[None], report: Any) -> None:
        record = self.open_records.setdefault(
            item.nodeid, _TestRecord(item.nodeid, self.requirement_ids.get(item.nodeid, ()))
        )
        record.duration_s += report.duration
        if record.outcome == "pass":
            if report.skipped:
                record.outcome, record.message = "skipped", _skip_reason(report)
            elif report.failed:
                failed_assertion = call.excinfo is not None and call.excinfo.errisinstance(
                    AssertionError
                )
                record.outcome = "fail" if failed_assertion and report.when == "call" else "error"
                record.message = _failure_message(call, report)
                record.cause = call.excinfo.value if call.excinfo is not None else None
                if isinstance(record.cause, RequirementViolation):
                    record.violated = record.cause.requirement_ids
        if report.when != "teardown":
            return
        del self.open_records[item.nodeid]
        exchanges = self.recorder.take()
        marker = item.get_closest_marker(EVIDENCE_MARKER)
        keep = int(marker.args[0]) if marker and marker.args else EVIDENCE_EXCHANGES
        message = self._scrub(record.message)[:_MESSAGE_CHARS] if record.message else None
        evidence = [] if record.outcome == "pass" else self._evidence(record, exchanges[-keep:])
        entry = {
            "id": record.nodeid,
            "outcome": record.outcome,
            "duration_s": round(record.duration_s, 4),
            "message": message,
            "exchange_count": len(exchanges),
            "evidence": evidence,
        }
        for requirement_id in record.requirement_ids:
            if record.violated is not None and requirement_id not in record.violated:
                unchecked = {
                    **entry,
                    "outcome": "skipped",
                    "message": f"not checked to the end: the test stopped at a violation of "
                    f"{', '.join(record.violated)}",
                    "evidence": [],
                }
                self.tests.setdefault(requirement_id, []).append(unchecked)
                continue
            self.tests.setdefault(requirement_id, []).append(entry)

    def _evidence(self, record: _TestRecord, exchanges: list[Exchange]) -> list[dict[str, Any]]:
        """Return the evidence of a test that did not pass: its own exchanges, or those of the
        test that first met the same exception (a shared fixture's failure, raised again)."""
        evidence = [e.evidence(self.profile.secrets) for e in exchanges]
        if record.cause is None:
            return evidence
        if evidence:
            self.evidence_of_cause.append((record.cause, evidence))
            return evidence
        return next((kept for cause, kept in self.evidence_of_cause if cause is record.cause), [])

    def _scrub(self, text: str) -> str:
        for secret in self.profile.secrets:
            text = text.replace(secret, "[redacted]")
        return text

    def document(self) -> dict[str, Any]:
        """Return the results document of what has run so far."""
        requirements = requirement_entries(self.specs.catalogue, self.tests, self.selection)
        return {
            "schema_version": 1,
            "run": {
                "id": uuid.uuid4().hex,
                "started_at": self.started_at.isoformat(),
                "finished_at": datetime.now(UTC).isoformat(),
                "duration_s": round(time.monotonic() - self.started, 3),
                "harness_version": accredit.__version__,
                "spec_version": self.specs.version,
                "spec_digest": self.specs.digest,
                "profile": self.run_profile,
                "selection": self.selection,
                "seed": self.seed,
                "complete": not self.internal_errors,
                "internal_errors": [self._scrub(i)[:_MESSAGE_CHARS] for i in self.internal_errors],
            },
            "sut": {
                "product": self.profile.product,
                "version": self.profile.version,
                "base_url": self.profile.base_url,
                "metadata": self.metadata,
            },
            "categories": [
                {"id": c.id, "title": c.title}
                for c in self.specs.catalogue.categories
                if self.selection is None or c.id in self.selection
            ],
            "requirements": requirements,
            "summary": summarise(requirements),
            **({"measurements": list(self.measurements.values())} if self.measurements else {}),
            **({"series": list(self.series.values())} if self.series else {}),
            **(
                {"tables": [self._scrub_table(t) for t in self.tables.values()]}
                if self.tables
                else {}
            ),
        }

    def _scrub_table(self, table: dict[str, Any]) -> dict[str, Any]:
        """A table's cells may quote what the SUT answered: no secret reaches the document."""
        return {
            **table,
            "rows": [
                [self._scrub(c) if isinstance(c, str) else c for c in r] for r in table["rows"]
            ],
        }


_RUN = pytest.StashKey[_Run]()


class MeasurementLog:
    """Figures a test measured against budgets, written to results.json `measurements` and
    graded by the scoring policy. Each belongs to the first requirement the test names."""

    def __init__(self, run: _Run, requirement_id: str) -> None:
        self._run = run
        self._requirement = run.specs.catalogue.requirement(requirement_id)

    def record(
        self,
        figure: str,
        title: str,
        value: float,
        budget: float,
        unit: str,
        weight: float | None = None,
    ) -> None:
        """Keep one figure (lower is better) under the stable id `figure`; a later record
        of the same id replaces it."""
        if not (value >= 0 and budget >= 0):
            raise ValueError(f"{figure}: value {value!r} and budget {budget!r} must be >= 0")
        entry: dict[str, Any] = {
            "id": figure,
            "category": self._requirement.category,
            "title": title,
            "requirement": self._requirement.id,
            "value": round(float(value), 4),
            "budget": float(budget),
            "unit": unit,
        }
        if weight is not None:
            entry["weight"] = float(weight)
        self._run.measurements[figure] = entry


class SeriesLog:
    """Load runs over time (`accredit.series`), written to results.json `series` for the
    report's charts; verdicts never rest on them."""

    def __init__(self, run: _Run) -> None:
        self._run = run

    def record(self, series: Series) -> None:
        """Keep one series under its stable id; a later record of the same id replaces it."""
        for requirement_id in series.requirements:
            self._run.specs.catalogue.requirement(requirement_id)  # an unknown id is a bug
        self._run.series[series.id] = series.to_json()


#: A table cell: text, a number, or none (shown as a dash).
Cell = str | int | float | None


class TableLog:
    """What a test compared, laid out for the report: expected against got (aggregates, a
    returned record), or a matrix (who may do what). Written to results.json `tables`; the
    verdict rests on the test's assertions, the table shows the reader what was compared.
    Each table belongs to the first requirement the test names."""

    def __init__(self, run: _Run, requirement_id: str) -> None:
        self._run = run
        self._requirement = run.specs.catalogue.requirement(requirement_id)

    def record(
        self,
        table: str,
        title: str,
        columns: Sequence[str],
        rows: Iterable[Sequence[Cell]],
        *,
        mismatched: Iterable[int] = (),
        note: str | None = None,
    ) -> None:
        """Keep one table under the stable id `table`; a later record of the same id replaces
        it. `mismatched` are the indexes of rows where expected and got differ (the report
        marks them)."""
        laid_out = [list(r) for r in rows]
        for index, row in enumerate(laid_out):
            if len(row) != len(columns):
                raise ValueError(
                    f"{table}: row {index} has {len(row)} cells for {len(columns)} columns"
                )
            for cell in row:
                if cell is not None and not isinstance(cell, str | int | float):
                    raise TypeError(f"{table}: row {index} has a {type(cell).__name__} cell")
        entry: dict[str, Any] = {
            "id": table,
            "category": self._requirement.category,
            "requirement": self._requirement.id,
            "title": title,
            "columns": list(columns),
            "rows": laid_out,
            "mismatched": sorted(set(mismatched)),
        }
        if note:
            entry["note"] = note
        self._run.tables[table] = entry


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("accredit", "ics-accredit: verify a SUT against the specs")
    group.addoption("--sut", metavar="PROFILE", help="SUT profile (YAML); enables the plugin")
    group.addoption(
        "--results", metavar="PATH", default="results.json", help="where to write results.json"
    )
    group.addoption("--specs", metavar="DIR", help="specs folder (default: the installed specs)")
    group.addoption("--seed", type=int, help="seed for generated data (default: random, printed)")
    group.addoption(
        "--run-profile",
        default="full",
        choices=RUN_PROFILES,
        help="smoke: each test function once; full (default): every test",
    )
    group.addoption("--progress", action="store_true", help="draw a progress bar per category")
    group.addoption(
        "--categories", metavar="LIST", help="comma-separated categories this run covers"
    )
    group.addoption(
        "--requirements", metavar="LIST",
        help="comma-separated requirement ids: run only the tests that verify one of them",
    )  # fmt: skip


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", f"{MARKER}(*ids): the requirement ids a test verifies")
    config.addinivalue_line(
        "markers",
        f"{EVIDENCE_MARKER}(max_exchanges): keep more of a failing test's last exchanges "
        "(a stateful test's whole replayable sequence)",
    )
    config.addinivalue_line(
        "markers",
        f"{SMOKE_MARKER}: run this parametrisation in the smoke profile (instead of the first)",
    )
    profile_path = config.getoption("--sut")
    if not profile_path:
        return
    try:
        specs_dir = config.getoption("--specs")
        specs = load_specs(Path(specs_dir) if specs_dir else None)
        profile = load_profile(profile_path, specs.users)
    except UserError as exc:
        raise pytest.UsageError(str(exc)) from None
    seed = config.getoption("--seed")
    categories = config.getoption("--categories")
    wanted = config.getoption("--requirements")
    run = _Run(
        specs=specs,
        profile=profile,
        results_path=Path(config.getoption("--results")),
        seed=seed if seed is not None else secrets.randbelow(2**31),
        run_profile=config.getoption("--run-profile"),
        selection=[c for c in categories.split(",") if c] if categories else None,
        only_requirements=tuple(i for i in wanted.split(",") if i) if wanted else None,
    )
    config.stash[_RUN] = run
    config.pluginmanager.register(run, "accredit-run")
    if config.getoption("--progress"):
        from accredit.progress import CategoryProgress

        titles = {c.id: c.title for c in specs.catalogue.categories}
        config.pluginmanager.register(
            CategoryProgress(run.category_of, titles), "accredit-progress"
        )


def _smoke_selection(items: list[pytest.Item]) -> list[pytest.Item]:
    """Return the items a smoke run keeps: per test function, those marked smoke, or else the
    first parametrisation."""
    groups: dict[tuple[str, str], list[pytest.Item]] = {}
    for item in items:
        function = getattr(item, "originalname", item.name)
        owner = item.nodeid.split("[", 1)[0].rsplit("::", 1)[0]
        groups.setdefault((owner, function), []).append(item)
    kept: list[pytest.Item] = []
    for group in groups.values():
        marked = [item for item in group if _marked_smoke(item)]
        kept.extend(marked or group[:1])
    return kept


def _marked_smoke(item: pytest.Item) -> bool:
    # Only a mark on the parametrisation itself chooses among a function's cases.
    callspec = getattr(item, "callspec", None)
    return any(m.name == SMOKE_MARKER for m in getattr(callspec, "marks", ()))


def _skip_reason(report: Any) -> str:
    longrepr = report.longrepr
    if isinstance(longrepr, tuple) and len(longrepr) == 3:
        return str(longrepr[2]).removeprefix("Skipped: ")
    return str(longrepr)


def _failure_message(call: pytest.CallInfo[None], report: Any) -> str:
    phase = "" if report.when == "call" else f"during {report.when}: "
    if call.excinfo is None:
        return f"{phase}{report.longreprtext.strip()[-_MESSAGE_CHARS:]}"
    exc = call.excinfo.value
    # A property test's shrunk example (hypothesis adds it as the exception's notes: for a
    # stateful test, the minimal sequence of steps) belongs with the failure it reproduces.
    notes = "".join(f"\n{note}" for note in getattr(exc, "__notes__", ()))
    if isinstance(exc, AssertionError):
        return (f"{phase}{exc}".strip() or f"{phase}assertion failed") + notes
    entry = call.excinfo.traceback[-1] if call.excinfo.traceback else None
    where = f" (at {Path(str(entry.path)).name}:{entry.lineno + 1})" if entry else ""
    return f"{phase}{type(exc).__name__}: {exc}{where}"


# --- fixtures the suites use ------------------------------------------------------------------


def _run(config: pytest.Config) -> _Run:
    run = config.stash.get(_RUN, None)
    if run is None:
        raise pytest.UsageError("the accreditation suites need --sut PROFILE")
    return run


@pytest.fixture(scope="session")
def specs(pytestconfig: pytest.Config) -> SpecBundle:
    """The spec bundle the run is checked against."""
    return _run(pytestconfig).specs


@pytest.fixture(scope="session")
def sut(pytestconfig: pytest.Config) -> Iterator[SutClient]:
    """An anonymous client of the SUT; `sut.as_user("sw_a")` acts as a required user."""
    yield _run(pytestconfig).client()


@pytest.fixture(scope="session")
def run_profile(pytestconfig: pytest.Config) -> str:
    """The run profile: "smoke" (each test once, for CI) or "full" (for a decision)."""
    return _run(pytestconfig).run_profile


@pytest.fixture(scope="session")
def seed(pytestconfig: pytest.Config) -> int:
    """The run's seed for generated data (printed in the header and kept in the results)."""
    return _run(pytestconfig).seed


def spec_bundle(config: pytest.Config) -> SpecBundle:
    """Return the run's spec bundle, for parametrising suites at collection time."""
    return _run(config).specs


@pytest.fixture
def measurements(pytestconfig: pytest.Config, request: pytest.FixtureRequest) -> MeasurementLog:
    """Where a test records what it measured against a budget (see `MeasurementLog`)."""
    run = _run(pytestconfig)
    return MeasurementLog(run, run.requirement_ids[request.node.nodeid][0])


@pytest.fixture
def tables(pytestconfig: pytest.Config, request: pytest.FixtureRequest) -> TableLog:
    """Where a test lays out what it compared, for the report (see `TableLog`)."""
    run = _run(pytestconfig)
    return TableLog(run, run.requirement_ids[request.node.nodeid][0])


@pytest.fixture(scope="session")
def series(pytestconfig: pytest.Config) -> SeriesLog:
    """Where the load fixtures record each run over time (see `SeriesLog`)."""
    return SeriesLog(_run(pytestconfig))


@pytest.fixture
def recorder(pytestconfig: pytest.Config) -> Recorder:
    """The exchanges recorded for the running test. A property test calls `take()` as each
    generated example starts, so its evidence is the last (shrunk) example's sequence alone."""
    return _run(pytestconfig).recorder
