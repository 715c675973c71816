"""The whole journey of issue 13 in a real headless Chromium on a 390×844 phone, in
zh-Hans ("How we will judge it": invitation → sign → review → pre-adverse → final
decision): the employer orders with the candidate's mobile number; the candidate opens
the invitation link from the development outbox, signs in with the code and signs the
authorization; the agency investigates; the candidate reviews the report and accepts it;
the employer reads the released view and, after a confirmation page, sends the
pre-adverse notice; the candidate reads it and answers; after the waiting period (the
service clock advanced) the employer records the final decision, confirmed; the candidate
sees the decision and its reason.

Every page: a screenshot ``journey-NN-…`` in ``test-artifacts/screenshots/``, taken after
axe-core found no serious or critical violation and every text passed the contrast check
(``web.browser.shot``), with no console error and no sideways scroll."""

from __future__ import annotations

import dataclasses
import re
from typing import Any

import pytest

from api.conftest import Api
from factories import SUBJECT
from web.test_e2e_browser import CONSOLE_ERRORS, PHONE, _candidate, _staff, _watch, shot

pytestmark = [pytest.mark.browser, pytest.mark.slow]

MOBILE = "139 0013 9013"


def step(page: Any, number: int, name: str) -> None:
    """One step's checks, then its screenshot: nothing scrolls sideways on the phone."""
    overflow = page.evaluate(
        "document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    assert overflow <= 0, f"{page.url} scrolls sideways by {overflow}px"
    assert page.evaluate("document.documentElement.lang") == "zh-Hans", page.url
    shot(page, f"journey-{number:02d}-{name}")


def _confirm(employer: Any, says: str, lands: str, number: int, name: str) -> None:
    """The decision form sent: the confirmation page says ``says`` (step ``number``),
    confirmed, the case page at ``lands`` (step ``number + 1``)."""
    with employer.expect_navigation():
        employer.click("#decision-form button[type=submit]")
    assert says in employer.locator("#confirm-what").inner_text()
    step(employer, number, f"employer-confirm-{name}")
    with employer.expect_navigation():
        employer.click("#confirm-submit")
    assert employer.url.endswith(lands)
    step(employer, number + 1, f"employer-{name}-done")


def _latest_sms(browser_context: Any, base: str) -> tuple[Any, str]:
    page = _watch(browser_context.new_page())
    page.goto(f"{base}/dev/outbox")
    return page, str(page.locator("#outbox li").first.inner_text())


def test_invitation_to_final_decision_on_a_phone(browser: Any, live: tuple[Api, str]) -> None:
    api, base = live
    svc = api.world.svc
    svc.config = dataclasses.replace(svc.config, demo=True, public_url=base)
    CONSOLE_ERRORS.clear()

    # 1. The employer orders the check with the candidate's mobile number.
    employer = _staff(browser, base, api.tokens["employer"], "zh-Hans", **PHONE)
    employer.goto(f"{base}/employer/cases/new")
    employer.fill("#name", SUBJECT["name"])
    employer.fill("#national_id", SUBJECT["national_id"])
    employer.fill("#birth_date", SUBJECT["birth_date"])
    employer.fill("#contact", MOBILE)
    employer.select_option("#agency_id", api.ids["agency"])
    step(employer, 1, "employer-order")
    with employer.expect_navigation():
        employer.click("form[action='/employer/cases'] button[type=submit]")
    case_url = employer.url.split("?")[0]
    case_id = case_url.rsplit("/", 1)[1]
    assert re.fullmatch(r"case_[0-9a-f]+", case_id)
    assert employer.locator("#case-candidate").inner_text() == SUBJECT["name"]
    step(employer, 2, "employer-ordered")

    # 2. The candidate's phone: the SMS in the development outbox, the link, the code.
    phone_context = browser.new_context(**PHONE)
    outbox, sms = _latest_sms(phone_context, base)
    step(outbox, 3, "candidate-sms")
    link = re.search(r"https?://\S+/candidate/invitation/[A-Za-z0-9_-]+", sms)
    assert link is not None and SUBJECT["name"] not in sms
    phone = _watch(phone_context.new_page())
    phone.goto(link.group(0))
    assert "尾号 9013 的手机" in phone.content()
    step(phone, 4, "candidate-invitation")
    with phone.expect_navigation():
        phone.click("form[action$='/code'] button[type=submit]")
    assert "尾号 9013 的手机" in phone.locator("#code-sent").inner_text()
    step(phone, 5, "candidate-code-sent")
    reader, code_sms = _latest_sms(phone_context, base)
    code = re.search(r"验证码：(\d{8})", code_sms)
    assert code is not None
    reader.close()
    outbox.close()
    phone.fill("#code", code.group(1))
    with phone.expect_navigation():
        phone.click("#code ~ button[type=submit]")
    assert phone.url.endswith(f"/candidate/cases/{case_id}/authorization")

    # 3. The candidate reads the key points and signs the authorization.
    assert phone.locator("#notice-text").is_visible() is False  # key points first
    for box in phone.locator("input[name=category]").all():
        box.check()
    phone.locator("form details summary").click()
    phone.fill("#edu_institution", "示例大学")
    phone.fill("#edu_year", "2012")
    phone.fill("#emp_employer", "示例科技有限公司")
    phone.fill("#emp_start", "2016-07")
    phone.fill("#emp_end", "2023-09")
    step(phone, 6, "candidate-authorization")
    with phone.expect_navigation():
        phone.click(f"form[action='/candidate/cases/{case_id}/authorization'] button[type=submit]")
    assert phone.url.endswith(f"/candidate/cases/{case_id}?done=signed")
    step(phone, 7, "candidate-signed")

    # 4. The agency runs the sources: a relevant judgment, yellow.
    agency = _staff(browser, base, api.tokens["agency"], "zh-Hans", **PHONE)
    agency.goto(f"{base}/agency/cases/{case_id}")
    agency.click(f"form[action='/agency/cases/{case_id}/investigation'] button[type=submit]")
    agency.wait_for_selector("#run-result")
    assert "黄灯" in agency.locator("#run-result").inner_text()
    step(agency, 8, "agency-investigated")

    # 5. The candidate reviews the report first, then accepts it (released at once).
    phone.goto(f"{base}/candidate/cases/{case_id}")
    assert "LIT_RELEVANT_JUDGMENT" in phone.locator("main").inner_text()
    step(phone, 9, "candidate-review")
    phone.fill("#accept-statement", "报告已核对。")
    with phone.expect_navigation():
        phone.click(f"form[action='/candidate/cases/{case_id}/acceptance'] button[type=submit]")
    assert phone.url.endswith(f"/candidate/cases/{case_id}?done=accepted")
    step(phone, 10, "candidate-accepted")

    # 6. The employer reads the released view and sends the pre-adverse notice, confirmed.
    employer.goto(case_url)
    assert "黄灯" in employer.locator("#light-help").inner_text()
    assert "报告已核对。" in employer.locator("main").inner_text()
    step(employer, 11, "employer-released-view")
    employer.check("input[name=outcome][value=not_hired]")
    employer.fill("#reason", "生效判决与岗位诚信要求相关。")
    employer.check("input[name=cites_report][value=yes]")
    _confirm(employer, "等待期至", f"/employer/cases/{case_id}?done=pre_adverse", 12, "notice")

    # 7. The candidate reads the notice (reasons, rule IDs, the wait) and answers it.
    phone.goto(f"{base}/candidate/cases/{case_id}")
    notice = phone.locator("#pre-adverse").inner_text()
    assert "生效判决与岗位诚信要求相关。" in notice and "LIT_RELEVANT_JUDGMENT" in notice
    step(phone, 14, "candidate-notice")
    phone.fill("#answer", "该判决已被撤销，撤销裁定书可向法院核实。")
    with phone.expect_navigation():
        phone.click("#answer-form button[type=submit]")
    assert "done=responded" in phone.url
    step(phone, 15, "candidate-answered")

    # 8. After the waiting period the employer reads the answer and decides, confirmed.
    api.later(days=7)
    # a week later the staff session has lapsed: HR signs in again
    employer = _staff(browser, base, api.tokens["employer"], "zh-Hans", **PHONE)
    employer.goto(case_url)
    assert "撤销裁定书" in employer.locator("#pre-adverse").inner_text()
    employer.check("input[name=outcome][value=not_hired]")
    employer.fill("#reason", "核实后仍不符合岗位诚信要求。")
    employer.check("input[name=cites_report][value=yes]")
    step(employer, 16, "employer-final")
    _confirm(employer, "不可撤销", f"/employer/cases/{case_id}?done=decided", 17, "final")

    # 9. The candidate sees the decision, its reason and the adverse-action notice
    #    (signed in again with a new code: a week has passed and the link is spent).
    phone = _candidate(browser, api, base, "zh-Hans", **PHONE)
    step(phone, 19, "candidate-home")
    phone.goto(f"{base}/candidate/cases/{case_id}")
    assert "核实后仍不符合岗位诚信要求。" in phone.locator("#decision").inner_text()
    assert phone.locator("#adverse-action").count() == 1
    assert phone.locator("#answer-form").count() == 0
    step(phone, 20, "candidate-decided")
