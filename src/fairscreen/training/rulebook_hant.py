"""Write the Traditional-script twins of the shipped rulebooks' Chinese texts.

``python -m fairscreen.training.rulebook_hant`` asks OpenCC (``s2tw``: characters only,
in Taiwan's standard forms, so a law keeps its official name, 個人信息保護法, and is not
reworded) for every legal basis and every cause of action or charge in
``fairscreen/rulebook/*.toml`` and writes
``entrypoints/web/catalogs/rulebook_hant.json`` (Simplified -> Traditional). The
rulebook is a signed, versioned document and keeps its Simplified text; a zh-Hant page
shows the twin (issue 13 item 10: no Simplified legal basis on a Traditional page). A
test fails when a shipped rulebook has a text without its twin, so a new rulebook needs
this run.

The built-in role templates' titles and reasons (``rulebook/profiles.toml``, written
``中文 / English``) get twins too, from OpenCC ``s2twp`` (Taiwan's characters and
words: 軟體, not 軟件), so a zh-Hant reader of the template picker reads Traditional. Every
twin was read by a person; where OpenCC chose wrongly the :data:`REVIEWED` fixes apply
(簽 "sign" is not 籤 "lot"; a Taiwan reader says 資訊 for computing, not 計算機)."""

from __future__ import annotations

import json
import sys
import tomllib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

PACKAGE = Path(__file__).resolve().parents[1]
RULEBOOKS = PACKAGE / "rulebook"
TABLE = PACKAGE / "entrypoints" / "web" / "catalogs" / "rulebook_hant.json"
PROFILES = RULEBOOKS / "profiles.toml"
#: the keys whose texts a page shows as written in the rulebook
KEYS = ("legal_basis", "causes")
#: the built-in templates' texts, ``中文 / English``: a page shows the Chinese half
PROFILE_KEYS = ("title", "justification", "relevance_justification")
#: OpenCC's choices a reader corrected, applied to every twin (wrong -> right)
REVIEWED = {
    "所籤": "所簽",
    "計算機相關": "資訊相關",
    # Taiwan and Hong Kong usage, as in the zh-Hant catalogues (usability walk item 3)
    "崗位": "職位",
    "身份": "身分",
}


def legal_texts(node: Any) -> Iterator[str]:
    """Every legal basis and cause in a parsed rulebook (any depth)."""
    if isinstance(node, dict):
        for key, value in node.items():
            if key in KEYS:
                yield from [value] if isinstance(value, str) else value
            else:
                yield from legal_texts(value)
    elif isinstance(node, list):
        for item in node:
            yield from legal_texts(item)


def shipped_texts() -> set[str]:
    found: set[str] = set()
    for path in sorted(RULEBOOKS.glob("*.toml")):
        found |= set(legal_texts(tomllib.loads(path.read_text("utf-8"))))
    return found


def profile_texts() -> set[str]:
    """The Chinese half of every built-in template's title and reasons."""
    found: set[str] = set()

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            for key, value in node.items():
                if key in PROFILE_KEYS and isinstance(value, str):
                    found.add(value.partition(" / ")[0].strip())
                else:
                    walk(value)

    walk(tomllib.loads(PROFILES.read_text("utf-8")))
    return found - {""}


def reviewed(text: str) -> str:
    for wrong, right in REVIEWED.items():
        text = text.replace(wrong, right)
    return text


def main() -> None:
    import opencc  # the training extra's: a test reads shipped_texts() without it

    legal = opencc.OpenCC("s2tw")
    words = opencc.OpenCC("s2twp")
    table = {text: reviewed(legal.convert(text)) for text in sorted(shipped_texts())}
    for text in sorted(profile_texts() - set(table)):
        table[text] = reviewed(words.convert(text))
    table = dict(sorted(table.items()))
    TABLE.write_text(json.dumps(table, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    sys.stderr.write(f"{TABLE.name}: {len(table)} texts\n")


if __name__ == "__main__":
    main()
