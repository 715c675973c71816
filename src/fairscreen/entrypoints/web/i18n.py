"""The portals' languages: zh-Hans (default), en and zh-Hant.

Messages live in ``catalogs/messages.json``, one entry per key with all three texts (a
test checks none is missing). The language is chosen by ``?lang=`` (which also sets the
``fs_lang`` cookie, so the choice persists), then the cookie, then zh-Hans.
"""

from __future__ import annotations

import json
from functools import cache
from importlib import resources
from typing import Any

from fairscreen.domain.categories import Category

LANGUAGES = ("zh-Hans", "en", "zh-Hant")
DEFAULT = "zh-Hans"
LANGUAGE_NAMES = {"zh-Hans": "简体中文", "en": "English", "zh-Hant": "繁體中文"}
#: The authorization text exists in zh-Hans and en; zh-Hant readers sign the zh-Hans text.
NOTICE_LANGUAGE = {"zh-Hans": "zh-Hans", "en": "en", "zh-Hant": "zh-Hans"}


@cache
def catalog() -> dict[str, dict[str, str]]:
    text = resources.files(__package__).joinpath("catalogs/messages.json").read_text("utf-8")
    loaded: dict[str, dict[str, str]] = json.loads(text)
    return loaded


def choose(query_lang: str | None, cookie_lang: str | None) -> str:
    for candidate in (query_lang, cookie_lang):
        if candidate in LANGUAGES:
            return str(candidate)
    return DEFAULT


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

    def pick(self, texts: Any) -> str:
        """A text of the domain's ``{"zh-Hans": …, "en": …, "zh-Hant": …}`` maps."""
        if not isinstance(texts, dict):
            return str(texts or "")
        return str(texts.get(self.lang) or texts.get("zh-Hans") or texts.get("en") or "")

    def category(self, name: str) -> str:
        return self(f"category.{name}") if f"category.{name}" in catalog() else name

    def state(self, name: str | None) -> str:
        return self(f"state.{name}") if name else ""

    def light(self, name: str | None) -> str:
        return self(f"light.{name or 'none'}")


def all_categories() -> list[str]:
    return [c.value for c in Category]
