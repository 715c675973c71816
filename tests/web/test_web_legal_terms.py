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
