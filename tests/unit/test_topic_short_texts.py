"""Short plain job texts, the kind a referee types into a reference form's answer box
("Very reliable", "不清楚", "佢好勤力"): the filter must keep them. 360 of them, 120 a
script, written by a helper session blind to the lexicon and the model on 2026-12-05
(tests/data/topics/short_job_texts.jsonl) and never trained on: a yardstick for the
filter's lean to drop a remark it has little to read (docs/topics.md, Known limits)."""

from __future__ import annotations

import json
from pathlib import Path

from fairscreen.domain.topics import default_classifier

TEXTS = [
    json.loads(line)
    for line in (Path(__file__).parents[1] / "data" / "topics" / "short_job_texts.jsonl")
    .read_text("utf-8")
    .splitlines()
]

# What model r14 drops ({id: topic}), 18 of 360 (zh-Hant 11): pinned, so that a change
# that drops one more fails, and one that keeps one of these must update the list.
KNOWN_DROPS = {
    "s-hans-009": "disability",
    "s-hans-023": "private_life",
    "s-hans-081": "disability",
    "s-hans-104": "household_registration",
    "s-hans-111": "private_life",
    "s-hant-004": "disability",
    "s-hant-041": "disability",
    "s-hant-071": "health_condition",
    "s-hant-075": "appearance",
    "s-hant-076": "private_life",
    "s-hant-081": "health_condition",
    "s-hant-084": "disability",
    "s-hant-100": "appearance",
    "s-hant-110": "private_life",
    "s-hant-111": "infectious_disease_carrier",
    "s-hant-112": "private_life",
    "s-en-074": "sexual_orientation",
    "s-en-085": "marital_status",
}


def test_the_short_texts_are_job_texts_in_every_script() -> None:
    assert len(TEXTS) == 360
    assert all(text["label"] is None for text in TEXTS)
    assert {text["lang"] for text in TEXTS} == {"zh-Hans", "zh-Hant", "en"}


def test_short_plain_job_texts_are_kept_but_the_known_drops() -> None:
    classifier = default_classifier()
    dropped = {
        text["id"]: topic
        for text in TEXTS
        if (topic := classifier.prohibited_topic(text["text"])) is not None
    }
    assert dropped == KNOWN_DROPS
