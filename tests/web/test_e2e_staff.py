"""Staff accounts and the first set-up in a real headless Chromium (issue 13 items 3 and
13), on a phone (390×844) and a desktop (1366×900): an HR person signs their organisation
up, is taken through set-up (a built-in template read before it is chosen; a role of
their own named 保安员 whose refused form keeps everything typed and shows the error
beside its field), invites a colleague; the colleague sets a password on the link, turns
on two-step sign-in with the QR code's secret, signs out (the session ends on the
server), signs in again with the password and a TOTP code, and signs out. Screenshots of
every step go where the other browser tests put theirs (``FAIRSCREEN_SCREENSHOT_DIR``)."""

from __future__ import annotations

import dataclasses
import re
from typing import Any

import pyotp
import pytest

from api.conftest import Api
from web.test_e2e_browser import CONSOLE_ERRORS, _watch, shot

pytestmark = [pytest.mark.browser, pytest.mark.slow]

PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True}
DESKTOP = {"viewport": {"width": 1366, "height": 900}}
ADMIN_PASSWORD = "保安公司人事部的长密码"
COLLEAGUE_PASSWORD = "colleague 自己的密码 2026"


def _fits(page: Any, width: int) -> None:
    """Nothing scrolls sideways on the device."""
    assert page.evaluate("document.scrollingElement.scrollWidth") <= width, page.url


def _submit(page: Any, action: str) -> None:
    with page.expect_navigation():
        page.click(f"form[method=post][action='{action}'] button[type=submit]")


def _refused(page: Any, action: str) -> None:
    """Submit a form the server refuses (422): the browser logs the status as a console
    error, which is expected here and only here."""
    _submit(page, action)
    expected = f"{page.url}: Failed to load resource: the server responded with a status of 422"
    CONSOLE_ERRORS[:] = [e for e in CONSOLE_ERRORS if not e.startswith(expected)]


