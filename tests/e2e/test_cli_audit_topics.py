"""``fairscreen audit topics`` through the real Typer app."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from fairscreen.entrypoints.cli import app
from topic_batches import expected_scripts, smallest_size

runner = CliRunner()


def test_table_report_covers_training_both_held_out_batches_and_the_development_ones() -> None:
    result = runner.invoke(app, ["audit", "topics"])
    # the output lists the misclassified statements of the held-out and development
    # batches, which must stay unread: a failure names the missing parts, never the output
    # the shipped filter misses the goal in some script of a batch (r19: held-out b's
    # zh-Hant recall, 77 of 80; several development batches): exit 1 says so
    assert result.exit_code == 1, f"exit code {result.exit_code}"
    expected = ["Per category", "Per script", "appearance", "zh-Hant", "missed", "training"]
    expected += ["held-out a", "held-out b", "development ac", "development bh"]
    missing = [part for part in expected if part not in result.output]
    assert not missing


def test_json_report_carries_per_set_per_script_and_per_topic_figures() -> None:
    result = runner.invoke(app, ["audit", "topics", "--format", "json"])
    report = json.loads(result.output)
    assert result.exit_code == (0 if report["passed"] else 1)
    names = [s["name"] for s in report["sets"]]
    assert names == [
        "training",
        "held-out a",
        "held-out b",
        "development ac",
        "development ad",
        "development ae",
        "development af",
        "development ag",
        "development ah",
        "development ai",
        "development aj",
        "development bf",
        "development bg",
        "development bh",
        "development bi",
        "development bj",
        "development bk",
        "development bl",
        "development bm",
        "development bn",
    ]
    training, *unseen = report["sets"]
    # every prohibited training statement is dropped (model r11; tests/unit/test_topics.py
    # pins the in-sample errors, all of them job statements dropped)
    assert training["held_out"] is False and training["overall"]["drop"]["recall"] == 1
    for batch in unseen:  # judged against the goal for text not trained on
        assert batch["held_out"] is True
        assert batch["overall"]["statements"] >= smallest_size(batch["name"])
        assert {s["lang"] for s in batch["scripts"]} == expected_scripts(batch["name"])
        assert len(batch["overall"]["topics"]) == 19
        # the development batches are the hardest: most job statements share a topic's
        # words, the prohibited remarks are euphemism, hearsay and dialect
        floor = 0.9 if batch["name"].startswith("development") else 0.95
        assert batch["overall"]["drop"]["recall"] >= floor
    assert report["passed"] is all(b["meets_goal"] for b in unseen)


def test_a_corpus_with_a_false_drop_exits_1_and_lists_it(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus.jsonl"
    rows = [
        {"id": "keep-1", "lang": "en", "text": "He is married.", "label": None},
        {
            "id": "drop-1",
            "lang": "zh-Hans",
            "text": "此人生活作风存在问题。",
            "label": "private_life",
        },
        {"id": "miss-1", "lang": "en", "text": "He ships on time.", "label": "religion"},
    ]
    corpus.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in rows), "utf-8")

    result = runner.invoke(app, ["audit", "topics", "--corpus", str(corpus), "--format", "json"])
    assert result.exit_code == 1, result.output
    report = json.loads(result.output)
    assert report["false_drops"] == 1
    assert [m["id"] for m in report["misclassified"]] == ["keep-1", "miss-1"]

    table = runner.invoke(app, ["audit", "topics", "--corpus", str(corpus)])
    assert table.exit_code == 1
    assert "keep-1" in table.output
    assert "miss-1" in table.output


def test_an_invalid_corpus_is_a_one_line_error_with_exit_2(tmp_path: Path) -> None:
    corpus = tmp_path / "bad.jsonl"
    corpus.write_text('{"id": "a", "lang": "en", "text": "t", "label": "gender"}\n', "utf-8")
    result = runner.invoke(app, ["audit", "topics", "--corpus", str(corpus)])
    assert result.exit_code == 2
    assert "line 1.label" in result.output


def test_a_missing_corpus_file_exits_2(tmp_path: Path) -> None:
    result = runner.invoke(app, ["audit", "topics", "--corpus", str(tmp_path / "none.jsonl")])
    assert result.exit_code == 2
