"""English words on a Chinese page: ``english_words(page)`` and
``assert_no_english(page)`` (issue 13 item 10).

The page's visible text (of ``<main>``, header and footer; the language switcher
excepted, whose "English" is a language's own name, and text marked up as code) is split
into Latin-letter words; a word fails unless it is

- a rule or finding code (``LIT-3``, ``EMP_DATES_MATERIAL``, ``PROHIBITED_TOPIC``): upper
  case with digits, ``-`` or ``_``;
- an id (``case_…``, ``sub_…``, ``dsp_…``, ``evf_…``, ``emp_…``, ``fs_…``) or a hex
  digest;
- on the allow-list below: brand and format names, units, standards.

So "中文 / English" reasons, a template's English id, "EEOC" as a legal basis, an English
refusal all fail, while "SHA-256", "PDF", "LIT-3" and "case_49d7…" pass.
"""

from __future__ import annotations

import re
from typing import Any

#: words a Chinese page may show in Latin letters: formats, units, standards, brands
ALLOWED = {
    # file formats and units
    "PDF", "PNG", "JPEG", "JPG", "HEIC", "HEIF", "JSON", "CSV", "SVG", "KB", "MB", "KiB",
    "MiB", "GB", "YYYY", "MM", "DD",
    # standards and protocols a technical fold names
    "SHA", "RFC", "HTTP", "HTTPS", "API", "URL", "ID", "IDs", "C2SP", "Ed25519", "Merkle",
    "WCAG", "ISO", "PIPL", "Unicode", "NFKC",
    # brands
    "fairscreen", "Chromium", "htmx", "Go", "OpenCC",
}  # fmt: skip
_CODE = re.compile(r"^[A-Z][A-Z0-9]*(?:[-_][A-Z0-9]+)+$|^[A-Z]\d+$")
_ID = re.compile(r"^(?:case|sub|dsp|evf|emp|agn|ten|prof|fs|acct|tok|ref|rcpt)_[0-9A-Za-z_-]*$")
_HEX = re.compile(r"^[0-9a-f]{8,}$")
_WORD = re.compile(r"[A-Za-z][A-Za-z0-9_\-.]*[A-Za-z0-9_]|[A-Za-z]")

#: visible text nodes of the header, main and footer; not the language switcher, and not
#: text marked up as code (``code``, ``pre``, ``kbd``, ``samp``: ids, commands, a
#: checkpoint's text), which is code in any language
_VISIBLE_TEXT = """
() => {
  const parts = [];
  const roots = document.querySelectorAll(
    'header.site .bar > a, header.site nav:not(.langs), main, footer.site');
  for (const root of roots) {
    const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
    while (walker.nextNode()) {
      const node = walker.currentNode; const el = node.parentElement;
      if (!el || !node.textContent.trim()) continue;
      if (el.closest('code, pre, kbd, samp, script, style, template')) continue;
      if (!el.checkVisibility({visibilityProperty: true})) continue;
      parts.push(node.textContent);
    }
  }
  return parts.join('\\n');
}
"""


def _allowed(word: str) -> bool:
    if _ID.match(word):
        return True
    word = word.strip(".-_")
    return (
        not word
        or word in ALLOWED
        or bool(_CODE.match(word) or _ID.match(word) or _HEX.match(word))
        or all(part in ALLOWED or _CODE.match(part) for part in re.split(r"[-.]", word) if part)
    )


def english_words(page: Any) -> list[str]:
    """The Latin-letter words of the page's visible text that are no code, id or allowed
    name, each once, in order of appearance."""
    text: str = page.evaluate(_VISIBLE_TEXT)
    found: dict[str, None] = {}
    for word in _WORD.findall(text):
        if not _allowed(word):
            found.setdefault(word, None)
    return list(found)


def assert_no_english(page: Any, name: str = "") -> None:
    words = english_words(page)
    assert not words, f"{name or page.url}: English on a Chinese page: {words[:20]}"
