"""Whose case it is and the candidate's invitation in the portals (issue 13 items 1, 2
and 11), in zh-Hans, en and zh-Hant: the employer orders with the candidate's mobile;
every list and case page names the candidate (as entered), the role, the state and the
next date; the candidate opens the link, gets the code on the masked number, lands on
their case and sees employer and role; the development outbox exists only in the demo;
a destroyed case never reads "not released yet"."""

from __future__ import annotations

import dataclasses
import re
from typing import Any

import pytest
import sqlalchemy as sa

from api.conftest import order_over_api, sign_over_api
from fairscreen.adapters.db import case_tables as t
from web.conftest import Web, csrf_of

PERSON = {"name": "测试丙", "national_id": "99999919930303003X", "birth_date": "1993-03-03"}
MASKED = {
    "zh-Hans": "尾号 9001 的手机",
    "en": "the mobile ending 9001",
    "zh-Hant": "末四碼 9001 的手機",
}
ROLE = {"zh-Hans": "岗位", "en": "Role", "zh-Hant": "職位"}


def _order(web: Web, lang: str, contact: str = "139 0013 9001", **extra: str) -> Any:
    return web.post(
        "employer",
        f"/employer/cases?lang={lang}",
        {
            "profile_id": web.api.ids["profile"],
            "requested": ["identity", "education"],
            "agency_id": web.api.ids["agency"],
            "contact": contact,
            **PERSON,
            **extra,
        },
    )


def _outbox(web: Web) -> Any:
    outbox = web.api.world.svc.messenger.outbox
    assert outbox is not None
    return outbox


def _link(web: Web) -> str:
    invitation = [m for m in _outbox(web).messages if m.kind == "invitation"][-1]
    found = re.search(r"https?://[^/\s]+(/candidate/invitation/[A-Za-z0-9_-]+)", invitation.body)
    assert found is not None
    return found.group(1)


@pytest.mark.parametrize("lang", ["zh-Hans", "en", "zh-Hant"])
def test_the_candidate_is_invited_by_mobile_and_lands_on_their_case(web: Web, lang: str) -> None:
    ordered = _order(web, lang)
    assert ordered.status_code == 303, ordered.text
    case_id = ordered.headers["location"].split("/")[-1].split("?")[0]

    # every staff view names the candidate as entered, the role and the state
    listing = web.get("employer", f"/employer?lang={lang}").text
    assert PERSON["name"] in listing and "质量专员" in listing
    page = web.get("employer", f"/employer/cases/{case_id}?lang={lang}").text
    assert f'<span id="case-candidate">{PERSON["name"]}</span>' in page
    assert '<strong id="case-role">质量专员</strong>' in page
    assert PERSON["national_id"] not in page and "13900139001" not in page
    invited = re.search(r'id="invited">([^<]+)<', page)
    assert invited and MASKED[lang] in invited[1]
    # not to the agency before the candidate signs (test_web_agency_consent.py)
    assert PERSON["name"] not in web.get("agency", f"/agency?lang={lang}").text

    # the candidate, in a browser of their own, opens the link
    candidate = web.client("anonymous")
    link = _link(web)
    opened = candidate.get(f"{link}?lang={lang}")
    assert opened.status_code == 200
    assert MASKED[lang] in opened.text and "某食品公司" in opened.text
    assert "13900139001" not in opened.text
    sent = len(_outbox(web).messages)
    code_page = candidate.post(f"{link}/code", data={"csrf": csrf_of(opened.text)})
    assert code_page.status_code == 200 and MASKED[lang] in code_page.text
    message = _outbox(web).messages[-1]
    assert len(_outbox(web).messages) == sent + 1
    assert (message.channel, message.to, message.kind) == ("sms", "+8613900139001", "code")
    code = re.search(r"\d{8}", message.body)
    session = re.search(r'name="code_session" value="([^"]+)"', code_page.text)
    assert code and session
    wrong = candidate.post(
        link,
        data={
            "csrf": csrf_of(code_page.text),
            "code_session": session[1],
            "code": f"{(int(code[0]) + 1) % 10**8:08d}",
        },
    )
    assert wrong.status_code == 401
    signed = candidate.post(
        link, data={"csrf": csrf_of(code_page.text), "code_session": session[1], "code": code[0]}
    )
    assert signed.status_code == 303
    assert signed.headers["location"] == f"/candidate/cases/{case_id}/authorization"
    home = candidate.get(f"/candidate?lang={lang}")
    assert home.status_code == 200
    assert re.search(r'<h3 class="case-title">某食品公司 · 质量专员</h3>', home.text)
    case_page = candidate.get(f"/candidate/cases/{case_id}?lang={lang}").text
    assert ROLE[lang] in case_page and "质量专员" in case_page and "某食品公司" in case_page
    # the link is spent
    again = candidate.get(link)
    assert again.status_code == 410
    # what was entered about them is in their own data (PIPL art. 45)
    export = candidate.get("/candidate/data.json").json()
    mine = next(c for c in export["cases"] if c["case_id"] == case_id)
    assert mine["name_as_entered"] == PERSON["name"]
    # with the language the messages to them are written in
    assert mine["contact"] == {"kind": "mobile", "value": "+8613900139001", "lang": lang}