@pytest.mark.parametrize(("device", "options"), [("phone", PHONE), ("desktop", DESKTOP)])
def test_sign_up_set_up_invite_and_two_step_sign_in(
    browser: Any, live: tuple[Api, str], device: str, options: dict[str, Any]
) -> None:
    api, base = live
    # links in e-mails start with the service's public address: this server's
    api.world.svc.config = dataclasses.replace(api.world.svc.config, public_url=base)
    width = options["viewport"]["width"]
    prefix = f"staff-{device}"
    CONSOLE_ERRORS.clear()

    # 1. An HR person signs the organisation up and lands on the set-up checklist.
    hr = _watch(browser.new_context(**options).new_page())
    hr.goto(f"{base}/sign-in?lang=zh-Hans")
    hr.click("a[href='/sign-up']")
    hr.fill("#organisation", "示例保安服务有限公司")
    hr.fill("#email", f"hr-{device}@example.test")
    hr.fill("#password", "short")
    _refused(hr, "/sign-up")  # refused: everything typed is kept, the error at the field
    assert hr.locator("#password-error").is_visible()
    assert hr.input_value("#organisation") == "示例保安服务有限公司"
    assert hr.input_value("#email") == f"hr-{device}@example.test"
    shot(hr, f"{prefix}-01-sign-up-refused")
    hr.fill("#password", ADMIN_PASSWORD)
    _submit(hr, "/sign-up")
    assert hr.url.endswith("/employer/setup?done=signed_up")
    _fits(hr, width)
    shot(hr, f"{prefix}-02-setup")

    # 2. Roles and checks: templates first, each with what it checks and why.
    hr.click("#step-profiles a[href='/employer/profiles']")
    templates = hr.locator("section[id^=template-]")
    assert templates.count() == 5
    teacher = hr.locator("section[id^=template-]", has_text="幼儿园教师")
    assert "未成年人保护法 第62条" in teacher.inner_text()
    assert "岗位画像" not in hr.content()
    _fits(hr, width)
    shot(hr, f"{prefix}-03-templates")
    with hr.expect_navigation():
        teacher.locator("button[type=submit]").click()
    assert "done=profile" in hr.url

    # A role of one's own, 保安员: the refusal keeps what was typed, the error beside it.
    hr.fill("#title", "保安员（夜班）")
    hr.fill("#role_id", "保安员")
    hr.check("input[name=category][value=identity]")
    hr.fill("#justification_identity", "太短")
    _refused(hr, "/employer/profiles")
    assert hr.locator("#justification_identity-error").is_visible()
    assert hr.input_value("#role_id") == "保安员"
    assert hr.input_value("#justification_identity") == "太短"
    assert hr.locator("input[name=category][value=identity]").is_checked()
    _fits(hr, width)
    shot(hr, f"{prefix}-04-role-refused")
    hr.fill("#justification_identity", "确认候选人身份与劳动合同主体一致")
    _submit(hr, "/employer/profiles")
    assert "done=profile" in hr.url and "保安员（夜班）" in hr.content()

    # 3. Invite a colleague; the link is shown once (and e-mailed to the address).
    hr.goto(f"{base}/account/colleagues")
    hr.fill("#invite-email", f"colleague-{device}@example.test")
    _submit(hr, "/account/colleagues/invitations")
    link = hr.locator("#invitation-link").inner_text()
    assert link.startswith(f"{base}/invitations/fsi_")
    _fits(hr, width)
    shot(hr, f"{prefix}-05-invited")

    # 4. The colleague sets a password on the link and turns two-step sign-in on.
    colleague = _watch(browser.new_context(**options).new_page())
    colleague.goto(link)
    assert colleague.locator("#invited-email").inner_text() == f"colleague-{device}@example.test"
    colleague.fill("#password", COLLEAGUE_PASSWORD)
    _submit(colleague, f"/invitations/{link.rsplit('/', 1)[1]}")
    assert colleague.url.endswith("/employer?done=joined")
    colleague.goto(f"{base}/account/two-step")
    _submit(colleague, "/account/two-step")
    assert colleague.locator("img.qr").is_visible()
    secret = re.sub(r"\s", "", colleague.locator("#totp-secret").inner_text())
    totp = pyotp.TOTP(secret)
    _fits(colleague, width)
    shot(colleague, f"{prefix}-06-two-step-enrol")
    colleague.fill("#code", totp.at(api.world.clock.now))
    _submit(colleague, "/account/two-step/confirmation")
    assert colleague.url.endswith("/account?done=two_step_on")

    # 5. Sign out: the session ends on the server, a copy of the cookie opens nothing.
    cookie = next(c for c in colleague.context.cookies() if c["name"] == "fs_session")
    _submit(colleague, "/sign-out")
    thief = browser.new_context(**options)
    thief.add_cookies([cookie])
    stolen = thief.new_page()
    stolen.goto(f"{base}/employer")
    assert stolen.url.startswith(f"{base}/sign-in")
    thief.close()

    # 6. Sign in again: e-mail and password, then a fresh code.
    api.world.clock.advance(seconds=60)  # a code's time step is used once
    colleague.goto(f"{base}/sign-in")
    colleague.fill("#email", f"colleague-{device}@example.test")
    colleague.fill("#password", COLLEAGUE_PASSWORD)
    _submit(colleague, "/sign-in/password")
    assert colleague.locator("input[name=challenge]").count() == 1
    _fits(colleague, width)
    shot(colleague, f"{prefix}-07-two-step-sign-in")
    colleague.fill("#code", totp.at(api.world.clock.now))
    _submit(colleague, "/sign-in/two-step")
    assert colleague.url == f"{base}/employer"
    shot(colleague, f"{prefix}-08-signed-in")
    _submit(colleague, "/sign-out")
    assert colleague.url.endswith("/?done=signed_out")
    colleague.goto(f"{base}/employer")
    assert colleague.url.startswith(f"{base}/sign-in")
    assert not CONSOLE_ERRORS, CONSOLE_ERRORS
