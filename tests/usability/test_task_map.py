"""Task maps are checked against the tasks of specs/usability.yaml: a bad one is one line naming
the file and the problem (a usage error), never a verdict."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from accredit.errors import ProfileError, SpecError
from accredit.specs import load_specs
from accredit.sut import load_profile
from accredit.usability_spec import read_task_map, read_usability
from reference_impl.serve import ui_profile
from reference_impl.ui import TASK_MAP

SPECS = load_specs()
USABILITY = read_usability(SPECS.root, SPECS.catalogue, SPECS.users)


def _reference_map() -> dict[str, Any]:
    document: dict[str, Any] = yaml.safe_load(TASK_MAP.read_text(encoding="utf-8"))
    return document


def _written(tmp_path: Path, document: dict[str, Any]) -> Path:
    path = tmp_path / "taskmap.yaml"
    path.write_text(yaml.safe_dump(document), encoding="utf-8")
    return path


def test_the_reference_task_map_maps_every_task() -> None:
    task_map = read_task_map(TASK_MAP, USABILITY, USABILITY.tasks)
    assert set(task_map.steps) == set(USABILITY.tasks)
    for task in USABILITY.tasks.values():
        mapped = [m.step.id for m in task_map.steps[task.id]]
        assert mapped == [s.id for s in task.steps]


def test_every_accredited_task_names_a_catalogue_requirement_of_usability() -> None:
    for task in USABILITY.accredited_tasks:
        assert task.requirement is not None
        assert SPECS.catalogue.requirement(task.requirement).category == "usability"


def _missing_step(document: dict[str, Any]) -> None:
    del document["tasks"]["record_linked_note"]["steps"]["save_note"]


def _missing_task(document: dict[str, Any]) -> None:
    del document["tasks"]["approve_assessment"]


def _unknown_input(document: dict[str, Any]) -> None:
    document["tasks"]["approve_assessment"]["steps"]["open_assessment"]["click"]["name"] = (
        "{form_titel}"
    )


def _wrong_action(document: dict[str, Any]) -> None:
    steps = document["tasks"]["find_every_mention"]["steps"]
    steps["search"] = {"type": steps["search"]["click"]}


def _harness_step_mapped(document: dict[str, Any]) -> None:
    steps = document["tasks"]["draft_survives_expiry"]["steps"]
    steps["close_page"] = {"click": {"role": "button", "name": "Close"}}


def _unknown_step(document: dict[str, Any]) -> None:
    document["tasks"]["find_every_mention"]["steps"]["serch"] = {
        "click": {"role": "button", "name": "Search"}
    }


def _no_name(document: dict[str, Any]) -> None:
    document["tasks"]["find_every_mention"]["steps"]["search"] = {"click": {"role": "button"}}


@pytest.mark.parametrize(
    ("spoil", "problem"),
    [
        (_missing_step, "steps: no control for step 'save_note' (save the note)"),
        (_missing_task, "tasks: no entry for task 'approve_assessment'"),
        (_unknown_input, "{form_titel} is not an input of task 'approve_assessment'"),
        (_wrong_action, "step 'search' is a click step, not type"),
        (_harness_step_mapped, "the harness does this step (close_page): map nothing"),
        (_unknown_step, "has no step 'serch' (did you mean 'search'?)"),
        (_no_name, "steps.search.click"),
    ],
)
def test_a_bad_task_map_is_one_line_naming_the_file_and_the_problem(
    tmp_path: Path, spoil: Any, problem: str
) -> None:
    document = _reference_map()
    spoil(document)
    path = _written(tmp_path, document)
    with pytest.raises(SpecError) as caught:
        read_task_map(path, USABILITY)
    message = str(caught.value)
    assert message.startswith(str(path)), message
    assert problem in message
    assert "\n" not in message


def _profile(tmp_path: Path, **ui: Any) -> Path:
    users = {u.key: {"token": f"token-{u.key}"} for u in SPECS.users.required_users}
    block = ui_profile("http://127.0.0.1:9") | {"task_map": "maps/taskmap.yaml"} | ui
    document = {"product": "P", "version": "1", "base_url": "http://127.0.0.1:9", "users": users,
                "ui": block}  # fmt: skip
    path = tmp_path / "sut.yaml"
    path.write_text(yaml.safe_dump(document), encoding="utf-8")
    return path


def test_the_ui_block_resolves_the_task_map_beside_the_profile_and_default_credentials(
    tmp_path: Path,
) -> None:
    profile = load_profile(_profile(tmp_path), SPECS.users)
    assert profile.ui is not None
    assert profile.ui.task_map == tmp_path / "maps" / "taskmap.yaml"
    assert profile.ui.credentials["sw_a"] == ("sw_a", "token-sw_a")
    assert profile.ui.expire_path == "/test-tenant/expire-session"
    assert "token-sw_a" not in repr(profile)


def test_screen_passwords_from_the_environment_are_secrets(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SW_A_SCREEN_PASSWORD", "correct horse")
    path = _profile(tmp_path, users={"sw_a": {"username": "a.worker",
                                              "password_env": "SW_A_SCREEN_PASSWORD"}})  # fmt: skip
    profile = load_profile(path, SPECS.users)
    assert profile.ui is not None
    assert profile.ui.credentials["sw_a"] == ("a.worker", "correct horse")
    assert "correct horse" in profile.secrets


def test_a_screen_password_variable_not_set_is_one_line(tmp_path: Path) -> None:
    path = _profile(tmp_path, users={"sw_a": {"username": "a", "password_env": "NOT_SET_ANYWHERE"}})
    with pytest.raises(ProfileError, match=r"ui\.users\.sw_a\.password_env: environment variable"):
        load_profile(path, SPECS.users)


def test_a_ui_block_without_a_sign_in_is_refused(tmp_path: Path) -> None:
    path = _profile(tmp_path)
    document = yaml.safe_load(path.read_text())
    del document["ui"]["sign_in"]
    path.write_text(yaml.safe_dump(document))
    with pytest.raises(ProfileError, match="sign_in"):
        load_profile(path, SPECS.users)
