"""The order form asks before a second check of a candidate with an open case (issue 13:
an HR person ordering twice by mistake), in zh-Hans, en and zh-Hant: the warning says the
existing case's state, links to it and keeps what was typed; nothing is stored and nobody
is invited until the box is ticked."""

from __future__ import annotations

import re
from typing import Any

import pytest

from web.conftest import Web

PERSON = {"name": "测试己", "national_id": "99999919970707007X", "birth_date": "1997-07-07"}
WARNING = {
    "zh-Hans": "该候选人在本单位已有一个尚未结束的核查（待签署授权，",
    "en": "This candidate already has a check with your organisation that has not ended",
    "zh-Hant": "該候選人在本單位已有一項尚未結束的查核",
}
CONFIRM = {
    "zh-Hans": "我已查看，确需为该候选人再下一单",
    "en": "I looked: order another check for this candidate",
    "zh-Hant": "我已檢視，確需為該候選人再下一單",
}


def _form(web: Web) -> dict[str, Any]:
    return {
        "profile_id": web.api.ids["profile"],
        "requested": ["identity"],  # one of the profile's two: kept as chosen
        "agency_id": "",  # the employer runs the checks itself: kept as chosen
        "contact": "13900139007",
        "purpose": "复核入职材料",
        **PERSON,
    }


def _invitations(web: Web) -> int:
    outbox = web.api.world.svc.messenger.outbox
    assert outbox is not None
    return sum(1 for m in outbox.messages if m.kind == "invitation")


@pytest.mark.parametrize("lang", ["zh-Hans", "en", "zh-Hant"])
def test_a_second_order_for_an_open_case_is_asked_then_confirmed(web: Web, lang: str) -> None:
    form = _form(web)
    first = web.post("employer", f"/employer/cases?lang={lang}", form)
    assert first.status_code == 303, first.text
    case_id = first.headers["location"].split("/")[-1].split("?")[0]
    listed = web.get("employer", "/employer").text.count("/employer/cases/case_")
    sent = _invitations(web)

    # the same person again, the ID number typed in lower case: the same record
    again = form | {"national_id": PERSON["national_id"].lower()}
    warned = web.post("employer", f"/employer/cases?lang={lang}", again)
    assert warned.status_code == 409
    page = warned.text
    assert WARNING[lang] in page and CONFIRM[lang] in page
    assert f'href="/employer/cases/{case_id}" id="duplicate-case"' in page
    assert 'name="duplicate_confirmed"' in page
    # what was typed and chosen is there to confirm, not to type again
    assert f'value="{PERSON["name"]}"' in page and 'value="复核入职材料"' in page
    assert 'value="identity" checked' in page and 'value="education" checked' not in page
    assert '<option value="" selected>' in page
    # nothing stored, nobody invited
    assert web.get("employer", "/employer").text.count("/employer/cases/case_") == listed
    assert _invitations(web) == sent

    confirmed = web.post(
        "employer", f"/employer/cases?lang={lang}", again | {"duplicate_confirmed": "yes"}
    )
    assert confirmed.status_code == 303, confirmed.text
    second = confirmed.headers["location"].split("/")[-1].split("?")[0]
    assert second != case_id and _invitations(web) == sent + 1


def test_the_question_keeps_a_confirmed_birth_date(web: Web) -> None:
    """A birth date other than the ID number's was confirmed, then the duplicate asked:
    the first answer is carried, so the second submit asks nothing more."""
    odd = _form(web) | {"birth_date": "1997-07-08", "birth_date_confirmed": "yes"}
    assert web.post("employer", "/employer/cases", odd).status_code == 303
    warned = web.post("employer", "/employer/cases", odd)
    assert warned.status_code == 409
    assert re.search(r'<input type="hidden" name="birth_date_confirmed" value="yes">', warned.text)
    done = web.post("employer", "/employer/cases", odd | {"duplicate_confirmed": "yes"})
    assert done.status_code == 303, done.text
