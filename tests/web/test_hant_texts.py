"""Every zh-Hant text the product ships is in Traditional script and Taiwan / Hong Kong
usage (issue 13 item 10): the catalogues, the rulebooks' zh-Hant texts and their
Traditional twins, the reference questionnaire, the zh-Hant authorization text, and the
``"zh-Hant": …`` texts written in Python. A browser test checks the pages
(``test_e2e_no_english.py``); this one checks the data, fast, and names the entry."""

from __future__ import annotations

import ast
import json
import re
import tomllib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from fairscreen.domain.bilingual import LANGUAGES
from fairscreen.domain.lifecycle import CaseState
from fairscreen.entrypoints.web.i18n import catalog
from web.hant import simplified_in

PACKAGE = Path(__file__).resolve().parents[2] / "src" / "fairscreen"
#: mainland words a Traditional reader meets as 資料, 登入, 預設, 電子郵件, 品質, 軟體,
#: 不支援, 點選
MAINLAND_WORDS = ("數據", "登錄", "默認", "電子郵箱", "工作質量", "軟件", "不支持", "點擊")
#: law and crime names keep their official wording (個人信息保護法 is the law's name)
OFFICIAL_NAMES = ("個人信息保護法", "侵犯公民個人信息罪", "名單信息")


def _toml_hant(node: Any, where: str) -> Iterator[tuple[str, str]]:
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "zh-Hant" and isinstance(value, str):
                yield where, value
            else:
                yield from _toml_hant(value, f"{where}.{key}")
    elif isinstance(node, list):
        for item in node:
            yield from _toml_hant(item, where)


def shipped_hant_texts() -> Iterator[tuple[str, str]]:
    for path in sorted((PACKAGE / "entrypoints" / "web" / "catalogs").glob("*.json")):
        loaded = json.loads(path.read_text("utf-8"))
        for key, value in loaded.items():
            if path.name == "rulebook_hant.json":
                yield f"{path.name}: {key}", value
            elif isinstance(value, dict) and "zh-Hant" in value:
                yield f"{path.name}: {key}", value["zh-Hant"]
    tomls = [
        *sorted((PACKAGE / "rulebook").glob("*.toml")),
        PACKAGE / "data/questionnaires/reference.toml",
    ]
    for path in tomls:
        yield from _toml_hant(tomllib.loads(path.read_text("utf-8")), path.name)
    for path in sorted((PACKAGE / "templates").glob("*.zh-Hant.*")):
        yield path.name, path.read_text("utf-8")
    for path in sorted(PACKAGE.rglob("*.py")):
        if "training" in path.parts:
            continue
        for node in ast.walk(ast.parse(path.read_text("utf-8"))):
            if isinstance(node, ast.Dict):
                for key, value in zip(node.keys, node.values, strict=True):
                    if (
                        isinstance(key, ast.Constant)
                        and key.value == "zh-Hant"
                        and isinstance(value, ast.Constant)
                        and isinstance(value.value, str)
                    ):
                        yield f"{path.name}:{key.lineno}", value.value


def test_the_checker_finds_simplified_and_lets_traditional_pass() -> None:
    assert simplified_in("這是个人资料") == ["个: 這是个人资料", "资: 這是个人资料"]
    assert simplified_in("皇后、若干、台灣、只有、表面、床、祕密與秘密") == []


def test_every_shipped_zh_hant_text_is_traditional() -> None:
    texts = list(shipped_hant_texts())
    assert len(texts) > 1000
    found = {where: chars for where, text in texts if (chars := simplified_in(text))}
    # the scripts' own names in a Simplified card ("繁体" labels zh-Hant in zh-Hans),
    # known by their text: a line number moved whenever the card's texts above it did
    found = {
        where: chars
        for where, chars in found.items()
        if not (where.startswith("topic_model_card.py:") and chars == ["体: 繁体"])
    }
    assert found == {}


def test_every_shipped_zh_hant_text_uses_taiwan_and_hong_kong_words() -> None:
    found = {}
    for where, text in shipped_hant_texts():
        for name in OFFICIAL_NAMES:
            text = text.replace(name, "")
        if words := [word for word in MAINLAND_WORDS if word in text]:
            found[where] = words
    assert found == {}


def test_every_text_map_with_simplified_has_traditional() -> None:
    """A ``{"zh-Hans": …}`` map without ``"zh-Hant"`` would show a zh-Hant reader the
    Simplified text (``Translator.pick`` falls back to it). The CLI's demo printout, which
    offers zh-Hans and en only, is the one exception."""
    missing = []
    for path in sorted(PACKAGE.rglob("*.py")):
        if "training" in path.parts or path.parts[-2:] == ("cli", "core.py"):
            continue
        for node in ast.walk(ast.parse(path.read_text("utf-8"))):
            if isinstance(node, ast.Dict):
                keys = {k.value for k in node.keys if isinstance(k, ast.Constant)}
                if "zh-Hans" in keys and "zh-Hant" not in keys:
                    missing.append(f"{path.name}:{node.lineno}")
    assert missing == []


def test_every_case_state_has_its_status_text() -> None:
    """The case cards say each state in words (``macros.html``: ``status.<state>``); a
    missing key showed ``status.adverse_notice`` raw on both portals in the wait."""
    for state in CaseState:
        texts = catalog().get(f"status.{state.value}")
        assert texts is not None and set(texts) == set(LANGUAGES), state


#: mainland usage a Taiwan or Hong Kong reader meets as 職位, 身分, 學士 (usability walk
#: item 3: 崗位 and 職位 on one page); the signed rulebooks keep their wording
MAINLAND_USAGE = ("崗位", "身份", "本科")


def test_every_zh_hant_text_outside_the_rulebooks_says_職位_身分_學士() -> None:
    found = {
        where: [word for word in MAINLAND_USAGE if word in text]
        for where, text in shipped_hant_texts()
        if not re.match(r"v[\d.]+\.toml", where)
    }
    assert {where: words for where, words in found.items() if words} == {}
