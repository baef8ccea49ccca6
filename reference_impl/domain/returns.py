"""The statutory returns from plain facts: the CIN census (XML) and the SSDA903 tables, for a
collection year (specs/returns.yaml). Pure: the API gathers the facts and serves the result."""

from __future__ import annotations

import csv
import io
import xml.etree.ElementTree as ET
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime

from accredit.returns_spec import ReturnsSpec

__all__ = [
    "AssessmentRow",
    "ChildReturn",
    "CinPlanRow",
    "EpisodeRow",
    "MissingRow",
    "ProtectionPlanRow",
    "ReferralRow",
    "ReviewRow",
    "Section47Row",
    "WorkerRow",
    "cin_census_xml",
    "overlaps",
    "ssda903_csv",
    "ssda903_tables",
]


def overlaps(start: date, end: date | None, first: date, last: date) -> bool:
    """Return whether [start, end] shares a day with the year [first, last]."""
    return start <= last and (end is None or end >= first)


@dataclass(frozen=True)
class AssessmentRow:
    start: date
    authorised_on: date | None
    factors: tuple[str, ...]


@dataclass(frozen=True)
class CinPlanRow:
    start: date
    end: date | None


@dataclass(frozen=True)
class Section47Row:
    start: date
    conference_target: date | None
    conference_date: date | None
    not_required: bool


@dataclass(frozen=True)
class ProtectionPlanRow:
    start: date
    end: date | None
    initial_category: str
    latest_category: str
    reviews: tuple[date, ...]
    previous_plans: int


@dataclass(frozen=True)
class ReferralRow:
    referral_date: date
    source: str
    primary_need: str
    no_further_action: bool
    closure_date: date | None
    closure_reason: str | None
    assessments: tuple[AssessmentRow, ...] = ()
    cin_plans: tuple[CinPlanRow, ...] = ()
    enquiries: tuple[Section47Row, ...] = ()
    protection_plans: tuple[ProtectionPlanRow, ...] = ()


@dataclass(frozen=True)
class EpisodeRow:
    start: date
    rne: str
    legal_status: str
    category_of_need: str
    placement: str
    provider: str
    home_postcode: str
    placement_postcode: str
    reason_place_change: str | None
    end: date | None
    reason_ceased: str | None


@dataclass(frozen=True)
class ReviewRow:
    day: date
    participation: str


@dataclass(frozen=True)
class MissingRow:
    kind: str
    start: date
    end: date | None


@dataclass(frozen=True)
class WorkerRow:
    worker_id: str
    start: date
    end: date | None
    reason: str


@dataclass(frozen=True)
class ChildReturn:
    child_id: str
    date_of_birth: date
    sex: str  # female | male | unknown
    ethnicity: str
    upn: str | None
    upn_unknown: str | None
    disabilities: tuple[str, ...]
    previous_permanence: str = "Z1"
    referrals: tuple[ReferralRow, ...] = ()
    episodes: tuple[EpisodeRow, ...] = ()
    reviews: tuple[ReviewRow, ...] = ()
    missing: tuple[MissingRow, ...] = ()
    workers: tuple[WorkerRow, ...] = field(default=())


# --- CIN census -----------------------------------------------------------------------------


def _text(parent: ET.Element, tag: str, value: object) -> None:
    if value is None:
        return
    if isinstance(value, bool):
        value = "true" if value else "false"
    elif isinstance(value, date):
        value = value.isoformat()
    ET.SubElement(parent, tag).text = str(value)


def _in_order(parent: ET.Element, order: Sequence[str]) -> None:
    """Put the children of `parent` in the order the census structure gives."""
    rank = {tag: i for i, tag in enumerate(order)}
    children = sorted(parent, key=lambda e: rank.get(e.tag, len(rank)))
    for child in list(parent):
        parent.remove(child)
    parent.extend(children)


