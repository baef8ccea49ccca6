"""The task runner against a small site of its own: a task is performed and measured, and a
control that does not exist, a screen that never loads or a dialog that blocks ends the task
with the step and a screenshot, within the step's time limit, instead of stopping the run."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from dataclasses import replace
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from accredit.specs import load_specs
from accredit.sut import UiControl, UiProfile
from accredit.usability_spec import Budget, Control, MappedStep, Task, TaskStep, read_usability
from usability.browser import headless_chromium
from usability.runner import TaskRun, run_task

USABILITY = replace(
    read_usability(), step_timeout_seconds=1.0, task_timeout_seconds=20.0, pass_through_max=2
)
_PAGE = (
    '<!DOCTYPE html><html lang="en"><head><title>{title}</title></head>'
    "<body><main><h1>{title}</h1>{body}</main></body></html>"
)
_PAGES = {
    "/sign-in": (
        '<form method="post" action="/sign-in"><label for="u">Username</label><input id="u" '
        'name="u"><label for="p">Password</label><input id="p" name="p" type="password">'
        '<button type="submit">Sign in</button></form>'
    ),
    "/start": (
        '<a href="/slow">Slow</a> <a href="/continue">Onwards</a> '
        '<button type="button" onclick="alert(\'Are you sure?\')">Alert</button>'
        '<label for="q">Phrase</label><input id="q" name="q">'
    ),
    "/continue": '<a href="/end">Continue</a>',
    "/end": "<p>The end.</p>",
}


class _Site(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        if self.path == "/slow":
            time.sleep(3)
        body = _PAGES.get(self.path, "<p>Slow at last.</p>")
        content = _PAGE.format(title=self.path.strip("/") or "home", body=body).encode()
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(content)))
        self.end_headers()
        self.wfile.write(content)

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("Content-Length", 0)))
        self.send_response(303)
        self.send_header("Location", "/start")
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *_args: Any) -> None:
        pass  # quiet


@pytest.fixture(scope="module")
def site() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Site)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with headless_chromium() as chromium:
        yield chromium


def _ui(site: str) -> UiProfile:
    return UiProfile(
        base_url=site, task_map=Path("unused.yaml"), sign_in_path="/sign-in",
        username=UiControl(label="Username"), password=UiControl(label="Password"),
        submit=UiControl(role="button", name="Sign in"), session_lifetime_seconds=None,
        expire_method=None, expire_path=None,
        credentials={u.key: (u.key, "s3cret-password") for u in load_specs().users.required_users},
    )  # fmt: skip


def _run(browser: Any, site: str, tmp_path: Path, *steps: tuple[str, str, Control]) -> TaskRun:
    task_steps = tuple(
        TaskStep(i, action, f"step {i}", "phrase" if action == "type" else None)
        for i, action, _ in steps
    )
    task = Task("probe", "A probe", "USE-001", "sw_a", {"phrase": "a phrase"}, task_steps,
                "note_linked", Budget(10, 3, 0))  # fmt: skip
    mapped = [MappedStep(s, c, Control(role="link", name="Continue")) for s, (_, _, c) in
              zip(task_steps, steps, strict=True)]  # fmt: skip
    return run_task(browser, _ui(site), USABILITY, task, mapped, "/start", {"phrase": "Hi"},
                    tmp_path)  # fmt: skip


def test_a_task_is_performed_and_measured(browser: Any, site: str, tmp_path: Path) -> None:
    run = _run(
        browser, site, tmp_path,
        ("type_it", "type", Control(label="Phrase")),
        ("go_on", "click", Control(role="link", name="Onwards")),
    )  # fmt: skip
    assert run.failure is None
    assert [s.path for s in run.screens] == ["/start", "/continue", "/end"]  # passed through
    assert run.keystrokes == 3 and run.clicks == 3
    kinds = [o.kind for o in run.operators]
    assert kinds[:6] == ["M", "P", "B", "H", "M", "K"]
    assert run.predicted_s > 0
    assert run.screenshot is not None and run.screenshot.is_file()
    assert "The end." in run.final_text


def test_a_control_that_does_not_exist_stops_the_task_at_its_step(
    browser: Any, site: str, tmp_path: Path
) -> None:
    started = time.monotonic()
    run = _run(browser, site, tmp_path, ("missing", "click", Control(role="link", name="Nowhere")))
    assert run.failure is not None
    assert run.failure.step == "missing"
    assert "no link 'Nowhere' on this screen" in run.failure.message
    assert run.screenshot is not None and run.screenshot.name == "probe-stopped.png"
    assert time.monotonic() - started < 8


def test_a_screen_that_never_loads_stops_the_task_within_the_step_limit(
    browser: Any, site: str, tmp_path: Path
) -> None:
    started = time.monotonic()
    run = _run(browser, site, tmp_path, ("slow", "click", Control(role="link", name="Slow")))
    assert run.failure is not None and run.failure.step == "slow"
    assert time.monotonic() - started < 8


def test_a_dialog_that_blocks_stops_the_task(browser: Any, site: str, tmp_path: Path) -> None:
    run = _run(browser, site, tmp_path, ("alert", "click", Control(role="button", name="Alert")))
    assert run.failure is not None and run.failure.step == "alert"
    assert "a dialog blocked the screen: 'Are you sure?'" in run.failure.message
