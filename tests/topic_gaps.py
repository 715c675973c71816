"""A known gap of the prohibited-topic filter, as a test case that must keep failing.

Each is written up in docs/topics.md ("Known limits"): a strict ``xfail``, so the day the
filter gets it right the test fails and the case becomes an ordinary one, limits and card
updated with it."""

from __future__ import annotations

from typing import Any

import pytest


def known_gap(text: str, topic: str | None, why: str) -> Any:
    """``(text, topic)`` as a parameter the shipped filter is known to get wrong."""
    return pytest.param(
        text, topic, marks=pytest.mark.xfail(strict=True, reason=f"{why} (docs/topics.md)")
    )
