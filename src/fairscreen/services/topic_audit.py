"""Precision and recall of the prohibited-topic classifier on a labelled corpus.

Use case behind ``fairscreen audit topics`` (PRODUCT.md P3, exclusion code
``PROHIBITED_TOPIC``). The classifier must drop every witness statement that touches a
prohibited category (PIPL art. 28–29; Civil Code art. 1032–1033; Employment Promotion Law
art. 3, 26–31) and must not drop job-related speech (Labour Contract Law art. 8: what is
directly related to the job is what the employer may learn, so losing it is a harm too).
This audit measures both on the shipped corpus, or on any corpus of the same format.

Corpus format (JSON Lines, UTF-8, one object per line): ``id`` (unique string), ``lang``
(``zh-Hans``, ``zh-Hant`` or ``en``), ``text``, ``label`` (a prohibited category of
PRODUCT.md P2, or ``null`` for a statement that must be kept) and an optional ``note``.
Every statement is synthetic: no real person appears in it.

Two levels are scored:

- **drop**: the decision that matters for compliance — is the statement dropped at all?
  A *false drop* is a job-related statement (label ``null``) that was dropped; a *miss*
  is a prohibited statement that was kept.
- **topic**: the exact category, per category and micro-averaged over all of them; the
  category is what the report shows as the topic of a ``PROHIBITED_TOPIC`` exclusion.

A ratio with an empty denominator is ``None`` (shown as "—"), never a made-up 0 or 1.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

from fairscreen.domain.errors import InvalidInput
from fairscreen.domain.text_fold import SCRIPTS
from fairscreen.domain.topics import PROHIBITED_TOPICS, TopicClassifier, default_classifier

CORPUS_RESOURCE = "data/topics_corpus.jsonl"
#: The held-out batches: written blind to the model, never trained on, never mined for
#: lexicon entries; they measure how the filter does on text it has not seen.
HELDOUT_RESOURCES: Mapping[str, str] = {
    name: f"data/topics_heldout_{name}.jsonl" for name in ("a", "b")
}
#: Development batches: written blind to the lexicon and the model by helper sessions
#: and never trained on, but each used once to choose between models, so they no longer
#: measure unseen text as the held-out batches do: ac and ad, then ae and af, rejected
#: three candidates for r17; ag and ah judged r16's wider asides; ai and aj chose model
#: r17; bf and bg (English only) and bh measured r19 once, choosing nothing; bi and bj
#: (zh-Hant only) and bk rejected a round of r19, bl and bm (zh-Hant only) and bn chose
#: r20 (docs/topics.md). r19's az to be and au to ay, r18's am to at, r17's ak and al,
#: r16's development batches (u, v, w, x, o, aa, ab), r15's (j, k, m, n, r, t) and r14's
#: (c, f, g) are in the training corpus.
DEVELOPMENT_RESOURCES: Mapping[str, str] = {
    name: f"data/topics_dev_{name}.jsonl"
    for name in (
        *("ac", "ad", "ae", "af", "ag", "ah", "ai", "aj"),
        *("bf", "bg", "bh", "bi", "bj", "bk", "bl", "bm", "bn"),
    )
}
#: The goal on text not seen in training (issue 15): in each script and overall, recall
#: on prohibited statements at least this, and at most this share of job statements dropped.
GOAL_RECALL = 0.97
GOAL_FALSE_DROP_RATE = 0.03


@dataclass(frozen=True)
class LabelledStatement:
    """One synthetic witness statement and the category it touches (None: keep it)."""

    id: str
    lang: str
    text: str = field(repr=False)  # as Misclassified.text: a failing assertion prints reprs
    label: str | None
    note: str = ""


@dataclass(frozen=True)
class Scores:
    """Counts of one binary decision, and the ratios derived from them."""

    true_positives: int = 0
    false_positives: int = 0
    false_negatives: int = 0

    @property
    def support(self) -> int:
        """How many statements carry this label."""
        return self.true_positives + self.false_negatives

    @property
    def precision(self) -> float | None:
        predicted = self.true_positives + self.false_positives
        return self.true_positives / predicted if predicted else None

    @property
    def recall(self) -> float | None:
        return self.true_positives / self.support if self.support else None

    @property
    def f1(self) -> float | None:
        precision, recall = self.precision, self.recall
        if precision is None or recall is None:
            return None
        return 2 * precision * recall / (precision + recall) if precision + recall else 0.0

    def __add__(self, other: Scores) -> Scores:
        return Scores(
            self.true_positives + other.true_positives,
            self.false_positives + other.false_positives,
            self.false_negatives + other.false_negatives,
        )


@dataclass(frozen=True)
class Misclassified:
    """A statement the classifier got wrong (the corpus is synthetic, so its text may show)."""

    id: str
    lang: str
    # not in the repr: an assertion on an audit in a test prints it, and the held-out and
    # development batches' statements must stay unread
    text: str = field(repr=False)
    expected: str | None
    predicted: str | None

    @property
    def false_drop(self) -> bool:
        """A job-related statement dropped: the error this audit fails on."""
        return self.expected is None and self.predicted is not None


@dataclass(frozen=True)
class ScriptReport:
    """The scores of one script (or of the whole corpus, as ``lang="all"``)."""

    lang: str
    statements: int
    prohibited: int
    drop: Scores
    topics: Mapping[str, Scores]

    @property
    def topic_micro(self) -> Scores:
        """Exact-category scores summed over all categories (micro average)."""
        total = Scores()
        for scores in self.topics.values():
            total = total + scores
        return total

    @property
    def false_drops(self) -> int:
        return self.drop.false_positives

    @property
    def misses(self) -> int:
        return self.drop.false_negatives


@dataclass(frozen=True)
class TopicAudit:
    """The result of ``fairscreen audit topics``."""

    overall: ScriptReport
    scripts: tuple[ScriptReport, ...]
    misclassified: tuple[Misclassified, ...]

    @property
    def false_drops(self) -> int:
        """Job-related statements dropped; must be 0 on the shipped corpus."""
        return self.overall.false_drops

    @property
    def passed(self) -> bool:
        return self.false_drops == 0

    @property
    def meets_goal(self) -> bool:
        """Recall and false-drop rate within the goal for unseen text, overall and in
        every script (``GOAL_RECALL``, ``GOAL_FALSE_DROP_RATE``)."""
        return all(meets_goal(report) for report in (self.overall, *self.scripts))


def meets_goal(report: ScriptReport) -> bool:
    """Within the goal for unseen text: recall at least ``GOAL_RECALL`` and at most
    ``GOAL_FALSE_DROP_RATE`` of the job statements dropped."""
    kept = report.statements - report.prohibited
    recall = report.drop.recall
    return (recall is None or recall >= GOAL_RECALL) and (
        kept == 0 or report.false_drops / kept <= GOAL_FALSE_DROP_RATE
    )


@dataclass(frozen=True)
class AuditedSet:
    """One audited corpus: the training corpus (in-sample) or a held-out batch."""

    name: str
    held_out: bool
    audit: TopicAudit

    @property
    def passed(self) -> bool:
        """In-sample: no false drop. Held out: within the goal for unseen text."""
        return self.audit.meets_goal if self.held_out else self.audit.passed


def audit_shipped_sets(classifier: TopicClassifier | None = None) -> tuple[AuditedSet, ...]:
    """The training corpus, each held-out batch and each development batch, audited
    with one classifier (the last two against the goal for unseen text)."""
    classifier = default_classifier() if classifier is None else classifier
    sets = [AuditedSet("training", False, audit_topics(load_corpus(), classifier))]
    sets += [
        AuditedSet(f"held-out {name}", True, audit_topics(load_heldout(name), classifier))
        for name in HELDOUT_RESOURCES
    ]
    sets += [
        AuditedSet(f"development {name}", True, audit_topics(load_development(name), classifier))
        for name in DEVELOPMENT_RESOURCES
    ]
    return tuple(sets)


# --- the corpus -------------------------------------------------------------------------


def _statement(line_number: int, raw: str) -> LabelledStatement:
    where = f"line {line_number}"
    try:
        item = json.loads(raw)
    except json.JSONDecodeError as exc:
        raise InvalidInput(f"not valid JSON ({exc.msg})", field=where) from exc
    if not isinstance(item, dict):
        raise InvalidInput("must be a JSON object", field=where)
    for name in ("id", "lang", "text"):
        if not isinstance(item.get(name), str) or not item[name]:
            raise InvalidInput("must be a non-empty string", field=f"{where}.{name}")
    if item["lang"] not in SCRIPTS:
        raise InvalidInput(
            "must be one of {choices}",
            field=f"{where}.lang",
            key="input.must_one_choices",
            choices=", ".join(SCRIPTS),
        )
    if "label" not in item:
        raise InvalidInput("is required (a prohibited category or null)", field=f"{where}.label")
    label = item["label"]
    if label is not None and label not in PROHIBITED_TOPICS:
        raise InvalidInput("is not a prohibited category of PRODUCT.md P2", field=f"{where}.label")
    note = item.get("note") or ""
    if not isinstance(note, str):
        raise InvalidInput("must be a string", field=f"{where}.note", key="input.must_string")
    return LabelledStatement(item["id"], item["lang"], item["text"], label, note)


def parse_corpus(lines: Iterable[str]) -> tuple[LabelledStatement, ...]:
    """Read a corpus in JSON Lines; blank lines are skipped, ids must be unique."""
    statements: list[LabelledStatement] = []
    seen: set[str] = set()
    for line_number, raw in enumerate(lines, start=1):
        if not raw.strip():
            continue
        statement = _statement(line_number, raw)
        if statement.id in seen:
            raise InvalidInput("duplicate id", field=f"line {line_number}.id")
        seen.add(statement.id)
        statements.append(statement)
    if not statements:
        raise InvalidInput("the corpus holds no statement", field="corpus")
    return tuple(statements)


def load_heldout(name: str) -> tuple[LabelledStatement, ...]:
    """Held-out batch ``name`` (``a`` or ``b``), shipped as package data."""
    return _load_batch(name, HELDOUT_RESOURCES)


def load_development(name: str) -> tuple[LabelledStatement, ...]:
    """Development batch ``name`` (a key of ``DEVELOPMENT_RESOURCES``), shipped as
    package data."""
    return _load_batch(name, DEVELOPMENT_RESOURCES)


def _load_batch(name: str, batches: Mapping[str, str]) -> tuple[LabelledStatement, ...]:
    if name not in batches:
        raise InvalidInput(
            "must be one of {choices}",
            field="batch",
            key="input.must_one_choices",
            choices=", ".join(batches),
        )
    return parse_corpus(_resource_text(batches[name]).splitlines())


def _resource_text(resource: str) -> str:
    return resources.files("fairscreen").joinpath(resource).read_text("utf-8")


def load_corpus(path: Path | None = None) -> tuple[LabelledStatement, ...]:
    """The shipped training corpus (package data), or the corpus file at ``path``."""
    if path is None:
        text = _resource_text(CORPUS_RESOURCE)
    else:
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise InvalidInput(f"cannot read ({type(exc).__name__})", field=str(path)) from exc
    return parse_corpus(text.splitlines())


# --- the audit --------------------------------------------------------------------------


def _report(lang: str, pairs: Sequence[tuple[LabelledStatement, str | None]]) -> ScriptReport:
    drop = {"tp": 0, "fp": 0, "fn": 0}
    topics = {name: {"tp": 0, "fp": 0, "fn": 0} for name in PROHIBITED_TOPICS}
    for statement, predicted in pairs:
        expected = statement.label
        if expected is not None and predicted is not None:
            drop["tp"] += 1
        elif predicted is not None:
            drop["fp"] += 1
        elif expected is not None:
            drop["fn"] += 1
        if expected is not None and expected == predicted:
            topics[expected]["tp"] += 1
            continue
        if predicted is not None:
            topics[predicted]["fp"] += 1
        if expected is not None:
            topics[expected]["fn"] += 1
    return ScriptReport(
        lang=lang,
        statements=len(pairs),
        prohibited=sum(1 for statement, _ in pairs if statement.label is not None),
        drop=Scores(drop["tp"], drop["fp"], drop["fn"]),
        topics={name: Scores(c["tp"], c["fp"], c["fn"]) for name, c in topics.items()},
    )


def audit_topics(
    statements: Sequence[LabelledStatement] | None = None,
    classifier: TopicClassifier | None = None,
) -> TopicAudit:
    """Classify every statement and score the result, overall and per script.

    Steps: 1. load the shipped corpus unless statements are given; 2. classify each with
    the given classifier (default: the lexicon classifier); 3. score drop decisions and
    exact categories; 4. list every misclassified statement in corpus order.
    """
    statements = load_corpus() if statements is None else statements
    classifier = default_classifier() if classifier is None else classifier
    pairs = [(statement, classifier.prohibited_topic(statement.text)) for statement in statements]
    for _, predicted in pairs:
        if predicted is not None and predicted not in PROHIBITED_TOPICS:
            raise InvalidInput(f"classifier returned an unknown category {predicted!r}")
    scripts = tuple(
        _report(lang, [pair for pair in pairs if pair[0].lang == lang])
        for lang in SCRIPTS
        if any(statement.lang == lang for statement in statements)
    )
    misclassified = tuple(
        Misclassified(s.id, s.lang, s.text, s.label, predicted)
        for s, predicted in pairs
        if s.label != predicted
    )
    return TopicAudit(_report("all", pairs), scripts, misclassified)


def _scores_dict(scores: Scores) -> dict[str, Any]:
    return {
        "support": scores.support,
        "true_positives": scores.true_positives,
        "false_positives": scores.false_positives,
        "false_negatives": scores.false_negatives,
        "precision": scores.precision,
        "recall": scores.recall,
        "f1": scores.f1,
    }


def _script_dict(report: ScriptReport) -> dict[str, Any]:
    return {
        "lang": report.lang,
        "statements": report.statements,
        "prohibited": report.prohibited,
        "kept": report.statements - report.prohibited,
        "false_drops": report.false_drops,
        "misses": report.misses,
        "drop": _scores_dict(report.drop),
        "topic_micro": _scores_dict(report.topic_micro),
        "topics": {name: _scores_dict(scores) for name, scores in report.topics.items()},
    }


def audit_as_dict(audit: TopicAudit) -> dict[str, Any]:
    """A JSON-ready view of the audit (stable key order; ratios as floats or null)."""
    return {
        "passed": audit.passed,
        "meets_goal": audit.meets_goal,
        "false_drops": audit.false_drops,
        "overall": _script_dict(audit.overall),
        "scripts": [_script_dict(report) for report in audit.scripts],
        "misclassified": [
            {
                "id": item.id,
                "lang": item.lang,
                "expected": item.expected,
                "predicted": item.predicted,
                "false_drop": item.false_drop,
                "text": item.text,
            }
            for item in audit.misclassified
        ],
    }
