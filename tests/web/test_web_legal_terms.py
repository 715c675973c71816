"""An English-only legal basis reads in Chinese on a Chinese page (issue 13 item 10): the
rulebook's "EEOC" is shown as the body's Chinese name; in English it stays as written."""

from __future__ import annotations

from fairscreen.entrypoints.web.i18n import Translator
from web.conftest import Web


def test_the_rulebook_shows_a_foreign_legal_basis_in_chinese(web: Web) -> None:
    for lang, name in (
        ("zh-Hans", "美国平等就业机会委员会"),
        ("zh-Hant", "美國平等就業機會委員會"),
    ):
        page = web.get("anonymous", f"/rulebook?lang={lang}").text
        assert "EEOC" not in page.split("<main", 1)[1] and name in page, lang
    assert "EEOC" in web.get("anonymous", "/rulebook?lang=en").text
    assert Translator("zh-Hans").basis("劳动合同法 第8条；EEOC 个别评估原则") == (
        "劳动合同法 第8条；美国平等就业机会委员会个别评估原则"
    )
    assert Translator("zh-Hans").basis("EEOCX") == "EEOCX"  # a whole word only


def test_a_traditional_page_shows_the_rulebooks_legal_texts_in_traditional(web: Web) -> None:
    """The rulebook keeps its Simplified legal bases and causes (a signed document); a
    zh-Hant page shows their Traditional twins, and every shipped text has one."""
    from fairscreen.entrypoints.web.i18n import rulebook_hant
    from fairscreen.training.rulebook_hant import profile_texts, shipped_texts

    assert sorted(shipped_texts() - set(rulebook_hant())) == []
    assert sorted(profile_texts() - set(rulebook_hant())) == []
    page = web.get("anonymous", "/rulebook?lang=zh-Hant").text.split("<main", 1)[1]
    for simplified in ("劳动合同法", "个人信息保护法", "诈骗罪", "劳动争议"):
        assert simplified not in page, simplified
    assert "勞動合同法 第8條" in page and "詐騙罪" in page and "勞動爭議" in page
    simplified_page = web.get("anonymous", "/rulebook?lang=zh-Hans").text
    assert "劳动合同法 第8条" in simplified_page and "诈骗罪" in simplified_page


def test_a_tier_code_in_a_rulebook_text_reads_as_its_label() -> None:
    basis = "征信业管理条例 第14条、第18条；仅限 trust 等级岗位"  # as v1.1 writes it
    hans = Translator("zh-Hans")
    assert hans.basis(basis) == f"征信业管理条例 第14条、第18条；仅限“{hans.tier('trust')}”等级岗位"
    hant = Translator("zh-Hant")
    assert (
        hant.basis(basis) == f"徵信業管理條例 第14條、第18條；僅限「{hant.tier('trust')}」等級職位"
    )
    rule = {"zh-Hans": "逾期记录（仅适用于 trust 等级岗位）", "en": "tier trust only"}
    assert "trust" not in hans.rule(rule) and Translator("en").rule(rule) == "tier trust only"
    assert hans.basis("trustee 条款") == "trustee 条款"  # a whole word only


def test_command_lines_in_a_sentence_are_code_and_escaped() -> None:
    shown = Translator("zh-Hans").coded("ledger.intro", spec="C2SP <tlog>")
    assert "<code>C2SP &lt;tlog&gt;</code>" in shown and "只追加" in shown


def test_a_claim_list_reads_as_the_category_that_checks_it() -> None:
    assert Translator("zh-Hans").claims("employment") == Translator("zh-Hans").category(
        "employment_history"
    )
    assert Translator("zh-Hant").claims("licenses") == Translator("zh-Hant").category(
        "professional_license"
    )


def test_a_read_only_mapping_of_texts_reads_in_the_pages_language() -> None:
    """The rulebook's texts (an exclusion's) are read-only mappings: picked, not printed."""
    from types import MappingProxyType

    texts = MappingProxyType({"zh-Hans": "早于回溯期限", "en": "Older than the lookback"})
    assert Translator("zh-Hans").pick(texts) == "早于回溯期限"
    assert Translator("en").pick(texts) == "Older than the lookback"


def test_a_traditional_page_shows_the_built_in_templates_in_traditional(web: Web) -> None:
    """The built-in templates' ``中文 / English`` reasons and titles read in Traditional
    on a zh-Hant page (reviewed twins: 簽 "sign", not OpenCC's 籤 "lot"), in Simplified
    and English as written. (The employer's own profile above them is shown as entered.)"""
    page = web.get("employer", "/employer/profiles?lang=zh-Hant").text
    hant = page.split('id="template-1-h"', 1)[1]
    assert "確認候選人身分與所簽勞動合同主體一致" in hant and "所籤" not in hant
    assert "職位要求軟體開發經驗" in hant
    assert "确认候选人身份" not in hant and "软件" not in hant
    hans = web.get("employer", "/employer/profiles?lang=zh-Hans").text
    assert "确认候选人身份与所签劳动合同主体一致" in hans
    en = web.get("employer", "/employer/profiles?lang=en").text
    assert "confirm the contracting party&#39;s identity" in en
