"""The report as PDF, when WeasyPrint can run here.

WeasyPrint lays the HTML report out with its print stylesheet (A4, page numbers, charts whole,
each failing test's last exchange). It needs the Pango library of the operating system (Debian:
`libpango-1.0-0 libpangoft2-1.0-0`); where it cannot load, the PDF is skipped with the reason
and every other artefact is still written. It fetches nothing: only the `data:` images inside
the page are read.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

__all__ = ["PDF_FILE", "PdfOutcome", "write_pdf"]

PDF_FILE = "report.pdf"


@dataclass(frozen=True)
class PdfOutcome:
    """The PDF written, or why none was."""

    path: Path | None
    skipped: str | None
    pages: int = 0


def write_pdf(html: str, out_dir: Path) -> PdfOutcome:
    """Render the report's HTML text as `report.pdf` in `out_dir`; return where, or why not."""
    try:
        import weasyprint
        from weasyprint.urls import URLFetcher
    except (ImportError, OSError) as exc:
        # OSError: the Python package is there but the system's Pango is not.
        reason = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        return PdfOutcome(None, f"WeasyPrint cannot run here ({reason})")
    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / PDF_FILE
    fetcher = URLFetcher(allowed_protocols=["data"])
    logger = logging.getLogger("weasyprint")
    level = logger.level
    # CSS the print engine does not know is expected (it is there for browsers): keep it quiet.
    logger.setLevel(logging.ERROR)
    try:
        document = weasyprint.HTML(string=html, url_fetcher=fetcher).render()
        document.write_pdf(path)
    finally:
        logger.setLevel(level)
    return PdfOutcome(path, None, len(document.pages))
