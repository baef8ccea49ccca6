"""A caseload whose service figures the harness knows: fixed edge cases (first reviews across
Christmas, Easter, the moved VE day, the jubilee, the state funeral and the coronation; a second
review due on 29 February; placement changes, care left and restarted; assessments authorised
on their due day and the working day after; a draft marked finished) and random children, with
the days to read the figures on (each due day and the day after)."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from service.truth import (
    Episode,
    SeededAssessment,
    SeededChild,
    months_later,
    nth_working_day_after,
)

from accredit.casework_spec import CaseworkSpec
from accredit.sut import SutClient

from steps import child_body, precondition

__all__ = ["Caseload", "build_caseload", "episode_body", "seed_caseload"]

#: First reviews whose 20 working days run over a holiday: (what, the day care starts).
FIRST_REVIEW_CASES = (
    ("Christmas and New Year 2019", date(2019, 12, 13)),
    ("the VE day holiday moved to Friday 8 May 2020", date(2020, 4, 24)),
    ("the jubilee, 2 and 3 June 2022", date(2022, 5, 20)),
    ("the state funeral, 19 September 2022", date(2022, 9, 5)),
    ("the coronation, 8 May 2023", date(2023, 4, 21)),
    ("Easter 2025", date(2025, 4, 4)),
)


@dataclass
class Caseload:
    children: list[SeededChild]
    days: list[date]


def _first_due(spec: CaseworkSpec, start: date) -> date:
    return nth_working_day_after(spec, start, spec.figures.reviews.first_working_days)


def _looked_after_cases(spec: CaseworkSpec, days: set[date]) -> list[SeededChild]:
    schedule = spec.figures.reviews
    children = []
    for what, start in FIRST_REVIEW_CASES:
        due = _first_due(spec, start)
        children.append(SeededChild(f"first review over {what}", episodes=[Episode(start)]))
        days.update(
            {due, due + timedelta(days=1), start + timedelta(days=schedule.first_working_days)}
        )
    # A first review held on its due day; the second due 3 months on, on 29 February 2024.
    first = date(2023, 11, 30)
    start = next(
        d
        for d in (first - timedelta(days=n) for n in range(20, 40))
        if _first_due(spec, d) >= first
    )
    children.append(
        SeededChild(
            "second review due on 29 February 2024", episodes=[Episode(start)], reviews=[first]
        )
    )
    second_due = months_later(first, schedule.second_months)
    days.update({first, second_due, second_due + timedelta(days=1)})
    # A placement change: one period of care over two episodes; the third review is due 6 months on.
    reviews = [date(2021, 3, 25), date(2021, 6, 24)]
    children.append(
        SeededChild(
            "placement change inside one period of care",
            episodes=[Episode(date(2021, 3, 1), date(2021, 6, 10)), Episode(date(2021, 6, 10))],
            reviews=reviews,
        )
    )
    third_due = months_later(reviews[1], schedule.subsequent_months)
    days.update({date(2021, 6, 10), third_due, third_due + timedelta(days=1)})
    # Care that ended before its first review fell due: not looked after the day it ends.
    left = SeededChild(
        "left care before the first review", episodes=[Episode(date(2020, 1, 6), date(2020, 2, 3))]
    )
    children.append(left)
    days.update({date(2020, 1, 31), date(2020, 2, 3), date(2020, 2, 20)})
    # A second period of care: the review of the first period counts for nothing.
    restart = date(2018, 9, 3)
    children.append(
        SeededChild(
            "care restarted: the earlier period's review does not count",
            episodes=[Episode(date(2018, 1, 8), date(2018, 3, 1)), Episode(restart)],
            reviews=[date(2018, 1, 22)],
        )
    )
    due = _first_due(spec, restart)
    days.update({due, due + timedelta(days=1)})
    return children


def _assessment_cases(spec: CaseworkSpec, days: set[date]) -> list[SeededChild]:
    children = []
    for kind, timescale in spec.figures.profile.assessments.items():
        for label, referral_day, lateness, draft in (
            ("authorised on its due day", date(2024, 5, 13), 0, False),
            ("authorised the working day after its due day", date(2024, 6, 17), 1, False),
            ("authorised on its due day over Christmas", date(2024, 11, 20), 0, False),
            ("a draft marked finished on time, never authorised", date(2024, 7, 8), -1, True),
        ):
            start = referral_day + timedelta(days=1)
            anchor = referral_day if timescale.anchor == "referral" else start
            due = nth_working_day_after(spec, anchor, timescale.working_days)
            done = (
                nth_working_day_after(spec, due, lateness)
                if lateness >= 0
                else due - timedelta(days=1)
            )
            assessment = SeededAssessment(kind, start, done, None if draft else done)
            children.append(
                SeededChild(
                    f"{kind} assessment {label}",
                    referrals=[(referral_day, None)],
                    assessments=[(0, assessment)],
                )
            )
            days.update({done, done - timedelta(days=1)})
    days.update({date(2025, 3, 31), date(2025, 4, 1)})
    # Open cases: a referral closed on a day is no longer open that day; a looked-after child
    # with an open referral counts once, as looked after.
    children.append(
        SeededChild(
            "referral closed on 28 February 2025",
            referrals=[(date(2024, 10, 1), date(2025, 2, 28))],
        )
    )
    children.append(
        SeededChild(
            "looked after with an open referral",
            referrals=[(date(2024, 9, 2), None)],
            episodes=[Episode(date(2024, 10, 7))],
            reviews=[date(2024, 10, 28)],
        )
    )
    days.update({date(2025, 2, 27), date(2025, 2, 28)})
    return children


def _random_children(
    spec: CaseworkSpec, rng: random.Random, count: int, days: set[date]
) -> list[SeededChild]:
    schedule = spec.figures.reviews
    children = []
    for index in range(count):
        start = date(2016, 1, 4) + timedelta(days=rng.randrange(0, 3400))
        reviews: list[date] = []
        due = _first_due(spec, start)
        for number in range(rng.randrange(0, 4)):
            held = due + timedelta(days=rng.randrange(-10, 15))
            held = max(held, start + timedelta(days=1))
            reviews.append(held)
            due = months_later(
                held, schedule.second_months if number == 0 else schedule.subsequent_months
            )
        end = None
        if rng.random() < 0.3:
            end = due + timedelta(days=rng.randrange(1, 40))
            reviews = [r for r in reviews if r <= end]
        children.append(
            SeededChild(
                f"random looked-after child {index + 1}",
                episodes=[Episode(start, end)],
                reviews=reviews,
            )
        )
        days.update({due, due + timedelta(days=1)})
    return children


def build_caseload(
    spec: CaseworkSpec, rng: random.Random, random_children: int, today: date
) -> Caseload:
    """Return the caseload and the days to read its figures on (none after `today`)."""
    days: set[date] = set()
    children = _looked_after_cases(spec, days) + _assessment_cases(spec, days)
    children += _random_children(spec, rng, random_children, days)
    last = min(today, spec.calendar.last)
    for child in children:  # nothing is recorded before it happened
        child.reviews = [r for r in child.reviews if r <= today]
    return Caseload(children, sorted(d for d in days if spec.calendar.first <= d <= last))


def episode_body(episode: Episode, following: bool) -> dict[str, Any]:
    """Return the SSDA903 episode a seeded span stands for (a placement change when `following`)."""
    body: dict[str, Any] = {
        "start_date": episode.start.isoformat(),
        "reason_new_episode": "P" if following else "S",
        "legal_status": "C2",
        "category_of_need": "N1",
        "placement_type": "U1",
        "placement_provider": "PR1",
        "home_postcode": "AB1 2CD",
        "placement_postcode": "AB3 4EF",
    }
    if following:
        body["reason_place_change"] = "CARPL"
    if episode.end is not None:
        body["end_date"] = episode.end.isoformat()
        body["reason_ceased"] = "X1"
    return body


def seed_caseload(
    worker: SutClient, manager: SutClient, caseload: Caseload, rng: random.Random
) -> None:
    """Record every child of the caseload through the contract, filling in their ids."""
    for child in caseload.children:
        born = min([e.start for e in child.episodes] + [r for r, _ in child.referrals]) - timedelta(
            days=3000
        )
        record = precondition(
            worker.post("/children", child_body(rng, born)), 201, "record a child"
        )
        child.child_id = record["id"]
        base = f"/children/{child.child_id}"
        referral_ids = []
        for referral_day, closed in child.referrals:
            body: dict[str, Any] = {
                "referral_date": referral_day.isoformat(),
                "source": "1A",
                "primary_need": "N1",
            }
            if closed is not None:
                body |= {"closure_date": closed.isoformat(), "closure_reason": "RC1"}
            referral_ids.append(
                precondition(worker.post(f"{base}/referrals", body), 201, "record a referral")["id"]
            )
        for referral_index, assessment in child.assessments:
            body = {
                "referral_id": referral_ids[referral_index],
                "kind": assessment.kind,
                "start_date": assessment.start.isoformat(),
                "factors": ["1A"],
            }
            if assessment.completed_on is not None:
                body["completed_on"] = assessment.completed_on.isoformat()
            made = precondition(
                worker.post(f"{base}/assessments", body), 201, "record an assessment"
            )
            if assessment.authorised_on is not None:
                precondition(
                    manager.post(
                        f"/assessments/{made['id']}/authorise",
                        {"authorised_on": assessment.authorised_on.isoformat()},
                    ),
                    200,
                    "authorise an assessment",
                )
        ordered = sorted(child.episodes, key=lambda e: e.start)
        for index, episode in enumerate(ordered):
            following = index > 0 and ordered[index - 1].end == episode.start
            precondition(
                worker.post(f"{base}/looked-after-episodes", episode_body(episode, following)),
                201,
                "record an episode of care",
            )
        for review in child.reviews:
            precondition(
                worker.post(
                    f"{base}/reviews", {"review_date": review.isoformat(), "participation": "PN1"}
                ),
                201,
                "record a review",
            )
