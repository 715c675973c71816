"""What `make topics-model` trains on besides the corpus (training/topic_model.py), how
it values features (idf, model r17), that it reproduces the shipped model, and that
topic_cv compares candidates on the same rows.
Needs the `train` extra, like the module: skipped without it, failed in CI
(tests/conftest.py, FAIRSCREEN_REQUIRE_TRAIN)."""

from __future__ import annotations

import pytest

pytest.importorskip("sklearn")
pytest.importorskip("opencc")

import json
import math
from typing import Any

import numpy as np
from scipy.sparse import csr_matrix
from sklearn.linear_model import LogisticRegression
from threadpoolctl import threadpool_limits

from fairscreen.domain.text_fold import fold, simplified
from fairscreen.services.evaluation import reference_questionnaire
from fairscreen.services.topic_audit import LabelledStatement
from fairscreen.training.topic_cv import corpus_rows
from fairscreen.training.topic_model import (
    IDF_POWER,
    MODEL_FILE,
    SCALE,
    Features,
    _drop_weights,
    idf_scale,
    questionnaire_statements,
    scaled,
    train,
    training_set,
)


def test_the_questionnaire_texts_are_job_rows_once_each_and_not_twice_with_the_corpus() -> None:
    texts = reference_questionnaire().texts()
    distinct = {simplified(fold(text)) for text in texts}
    already = LabelledStatement("corpus-1", "en", texts[0].upper(), None)
    rows = questionnaire_statements([already])
    assert len(rows) == len(distinct) - 1  # folded duplicates and the corpus's one left out
    assert all(row.label is None for row in rows)
    assert len({row.id for row in rows}) == len(rows)
    assert {row.lang for row in rows} == {"zh-Hans", "zh-Hant", "en"}
    assert simplified(fold(texts[0])) not in {simplified(fold(row.text)) for row in rows}


def test_the_training_set_is_the_corpus_its_twins_and_the_questionnaire_texts() -> None:
    corpus = [
        LabelledStatement("hans-1", "zh-Hans", "他负责软件开发。", None),
        LabelledStatement("en-1", "en", "She ships on time.", None),
    ]
    training = training_set(corpus)
    assert [s.id for s in training.twins] == ["hans-1-tw"]  # zh-Hans only (软件 → 軟體)
    assert training.questionnaire == questionnaire_statements(corpus)
    assert training.statements == [*corpus, *training.twins, *training.questionnaire]


def test_topic_cv_compares_candidates_on_the_rows_training_fits() -> None:
    # the candidates' baseline must be the shipped recipe: the same rows, twins unscored
    training = training_set()
    rows, groups = corpus_rows()
    assert [row.id for row in rows] == [s.id for s in training.statements]
    assert {row.id for row in rows if not row.scored} == {t.id for t in training.twins}
    assert len(groups) == len(rows)


def test_each_feature_is_valued_at_its_inverse_document_frequency() -> None:
    # model r17: a feature in every row is worth 1, a rarer one more (smoothed idf)
    x = csr_matrix(np.array([[1, 1, 0], [1, 0, 0], [1, 0, 1], [1, 0, 1]]))
    scale = idf_scale(x)
    expected = [1.0, math.log(5 / 2) + 1, math.log(5 / 3) + 1]
    assert scale == pytest.approx([e**IDF_POWER for e in expected])
    assert scale[1] > scale[2] > scale[0] == 1.0  # the rarer, the more it is worth
    # a featureless row (BLANK_STATEMENTS) is no statement: it changes no value
    blank = csr_matrix(np.vstack([x.toarray(), np.zeros((3, 3), dtype=int)]))
    assert idf_scale(blank) == pytest.approx(scale)
    fitted = scaled(x, scale)
    assert fitted.toarray() == pytest.approx(x.toarray() * scale)
    assert fitted.indices.dtype == np.int32 and fitted.indptr.dtype == np.int32  # liblinear


