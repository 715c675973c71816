"""The cross-validation comparison of candidate topic models (training/topic_cv.py):
its operating points and its grouping, on small made-up scores (no corpus is read).
Needs the `train` extra (scikit-learn, OpenCC), like the module; skipped without it."""

from __future__ import annotations

import pytest

pytest.importorskip("numpy")
pytest.importorskip("sklearn")
pytest.importorskip("opencc")

import numpy as np

from fairscreen.training.topic_cv import Row, _groups, _highest_threshold, operating_points


def _row(id_: str, lang: str, label: int, *, certain: bool = False, scored: bool = True) -> Row:
    return Row(id_, lang, label, scored, certain, None, f"text {id_}")


def test_highest_threshold_keeps_the_recall_asked_for() -> None:
    scores = np.array([5.0, 4.0, 3.0, 2.0, 1.0, 0.5])
    y = np.array([1, 1, 1, 1, 0, 0])
    certain = np.zeros(6, dtype=bool)
    assert _highest_threshold(scores, y, certain, 0.75) == 3.0
    assert _highest_threshold(scores, y, certain, 1.0) == 2.0
    # a lexicon hit counts as a drop: one fewer positive the model must reach
    certain[3] = True
    assert _highest_threshold(scores, y, certain, 1.0) == 3.0


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
