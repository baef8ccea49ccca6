"""Run the reference over real HTTP with uvicorn (`accredit reference serve`)."""

from __future__ import annotations

import ipaddress
import os
import secrets
from collections.abc import Iterable, Mapping
from pathlib import Path

import uvicorn
import yaml
from sqlalchemy.engine import URL

import accredit
from reference_impl import PRODUCT
from reference_impl.app import create_app, issue_tokens
from reference_impl.settings import Settings

__all__ = ["base_url_for", "serve", "write_profile"]


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


def write_profile(path: Path, base_url: str, tokens: Mapping[str, str]) -> Path:
    """Write a SUT profile (specs/schema/profile.schema.json) readable by its owner only.

    The file appears whole or not at all: it is written aside, then renamed into place.
    """
    document = {
        "product": PRODUCT,
        "version": accredit.__version__,
        "base_url": base_url,
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
