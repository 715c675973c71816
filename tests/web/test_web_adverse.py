"""The two steps of an adverse decision in the portals, in zh-Hans, en and zh-Hant (issue 13
item 6; PRODUCT.md P4): a confirmation page before either step that changes nothing, the
pre-adverse notice on the candidate's case with an answer form, the answer on the
employer's page, the final decision refused during the wait and recorded after it, and
the decision with its reason on the candidate's case whatever the outcome."""

from __future__ import annotations

import re

import pytest

from api.conftest import released_case
from fairscreen.ledger.entries import ActorRole
from fairscreen.services import case_queries
from fairscreen.services.context import Actor
from web.conftest import Web

LANGS = ("zh-Hans", "en", "zh-Hant")
#: a catalogue key left unrendered would show as its own name
RAW_KEY = re.compile(r"\b(pre_adverse|confirm|decision|ecase|ccase)\.[a-z_]+\b")


def _released(web: Web) -> str:
    case_id = released_case(web.api)
    web.refresh_candidates()
    return case_id


def _state(web: Web, case_id: str) -> str:
    actor = Actor(ActorRole.EMPLOYER, web.api.ids["employer"])
    return str(case_queries.case_summary(web.api.world.svc, actor, case_id)["state"])


def _text(html: str) -> str:
    return re.sub(r"<[^>]+>", " ", html)


@pytest.mark.parametrize("lang", LANGS)
def test_not_hiring_on_yellow_in_two_confirmed_steps(web: Web, lang: str) -> None:
    case_id = _released(web)
    for who in ("employer", "candidate"):
        web.client(who).cookies.set("fs_lang", lang)
    page = web.get("employer", f"/employer/cases/{case_id}").text
    assert 'id="light-help"' in page and 'name="cites_report" value="no"' in page
    assert not RAW_KEY.search(_text(page)), RAW_KEY.search(_text(page))
    path = f"/employer/cases/{case_id}/decision"
    form = {"outcome": "not_hired", "reason": "与岗位诚信要求相关", "cites_report": "yes"}

    # 1. the confirmation page says what will happen and changes nothing
    confirm = web.post("employer", path, form)
    assert confirm.status_code == 200 and 'id="confirm-submit"' in confirm.text
    assert 'name="confirmed" value="yes"' in confirm.text
    assert {"zh-Hans": "等待期至", "en": "waiting period runs until", "zh-Hant": "等待期至"}[
        lang
    ] in confirm.text
    assert not RAW_KEY.search(_text(confirm.text))
    assert _state(web, case_id) == "released"
    unanswered = web.post("employer", path, {**form, "cites_report": "", "confirmed": "yes"})
    assert unanswered.status_code == 422 and _state(web, case_id) == "released"

    # 2. confirmed: the pre-adverse notice reaches the candidate, who answers
    sent = web.post("employer", path, {**form, "confirmed": "yes"})
    assert sent.status_code == 303 and "done=pre_adverse" in sent.headers["location"]
    assert _state(web, case_id) == "adverse_notice"
    mine = web.get("candidate", f"/candidate/cases/{case_id}").text
    assert 'id="pre-adverse"' in mine and 'id="answer-form"' in mine
    assert 'id="adverse-banner"' in mine and "与岗位诚信要求相关" in mine
    assert 'href="/rulebook#rule-LIT_RELEVANT_JUDGMENT"' in mine
    assert not RAW_KEY.search(_text(mine))
    answered = web.post(
        "candidate",
        f"/candidate/cases/{case_id}/adverse-response",
        {"statement": "判决已被撤销，撤销裁定可核实"},
    )
    assert answered.status_code == 303 and "done=responded" in answered.headers["location"]
    theirs = web.get("employer", f"/employer/cases/{case_id}").text
    assert "判决已被撤销，撤销裁定可核实" in theirs and 'id="answer-1"' in theirs

    # 3. the final adverse decision waits for the waiting period
    early = web.post("employer", path, {**form, "confirmed": "yes"})
    assert early.status_code == 409 and _state(web, case_id) == "adverse_notice"
    assert {
        "zh-Hans": "等待期尚未结束",
        "en": "waiting period has not ended",
        "zh-Hant": "等待期尚未結束",
    }[lang] in early.text
    web.api.later(days=7)
    web.refresh_candidates()
    final_form = {**form, "reason": "核实后仍不符合岗位要求"}
    final = web.post("employer", path, final_form)
    assert final.status_code == 200 and 'id="confirm-submit"' in final.text
    done = web.post("employer", path, {**final_form, "confirmed": "yes"})
    assert done.status_code == 303 and "done=decided" in done.headers["location"]

    # 4. the candidate sees the decision, its reason and the adverse-action notice
    mine = web.get("candidate", f"/candidate/cases/{case_id}").text
    assert 'id="decision"' in mine and "核实后仍不符合岗位要求" in mine
    assert 'id="adverse-action"' in mine and 'id="answer-form"' not in mine
    assert not RAW_KEY.search(_text(mine))


