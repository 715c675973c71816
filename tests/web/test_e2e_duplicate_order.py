"""The duplicate-order question in a real headless Chromium on a 390×844 phone (issue 13):
the employer orders the same candidate twice; the second submit comes back with the
warning, what was typed kept, a link to the existing case, and a box that orders
anyway. Screenshots go to ``test-artifacts/screenshots/``."""

from __future__ import annotations

from typing import Any

import pytest

from api.conftest import Api
from web.test_e2e_browser import CONSOLE_ERRORS, PHONE, _staff, shot
from web.test_e2e_invitation import _fits

pytestmark = [pytest.mark.browser, pytest.mark.slow]

PERSON = {"name": "测试壬", "national_id": "99999919980808008X", "birth_date": "1998-08-08"}


def _fill_and_submit(employer: Any, base: str) -> None:
    employer.goto(f"{base}/employer/cases/new")
    employer.fill("#name", PERSON["name"])
    employer.fill("#national_id", PERSON["national_id"])
    employer.fill("#birth_date", PERSON["birth_date"])
    employer.fill("#contact", "139 0013 9020")
    employer.fill("#purpose", "入职复核")
    with employer.expect_navigation():
        employer.click("form[action='/employer/cases'] button[type=submit]")


def test_a_second_order_is_questioned_on_a_phone(browser: Any, live: tuple[Api, str]) -> None:
    api, base = live
    CONSOLE_ERRORS.clear()
    employer = _staff(browser, base, api.tokens["employer"], "zh-Hans", **PHONE)
    _fill_and_submit(employer, base)
    first = employer.url.split("?")[0].rsplit("/", 1)[1]

    _fill_and_submit(employer, base)
    warning = employer.locator("#duplicate-warning")
    assert warning.is_visible()
    assert "该候选人在本单位已有一个尚未结束的核查" in warning.inner_text()
    assert employer.input_value("#purpose") == "入职复核"  # what was typed is kept
    _fits(employer)
    # the question's answer is a 409 by design; any other console error still fails
    CONSOLE_ERRORS[:] = [e for e in CONSOLE_ERRORS if "status of 409" not in e]
    shot(employer, "duplicate-01-asked")

    # the link leads to the existing case; the box orders another
    assert employer.get_attribute("#duplicate-case", "href") == f"/employer/cases/{first}"
    employer.check("input[name=duplicate_confirmed]")
    with employer.expect_navigation():
        employer.click("form[action='/employer/cases'] button[type=submit]")
    second = employer.url.split("?")[0].rsplit("/", 1)[1]
    assert second.startswith("case_") and second != first
    shot(employer, "duplicate-02-ordered")
