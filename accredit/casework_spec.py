"""The casework part of the specs: the working-day calendar (specs/calendar.yaml), the
timescales, review schedule and case statuses of the service figures
(specs/service_figures.yaml) and the DfE code lists (specs/code_lists.yaml).

The reference and the suites read these through `casework_spec(root)`; nothing else restates
a holiday, a timescale or a code.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from functools import cache
from pathlib import Path
from types import MappingProxyType
from typing import Any

import yaml

from accredit.errors import SpecError
from accredit.specs import validate_document

__all__ = [
    "AssessmentTimescale",
    "Calendar",
    "CaseworkSpec",
    "ReviewSchedule",
    "ServiceFigures",
    "TimescaleProfile",
    "casework_spec",
    "read_spec_yaml",
]

_WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")


@dataclass(frozen=True)
class Calendar:
    """Which days are not working days, and the range of days the calendar speaks for."""

    first: date
    last: date
    weekend: frozenset[int]  # date.weekday() numbers
    bank_holidays: Mapping[date, str]
    source: str

    def covers(self, day: date) -> bool:
        """Return whether the calendar says whether `day` is a working day."""
        return self.first <= day <= self.last


@dataclass(frozen=True)
class AssessmentTimescale:
    working_days: int
    anchor: str  # "referral" or "assessment_start"


@dataclass(frozen=True)
class TimescaleProfile:
    id: str
    title: str
    source: str
    assessments: Mapping[str, AssessmentTimescale]  # assessment kind -> its timescale


@dataclass(frozen=True)
class ReviewSchedule:
    """Reg. 33: the first review N working days into a period of care, then months apart."""

    first_working_days: int
    second_months: int
    subsequent_months: int
    source: str


@dataclass(frozen=True)
class ServiceFigures:
    profile: TimescaleProfile  # the configured one
    profiles: Mapping[str, TimescaleProfile]
    reviews: ReviewSchedule
    statuses: tuple[str, ...]  # open-case statuses, in precedence order
    year_start: tuple[int, int]  # (month, day) the assessment year starts on


@dataclass(frozen=True)
class CaseworkSpec:
    calendar: Calendar
    figures: ServiceFigures
    codes: Mapping[str, tuple[str, ...]]  # code list name -> codes
    collection_year: str


def read_spec_yaml(path: Path, schema: str) -> dict[str, Any]:
    """Return the YAML document at `path`, checked against `specs/schema/<schema>.schema.json`."""
    if not path.is_file():
        raise SpecError(path, "", "file not found")
    try:
        document = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise SpecError(path, "", f"not valid YAML: {exc}") from None
    if not isinstance(document, dict):
        raise SpecError(path, "", "expected a mapping at the top of the file")
    validate_document(document, schema, path)
    return document


def _calendar(path: Path) -> Calendar:
    doc = read_spec_yaml(path, "calendar")
    first = date.fromisoformat(doc["covers"]["from"])
    last = date.fromisoformat(doc["covers"]["to"])
    if last < first:
        raise SpecError(path, "covers", "`to` is before `from`")
    holidays: dict[date, str] = {}
    for index, entry in enumerate(doc["bank_holidays"]):
        try:
            day = date.fromisoformat(entry["date"])
        except ValueError:
            raise SpecError(path, f"bank_holidays[{index}].date", "not a calendar date") from None
        if day in holidays:
            raise SpecError(path, f"bank_holidays[{index}]", f"{day} is listed twice")
        if not first <= day <= last:
            raise SpecError(path, f"bank_holidays[{index}]", f"{day} is outside `covers`")
        holidays[day] = entry["name"]
    years = {d.year for d in holidays}
    missing = [y for y in range(first.year, last.year + 1) if y not in years]
    if missing:
        raise SpecError(path, "bank_holidays", f"no bank holidays for {missing}")
    return Calendar(
        first=first,
        last=last,
        weekend=frozenset(_WEEKDAYS.index(d) for d in doc["weekend"]),
        bank_holidays=MappingProxyType(dict(sorted(holidays.items()))),
        source=doc["source"],
    )


def _figures(path: Path) -> ServiceFigures:
    doc = read_spec_yaml(path, "service_figures")
    profiles = {
        key: TimescaleProfile(
            id=key,
            title=p["title"],
            source=p["source"],
            assessments=MappingProxyType(
                {
                    kind: AssessmentTimescale(t["working_days"], t["from"])
                    for kind, t in p["assessments"].items()
                }
            ),
        )
        for key, p in doc["timescales"]["profiles"].items()
    }
    for key, profile in profiles.items():
        for kind, timescale in profile.assessments.items():
            if timescale.anchor not in ("referral", "assessment_start"):
                raise SpecError(
                    path,
                    f"timescales.profiles.{key}.assessments.{kind}.from",
                    "an assessment counts from the referral or from its own start",
                )
    configured = doc["timescales"]["configured"]
    if configured not in profiles:
        raise SpecError(
            path, "timescales.configured", f"no profile {configured!r}; have {sorted(profiles)}"
        )
    reviews = doc["looked_after_reviews"]
    if reviews["first"]["from"] != "period_of_care_start":
        raise SpecError(path, "looked_after_reviews.first.from", "must be period_of_care_start")
    statuses = tuple(s["id"] for s in doc["open_cases"]["statuses"])
    if len(set(statuses)) != len(statuses):
        raise SpecError(path, "open_cases.statuses", "a status is listed twice")
    start = doc["assessment_year_start"]
    return ServiceFigures(
        profile=profiles[configured],
        profiles=MappingProxyType(profiles),
        reviews=ReviewSchedule(
            first_working_days=reviews["first"]["working_days"],
            second_months=reviews["second"]["months"],
            subsequent_months=reviews["subsequent"]["months"],
            source=reviews["source"],
        ),
        statuses=statuses,
        year_start=(start["month"], start["day"]),
    )


@cache
def _load(root: Path) -> CaseworkSpec:
    codes_doc = read_spec_yaml(root / "code_lists.yaml", "code_lists")
    return CaseworkSpec(
        calendar=_calendar(root / "calendar.yaml"),
        figures=_figures(root / "service_figures.yaml"),
        codes=MappingProxyType(
            {name: tuple(entry["codes"]) for name, entry in codes_doc["lists"].items()}
        ),
        collection_year=codes_doc["collection_year"],
    )


def casework_spec(root: Path) -> CaseworkSpec:
    """Return the validated casework specs under the spec folder `root` (read once per root)."""
    return _load(Path(root).resolve())