@pytest.mark.parametrize(
    ("lang", "text"),
    [
        ("zh-Hans", "手机号码格式不正确"),
        ("en", "not a mobile number"),
        ("zh-Hant", "手機號碼格式不正確"),
    ],
)
def test_a_bad_mobile_is_refused_in_the_readers_language_and_nothing_is_stored(
    web: Web, lang: str, text: str
) -> None:
    with web.api.world.svc.engine.connect() as connection:
        before = connection.execute(sa.select(sa.func.count()).select_from(t.cases)).scalar()
    refused = _order(web, lang, contact="12800138000")
    assert refused.status_code == 422
    assert text in refused.text and "12800138000" not in refused.text
    with web.api.world.svc.engine.connect() as connection:
        after = connection.execute(sa.select(sa.func.count()).select_from(t.cases)).scalar()
    assert after == before
    assert _outbox(web).messages == []


def test_the_development_outbox_exists_only_in_the_demo(web: Web) -> None:
    assert _order(web, "zh-Hans").status_code == 303
    assert web.get("anonymous", "/dev/outbox").status_code == 404
    svc = web.api.world.svc
    svc.config = dataclasses.replace(svc.config, demo=True)
    shown = web.get("anonymous", "/dev/outbox")
    assert shown.status_code == 200
    assert "+8613900139001" in shown.text and "/candidate/invitation/" in shown.text


def test_status_text_follows_the_state_and_gives_the_date(web: Web) -> None:
    api = web.api
    in_review = order_over_api(api)
    sign_over_api(api, in_review)
    assert api.call("agency", "POST", f"/v1/cases/{in_review}/investigation").status_code == 200
    page = web.get("employer", f"/employer/cases/{in_review}").text
    status = re.search(r'<div class="notice" role="status" id="case-status">([^<]*)</div>', page)
    assert status and "审阅期至 20" in status[1]
    assert "报告尚未发布" in page  # before release, and only then
    candidate = web.get("candidate", f"/candidate/cases/{in_review}?lang=en").text
    assert "Review window ends 20" in candidate

    revoked = order_over_api(api)
    sign_over_api(api, revoked)
    answer = api.call("candidate", "POST", f"/v1/cases/{revoked}/authorization/revocation")
    assert answer.status_code in (200, 204), answer.text
    page = web.get("employer", f"/employer/cases/{revoked}").text
    assert "案件资料已销毁" in page
    assert "报告尚未发布" not in page  # a destroyed case is not "waiting for release"


# --- issue 13 item 14: the smaller things --------------------------------------------------

WARNING = {
    "zh-Hans": "身份证号中的出生日期是 1993-03-03",
    "en": "The ID number carries the birth date 1993-03-03",
    "zh-Hant": "身分證號中的出生日期是 1993-03-03",
}


@pytest.mark.parametrize("lang", ["zh-Hans", "en", "zh-Hant"])
def test_a_birth_date_other_than_the_ids_is_questioned_then_confirmed(web: Web, lang: str) -> None:
    form = {
        "profile_id": web.api.ids["profile"],
        "requested": ["identity"],
        "agency_id": web.api.ids["agency"],
        "contact": "13900139003",
        **PERSON,
        "birth_date": "1993-03-04",
    }
    warned = web.post("employer", f"/employer/cases?lang={lang}", form)
    assert warned.status_code == 422
    assert WARNING[lang] in warned.text and 'name="birth_date_confirmed"' in warned.text
    assert 'value="1993-03-04"' in warned.text and f'value="{PERSON["name"]}"' in warned.text
    assert _outbox(web).messages == []  # nothing ordered, nobody invited
    confirmed = web.post(
        "employer", f"/employer/cases?lang={lang}", form | {"birth_date_confirmed": "yes"}
    )
    assert confirmed.status_code == 303
    other = {"national_id": "99999919960606006X", "birth_date": "1996-06-06"}
    matching = web.post("employer", "/employer/cases", form | other)
    assert matching.status_code == 303  # the same date: no question asked


