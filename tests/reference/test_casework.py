"""The casework rules and routes behind the service figures: working days over the bank
holidays of specs/calendar.yaml, reg. 33 review due dates, and bad input refused."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from dateutil.easter import easter

from accredit.casework_spec import casework_spec
from reference_impl.domain.looked_after import Span, next_review_due, periods_of_care
from reference_impl.domain.working_days import (
    OutsideCalendarError,
    add_months,
    add_working_days,
    is_working_day,
)
from tests.reference.conftest import SPECS, Api, assert_error, created, ok

SPEC = casework_spec(SPECS.root)
CALENDAR = SPEC.calendar


def test_every_year_has_good_friday_and_easter_monday() -> None:
    for year in range(CALENDAR.first.year, CALENDAR.last.year + 1):
        sunday = easter(year)
        assert sunday - timedelta(days=2) in CALENDAR.bank_holidays, year
        assert sunday + timedelta(days=1) in CALENDAR.bank_holidays, year


@pytest.mark.parametrize(
    "day",
    [date(2020, 5, 8), date(2022, 6, 2), date(2022, 6, 3), date(2022, 9, 19), date(2023, 5, 8)],
)
def test_one_off_holidays_are_not_working_days(day: date) -> None:
    assert not is_working_day(day, CALENDAR)


def test_the_moved_ve_day_leaves_4_may_2020_a_working_day() -> None:
    assert is_working_day(date(2020, 5, 4), CALENDAR)


def test_working_days_skip_christmas_and_new_year() -> None:
    # Fri 20 Dec 2019: 23, 24, 27, 30, 31 Dec, 2 Jan are the next six working days.
    assert add_working_days(date(2019, 12, 20), 6, CALENDAR) == date(2020, 1, 2)


def test_working_days_from_a_weekend_day_count_from_the_monday() -> None:
    assert add_working_days(date(2024, 3, 2), 1, CALENDAR) == date(2024, 3, 4)


def test_days_outside_the_calendar_are_refused() -> None:
    with pytest.raises(OutsideCalendarError):
        add_working_days(CALENDAR.last - timedelta(days=2), 10, CALENDAR)


@pytest.mark.parametrize(
    ("start", "months", "expected"),
    [
        (date(2023, 11, 30), 3, date(2024, 2, 29)),
        (date(2024, 8, 31), 6, date(2025, 2, 28)),
        (date(2024, 1, 15), 6, date(2024, 7, 15)),
        (date(2024, 10, 31), 3, date(2025, 1, 31)),
    ],
)
def test_months_clamp_to_the_month_end(start: date, months: int, expected: date) -> None:
    assert add_months(start, months) == expected


def test_review_due_dates_follow_reg_33() -> None:
    schedule = SPEC.figures.reviews
    start = date(2023, 4, 21)
    first = add_working_days(start, schedule.first_working_days, CALENDAR)
    assert first == date(2023, 5, 23)  # 1 and 8 May are holidays
    assert next_review_due(start, [], date(2023, 5, 1), schedule, CALENDAR) == first
    held = [date(2023, 5, 20)]
    assert next_review_due(start, held, date(2023, 6, 1), schedule, CALENDAR) == date(2023, 8, 20)
    held.append(date(2023, 8, 31))
    assert next_review_due(start, held, date(2023, 9, 1), schedule, CALENDAR) == date(2024, 2, 29)
    # A review before the period started counts for nothing.
    assert next_review_due(start, [date(2023, 1, 5)], date(2023, 5, 1), schedule, CALENDAR) == first


def test_a_placement_change_continues_the_period_of_care() -> None:
    episodes = [Span(date(2021, 3, 1), date(2021, 6, 10)), Span(date(2021, 6, 10), None)]
    assert periods_of_care(episodes) == [Span(date(2021, 3, 1), None)]
    apart = [Span(date(2018, 1, 8), date(2018, 3, 1)), Span(date(2018, 9, 3), None)]
    assert len(periods_of_care(apart)) == 2


def _episode(start: str, **more: str) -> dict[str, str]:
    return {
        "start_date": start,
        "reason_new_episode": "S",
        "legal_status": "C2",
        "category_of_need": "N1",
        "placement_type": "U1",
        "placement_provider": "PR1",
        "home_postcode": "AB1 2CD",
        "placement_postcode": "AB3 4EF",
    } | more


def test_an_episode_ending_before_it_starts_is_refused_and_not_stored(api: Api) -> None:
    child = api.child()
    worker = api.as_user("sw_a")
    path = f"/children/{child['id']}/looked-after-episodes"
    body = assert_error(
        worker.post(path, _episode("2024-05-01", end_date="2024-04-30", reason_ceased="E13")),
        422,
        "invalid_request",
    )
    assert "end_date" in body["message"]
    assert ok(worker.get(path)) == []  # type: ignore[comparison-overlap]


def test_overlapping_episodes_and_unknown_codes_are_refused(api: Api) -> None:
    child = api.child()
    worker = api.as_user("sw_a")
    path = f"/children/{child['id']}/looked-after-episodes"
    created(worker.post(path, _episode("2024-05-01", end_date="2024-06-03", reason_ceased="X1")))
    assert_error(worker.post(path, _episode("2024-06-02")), 409, "episode_overlap")
    created(worker.post(path, _episode("2024-06-03", reason_new_episode="P")))
    assert_error(
        worker.post(path, _episode("2024-09-01", placement_type="Z1")), 422, "invalid_request"
    )


def test_dates_out_of_range_and_unknown_children_are_refused(api: Api) -> None:
    worker = api.as_user("sw_a")
    child = api.child()
    referral = {"referral_date": "2014-12-31", "source": "1A", "primary_need": "N1"}
    body = assert_error(
        worker.post(f"/children/{child['id']}/referrals", referral), 422, "invalid_request"
    )
    assert "out of range" in body["message"]
    referral["referral_date"] = "2024-03-04"
    assert_error(worker.post("/children/999999/referrals", referral), 404, "not_found")
    assert_error(worker.get("/service/figures?on=03/04/2024"), 422, "invalid_request")


def test_a_draft_assessment_is_not_counted_until_authorised(api: Api) -> None:
    worker, manager = api.as_user("sw_a"), api.as_user("tm_a")
    child = api.child()
    referral = created(
        worker.post(
            f"/children/{child['id']}/referrals",
            {"referral_date": "2024-05-13", "source": "1A", "primary_need": "N1"},
        )
    )
    assessment = created(
        worker.post(
            f"/children/{child['id']}/assessments",
            {
                "referral_id": referral["id"],
                "kind": "single",
                "start_date": "2024-05-14",
                "completed_on": "2024-06-20",
            },
        )
    )
    assert ok(worker.get("/service/figures?on=2024-07-01"))["assessments"]["completed"] == 0
    assert_error(
        worker.post(f"/assessments/{assessment['id']}/authorise", {"authorised_on": "2024-06-21"}),
        403,
        "forbidden",
    )
    ok(manager.post(f"/assessments/{assessment['id']}/authorise", {"authorised_on": "2024-06-21"}))
    figures = ok(worker.get("/service/figures?on=2024-07-01"))
    assert figures["assessments"] | {} == {
        "period_from": "2024-04-01",
        "period_to": "2024-07-01",
        "completed": 1,
        "within_timescale": 1,
        "late": 0,
    }
