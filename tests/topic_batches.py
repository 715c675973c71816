"""What the tests expect of the shipped held-out and development batches of the
prohibited-topic filter (``services.topic_audit``), in one place."""

from __future__ import annotations

from fairscreen.domain.text_fold import SCRIPTS

# Development batches written in one script only, aimed at the weakest script of the day
# (English for r19, zh-Hant for r20; docs/topics.md)
SINGLE_SCRIPT_DEVELOPMENT = {
    "bf": "en",
    "bg": "en",
    "bi": "zh-Hant",
    "bj": "zh-Hant",
    "bl": "zh-Hant",
    "bm": "zh-Hant",
}


def expected_scripts(name: str) -> set[str]:
    """The scripts a batch named as the audit names it ("held-out a", "development bf")
    is written in."""
    batch = name.split()[-1]
    if name.startswith("development") and batch in SINGLE_SCRIPT_DEVELOPMENT:
        return {SINGLE_SCRIPT_DEVELOPMENT[batch]}
    return set(SCRIPTS)


def smallest_size(name: str) -> int:
    """The fewest statements such a batch may hold after deduplication (issue 15: a
    held-out batch at least 300; 240 written for a single-script one, 360 for one in
    three scripts, less those the corpus already held)."""
    if name.startswith("held-out"):
        return 300
    return 225 if len(expected_scripts(name)) == 1 else 280
