"""The structured reference questionnaire (PRODUCT.md P3; issue 15 item 4), pure.

Most of what a referee says should be asked for, not volunteered: the questions are
reviewed data (``fairscreen/data/questionnaires/reference.toml``), job-related only
(Labour Contract Law art. 8), and every answer maps to an ``assertion`` key with a
polarity, so two referees who answer alike verify a point exactly as two agreeing
witnesses do (PRODUCT.md P3). Free comments are context, never a verification: they carry
no assertion, and each passes the prohibited-topic filter before anything is stored
(PRODUCT.md P3; the Wang judgment, where a former colleague's gossip about private life
was used against a candidate).

This module parses the questionnaire, checks a referee's answers against it, filters the
comments and turns what is left into the statements of one witness record.
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from fairscreen.domain.bilingual import LANGUAGES
from fairscreen.domain.errors import InvalidInput
from fairscreen.domain.evaluation import statement_topic
from fairscreen.domain.topics import TopicClassifier

POLARITIES = ("negative", "neutral", "positive")
#: A comment is a short remark, not a statement of its own: long texts invite hearsay.
COMMENT_MAX = 500
#: Scale bands: (points, band name, polarity).
_BANDS = (((1, 2), "low", "negative"), ((3,), "mid", "neutral"), ((4, 5), "high", "positive"))

Texts = Mapping[str, str]


@dataclass(frozen=True, slots=True)
class Option:
    value: str
    text: Texts
    assertion: str | None = None
    polarity: str | None = None


@dataclass(frozen=True, slots=True)
class Question:
    id: str
    kind: str  # "scale" or "choice"
    text: Texts
    comment: Texts | None
    options: tuple[Option, ...]

    def option(self, value: str) -> Option | None:
        return next((o for o in self.options if o.value == value), None)


@dataclass(frozen=True, slots=True)
class Questionnaire:
    version: str
    relations: tuple[Option, ...]
    questions: tuple[Question, ...]
    #: what each assertion key means, per language, as a report's finding shows it
    labels: Mapping[str, Texts]

    def assertion_keys(self) -> dict[str, str]:
        """Every assertion key, with the id of the one question it belongs to."""
        return {
            option.assertion: question.id
            for question in self.questions
            for option in question.options
            if option.assertion
        }

    def texts(self) -> list[str]:
        """Every text a referee reads, and every assertion's label, in every language
        (for the topic review)."""
        maps: list[Texts] = [o.text for o in self.relations]
        for question in self.questions:
            maps.append(question.text)
            if question.comment:
                maps.append(question.comment)
            maps.extend(o.text for o in question.options)
        maps.extend(self.labels.values())  # shown in the report, reviewed alike
        return [text for texts in maps for text in texts.values()]


@dataclass(frozen=True, slots=True)
class DroppedComment:
    """A comment the filter removed: which question's, and the prohibited topic."""

    question: str
    topic: str


@dataclass(frozen=True, slots=True)
class CheckedAnswers:
    relation: str
    choices: Mapping[str, str]
    comments: Mapping[str, str]  # only the comments that passed the filter
    dropped: tuple[DroppedComment, ...]


# --- parsing the reviewed data ------------------------------------------------------------


def _texts(value: Any, where: str) -> Texts:
    if not isinstance(value, dict) or set(value) != set(LANGUAGES):
        raise InvalidInput(f"texts in exactly {', '.join(LANGUAGES)}", field=where)
    if not all(isinstance(v, str) and v.strip() for v in value.values()):
        raise InvalidInput("every text must be non-empty", field=where)
    return dict(value)


def _option(raw: Any, where: str, *, asserts: bool) -> Option:
    if not isinstance(raw, dict) or not isinstance(raw.get("value"), str | int):
        raise InvalidInput("an option needs a value", field=where)
    assertion, polarity = raw.get("assertion"), raw.get("polarity")
    if asserts and (not isinstance(assertion, str) or polarity not in POLARITIES):
        raise InvalidInput("an answer needs an assertion key and a polarity", field=where)
    return Option(str(raw["value"]), _texts(raw.get("text"), f"{where}.text"), assertion, polarity)


def _question(raw: Any, scale: list[Any], where: str) -> Question:
    if not isinstance(raw, dict) or not isinstance(raw.get("id"), str):
        raise InvalidInput("a question needs an id", field=where)
    kind = raw.get("kind")
    comment = raw.get("comment")
    if kind == "scale":
        options = []
        for points, band, polarity in _BANDS:
            assertion = raw.get(band)
            if not isinstance(assertion, str):
                raise InvalidInput(f"a scale question needs a {band} assertion", field=where)
            for point in scale:
                if point.get("value") in points:
                    options.append(
                        _option(
                            point | {"assertion": assertion, "polarity": polarity},
                            where,
                            asserts=True,
                        )
                    )
    elif kind == "choice":
        listed = raw.get("options")
        if not isinstance(listed, list) or not listed:
            raise InvalidInput("a choice question needs options", field=where)
        options = [_option(o, f"{where}.options[{i}]", asserts=True) for i, o in enumerate(listed)]
    else:
        raise InvalidInput("kind must be scale or choice", field=f"{where}.kind")
    return Question(
        id=raw["id"],
        kind=kind,
        text=_texts(raw.get("text"), f"{where}.text"),
        comment=None if comment is None else _texts(comment, f"{where}.comment"),
        options=tuple(options),
    )


