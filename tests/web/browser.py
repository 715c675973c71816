"""A real server and a real headless Chromium for the end-to-end tests.

The server is uvicorn on 127.0.0.1 (an ephemeral port) in a thread of the test process,
serving the API with the portals over the same live service the route tests use, so a
test can read the one-time code the notifier "sent" to the candidate's phone.

Chromium is Debian's (``/usr/bin/chromium``), driven by Playwright's own driver: no
browser download. Without it the browser tests skip with a one-line reason, except where
``FAIRSCREEN_REQUIRE_BROWSER=1`` (CI), where they fail.
"""

from __future__ import annotations

import os
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

CHROMIUM = Path(os.environ.get("FAIRSCREEN_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
#: the languages whose pages axe-core checks at every screenshot (issue 13: zh-Hans)
AXE_LANGUAGES = ("zh-Hans",)
#: where screenshots go: ``FAIRSCREEN_SCREENSHOT_DIR``, else test-artifacts/screenshots/
SCREENSHOTS = Path(
    os.environ.get("FAIRSCREEN_SCREENSHOT_DIR")
    or Path(__file__).resolve().parents[2] / "test-artifacts" / "screenshots"
)


def browser_missing() -> str | None:
    """None when a browser test can run, else why not."""
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "playwright is not installed (pip install playwright)"
    if not CHROMIUM.exists():
        return f"no Chromium at {CHROMIUM} (apt-get install chromium)"
    return None


def require_browser() -> None:
    reason = browser_missing()
    if reason:
        if os.environ.get("FAIRSCREEN_REQUIRE_BROWSER") == "1":
            pytest.fail(reason)
        pytest.skip(reason)


class LiveServer:
    """uvicorn serving ``app`` on 127.0.0.1 at an ephemeral port, in a thread."""

    def __init__(self, app: Any) -> None:
        import uvicorn

        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        # FAIRSCREEN_TEST_PORT pins the port on a shared machine (0: any free one)
        sock.bind(("127.0.0.1", int(os.environ.get("FAIRSCREEN_TEST_PORT", "0"))))
        self.port = sock.getsockname()[1]
        self._socket = sock
        config = uvicorn.Config(app, log_level="warning", access_log=False, lifespan="on")
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(
            target=self.server.run, kwargs={"sockets": [sock]}, daemon=True
        )

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def __enter__(self) -> LiveServer:
        self.thread.start()
        deadline = time.monotonic() + 15
        while not self.server.started:
            if time.monotonic() > deadline or not self.thread.is_alive():
                raise RuntimeError("the test server did not start")
            time.sleep(0.02)
        return self

    def __exit__(self, *_: object) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)
        self._socket.close()


def launch() -> Iterator[Any]:
    """A Playwright Chromium (Debian's binary), closed afterwards."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
        )
        try:
            yield browser
        finally:
            browser.close()


def shot(page: Any, name: str) -> Path:
    """Keep a full-page screenshot as a test artifact, after checking that every text on
    the page has WCAG AA contrast and, on a zh-Hans page, that axe-core finds no serious
    or critical violation (``web/accessibility.py``)."""
    from web.accessibility import assert_no_serious_axe_violations

    failures = contrast_failures(page)
    assert not failures, f"{name}: low contrast: {failures[:5]}"
    if page.evaluate("() => document.documentElement.lang") in AXE_LANGUAGES:
        assert_no_serious_axe_violations(page, name)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


#: WCAG 2.2 contrast of every visible text against its effective background, computed
#: in the page: 4.5:1 for body text, 3:1 for large text (24 px, or 18.66 px bold).
_CONTRAST_JS = """
() => {
  const parse = (c) => {
    const m = c.match(/rgba?\\(([^)]+)\\)/); if (!m) return null;
    const p = m[1].split(',').map(Number);
    return {r: p[0], g: p[1], b: p[2], a: p.length > 3 ? p[3] : 1};
  };
  const lum = (c) => {
    const f = (v) => { v /= 255;
      return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4); };
    return 0.2126 * f(c.r) + 0.7152 * f(c.g) + 0.0722 * f(c.b);
  };
  const background = (el) => { for (let e = el; e; e = e.parentElement) {
      const c = parse(getComputedStyle(e).backgroundColor); if (c && c.a > 0.5) return c; }
    return {r:255, g:255, b:255, a:1}; };
  const failures = [];
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  while (walker.nextNode()) {
    const node = walker.currentNode; const el = node.parentElement;
    if (!node.textContent.trim() || !el) continue;
    const rect = el.getBoundingClientRect(); const style = getComputedStyle(el);
    if (!rect.width || !rect.height || style.visibility === 'hidden') continue;
    if (el.closest('svg')) continue;
    const fg = parse(style.color); const bg = background(el);
    const l1 = lum(fg), l2 = lum(bg);
    const ratio = (Math.max(l1, l2) + 0.05) / (Math.min(l1, l2) + 0.05);
    const size = parseFloat(style.fontSize); const bold = parseInt(style.fontWeight) >= 700;
    const need = (size >= 24 || (bold && size >= 18.66)) ? 3 : 4.5;
    const text = node.textContent.trim().slice(0, 30);
    if (ratio < need) failures.push(`${el.tagName}: ${ratio.toFixed(2)} < ${need} "${text}"`);
  }
  return failures;
}
"""


def contrast_failures(page: Any) -> list[str]:
    """Texts on the page whose contrast is below WCAG AA."""
    failures: list[str] = page.evaluate(_CONTRAST_JS)
    return failures
