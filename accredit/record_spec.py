"""The case-record part of the specs (specs/record.yaml): the six steps of the Assessment
Framework, what a case note may be linked to, the chronology's event kinds and their order, and
where search looks.

The reference serves these rules and the `record` suite checks them; both read them from here,
so a new evidence mark, link target or event kind is a change of the YAML alone.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path

import yaml

from accredit._paths import specs_root
from accredit.errors import SpecError
from accredit.specs import validate_document

__all__ = [
    "AssessmentSteps",
    "EventKind",
    "LinkTarget",
    "RecordRules",
    "SearchRules",
    "chronology_key",
    "load_record_rules",
]

#: The file, under the specs folder, that holds these rules.
RECORD_FILE = "record.yaml"


@dataclass(frozen=True)
class AssessmentSteps:
    """Which forms carry the six steps, the marks of evidence and the ratings of outcomes."""

    form_kinds: tuple[str, ...]
    evidence_kinds: tuple[str, ...]
    outcome_ratings: tuple[str, ...]
    plan_action_path: str


@dataclass(frozen=True)
class LinkTarget:
    """A kind of record a case note may be linked to, and where it lists its notes."""

    type: str
    title: str
    notes_path: str


@dataclass(frozen=True)
class EventKind:
    """A kind of significant event of the chronology and the kind of record it comes from."""

    id: str
    source: str
    title: str


@dataclass(frozen=True)
class SearchRules:
    path: str
    max_query_chars: int
    sources: tuple[tuple[str, tuple[str, ...]], ...]  # (source type, fields)


@dataclass(frozen=True)
class RecordRules:
    """Everything specs/record.yaml says."""

    version: str
    steps: AssessmentSteps
    link_targets: tuple[LinkTarget, ...]
    chronology_path: str
    event_kinds: tuple[EventKind, ...]
    search: SearchRules

    def link_target(self, type_: str) -> LinkTarget:
        """Return the link target of this type; raise KeyError for an unknown one."""
        for target in self.link_targets:
            if target.type == type_:
                return target
        raise KeyError(type_)

    def event_rank(self, kind: str) -> int:
        """Return the place of an event kind in the same-day order (its index in the spec)."""
        return [k.id for k in self.event_kinds].index(kind)


def chronology_key(rules: RecordRules, on: date, kind: str, source_id: int) -> tuple[int, int, int]:
    """Return the sort key of an event: the day, then the kind's rank, then the source's id."""
    return (on.toordinal(), rules.event_rank(kind), source_id)


def load_record_rules(root: Path | None = None) -> RecordRules:
    """Return the rules of `record.yaml` under `root` (default: the bundled specs).

    Raises SpecError naming file, path and problem.
    """
    path = (Path(root) if root else specs_root()) / RECORD_FILE
    if not path.is_file():
        raise SpecError(path, "", "file not found")
    try:
        document = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise SpecError(path, "", f"not valid YAML: {exc}") from None
    validate_document(document, "record", path)
    steps = document["assessment_steps"]
    kinds = [k["id"] for k in steps["evidence_kinds"]]
    _unique(path, "assessment_steps.evidence_kinds", kinds)
    targets = tuple(
        LinkTarget(t["type"], t["title"], t["notes_path"])
        for t in document["note_links"]["targets"]
    )
    _unique(path, "note_links.targets", [t.type for t in targets])
    events = tuple(
        EventKind(e["id"], e["source"], e["title"]) for e in document["chronology"]["event_kinds"]
    )
    _unique(path, "chronology.event_kinds", [e.id for e in events])
    search = document["search"]
    return RecordRules(
        version=document["version"],
        steps=AssessmentSteps(
            form_kinds=tuple(steps["form_kinds"]),
            evidence_kinds=tuple(kinds),
            outcome_ratings=tuple(steps["outcome_ratings"]),
            plan_action_path=steps["plan_action_path"],
        ),
        link_targets=targets,
        chronology_path=document["chronology"]["path"],
        event_kinds=events,
        search=SearchRules(
            path=search["path"],
            max_query_chars=search["max_query_chars"],
            sources=tuple((s["type"], tuple(s["fields"])) for s in search["sources"]),
        ),
    )


def _unique(path: Path, where: str, ids: list[str]) -> None:
    seen: set[str] = set()
    for i, ident in enumerate(ids):
        if ident in seen:
            raise SpecError(path, f"{where}[{i}]", f"{ident!r} is listed twice")
        seen.add(ident)
