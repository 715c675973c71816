"""HTML to PDF with WeasyPrint (https://weasyprint.org), fonts embedded.

The documents people keep (the report copy, the authorization as signed, notices, the
consent receipt, the destruction certificate) are rendered from HTML made by the web
layer's templates, so a PDF says exactly what its page says. Chinese needs a CJK font
on the machine: Debian's ``fonts-noto-cjk`` (Noto Sans CJK SC / TC), which WeasyPrint
finds through fontconfig and embeds as a subset, so the file reads the same anywhere.
Nothing is fetched: a document's HTML carries its own styles, and any URL it names is
refused (no network, no local files).
"""

from __future__ import annotations

import logging
from typing import Any

from fairscreen.domain.errors import DocumentRenderingFailed


def _no_fetching(url: str, *args: Any, **kwargs: Any) -> dict[str, Any]:
    raise DocumentRenderingFailed("documents fetch nothing", field="url")


def html_to_pdf(html: str, *, title: str) -> bytes:
    """The PDF of ``html`` (one self-contained document)."""
    try:
        from weasyprint import HTML
    except (ImportError, OSError) as exc:  # OSError: pango or its fonts are missing
        raise DocumentRenderingFailed(
            f"WeasyPrint is not usable here ({type(exc).__name__}): install pango and "
            "fonts-noto-cjk"
        ) from exc
    # WeasyPrint's own warnings (e.g. an unsupported CSS property) are not errors of ours.
    logging.getLogger("weasyprint").setLevel(logging.ERROR)
    logging.getLogger("fontTools").setLevel(logging.ERROR)
    document = HTML(string=html, url_fetcher=_no_fetching).render()
    document.metadata.title = title
    pdf = document.write_pdf()
    if not isinstance(pdf, bytes):
        raise DocumentRenderingFailed("WeasyPrint gave no PDF")
    return pdf
