"""Accessibility of a screen: axe-core's violations of the WCAG rules the spec names.

axe-core comes bundled with the `axe-playwright-python` package; it is evaluated in the page
(the browser context bypasses the page's content security policy for it) and run with only
the rules tagged as the spec asks (`specs/usability.yaml`, accessibility.tags).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from importlib.resources import files
from typing import Any

from playwright.sync_api import Page

__all__ = ["IMPACTS", "NodeFinding", "Violation", "axe_version", "violations_on"]

#: axe-core's impacts, least severe first.
IMPACTS = ("minor", "moderate", "serious", "critical")
#: At most this many failing elements are kept per rule and screen, and this much of each.
MAX_NODES, MAX_HTML_CHARS = 10, 300

_RUN = """async (tags) => {
  const results = await axe.run(document, {
    runOnly: {type: "tag", values: tags}, resultTypes: ["violations"]
  });
  return results.violations.map(v => ({
    rule: v.id, impact: v.impact || "minor", help: v.help, help_url: v.helpUrl,
    nodes: v.nodes.length,
    examples: v.nodes.slice(0, MAX_NODES).map(n => ({
      target: n.target.map(String).join(" "), html: n.html.slice(0, MAX_HTML_CHARS)
    }))
  }));
}""".replace("MAX_NODES", str(MAX_NODES)).replace("MAX_HTML_CHARS", str(MAX_HTML_CHARS))


@dataclass(frozen=True)
class NodeFinding:
    """A failing element: its CSS selector and the start of its markup."""

    target: str
    html: str


@dataclass(frozen=True)
class Violation:
    """One axe rule broken on one screen, with the elements that break it."""

    screen: str
    rule: str
    impact: str
    help: str
    help_url: str
    node_count: int
    nodes: tuple[NodeFinding, ...]


@cache
def _script() -> str:
    return files("axe_playwright_python").joinpath("axe.min.js").read_text(encoding="utf-8")


def _ensure_axe(page: Page) -> None:
    if not page.evaluate("() => typeof window.axe === 'object'"):
        page.evaluate(_script())


def axe_version(page: Page) -> str:
    """Return the version of axe-core run in the page."""
    _ensure_axe(page)
    return str(page.evaluate("() => axe.version"))


def violations_on(page: Page, screen: str, tags: tuple[str, ...]) -> list[Violation]:
    """Return the violations of the rules tagged `tags` on the page as it is now."""
    _ensure_axe(page)
    found: list[dict[str, Any]] = page.evaluate(_RUN, list(tags))
    return [
        Violation(
            screen=screen,
            rule=str(v["rule"]),
            impact=str(v["impact"]) if v["impact"] in IMPACTS else "minor",
            help=str(v["help"]),
            help_url=str(v["help_url"]),
            node_count=int(v["nodes"]),
            nodes=tuple(NodeFinding(str(n["target"]), str(n["html"])) for n in v["examples"]),
        )
        for v in found
    ]
