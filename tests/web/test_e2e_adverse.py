"""Not hiring on a yellow light in a real headless Chromium, on a 390×844 phone and a
1366×900 desktop (issue 13 item 6; PRODUCT.md P4): the employer reviews the released view,
confirms the pre-adverse notice, the candidate reads it and answers, the employer reads
the answer and, after the waiting period, confirms the final decision; the candidate sees
the decision, its reason and the adverse-action notice. Screenshots of every step go to
``test-artifacts/screenshots/`` (``adverse-<viewport>-NN-…``)."""

from __future__ import annotations

from typing import Any

import pytest

from api.conftest import Api, released_case
from web.test_e2e_browser import CONSOLE_ERRORS, PHONE, _candidate, _staff, shot

pytestmark = [pytest.mark.browser, pytest.mark.slow]

VIEWPORTS = {
    "phone": PHONE,
    "desktop": {"viewport": {"width": 1366, "height": 900}},
}


@pytest.mark.parametrize("viewport", list(VIEWPORTS))
def test_review_notice_answer_final_decision(
    browser: Any, live: tuple[Api, str], viewport: str
) -> None:
    api, base = live
    options = VIEWPORTS[viewport]
    prefix = f"adverse-{viewport}"
    CONSOLE_ERRORS.clear()
    case_id = released_case(api)  # the sample records: a relevant judgment, yellow
    case_url = f"{base}/employer/cases/{case_id}"

    # 1. The employer reviews the released view: what yellow means, what to do next.
    employer = _staff(browser, base, api.tokens["employer"], "zh-Hans", **options)
    employer.goto(case_url)
    assert "黄灯" in employer.locator("#light-help").inner_text()
    shot(employer, f"{prefix}-01-employer-review")
    employer.check("input[name=outcome][value=not_hired]")
    employer.fill("#reason", "生效判决与岗位诚信要求相关。")
    employer.check("input[name=cites_report][value=yes]")
    with employer.expect_navigation():
        employer.click("#decision-form button[type=submit]")
    assert "等待期至" in employer.locator("#confirm-what").inner_text()
    shot(employer, f"{prefix}-02-employer-confirm-notice")
    employer.click("#confirm-submit")
    employer.wait_for_url(f"**/employer/cases/{case_id}?done=pre_adverse")
    assert employer.locator("#no-answer").count() == 1
    shot(employer, f"{prefix}-03-employer-notice-sent")

    # 2. The candidate reads the pre-adverse notice and answers it.
    candidate = _candidate(browser, api, base, "zh-Hans", **options)
    candidate.goto(f"{base}/candidate/cases/{case_id}")
    notice = candidate.locator("#pre-adverse").inner_text()
    assert "生效判决与岗位诚信要求相关。" in notice and "LIT_RELEVANT_JUDGMENT" in notice
    shot(candidate, f"{prefix}-04-candidate-notice")
    candidate.fill("#answer", "该判决已被撤销，撤销裁定书可向法院核实。")
    with candidate.expect_navigation():
        candidate.click("#answer-form button[type=submit]")
    assert "done=responded" in candidate.url
    shot(candidate, f"{prefix}-05-candidate-answered")

    # 3. The waiting period passes; the employer reads the answer and decides, confirmed.
    api.later(days=7)
    employer = _staff(browser, base, api.tokens["employer"], "zh-Hans", **options)
    employer.goto(case_url)
    assert "撤销裁定书" in employer.locator("#pre-adverse").inner_text()
    employer.check("input[name=outcome][value=not_hired]")
    employer.fill("#reason", "核实后仍不符合岗位诚信要求。")
    employer.check("input[name=cites_report][value=yes]")
    shot(employer, f"{prefix}-06-employer-final")
    with employer.expect_navigation():
        employer.click("#decision-form button[type=submit]")
    assert "不可撤销" in employer.locator("#confirm-what").inner_text()
    shot(employer, f"{prefix}-07-employer-confirm-final")
    employer.click("#confirm-submit")
    employer.wait_for_url(f"**/employer/cases/{case_id}?done=decided")
    shot(employer, f"{prefix}-08-employer-decided")

    # 4. The candidate sees the decision, its reason and the adverse-action notice.
    candidate = _candidate(browser, api, base, "zh-Hans", **options)
    candidate.goto(f"{base}/candidate/cases/{case_id}")
    assert "核实后仍不符合岗位诚信要求。" in candidate.locator("#decision").inner_text()
    assert candidate.locator("#adverse-action").count() == 1
    assert candidate.locator("#answer-form").count() == 0
    width = candidate.evaluate("document.scrollingElement.scrollWidth")
    assert width <= options["viewport"]["width"], width
    shot(candidate, f"{prefix}-09-candidate-decided")
