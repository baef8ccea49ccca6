"""Run the reference over real HTTP with uvicorn (`accredit reference serve`)."""

from __future__ import annotations

import ipaddress
import os
import secrets
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import uvicorn
import yaml
from sqlalchemy.engine import URL

import accredit
from reference_impl import PRODUCT
from reference_impl.app import create_app, issue_tokens
from reference_impl.settings import Settings
from reference_impl.ui import TASK_MAP

__all__ = ["base_url_for", "serve", "ui_profile", "write_profile"]


def serve(
    port: int,
    db: Path,
    faults: Iterable[str],
    host: str = "127.0.0.1",
    profile_out: Path | None = None,
) -> None:
    """Serve the conformance API on `host:port` from the SQLite file `db` until stopped.

    With `profile_out`, every test user gets a fresh token first and a SUT profile holding them
    is written there (mode 0600): the only place a token ever appears.
    Raises UnknownFaultError for a fault name the registry does not hold.
    """
    settings = Settings(
        database_url=URL.create("sqlite", database=str(Path(db))).render_as_string(),
        faults=frozenset(faults),
    )
    app = create_app(settings)
    if profile_out is not None:
        write_profile(profile_out, base_url_for(host, port), issue_tokens(app))
    uvicorn.run(app, host=host, port=port, log_level="info", server_header=False)


def base_url_for(host: str, port: int) -> str:
    """Return the URL a client on this machine uses to reach a server bound to `host:port`."""
    if host in ("", "0.0.0.0", "::"):
        host = "127.0.0.1"
    try:
        if ipaddress.ip_address(host).version == 6:
            host = f"[{host}]"
    except ValueError:
        pass  # a host name, used as it is
    return f"http://{host}:{port}"


def ui_profile(base_url: str) -> dict[str, Any]:
    """Return the profile's `ui` block for the reference's screens: its own task map, its
    sign-in screen (username: the user's key; password: the user's token) and the test
    tenant's way of ending a session at once."""
    return {
        "base_url": f"{base_url}/ui",
        "task_map": str(TASK_MAP),
        "sign_in": {
            "path": "/sign-in",
            "username": {"label": "Username"},
            "password": {"label": "Password"},
            "submit": {"role": "button", "name": "Sign in"},
        },
        "session": {
            "lifetime_seconds": Settings().ui_session_seconds,
            "expire": {"method": "POST", "path": "/test-tenant/expire-session"},
        },
    }


def write_profile(path: Path, base_url: str, tokens: Mapping[str, str]) -> Path:
    """Write a SUT profile (specs/schema/profile.schema.json) readable by its owner only.

    The file appears whole or not at all: it is written aside, then renamed into place.
    """
    document = {
        "product": PRODUCT,
        "version": accredit.__version__,
        "base_url": base_url,
        "ui": ui_profile(base_url),
        "users": {key: {"token": token} for key, token in tokens.items()},
    }
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    aside = path.with_name(f".{path.name}.{secrets.token_hex(4)}.tmp")
    descriptor = os.open(aside, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(descriptor, "w", encoding="utf-8") as file:
            yaml.safe_dump(document, file, sort_keys=False)
        os.replace(aside, path)
    except BaseException:
        aside.unlink(missing_ok=True)
        raise
    return path
