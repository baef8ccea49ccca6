"""The operator recorder: performs each action of a task in the browser the way an expert
would (pointer, buttons, keys) and notes every Keystroke-Level Model operator it used.

Nothing is simulated: the pointer moves to the control's centre (P, only when it is not there
already), the button is pressed and released (B B), a hand moves to the keyboard (H) before
keys are typed one by one (K, a Shift counted as a key of its own) and back to the mouse before
the next pointing. When an action starts a navigation, the response time the browser measured
for the new document (R) is noted and the new screen is reported to `on_screen` (the
accessibility check). Typed text is never kept: only how many keys it took.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import Locator, Page, Request

from usability.klm import Operator

__all__ = ["ControlNotFound", "OperatorRecorder", "ScreenVisit", "keys_for"]

#: How long a click is given to start a navigation before it is taken as one that does not.
NAVIGATION_GRACE_SECONDS = 0.4
#: How often the pointer follows a control that moved before the click lands.
_SHIFTS = 3
_UNDER_POINTER = """(element, point) => {
  const hit = document.elementFromPoint(point.x, point.y);
  return !!hit && (hit === element || element.contains(hit)
    || (element.labels && Array.from(element.labels).some(l => l.contains(hit))));
}"""
#: Where a control is pointed at: the middle of its first box (a link that wraps over two
#: lines has its middle between them, on nothing).
_TARGET_POINT = """element => {
  const box = element.getClientRects()[0] || element.getBoundingClientRect();
  return [box.x + box.width / 2, box.y + box.height / 2];
}"""
_SHIFTED = set('ABCDEFGHIJKLMNOPQRSTUVWXYZ!"£$%^&*()_+{}:@~<>?|')
_NAVIGATION_MS = """() => {
  const n = performance.getEntriesByType("navigation")[0];
  if (!n) { return null; }
  return Math.max(n.loadEventEnd, n.domContentLoadedEventEnd, n.responseEnd) - n.startTime;
}"""


def keys_for(text: str) -> int:
    """Return the keystrokes that type `text`: one per character, one more per Shift."""
    return len(text) + sum(1 for c in text if c in _SHIFTED)


class ControlNotFound(Exception):
    """No control (or more than one) answers to what the task map says."""


@dataclass
class ScreenVisit:
    """One screen (document) shown during a task, and how long it took to load."""

    path: str
    response_s: float | None


@dataclass
class OperatorRecorder:
    """Performs and records the actions of one task in one page (a new page can be attached)."""

    page: Page
    step_timeout_s: float
    on_screen: Callable[[Page, str], None]
    operators: list[Operator] = field(default_factory=list)
    screens: list[ScreenVisit] = field(default_factory=list)
    clicks: int = 0
    keystrokes: int = 0
    scroll_px: float = 0.0
    dialogs: list[str] = field(default_factory=list)
    _hand: str = "mouse"
    _pointer: tuple[float, float] | None = None
    _pointed: bool = True
    _documents: int = 0
    _navigations: int = 0

    def __post_init__(self) -> None:
        self.attach(self.page)

    def attach(self, page: Page) -> None:
        """Record from now on in `page` (after the previous one was closed)."""
        self.page = page
        self._pointer = None
        page.set_default_timeout(self.step_timeout_s * 1000)
        page.on("framenavigated", lambda frame: self._committed(page, frame))
        page.on("request", lambda request: self._requested(page, request))
        page.on("dialog", self._dialog)

    def _committed(self, page: Page, frame: object) -> None:
        if frame is page.main_frame:
            self._documents += 1

    def _requested(self, page: Page, request: Request) -> None:
        if request.is_navigation_request() and request.frame is page.main_frame:
            self._navigations += 1

    def _dialog(self, dialog: object) -> None:
        message = getattr(dialog, "message", "")
        self.dialogs.append(str(message)[:200])
        with contextlib.suppress(PlaywrightError):  # already gone: the page closed
            dialog.dismiss()  # type: ignore[attr-defined]

    # --- navigation --------------------------------------------------------------------------

    def open(self, url: str, step: str, timed: bool) -> None:
        """Load `url` as a new screen (the task's first screen, or the record reopened)."""
        before = self._documents
        self.page.goto(url, wait_until="load")
        self._wait_for_document(before)
        self._new_screen(step, timed)

    def _wait_for_document(self, before: int) -> None:
        deadline = time.monotonic() + self.step_timeout_s
        while self._documents == before:
            if time.monotonic() > deadline:
                raise TimeoutError(f"no new screen within {self.step_timeout_s:g} s")
            self.page.wait_for_timeout(10)
        self.page.wait_for_load_state("load")

    def _settle(self, step: str, documents: int, navigations: int, grace: float) -> None:
        """After an action: if it started a navigation, wait for the new screen and note it."""
        deadline = time.monotonic() + grace
        while (
            self._navigations == navigations
            and self._documents == documents
            and time.monotonic() < deadline
        ):
            self.page.wait_for_timeout(15)
        if self._navigations > navigations or self._documents > documents:
            self._wait_for_document(documents)
            self._new_screen(step, timed=True)

    def _new_screen(self, step: str, timed: bool) -> None:
        elapsed = self.page.evaluate(_NAVIGATION_MS)
        response = round(float(elapsed) / 1000, 4) if timed and elapsed is not None else None
        if response is not None:
            self.operators.append(Operator("R", step, seconds=response, note="response"))
        path = self.page.url.split("://", 1)[-1]
        path = "/" + path.split("/", 1)[1] if "/" in path else "/"
        self.screens.append(ScreenVisit(path, response))
        self.on_screen(self.page, path)

    # --- operators ---------------------------------------------------------------------------

    def _to_mouse(self, step: str) -> None:
        if self._hand != "mouse":
            self.operators.append(Operator("H", step, note="to the mouse"))
            self._hand = "mouse"

    def _to_keyboard(self, step: str) -> None:
        if self._hand != "keyboard":
            self.operators.append(Operator("H", step, note="to the keyboard"))
            self._hand = "keyboard"

    def _point(self, target: Locator, step: str, anticipated: bool = False) -> tuple[float, float]:
        """Move the pointer to the control's centre (P), unless it is there already."""
        before = float(self.page.evaluate("() => window.scrollY"))
        target.scroll_into_view_if_needed()
        self.scroll_px += abs(float(self.page.evaluate("() => window.scrollY")) - before)
        centre = self._target_point(target)
        self._to_mouse(step)
        self._pointed = (
            self._pointer is None
            or max(abs(centre[0] - self._pointer[0]), abs(centre[1] - self._pointer[1])) > 2
        )
        if self._pointed:
            self.operators.append(Operator("P", step, anticipated=anticipated))
            self.page.mouse.move(*centre)
            self._pointer = centre
        return centre

    @staticmethod
    def _target_point(target: Locator) -> tuple[float, float]:
        point = target.evaluate(_TARGET_POINT)
        if not point or not all(isinstance(v, int | float) for v in point):
            raise ControlNotFound("the control is not visible")
        return float(point[0]), float(point[1])

    def _press(self, target: Locator, centre: tuple[float, float], step: str) -> None:
        """Press and release the button on the control. Should the screen shift under the
        pointer first (a status line appearing above it), the pointer follows the control, as
        an expert's eye and hand would: the same P."""
        for _ in range(_SHIFTS):
            if target.evaluate(_UNDER_POINTER, {"x": centre[0], "y": centre[1]}):
                break
            centre = self._target_point(target)
            self.page.mouse.move(*centre)
            self._pointer = centre
        self.operators.append(Operator("B", step, count=2, note="click", command=not self._pointed))
        self.page.mouse.click(*centre)
        self.clicks += 1

    def click(self, target: Locator, step: str, navigates: bool = True) -> None:
        """Point at the control and click it; wait for the screen it leads to, if any."""
        documents, navigations = self._documents, self._navigations
        self._press(target, self._point(target, step), step)
        self._settle(step, documents, navigations, NAVIGATION_GRACE_SECONDS if navigates else 0)

    def type_into(self, target: Locator, text: str, step: str) -> None:
        """Type `text` into the field, clicking into it first unless it has the focus."""
        focused = bool(target.evaluate("e => e === document.activeElement"))
        if not focused:
            self._press(target, self._point(target, step), step)
        self._to_keyboard(step)
        for index, character in enumerate(text):
            keys = keys_for(character)
            self.operators.append(
                Operator("K", step, count=keys, note="typing", continues=index > 0)
            )
            self.keystrokes += keys
        self.page.keyboard.type(text)

    def choose_option(self, target: Locator, option: str, step: str) -> None:
        """Choose the option of that text from a list: an expert points at the list, clicks
        it open, points at the option and clicks it (P B B P B B). The browser's own list
        cannot be driven by the pointer headless, so the choice is made through the control
        once the pointer is on it."""
        self._point(target, step)
        self.operators.append(Operator("B", step, count=2, note="open the list"))
        target.select_option(option)  # the option's value or its text
        self.operators.append(Operator("P", step, anticipated=True, note="the option"))
        self.operators.append(Operator("B", step, count=2, note="click"))
        self.clicks += 2
