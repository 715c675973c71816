"""The axe-core harness (``web/accessibility.py``) finds what it is there to find: a live
page passes, the same page with a control's label taken away or an image without a text
fails, naming the rule; and it runs under the pages' own Content-Security-Policy."""

from __future__ import annotations

from typing import Any

import pytest

from api.conftest import Api
from web.accessibility import assert_no_serious_axe_violations, axe_violations

pytestmark = [pytest.mark.browser]


def test_axe_passes_a_live_page_and_fails_it_once_broken(
    browser: Any, live: tuple[Api, str]
) -> None:
    _, base = live
    page = browser.new_page()
    answer = page.goto(f"{base}/candidate/sign-in?lang=zh-Hans")
    assert answer is not None and "script-src" in answer.headers["content-security-policy"]
    assert_no_serious_axe_violations(page)
    # axe really ran its rules on this page: it reports what passed, too
    assert page.evaluate("() => window.axe.version") == "4.14.1"
    page.evaluate("() => document.querySelectorAll('label').forEach((l) => l.remove())")
    with pytest.raises(AssertionError, match="label"):
        assert_no_serious_axe_violations(page)
    page.evaluate(
        """() => { const img = document.createElement('img'); img.src = '/static/favicon.svg';
                  document.querySelector('main').append(img); }"""
    )
    rules = {v["id"]: v["impact"] for v in axe_violations(page)}
    assert rules.get("image-alt") == "critical"
    page.close()
