"""The cross-validation comparison of candidate topic models (training/topic_cv.py):
its operating points and its grouping, on small made-up scores (no corpus is read).
Needs the `train` extra, like the module: skipped without it, failed in CI
(tests/conftest.py, FAIRSCREEN_REQUIRE_TRAIN)."""

from __future__ import annotations

import pytest

pytest.importorskip("numpy")
pytest.importorskip("sklearn")
pytest.importorskip("opencc")

import numpy as np

from fairscreen.training.topic_cv import Row, _groups, best_span_scores, operating_points
from fairscreen.training.topic_model import (
    ANY_SCRIPT,
    dropped,
    highest_threshold,
    per_script_thresholds,
)


def _row(id_: str, lang: str, label: int, *, certain: bool = False, scored: bool = True) -> Row:
    return Row(id_, lang, label, scored, certain, None, f"text {id_}")


def test_highest_threshold_keeps_the_recall_asked_for() -> None:
    scores = np.array([5.0, 4.0, 3.0, 2.0, 1.0, 0.5])
    y = np.array([1, 1, 1, 1, 0, 0])
    certain = np.zeros(6, dtype=bool)
    assert highest_threshold(scores, y, certain, 0.75) == 3.0
    assert highest_threshold(scores, y, certain, 1.0) == 2.0
    # a lexicon hit counts as a drop: one fewer positive the model must reach
    certain[3] = True
    assert highest_threshold(scores, y, certain, 1.0) == 3.0


def test_highest_threshold_above_every_score_when_the_lexicon_reaches_the_recall() -> None:
    scores = np.array([5.0, 4.0, 3.0])
    y = np.array([1, 0, 0])
    certain = np.array([True, False, False])
    threshold = highest_threshold(scores, y, certain, 1.0)
    assert threshold > scores.max()


def test_each_script_gets_its_own_threshold_and_blank_rows_count_in_every_script() -> None:
    # zh-Hans: positives 3.0 and 2.0, a job row at 2.5; en: a positive at 1.0, a job row
    # at 0.5; a featureless row (ANY_SCRIPT) at 1.5 counts in both scripts' choice
    scores = np.array([3.0, 2.0, 2.5, 1.0, 0.5, 1.5])
    y = np.array([1, 1, 0, 1, 0, 0])
    certain = np.zeros(6, dtype=bool)
    scripts = np.array(["zh-Hans", "zh-Hans", "zh-Hans", "en", "en", ANY_SCRIPT])
    thresholds = per_script_thresholds(scores, y, certain, scripts, 1.0)
    assert thresholds["zh-Hans"] == 2.0  # recall 1.0 in zh-Hans, whatever en needs
    assert thresholds["en"] == 1.0
    # no zh-Hant statement, no positive to reach: above its rows (the featureless one)
    assert thresholds["zh-Hant"] > 1.5
    # each row at its script's threshold; the featureless row at the lowest
    drops = dropped(scores, certain, scripts, thresholds).tolist()
    assert drops == [True, True, True, True, False, True]
    # a script's recall target is its own: at 0.5 zh-Hans may keep its 2.0 positive
    assert per_script_thresholds(scores, y, certain, scripts, 0.5)["zh-Hans"] == 3.0


def test_operating_points_per_script_and_one_threshold() -> None:
    rows = [
        _row("a1", "zh-Hans", 1),
        _row("a2", "zh-Hans", 1),
        _row("a3", "zh-Hans", 0),
        _row("b1", "en", 1),
        _row("b2", "en", 0),
        _row("b3", "en", 0),
        _row("c1", "zh-Hant", 1),
        _row("c1-tw", "zh-Hant", 0, scored=False),  # trained on, never scored
    ]
    scores = np.array([2.0, 1.0, 1.5, 0.2, 0.1, 0.3, 1.0, 9.0])
    result = operating_points(rows, scores)
    per_script = result["per script"]
    assert per_script["zh-Hans"] == (1.0, 1, 1)  # threshold 1.0 drops a3 (1.5)
    assert per_script["en"] == (1.0, 1, 2)  # threshold 0.2 drops b3 (0.3), keeps b2
    one = result["one threshold"]  # the lowest of the three: 0.2 everywhere
    assert one["zh-Hans"] == (1.0, 1, 1)
    assert one["en"] == (1.0, 1, 2)
    assert result["per script"]["zh-Hant"] == (1.0, 0, 0)  # the twin's 9.0 is not counted


def test_twins_and_same_text_share_a_group() -> None:
    rows = [
        Row("hans-1", "zh-Hans", 1, True, False, None, "她怀孕了"),
        Row("hans-2", "zh-Hans", 1, True, False, None, "她怀孕了"),
        Row("hans-3", "zh-Hans", 0, True, False, None, "他很靠谱"),
        Row("hans-1-tw", "zh-Hant", 1, False, False, None, "她懷孕了"),
    ]
    groups = _groups(rows)
    assert groups[0] == groups[1] == groups[3] != groups[2]


def test_a_statement_scores_as_its_highest_span() -> None:
    class Scores:
        def score(self, bags: list[str]) -> np.ndarray:
            return np.array([float(len(bag)) for bag in bags])

    span_bags = [["a", "abc", "ab"], ["abcd"], ["a", "a"]]
    assert best_span_scores(Scores(), span_bags).tolist() == [3.0, 4.0, 1.0]  # type: ignore[arg-type]
