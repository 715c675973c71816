"""The whole journey in a real headless Chromium, in zh-Hans and in en (issue 5, "How we
will judge it"): the employer orders, the candidate signs in with a one-time code and
signs, the agency runs the sources, the candidate disputes with an evidence file, the
agency corrects, the candidate accepts, the employer reads the released view and records
a decision, the regulator sees the ledger verified and the audit clean. Screenshots of
every step go to ``test-artifacts/screenshots/``. One more run on a phone-sized viewport
walks the candidate's pages."""

from __future__ import annotations

import re
from typing import Any

import pytest

from api.conftest import Api
from factories import SUBJECT
from fairscreen.services import accounts
from web.browser import shot as take_shot

pytestmark = [pytest.mark.browser, pytest.mark.slow]

#: what only the candidate may see, never the employer (the full report's excluded and
#: unverified findings of the sample records: Luo's, Zhang's and Wang's situations)
NEVER_FOR_EMPLOYER = (
    "物业服务合同纠纷",
    "LITIGATION_RIGHTS",
    "NOT_JOB_RELATED",
    "UNVERIFIED",
    "PROHIBITED_TOPIC",
    "delivers_on_time",
    "生活作风",
    "LIT-1",
    "LIT-2",
    "REF-1",
)
TEXT = {
    "zh-Hans": {"verified": "已验证", "clean": "未发现违规", "yellow": "黄灯", "green": "绿灯"},
    "en": {"verified": "Verified", "clean": "No violation", "yellow": "yellow", "green": "green"},
}


def _code(api: Api, before: int, before_messages: int = 0) -> str:
    """The code just sent: through the notifier, or (a candidate invited with a mobile
    number, issue 13 item 2) to their phone, the development outbox."""
    sent = [n for n in api.world.notifier.sent[before:] if n.kind == "sign_in"]
    if sent:
        return str(sent[-1].fields["code"])
    outbox = api.world.svc.messenger.outbox
    assert outbox is not None
    texts = [m.body for m in outbox.messages[before_messages:] if m.kind == "code"]
    found = re.search(r"\d{8}", texts[-1])
    assert found is not None
    return found.group(0)


#: console errors of every page the tests open (script errors, CSP violations, failed
#: loads): each screenshot step checks that there are none
CONSOLE_ERRORS: list[str] = []


def _watch(page: Any) -> Any:
    page.on(
        "console",
        lambda message: (
            CONSOLE_ERRORS.append(f"{page.url}: {message.text}")
            if message.type == "error"
            else None
        ),
    )
    page.on("pageerror", lambda error: CONSOLE_ERRORS.append(f"{page.url}: {error}"))
    return page


def shot(page: Any, name: str) -> None:
    assert not CONSOLE_ERRORS, CONSOLE_ERRORS
    take_shot(page, name)


def _staff(browser: Any, base: str, token: str, lang: str, **options: Any) -> Any:
    """A signed-in staff browser (its own cookies) through the sign-in page."""
    context = browser.new_context(**options)
    page = _watch(context.new_page())
    page.goto(f"{base}/sign-in?lang={lang}")
    page.fill("#token", token)
    with page.expect_navigation():
        page.click("form[action='/sign-in'] button[type=submit]")
    return page


def _candidate(browser: Any, api: Api, base: str, lang: str, **options: Any) -> Any:
    """A candidate on their phone: ask for a code, read it, sign in."""
    context = browser.new_context(**options)
    page = _watch(context.new_page())
    page.goto(f"{base}/candidate/sign-in?lang={lang}")
    page.fill("#candidate_id", api.ids["candidate"])
    before = len(api.world.notifier.sent)
    outbox = api.world.svc.messenger.outbox
    before_messages = len(outbox.messages) if outbox is not None else 0
    page.click("form[action='/candidate/sign-in/code'] button[type=submit]")
    page.fill("#code", _code(api, before, before_messages))
    page.click("form[action='/candidate/sign-in'] button[type=submit]")
    page.wait_for_url(f"{base}/candidate")
    return page


