"""What the tests expect of the shipped held-out and development batches of the
prohibited-topic filter (``services.topic_audit``), in one place."""

from __future__ import annotations

from fairscreen.domain.text_fold import SCRIPTS

# Development batches written in English only (r18's weakest script; docs/topics.md)
ENGLISH_ONLY_DEVELOPMENT = ("az", "ba", "bc", "bd", "bf", "bg")


def expected_scripts(name: str) -> set[str]:
    """The scripts a batch named as the audit names it ("held-out a", "development az")
    is written in."""
    batch = name.split()[-1]
    english_only = name.startswith("development") and batch in ENGLISH_ONLY_DEVELOPMENT
    return {"en"} if english_only else set(SCRIPTS)


def smallest_size(name: str) -> int:
    """The fewest statements such a batch may hold after deduplication (issue 15: a
    held-out batch at least 300; 240 written for an English-only one, 360 for one in
    three scripts, less those the corpus already held)."""
    if name.startswith("held-out"):
        return 300
    return 225 if len(expected_scripts(name)) == 1 else 280
