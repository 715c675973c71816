"""Write the Traditional → Simplified character table the topic filter folds text with.

``python -m fairscreen.training.t2s_table`` (run by ``make topics-model``) asks OpenCC
(``t2s``, character by character) for every CJK ideograph and writes the pairs that
change to ``fairscreen/data/t2s.txt``, which :mod:`fairscreen.domain.text_fold` reads at
import (the domain imports the standard library only, so OpenCC cannot run there).

Kept out: a character that is itself the Simplified form of another (干, 后, 只, 台 …):
it is already Simplified text and must never change. The output is sorted and
deterministic, so its SHA-256 is stable across runs with the same OpenCC.
"""

from __future__ import annotations

import sys
from pathlib import Path

import opencc

TABLE = Path(__file__).resolve().parents[1] / "data" / "t2s.txt"
# CJK Unified Ideographs and Extension A, and the compatibility ideographs.
RANGES = ((0x3400, 0x4DBF), (0x4E00, 0x9FFF), (0xF900, 0xFAFF))


def build_pairs() -> list[tuple[str, str]]:
    converter = opencc.OpenCC("t2s")
    mapped: dict[str, str] = {}
    for first, last in RANGES:
        for code in range(first, last + 1):
            char = chr(code)
            target = converter.convert(char)
            if len(target) == 1 and target != char:
                mapped[char] = target
    simplified_targets = set(mapped.values())
    return sorted((t, s) for t, s in mapped.items() if t not in simplified_targets)


def main() -> None:
    pairs = build_pairs()
    header = (
        "# Traditional -> Simplified, one character pair a line (written by\n"
        "# fairscreen.training.t2s_table from OpenCC t2s; do not edit by hand).\n"
    )
    TABLE.write_text(header + "".join(f"{t}{s}\n" for t, s in pairs), encoding="utf-8")
    sys.stderr.write(f"{TABLE.name}: {len(pairs)} pairs\n")


if __name__ == "__main__":
    main()
