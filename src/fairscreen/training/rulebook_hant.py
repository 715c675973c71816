"""Write the Traditional-script twins of the shipped rulebooks' Chinese legal texts.

``python -m fairscreen.training.rulebook_hant`` asks OpenCC (``s2tw``: characters only,
in Taiwan's standard forms, so a law keeps its official name, 個人信息保護法, and is not
reworded) for every legal basis and every cause of action or charge in
``fairscreen/rulebook/*.toml`` and writes
``entrypoints/web/catalogs/rulebook_hant.json`` (Simplified -> Traditional). The
rulebook is a signed, versioned document and keeps its Simplified text; a zh-Hant page
shows the twin (issue 13 item 10: no Simplified legal basis on a Traditional page). A
test fails when a shipped rulebook has a text without its twin, so a new rulebook needs
this run."""

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
#: the keys whose texts a page shows as written in the rulebook
KEYS = ("legal_basis", "causes")


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


def main() -> None:
    import opencc  # the training extra's: a test reads shipped_texts() without it

    converter = opencc.OpenCC("s2tw")
    table = {text: converter.convert(text) for text in sorted(shipped_texts())}
    TABLE.write_text(json.dumps(table, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    sys.stderr.write(f"{TABLE.name}: {len(table)} texts\n")


if __name__ == "__main__":
    main()
