"""Runs one usability task in a real browser through the product's task map, and measures it.

Each task gets a fresh browser context: the task's user signs in first (not part of the
task), the task's first screen is opened, then each step is performed by the operator recorder
on the control the task map names. Every screen is checked with axe-core as it appears. The
result holds the operators used, the Keystroke-Level Model's predicted time, clicks,
keystrokes, screens, scrolling, wall time, the violations found and a screenshot of the final
state; a step that cannot be performed (a control that does not exist, a screen that never
loads, a dialog that blocks) ends the task with the step and a screenshot of where it stopped.
"""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from playwright.sync_api import Browser, BrowserContext, Locator, Page
from playwright.sync_api import Error as PlaywrightError

from accredit.sut import UiControl, UiProfile
from accredit.usability_spec import Control, MappedStep, Task, Usability, fill_in
from usability.accessibility import Violation, violations_on
from usability.klm import Operator, place_mental_operators, predicted_seconds
from usability.recorder import ControlNotFound, OperatorRecorder, ScreenVisit

__all__ = ["StepFailure", "TaskRun", "locate", "run_task"]

VIEWPORT = {"width": 1280, "height": 900}
_POLL_MS = 50


@dataclass(frozen=True)
class StepFailure:
    """Where a task stopped, and why."""

    step: str
    message: str


@dataclass
class TaskRun:
    """What one run of a task did and measured."""

    task: Task
    operators: list[Operator] = field(default_factory=list)
    predicted_s: float = 0.0
    screens: list[ScreenVisit] = field(default_factory=list)
    clicks: int = 0
    keystrokes: int = 0
    scroll_px: float = 0.0
    wall_s: float = 0.0
    violations: list[Violation] = field(default_factory=list)
    screenshot: Path | None = None
    failure: StepFailure | None = None
    final_text: str = ""
    field_values: dict[str, str] = field(default_factory=dict)
    unlabelled: list[str] = field(default_factory=list)

    @property
    def response_s(self) -> float:
        """Return the measured response times (R) added up."""
        return sum(o.seconds or 0.0 for o in self.operators if o.kind == "R")

    def counted_violations(self, impacts: Sequence[str]) -> int:
        """Return how many violations have one of these impacts."""
        return sum(1 for v in self.violations if v.impact in impacts)


class _Aborted(Exception):
    """The task cannot go on (a dialog, a timeout, a refused sign-in)."""


def _xpath_literal(text: str) -> str:
    if "'" not in text:
        return f"'{text}'"
    if '"' not in text:
        return f'"{text}"'
    return "concat(" + ', "\'", '.join(f"'{part}'" for part in text.split("'")) + ")"


def _candidates(page: Page, control: Control) -> tuple[Locator, Locator | None]:
    scope: Page | Locator = page
    if control.within_role and control.within_name:
        within: Any = control.within_role  # an ARIA role, as the task map names it
        scope = page.get_by_role(within, name=control.within_name, exact=True)
    if control.role and control.name:
        role: Any = control.role
        found = scope.get_by_role(role, name=control.name, exact=True).filter(visible=True)
        return found, None
    label = control.label or ""
    primary = scope.get_by_label(label, exact=True).filter(visible=True)
    # What a sighted user does with a field whose label is not associated with it: reads the
    # words and types into the field after them. The accessibility check judges the label.
    beside = scope.locator(
        f"xpath=//*[normalize-space(text())={_xpath_literal(label)}]"
        "/following::*[self::textarea or self::select or self::input[not(@type='hidden')]][1]"
    )
    return primary, beside


def _present(page: Page, control: Control) -> bool:
    primary, beside = _candidates(page, control)
    return primary.count() > 0 or (beside is not None and beside.count() > 0)


def locate(page: Page, control: Control, timeout_s: float) -> tuple[Locator, bool]:
    """Return the one control the task map names, and whether it was found by its visible
    text only (a label not associated with its field). Raise ControlNotFound."""
    deadline = time.monotonic() + timeout_s
    while True:
        primary, beside = _candidates(page, control)
        found = primary.count()
        if found == 1:
            return primary, False
        if found > 1:
            raise ControlNotFound(f"{control.describe()} names {found} controls, not one")
        if beside is not None and beside.count() > 0:
            return beside.first, True
        if time.monotonic() > deadline:
            raise ControlNotFound(f"no {control.describe()} on this screen")
        page.wait_for_timeout(_POLL_MS)