def test_features_are_the_learnable_ones_valued_at_their_idf() -> None:
    # training's reading, and topic_cv's candidates' (Linear and Dense alike): features
    # met in MIN_DF bags (or cues), each valued at its idf over the bags fitted on
    bags = [{"a", "b"}, {"a"}, {"a", "c", "cue:religion"}, {"b", "once"}, set()]
    features = Features()
    x = features.fit_transform(bags).toarray()
    names = list(features.vectorizer.get_feature_names_out())
    # "c" and "once" are in one bag each (MIN_DF 2); a cue is learnt however rare
    assert names == ["a", "b", "cue:religion"]
    binary = csr_matrix(np.array([[1, 1, 0], [1, 0, 0], [1, 0, 1], [0, 1, 0], [0, 0, 0]]))
    assert x == pytest.approx(scaled(binary, idf_scale(binary)).toarray())
    assert x[0, 0] < x[0, 1]  # "a" is in three of the four bags with a feature, "b" in two
    # scoring reads new bags with the fitted values, unseen features ignored
    assert features.transform([{"b", "new"}]).toarray()[0] == pytest.approx([0, x[0, 1], 0])


def test_the_written_weights_sum_to_the_fitted_models_scores() -> None:
    # each weight is written times its feature's scale, so the filter's plain sum over a
    # statement's features is the decision function of the model fitted on scaled rows
    rows = np.array([[1, 1, 0, 0], [1, 0, 1, 0], [0, 1, 1, 1], [1, 0, 0, 1], [0, 0, 1, 1]])
    y = np.array([1, 0, 1, 0, 1])
    scale = idf_scale(csr_matrix(rows))
    model = LogisticRegression(C=1.0, solver="liblinear").fit(scaled(csr_matrix(rows), scale), y)
    names = np.array(["a", "b", "c", "d"])
    bias, weights = _drop_weights(names, model, scale)
    fitted_scores = model.decision_function(scaled(csr_matrix(rows), scale)) * SCALE
    for row, fitted_score in zip(rows, fitted_scores, strict=True):
        summed = bias + sum(weights.get(str(n), 0) for n, on in zip(names, row, strict=True) if on)
        assert abs(summed - fitted_score) <= 3  # one rounding per feature, and the bias's


def _apart(trained: dict[str, Any], shipped: dict[str, Any]) -> int:
    """How many of two integer weight maps' values (a missing one is 0) differ by more
    than 2 units (1/1000 each): rounding of last digits, which another BLAS or library
    version may move, is not a difference."""
    return sum(abs(trained.get(k, 0) - shipped.get(k, 0)) > 2 for k in trained.keys() | shipped)


def _per_topic(weights: dict[str, list[int]]) -> dict[str, int]:
    return {
        f"{f}/{k}": w
        for f, flat in weights.items()
        for k, w in zip(flat[::2], flat[1::2], strict=True)
    }


def test_training_the_shipped_corpus_gives_the_shipped_model() -> None:
    # make topics-model is reproducible, and the committed file is what the committed
    # corpus, lexicon and code train: a change to any of them without retraining fails
    # here (on this machine the bytes are equal; elsewhere last digits may move). The
    # drop and topic fields only: the card measures the held-out batches.
    with threadpool_limits(limits=1):
        trained = train(training_set().statements)
    shipped = json.loads(MODEL_FILE.read_bytes())
    assert trained["training"]["C"] == shipped["training"]["C"]
    assert trained["lexicon_veto"] == shipped["lexicon_veto"]
    assert _apart({"bias": trained["bias"]}, {"bias": shipped["bias"]}) == 0
    assert _apart(trained["thresholds"], shipped["thresholds"]) == 0
    assert _apart(trained["drop_weights"], shipped["drop_weights"]) == 0
    assert (
        _apart(dict(enumerate(trained["topic_bias"])), dict(enumerate(shipped["topic_bias"]))) == 0
    )
    assert _apart(_per_topic(trained["topic_weights"]), _per_topic(shipped["topic_weights"])) == 0
