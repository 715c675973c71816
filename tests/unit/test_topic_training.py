"""What `make topics-model` trains on besides the corpus (training/topic_model.py), and
that topic_cv compares candidates on the same rows.
Needs the `train` extra (scikit-learn, OpenCC), like the module; skipped without it."""

from __future__ import annotations

import pytest

pytest.importorskip("sklearn")
pytest.importorskip("opencc")

from fairscreen.domain.text_fold import fold, simplified
from fairscreen.services.evaluation import reference_questionnaire
from fairscreen.services.topic_audit import LabelledStatement
from fairscreen.training.topic_cv import corpus_rows
from fairscreen.training.topic_model import questionnaire_statements, training_set


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
