"""Where the harness finds its specs and suites, installed or in a checkout."""

from __future__ import annotations

from pathlib import Path

_PACKAGE = Path(__file__).resolve().parent
_BUNDLED = _PACKAGE / "_bundled"


def specs_root() -> Path:
    """Return the specs folder: the copy bundled in the wheel, else the checkout's `specs/`."""
    bundled = _BUNDLED / "specs"
    return bundled if bundled.is_dir() else _PACKAGE.parent / "specs"


def suites_root() -> Path:
    """Return the suites folder: the copy bundled in the wheel, else the checkout's `suites/`."""
    bundled = _BUNDLED / "suites"
    return bundled if bundled.is_dir() else _PACKAGE.parent / "suites"
