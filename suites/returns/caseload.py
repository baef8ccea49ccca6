"""A caseload for the statutory returns whose every row the harness knows, with the edge cases
returns get wrong: episodes crossing the year boundary, a child with two CIN episodes, a
protection plan ended and restarted, a child missing twice, a review on the year's last day,
a draft assessment, and children whose cases ended before the year (absent from both returns).

The truth is written here as the rows each return must hold, derived from the seeded records by
the rules of specs/returns.yaml; the reference's builders are never used.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from accredit.returns_spec import ReturnsSpec
from accredit.sut import SutClient

from steps import child_body, precondition

__all__ = [
    "COLLECTION_YEAR",
    "REFERENCE_DATE",
    "Seeded",
    "caseload",
    "seed",
    "truth_903",
    "truth_cin",
]

#: Postcodes in the returns' local authority (E09000027), as the validators' postcode list has
#: them: the placement's local authority and distance are derived from them.
HOME_POSTCODE, PLACEMENT_POSTCODE = "TW1 1AA", "TW1 1AF"
#: The collection year the returns are checked for (2025-26) and the census reference date.
COLLECTION_YEAR = 2026
REFERENCE_DATE = date(2026, 3, 31)


def d(text: str) -> date:
    return date.fromisoformat(text)


@dataclass
class Seeded:
    label: str
    born: date
    sex: str
    ethnicity: str
    upn_unknown: str
    referrals: list[dict[str, Any]] = field(default_factory=list)
    episodes: list[dict[str, Any]] = field(default_factory=list)
    reviews: list[tuple[date, str]] = field(default_factory=list)
    missing: list[tuple[str, date, date | None]] = field(default_factory=list)
    workers: list[tuple[str, date, date | None, str]] = field(default_factory=list)
    child_id: str = ""


def _episode(
    start: str,
    place: str,
    end: str | None = None,
    rec: str | None = None,
    *,
    rne: str = "S",
    change: str | None = None,
) -> dict[str, Any]:
    return {
        "start_date": d(start),
        "reason_new_episode": rne,
        "legal_status": "C2",
        "category_of_need": "N1",
        "placement_type": place,
        "placement_provider": "PR1",
        "home_postcode": HOME_POSTCODE,
        "placement_postcode": PLACEMENT_POSTCODE,
        "reason_place_change": change,
        "end_date": d(end) if end else None,
        "reason_ceased": rec,
    }


def caseload() -> list[Seeded]:
    """Return the seeded children, each with what they are there to test."""
    two_episodes = Seeded(
        "two CIN episodes, the first closed in the year", d("2014-02-11"), "female", "WBRI", "UN2"
    )
    two_episodes.referrals = [
        {
            "referral_date": d("2024-06-03"),
            "source": "1A",
            "primary_need": "N1",
            "closure_date": d("2025-05-20"),
            "closure_reason": "RC1",
            "assessments": [
                {
                    "start_date": d("2024-06-04"),
                    "authorised_on": d("2024-07-15"),
                    "factors": ["1A"],
                },
                {
                    "start_date": d("2025-04-02"),
                    "authorised_on": d("2025-05-02"),
                    "factors": ["2B"],
                },
            ],
            "cin_plans": [{"start_date": d("2024-07-22"), "end_date": d("2025-05-20")}],
        },
        {
            "referral_date": d("2025-09-01"),
            "source": "5A",
            "primary_need": "N2",
            "assessments": [
                {
                    "start_date": d("2025-09-02"),
                    "authorised_on": d("2025-10-10"),
                    "factors": ["2A", "3A"],
                }
            ],
            "cin_plans": [{"start_date": d("2025-10-13"), "end_date": None}],
        },
    ]
    restarted = Seeded(
        "a protection plan ended and restarted", d("2019-08-30"), "male", "MWBC", "UN1"
    )
    restarted.referrals = [
        {
            "referral_date": d("2025-04-14"),
            "source": "2A",
            "primary_need": "N1",
            "assessments": [
                {"start_date": d("2025-04-15"), "authorised_on": d("2025-05-30"), "factors": ["4A"]}
            ],
            "enquiries": [
                {
                    "start_date": d("2025-04-22"),
                    "conference_target": d("2025-05-13"),
                    "conference_date": d("2025-05-06"),
                },
                {
                    "start_date": d("2025-10-01"),
                    "conference_target": d("2025-10-22"),
                    "conference_date": d("2025-10-20"),
                },
            ],
            "protection_plans": [
                {
                    "start_date": d("2025-05-06"),
                    "end_date": d("2025-08-01"),
                    "initial_category": "NEG",
                    "latest_category": "NEG",
                    "review_dates": [d("2025-07-30")],
                },
                {
                    "start_date": d("2025-10-20"),
                    "end_date": None,
                    "initial_category": "EMO",
                    "latest_category": "EMO",
                    "review_dates": [d("2026-01-15")],
                },
            ],
        }
    ]
    draft = Seeded(
        "an assessment still a draft at the reference date",
        d("2012-12-01"),
        "female",
        "ABAN",
        "UN2",
    )
    draft.referrals = [
        {
            "referral_date": d("2025-11-03"),
            "source": "3A",
            "primary_need": "N3",
            "assessments": [
                {
                    "start_date": d("2025-11-04"),
                    "completed_on": d("2025-12-01"),
                    "authorised_on": None,
                    "factors": ["8B"],
                }
            ],
        }
    ]
    closed_before = Seeded(
        "CIN episode closed before the year (in neither return)",
        d("2010-05-05"),
        "male",
        "WBRI",
        "UN2",
    )
    closed_before.referrals = [
        {
            "referral_date": d("2024-01-10"),
            "source": "1A",
            "primary_need": "N1",
            "closure_date": d("2024-12-02"),
            "closure_reason": "RC1",
            "assessments": [
                {"start_date": d("2024-01-11"), "authorised_on": d("2024-02-20"), "factors": ["1A"]}
            ],
        }
    ]
    crossing = Seeded(
        "looked after across the year boundary, a placement change, missing twice, left care",
        d("2011-03-15"),
        "male",
        "BAFR",
        "UN2",
    )
    crossing.episodes = [
        _episode("2025-01-10", "U1", "2025-06-02", "X1", change="CARPL"),
        _episode("2025-06-02", "U4", "2026-03-20", "E13", rne="P"),
    ]
    crossing.reviews = [
        (d("2025-02-06"), "PN1"),
        (d("2025-05-01"), "PN1"),
        (d("2025-10-30"), "PN1"),
    ]
    crossing.missing = [
        ("M", d("2025-07-01"), d("2025-07-02")),
        ("M", d("2025-11-11"), d("2025-11-12")),
    ]
    crossing.workers = [("SW01", d("2025-01-10"), None, "MANAGE")]
    starter = Seeded(
        "started care in the year, a review on its last day",
        d("2009-09-09"),
        "female",
        "WIRI",
        "UN2",
    )
    starter.episodes = [_episode("2025-09-01", "U1")]
    starter.reviews = [(d("2025-09-26"), "PN1"), (d("2025-12-18"), "PN1"), (d("2026-03-31"), "PN1")]
    starter.workers = [("SW02", d("2025-09-01"), None, "MANAGE")]
    before = Seeded(
        "left care before the year (in neither return)", d("2013-01-20"), "male", "WBRI", "UN2"
    )
    before.episodes = [_episode("2024-01-08", "U1", "2024-03-01", "E13")]
    before.reviews = [(d("2024-02-01"), "PN1")]
    return [two_episodes, restarted, draft, closed_before, crossing, starter, before]


def seed(worker: SutClient, manager: SutClient, children: list[Seeded], rng: random.Random) -> None:
    """Record every seeded child through the contract; fill in the ids the product gave."""
    for child in children:
        body = child_body(rng, child.born) | {"sex": child.sex}
        record = precondition(worker.post("/children", body), 201, "record a child")
        child.child_id = str(record["id"])
        base = f"/children/{record['id']}"
        precondition(
            worker.request(
                "PUT",
                f"{base}/characteristics",
                {
                    "ethnicity": child.ethnicity,
                    "upn_unknown": child.upn_unknown,
                    "disabilities": ["NONE"],
                },
            ),
            200,
            "record the child's characteristics",
        )
        for referral in child.referrals:
            fields = {
                k: _json(referral.get(k))
                for k in (
                    "referral_date",
                    "source",
                    "primary_need",
                    "closure_date",
                    "closure_reason",
                )
            }
            made = precondition(
                worker.post(
                    f"{base}/referrals", {k: v for k, v in fields.items() if v is not None}
                ),
                201,
                "record a referral",
            )
            for assessment in referral.get("assessments", []):
                sent = {
                    "referral_id": made["id"],
                    "kind": "single",
                    "start_date": _json(assessment["start_date"]),
                    "factors": assessment["factors"],
                }
                if assessment.get("completed_on"):
                    sent["completed_on"] = _json(assessment["completed_on"])
                recorded = precondition(
                    worker.post(f"{base}/assessments", sent), 201, "record an assessment"
                )
                if assessment["authorised_on"] is not None:
                    precondition(
                        manager.post(
                            f"/assessments/{recorded['id']}/authorise",
                            {"authorised_on": _json(assessment["authorised_on"])},
                        ),
                        200,
                        "authorise an assessment",
                    )
            for path, key in (
                ("cin-plans", "cin_plans"),
                ("section-47-enquiries", "enquiries"),
                ("child-protection-plans", "protection_plans"),
            ):
                for item in referral.get(key, []):
                    precondition(
                        worker.post(f"/referrals/{made['id']}/{path}", _json(item)),
                        201,
                        f"record {key}",
                    )
        for episode in child.episodes:
            sent = {k: _json(v) for k, v in episode.items() if v is not None}
            precondition(
                worker.post(f"{base}/looked-after-episodes", sent), 201, "record an episode of care"
            )
        for day, code in child.reviews:
            precondition(
                worker.post(
                    f"{base}/reviews", {"review_date": day.isoformat(), "participation": code}
                ),
                201,
                "record a review",
            )
        for kind, start, end in child.missing:
            sent = {"kind": kind, "start_date": start.isoformat()} | (
                {"end_date": end.isoformat()} if end else {}
            )
            precondition(
                worker.post(f"{base}/missing-episodes", sent), 201, "record a missing episode"
            )
        for worker_id, start, end, reason in child.workers:
            sent = {"worker_id": worker_id, "start_date": start.isoformat(), "reason": reason} | (
                {"end_date": end.isoformat()} if end else {}
            )
            precondition(
                worker.post(f"{base}/social-worker-episodes", sent),
                201,
                "record a social worker episode",
            )


def _json(value: Any) -> Any:
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, list):
        return [_json(v) for v in value]
    if isinstance(value, dict):
        return {k: _json(v) for k, v in value.items() if v is not None}
    return value


# --- the truth ----------------------------------------------------------------------------------


def _overlaps(start: date, end: date | None, first: date, last: date) -> bool:
    return start <= last and (end is None or end >= first)


def _upto(day: date | None, last: date) -> date | None:
    return day if day is not None and day <= last else None


def truth_903(spec: ReturnsSpec, children: list[Seeded]) -> dict[str, list[dict[str, str]]]:
    """Return the rows each SSDA903 table must hold for the seeded children."""
    first, last = spec.year_bounds(COLLECTION_YEAR)

    def day(value: date | None) -> str:
        return value.strftime(spec.date_format) if value else ""

    tables: dict[str, list[dict[str, str]]] = {name: [] for name in spec.tables}
    for child in children:
        episodes = [
            e for e in child.episodes if _overlaps(e["start_date"], e["end_date"], first, last)
        ]
        if not episodes:
            continue
        dob = day(child.born)
        tables["header"].append(
            {
                "CHILD": child.child_id,
                "SEX": spec.ssda903_sex[child.sex],
                "DOB": dob,
                "ETHNIC": child.ethnicity,
                "UPN": child.upn_unknown,
                "MOTHER": "0" if child.sex == "female" else "",
                "MC_DOB": "",
            }
        )
        if any(
            e["reason_new_episode"] == "S" and first <= e["start_date"] <= last for e in episodes
        ):
            tables["previous_permanence"].append(
                {
                    "CHILD": child.child_id,
                    "DOB": dob,
                    "PREV_PERM": "Z1",
                    "LA_PERM": "",
                    "DATE_PERM": "",
                }
            )
        for e in episodes:
            ended = _upto(e["end_date"], last)
            tables["episodes"].append(
                {
                    "CHILD": child.child_id,
                    "DECOM": day(e["start_date"]),
                    "RNE": e["reason_new_episode"],
                    "LS": e["legal_status"],
                    "CIN": e["category_of_need"],
                    "PLACE": e["placement_type"],
                    "PLACE_PROVIDER": e["placement_provider"],
                    "DEC": day(ended),
                    "REC": e["reason_ceased"] if ended else "",
                    "REASON_PLACE_CHANGE": e["reason_place_change"] or "",
                    "HOME_POST": e["home_postcode"],
                    "PL_POST": e["placement_postcode"],
                    "URN": "XXXXXXX",
                }
            )
        for review, code in child.reviews:
            if first <= review <= last:
                tables["reviews"].append(
                    {
                        "CHILD": child.child_id,
                        "DOB": dob,
                        "REVIEW": day(review),
                        "REVIEW_CODE": code,
                    }
                )
        for kind, start, end in child.missing:
            if _overlaps(start, end, first, last):
                tables["missing"].append(
                    {
                        "CHILD": child.child_id,
                        "DOB": dob,
                        "MISSING": kind,
                        "MIS_START": day(start),
                        "MIS_END": day(_upto(end, last)),
                    }
                )
        for worker_id, start, end, reason in child.workers:
            if _overlaps(start, end, first, last):
                tables["sw_episodes"].append(
                    {
                        "CHILD": child.child_id,
                        "DOB": dob,
                        "SW_ID": worker_id,
                        "SW_DECOM": day(start),
                        "SW_DEC": day(_upto(end, last)),
                        "SW_REASON": reason,
                    }
                )
    return tables


def truth_cin(children: list[Seeded], spec: ReturnsSpec) -> dict[str, list[dict[str, Any]]]:
    """Return, per seeded child in the census, its CIN episodes as flat facts to compare."""
    first, _ = spec.year_bounds(COLLECTION_YEAR)
    last = REFERENCE_DATE
    census: dict[str, list[dict[str, Any]]] = {}
    for child in children:
        episodes = []
        plans_before = 0
        for r in child.referrals:
            protection = []
            for p in r.get("protection_plans", []):
                plans_before += 1
                if not _overlaps(p["start_date"], p["end_date"], first, last):
                    continue
                protection.append(
                    {
                        "CPPstartDate": p["start_date"].isoformat(),
                        "CPPendDate": _iso(_upto(p["end_date"], last)),
                        "InitialCategoryOfAbuse": p["initial_category"],
                        "LatestCategoryOfAbuse": p["latest_category"],
                        "NumberOfPreviousCPP": str(plans_before - 1),
                        "CPPreviewDate": [
                            x.isoformat() for x in p["review_dates"] if first <= x <= last
                        ],
                    }
                )
            if not _overlaps(r["referral_date"], r.get("closure_date"), first, last):
                continue
            closed = _upto(r.get("closure_date"), last)
            episodes.append(
                {
                    "CINreferralDate": r["referral_date"].isoformat(),
                    "ReferralSource": r["source"],
                    "PrimaryNeedCode": r["primary_need"],
                    "CINclosureDate": _iso(closed),
                    "ReasonForClosure": r.get("closure_reason") if closed else None,
                    "DateOfInitialCPC": None,  # recorded with its section 47 enquiry
                    "ReferralNFA": "false",
                    "Assessments": [
                        {
                            "AssessmentActualStartDate": a["start_date"].isoformat(),
                            "AssessmentAuthorisationDate": _iso(_upto(a["authorised_on"], last)),
                            "AssessmentFactors": a["factors"]
                            if _upto(a["authorised_on"], last)
                            else [],
                        }
                        for a in r.get("assessments", [])
                        if _overlaps(a["start_date"], a["authorised_on"], first, last)
                    ],
                    "CINPlanDates": [
                        {
                            "CINPlanStartDate": p["start_date"].isoformat(),
                            "CINPlanEndDate": _iso(_upto(p["end_date"], last)),
                        }
                        for p in r.get("cin_plans", [])
                        if _overlaps(p["start_date"], p["end_date"], first, last)
                    ],
                    "Section47": [
                        {
                            "S47ActualStartDate": e["start_date"].isoformat(),
                            "InitialCPCtarget": _iso(e.get("conference_target")),
                            "DateOfInitialCPC": _iso(_upto(e.get("conference_date"), last)),
                            "ICPCnotRequired": "false",
                        }
                        for e in r.get("enquiries", [])
                        if _overlaps(e["start_date"], e.get("conference_date"), first, last)
                    ],
                    "ChildProtectionPlans": protection,
                }
            )
        if episodes:
            census[child.child_id] = episodes
    return census


def _iso(value: date | None) -> str | None:
    return value.isoformat() if value else None
