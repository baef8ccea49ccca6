"""The daily feed to the Department (`POST /children_social_care_data/{la_code}/children`): the
product's payload, full or as the delta since a time, checked against the published contract
(specs/dfe-csc-api/openapi.json, MIT) and the seeded truth (RET-006); a changed child appears in
the next delta (RET-007); a deleted record is sent with `purge: true` (RET-008)."""

from __future__ import annotations

import json
import random
from dataclasses import dataclass
from datetime import date
from typing import Any
from urllib.parse import quote

import jsonschema
import pytest

from accredit.plugin import TableLog
from accredit.returns_spec import returns_spec
from accredit.specs import SpecBundle
from accredit.sut import SutClient

from steps import child_body, expect, precondition

WORKER, MANAGER, READER = "sw_a", "tm_a", "auditor"
EPISODE = {
    "start_date": "2025-06-02",
    "reason_new_episode": "S",
    "legal_status": "C2",
    "category_of_need": "N1",
    "placement_type": "U1",
    "placement_provider": "PR1",
    "home_postcode": "TW1 1AA",
    "placement_postcode": "TW1 1AF",
}


@dataclass
class FeedCase:
    lea: str
    bodies: dict[str, dict[str, Any]]  # child id -> the record sent
    changed: str  # a child whose referral is closed and assessment authorised after the full read
    deleted: str  # a child whose child-in-need plan is deleted after the full read
    deleted_plan: str  # that plan's id in the feed
    full: dict[str, Any]
    delta: dict[str, Any]
    reader: SutClient
    schema: dict[str, Any]


def _feed(reader: SutClient, lea: str, since: str | None = None) -> dict[str, Any]:
    path = f"/children_social_care_data/{lea}/children"
    if since:
        path += f"?since={quote(since)}"
    exchange = reader.get(path)
    expect(exchange, 200, what="read the daily feed's payload")
    body: dict[str, Any] = exchange.json()
    if not isinstance(body.get("children"), list) or "generated_at" not in body:
        raise RuntimeError(
            f"the feed's answer is not {{generated_at, children}}: {exchange.text[:200]!r}"
        )
    return body


@pytest.fixture(scope="module")
def feed_case(sut: SutClient, specs: SpecBundle, seed: int) -> FeedCase:
    lea = returns_spec(specs.root).lea
    contract = json.loads((specs.root / "dfe-csc-api" / "openapi.json").read_text(encoding="utf-8"))
    schema = contract["components"]["schemas"]["CSC"]
    rng = random.Random(f"{seed}:feed")
    worker, manager, reader = sut.as_user(WORKER), sut.as_user(MANAGER), sut.as_user(READER)
    bodies: dict[str, dict[str, Any]] = {}
    ids = []
    for born in (date(2013, 4, 2), date(2015, 9, 30), date(2011, 1, 17)):
        body = child_body(rng, born)
        child = precondition(worker.post("/children", body), 201, "record a child")
        bodies[str(child["id"])] = body
        ids.append(child["id"])
    changed, deleted, steady = ids
    referral = precondition(
        worker.post(
            f"/children/{changed}/referrals",
            {"referral_date": "2025-05-12", "source": "1A", "primary_need": "N1"},
        ),
        201,
        "record a referral",
    )
    assessment = precondition(
        worker.post(
            f"/children/{changed}/assessments",
            {
                "referral_id": referral["id"],
                "kind": "single",
                "start_date": "2025-05-13",
                "factors": ["1A"],
            },
        ),
        201,
        "record an assessment",
    )
    other = precondition(
        worker.post(
            f"/children/{deleted}/referrals",
            {"referral_date": "2025-07-01", "source": "5A", "primary_need": "N2"},
        ),
        201,
        "record a referral",
    )
    plan = precondition(
        worker.post(f"/referrals/{other['id']}/cin-plans", {"start_date": "2025-07-21"}),
        201,
        "record a CIN plan",
    )
    precondition(
        worker.post(f"/children/{steady}/looked-after-episodes", EPISODE), 201, "record an episode"
    )
    full = _feed(reader, lea)
    plan_key = next(
        (
            p["child_in_need_plan_id"]
            for c in full["children"]
            if c.get("la_child_id") == str(deleted)
            for e in c.get("social_care_episodes", [])
            for p in e.get("child_in_need_plans", [])
        ),
        None,
    )
    precondition(
        manager.post(f"/assessments/{assessment['id']}/authorise", {"authorised_on": "2025-06-20"}),
        200,
        "authorise the assessment",
    )
    precondition(
        worker.post(
            f"/referrals/{referral['id']}/close",
            {"closure_date": "2025-09-30", "closure_reason": "RC1"},
        ),
        200,
        "close the referral",
    )
    deletion = worker.delete(f"/cin-plans/{plan['id']}")
    if deletion.status not in (200, 204):
        pytest.skip(f"precondition not met: delete a child-in-need plan: {deletion.describe()}")
    delta = _feed(reader, lea, full["generated_at"])
    return FeedCase(
        lea, bodies, str(changed), str(deleted), plan_key or "?", full, delta, reader, schema
    )


