"""The tool that turns lexicon alternatives firing on job text into cues (model r14, r15),
and flags those too few prohibited remarks hold (r18)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from fairscreen.domain.errors import InvalidInput
from fairscreen.domain.lexicon import (
    LEXICON_FILES,
    LexiconTopicClassifier,
    build_lexicon,
    lexicon_file_text,
    parse_lexicon_file,
)
from fairscreen.services.topic_audit import load_corpus
from fairscreen.training import lexicon_cues
from fairscreen.training.lexicon_cues import (
    EDITED_FILES,
    MIN_PROHIBITED_SUPPORT,
    Firing,
    firings,
    job_statements,
    main,
    prohibited_remarks,
    rewrite,
)

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


def test_rewrite_refuses_to_leave_an_entry_without_a_pattern() -> None:
    single = FILE.replace("    'church group|prayer meeting|bible study',\n", "")
    with pytest.raises(ValueError, match="no pattern left"):
        rewrite(single, [_firing("pastor", "pastor")], "why")


def test_rewrite_escapes_the_note() -> None:
    note = 'fired on "job" text in C:\\new'
    moved = [_firing("pastor", "pastor")]
    text = rewrite(FILE, moved, note)
    assert parse_lexicon_file("en", text)[-1].why == note


# Statements the shipped lexicon drops through an entry of one of its files, each of a
# kind where matching an alternative alone could differ from the engine: a bounded gap
# across a blanked job phrase, English word boundaries, Traditional text folded
DROPPED = [
    ("gap", "他与邻居的在情人节那天大闹了一场。"),
    ("word", "Everyone knows he is gay."),
    ("hant", "佢做嘢好快，不過佢係同性戀。"),
    ("hant-only", "聽說她是外配，為人很低調。"),  # an entry of zh-Hant.toml alone
]
KEPT = [("boundary", "He wrote the gaylord-style crate packing guide."), ("job", "按时交付。")]


def test_every_statement_the_edited_files_drop_has_a_firing_and_no_other_does() -> None:
    assert set(EDITED_FILES) == set(LEXICON_FILES)  # zh-Hant.toml too, since model r20
    edited = LexiconTopicClassifier(
        build_lexicon({n: parse_lexicon_file(n, lexicon_file_text(n)) for n in EDITED_FILES})
    )
    for _, text in DROPPED:
        assert edited.prohibited_topic(text) is not None, text
    for _, text in KEPT:
        assert edited.prohibited_topic(text) is None, text
    fired = {i for f in firings(DROPPED + KEPT) for i in f.statement_ids}
    assert fired == {i for i, _ in DROPPED}


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


def test_a_traditional_only_alternative_fires_on_traditional_text_only() -> None:
    # 外配 (a foreign spouse, in Taiwan usage) is an entry of zh-Hant.toml: the same job
    # statement in Simplified characters is not dropped, so nothing fires on it
    found = firings(
        [
            ("t", "她負責外配的就業輔導專案，成效很好。"),
            ("s", "她负责外配的就业辅导项目，成效很好。"),
            # dropped by zh.toml's 同性恋, and it holds 外配: not Traditional, so 外配 does
            # not fire on it
            ("z", "她为同性恋权益组织和外配家庭开发了会员网站。"),
        ],
        ["聽說她是外配。", "听说她是外配。"],
    )
    assert [(f.file, f.topic, f.alternative, f.statement_ids) for f in found] == [
        ("zh", "sexual_orientation", "同性恋", ("z",)),
        ("zh-Hant", "marital_status", "外配", ("t",)),
    ]
    assert found[1].prohibited_support == 1  # the Traditional remark only


def test_job_statements_are_the_rows_without_a_label(tmp_path: Path) -> None:
    batch = tmp_path / "batch.jsonl"
    rows = [
        {"id": "a", "lang": "en", "text": "Shipped the release.", "label": None},
        {"id": "b", "lang": "en", "text": "(a prohibited remark)", "label": "private_life"},
    ]
    batch.write_text("\n".join(json.dumps(r) for r in rows) + "\n\n", "utf-8")
    assert job_statements([batch]) == [("a", "Shipped the release.")]


def test_a_row_without_a_label_is_refused_not_taken_for_a_job_statement(tmp_path: Path) -> None:
    batch = tmp_path / "batch.jsonl"
    batch.write_text('{"id": "a", "lang": "en", "text": "He is gay."}\n', "utf-8")
    with pytest.raises(InvalidInput, match=r"line 1\.label"):
        job_statements([batch])


@pytest.fixture
def lexicon_copy(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "lexicon"
    shutil.copytree(lexicon_cues.LEXICON_DIR, folder)
    monkeypatch.setattr(lexicon_cues, "LEXICON_DIR", folder)
    return folder


def _batch(tmp_path: Path) -> Path:
    # 同性恋 and "gay" are in many prohibited corpus statements; "church … group" in one
    batch = tmp_path / "batch.jsonl"
    rows = [
        {"id": "z", "lang": "zh-Hans", "text": "她为同性恋权益组织开发了会员网站。", "label": None},
        {
            "id": "g",
            "lang": "en",
            "text": "She built the site for a gay rights charity.",
            "label": None,
        },
        {
            "id": "e",
            "lang": "en",
            "text": "She ran the church youth group's budget.",
            "label": None,
        },
        {
            "id": "t",
            "lang": "zh-Hant",
            "text": "她負責外配的就業輔導專案，成效很好。",
            "label": None,
        },
    ]
    batch.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), "utf-8")
    return batch


def test_write_moves_what_fires_in_every_file_and_then_nothing_fires(
    tmp_path: Path, lexicon_copy: Path
) -> None:
    batch = _batch(tmp_path)
    assert main([str(batch), "--write", "--why", "fired on job text"]) == 0
    for name in ("zh", "zh-Hant", "en"):
        assert "fired on job text" in (lexicon_copy / f"{name}.toml").read_text("utf-8")
    # thin ones too (the church group one holds one prohibited corpus statement)
    assert firings(job_statements([batch])) == []


def test_firings_count_the_prohibited_remarks_that_hold_each_and_flag_the_thin() -> None:
    jobs = [("j-1", "她为同性恋权益组织开发了会员网站。")]
    remark = "听说他是同性恋。"
    supported = firings(jobs, [remark] * MIN_PROHIBITED_SUPPORT + ["他按时交付。"])
    assert [(f.prohibited_support, f.thin) for f in supported] == [(MIN_PROHIBITED_SUPPORT, False)]
    thin = firings(jobs, [remark] * (MIN_PROHIBITED_SUPPORT - 1))
    assert [(f.prohibited_support, f.thin) for f in thin] == [(MIN_PROHIBITED_SUPPORT - 1, True)]


def test_the_listing_flags_a_thin_alternative(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    # the prohibited remarks given, not the corpus's (which grows): "gay" in two, the
    # church group alternative in one
    remarks = ["I heard he is gay.", "She is gay.", "He is in a church youth group."]
    monkeypatch.setattr(lexicon_cues, "prohibited_remarks", lambda paths: remarks)
    assert main([str(_batch(tmp_path))]) == 0
    lines = capsys.readouterr().out.splitlines()
    church = [line for line in lines if "(?:church" in line]
    gay = [line for line in lines if "\tgay\t" in line]
    assert len(church) == 1 and church[0].endswith("write prohibited training statements with it")
    assert len(gay) == 1 and "thin" not in gay[0]


def test_prohibited_remarks_are_the_corpus_and_the_batches_labelled_ones(tmp_path: Path) -> None:
    batch = tmp_path / "batch.jsonl"
    rows = [
        {"id": "a", "lang": "en", "text": "Shipped the release.", "label": None},
        {"id": "b", "lang": "en", "text": "Batch remark X.", "label": "private_life"},
    ]
    batch.write_text("".join(json.dumps(r) + "\n" for r in rows), "utf-8")
    remarks = prohibited_remarks([batch])
    corpus = [s for s in load_corpus() if s.label is not None]
    assert "Batch remark X." in remarks and "Shipped the release." not in remarks
    assert len(remarks) == len({s.text for s in corpus} | {"Batch remark X."})


def test_a_refused_rewrite_writes_no_file(
    tmp_path: Path, lexicon_copy: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    before = {p.name: p.read_bytes() for p in lexicon_copy.iterdir()}
    calls = []

    def second_refused(text: str, moved: list[Firing], why: str) -> str:
        calls.append(why)
        if len(calls) == 2:
            raise ValueError("refused")
        return rewrite(text, moved, why)

    monkeypatch.setattr(lexicon_cues, "rewrite", second_refused)
    with pytest.raises(SystemExit) as exit_info:
        main([str(_batch(tmp_path)), "--write", "--why", "x"])
    assert exit_info.value.code == 2
    assert {p.name: p.read_bytes() for p in lexicon_copy.iterdir()} == before


def test_write_needs_the_reviewers_note(tmp_path: Path) -> None:
    batch = tmp_path / "batch.jsonl"
    batch.write_text('{"id": "a", "lang": "en", "text": "x", "label": null}\n', "utf-8")
    with pytest.raises(SystemExit) as exit_info:
        main([str(batch), "--write"])
    assert exit_info.value.code == 2
