"""Headless Chromium for the page tests: where it is, how it runs, and the accessibility
checks every new page gets (axe-core: nothing serious or critical; focus drawn)."""

from __future__ import annotations

from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Page

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless=new", "--no-sandbox", "--disable-gpu",
                 "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run"]


def serious_violations(page: Page) -> list[str]:
    """axe-core's serious and critical violations on the page as it is now, in words."""
    violations = Axe().run(page).response["violations"]
    return [f"{v['id']}: {v['help']} {[n['target'] for n in v['nodes']]}" for v in violations
            if v.get("impact") in ("serious", "critical")]


def no_serious_violations(page: Page) -> None:
    """axe-core finds nothing serious or critical on the page as it is now."""
    assert serious_violations(page) == []


def focus_is_visible(page: Page) -> None:
    """The focused element draws an outline (the pages' :focus-visible style)."""
    style = page.evaluate("getComputedStyle(document.activeElement).outlineStyle")
    focused = page.evaluate("document.activeElement.id")
    assert style not in ("", "none"), f"no visible focus on #{focused}"
