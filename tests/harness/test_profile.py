"""A SUT profile is checked before anything runs; a mistake is one line naming the file."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from accredit.errors import ProfileError
from accredit.specs import load_specs
from accredit.sut import load_profile

USERS = load_specs().users


def write(tmp_path: Path, document: object) -> Path:
    path = tmp_path / "sut.yaml"
    path.write_text(yaml.safe_dump(document) if not isinstance(document, str) else document)
    return path


def complete_profile() -> dict[str, object]:
    return {
        "product": "Example Case Manager",
        "version": "4.2",
        "base_url": "http://127.0.0.1:9",
        "users": {u.key: {"token": f"token-of-{u.key}"} for u in USERS.required_users},
    }


def test_a_complete_profile_loads_and_hides_its_tokens(tmp_path: Path) -> None:
    profile = load_profile(write(tmp_path, complete_profile()), USERS)
    assert profile.tokens["sw_a"] == "token-of-sw_a"
    assert "token-of" not in repr(profile)


def test_a_token_can_come_from_the_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    document = complete_profile()
    document["users"]["admin"] = {"token_env": "EXAMPLE_ADMIN_TOKEN"}  # type: ignore[index]
    monkeypatch.setenv("EXAMPLE_ADMIN_TOKEN", "from-the-environment")
    assert load_profile(write(tmp_path, document), USERS).tokens["admin"] == "from-the-environment"


def missing_user() -> dict[str, object]:
    document = complete_profile()
    del document["users"]["tm_b"]  # type: ignore[attr-defined]
    return document


def unset_variable() -> dict[str, object]:
    document = complete_profile()
    document["users"]["sw_b"] = {"token_env": "ACCREDIT_NOT_SET_ANYWHERE"}  # type: ignore[index]
    return document


def bad_url() -> dict[str, object]:
    return {**complete_profile(), "base_url": "ftp://example"}


BAD_PROFILES = [
    (missing_user(), "users: no credentials for required user(s) tm_b"),
    (unset_variable(), "users.sw_b.token_env: environment variable ACCREDIT_NOT_SET_ANYWHERE"),
    (bad_url(), "base_url: 'ftp://example' does not match"),
    ("product: [unclosed", "not a valid YAML profile"),
    ("- a list", "expected a mapping"),
]


@pytest.mark.parametrize(("document", "problem"), BAD_PROFILES, ids=[p for _, p in BAD_PROFILES])
def test_a_bad_profile_is_one_line(tmp_path: Path, document: object, problem: str) -> None:
    with pytest.raises(ProfileError) as caught:
        load_profile(write(tmp_path, document), USERS)
    message = str(caught.value)
    assert message.startswith(str(tmp_path / "sut.yaml"))
    assert problem in message
    assert "\n" not in message


def test_a_missing_profile_is_named(tmp_path: Path) -> None:
    with pytest.raises(ProfileError, match=r"nowhere\.yaml: SUT profile not found"):
        load_profile(tmp_path / "nowhere.yaml", USERS)