@pytest.mark.parametrize("lang", ["zh-Hans", "en"])
def test_the_whole_journey_in_a_browser(browser: Any, live: tuple[Api, str], lang: str) -> None:
    api, base = live
    words = TEXT[lang]
    prefix = f"journey-{lang}"

    # 1. The employer signs in with the API token and orders a check.
    employer = _staff(browser, base, api.tokens["employer"], lang)
    assert employer.url == f"{base}/employer"
    assert employer.locator("html").get_attribute("lang") == lang
    employer.goto(f"{base}/employer/profiles")
    assert employer.locator("input[name=category][value=credit]").count() == 0
    # htmx (served from /static) swaps in the trust tier's categories, URL kept in step
    employer.select_option("#tier-pick", "trust")
    employer.wait_for_selector("input[name=category][value=credit]")
    assert employer.url.endswith("/employer/profiles?tier=trust")
    assert employer.locator("input[name=category][value=health_certificate]").count() == 0
    shot(employer, f"{prefix}-01-employer-profiles")
    employer.goto(f"{base}/employer/cases/new")
    employer.fill("#name", SUBJECT["name"])
    employer.fill("#national_id", SUBJECT["national_id"])
    employer.fill("#birth_date", SUBJECT["birth_date"])
    employer.fill("#contact", "candidate@example.test")
    employer.select_option("#agency_id", api.ids["agency"])
    shot(employer, f"{prefix}-02-employer-order")
    employer.click("form[action='/employer/cases'] button[type=submit]")
    employer.wait_for_url("**/employer/cases/case_*")
    case_url = employer.url.split("?")[0]
    case_id = case_url.rsplit("/", 1)[1]
    # the invitation went out: the page says so, the id is only a folded fallback
    assert employer.locator("#invited").is_visible()
    assert not employer.locator("#candidate-id").is_visible()
    employer.click("#candidate-id-fold summary")
    assert employer.locator("#candidate-id").inner_text() == api.ids["candidate"]
    assert SUBJECT["national_id"] not in employer.url and SUBJECT["name"] not in employer.url
    shot(employer, f"{prefix}-03-employer-ordered")

    # 2. The candidate signs in with a one-time code, reads every notice item, signs.
    candidate = _candidate(browser, api, base, lang)
    shot(candidate, f"{prefix}-04-candidate-home")
    candidate.click(f"a[href='/candidate/cases/{case_id}/authorization']")
    # the key points come first; the full text is folded below them (issue 13 item 12)
    assert not candidate.locator("#notice-text").is_visible()
    candidate.locator("#full-text summary").click()
    notice = candidate.locator("#notice-text").inner_text()
    from fairscreen.services import authorization
    from fairscreen.services.context import Actor

    signed_text = authorization.authorization_notice(
        api.world.svc, Actor(api.world.candidate.role, api.ids["candidate"]), case_id, lang
    ).text
    assert [line.strip() for line in notice.strip().splitlines()] == [
        line.strip() for line in signed_text.strip().splitlines()
    ]
    for box in candidate.locator("input[name=category]").all():
        box.check()
    candidate.locator("form details summary").click()
    candidate.fill("#edu_institution", "示例大学")
    candidate.fill("#edu_year", "2012")
    candidate.fill("#emp_employer", "示例科技有限公司")
    candidate.fill("#emp_start", "2016-07")
    candidate.fill("#emp_end", "2023-09")
    shot(candidate, f"{prefix}-05-candidate-authorization")
    candidate.click(f"form[action='/candidate/cases/{case_id}/authorization'] button[type=submit]")
    candidate.wait_for_url(f"**/candidate/cases/{case_id}?done=signed")

    # 3. The agency runs the sources; the report opens for the candidate first.
    agency = _staff(browser, base, api.tokens["agency"], lang)
    agency.click(f"a[href='/agency/cases/{case_id}']")
    agency.click(f"form[action='/agency/cases/{case_id}/investigation'] button[type=submit]")
    agency.wait_for_selector("#run-result")
    assert words["yellow"] in agency.locator("#run-result").inner_text()
    shot(agency, f"{prefix}-06-agency-ran")

    # The employer sees nothing of it yet: the candidate reads it first (Zhang's case).
    employer.goto(case_url)
    assert employer.locator("#view-h").count() == 0
    assert "LIT_RELEVANT_JUDGMENT" not in employer.content()

    # 4. The candidate sees every finding with its sources, and disputes LIT-3 with a file.
    candidate.goto(f"{base}/candidate/cases/{case_id}")
    report = candidate.locator("#findings-h").locator("xpath=..").inner_text()
    for finding in ("ID-1", "EDU-1", "EMP-1", "LIT-1", "LIT-2", "LIT-3", "REF-1"):
        assert finding in report
    for code in ("NOT_JOB_RELATED", "LITIGATION_RIGHTS", "UNVERIFIED", "LIT_RELEVANT_JUDGMENT"):
        assert code in report
    shot(candidate, f"{prefix}-07-candidate-report")
    finding = candidate.locator("#finding-LIT-3")
    finding.locator("details.dispute > summary").click()
    finding.locator("textarea[name=statement]").fill("该判决不是我的案件，附法院证明。")
    finding.locator("input[type=file]").set_input_files(
        {"name": "court-letter.txt", "mimeType": "text/plain", "buffer": "证明：非本人".encode()}
    )
    finding.locator("button[type=submit]").click()
    candidate.wait_for_url(f"**/candidate/cases/{case_id}?done=disputed")
    shot(candidate, f"{prefix}-08-candidate-disputed")

    # 5. The agency sees the deadline and the evidence, and corrects the record.
    agency.goto(f"{base}/agency/cases/{case_id}")
    assert agency.locator(".due").count() == 1
    assert agency.locator("a[download]").inner_text() == "court-letter.txt"
    # The correction is a form of the record's fields (no JSON, no ID number on it).
    assert agency.locator("textarea[name=corrected_records]").count() == 0
    agency.check("input[name=outcome][value=corrected]")
    agency.fill("textarea[name=answer]", "经法院复核，该案已驳回起诉，记录已更正。")
    agency.select_option("select[name=rec-0-data-outcome]", "dismissed")
    shot(agency, f"{prefix}-09-agency-dispute")
    agency.locator("form[action*='/resolution'] button[type=submit]").click()
    agency.wait_for_url(f"**/agency/cases/{case_id}?done=answered")

    # 6. The candidate reviews again (now green) and accepts with a statement.
    candidate.goto(f"{base}/candidate/cases/{case_id}")
    assert words["green"] in candidate.locator("#rating-h").inner_text()
    candidate.fill("#accept-statement", "报告已核对，感谢更正。")
    shot(candidate, f"{prefix}-10-candidate-accept")
    candidate.click(f"form[action='/candidate/cases/{case_id}/acceptance'] button[type=submit]")
    candidate.wait_for_url(f"**/candidate/cases/{case_id}?done=accepted")

    # 7. The employer reads the released view (nothing excluded or unverified) and decides.
    employer.goto(case_url)
    body = employer.locator("main").inner_text()
    assert words["green"] in body and "报告已核对，感谢更正。" in body
    html = employer.content()
    for secret in NEVER_FOR_EMPLOYER:
        assert secret not in html, secret
    shot(employer, f"{prefix}-11-employer-view")
    outcome = "hired" if lang == "zh-Hans" else "not_hired"
    employer.check(f"input[name=outcome][value={outcome}]")
    employer.fill("#reason", "个别评估后作出的决定。")
    # green: no pre-adverse step and no question about the report's part (PRODUCT.md P4)
    assert employer.locator("input[name=cites_report]").count() == 0
    with employer.expect_navigation():
        employer.click(f"form[action='/employer/cases/{case_id}/decision'] button[type=submit]")
    employer.click("#confirm-submit")  # the confirmation page: nothing is one click
    employer.wait_for_url(f"**/employer/cases/{case_id}?done=decided")
    assert employer.locator("#adverse-1").count() == 0
    shot(employer, f"{prefix}-12-employer-decided")

    # 8. The scheduler publishes a signed checkpoint; the regulator sees the ledger
    #    verified up to it and the compliance audit clean.
    from fairscreen.services import transparency

    transparency.publish_checkpoint(api.world.svc)
    regulator = _staff(browser, base, api.tokens["regulator"], lang)
    assert "fairscreen.example/ledger" in regulator.locator("pre.document").inner_text()
    assert words["verified"] in regulator.locator("#ledger-verified").inner_text()
    assert int(regulator.locator("#ledger-size").inner_text()) > 10
    shot(regulator, f"{prefix}-13-regulator-ledger")
    regulator.goto(f"{base}/regulator/audit")
    assert words["clean"] in regulator.locator("#audit-result").inner_text()
    shot(regulator, f"{prefix}-14-regulator-audit")
    regulator.goto(f"{base}/regulator/statistics")
    shot(regulator, f"{prefix}-15-regulator-statistics")
    regulator.goto(f"{base}/regulator/fairness")
    shot(regulator, f"{prefix}-16-regulator-fairness")
    regulator.goto(f"{base}/rulebook")
    assert regulator.locator("#rulebook-sha256").inner_text() == api.world.svc.rulebook.sha256
    shot(regulator, f"{prefix}-17-rulebook")

    # The candidate, last: the adverse-action notice if any, and the sign-out.
    candidate.goto(f"{base}/candidate/cases/{case_id}")
    assert candidate.locator("#notice-1").count() == 0  # green: no adverse notice
    assert "个别评估后作出的决定。" in candidate.locator("#decision").inner_text()
    shot(candidate, f"{prefix}-18-candidate-decided")
    with candidate.expect_navigation():
        candidate.click("form[action='/sign-out'] button")
    candidate.goto(f"{base}/candidate")
    assert candidate.url.endswith("/candidate/sign-in")


PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True}
#: what a thumb taps in the header: the navigation links, the language links, sign-out
HEADER_TARGETS = "header.site nav ul a, nav.langs a, form[action='/sign-out'] button"
_TARGET_HEIGHTS_JS = """
(selector) => Array.from(document.querySelectorAll(selector)).map(
  (el) => [el.textContent.trim(), el.getBoundingClientRect().height])
"""


def phone_failures(page: Any, base: str) -> list[str]:
    """On a 390 px phone, signed in: what of the rulebook page scrolls sideways, and which
    header target is under 44 px tall (WCAG 2.5.5), in zh-Hans and zh-Hant (fixed in
    01e8305; the check fails against the style sheet before it)."""
    failures = []
    for lang in ("zh-Hans", "zh-Hant"):
        page.goto(f"{base}/rulebook?lang={lang}")
        width = page.evaluate("document.scrollingElement.scrollWidth")
        if width > 390:
            failures.append(f"/rulebook?lang={lang} is {width}px wide")
        targets = page.evaluate(_TARGET_HEIGHTS_JS, HEADER_TARGETS)
        if len(targets) < 6:  # 2 navigation links, 3 languages, sign-out
            failures.append(f"only {len(targets)} header targets: {targets}")
        failures += [f"{lang}: {text!r} is {h:.1f}px tall" for text, h in targets if h < 44]
    return failures