def _cin_details(
    parent: ET.Element, referral: ReferralRow, first: date, last: date, spec: ReturnsSpec
) -> None:
    """Write one CIN episode with the activity of the year: each assessment, plan and enquiry
    that shares a day with it (an initial conference is recorded with its enquiry)."""
    structure = spec.cin_child
    details = ET.SubElement(parent, "CINdetails")
    _text(details, "CINreferralDate", referral.referral_date)
    _text(details, "ReferralSource", referral.source)
    _text(details, "PrimaryNeedCode", referral.primary_need)
    closed = _by(referral.closure_date, last)
    _text(details, "CINclosureDate", closed)
    _text(details, "ReasonForClosure", referral.closure_reason if closed else None)
    _text(details, "ReferralNFA", referral.no_further_action)
    for assessment in referral.assessments:
        if not overlaps(assessment.start, assessment.authorised_on, first, last):
            continue
        element = ET.SubElement(details, "Assessments")
        _text(element, "AssessmentActualStartDate", assessment.start)
        authorised = _by(assessment.authorised_on, last)
        _text(element, "AssessmentAuthorisationDate", authorised)
        if authorised is not None and assessment.factors:
            factors = ET.SubElement(element, "FactorsIdentifiedAtAssessment")
            for factor in assessment.factors:
                _text(factors, "AssessmentFactors", factor)
        _in_order(element, structure["Assessments"])
    for cin_plan in referral.cin_plans:
        if overlaps(cin_plan.start, cin_plan.end, first, last):
            element = ET.SubElement(details, "CINPlanDates")
            _text(element, "CINPlanStartDate", cin_plan.start)
            _text(element, "CINPlanEndDate", _by(cin_plan.end, last))
    for enquiry in referral.enquiries:
        if overlaps(enquiry.start, enquiry.conference_date, first, last):
            element = ET.SubElement(details, "Section47")
            _text(element, "S47ActualStartDate", enquiry.start)
            _text(element, "InitialCPCtarget", enquiry.conference_target)
            _text(element, "DateOfInitialCPC", _by(enquiry.conference_date, last))
            _text(element, "ICPCnotRequired", enquiry.not_required)
    for plan in referral.protection_plans:
        if not overlaps(plan.start, plan.end, first, last):
            continue
        element = ET.SubElement(details, "ChildProtectionPlans")
        _text(element, "CPPstartDate", plan.start)
        _text(element, "CPPendDate", _by(plan.end, last))
        _text(element, "InitialCategoryOfAbuse", plan.initial_category)
        _text(element, "LatestCategoryOfAbuse", plan.latest_category)
        _text(element, "NumberOfPreviousCPP", plan.previous_plans)
        reviews = [r for r in plan.reviews if first <= r <= last]
        if reviews:
            held_reviews = ET.SubElement(element, "Reviews")
            for review in reviews:
                _text(held_reviews, "CPPreviewDate", review)
    _in_order(details, structure["CINdetails"])


def _by(day: date | None, last: date) -> date | None:
    """Return `day` if it has come by `last`, else None (not yet known at the reference date)."""
    return day if day is not None and day <= last else None


def cin_census_xml(
    children: Iterable[ChildReturn],
    collection_year: int,
    reference_date: date,
    spec: ReturnsSpec,
    made_at: datetime,
) -> bytes:
    """Return the CIN census for the year: every child with a CIN episode open in it."""
    first, _ = spec.year_bounds(collection_year)
    last = reference_date
    message = ET.Element("Message")
    header = ET.SubElement(message, "Header")
    collection = ET.SubElement(header, "CollectionDetails")
    _text(collection, "Collection", "CIN")
    _text(collection, "Year", collection_year)
    _text(collection, "ReferenceDate", reference_date)
    source = ET.SubElement(header, "Source")
    _text(source, "SourceLevel", "L")
    _text(source, "LEA", spec.lea)
    _text(source, "SoftwareCode", spec.software_code)
    _text(source, "Release", "1")
    _text(source, "SerialNo", "1")
    _text(source, "DateTime", made_at.replace(microsecond=0, tzinfo=None).isoformat())
    listing = ET.SubElement(message, "Children")
    for child in sorted(children, key=lambda c: c.child_id):
        referrals = [
            r for r in child.referrals if overlaps(r.referral_date, r.closure_date, first, last)
        ]
        if not referrals:
            continue
        element = ET.SubElement(listing, "Child")
        identifiers = ET.SubElement(element, "ChildIdentifiers")
        _text(identifiers, "LAchildID", child.child_id)
        _text(identifiers, "UPN", child.upn)
        _text(identifiers, "UPNunknown", child.upn_unknown)
        _text(identifiers, "PersonBirthDate", child.date_of_birth)
        _text(identifiers, "Sex", spec.cin_sex[child.sex])
        characteristics = ET.SubElement(element, "ChildCharacteristics")
        _text(characteristics, "Ethnicity", child.ethnicity)
        disabilities = ET.SubElement(characteristics, "Disabilities")
        for disability in child.disabilities:
            _text(disabilities, "Disability", disability)
        for referral in sorted(referrals, key=lambda r: r.referral_date):
            _cin_details(element, referral, first, last, spec)
    ET.indent(message)
    document: bytes = ET.tostring(message, encoding="utf-8", xml_declaration=True)
    return document


