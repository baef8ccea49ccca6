"""The fault table's rows for the casework faults: service figures and statutory returns.
Each row: the fault, a scenario run on a fresh reference, what it gives clean and faulty."""

from __future__ import annotations

import csv
import io
import xml.etree.ElementTree as ET
from collections.abc import Callable
from typing import Any

from tests.reference.conftest import Api, created, ok

EPISODE = {
    "reason_new_episode": "S",
    "legal_status": "C2",
    "category_of_need": "N1",
    "placement_type": "U1",
    "placement_provider": "PR1",
    "home_postcode": "TW1 1AA",
    "placement_postcode": "TW1 1AF",
}
CENSUS = "/returns/cin-census?collection_year=2026&reference_date=2026-03-31"


def _referral(api: Api, child_id: int, day: str, **more: str) -> dict[str, Any]:
    body = {"referral_date": day, "source": "1A", "primary_need": "N1"} | more
    return created(api.as_user("sw_a").post(f"/children/{child_id}/referrals", body))


def _assessment(api: Api, child_id: int, referral_id: int, start: str, **more: str) -> Any:
    body = {"referral_id": referral_id, "kind": "single", "start_date": start} | more
    return created(api.as_user("sw_a").post(f"/children/{child_id}/assessments", body))


def _figures(api: Api, day: str) -> dict[str, Any]:
    return ok(api.as_user("auditor").get(f"/service/figures?on={day}"))


def _table(api: Api, table: str) -> list[dict[str, str]]:
    text = api.as_user("auditor").get(f"/returns/ssda903/{table}?collection_year=2026").text
    return list(csv.DictReader(io.StringIO(text)))


def a_draft_marked_finished(api: Api) -> int:
    child = api.child()
    referral = _referral(api, child["id"], "2024-05-13")
    _assessment(api, child["id"], referral["id"], "2024-05-14", completed_on="2024-06-20")
    completed: int = _figures(api, "2024-07-01")["assessments"]["completed"]
    return completed


def a_first_review_over_christmas(api: Api) -> int:
    child = api.child()
    path = f"/children/{child['id']}/looked-after-episodes"
    created(api.as_user("sw_a").post(path, EPISODE | {"start_date": "2019-12-13"}))
    overdue: int = _figures(api, "2020-01-06")["looked_after"]["review_overdue"]
    return overdue


def a_referral_on_its_closure_day(api: Api) -> int:
    child = api.child()
    _referral(api, child["id"], "2024-10-01", closure_date="2025-02-28", closure_reason="RC1")
    open_cases: int = _figures(api, "2025-02-28")["open_cases"]["child_in_need"]
    return open_cases


def an_episode_ending_before_it_starts(api: Api) -> int:
    child = api.child()
    body = EPISODE | {"start_date": "2024-05-01", "end_date": "2024-04-30", "reason_ceased": "E13"}
    status: int = (
        api.as_user("sw_a").post(f"/children/{child['id']}/looked-after-episodes", body).status_code
    )
    return status


def an_earlier_episodes_assessment(api: Api) -> list[int]:
    child = api.child()
    first = _referral(
        api, child["id"], "2025-04-01", closure_date="2025-06-30", closure_reason="RC1"
    )
    _referral(api, child["id"], "2025-09-01")
    _assessment(api, child["id"], first["id"], "2025-04-02")
    root = ET.fromstring(api.as_user("auditor").get(CENSUS).content)
    return [len(d.findall("Assessments")) for d in root.iterfind("Children/Child/CINdetails")]


def a_placement_change(api: Api) -> list[str]:
    child = api.child()
    path = f"/children/{child['id']}/looked-after-episodes"
    worker = api.as_user("sw_a")
    first = EPISODE | {"start_date": "2025-05-06", "end_date": "2025-06-02", "reason_ceased": "X1"}
    created(worker.post(path, first | {"reason_place_change": "CARPL"}))
    created(worker.post(path, EPISODE | {"start_date": "2025-06-02", "reason_new_episode": "P"}))
    return [row["DEC"] for row in _table(api, "episodes")]