def test_the_rulebook_and_the_header_fit_a_phone(browser: Any, live: tuple[Api, str]) -> None:
    api, base = live
    candidate = _candidate(browser, api, base, "zh-Hant", **PHONE)
    failures = phone_failures(candidate, base)
    assert not failures, failures
    shot(candidate, "phone-05-rulebook-zh-Hant")


def _dispute_with_file(
    browser: Any, api: Api, base: str, statement: str, upload: dict[str, Any]
) -> tuple[str, Any]:
    """A case in review whose candidate (zh-Hans, on a phone) disputes LIT-3 on the case
    page with ``statement`` and the file ``upload``; the case id and the page after."""
    from api.conftest import order_over_api, sign_over_api

    case_id = order_over_api(api)
    sign_over_api(api, case_id)
    assert api.call("agency", "POST", f"/v1/cases/{case_id}/investigation").status_code == 200
    candidate = _candidate(browser, api, base, "zh-Hans", **PHONE)
    candidate.goto(f"{base}/candidate/cases/{case_id}")
    finding = candidate.locator("#finding-LIT-3")
    finding.locator("details.dispute > summary").click()
    finding.locator("textarea[name=statement]").fill(statement)
    finding.locator("input[type=file]").set_input_files(upload)
    with candidate.expect_navigation():
        finding.locator("button[type=submit]").click()
    return case_id, candidate


