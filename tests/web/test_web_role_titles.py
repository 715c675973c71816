"""A role made from a built-in template stores the template's ``中文 / English`` title;
every page that shows it shows the reader's half (zh-Hant: the Traditional twin), never
``会计 / accountant`` (usability walk: on every zh-Hant page)."""

from __future__ import annotations

import pytest

from web.conftest import Web

TITLES = {"zh-Hans": "会计", "zh-Hant": "會計", "en": "accountant"}


def _accountant_case(web: Web) -> str:
    from integration.service_fixtures import accountant_case

    return accountant_case(web.api.world, ["identity", "education"])


def _main(html: str) -> str:
    return html.split("<main", 1)[1].split("</main>", 1)[0]


@pytest.mark.parametrize("lang", ["zh-Hans", "zh-Hant", "en"])
def test_a_template_roles_title_reads_in_the_readers_language(web: Web, lang: str) -> None:
    case_id = _accountant_case(web)
    pages = {
        "employer list": web.get("employer", f"/employer?lang={lang}"),
        "employer case": web.get("employer", f"/employer/cases/{case_id}?lang={lang}"),
        "candidate home": web.get("candidate", f"/candidate?lang={lang}"),
        "candidate case": web.get("candidate", f"/candidate/cases/{case_id}?lang={lang}"),
        "agency queue": web.get("agency", f"/agency?lang={lang}"),
    }
    for name, answer in pages.items():
        assert answer.status_code == 200, name
        main = _main(answer.text)
        assert "会计 / accountant" not in main, name
        assert TITLES[lang] in main, name
        if lang == "zh-Hant":
            assert "会计" not in main, name


def test_only_a_chinese_and_english_text_is_split() -> None:
    from fairscreen.domain.bilingual import in_language

    assert in_language("会计 / accountant", "zh-Hant") == "會計"
    assert in_language("会计 / accountant", "en") == "accountant"
    # an employer's own title is not split: both halves are Chinese, or no Chinese at all
    assert in_language("会计 / 出纳", "en") == "会计 / 出纳"
    assert in_language("Dev / Ops", "zh-Hans") == "Dev / Ops"
