"""Reading the HTTP headers that list choices with qualities (RFC 9110 §12.4.2):
``Accept-Encoding`` for the API's tiles, ``Accept-Language`` for the portal's language."""

from __future__ import annotations


def weighted(header: str | None, limit: int = 1000) -> list[tuple[str, float]]:
    """The header's items in order, each lower-cased with its quality (``q``, 1 when not
    given, 0 when unreadable); at most ``limit`` characters are read."""
    items: list[tuple[str, float]] = []
    for item in (header or "")[:limit].split(","):
        token, _, parameters = item.strip().partition(";")
        quality = 1.0
        for parameter in parameters.split(";"):
            name, _, value = parameter.strip().partition("=")
            if name.strip().lower() == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = 0.0
        items.append((token.strip().lower(), quality))
    return items
