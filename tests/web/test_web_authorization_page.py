"""The authorization page (issue 13 item 12): the key points first (who asks, what is
checked, what leaving a category out means, when the report goes to the employer, how
long data is kept, the rights, the deadline), the full text folded below, its SHA-256 in
a "technical details" fold; a refused signature comes back on the same page with the
refusal beside its field, in the reader's language, the form as it was filled in. And the
signed text names the employer by name, with no internal ids, and a Chinese title."""

from __future__ import annotations

import re
from typing import Any

import pytest

from api.conftest import order_over_api
from web.conftest import Web


def _page(web: Web, case_id: str, lang: str = "zh-Hans") -> str:
    answer = web.get("candidate", f"/candidate/cases/{case_id}/authorization?lang={lang}")
    assert answer.status_code == 200, answer.text[:300]
    return str(answer.text)


def _main(html: str) -> str:
    return html.split("<main", 1)[1].split("</main>", 1)[0]


def test_the_key_points_come_first_and_the_text_and_its_hash_are_folded(web: Web) -> None:
    case_id = order_over_api(web.api)
    main = _main(_page(web, case_id))
    svc = web.api.world.svc
    card = main.index('id="key-points"')
    full = main.index('<details id="full-text">')
    assert card < full < main.index('id="notice-text"')
    key_points = main[card:full]
    for heading in ("谁在请求", "核查什么", "不授权某一类别", "报告何时给用人单位", "保存多久"):
        assert heading in key_points, heading
    assert "您的权利" in key_points and "签署期限" in key_points
    employer_name = re.search(r"用人单位：(.+)", main)
    assert employer_name, "the signed text names the employer"
    assert employer_name.group(1).strip().split("\n")[0] in key_points
    review_days = svc.config.review_days  # what the order took
    assert f"报告先由您查看 {review_days} 天" in key_points
    assert f"{svc.config.authorization_days} 天内有效" in key_points
    # the hash is nowhere but in the technical fold (and the form's hidden field)
    sha = re.search(r'name="text_sha256" value="([0-9a-f]{64})"', main)
    assert sha
    visible = main.replace(sha.group(0), "")
    tech = visible.index('<details class="tech"')
    assert visible.count(sha.group(1)) == 1 and visible.index(sha.group(1)) > tech
    assert "SHA-256" not in visible[:tech].split('id="notice-text"')[0]


@pytest.mark.parametrize("lang", ["zh-Hans", "zh-Hant", "en"])
def test_the_signed_text_has_a_title_of_its_language_and_no_internal_ids(
    web: Web, lang: str
) -> None:
    case_id = order_over_api(web.api)
    text = _main(_page(web, case_id, lang)).split('id="notice-text"', 1)[1].split("</div>")[0]
    assert "fairscreen" not in text and "v1" not in text
    assert not re.search(r"\bemp_[0-9a-f]", text) and not re.search(r"\bten_[0-9a-f]", text)
    assert {"zh-Hans": "（第 1 版）", "zh-Hant": "（第 1 版）", "en": "(version 1)"}[lang] in text
    if lang == "zh-Hant":  # Taiwan and Hong Kong usage: 資料, 個人資料 (the law keeps its name)
        assert "數據" not in text
        assert "信息" not in text.replace("《個人信息保護法》", "")
        assert "個人資料" in text


def _sign(web: Web, case_id: str, fields: dict[str, object]) -> Any:
    """Post the signing form of the text the page showed, with ``fields``."""
    sha = re.search(r'name="text_sha256" value="([0-9a-f]{64})"', _page(web, case_id))
    assert sha
    form = {"text_sha256": sha.group(1), "notice_lang": "zh-Hans", **fields}
    return web.post("candidate", f"/candidate/cases/{case_id}/authorization", form)


def test_no_category_ticked_is_told_beside_the_categories_and_what_was_typed_stays(
    web: Web,
) -> None:
    case_id = order_over_api(web.api)
    answer = _sign(
        web,
        case_id,
        {"edu_institution": "华东示范大学", "edu_degree": "master", "edu_year": "2015"},
    )
    assert answer.status_code == 422
    main = _main(answer.text)
    assert 'id="form-error"' in main and "您填写的内容已保留" in main
    group = main.split('<fieldset id="categories"', 1)[1].split("</fieldset>", 1)[0]
    assert 'aria-invalid="true"' in group and 'id="error-categories"' in group
    error = re.search(r'id="error-categories" role="alert">([^<]+)<', group)
    assert error and re.search(r"[\u4e00-\u9fff]", error.group(1)), group[:600]
    assert 'value="华东示范大学"' in main and 'value="2015"' in main
    assert '<option value="master" selected>' in main
    assert "<details open>" in main  # the claims fold stays open with what was typed
    assert web.api.call("candidate", "GET", f"/v1/cases/{case_id}").json()["state"] == "ordered"


def test_a_wrong_month_is_told_beside_its_field_and_the_ticks_stay(web: Web) -> None:
    case_id = order_over_api(web.api)
    answer = _sign(
        web,
        case_id,
        {"category": ["identity"], "emp_employer": "示范物业公司", "emp_start": "2016/07"},
    )
    assert answer.status_code == 422, answer.text[:500]
    main = _main(answer.text)
    assert re.search(r'id="emp_start"[^>]*value="2016/07"[^>]*aria-invalid="true"', main)
    assert 'id="error-emp_start"' in main
    after_field = main.split('id="emp_start"', 1)[1]
    assert after_field.index('id="error-emp_start"') < after_field.index("</fieldset>")
    assert 'name="category" value="identity" checked' in main
    assert 'value="示范物业公司"' in main
    assert 'lang="en"' not in main.split('id="error-emp_start"', 1)[1].split("</p>")[0]
    assert web.api.call("candidate", "GET", f"/v1/cases/{case_id}").json()["state"] == "ordered"


def _accountant_case(web: Web) -> str:
    from integration.service_fixtures import accountant_case

    return accountant_case(web.api.world, ["identity", "education", "credit", "criminal_record"])


@pytest.mark.parametrize("lang", ["zh-Hans", "zh-Hant", "en"])
def test_a_templates_texts_in_the_notice_are_in_its_language_only(web: Web, lang: str) -> None:
    """The usability walk's screen 13: a zh-Hant notice showed 会计 / accountant and the
    reasons' Simplified and English halves, an empty （法律依據：）and 会计法 第40条."""
    from fairscreen.services.authorization import authorization_notice

    case_id = _accountant_case(web)
    notice = authorization_notice(web.api.world.svc, web.api.world.candidate, case_id, lang)
    text = notice.text
    assert " / " not in text
    assert "法律依據：）" not in text and "法律依据：）" not in text
    assert "legal basis: )" not in text
    expected = {
        "zh-Hans": ("会计（", "确认候选人身份与所签劳动合同主体一致", "会计法 第40条"),
        "zh-Hant": ("會計（", "確認候選人身分與所簽勞動合同主體一致", "會計法 第40條"),
        "en": ("accountant (", "confirm the contracting party's identity", "会计法 第40条"),
    }[lang]
    for shown in expected:
        assert shown in text, shown
    if lang == "zh-Hant":
        assert "会计" not in text and "确认" not in text
    if lang == "en":
        assert "确认" not in text
    # the page shows (and the form signs) that same text: its hash is the one signed
    page = _page(web, case_id, lang)
    assert f'name="text_sha256" value="{notice.sha256}"' in page
