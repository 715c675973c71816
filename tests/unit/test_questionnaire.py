"""The reference questionnaire as reviewed data (issue 15 item 4): every question is
job-related (no text touches a prohibited topic, in any language), every answer maps to an
assertion key of its own question with a polarity, and the engine refuses a malformed
questionnaire or answer with the field named."""

from __future__ import annotations

import pytest

from fairscreen.domain.errors import InvalidInput
from fairscreen.domain.questionnaire import (
    LANGUAGES,
    POLARITIES,
    check_answers,
    parse_questionnaire,
    witness_statements,
)
from fairscreen.domain.topics import default_classifier
from fairscreen.services.references import reference_questionnaire

QUESTIONNAIRE = reference_questionnaire()
ANSWERS = {q.id: q.options[-1].value for q in QUESTIONNAIRE.questions}


def test_every_answer_of_every_question_is_an_assertion_with_a_polarity() -> None:
    keys = QUESTIONNAIRE.assertion_keys()
    for question in QUESTIONNAIRE.questions:
        assert question.options, question.id
        for option in question.options:
            assert option.assertion and option.polarity in POLARITIES, (question.id, option)
            assert keys[option.assertion] == question.id  # a key belongs to one question
    # the five subjects, and nothing else
    assert [q.id for q in QUESTIONNAIRE.questions] == [
        "responsibilities",
        "quality_of_work",
        "reliability",
        "reason_for_leaving",
        "would_rehire",
    ]


def test_no_text_a_referee_reads_touches_a_prohibited_topic() -> None:
    classifier = default_classifier()
    texts = QUESTIONNAIRE.texts()
    assert len(texts) >= 3 * (len(QUESTIONNAIRE.questions) * 2)
    touched = {text: classifier.prohibited_topic(text) for text in texts}
    assert {text: topic for text, topic in touched.items() if topic} == {}


def test_every_text_exists_in_every_language() -> None:
    for question in QUESTIONNAIRE.questions:
        for texts in (question.text, question.comment, *(o.text for o in question.options)):
            assert texts is not None and set(texts) == set(LANGUAGES)


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ('low = "responsibilities_not_met"', "questions[0]"),  # a scale without its low band
        ('zh-Hant = "候選人履行其職位職責的情況如何？", ', "questions[0].text"),
        ('assertion = "would_not_rehire", ', "questions[4].options[1]"),
        # every assertion has a label, shown in the findings instead of its key (item 8)
        (
            'would_rehire = { zh-Hans = "愿意再次聘用", zh-Hant = "願意再次聘用", '
            'en = "Would hire again" }\n',
            "labels.would_rehire",
        ),
    ],
)
def test_a_malformed_questionnaire_is_refused_with_its_field(change: str, field: str) -> None:
    from importlib import resources

    text = resources.files("fairscreen").joinpath("data/questionnaires/reference.toml")
    original = text.read_text("utf-8")
    assert change in original
    with pytest.raises(InvalidInput) as refused:
        parse_questionnaire(original.replace(change, "", 1))
    assert refused.value.field == field


def test_an_assertion_shared_by_two_questions_is_refused() -> None:
    from importlib import resources

    text = resources.files("fairscreen").joinpath("data/questionnaires/reference.toml")
    shared = text.read_text("utf-8").replace(
        'high = "reliability_high"', 'high = "quality_of_work_high"'
    )
    with pytest.raises(InvalidInput, match="two questions"):
        parse_questionnaire(shared)


def test_comments_are_filtered_and_never_verify() -> None:
    answers = check_answers(
        QUESTIONNAIRE,
        relation="peer",
        choices=ANSWERS,
        comments={"quality_of_work": "  代码评审   认真  ", "reliability": "她怀孕后经常请假"},
        classifier=default_classifier(),
    )
    assert answers.comments == {"quality_of_work": "代码评审 认真"}
    assert [d.question for d in answers.dropped] == ["reliability"]
    with pytest.raises(InvalidInput):  # never stored with a drop the referee has not seen
        witness_statements(QUESTIONNAIRE, answers, "en")
    clean = check_answers(
        QUESTIONNAIRE,
        relation="peer",
        choices=ANSWERS,
        comments={"quality_of_work": "Thorough code reviews."},
        classifier=default_classifier(),
    )
    statements = witness_statements(QUESTIONNAIRE, clean, "en")
    assert len(statements) == len(QUESTIONNAIRE.questions) + 1
    assert statements[-1] == {"text": "Thorough code reviews.", "topic": "job_performance"}
    assert statements[0]["text"].startswith("How well did the candidate carry out")