def test_after_a_deletion_request_a_pending_case_offers_no_signature(web: Web) -> None:
    api = web.api
    pending = order_over_api(api)
    page = web.get("candidate", f"/candidate/cases/{pending}").text
    assert f'href="/candidate/cases/{pending}/authorization"' in page
    asked = web.post("candidate", "/candidate/deletion-request", {"confirm": "yes"})
    assert asked.status_code == 303
    home = web.get("candidate", "/candidate").text
    assert f'href="/candidate/cases/{pending}/authorization"' not in home
    page = web.get("candidate", f"/candidate/cases/{pending}").text
    assert 'id="no-sign"' in page
    assert f'href="/candidate/cases/{pending}/authorization"' not in page
    refused = api.call("candidate", "GET", f"/v1/cases/{pending}/authorization?lang=zh-Hans").json()
    signed = api.call(
        "candidate",
        "POST",
        f"/v1/cases/{pending}/authorization",
        json={
            "text_sha256": refused["sha256"],
            "lang": "zh-Hans",
            "categories": ["identity"],
        },
    )
    assert signed.status_code == 422 and "deletion was requested" in signed.text


def test_revoking_warns_that_it_likely_ends_the_application(web: Web) -> None:
    api = web.api
    case_id = order_over_api(api)
    sign_over_api(api, case_id)
    for lang, text in (
        ("zh-Hans", "这通常意味着您的这次求职申请就此结束"),
        ("en", "which usually ends this application"),
        ("zh-Hant", "這通常意味著您的這次求職申請就此結束"),
    ):
        page = web.get("candidate", f"/candidate/cases/{case_id}?lang={lang}").text
        warning = re.search(r'id="revoke-warning">([^<]+)<', page)
        assert warning and text in warning[1]
    unconfirmed = web.post("candidate", f"/candidate/cases/{case_id}/revocation", {})
    assert unconfirmed.status_code == 422  # the confirmation step is required


@pytest.mark.parametrize(
    ("lang", "saved", "bad"),
    [
        ("zh-Hans", "通知邮箱已保存", "电子邮箱格式不正确"),
        ("en", "The notification e-mail is saved", "not an e-mail address"),
        ("zh-Hant", "通知郵件已儲存", "電子郵件地址格式不正確"),
    ],
)
def test_the_employer_sets_where_release_e_mails_go(
    web: Web, lang: str, saved: str, bad: str
) -> None:
    page = web.get("employer", f"/employer?lang={lang}").text
    assert 'action="/employer/notification-email"' in page
    refused = web.post(
        "employer", f"/employer/notification-email?lang={lang}", {"notify_email": "hr@"}
    )
    assert refused.status_code == 422 and bad in refused.text
    done = web.post("employer", "/employer/notification-email", {"notify_email": "hr@example.test"})
    assert done.status_code == 303 and done.headers["location"] == "/employer?done=notify_email"
    shown = web.get("employer", f"/employer?done=notify_email&lang={lang}").text
    assert saved in shown and 'value="hr@example.test"' in shown


def test_the_ordinary_sign_in_says_where_the_code_went(web: Web) -> None:
    ordered = _order(web, "zh-Hans")
    case_id = ordered.headers["location"].split("/")[-1].split("?")[0]
    with web.api.world.svc.engine.connect() as connection:
        subject_id = connection.execute(
            sa.select(t.cases.c.subject_id).where(t.cases.c.id == case_id)
        ).scalar_one()
    candidate = web.client("anonymous")
    form = candidate.get("/candidate/sign-in?lang=en")
    sent = candidate.post(
        "/candidate/sign-in/code",
        data={"csrf": csrf_of(form.text), "candidate_id": subject_id},
    )
    assert sent.status_code == 200
    assert "A code was sent to the mobile ending 9001" in sent.text
    message = _outbox(web).messages[-1]
    assert (message.kind, message.to) == ("code", "+8613900139001")
    assert "code: " in message.body  # in the language of the page
    # a candidate without a contact (ordered over the API) is told nothing more
    other = web.client("candidate")
    plain = other.post(
        "/candidate/sign-in/code",
        data={"csrf": csrf_of(other.get("/candidate/sign-in").text), "candidate_id": "x" * 10},
    )
    assert plain.status_code == 200 and 'id="code-sent"' not in plain.text