def _child(payload: dict[str, Any], child_id: str) -> dict[str, Any] | None:
    return next((c for c in payload["children"] if c.get("la_child_id") == child_id), None)


def _schema_problems(schema: dict[str, Any], children: list[Any], what: str) -> list[str]:
    validator = jsonschema.Draft202012Validator(schema, format_checker=jsonschema.FormatChecker())
    return [
        f"{what} /{'/'.join(str(p) for p in error.absolute_path)}: {error.message}"
        for error in sorted(validator.iter_errors(children), key=lambda e: list(e.absolute_path))
    ]


@pytest.mark.requirement("RET-006")
def test_feed_payload_follows_the_published_contract_and_the_records(
    feed_case: FeedCase, tables: TableLog
) -> None:
    problems = _schema_problems(feed_case.schema, feed_case.full["children"], "full payload")
    problems += _schema_problems(feed_case.schema, feed_case.delta["children"], "delta payload")
    rows: list[tuple[str, str, str, str]] = []
    for child_id, body in feed_case.bodies.items():
        sent = _child(feed_case.full, child_id) or {}
        details = sent.get("child_details", {})
        for field, want in (
            ("first_name", body["given_name"]),
            ("surname", body["family_name"]),
            ("date_of_birth", body["date_of_birth"]),
            ("sex", {"female": "F", "male": "M"}.get(body["sex"], "U")),
        ):
            rows.append(
                (child_id, f"child_details.{field}", want, str(details.get(field, "(absent)")))
            )
    changed = _child(feed_case.full, feed_case.changed) or {}
    episodes = changed.get("social_care_episodes", [])
    first = episodes[0] if episodes else {}
    rows.append(
        (
            feed_case.changed,
            "referral_date",
            "2025-05-12",
            str(first.get("referral_date", "(absent)")),
        )
    )
    rows.append(
        (feed_case.changed, "referral_source", "1A", str(first.get("referral_source", "(absent)")))
    )
    assessments = first.get("child_and_family_assessments", [{}])
    rows.append(
        (
            feed_case.changed,
            "assessment start_date",
            "2025-05-13",
            str(assessments[0].get("start_date", "(absent)")),
        )
    )
    rows.append(
        (
            feed_case.changed,
            "assessment authorisation_date (a draft)",
            "(absent)",
            str(assessments[0].get("authorisation_date", "(absent)")),
        )
    )
    mismatched = [i for i, r in enumerate(rows) if r[2] != r[3]]
    tables.record(
        "ret-feed-truth",
        "Daily feed: the full payload against the seeded records",
        ["child", "item", "expected", "got"],
        rows,
        mismatched=mismatched,
        note=f"{len(feed_case.full['children'])} children in the full payload, "
        f"{len(feed_case.delta['children'])} in the delta; {len(problems)} schema problem(s).",
    )
    wrong = [
        f"child {r[0]} {r[1]}: expected {r[2]}, got {r[3]}" for r in (rows[i] for i in mismatched)
    ]
    if problems or wrong:
        _feed(feed_case.reader, feed_case.lea)
    assert not problems and not wrong, (
        f"the feed breaks the published contract in {len(problems)} place(s) and differs from the "
        f"records in {len(wrong)}: " + "; ".join((problems + wrong)[:8])
    )


@pytest.mark.requirement("RET-007")
def test_a_changed_child_appears_in_the_next_delta(feed_case: FeedCase) -> None:
    child = _child(feed_case.delta, feed_case.changed)
    if child is None:
        _feed(feed_case.reader, feed_case.lea, feed_case.full["generated_at"])
    assert child is not None, (
        f"child {feed_case.changed}'s referral was closed and its assessment authorised after "
        f"{feed_case.full['generated_at']}, but the delta since then does not carry the child "
        f"(it holds {[c.get('la_child_id') for c in feed_case.delta['children']]})"
    )
    episode = (child.get("social_care_episodes") or [{}])[0]
    assessment = (episode.get("child_and_family_assessments") or [{}])[0]
    assert episode.get("closure_date") and assessment.get("authorisation_date"), (
        f"the delta carries child {feed_case.changed} without the closure or the "
        f"authorisation: {episode}"
    )


@pytest.mark.requirement("RET-008")
def test_a_deleted_record_is_sent_with_purge(feed_case: FeedCase) -> None:
    found = []
    for payload, what in ((feed_case.delta, "delta"),):
        child = _child(payload, feed_case.deleted) or {}
        plans = [
            p
            for e in child.get("social_care_episodes", [])
            for p in e.get("child_in_need_plans", [])
        ]
        found = [p for p in plans if p.get("child_in_need_plan_id") == feed_case.deleted_plan]
        if not any(p.get("purge") is True for p in found):
            _feed(feed_case.reader, feed_case.lea, feed_case.full["generated_at"])
            raise AssertionError(
                f"child {feed_case.deleted}'s child-in-need plan {feed_case.deleted_plan} was "
                f"deleted, but the {what} sends {found or 'nothing of it'} instead of the plan "
                "with purge: true: the Department would keep it"
            )
