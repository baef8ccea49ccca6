"""The browser the usability suite drives: Chromium, headless, through Playwright.

Debian's `chromium` package works with Playwright for Python through `executable_path`; where
it is absent, Playwright's own Chromium (`playwright install chromium`) is used.
`ACCREDIT_CHROMIUM` names another executable.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from playwright.sync_api import Browser, sync_playwright

__all__ = ["CHROMIUM_ARGS", "chromium_executable", "headless_chromium"]

#: Quiet, sandboxed-by-the-container flags that work for Debian's build on a 2-core machine.
CHROMIUM_ARGS = (
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
)


def chromium_executable() -> str | None:
    """Return the Chromium to run: $ACCREDIT_CHROMIUM, Debian's, or None (Playwright's own)."""
    named = os.environ.get("ACCREDIT_CHROMIUM")
    if named:
        return named
    for candidate in ("/usr/bin/chromium", shutil.which("chromium") or ""):
        if candidate and Path(candidate).is_file():
            return candidate
    return None


@contextmanager
def headless_chromium() -> Iterator[Browser]:
    """Run one headless Chromium until the block ends."""
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=chromium_executable(), headless=True, args=list(CHROMIUM_ARGS)
        )
        try:
            yield browser
        finally:
            browser.close()
