"""The invitation journey in a real headless Chromium on a 390×844 phone (issue 13 items
1-2): the employer orders with the candidate's mobile; the candidate opens the link from
the development outbox, asks for a code, reads it from the outbox, signs in with the code
sent to 尾号 xxxx and sees the employer and the role; no page scrolls sideways (a phone
table stacks instead of clipping dates). Screenshots go to ``test-artifacts/screenshots/``."""

from __future__ import annotations

import dataclasses
import re
from typing import Any

import pytest

from api.conftest import Api
from web.test_e2e_browser import PHONE, _staff, _watch, shot

pytestmark = [pytest.mark.browser, pytest.mark.slow]

LINK = r"https?://\S+/candidate/invitation/[A-Za-z0-9_-]+"
PERSON = {"name": "测试丁", "national_id": "99999919940404004X", "birth_date": "1994-04-04"}


def _fits(page: Any) -> None:
    overflow = page.evaluate(
        "document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    assert overflow <= 0, f"{page.url} scrolls sideways by {overflow}px"


def _outbox_text(page: Any, base: str) -> str:
    page.goto(f"{base}/dev/outbox")
    return str(page.locator("#outbox li").first.inner_text())


def test_an_invited_candidate_signs_in_on_a_phone(browser: Any, live: tuple[Api, str]) -> None:
    api, base = live
    svc = api.world.svc
    svc.config = dataclasses.replace(svc.config, demo=True, public_url=base)

    employer = _staff(browser, base, api.tokens["employer"], "zh-Hans", **PHONE)
    employer.goto(f"{base}/employer/cases/new")
    employer.fill("#name", PERSON["name"])
    employer.fill("#national_id", PERSON["national_id"])
    employer.fill("#birth_date", PERSON["birth_date"])
    employer.fill("#contact", "139 0013 9002")
    _fits(employer)
    shot(employer, "invite-01-order")
    with employer.expect_navigation():
        employer.click("form[action='/employer/cases'] button[type=submit]")
    assert employer.locator("#case-candidate").inner_text() == PERSON["name"]
    assert employer.locator("#case-role").inner_text() == "质量专员"
    _fits(employer)
    shot(employer, "invite-02-ordered")
    employer.goto(f"{base}/employer")
    assert PERSON["name"] in employer.content()
    _fits(employer)
    shot(employer, "invite-03-employer-cases")

    # the candidate's phone: the SMS (the demo's outbox), the link, the code
    context = browser.new_context(**PHONE)
    phone = _watch(context.new_page())
    sms = _outbox_text(phone, base)
    shot(phone, "invite-04-outbox")
    link = re.search(r"https?://\S+/candidate/invitation/[A-Za-z0-9_-]+", sms)
    assert link is not None and PERSON["name"] not in sms
    phone.goto(link.group(0))
    assert "尾号 9002 的手机" in phone.content()
    _fits(phone)
    shot(phone, "invite-05-link")
    with phone.expect_navigation():
        phone.click("form[action$='/code'] button[type=submit]")
    assert "验证码已发送到尾号 9002 的手机" in phone.locator("#code-sent").inner_text()
    shot(phone, "invite-06-code-sent")
    reader = _watch(context.new_page())
    code = re.search(r"验证码：(\d{8})", _outbox_text(reader, base))
    assert code is not None
    reader.close()
    phone.fill("#code", code.group(1))
    with phone.expect_navigation():
        phone.click("#code ~ button[type=submit]")
    assert re.search(r"/candidate/cases/case_[0-9a-f]+/authorization$", phone.url)
    phone.goto(f"{base}/candidate")
    title = phone.locator("h3.case-title").first.inner_text()
    assert title == "某食品公司 · 质量专员"
    _fits(phone)
    shot(phone, "invite-07-candidate-home")


def test_the_employer_resends_and_the_candidate_follows_the_new_link(
    browser: Any, live: tuple[Api, str]
) -> None:
    """A phone in zh-Hans: the employer orders, presses 重新发送邀请 with a corrected number,
    and the page says when and where (masked) the link went; the first link now answers
    "replaced", the new one (read from the outbox) opens the invitation on that number.
    No English on the employer's page, axe clean (``shot``)."""
    from web.english import assert_no_english

    api, base = live
    svc = api.world.svc
    svc.config = dataclasses.replace(svc.config, demo=True, public_url=base)
    person = {"name": "测试庚", "national_id": "99999919970707007X", "birth_date": "1997-07-07"}

    employer = _staff(browser, base, api.tokens["employer"], "zh-Hans", **PHONE)
    employer.goto(f"{base}/employer/cases/new")
    employer.fill("#name", person["name"])
    employer.fill("#national_id", person["national_id"])
    employer.fill("#birth_date", person["birth_date"])
    employer.fill("#contact", "139 0013 9010")  # mistyped
    with employer.expect_navigation():
        employer.click("form[action='/employer/cases'] button[type=submit]")
    assert "尾号 9010 的手机" in employer.locator("#invited").inner_text()

    context = browser.new_context(**PHONE)
    phone = _watch(context.new_page())
    first = re.search(
        r"https?://\S+/candidate/invitation/[A-Za-z0-9_-]+", _outbox_text(phone, base)
    )
    assert first is not None

    employer.fill("#resend-contact", "139 0013 9011")
    _fits(employer)
    shot(employer, "invite-08-resend-form")
    with employer.expect_navigation():
        employer.click("#resend-invitation button[type=submit]")
    assert "新的邀请链接已发出" in employer.content()
    invited = employer.locator("#invited").inner_text()
    assert "尾号 9011 的手机" in invited and re.search(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}", invited)
    assert "13900139011" not in employer.content()
    assert_no_english(employer, "employer case after a resend")
    _fits(employer)
    shot(employer, "invite-09-resent")

    sms = _outbox_text(phone, base)
    assert "+8613900139011" in sms  # the outbox shows the corrected number it went to
    second = re.search(LINK, sms)
    assert second is not None and second.group(0) != first.group(0)
    old = context.new_page()  # not watched: its 410 is the point, not a console error
    old.goto(first.group(0))
    assert "已被用人单位新发送的链接取代" in old.locator("#invitation-refused").inner_text()
    _fits(old)
    shot(old, "invite-10-old-link-replaced")
    old.close()
    phone.goto(second.group(0))
    assert "尾号 9011 的手机" in phone.content()
    _fits(phone)
    shot(phone, "invite-11-new-link")
