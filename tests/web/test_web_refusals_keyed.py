"""Refusals read in the reader's language, rendered from their message key and parameters
(issue 13 item 10): a refused role profile, a refused order, a refused signature and an
invalid transition, in zh-Hans, en and zh-Hant, with the codes among the parameters
(states, tiers) shown by their labels, never as English words on a Chinese page."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import pytest
from markupsafe import escape

from api.conftest import order_over_api, released_case
from fairscreen.domain.bilingual import LANGUAGES
from fairscreen.entrypoints.web.i18n import Translator, service_errors
from web.conftest import Web, order_on_the_portal

ZH = ("zh-Hans", "zh-Hant")


def _says(page: str, lang: str, key: str, **params: Any) -> None:
    """The page shows the refusal ``key`` as the catalogue words it in ``lang`` (and, in
    Chinese, not its English)."""
    text = Translator(lang).detail(SimpleNamespace(key=key, params=params))
    assert text is not None, key
    main = page.split("<main", 1)[1]
    assert str(escape(text)) in main, (lang, text)
    if lang in ZH:
        english = service_errors()[key]["en"].format(**params)
        assert str(escape(english)) not in main, (lang, english)


def _speak(web: Web, who: str, lang: str) -> None:
    web.client(who).cookies.set("fs_lang", lang)


@pytest.mark.parametrize("lang", LANGUAGES)
def test_a_refused_role_profile(web: Web, lang: str) -> None:
    _speak(web, "employer", lang)
    refused = web.post(
        "employer",
        "/employer/profiles",
        {
            "tier": "safety",
            "role_id": "bus-driver",
            "category": ["criminal_record"],
            "justification_criminal_record": "公共交通驾驶岗位的安全要求",
        },
    )
    assert refused.status_code == 422
    _says(refused.text, lang, "scope.law_that_requires_check_job")


@pytest.mark.parametrize("lang", LANGUAGES)
def test_a_refused_order(web: Web, lang: str) -> None:
    _speak(web, "employer", lang)
    refused = order_on_the_portal(web, national_id="12")
    assert refused.status_code == 422, refused.text
    _says(refused.text, lang, "input.identity_document_number_6_32")


@pytest.mark.parametrize("lang", LANGUAGES)
def test_a_refused_signature(web: Web, lang: str) -> None:
    case_id = order_over_api(web.api)
    _speak(web, "candidate", lang)
    refused = web.post(
        "candidate",
        f"/candidate/cases/{case_id}/authorization",
        {"text_sha256": "0" * 64, "notice_lang": lang, "category": ["identity"]},
    )
    assert refused.status_code == 422, refused.text
    _says(refused.text, lang, "input.does_not_match_authorization_text")


@pytest.mark.parametrize("lang", LANGUAGES)
def test_an_invalid_transition_names_both_states_by_their_labels(web: Web, lang: str) -> None:
    case_id = released_case(web.api)
    web.refresh_candidates()
    _speak(web, "candidate", lang)
    again = web.post("candidate", f"/candidate/cases/{case_id}/acceptance", {})
    assert again.status_code == 409
    _says(again.text, lang, "transition.cannot_move", current="released", target="released")
    main = again.text.split("<main", 1)[1].split("</main>", 1)[0]
    assert Translator(lang).state("released") in main
    if lang in ZH:
        assert "released" not in main and "cannot move" not in main
