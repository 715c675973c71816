"""A built-in text in the reader's language: the one place a ``中文 / English`` text (a
role template's title or reason, ``rulebook/profiles.toml``) is split, and a rulebook's
Chinese text (a legal basis, a cause) is given its reviewed Traditional twin.

The twins are written by ``python -m fairscreen.training.rulebook_hant`` into
``entrypoints/web/catalogs/rulebook_hant.json`` (the rulebook keeps its Simplified text).
Every page, notice and message that shows such a text goes through :func:`in_language`,
so a zh-Hant reader never reads the Simplified half and nobody reads the other
language's half (the authorization notice, role titles on lists, cases and messages)."""

from __future__ import annotations

import json
import re
from functools import cache
from importlib import resources
from typing import Literal, get_args

#: the languages the service speaks (a page, a notice, a message, a text of the domain's
#: ``{"zh-Hans": …, "en": …, "zh-Hant": …}`` maps), the default first, in the order a
#: reader is offered them
Language = Literal["zh-Hans", "en", "zh-Hant"]
LANGUAGES: tuple[str, ...] = get_args(Language)

#: a Chinese character (CJK unified ideographs and extension A)
_HAN = re.compile(r"[\u3400-\u9fff]")
_LATIN = re.compile(r"[A-Za-z]")


@cache
def hant_twins() -> dict[str, str]:
    """Simplified → reviewed Traditional, for the shipped rulebooks' texts."""
    path = resources.files("fairscreen").joinpath(
        "entrypoints", "web", "catalogs", "rulebook_hant.json"
    )
    loaded: dict[str, str] = json.loads(path.read_text("utf-8"))
    return loaded


def written(text: str, lang: str) -> str:
    """A rulebook's Chinese text in the reader's script: its Traditional twin on zh-Hant."""
    return hant_twins().get(text, text) if lang == "zh-Hant" else text


def halves(text: str) -> tuple[str, str] | None:
    """``中文 / English`` split in two, or None when the text is not written so (the
    left half has Chinese, the right half starts with a Latin letter; it may cite a law by
    its Chinese name): an employer's own ``会计 / 出纳`` or ``Dev / Ops`` stays whole."""
    chinese, sep, english = text.partition(" / ")
    if not sep or not _HAN.search(chinese) or not _LATIN.match(english.strip()):
        return None
    return chinese.strip(), english.strip()


def in_language(text: str, lang: str) -> str:
    """A ``中文 / English`` text's half for the reader (the Chinese half in Traditional on
    zh-Hant); any other text as written (in Traditional when it has a twin)."""
    split = halves(text)
    if split is None:
        return written(text, lang)
    chinese, english = split
    return english if lang == "en" else written(chinese, lang)
