"""Bar charts as SVG, drawn on the server (no script, no external library): each bar
carries its value as text too, so the chart reads without colour and with a screen
reader (``role="img"`` with a title, and the same figures in a table beside it)."""

from __future__ import annotations

from collections.abc import Sequence
from html import escape

from markupsafe import Markup

ROW, LABEL_WIDTH, BAR_WIDTH, VALUE_WIDTH = 28, 150, 260, 60


def bar_chart(
    bars: Sequence[tuple[str, int | None, str]],
    *,
    title: str,
    suppressed_label: str,
    unit: str = "",
    top: int | None = None,
) -> Markup:
    """Horizontal bars ``(label, value, colour)``; a value of None was suppressed by the
    service (a small group) and is drawn as a hatched stub labelled as such."""
    top = top or max((v for _, v, _ in bars if v), default=1)
    height = ROW * len(bars) + 8
    width = LABEL_WIDTH + BAR_WIDTH + VALUE_WIDTH
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" role="img" viewBox="0 0 {width} {height}" '
        f'width="100%" preserveAspectRatio="xMinYMin meet" class="chart">',
        f"<title>{escape(title)}</title>",
        '<defs><pattern id="hatch" width="6" height="6" patternUnits="userSpaceOnUse" '
        'patternTransform="rotate(45)"><rect width="3" height="6" fill="#9aa0a6"/>'
        "</pattern></defs>",
    ]
    for index, (label, value, colour) in enumerate(bars):
        y = 4 + index * ROW
        parts.append(
            f'<text x="{LABEL_WIDTH - 8}" y="{y + 18}" text-anchor="end" '
            f'font-size="14" fill="#1f1f1f">{escape(label)}</text>'
        )
        if value is None:
            parts.append(
                f'<rect x="{LABEL_WIDTH}" y="{y + 4}" width="24" height="18" fill="url(#hatch)"/>'
                f'<text x="{LABEL_WIDTH + 30}" y="{y + 18}" font-size="14" fill="#1f1f1f">'
                f"{escape(suppressed_label)}</text>"
            )
            continue
        length = 0 if not value else max(2, round(BAR_WIDTH * value / top))
        parts.append(
            f'<rect x="{LABEL_WIDTH}" y="{y + 4}" width="{length}" height="18" '
            f'fill="{escape(colour)}"/>'
            f'<text x="{LABEL_WIDTH + length + 6}" y="{y + 18}" font-size="14" '
            f'fill="#1f1f1f">{value}{escape(unit)}</text>'
        )
    parts.append("</svg>")
    return Markup("".join(parts))  # noqa: S704 - every text above is escaped
