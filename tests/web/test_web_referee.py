"""The referee's questionnaire pages and the agency's invitation form (issue 15 item 4):
the agency invites from the case page, the referee (no account) opens the single-use
link, reads who asks and why and the notice on prohibited comments, a prohibited comment
is removed with its reason and nothing stored, a clean submission is stored once, and
used, expired and unknown links get pages that say so."""

from __future__ import annotations

import html
import re
from typing import Any

from api.conftest import order_over_api, sign_over_api
from fairscreen.services import references
from web.conftest import Web, csrf_of

GOOD = {
    "relation": "peer",
    "answer.responsibilities": "4",
    "answer.quality_of_work": "4",
    "answer.reliability": "5",
    "answer.reason_for_leaving": "contract_ended",
    "answer.would_rehire": "yes",
}
PROHIBITED = "她结婚后经常请假，听说身体不好。"


def invite_on_the_page(web: Web, lang: str = "zh-Hans") -> tuple[str, str]:
    """The agency invites a referee from the case page; the case and the link's path."""
    case_id = order_over_api(web.api)
    sign_over_api(web.api, case_id)
    notifier = web.api.world.notifier
    before = len(notifier.sent)
    done = web.post(
        "agency",
        f"/agency/cases/{case_id}/referees",
        {"name": "测试证明人乙", "contact": "+86 139 0000 0001", "lang": lang, "days": "7"},
    )
    assert done.status_code == 303 and done.headers["location"].endswith("done=invited")
    (sent,) = [n for n in notifier.sent[before:] if n.kind == "reference_invitation"]
    assert "测试证明人乙" not in sent.to_json() and "0000 0001" not in sent.to_json()
    return case_id, str(sent.fields["link"])


def submit(web: Web, link: str, form: dict[str, Any], query: str = "") -> Any:
    referee = web.client("anonymous")
    token = csrf_of(referee.get(link + query).text)
    return referee.post(link + query, data={"csrf": token, **form})


def test_a_referee_answers_in_chinese_and_a_prohibited_comment_is_removed(web: Web) -> None:
    case_id, link = invite_on_the_page(web)
    page = web.get("agency", f"/agency/cases/{case_id}")
    assert "测试证明人乙" in page.text and "待回答" in page.text

    opened = web.get("anonymous", link)
    assert opened.status_code == 200 and '<html lang="zh-Hans">' in opened.text
    assert "某食品公司" in opened.text and "质量专员" in opened.text  # who asks, for what
    assert "只谈工作" in opened.text and "私生活" in opened.text  # told before writing
    assert "候选人的工作质量如何？" in opened.text

    removed = submit(web, link, GOOD | {"comment.would_rehire": PROHIBITED})
    assert removed.status_code == 422
    alert = re.search(r'id="dropped">(.*?)</div>', removed.text, re.S)
    assert alert, removed.text
    topic = web.api.world.svc.classifier.prohibited_topic(PROHIBITED)
    assert topic is not None
    from fairscreen.entrypoints.web.i18n import Translator

    assert html.escape(Translator("zh-Hans").topic(topic)) in alert.group(1)
    assert "您是否愿意再次" in alert.group(1)  # which question's comment
    assert PROHIBITED not in removed.text  # not echoed back into the form
    assert 'value="contract_ended" required checked' in removed.text  # the rest is kept

    with web.api.world.svc.reader() as uow:
        case = uow.repo.case(case_id)
        assert case is not None
        assert uow.repo.records(case) == []  # nothing stored yet

    stored = submit(web, link, GOOD | {"comment.quality_of_work": "检验报告从不出错。"})
    assert stored.status_code == 200 and 'id="stored"' in stored.text
    with web.api.world.svc.reader() as uow:
        case = uow.repo.case(case_id)
        assert case is not None
        (record,) = uow.repo.records(case)
    assert record["source"]["id"] == references.REFERENCE_SOURCE
    assert "检验报告从不出错。" in str(record) and "结婚" not in str(record)

    used = web.get("anonymous", link)
    assert used.status_code == 410 and 'id="link-used"' in used.text
    assert "已回答" in web.get("agency", f"/agency/cases/{case_id}").text


def test_the_referees_language_and_a_refused_answer(web: Web) -> None:
    _, link = invite_on_the_page(web, lang="en")
    opened = web.get("anonymous", link)
    assert '<html lang="en">' in opened.text and "About the work only" in opened.text
    switched = web.get("anonymous", link + "?lang=zh-Hant")
    assert '<html lang="zh-Hant">' in switched.text and "只談工作" in switched.text
    missing = submit(web, link, {k: v for k, v in GOOD.items() if k != "answer.reliability"})
    assert missing.status_code == 422 and "answers.reliability" in missing.text
    assert 'value="contract_ended" required checked' in missing.text
    # the refusal in the reader's language: the catalogue's Traditional text, not English
    hant = submit(
        web, link, {k: v for k, v in GOOD.items() if k != "answer.reliability"}, "?lang=zh-Hant"
    )
    refused = hant.text.split('id="form-error"', 1)[1].split("</div>", 1)[0]
    assert "請為每個問題選擇一個答案。" in refused and 'lang="en"' not in refused


def test_expired_unknown_and_forged_posts(web: Web) -> None:
    _, link = invite_on_the_page(web)
    forged = web.client("anonymous").post(link, data={"csrf": "forged", **GOOD})
    assert forged.status_code == 403
    web.api.later(days=8)
    expired = web.get("anonymous", link)
    assert expired.status_code == 410 and 'id="link-expired"' in expired.text
    assert "已过期" in expired.text
    unknown = web.get("anonymous", "/referee/" + "z" * 43)
    assert unknown.status_code == 404 and 'id="link-unknown"' in unknown.text


def test_an_invitation_with_a_bad_contact_is_refused_by_field(web: Web) -> None:
    case_id = order_over_api(web.api)
    sign_over_api(web.api, case_id)
    refused = web.post(
        "agency", f"/agency/cases/{case_id}/referees", {"name": "某人", "contact": "nobody"}
    )
    assert refused.status_code == 422 and "contact" in refused.text
    assert "测试" not in web.get("agency", f"/agency/cases/{case_id}").text
