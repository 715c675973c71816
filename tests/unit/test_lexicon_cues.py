"""The tool that turns lexicon alternatives firing on job text into cues (model r14, r15)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from fairscreen.domain.lexicon import LexiconTopicClassifier, build_lexicon, parse_lexicon_file
from fairscreen.training.lexicon_cues import Firing, firings, job_statements, main, rewrite

FILE = """\
[[entry]]
topic = "religion"
why = "reviewed"
patterns = [
    'church group|prayer meeting|bible study',
    'pastor',
]

[[entry]]
topic = "allow"
patterns = ['church renovation']
"""


def _firing(pattern: str, alternative: str) -> Firing:
    return Firing("en", "religion", pattern, alternative, ("j-1",))


def test_rewrite_moves_the_alternatives_to_a_cue_entry_and_removes_an_emptied_pattern() -> None:
    moved = [
        _firing("church group|prayer meeting|bible study", "prayer meeting"),
        _firing("pastor", "pastor"),
    ]
    text = rewrite(FILE, moved, "fired on job text")
    entries = parse_lexicon_file("en", text, compile_patterns=True)
    assert [(e.topic, e.patterns, e.cue) for e in entries] == [
        ("religion", ("church group|bible study",), False),
        ("allow", ("church renovation",), False),
        ("religion", ("prayer meeting", "pastor"), True),
    ]
    assert entries[2].why == "fired on job text"
    # what moved no longer drops; it is a cue the model weighs
    reading = LexiconTopicClassifier(build_lexicon({"en": entries})).read(
        "she led the prayer meeting's logistics", "she led the prayer meeting's logistics"
    )
    assert (reading.topic, reading.cue) == (None, "religion")


def test_rewrite_writes_a_pattern_with_a_quote_as_a_basic_string() -> None:
    text = FILE.replace("'pastor',", '"pastor\'s (?:flock|wife)|sermon",')
    moved = [_firing("pastor's (?:flock|wife)|sermon", "sermon")]
    entries = parse_lexicon_file("en", rewrite(text, moved, "why"), compile_patterns=True)
    assert entries[0].patterns[1] == "pastor's (?:flock|wife)"
    assert entries[-1].patterns == ("sermon",)


def test_rewrite_refuses_a_pattern_it_cannot_find_once() -> None:
    with pytest.raises(ValueError, match="not once"):
        rewrite(FILE, [_firing("imam", "imam")], "why")


def test_firings_name_the_alternative_and_the_job_statements_it_drops() -> None:
    found = firings(
        [
            ("j-1", "她为同性恋权益组织开发了会员网站。"),
            ("j-2", "他按时交付了项目，代码质量高。"),
        ]
    )
    assert [(f.file, f.topic, f.alternative, f.statement_ids) for f in found] == [
        ("zh", "sexual_orientation", "同性恋", ("j-1",))
    ]


def test_job_statements_are_the_rows_without_a_label(tmp_path: Path) -> None:
    batch = tmp_path / "batch.jsonl"
    rows = [
        {"id": "a", "lang": "en", "text": "Shipped the release.", "label": None},
        {"id": "b", "lang": "en", "text": "(a prohibited remark)", "label": "private_life"},
    ]
    batch.write_text("\n".join(json.dumps(r) for r in rows) + "\n\n", "utf-8")
    assert job_statements([batch]) == [("a", "Shipped the release.")]


def test_write_needs_the_reviewers_note(tmp_path: Path) -> None:
    batch = tmp_path / "batch.jsonl"
    batch.write_text('{"id": "a", "lang": "en", "text": "x", "label": null}\n', "utf-8")
    with pytest.raises(SystemExit) as exit_info:
        main([str(batch), "--write"])
    assert exit_info.value.code == 2
