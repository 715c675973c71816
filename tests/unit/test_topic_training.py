"""Training rows that `make topics-model` adds to the corpus (training/topic_model.py).
Needs the `train` extra (scikit-learn, OpenCC), like the module; skipped without it."""

from __future__ import annotations

import pytest

pytest.importorskip("sklearn")
pytest.importorskip("opencc")

from fairscreen.domain.text_fold import fold, simplified
from fairscreen.services.evaluation import reference_questionnaire
from fairscreen.services.topic_audit import LabelledStatement
from fairscreen.training.topic_model import questionnaire_statements


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
