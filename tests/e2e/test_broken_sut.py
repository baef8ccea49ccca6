"""A SUT that answers nonsense or hangs never crashes or hangs the harness, nor passes."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from html.parser import HTMLParser
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from accredit.runner import run_accreditation
from tests.e2e.test_command_line import accredit, profile_at

MARKUP = "<script>alert('sut')</script><img src=x onerror=alert(1)>"


class _Nonsense(BaseHTTPRequestHandler):
    """Answers /metadata properly and everything else with a page of markup."""

    def _answer(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        self.rfile.read(length)
        if self.path == "/metadata":
            body, kind = b'{"product": "' + MARKUP.replace('"', "'").encode() + b'"}', "json"
        else:
            body, kind = f"<html><body>{MARKUP}</body></html>".encode(), "html"
        self.send_response(200)
        self.send_header("Content-Type", f"application/{kind}" if kind == "json" else "text/html")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    do_GET = do_POST = do_PATCH = do_DELETE = _answer

    def log_message(self, *args: object) -> None:
        return None


class _Silent(BaseHTTPRequestHandler):
    """Accepts the connection and never answers."""

    def do_GET(self) -> None:
        self.server.stopping.wait(30)  # type: ignore[attr-defined]

    def log_message(self, *args: object) -> None:
        return None


def _serve(handler: type[BaseHTTPRequestHandler]) -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    server.daemon_threads = True
    server.stopping = threading.Event()  # type: ignore[attr-defined]
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.stopping.set()  # type: ignore[attr-defined]
        server.shutdown()
        server.server_close()


@pytest.fixture
def nonsense_sut() -> Iterator[str]:
    yield from _serve(_Nonsense)


@pytest.fixture
def silent_sut() -> Iterator[str]:
    yield from _serve(_Silent)


class _Elements(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: set[str] = set()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        # The report's own charts are images embedded as data: URIs; nothing else may be one.
        if tag == "img" and (dict(attrs).get("src") or "").startswith("data:image/svg+xml;"):
            return
        self.tags.add(tag)


def test_a_sut_answering_markup_passes_nothing_and_injects_nothing(
    tmp_path: Path, nonsense_sut: str
) -> None:
    profile = profile_at(tmp_path, nonsense_sut, timeout_seconds=2)
    outcome = run_accreditation(profile, tmp_path / "out", seed=1, echo=False)
    assert outcome.results is not None
    verdicts = {r["id"]: r["verdict"] for r in outcome.results["requirements"]}
    assert "pass" not in verdicts.values(), verdicts
    assert outcome.exit_code == 1
    errors = [r for r in outcome.results["requirements"] if r["verdict"] == "error"]
    assert errors and all(
        t["evidence"] for r in errors for t in r["tests"] if t["outcome"] == "error"
    )
    report = (tmp_path / "out" / "report.html").read_text()
    parser = _Elements()
    parser.feed(report)
    assert not parser.tags & {"script", "img"}, "markup from the SUT reached the report"


def test_a_sut_that_never_answers_is_one_line_and_exit_3(tmp_path: Path, silent_sut: str) -> None:
    profile = profile_at(tmp_path, silent_sut, timeout_seconds=1)
    done = accredit("run", "--sut", str(profile), "--out", str(tmp_path / "out"), "--no-pdf",
                    timeout=60)  # fmt: skip
    assert done.returncode == 3
    assert "no answer within 1 s" in done.stderr and done.stderr.count("\n") == 1