def test_a_refused_evidence_file_is_told_beside_the_field_with_the_statement_kept(
    browser: Any, live: tuple[Api, str]
) -> None:
    """A dispute whose file is not what it claims to be comes back on the case page
    itself (issue 13 item 9): the refusal beside the file field, in Chinese, the form
    open and the statement as typed (before, an error page and a way back)."""
    api, base = live
    statement = "该判决不是我的案件，当事人同名。"
    fake = {"name": "fake.png", "mimeType": "image/png", "buffer": b"not a png"}
    case_id, candidate = _dispute_with_file(browser, api, base, statement, fake)
    # the browser reports the page's status; that one is expected here
    CONSOLE_ERRORS[:] = [e for e in CONSOLE_ERRORS if "status of 422" not in e]
    assert candidate.url.split("?")[0] == f"{base}/candidate/cases/{case_id}/disputes"
    error = candidate.locator("#evidence-LIT-3-error")
    assert error.is_visible() and "文件类型不对" in error.inner_text()
    field = candidate.locator("#evidence-LIT-3")
    assert field.get_attribute("aria-invalid") == "true"
    assert "evidence-LIT-3-error" in (field.get_attribute("aria-describedby") or "")
    typed = candidate.locator("#finding-LIT-3 textarea[name=statement]").input_value()
    assert typed == statement
    shot(candidate, "phone-06-dispute-refused")


def test_an_evidence_file_being_checked_then_refused_is_told_to_both_sides(
    browser: Any, live: tuple[Api, str]
) -> None:
    """Issue 16 item 2: a file that passed its first-bytes look waits for its content
    check ("正在检查文件内容", no link for the agency); refused by the check, both sides
    see why and the dispute stays. Each page: accessible, and the candidate's in
    Chinese only."""
    from evidence_samples import png
    from fairscreen.entrypoints.api.scheduler import run_jobs
    from web.english import assert_no_english

    api, base = live
    cut_short = png(300, 200)[:20_000]  # a PNG by its first bytes, cut short
    upload = {"name": "毕业证书", "mimeType": "image/png", "buffer": cut_short}
    case_id, candidate = _dispute_with_file(browser, api, base, "该判决不是我的案件。", upload)
    assert "正在检查文件内容" in candidate.locator("#finding-LIT-3").inner_text()
    assert_no_english(candidate)
    shot(candidate, "phone-07-evidence-being-checked")
    agency = _staff(browser, base, api.tokens["agency"], "zh-Hans")
    agency.goto(f"{base}/agency/cases/{case_id}")
    assert "正在检查文件内容" in agency.inner_text("main")
    assert agency.locator("a[href*='/files/evf_']").count() == 0
    shot(agency, "agency-evidence-being-checked")

    assert run_jobs(api.world.svc) == 1  # the check, as serve runs it in-process
    refused = "文件未通过检查，已删除：文件已损坏或不完整，与其类型不符"
    candidate.reload()
    assert refused in candidate.locator("#finding-LIT-3").inner_text()
    assert_no_english(candidate)
    shot(candidate, "phone-08-evidence-refused")
    agency.reload()
    assert refused in agency.inner_text("main") and "该判决不是我的案件" in agency.inner_text(
        "main"
    )
    assert agency.locator("a[href*='/files/evf_']").count() == 0
    shot(agency, "agency-evidence-refused")


