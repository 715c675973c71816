"""axe-core in the browser tests: ``assert_no_serious_axe_violations(page)``.

axe-core is vendored (``tests/web/vendor/axe.min.js``, 4.14.1 from the npm package
``axe-core``: ``npm pack axe-core``, the file ``axe.min.js`` unmodified; MPL-2.0,
``vendor/axe.LICENSE`` and ``vendor/axe.LICENSE-3RD-PARTY.txt``), so nothing is fetched
when the tests run. It is evaluated through the DevTools protocol, which the pages'
Content-Security-Policy (``script-src 'self'``) does not govern, so the pages are tested
with the policy they ship with.

Rules: axe's WCAG 2.0/2.1/2.2 A and AA tags and its best practices; a violation whose
impact is ``serious`` or ``critical`` fails the test, with each rule, its help text and the
first nodes' selectors.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

AXE = Path(__file__).resolve().parent / "vendor" / "axe.min.js"
TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice"]
FAILING = ("serious", "critical")


@cache
def _axe_source() -> str:
    return AXE.read_text("utf-8")


def axe_violations(page: Any) -> list[dict[str, Any]]:
    """axe's violations of the page as it is now (every impact)."""
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        page.evaluate(_axe_source())  # a script, not a function: axe sets window.axe
    results: dict[str, Any] = page.evaluate(
        """async (tags) => await window.axe.run(document, {
             runOnly: {type: 'tag', values: tags}, resultTypes: ['violations']})""",
        TAGS,
    )
    violations: list[dict[str, Any]] = results["violations"]
    return violations


def serious_axe_violations(page: Any) -> list[str]:
    """Each serious or critical violation as one line: rule, impact, help, where."""
    lines = []
    for violation in axe_violations(page):
        if violation.get("impact") not in FAILING:
            continue
        where = [", ".join(node["target"]) for node in violation["nodes"][:3]]
        lines.append(
            f"{violation['id']} ({violation['impact']}): {violation['help']} at {where}"
            f" [{len(violation['nodes'])} nodes]"
        )
    return lines


def assert_no_serious_axe_violations(page: Any, name: str = "") -> None:
    """Fail when axe finds a serious or critical violation on the page."""
    found = serious_axe_violations(page)
    assert not found, f"{name or page.url}: axe-core: " + "; ".join(found)