def test_a_hire_is_confirmed_then_shown_to_the_candidate(web: Web) -> None:
    case_id = _released(web)
    path = f"/employer/cases/{case_id}/decision"
    form = {"outcome": "hired", "reason": "面试表现良好"}
    confirm = web.post("employer", path, form)
    assert confirm.status_code == 200 and _state(web, case_id) == "released"
    assert "确认后决定不可撤销" in confirm.text
    assert web.post("employer", path, {**form, "confirmed": "yes"}).status_code == 303
    for lang, word in (("zh-Hans", "录用"), ("en", "hired"), ("zh-Hant", "錄用")):
        web.client("candidate").cookies.set("fs_lang", lang)
        mine = web.get("candidate", f"/candidate/cases/{case_id}").text
        assert 'id="decision-outcome">' + word in mine and "面试表现良好" in mine
        assert 'id="pre-adverse"' not in mine and 'id="adverse-action"' not in mine


def test_a_declined_check_required_by_law_is_named_on_the_employer_page(web: Web) -> None:
    """Issue 13 item 5: the kindergarten teacher who declined the criminal-record check."""
    from integration.service_fixtures import teacher_case

    teacher_case(web.api.world, declined={"criminal_record"})
    cases = case_queries.list_cases(
        web.api.world.svc, Actor(ActorRole.EMPLOYER, web.api.ids["employer"]), limit=10
    )
    case_id = cases[0]["case_id"]
    expected = {
        "zh-Hans": "未核查：犯罪记录（候选人未授权）— 该岗位依法必须核查",
        "en": "required by law for this role",
        "zh-Hant": "該職位依法必須核查",
    }
    for lang, text in expected.items():
        web.client("employer").cookies.set("fs_lang", lang)
        page = web.get("employer", f"/employer/cases/{case_id}").text
        assert 'id="not-checked-criminal_record"' in page
        assert text in page, lang
        assert "未成年人保护法 第62条" in page


def test_the_licence_is_claimed_by_its_number_and_unverifiable_without_a_record(
    web: Web,
) -> None:
    """Issue 13 item 5: the form asks for the licence number; a claimed licence no
    register knows is unverifiable (LIC_UNVERIFIABLE, blue), not a clean check."""
    from fairscreen.services import review
    from fairscreen.services.scope import use_builtin_profile

    world = web.api.world
    profile_id = use_builtin_profile(world.svc, world.employer, "kindergarten-teacher")
    created = web.api.call(
        "employer",
        "POST",
        "/v1/cases",
        json={
            "subject_id": web.api.ids["candidate"],
            "profile_id": profile_id,
            "requested": ["identity", "professional_license"],
            "agency_id": web.api.ids["agency"],
        },
    )
    assert created.status_code == 201, created.text
    case_id = created.json()["id"]
    for lang, label in (("zh-Hans", "证书编号"), ("en", "Licence number"), ("zh-Hant", "證書編號")):
        web.client("candidate").cookies.set("fs_lang", lang)
        page = web.get("candidate", f"/candidate/cases/{case_id}/authorization").text
        assert 'name="lic_number"' in page and label in page
    sha = re.search(r'name="text_sha256" value="([0-9a-f]{64})"', page)
    assert sha
    form = {
        "text_sha256": sha.group(1),
        "notice_lang": "zh-Hant",
        "category": ["identity", "professional_license"],
        "lic_name": "教師資格證",
    }
    no_number = web.post("candidate", f"/candidate/cases/{case_id}/authorization", form)
    assert no_number.status_code == 422 and "證書上印的編號" in no_number.text
    signed = web.post(
        "candidate",
        f"/candidate/cases/{case_id}/authorization",
        form | {"lic_number": "20214400000001"},
    )
    assert signed.status_code == 303, signed.text
    assert web.api.call("agency", "POST", f"/v1/cases/{case_id}/investigation").status_code == 200
    candidate = Actor(ActorRole.CANDIDATE, web.api.ids["candidate"])
    report = review.read_report(world.svc, candidate, case_id)["report"]
    [licence] = [f for f in report["findings"] if f["category"] == "professional_license"]
    assert licence["claim"] == 0  # the register's "not found" is its answer, not a 2nd finding
    assert licence["verification"] != "verified" and licence["rule"] == "LIC_UNVERIFIABLE"
    assert report["rating"]["light"] != "green"


def test_an_employer_without_an_agency_runs_the_checks_from_its_portal(web: Web) -> None:
    """Issue 13 item 4: "不委托机构（由本单位核查）" is no dead end: the employer runs the same
    investigation the agency desk runs; a case that names an agency offers no such form."""
    from api.conftest import order_over_api, sign_over_api

    own = order_over_api(web.api, agency=False)
    sign_over_api(web.api, own)
    for lang, word in (
        ("zh-Hans", "由本单位核查"),
        ("en", "Run the checks"),
        ("zh-Hant", "資料來源"),
    ):
        web.client("employer").cookies.set("fs_lang", lang)
        page = web.get("employer", f"/employer/cases/{own}").text
        assert 'id="own-checks"' in page and word in page
    ran = web.post("employer", f"/employer/cases/{own}/investigation")
    assert ran.status_code == 303 and "done=investigated" in ran.headers["location"]
    assert _state(web, own) == "candidate_review"
    assert 'id="own-checks"' not in web.get("employer", f"/employer/cases/{own}").text

    agency_case = order_over_api(web.api)
    sign_over_api(web.api, agency_case)
    assert 'id="own-checks"' not in web.get("employer", f"/employer/cases/{agency_case}").text
    refused = web.post("employer", f"/employer/cases/{agency_case}/investigation")
    assert refused.status_code >= 400 and _state(web, agency_case) == "scoped"