def test_candidate_pages_on_a_phone(browser: Any, live: tuple[Api, str]) -> None:
    """A 390×844 phone: the candidate signs and reads the report; no page scrolls
    sideways, and every control is reachable by keyboard with a visible focus."""
    api, base = live
    from api.conftest import order_over_api

    case_id = order_over_api(api)
    candidate = _candidate(browser, api, base, "zh-Hans", **PHONE)

    def fits() -> None:
        overflow = candidate.evaluate(
            "document.documentElement.scrollWidth - document.documentElement.clientWidth"
        )
        assert overflow <= 0, f"{candidate.url} scrolls sideways by {overflow}px"

    fits()
    shot(candidate, "phone-01-candidate-home")
    candidate.goto(f"{base}/candidate/cases/{case_id}/authorization")
    fits()
    # on a phone the key points start on the first screen, and the page is no wall of text
    card_top = candidate.evaluate("document.querySelector('#key-points').offsetTop")
    assert card_top < 844
    height = candidate.evaluate("document.scrollingElement.scrollHeight")
    assert height < 3400, f"the authorization page is {height}px tall"
    shot(candidate, "phone-02-authorization")
    # keyboard only: Tab to each consent box and tick it with Space, then Enter on "sign"
    ticked = 0
    for _ in range(60):
        candidate.keyboard.press("Tab")
        focused = candidate.evaluate(
            "[document.activeElement.name || '', document.activeElement.type || '',"
            " getComputedStyle(document.activeElement).outlineStyle]"
        )
        if focused[0] == "category":
            assert focused[2] != "none", "no visible focus on a checkbox"
            candidate.keyboard.press("Space")
            ticked += 1
        if focused[1] == "submit" and ticked:
            break
    assert ticked == 5 and focused[1] == "submit"
    with candidate.expect_navigation():
        candidate.keyboard.press("Enter")
    assert candidate.url.endswith(f"/candidate/cases/{case_id}?done=signed")
    assert api.call("agency", "POST", f"/v1/cases/{case_id}/investigation").status_code == 200
    candidate.goto(f"{base}/candidate/cases/{case_id}")
    fits()
    shot(candidate, "phone-03-report")
    # keyboard: the skip link comes first and shows a focus outline
    candidate.keyboard.press("Tab")
    focused = candidate.evaluate(
        "[document.activeElement.className, getComputedStyle(document.activeElement).outlineStyle]"
    )
    assert focused[0] == "skip" and focused[1] != "none"
    candidate.goto(f"{base}/candidate/cases/{case_id}?lang=en")
    fits()
    shot(candidate, "phone-04-report-en")


def test_the_api_docs_draw_from_the_service_alone(browser: Any, live: tuple[Api, str]) -> None:
    """Issue 12 item 14: Swagger UI from the package under a strict policy, and every
    request the page makes goes to this service."""
    _, base = live
    page = _watch(browser.new_context().new_page())
    elsewhere: list[str] = []
    page.on(
        "request",
        lambda request: elsewhere.append(request.url) if not request.url.startswith(base) else None,
    )
    page.goto(f"{base}/docs")
    page.wait_for_selector(".swagger-ui .information-container .title", timeout=15_000)
    assert "fairscreen" in page.inner_text(".swagger-ui .information-container .title")
    page.wait_for_selector(".opblock-tag", timeout=15_000)
    assert elsewhere == []
    # no CSP violation, no failed load (no screenshot: Swagger UI's own colours are not
    # the portals' and fail their contrast check)
    assert not CONSOLE_ERRORS, CONSOLE_ERRORS


def test_a_demo_sign_in_link_signs_the_candidate_in(browser: Any, live: tuple[Api, str]) -> None:
    """The demo prints a link carrying the candidate id and the code session its code was
    sent for (issue 12 item 4); the page takes them from the fragment."""
    api, base = live
    session = accounts.request_sign_in_code(
        api.world.svc, api.ids["candidate"], requester="demo console"
    )
    code = str(api.world.notifier.sent[-1].fields["code"])
    page = _watch(browser.new_context().new_page())
    page.goto(
        f"{base}/candidate/sign-in#candidate_id={api.ids['candidate']}&code_session={session}"
    )
    page.fill("#have-code-code", code)
    assert "#" not in page.url  # the session left the address bar
    page.click("#have-code button[type=submit]")
    page.wait_for_url(f"{base}/candidate")
    shot(page, "candidate-demo-link")