def _as_control(control: UiControl) -> Control:
    return Control(role=control.role, name=control.name, label=control.label)


@dataclass
class _Task:
    """The state of one task being run."""

    browser_context: BrowserContext
    ui: UiProfile
    usability: Usability
    task: Task
    inputs: Mapping[str, str]
    run: TaskRun
    recorder: OperatorRecorder | None = None
    checking_s: float = 0.0

    def check_screen(self, page: Page, path: str) -> None:
        started = time.monotonic()
        self.run.violations.extend(violations_on(page, path, self.usability.accessibility.tags))
        self.checking_s += time.monotonic() - started

    def url(self, path: str) -> str:
        return self.ui.base_url + fill_in(path, self.inputs)


def _sign_in_quietly(page: Page, ui: UiProfile, user: str, timeout_s: float) -> None:
    """Sign in before the task starts (not part of it): fill the fields, press the button."""
    username, password = ui.credentials[user]
    page.goto(ui.base_url + ui.sign_in_path, wait_until="load")
    locate(page, _as_control(ui.username), timeout_s)[0].fill(username)
    locate(page, _as_control(ui.password), timeout_s)[0].fill(password)
    with page.expect_navigation(wait_until="load"):
        locate(page, _as_control(ui.submit), timeout_s)[0].click()
    if _present(page, _as_control(ui.password)):
        raise _Aborted(f"signing in as {user} was refused: the sign-in screen is shown again")


def _sign_in_recorded(state: _Task, recorder: OperatorRecorder, step: str) -> None:
    ui = state.ui
    timeout = state.usability.step_timeout_seconds
    page = recorder.page
    if not _present(page, _as_control(ui.password)):
        return  # still signed in: nothing to do
    username, password = ui.credentials[state.task.user]
    recorder.type_into(locate(page, _as_control(ui.username), timeout)[0], username, step)
    recorder.type_into(locate(page, _as_control(ui.password), timeout)[0], password, step)
    recorder.click(locate(page, _as_control(ui.submit), timeout)[0], step)
    if _present(recorder.page, _as_control(ui.password)):
        raise _Aborted("signing in again was refused: the sign-in screen is shown again")


def _expire_session(state: _Task, deadline: float) -> None:
    ui = state.ui
    if ui.expire_path and ui.expire_method:
        response = state.browser_context.request.fetch(
            ui.base_url + ui.expire_path,
            method=ui.expire_method,
            timeout=state.usability.step_timeout_seconds * 1000,
            max_redirects=0,
        )
        if response.status >= 400:
            raise _Aborted(f"ui.session.expire ({ui.expire_method} {ui.expire_path}) answered "
                           f"{response.status}")  # fmt: skip
        return
    lifetime = ui.session_lifetime_seconds or 0.0
    if time.monotonic() + lifetime > deadline:
        raise _Aborted(
            f"the session lasts {lifetime:g} s, beyond the task's time limit, and the profile "
            "gives no ui.session.expire request to end it at once"
        )
    time.sleep(lifetime)


def _perform(
    state: _Task, recorder: OperatorRecorder, mapped: MappedStep, after: Control | None
) -> None:
    step = mapped.step
    assert mapped.control is not None
    timeout = state.usability.step_timeout_seconds
    control = mapped.control.filled(state.inputs)
    target, unlabelled = locate(recorder.page, control, timeout)
    if unlabelled:
        state.run.unlabelled.append(f"{step.id}: {control.describe()}")
    if step.action == "click":
        recorder.click(target, step.id)
    elif step.action == "type":
        assert step.value is not None
        recorder.type_into(target, state.inputs[step.value], step.id)
    elif control.option is not None:
        recorder.choose_option(target, control.option, step.id)
    else:
        recorder.click(target, step.id, navigates=False)
    if recorder.dialogs:
        raise _Aborted(f"a dialog blocked the screen: {recorder.dialogs[-1]!r}")
    if mapped.pass_through is None:
        return
    through = mapped.pass_through.filled(state.inputs)
    for _ in range(state.usability.pass_through_max):
        if after is not None and _present(recorder.page, after):
            return
        if not _present(recorder.page, through):
            return
        recorder.click(locate(recorder.page, through, timeout)[0], step.id)


