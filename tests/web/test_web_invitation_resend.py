"""When the invitation does not arrive (issue 13 item 2), in the employer's portal, in
zh-Hans and en: an order whose SMS the gateway refuses lands on the new case's page (one
case, no error page) saying the invitation did not go out and why; "重新发送邀请" sends a
new link, to a corrected number if one is typed, the old link then answers "replaced";
the page shows when and where (masked) the last one went; the daily limit and a signed
case take the form away."""

from __future__ import annotations

import re
from typing import Any

import pytest
import sqlalchemy as sa

from api.conftest import order_over_api, sign_over_api
from fairscreen.adapters.db import case_tables as t
from fairscreen.adapters.messages import Messenger
from fairscreen.services import invitations
from integration.service_fixtures import refusing_sms_gateway
from web.conftest import Web

PERSON = {"name": "测试己", "national_id": "99999919960606006X", "birth_date": "1996-06-06"}
TEXTS = {
    "zh-Hans": {
        "failed": "邀请未能送达：短信服务商未接收这条短信；请核对联系方式后重新发送。",
        "resend": "重新发送邀请",
        "invited": "发送到尾号 9009 的手机",
        "done": "新的邀请链接已发出，之前的链接已失效。",
        "replaced": "此邀请链接已被用人单位新发送的链接取代",
        "limit": "今天已发送 5 次，已达上限；请明天再试。",
        "refused": "每个案件每天最多发送 5 次邀请，请明天再试。",
    },
    "en": {
        "failed": (
            "The invitation did not go out: the SMS provider did not take the message. "
            "Check the contact details and send it again."
        ),
        "resend": "Send the invitation again",
        "invited": "was sent to the mobile ending 9009 at",
        "done": "A new invitation link was sent; earlier links no longer work.",
        "replaced": "This invitation link was replaced by a newer one",
        "limit": "5 invitations were sent today, the daily limit; try again tomorrow.",
        "refused": "at most 5 invitations a day per case: try again tomorrow",
    },
}


def _refusing_messenger(web: Web) -> Messenger:
    outbox = web.api.world.svc.messenger
    gateway = refusing_sms_gateway()
    return Messenger(sms=gateway, mail=outbox.mail, outbox=outbox.outbox)


def _cases(web: Web) -> int:
    with web.api.world.svc.engine.connect() as connection:
        return int(connection.execute(sa.select(sa.func.count()).select_from(t.cases)).scalar())


def _links(web: Web) -> list[str]:
    outbox = web.api.world.svc.messenger.outbox
    assert outbox is not None
    return [
        found[1]
        for m in outbox.messages
        if m.kind == "invitation"
        and (found := re.search(r"https?://[^/\s]+(/candidate/invitation/[\w-]+)", m.body))
    ]


def _resend(web: Web, case_id: str, lang: str, contact: str = "") -> Any:
    return web.post(
        "employer",
        f"/employer/cases/{case_id}/invitation?lang={lang}",
        {"contact": contact},
    )


@pytest.mark.parametrize("lang", ["zh-Hans", "en"])
def test_a_refused_sms_shows_on_the_case_and_the_employer_sends_again(web: Web, lang: str) -> None:
    texts = TEXTS[lang]
    working = web.api.world.svc.messenger
    web.api.world.svc.messenger = _refusing_messenger(web)
    before = _cases(web)
    ordered = web.post(
        "employer",
        f"/employer/cases?lang={lang}",
        {
            "profile_id": web.api.ids["profile"],
            "requested": ["identity", "education"],
            "agency_id": web.api.ids["agency"],
            "contact": "139 0013 9008",  # mistyped: the candidate's ends 9009
            **PERSON,
        },
    )
    assert ordered.status_code == 303, ordered.text  # to the case, not an error page
    assert _cases(web) == before + 1
    target = ordered.headers["location"]
    case_id = target.split("/")[-1].split("?")[0]
    page = web.get("employer", target.split("?")[0] + f"?lang={lang}")
    assert page.status_code == 200
    failed = re.search(r'id="invitation-failed">([^<]+)<', page.text)
    assert failed and failed[1] == texts["failed"]
    assert 'id="resend-invitation"' in page.text and texts["resend"] in page.text
    assert "13900139008" not in page.text and 'id="invited"' not in page.text

    # the gateway is back; the employer corrects the number and sends again
    web.api.world.svc.messenger = working
    resent = _resend(web, case_id, lang, contact="139 0013 9009")
    assert resent.status_code == 303
    assert resent.headers["location"] == f"/employer/cases/{case_id}?done=reinvited"
    page = web.get("employer", f"/employer/cases/{case_id}?done=reinvited&lang={lang}")
    assert texts["done"] in page.text
    invited = re.search(r'id="invited">([^<]+)<', page.text)
    assert invited and texts["invited"] in invited[1]
    assert "invitation-failed" not in page.text and "13900139009" not in page.text
    [first] = _links(web)
    assert web.client("anonymous").get(first).status_code == 200

    # and once more: the link sent before stops working
    assert _resend(web, case_id, lang).status_code == 303
    old, new = _links(web)
    gone = web.client("anonymous").get(f"{old}?lang={lang}")
    assert gone.status_code == 410 and texts["replaced"] in gone.text
    assert web.client("anonymous").get(new).status_code == 200


@pytest.mark.parametrize("lang", ["zh-Hans", "en"])
def test_the_daily_limit_and_a_signed_case_take_the_form_away(web: Web, lang: str) -> None:
    case_id = order_over_api(web.api)
    page = web.get("employer", f"/employer/cases/{case_id}?lang={lang}").text
    assert 'id="resend-invitation"' not in page  # no contact: nothing to send again
    assert _resend(web, case_id, lang, contact="139 0013 9009").status_code == 303
    for _ in range(invitations.INVITATIONS_PER_DAY - 1):
        web.api.later(minutes=5)
        assert _resend(web, case_id, lang).status_code == 303
    page = web.get("employer", f"/employer/cases/{case_id}?lang={lang}").text
    limit = re.search(r'id="resend-limit">([^<]+)<', page)
    assert limit and limit[1] == TEXTS[lang]["limit"]
    refused = _resend(web, case_id, lang)
    assert refused.status_code == 409 and TEXTS[lang]["refused"] in refused.text

    sign_over_api(web.api, case_id)
    page = web.get("employer", f"/employer/cases/{case_id}?lang={lang}").text
    assert 'id="resend-invitation"' not in page and 'id="invited"' not in page
