"""The statutory returns of the reference: parameters refused, the census in its structure,
the SSDA903 tables with the Department's column names; and the harness reading a return that
is not XML or CSV as an error, not a verdict."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from accredit.returns_spec import returns_spec
from accredit.sut import Exchange
from tests.reference.conftest import SPECS, Api, assert_error, created

RETURNS = returns_spec(SPECS.root)
ROOT = Path(__file__).parents[2]


def _looked_after_child(api: Api) -> dict[str, str]:
    worker = api.as_user("sw_a")
    child = api.child()
    created(
        worker.post(
            f"/children/{child['id']}/looked-after-episodes",
            {
                "start_date": "2025-05-06",
                "reason_new_episode": "S",
                "legal_status": "C2",
                "category_of_need": "N1",
                "placement_type": "U1",
                "placement_provider": "PR1",
                "home_postcode": "TW1 1AA",
                "placement_postcode": "TW1 1AF",
            },
        )
    )
    referral = created(
        worker.post(
            f"/children/{child['id']}/referrals",
            {"referral_date": "2025-04-07", "source": "1A", "primary_need": "N1"},
        )
    )
    return {"child": str(child["id"]), "referral": str(referral["id"])}


def test_a_collection_year_out_of_range_is_refused(api: Api) -> None:
    reader = api.as_user("auditor")
    for year in (2014, 2099, 0):
        body = assert_error(
            reader.get(f"/returns/ssda903/header?collection_year={year}"), 422, "invalid_request"
        )
        assert "out of range" in body["message"]


def test_a_reference_date_outside_the_year_is_refused(api: Api) -> None:
    reader = api.as_user("auditor")
    body = assert_error(
        reader.get("/returns/cin-census?collection_year=2026&reference_date=2025-03-31"),
        422,
        "invalid_request",
    )
    assert "not in the collection year" in body["message"]
    assert_error(reader.get("/returns/ssda903/placements?collection_year=2026"), 404, "not_found")


def test_the_census_follows_the_structure_of_the_spec(api: Api) -> None:
    ids = _looked_after_child(api)
    response = api.as_user("auditor").get(
        "/returns/cin-census?collection_year=2026&reference_date=2026-03-31"
    )
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/xml")
    root = ET.fromstring(response.content)
    assert [e.tag for e in root.find("Header") or []] == list(RETURNS.cin_header)
    child = root.find("Children/Child")
    assert child is not None
    assert child.findtext("ChildIdentifiers/LAchildID") == ids["child"]
    details = child.find("CINdetails")
    assert details is not None
    assert details.findtext("CINreferralDate") == "2025-04-07"
    order = RETURNS.cin_child["CINdetails"]
    ranks = [order.index(e.tag) for e in details]
    assert ranks == sorted(ranks)


def test_the_ssda903_tables_carry_the_departments_column_names(api: Api) -> None:
    ids = _looked_after_child(api)
    reader = api.as_user("auditor")
    for table, columns in RETURNS.tables.items():
        response = reader.get(f"/returns/ssda903/{table}?collection_year=2026")
        assert response.status_code == 200
        lines = response.text.splitlines()
        assert lines[0] == ",".join(columns)
    episodes = reader.get("/returns/ssda903/episodes?collection_year=2026").text.splitlines()
    assert episodes[1].startswith(f"{ids['child']},06/05/2025,S,C2,N1,U1,PR1,,,")


def test_the_makefile_installs_the_validator_versions_the_spec_pins() -> None:
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    for validator in (RETURNS.ssda903_validator, RETURNS.cin_validator):
        assert f'"{validator.package}=={validator.version}"' in makefile


@pytest.fixture
def reading(monkeypatch: pytest.MonkeyPatch) -> object:
    monkeypatch.syspath_prepend(str(ROOT / "suites"))
    import returns.test_returns as module  # the suite's own reading of a return

    return module


def _answer(content: bytes) -> Exchange:
    return Exchange(None, "GET", "http://sut/returns", None, {}, status=200, content=content)


def test_a_census_that_is_not_xml_is_an_error(reading: object) -> None:
    module = reading
    with pytest.raises(module.MalformedReturn, match="not well-formed XML"):  # type: ignore[attr-defined]
        module.read_census(_answer(b"<Message><Header>"), set())  # type: ignore[attr-defined]


def test_a_table_with_other_columns_is_an_error(reading: object) -> None:
    module = reading
    columns = RETURNS.tables["episodes"]
    with pytest.raises(module.MalformedReturn, match=re.escape("header is")):  # type: ignore[attr-defined]
        module.read_table(_answer(b"CHILD,START\n1,2025-01-01\n"), "episodes", columns, set())  # type: ignore[attr-defined]
