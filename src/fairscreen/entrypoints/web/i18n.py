"""The portals' languages: zh-Hans (default), en and zh-Hant.

Messages live in ``catalogs/messages.json``, one entry per key with all three texts (a
test checks none is missing). The language is chosen by ``?lang=`` (which also sets the
``fs_lang`` cookie, so the choice persists), then the cookie, then zh-Hans.

A service refusal carries a message key and its parameters (``domain/errors.py``); a
page shows it in the reader's language through ``catalogs/service_errors.json``, keyed
by that key, each language with the same ``{name}`` placeholders. A parameter that is a
code is shown by its label (``state``/``current``/``target`` a state, ``category`` a
category, ``tier`` a tier, ``role`` an actor's role), so no English code reaches a
Chinese page. A refusal without a key (an operator's error) is shown in English, marked
``lang="en"``; a test checks that every key the code uses has an entry in all three
languages with the raise site's English and parameters, and that no entry is stale.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from functools import cache
from importlib import resources
from typing import Any

from markupsafe import Markup, escape

from fairscreen.domain.bilingual import LANGUAGES, hant_twins, in_language, written
from fairscreen.domain.categories import CATEGORY_LABELS, TIER_LABELS, Category, Tier
from fairscreen.entrypoints.http_headers import weighted
from fairscreen.services.case_events import CLAIM_LISTS

DEFAULT = "zh-Hans"
LANGUAGE_NAMES = {"zh-Hans": "简体中文", "en": "English", "zh-Hant": "繁體中文"}
#: The authorization text a reader of each portal language is shown and signs.
NOTICE_LANGUAGE = {"zh-Hans": "zh-Hans", "en": "en", "zh-Hant": "zh-Hant"}


#: The message catalogs, merged: the pages', the documents' (PDF), the regulator's ledger
#: explanations, lookup and checklist, the agency desk's brief, and staff accounts and
#: the first set-up (issue 13), and the verifier's record form (its fields' and values' names).
CATALOG_FILES = (
    "catalogs/messages.json",
    "catalogs/documents.json",
    "catalogs/regulator.json",
    "catalogs/desk.json",
    "catalogs/staff.json",
    "catalogs/verifier.json",
)


@cache
def catalog() -> dict[str, dict[str, str]]:
    loaded: dict[str, dict[str, str]] = {}
    for name in CATALOG_FILES:
        text = resources.files(__package__).joinpath(name).read_text("utf-8")
        part: dict[str, dict[str, str]] = json.loads(text)
        if set(part) & set(loaded):
            raise ValueError(f"{name} repeats keys of another catalog")
        loaded.update(part)
    return loaded


@cache
def service_errors() -> dict[str, dict[str, str]]:
    """The service-error catalogue: message key -> its text in each language."""
    text = resources.files(__package__).joinpath("catalogs/service_errors.json").read_text("utf-8")
    loaded: dict[str, dict[str, str]] = json.loads(text)
    return loaded


#: parameters that are codes, by name: shown by their label in the page's language
_STATE_PARAMS = frozenset({"state", "current", "target"})


#: Foreign bodies a legal basis cites by an English abbreviation (the rulebook, a signed
#: and versioned document, keeps its text): a Chinese reader is shown the name in Chinese
#: (issue 13 item 10: no English-only basis on a Chinese page).
LEGAL_TERMS = {
    "EEOC": {
        "zh-Hans": "美国平等就业机会委员会",
        "zh-Hant": "美國平等就業機會委員會",
        "en": "EEOC",
    },
}
_LEGAL_TERM = re.compile(r"\b(" + "|".join(LEGAL_TERMS) + r")\b\s*")
#: a tier named by its code inside a rulebook's legal basis ("仅限 trust 等级岗位")
_TIER_WORD = re.compile(r"\s*\b(" + "|".join(t.value for t in Tier) + r")\b\s*")


def rulebook_hant() -> dict[str, str]:
    """The shipped rulebooks' legal bases and causes in Traditional script (written by
    ``python -m fairscreen.training.rulebook_hant``; the rulebook keeps its Simplified
    text, a zh-Hant page shows the twin)."""
    return hant_twins()


def choose(
    query_lang: str | None, cookie_lang: str | None, accept_language: str | None = None
) -> str:
    """The page's language: the one asked for (``?lang=``), else the one the reader chose
    before (the cookie), else the browser's script of Chinese (:func:`from_accept_language`),
    else zh-Hans."""
    for candidate in (query_lang, cookie_lang):
        if candidate in LANGUAGES:
            return str(candidate)
    return from_accept_language(accept_language) or DEFAULT


#: a browser's language tag (lower case, ``_`` read as ``-``) → the portal's language:
#: Traditional script for Taiwan, Hong Kong and Macao, Simplified for the rest of Chinese.
#: English is not inferred: the portal's default stays zh-Hans for a browser that asks for
#: no Chinese (most browsers send en-US untouched); English is a choice on the page.
_TAG_PREFIXES = (
    ("zh-hant", "zh-Hant"),
    ("zh-tw", "zh-Hant"),
    ("zh-hk", "zh-Hant"),
    ("zh-mo", "zh-Hant"),
    ("zh-hans", "zh-Hans"),
    ("zh", "zh-Hans"),
)


def _portal_language(tag: str) -> str | None:
    tag = tag.replace("_", "-")
    for prefix, lang in _TAG_PREFIXES:
        if tag == prefix or tag.startswith(prefix + "-"):
            return lang
    return None


def from_accept_language(header: str | None) -> str | None:
    """The script of Chinese a browser's ``Accept-Language`` prefers most (by ``q``, then
    order), or None when it names no Chinese: ``zh-TW``, ``zh-HK``, ``zh-MO`` and
    ``zh-Hant-*`` read zh-Hant; other Chinese zh-Hans."""
    ranked: list[tuple[float, int, str]] = []
    for position, (tag, weight) in enumerate(weighted(header, limit=500)):
        lang = _portal_language(tag)
        if lang is not None and weight > 0:
            ranked.append((-weight, position, lang))
    return min(ranked)[2] if ranked else None


class Translator:
    """``t("key")`` in templates; ``t("key", n=3)`` fills ``{n}``. A missing key shows
    the key itself (and the catalog test fails), never an error page."""

    def __init__(self, lang: str) -> None:
        self.lang = lang

    def __call__(self, key: str, **values: Any) -> str:
        entry = catalog().get(key)
        if entry is None:
            return key
        text = entry.get(self.lang) or entry["en"]
        return text.format(**values) if values else text

    def coded(self, message: str, /, **code: str) -> Markup:
        """``t(key)`` whose ``{name}`` blanks are command lines, paths or module names:
        each shown as ``<code>`` (escaped), the same in every language, so a Chinese
        sentence carries them as code, not as English words in running text."""
        text = catalog()[message].get(self.lang) or catalog()[message]["en"]
        shown = {name: Markup("<code>{}</code>").format(value) for name, value in code.items()}
        return escape(text).format(**shown)

    def pick(self, texts: Any) -> str:
        """A text of the domain's ``{"zh-Hans": …, "en": …, "zh-Hant": …}`` maps (a dict,
        or a read-only mapping such as the rulebook's: never shown as the map itself)."""
        if not isinstance(texts, Mapping):
            return str(texts or "")
        return str(texts.get(self.lang) or texts.get("zh-Hans") or texts.get("en") or "")

    def detail(self, error: Any) -> str | None:
        """A service's refusal (anything with ``key`` and ``params``, a
        :class:`~fairscreen.domain.errors.FairscreenError`) in this language, or None when
        it has no key in the catalogue (the page then shows its English, marked as such)."""
        entry = service_errors().get(getattr(error, "key", None) or "")
        if entry is None:
            return None
        params = getattr(error, "params", {})
        return entry[self.lang].format(**{name: self._param(name, v) for name, v in params.items()})

    def _param(self, name: str, value: object) -> str:
        """A parameter as shown: a state, category or tier code by its label here."""
        if name in _STATE_PARAMS:
            return self.state(str(value))
        if name == "category":
            return self.category(str(value))
        if name == "tier":
            return self.tier(str(value))
        if name == "role" and f"role.{value}" in catalog():
            return self(f"role.{value}")
        return str(value)

    def basis(self, text: str | None) -> str:
        """A legal basis in this language: in Traditional script on a zh-Hant page, an
        English abbreviation of a foreign body (``EEOC``) by its name in Chinese, a tier
        named by its code (``trust``) by its label; the rest as written."""
        if not text or self.lang == "en":
            return text or ""
        text = self.written(text)
        text = _LEGAL_TERM.sub(lambda found: LEGAL_TERMS[found.group(1)][self.lang], text)
        return self._tier_words(text)

    def rule(self, texts: Any) -> str:
        """A rulebook text of the three languages (a rule's or an exclusion's): a tier
        named by its code (``仅适用于 trust 等级岗位``) by its label on a Chinese page."""
        text = self.pick(texts)
        return text if self.lang == "en" else self._tier_words(text)

    def _tier_words(self, text: str) -> str:
        left, right = ("「", "」") if self.lang == "zh-Hant" else ("“", "”")
        return _TIER_WORD.sub(lambda found: f"{left}{self.tier(found.group(1))}{right}", text)

    def written(self, text: str) -> str:
        """A rulebook's Chinese legal text (a basis, a cause or charge) in this page's
        script: its Traditional twin on a zh-Hant page, as written otherwise."""
        return written(text, self.lang)

    def shown(self, text: str) -> str:
        """A built-in ``中文 / English`` text (a template's title or reason) in this
        page's language, never the other language's half (``domain.bilingual``)."""
        return in_language(text, self.lang)

    def tier(self, name: str) -> str:
        try:
            return TIER_LABELS[Tier(name)][self.lang]
        except ValueError:  # not a tier: shown as it is
            return name

    def category(self, name: str) -> str:
        try:
            return CATEGORY_LABELS[Category(name)][self.lang]
        except ValueError:  # not a category: shown as it is
            return name

    def claims(self, name: str) -> str:
        """A list of the candidate's claims (``education``, ``employment``, ``licenses``)
        by the label of the category that checks it."""
        for category, listed in CLAIM_LISTS.items():
            if listed == name:
                return self.category(category)
        return self.category(name)

    def topic(self, name: str) -> str:
        """A prohibited topic by its name in this language: a prohibited category's
        label, or one of the topics that are no category (age, sex or gender,
        appearance; PRODUCT.md P3)."""
        if f"topic.{name}" in catalog():
            return self(f"topic.{name}")
        return self.category(name)

    def state(self, name: str | None) -> str:
        return self(f"state.{name}") if name else ""

    def light(self, name: str | None) -> str:
        return self(f"light.{name or 'none'}")


def all_categories() -> list[str]:
    return [c.value for c in Category]