RULE_LINKS = re.compile(
    r'<a class="rule-link[^"]*"[^>]*>.*?</a>|<details class="technical">.*?</details>', re.S
)
RAW_CODE = re.compile(r"\b[A-Z]{2,}(?:_[A-Z]+)+\b")


@pytest.mark.parametrize("lang", LANGS)
def test_the_candidates_report_shows_no_raw_code_outside_its_secondary_links(
    web: Web, lang: str
) -> None:
    """Issue 13 items 7 and 8: reasons, exclusions and scope in words; rule and exclusion
    codes only as secondary links to the rulebook; record ids behind "technical details"."""
    case_id = _released(web)
    web.client("candidate").cookies.set("fs_lang", lang)
    html = web.get("candidate", f"/candidate/cases/{case_id}").text
    main = html[html.index("<main") : html.index("</main>")]
    assert 'class="rule-link' in main and '<details class="technical">' in main
    text = _text(RULE_LINKS.sub(" ", main))
    assert not RAW_CODE.findall(text), RAW_CODE.findall(text)
    for raw in ("(NOT_CONSENTED)", "PROHIBITED_TOPIC", "ref-1 —", "lit-3", ":not_found"):
        assert raw not in text, raw


def test_an_incomplete_check_has_no_verified_badge(web: Web) -> None:
    """Issue 13 item 8: a check whose source could not be queried reads "not completed",
    never a green 已核实 badge, and its reason says which check and why (item 7)."""
    from api.conftest import order_over_api, sign_over_api
    from factories import record
    from fairscreen.domain.categories import Category
    from integration.service_fixtures import RecordedSource, sample_records

    world = web.api.world
    records = [r for r in sample_records() if r["category"] != "litigation"]
    records.append(record("lit-9", "litigation", status="source_unavailable"))
    world.svc.sources = {c: RecordedSource(records, now=world.clock) for c in Category}
    case_id = order_over_api(web.api)
    sign_over_api(web.api, case_id)
    assert web.api.call("agency", "POST", f"/v1/cases/{case_id}/investigation").status_code == 200
    web.refresh_candidates()
    html = web.get("candidate", f"/candidate/cases/{case_id}").text
    article = html[html.index('id="finding-LIT-1"') :]
    article = article[: article.index("</article>")]
    assert "核查未能完成" in article and 'class="badge ok"' not in article
    assert "民事与行政诉讼记录：数据来源" in article


@pytest.mark.parametrize("lang", LANGS)
def test_not_hiring_on_a_light_that_does_not_support_it_warns_and_asks_the_reason(
    web: Web, lang: str
) -> None:
    """Usability walk screens 34-35: the confirmation page of a decision not to hire on a
    green (or blue) light warned of nothing. It now says the light alone supports no such
    decision and asks again, as a required field, for the job-related reason."""
    case_id = released_case(web.api, ["identity"])
    web.refresh_candidates()
    web.client("employer").cookies.set("fs_lang", lang)
    path = f"/employer/cases/{case_id}/decision"
    form = {"outcome": "not_hired", "reason": "与岗位相关的理由", "cites_report": "yes"}
    confirm = web.post("employer", path, form)
    assert confirm.status_code == 200, confirm.text[:300]
    main = confirm.text.split("<main", 1)[1]
    warning = main.index('id="confirm-light-warning"')
    assert 'role="alert"' in main[warning - 60 : warning]
    assert {
        "zh-Hans": "不支持不录用",
        "en": "does not support not hiring",
        "zh-Hant": "不足以作為不錄用的依據",
    }[lang] in main
    field = re.search(
        r"<textarea id=\"confirm-reason\" name=\"reason\" required[^>]*>([^<]*)<", main
    )
    assert field and field.group(1) == "与岗位相关的理由"
    assert 'type="hidden" name="reason"' not in main
    assert not RAW_KEY.search(_text(main))
    assert _state(web, case_id) == "released"
    # an empty reason is refused and changes nothing
    empty = web.post("employer", path, {**form, "reason": " ", "confirmed": "yes"})
    assert empty.status_code == 422 and _state(web, case_id) == "released"
    # a hire, or not hiring on a yellow light, shows no such warning
    hire = web.post("employer", path, {**form, "outcome": "hired"})
    assert hire.status_code == 200 and 'id="confirm-light-warning"' not in hire.text
    yellow = _released(web)
    on_yellow = web.post("employer", f"/employer/cases/{yellow}/decision", form)
    assert on_yellow.status_code == 200 and 'id="confirm-light-warning"' not in on_yellow.text
