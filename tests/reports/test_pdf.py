"""The report as PDF: written where WeasyPrint runs, skipped with a reason where it cannot."""

from __future__ import annotations

import http.server
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from reports.html import render_html
from reports.pdf import write_pdf


def test_the_report_prints_to_a_pdf(tmp_path: Path, results: dict[str, Any]) -> None:
    outcome = write_pdf(render_html(results), tmp_path)
    if outcome.skipped:
        pytest.skip(outcome.skipped)  # this machine lacks Pango: the skip test covers it
    assert outcome.path == tmp_path / "report.pdf"
    data = outcome.path.read_bytes()
    assert data.startswith(b"%PDF-")
    assert data.rstrip().endswith(b"%%EOF")
    # The decision, the scores, the failure with its evidence, the policy: several A4 pages.
    assert outcome.pages >= 3


def test_without_weasyprint_the_pdf_is_skipped_with_the_reason(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "weasyprint", None)  # import now raises ImportError
    outcome = write_pdf("<!DOCTYPE html><p>x</p>", tmp_path)
    assert outcome.path is None
    assert outcome.skipped is not None and "WeasyPrint cannot run here" in outcome.skipped
    assert not (tmp_path / "report.pdf").exists()


class _Counter(http.server.BaseHTTPRequestHandler):
    hits: list[str] = []  # noqa: RUF012 - shared by the handler instances of one server

    def do_GET(self) -> None:
        self.hits.append(self.path)
        self.send_response(404)
        self.end_headers()

    def log_message(self, *args: Any) -> None:
        pass  # no console noise


@pytest.fixture
def listener() -> Iterator[tuple[str, list[str]]]:
    server = http.server.HTTPServer(("127.0.0.1", 0), _Counter)
    _Counter.hits = []
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", _Counter.hits
    finally:
        server.shutdown()
        server.server_close()


def test_printing_fetches_nothing(tmp_path: Path, listener: tuple[str, list[str]]) -> None:
    url, hits = listener
    html = (
        f'<!DOCTYPE html><link rel="stylesheet" href="{url}/style.css">'
        f'<p>x</p><img src="{url}/pixel.png" alt=""><img src="file:///etc/hostname" alt="">'
    )
    outcome = write_pdf(html, tmp_path)
    if outcome.skipped:
        pytest.skip(outcome.skipped)
    assert outcome.path is not None and outcome.path.is_file()
    assert hits == []