def a_review_on_the_last_day(api: Api) -> int:
    child = api.child()
    worker = api.as_user("sw_a")
    path = f"/children/{child['id']}/looked-after-episodes"
    created(worker.post(path, EPISODE | {"start_date": "2025-09-01"}))
    review = {"review_date": "2026-03-31", "participation": "PN1"}
    created(worker.post(f"/children/{child['id']}/reviews", review))
    return len(_table(api, "reviews"))


def a_draft_in_the_census(api: Api) -> str | None:
    child = api.child()
    referral = _referral(api, child["id"], "2025-11-03")
    _assessment(api, child["id"], referral["id"], "2025-11-04", completed_on="2025-12-01")
    root = ET.fromstring(api.as_user("auditor").get(CENSUS).content)
    return root.findtext("Children/Child/CINdetails/Assessments/AssessmentAuthorisationDate")


def a_reference_date_of_another_year(api: Api) -> int:
    path = "/returns/cin-census?collection_year=2026&reference_date=2024-03-31"
    status: int = api.as_user("auditor").get(path).status_code
    return status


FEED = "/children_social_care_data/201/children"


def a_date_of_birth_in_the_feed(api: Api) -> bool:
    child = api.child()
    _referral(api, child["id"], "2025-05-12")
    sent = ok(api.as_user("auditor").get(FEED))["children"][0]
    return "/" in sent["child_details"]["date_of_birth"]  # a display date, not ISO


def a_deleted_plan_in_the_delta(api: Api) -> list[Any]:
    child = api.child()
    referral = _referral(api, child["id"], "2025-07-01")
    worker = api.as_user("sw_a")
    plan = created(
        worker.post(f"/referrals/{referral['id']}/cin-plans", {"start_date": "2025-07-21"})
    )
    assert worker.delete(f"/cin-plans/{plan['id']}").status_code == 204
    sent = ok(api.as_user("auditor").get(FEED))["children"][0]
    return [e.get("child_in_need_plans") for e in sent["social_care_episodes"]]


def a_closure_in_the_delta(api: Api) -> int:
    child = api.child()
    referral = _referral(api, child["id"], "2025-05-12")
    since = ok(api.as_user("auditor").get(FEED))["generated_at"]
    closure = {"closure_date": "2025-09-30", "closure_reason": "RC1"}
    ok(api.as_user("sw_a").post(f"/referrals/{referral['id']}/close", closure))
    delta = ok(api.as_user("auditor").get(f"{FEED}?since={since.replace('+', '%2B')}"))
    return len(delta["children"])


CASEWORK_FAULT_ROWS: list[tuple[str, Callable[[Api], Any], Any, Any]] = [
    ("aggregate-counts-drafts", a_draft_marked_finished, 0, 1),
    ("review-due-calendar-days", a_first_review_over_christmas, 0, 1),
    ("open-cases-count-closure-day", a_referral_on_its_closure_day, 0, 1),
    ("episode-end-unchecked", an_episode_ending_before_it_starts, 422, 201),
    ("cin-assessment-before-referral", an_earlier_episodes_assessment, [1, 0], [0, 1]),
    ("903-overlapping-episodes", a_placement_change, ["02/06/2025", ""], ["03/06/2025", ""]),
    ("903-review-missing", a_review_on_the_last_day, 1, 0),
    ("return-counts-drafts", a_draft_in_the_census, None, "2025-12-01"),
    ("returns-any-reference-date", a_reference_date_of_another_year, 422, 200),
    ("feed-dates-as-text", a_date_of_birth_in_the_feed, False, True),
    (
        "feed-drops-purge",
        a_deleted_plan_in_the_delta,
        [[{"child_in_need_plan_id": "P1", "purge": True}]],
        [None],
    ),
    ("feed-delta-misses-change", a_closure_in_the_delta, 1, 0),
]