# --- SSDA903 ----------------------------------------------------------------------------------


def ssda903_tables(
    children: Iterable[ChildReturn], collection_year: int, spec: ReturnsSpec
) -> dict[str, list[dict[str, str]]]:
    """Return every SSDA903 table for the year: each child looked after at any time in it."""
    first, last = spec.year_bounds(collection_year)
    tables: dict[str, list[dict[str, str]]] = {name: [] for name in spec.tables}

    def day(value: date | None) -> str:
        return value.strftime(spec.date_format) if value is not None else ""

    for child in sorted(children, key=lambda c: c.child_id):
        episodes = [e for e in child.episodes if overlaps(e.start, e.end, first, last)]
        if not episodes:
            continue
        dob = day(child.date_of_birth)
        tables["header"].append(
            {
                "CHILD": child.child_id,
                "SEX": spec.ssda903_sex[child.sex],
                "DOB": dob,
                "ETHNIC": child.ethnicity,
                "UPN": child.upn or child.upn_unknown or "",
                "MOTHER": "0" if child.sex == "female" else "",
                "MC_DOB": "",
            }
        )
        if any(e.rne == "S" and first <= e.start <= last for e in episodes):
            tables["previous_permanence"].append(
                {
                    "CHILD": child.child_id,
                    "DOB": dob,
                    "PREV_PERM": child.previous_permanence,
                    "LA_PERM": "",
                    "DATE_PERM": "",
                }
            )
        for episode in sorted(episodes, key=lambda e: e.start):
            ended = episode.end if episode.end is not None and episode.end <= last else None
            tables["episodes"].append(
                {
                    "CHILD": child.child_id,
                    "DECOM": day(episode.start),
                    "RNE": episode.rne,
                    "LS": episode.legal_status,
                    "CIN": episode.category_of_need,
                    "PLACE": episode.placement,
                    "PLACE_PROVIDER": episode.provider,
                    "DEC": day(ended),
                    "REC": episode.reason_ceased or "" if ended else "",
                    "REASON_PLACE_CHANGE": episode.reason_place_change or "",
                    "HOME_POST": episode.home_postcode,
                    "PL_POST": episode.placement_postcode,
                    "URN": "XXXXXXX",
                }
            )
        for review in sorted(child.reviews, key=lambda r: r.day):
            if first <= review.day <= last:
                tables["reviews"].append(
                    {
                        "CHILD": child.child_id,
                        "DOB": dob,
                        "REVIEW": day(review.day),
                        "REVIEW_CODE": review.participation,
                    }
                )
        for missing in sorted(child.missing, key=lambda m: m.start):
            if overlaps(missing.start, missing.end, first, last):
                ended = missing.end if missing.end is not None and missing.end <= last else None
                tables["missing"].append(
                    {
                        "CHILD": child.child_id,
                        "DOB": dob,
                        "MISSING": missing.kind,
                        "MIS_START": day(missing.start),
                        "MIS_END": day(ended),
                    }
                )
        for worker in sorted(child.workers, key=lambda w: w.start):
            if overlaps(worker.start, worker.end, first, last):
                ended = worker.end if worker.end is not None and worker.end <= last else None
                tables["sw_episodes"].append(
                    {
                        "CHILD": child.child_id,
                        "DOB": dob,
                        "SW_ID": worker.worker_id,
                        "SW_DECOM": day(worker.start),
                        "SW_DEC": day(ended),
                        "SW_REASON": worker.reason,
                    }
                )
    return tables


def ssda903_csv(rows: list[dict[str, str]], columns: Sequence[str]) -> str:
    """Return a table as CSV with the Department's column names as its header row."""
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(columns), lineterminator="\r\n")
    writer.writeheader()
    for row in rows:
        writer.writerow({c: row.get(c, "") for c in columns})
    return out.getvalue()
