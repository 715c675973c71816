"""The candidate's side after the usability walk: the development outbox tells the
service's time in the portal's time zone; the candidate page after the final decision
shows the pre-adverse notice as history; a document is offered only once it exists; the
invitation's page opens in the invitation's language, and a zh-TW / zh-HK / zh-Hant
browser gets zh-Hant on a first visit."""

from __future__ import annotations

import dataclasses
import re
from typing import Any

import pytest

from api.conftest import order_over_api, sign_over_api
from web.conftest import Web
from web.test_web_invitations import _order


def _outbox(web: Web) -> Any:
    outbox = web.api.world.svc.messenger.outbox
    assert outbox is not None
    return outbox


def test_the_outbox_stamps_messages_with_the_services_clock(web: Web) -> None:
    svc = web.api.world.svc
    web.api.world.clock.advance(days=400, hours=3, minutes=7)  # far from the wall clock
    ordered = _order(web, "zh-Hans")
    assert ordered.status_code == 303
    case_id = ordered.headers["location"].split("/")[-1].split("?")[0]
    [message] = _outbox(web).messages
    assert message.sent_at == svc.now()
    svc.config = dataclasses.replace(svc.config, demo=True)
    shown = web.get("anonymous", "/dev/outbox").text
    local = svc.now().astimezone(svc.config.zone).strftime("%Y-%m-%d %H:%M")
    assert local in shown
    # the employer's case page gives the same time for the invitation
    assert local in web.get("employer", f"/employer/cases/{case_id}").text


def test_after_the_final_decision_the_pre_adverse_notice_is_history(web: Web) -> None:
    """Items 2 and 3 of the walk, on the zh-Hant page: in the review window no
    pre-adverse notice is offered as a PDF (none was sent); in the wait the notice says it
    is not final and offers the answer form; after the decision (here: hired after all)
    it is history, without "not final", "you may answer" or the form."""
    api = web.api
    case_id = order_over_api(api)
    sign_over_api(api, case_id)
    assert api.call("agency", "POST", f"/v1/cases/{case_id}/investigation").status_code == 200
    web.refresh_candidates()
    web.client("candidate").cookies.set("fs_lang", "zh-Hant")
    page = f"/candidate/cases/{case_id}"
    pdf = f"{page}/pre-adverse-notice.pdf"

    in_review = web.get("candidate", page).text
    assert f"{page}/report.pdf" in in_review and pdf not in in_review

    assert (
        api.call("candidate", "POST", f"/v1/cases/{case_id}/acceptance", json={}).status_code == 204
    )
    body = {"reason": "岗位要求诚信记录良好", "cites_report": True}
    sent = api.call("employer", "POST", f"/v1/cases/{case_id}/pre-adverse-notice", json=body)
    assert sent.status_code == 201, sent.text
    waiting = web.get("candidate", page).text
    assert pdf in waiting and 'id="answer-form"' in waiting
    assert "這還不是最終決定" in waiting and "之前回覆" in waiting

    api.later(days=7)
    decided = api.call(
        "employer", "POST", f"/v1/cases/{case_id}/decision", json={"outcome": "hired", **body}
    )
    assert decided.status_code == 204, decided.text
    web.refresh_candidates()
    web.client("candidate").cookies.set("fs_lang", "zh-Hant")
    after = web.get("candidate", page).text
    assert 'id="decision-outcome"' in after and 'id="pre-adverse"' in after
    for stale in ("這還不是最終決定", "之前回覆", 'id="answer-form"', "在等待期結束前"):
        assert stale not in after, stale
    assert 'id="pre-adverse-wait-ended"' in after and "等待期已於" in after
    assert pdf in after  # the notice that was sent stays available


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("zh-TW,zh;q=0.9,en;q=0.8", "zh-Hant"),
        ("zh-HK", "zh-Hant"),
        ("zh-Hant-TW;q=0.9, en;q=0.5", "zh-Hant"),
        ("zh_MO", "zh-Hant"),
        ("en;q=0.9, zh-TW;q=0.8", "zh-Hant"),
        ("zh-CN,zh;q=0.9", "zh-Hans"),
        ("zh-TW;q=0.3, zh-CN;q=0.8", "zh-Hans"),
        ("zh-TW;q=0", "zh-Hans"),  # refused: the default
        ("en-US,en;q=0.9", "zh-Hans"),  # English is chosen on the page, not inferred
        ("", "zh-Hans"),
    ],
)
def test_a_first_visit_reads_the_browsers_script_of_chinese(
    web: Web, header: str, expected: str
) -> None:
    home = web.get("anonymous", "/", headers={"Accept-Language": header})
    assert f'<html lang="{expected}"' in home.text
    # a choice made on the page wins over the browser
    chosen = web.get("anonymous", "/?lang=en", headers={"Accept-Language": header})
    assert '<html lang="en"' in chosen.text


def _invitation(web: Web) -> str:
    message = [m for m in _outbox(web).messages if m.kind == "invitation"][-1]
    found = re.search(r"(/candidate/invitation/[A-Za-z0-9_-]+)", message.body)
    assert found is not None
    return found.group(1)


def test_the_invitations_page_opens_in_the_invitations_language(web: Web) -> None:
    """The walk's screen 09: a zh-Hant SMS opened on a zh-TW phone showed zh-Hans. The
    link's page speaks the invitation's language whatever the browser says, unless the
    reader chose another; the choice is kept for the case they sign in to."""
    assert _order(web, "zh-Hant").status_code == 303
    link = _invitation(web)
    reader = web.client("anonymous")
    for header in ("zh-CN", "en-US,en;q=0.9", ""):
        reader.cookies.clear()
        opened = reader.get(link, headers={"Accept-Language": header})
        assert opened.status_code == 200 and '<html lang="zh-Hant"' in opened.text
        assert opened.cookies.get("fs_lang") == "zh-Hant"
    reader.cookies.clear()
    reader.cookies.set("fs_lang", "en")  # chosen before: kept
    assert '<html lang="en"' in reader.get(link).text
    reader.cookies.clear()
    assert '<html lang="zh-Hans"' in reader.get(f"{link}?lang=zh-Hans").text

    # the same candidate invited again, in English: a second order, confirmed as one
    again = _order(web, "en", contact="139 0013 9006", duplicate_confirmed="yes")
    assert again.status_code == 303
    reader.cookies.clear()
    english = reader.get(_invitation(web), headers={"Accept-Language": "zh-TW"})
    assert '<html lang="en"' in english.text
