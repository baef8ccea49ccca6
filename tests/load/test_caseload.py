"""The caseload generator: seeded, deterministic, realistic, and loadable into the reference."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import httpx
import yaml

from accredit.reference import running_reference
from accredit.specs import age_in_years, load_specs
from load.caseload import SCALES, Caseload, caseload_digest
from load.into_reference import load_into_reference

SPECS = load_specs()
TODAY = date(2026, 11, 1)


def small(seed: int = 7) -> Caseload:
    return Caseload(SPECS, SCALES["small"], seed, TODAY)


def test_the_same_seed_gives_the_same_caseload() -> None:
    assert caseload_digest(small(7)) == caseload_digest(small(7))
    assert caseload_digest(small(7)) != caseload_digest(small(8))


def test_siblings_share_a_family_name_and_a_team() -> None:
    children = {c.number: c for c in small().children()}
    assert len(children) == SCALES["small"].children
    families = list(small().families())
    assert families, "no sibling groups generated"
    for members in families:
        assert len({(children[m].family_name, children[m].team) for m in members}) == 1


def test_forms_exist_only_in_the_bands_the_specs_define() -> None:
    children = {c.number: c for c in small().children()}
    for form in small().forms():
        definition = SPECS.forms[form.kind]
        assert form.age_band in definition.bands
        assert set(definition.mandatory(form.age_band)) <= set(form.answers)
        assert age_in_years(children[form.child].date_of_birth, form.started_on) >= 0


def test_a_loaded_caseload_reads_back_through_the_api(tmp_path: Path) -> None:
    caseload = small()
    database = tmp_path / "reference.db"
    report = load_into_reference(caseload, f"sqlite:///{database}")
    assert report.rows["children"] == SCALES["small"].children
    assert report.rows["notes"] == SCALES["small"].children * SCALES["small"].notes_per_child
    family = next(caseload.families())
    with running_reference(database=database) as reference:
        token = yaml.safe_load(reference.profile.read_text())["users"]["sw_a"]["token"]
        headers = {"Authorization": f"Bearer {token}"}
        with httpx.Client(base_url=reference.base_url, headers=headers) as client:
            child = client.get(f"/children/{family[0]}").json()
            assert child["sibling_ids"] == sorted(family[1:])
            notes = client.get(f"/children/{family[0]}/notes").json()
            assert len(notes) == SCALES["small"].notes_per_child
            forms = client.get(f"/children/{family[0]}/forms").json()
            assert all(f["status"] in {"draft", "submitted", "approved"} for f in forms)