def parse_questionnaire(text: str) -> Questionnaire:
    """The questionnaire of a TOML text, or ``InvalidInput`` naming what is wrong: every
    text in every language, every answer an assertion with a polarity, every assertion
    key belonging to one question, question ids unique."""
    raw = tomllib.loads(text)
    scale = raw.get("scale", {}).get("points", [])
    if sorted(p.get("value") for p in scale) != [1, 2, 3, 4, 5]:
        raise InvalidInput("the scale has the points 1 to 5", field="scale.points")
    relations = tuple(
        _option(o, f"relation.options[{i}]", asserts=False)
        for i, o in enumerate(raw.get("relation", {}).get("options", []))
    )
    questions = tuple(
        _question(q, scale, f"questions[{i}]") for i, q in enumerate(raw.get("questions", []))
    )
    if not questions or not relations:
        raise InvalidInput("a questionnaire needs questions and relations", field="questions")
    if len({q.id for q in questions}) != len(questions):
        raise InvalidInput("question ids must be unique", field="questions")
    seen: dict[str, str] = {}
    for question in questions:
        for option in question.options:
            assert option.assertion is not None
            owner = seen.setdefault(option.assertion, question.id)
            if owner != question.id:
                raise InvalidInput(
                    f"assertion {option.assertion} belongs to two questions",
                    field=f"questions.{question.id}",
                )
            if any(
                o.assertion == option.assertion and o.polarity != option.polarity
                for o in question.options
            ):
                raise InvalidInput(
                    f"assertion {option.assertion} has two polarities",
                    field=f"questions.{question.id}",
                )
    version = raw.get("version")
    if not isinstance(version, str) or not version:
        raise InvalidInput("a questionnaire has a version", field="version")
    listed = raw.get("labels", {})
    if not isinstance(listed, dict):
        raise InvalidInput("labels: a table of assertion keys", field="labels")
    labels = {key: _texts(texts, f"labels.{key}") for key, texts in listed.items()}
    unlabelled = sorted(set(seen) - set(labels))
    if unlabelled:
        raise InvalidInput("every assertion key needs a label", field=f"labels.{unlabelled[0]}")
    return Questionnaire(version, relations, questions, labels)


# --- a referee's answers ------------------------------------------------------------------


def check_answers(
    questionnaire: Questionnaire,
    *,
    relation: str,
    choices: Mapping[str, str],
    comments: Mapping[str, str],
    classifier: TopicClassifier,
) -> CheckedAnswers:
    """The answers if every question is answered with one of its options; ``InvalidInput``
    naming the first field that is not. Each comment is read by the prohibited-topic
    classifier: one that touches a prohibited category (or the age, sex or appearance of
    the candidate) is dropped whole, and only its question and topic are returned."""
    if not any(o.value == relation for o in questionnaire.relations):
        raise InvalidInput(
            "choose how you know the candidate",
            field="relation",
            key="input.choose_how_you_know_candidate",
        )
    known = {q.id for q in questionnaire.questions}
    for name in list(choices) + list(comments):
        if name not in known:
            raise InvalidInput(
                "no such question", field=f"answers.{name}", key="input.no_such_question"
            )
    kept: dict[str, str] = {}
    dropped: list[DroppedComment] = []
    for question in questionnaire.questions:
        if question.option(choices.get(question.id, "")) is None:
            raise InvalidInput(
                "choose one answer", field=f"answers.{question.id}", key="input.choose_one_answer"
            )
        comment = " ".join(comments.get(question.id, "").split())
        if not comment:
            continue
        if question.comment is None:
            raise InvalidInput(
                "this question takes no comment",
                field=f"comments.{question.id}",
                key="input.question_takes_no_comment",
            )
        if len(comment) > COMMENT_MAX:
            raise InvalidInput(
                "a comment is at most {n} characters",
                field=f"comments.{question.id}",
                key="input.comment_most_n_characters",
                n=COMMENT_MAX,
            )
        topic = statement_topic(classifier, comment, None)
        if topic is None:
            kept[question.id] = comment
        else:
            dropped.append(DroppedComment(question.id, topic))
    return CheckedAnswers(
        relation=relation,
        choices={q.id: choices[q.id] for q in questionnaire.questions},
        comments=kept,
        dropped=tuple(dropped),
    )


def witness_statements(
    questionnaire: Questionnaire, answers: CheckedAnswers, lang: str
) -> list[dict[str, Any]]:
    """The statements of the referee's witness record: one per question, carrying the
    answer's assertion and polarity (the text is the question and answer as the referee
    read them), then one per kept comment, with no assertion (context only: a comment
    never verifies anything). Answers with a dropped comment are never stored: the
    referee is shown the drop first (``services.references.submit_answers``)."""
    if answers.dropped:
        raise InvalidInput(
            "a comment was removed: confirm the answers first",
            field="comments",
            key="input.comment_removed_confirm_answers_first",
        )
    statements: list[dict[str, Any]] = []
    for question in questionnaire.questions:
        option = question.option(answers.choices[question.id])
        assert option is not None
        statements.append(
            {
                "text": f"{question.text[lang]} {option.text[lang]}",
                "topic": "job_performance",
                "assertion": option.assertion,
                "polarity": option.polarity,
            }
        )
    for question in questionnaire.questions:
        comment = answers.comments.get(question.id)
        if comment:
            statements.append({"text": comment, "topic": "job_performance"})
    return statements
