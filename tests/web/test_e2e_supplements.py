"""补充材料 in a real headless Chromium on a 390×844 phone in zh-Hans (issue 13 item 9;
PRODUCT.md P4): the candidate opens the form beside the degree the register did not find,
uploads a photo of the certificate with a note, and sees it "with the verifier" while the
case stays in review; the agency desk reads it and answers "not sufficient" with a reason;
the candidate sees the status and the reason. Every page passes axe and the contrast
check (``shot``) and shows no English word; screenshots go to
``test-artifacts/screenshots/supplement-phone-NN-…``."""

from __future__ import annotations

from typing import Any

import pytest

from api.conftest import Api
from api.test_api_supplements import in_review_without_the_degree, in_the_wait_without_the_degree
from evidence_samples import jpeg
from web.english import assert_no_english
from web.test_e2e_browser import CONSOLE_ERRORS, PHONE, _candidate, _staff, shot

pytestmark = [pytest.mark.browser, pytest.mark.slow]

PHOTO = jpeg(400, 300)  # a real phone-sized photo (about 480 KB)


def test_a_candidate_supplies_a_document_on_a_phone(browser: Any, live: tuple[Api, str]) -> None:
    api, base = live
    CONSOLE_ERRORS.clear()
    case_id = in_review_without_the_degree(api)
    case_url = f"{base}/candidate/cases/{case_id}"

    # 1. The candidate finds the form beside the unverified degree, not beside a verified finding.
    candidate = _candidate(browser, api, base, "zh-Hans", **PHONE)
    candidate.goto(case_url)
    degree = candidate.locator("#finding-EDU-1")
    assert candidate.locator("#finding-LIT-3 details.supplement").count() == 0
    degree.locator("details.supplement summary").click()
    assert "这不是异议" in degree.inner_text() or "不是异议" in degree.inner_text()
    assert_no_english(candidate, "supplement form")
    shot(candidate, "supplement-phone-01-candidate-form")

    # 2. A 481 KB photo of the certificate and a note; the case stays in review.
    candidate.set_input_files(
        "#document-EDU-1",
        {"name": "学位证书.jpg", "mimeType": "image/jpeg", "buffer": PHOTO},
    )
    candidate.fill("#note-EDU-1", "学位证书照片，证书编号 1001234567")
    with candidate.expect_navigation():
        degree.locator("details.supplement form button[type=submit]").click()
    listed = candidate.locator("#supplements").inner_text()
    assert "已提交，等待核查方答复" in listed and "学位证书.jpg" in listed
    assert "材料已提交" in candidate.locator("main").inner_text()
    assert api.call("candidate", "GET", f"/v1/cases/{case_id}").json()["state"] == (
        "candidate_review"
    )
    assert_no_english(candidate, "supplement supplied")
    shot(candidate, "supplement-phone-02-candidate-supplied")

    # 3. The agency desk reads the note and answers: not sufficient, with a reason.
    agency = _staff(browser, base, api.tokens["agency"], "zh-Hans", **PHONE)
    agency.goto(f"{base}/agency/cases/{case_id}")
    section = agency.locator("#verifier-supplements")
    assert "证书编号 1001234567" in section.inner_text()
    section.locator("details", has_text="材料不足").locator("summary").click()
    section.locator("textarea[id^=insufficient-]").fill("照片模糊，看不清证书编号，请重新拍摄。")
    assert_no_english(agency, "agency supplements")
    shot(agency, "supplement-phone-03-agency-answer")
    with agency.expect_navigation():
        section.locator("form", has=agency.locator("input[value=not_sufficient]")).locator(
            "button[type=submit]"
        ).click()
    assert "答复已记录" in agency.locator("main").inner_text()

    # 4. The candidate sees the status and the reason, and may supply a clearer photo.
    candidate.goto(case_url)
    listed = candidate.locator("#supplements").inner_text()
    assert "材料不足，未能核实" in listed and "照片模糊，看不清证书编号" in listed
    assert candidate.locator("#finding-EDU-1 details.supplement").count() == 1
    assert_no_english(candidate, "supplement answered")
    shot(candidate, "supplement-phone-04-candidate-answered")
    assert not CONSOLE_ERRORS, CONSOLE_ERRORS


def test_in_the_pre_adverse_wait_both_sides_see_the_document_is_with_the_verifier(
    browser: Any, live: tuple[Api, str]
) -> None:
    """P4 "only then the final decision": the candidate supplies the degree in the wait;
    their page says the final decision waits for the verifier, the employer's that the
    candidate supplied material now with the verifier (nothing of what it is). Both pass
    axe and the contrast check and show no English word."""
    api, base = live
    CONSOLE_ERRORS.clear()
    case_id = in_the_wait_without_the_degree(api)
    candidate = _candidate(browser, api, base, "zh-Hans", **PHONE)
    candidate.goto(f"{base}/candidate/cases/{case_id}")
    degree = candidate.locator("#finding-EDU-1")
    degree.locator("details.supplement summary").click()
    candidate.set_input_files(
        "#document-EDU-1",
        {"name": "学位证书.jpg", "mimeType": "image/jpeg", "buffer": PHOTO},
    )
    with candidate.expect_navigation():
        degree.locator("details.supplement form button[type=submit]").click()
    told = candidate.locator("#supplement-with-verifier").inner_text()
    assert "核查方答复前，用人单位不能作出不录用的最终决定" in told
    assert_no_english(candidate, "supplement in the wait")
    shot(candidate, "supplement-phone-05-candidate-in-the-wait")

    employer = _staff(browser, base, api.tokens["employer"], "zh-Hans", **PHONE)
    employer.goto(f"{base}/employer/cases/{case_id}")
    assert (
        "候选人在等待期内补充了材料" in employer.locator("#supplement-with-verifier").inner_text()
    )
    assert "学位证书" not in employer.locator("main").inner_text()
    assert_no_english(employer, "employer in the wait")
    shot(employer, "supplement-phone-06-employer-in-the-wait")
    assert not CONSOLE_ERRORS, CONSOLE_ERRORS