def run_task(
    browser: Browser,
    ui: UiProfile,
    usability: Usability,
    task: Task,
    steps: Sequence[MappedStep],
    start: str,
    inputs: Mapping[str, str],
    screenshots: Path,
) -> TaskRun:
    """Run the task through its mapped steps from the screen `start`; return what it measured.

    A failure to perform a step is returned in `failure`, never raised: the run goes on with
    the next task. The final screenshot (or the one where the task stopped) is written into
    `screenshots` with password fields masked.
    """
    run = TaskRun(task)
    context = browser.new_context(viewport=VIEWPORT, bypass_csp=True)  # type: ignore[arg-type]
    state = _Task(context, ui, usability, task, inputs, run)
    timeout = usability.step_timeout_seconds
    current = "sign in before the task"
    page = context.new_page()
    page.set_default_timeout(timeout * 1000)
    started = time.monotonic()
    deadline = started + usability.task_timeout_seconds
    try:
        _sign_in_quietly(page, ui, task.user, timeout)
        current = "open the first screen"
        recorder = OperatorRecorder(page, timeout, state.check_screen)
        state.recorder = recorder
        started = time.monotonic()
        recorder.open(state.url(start), "start", timed=False)
        browser_steps = [s for s in steps if s.control is not None]
        for mapped in steps:
            current = mapped.step.id
            if time.monotonic() > deadline:
                raise _Aborted(f"the task took longer than {usability.task_timeout_seconds:g} s")
            action = mapped.step.action
            if action == "expire_session":
                _expire_session(state, deadline)
            elif action == "close_page":
                recorder.page.close(run_before_unload=True)
            elif action == "sign_in":
                recorder.attach(context.new_page())
                recorder.open(state.url(start), current, timed=True)
                _sign_in_recorded(state, recorder, current)
            else:
                later = browser_steps[browser_steps.index(mapped) + 1 :]
                after = later[0].control.filled(inputs) if later and later[0].control else None
                _perform(state, recorder, mapped, after)
        current = "read the final screen"
        final = recorder.page
        run.final_text = final.inner_text("body")
        for mapped in browser_steps:
            if mapped.step.action == "type" and mapped.control is not None:
                control = mapped.control.filled(inputs)
                if _present(final, control):
                    run.field_values[mapped.step.id] = locate(final, control, 0)[0].input_value()
    except (ControlNotFound, _Aborted, PlaywrightError, TimeoutError) as error:
        message = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
        run.failure = StepFailure(current, message[:500])
    finally:
        run.wall_s = round(time.monotonic() - started - state.checking_s, 3)
        recorder_or_none = state.recorder
        if recorder_or_none is not None:
            _collect(run, recorder_or_none, usability)
        shown = recorder_or_none.page if recorder_or_none is not None else page
        run.screenshot = _screenshot(shown, screenshots, task.id, run.failure is not None)
        context.close()
    return run


def _collect(run: TaskRun, recorder: OperatorRecorder, usability: Usability) -> None:
    run.operators = place_mental_operators(recorder.operators)
    run.predicted_s = round(predicted_seconds(run.operators, usability.operators), 3)
    run.screens = list(recorder.screens)
    run.clicks, run.keystrokes = recorder.clicks, recorder.keystrokes
    run.scroll_px = round(recorder.scroll_px, 1)


def _screenshot(page: Page, folder: Path, task_id: str, failed: bool) -> Path | None:
    if page.is_closed():
        return None
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{task_id}{'-stopped' if failed else ''}.png"
    try:
        page.screenshot(
            path=str(path), full_page=False, mask=[page.locator("input[type=password]")],
            timeout=10_000,
        )  # fmt: skip
    except PlaywrightError:
        return None
    return path
