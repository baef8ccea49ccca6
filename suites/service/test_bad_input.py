"""Casework records refuse bad input and store nothing of it (SVC-004)."""

from __future__ import annotations

import random
from datetime import date, timedelta
from typing import Any

import pytest
from service.caseload import episode_body
from service.truth import Episode

from accredit.casework_spec import casework_spec
from accredit.specs import SpecBundle
from accredit.sut import SutClient

from steps import child_body, precondition

WORKER = "sw_a"
#: An id no product has issued.
UNKNOWN_ID = 987_654_321


def _listing(client: SutClient, child_id: int) -> dict[str, Any]:
    return {
        kind: precondition(
            client.get(f"/children/{child_id}/{kind}"), 200, f"list the child's {kind}"
        )
        for kind in (
            "referrals",
            "assessments",
            "looked-after-episodes",
            "reviews",
            "missing-episodes",
        )
    }


def _refused(exchange: Any, what: str) -> str | None:
    if 400 <= exchange.status < 500 and exchange.code:
        return None
    return (
        f"{what}: expected a 4xx with an error code, got {exchange.status}: {exchange.text[:200]!r}"
    )


@pytest.mark.requirement("SVC-004")
def test_bad_casework_input_is_refused(
    sut: SutClient, specs: SpecBundle, rng: random.Random
) -> None:
    spec = casework_spec(specs.root)
    worker = sut.as_user(WORKER)
    child = precondition(
        worker.post("/children", child_body(rng, date(2012, 5, 17))), 201, "record a child"
    )
    base = f"/children/{child['id']}"
    referral = precondition(
        worker.post(
            f"{base}/referrals",
            {"referral_date": "2024-03-04", "source": "1A", "primary_need": "N1"},
        ),
        201,
        "record a referral",
    )
    episode = precondition(
        worker.post(
            f"{base}/looked-after-episodes",
            episode_body(Episode(date(2024, 4, 1), date(2024, 9, 2)), False),
        ),
        201,
        "record an episode of care",
    )
    before = _listing(worker, child["id"])
    outside = spec.calendar.first - timedelta(days=1)
    to_come = date.today() + timedelta(days=30)
    good_episode = episode_body(Episode(date(2025, 1, 6)), False)
    cases: list[tuple[str, str, str, Any]] = [
        (
            "a referral of an unknown child",
            "POST",
            f"/children/{UNKNOWN_ID}/referrals",
            {"referral_date": "2024-03-04", "source": "1A", "primary_need": "N1"},
        ),
        (
            "a referral dated 2024-02-30",
            "POST",
            f"{base}/referrals",
            {"referral_date": "2024-02-30", "source": "1A", "primary_need": "N1"},
        ),
        (
            "a referral dated before the calendar",
            "POST",
            f"{base}/referrals",
            {"referral_date": outside.isoformat(), "source": "1A", "primary_need": "N1"},
        ),
        (
            "a referral dated in the future",
            "POST",
            f"{base}/referrals",
            {"referral_date": to_come.isoformat(), "source": "1A", "primary_need": "N1"},
        ),
        (
            "a referral source outside the code list",
            "POST",
            f"{base}/referrals",
            {"referral_date": "2024-03-04", "source": "1Z", "primary_need": "N1"},
        ),
        (
            "a referral closed before it was made",
            "POST",
            f"{base}/referrals",
            {
                "referral_date": "2024-03-04",
                "source": "1A",
                "primary_need": "N1",
                "closure_date": "2024-03-01",
                "closure_reason": "RC1",
            },
        ),
        (
            "an assessment of an unknown referral",
            "POST",
            f"{base}/assessments",
            {
                "referral_id": UNKNOWN_ID,
                "kind": next(iter(spec.figures.profile.assessments)),
                "start_date": "2024-03-05",
            },
        ),
        (
            "an assessment starting before its referral",
            "POST",
            f"{base}/assessments",
            {
                "referral_id": referral["id"],
                "kind": next(iter(spec.figures.profile.assessments)),
                "start_date": "2024-03-01",
            },
        ),
        (
            "an assessment of a kind outside the timescale profile",
            "POST",
            f"{base}/assessments",
            {"referral_id": referral["id"], "kind": "no_such_kind", "start_date": "2024-03-05"},
        ),
        (
            "an episode ending before it starts",
            "POST",
            f"{base}/looked-after-episodes",
            good_episode | {"end_date": "2025-01-03", "reason_ceased": "E13"},
        ),
        (
            "an episode overlapping another",
            "POST",
            f"{base}/looked-after-episodes",
            good_episode | {"start_date": "2024-08-01"},
        ),
        (
            "an episode with an unknown placement code",
            "POST",
            f"{base}/looked-after-episodes",
            good_episode | {"placement_type": "H5"},
        ),
        (
            "an episode of an unknown child",
            "POST",
            f"/children/{UNKNOWN_ID}/looked-after-episodes",
            good_episode,
        ),
        (
            "ending an unknown episode",
            "POST",
            f"/looked-after-episodes/{UNKNOWN_ID}/end",
            {"end_date": "2025-01-03", "reason_ceased": "E13"},
        ),
        (
            "ending an episode before it started",
            "POST",
            f"/looked-after-episodes/{episode['id']}/end",
            {"end_date": "2024-03-01", "reason_ceased": "E13"},
        ),
        (
            "a review with an unknown participation code",
            "POST",
            f"{base}/reviews",
            {"review_date": "2024-04-20", "participation": "PN9"},
        ),
        (
            "a review on a day the child was not looked after",
            "POST",
            f"{base}/reviews",
            {"review_date": "2024-10-20", "participation": "PN1"},
        ),
        (
            "a missing episode ending before it starts",
            "POST",
            f"{base}/missing-episodes",
            {"kind": "M", "start_date": "2024-05-02", "end_date": "2024-05-01"},
        ),
        ("figures on a day that is not a date", "GET", "/service/figures?on=2024-13-01", None),
        (
            "figures on a day outside the calendar",
            "GET",
            f"/service/figures?on={outside.isoformat()}",
            None,
        ),
    ]
    problems = []
    for what, method, path, body in cases:
        exchange = worker.post(path, body) if method == "POST" else worker.get(path)
        problem = _refused(exchange, what)
        if problem:
            problems.append(problem)
    after = _listing(worker, child["id"])
    for kind in before:
        if before[kind] != after[kind]:
            problems.append(
                f"{kind}: a refused request changed what is stored: "
                f"{before[kind]} became {after[kind]}"
            )
    assert not problems, f"{len(problems)} bad input(s) not refused cleanly: " + "; ".join(problems)
