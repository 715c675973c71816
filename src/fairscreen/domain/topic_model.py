"""The statistical layer of the prohibited-topic filter (PRODUCT.md P3).

A linear model over character and word n-grams, trained by ``make topics-model``
(:mod:`fairscreen.training.topic_model`) on the labelled corpus and shipped as a
versioned data file (``fairscreen/data/topic_model.json``). Inference is the standard
library only: the file is read once, and a statement costs a set of dictionary look-ups
and a sum per sentence.

Why this model: measured against the lexicon alone on two blind batches (docs/topics.md,
"The model"), a char n-gram linear model learns 住院, 医院, 跑医院 and 看病 from a few
examples each where a phrase list needs every phrase; it needs no download, runs in
microseconds and its every weight can be published and read.

Features of one span of folded, Simplified text (:func:`features`):

- each run of Chinese characters gives its characters and bigrams (trigrams were dropped in
  model r8: a third of the features, no recall bought in cross-validation);
- each English word gives ``w:word`` and ``p:`` plus its first five letters (so
  "pregnant", "pregnancy" share ``p:pregn``), each pair of neighbouring words ``b:w1 w2``,
  and a word of more than five letters ``x:`` plus its last three (model r12: "punctual",
  "methodical", "conscientious" share ``x:ual``, ``x:cal``, ``x:ous`` with words of their
  kind, so a job adjective never seen in training is not read by its pronoun alone);
- the lexicon's cue, if any, gives ``cue:topic``;
- a job phrase the lexicon blanked (an ``allow`` entry) leaves ``topic_names.ALLOW_MARK``
  in its sentence, which gives ``allow`` (model r9): what is left of "He was the HR
  liaison to the trade union." is "he was the hr", and without the feature the model
  read that pronoun-and-verb residue as a remark on the person.

Decision (:meth:`TopicModel.prohibited_topic`): each sentence, and each pair of
neighbouring sentences, is a span; the statement is dropped when some span's score
(bias + the weights of its distinct features) reaches the threshold of the statement's
script (``text_fold.written_script``: zh-Hans, zh-Hant or en; one threshold per script
since model r11, each chosen by cross-validation for the same recall in that script:
one shared threshold was set by the script with the hardest positives and cost the
others false drops). The model is
trained with blank statements among the job ones (:mod:`fairscreen.training.topic_model`),
so a span with nothing it knows (an empty remark, a phrase the lexicon blanked as a job
phrase) scores below the threshold: the corpus has more prohibited statements than job
ones, and without them the bias alone dropped an empty statement. The topic is the
cue's when the lexicon gave one, else the topic model's best on the highest-scoring
span. Scoring spans rather than the whole statement keeps a prohibited remark from being
diluted by job facts around it (PRODUCT.md P3: a mixed statement is dropped whole).
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cached_property
from importlib import resources
from itertools import pairwise, repeat
from operator import add
from typing import Any

from fairscreen.domain.errors import InvalidInput
from fairscreen.domain.text_fold import SCRIPTS
from fairscreen.domain.topic_names import ALLOW_FEATURE, ALLOW_MARK, PROHIBITED_TOPICS, ModelRef

# v2 (model r11): ``thresholds``, one per script, replaces v1's single ``threshold``; a
# v1 reader refuses a v2 file rather than apply one script's threshold to every script.
# v3 (model r13): ``lexicon_veto``, the score under which the model overrules a lexicon
# hit (the thresholds were chosen with it, so a v2 reader must not apply them without)
MODEL_FORMAT = "fairscreen/topic-model/v3"
MODEL_RESOURCE = "data/topic_model.json"

_SENTENCE_END = re.compile(r"[。！？!?；;\n]+|\.(?=\s|$|[^\x00-\x7f]|[a-z]{2})")
_CHINESE_RUN = re.compile("[\u3400-\u9fff\uf900-\ufaff]+")
_WORD = re.compile(r"[a-z0-9]+(?:'[a-z]+)?")


def features(span: str, cue: str | None = None) -> set[str]:
    """The distinct features of one span of folded, Simplified text whose statement the
    lexicon gave ``cue`` (or none)."""
    return with_cue(ngrams(span), cue)


def ngrams(span: str) -> set[str]:
    """The features of a span's own text: n-grams, words, stems, suffixes and ``allow``;
    no cue (:func:`with_cue` adds it)."""
    return _read(span)[0]


def with_cue(found: set[str], cue: str | None) -> set[str]:
    """``found`` (a span's n-grams, updated in place) with the lexicon's cue, if any."""
    if cue is not None:
        found.add("cue:" + cue)
    return found


def _read(span: str) -> tuple[set[str], list[str]]:
    """The n-grams of a span (no cue), and its English words (for the pair across a
    join)."""
    found: set[str] = set()
    if ALLOW_MARK in span:  # a job phrase the lexicon blanked (topic_names.ALLOW_MARK)
        found.add(ALLOW_FEATURE)
    for run in _CHINESE_RUN.findall(span):
        # n-grams joined in C (map over add): a third faster than slicing in a loop
        found.update(run)
        found.update(map(add, run, run[1:]))
    words = _WORD.findall(span)
    previous = ""
    for word in words:
        found.add("w:" + word)
        if len(word) > 5:
            found.add("p:" + word[:5])
            found.add("x:" + word[-3:])
        if previous:
            found.add(f"b:{previous} {word}")
        previous = word
    return found, words


def _sentences(text: str) -> list[str]:
    # stripped and filtered in C: the comprehension over a generator cost two Python
    # frames per statement
    return list(filter(None, map(str.strip, _SENTENCE_END.split(text))))


# The conjunctions that turn from one remark to a contrasting one, where a mixed statement
# most often joins its prohibited remark ("…, but he has…", "…，就是身体不太好"), on folded,
# Simplified text (so Cantonese 但係, 就係 read 但系, 就系). Not 但 of 不但 ("not only"),
# 却 of 冷却, 退却 or 望而却步, nor 就是 and 只是 inside a clause ("主要就是乙肝疫苗":
# "mainly"): those only at a clause's start. (；; end a sentence: _SENTENCE_END.)
_LETTER = "a-zà-ÿ"
_CONTRAST = (
    rf"(?<![{_LETTER}])(?:but|though|although|however)(?![{_LETTER}])"
    r"|(?<!不)但(?:是|系)?|不过|可是|然而|(?<![冷忘退推除失])却(?!步)"
    r"|(?:^|(?<=[，,：:]))\s*(?:就是|只是|就系|只系)"
)
_CONTRAST_BREAK = re.compile(_CONTRAST)
# Where a sentence divides into clauses for the lexicon veto: its commas and colons, the
# contrasting conjunctions, 但, 就是 and 只是 anywhere (a hard entry's term must stand in
# a clause of its own, whose score can block the veto: "…很高明就是离异" is not overruled),
# and the conjunctions that add a second remark to a first ("…, and he is gay")
_CLAUSE_BREAK = re.compile(
    rf"[，,、：:]+|{_CONTRAST}|但|就是|只是|就系|只系|\s(?:and|while|plus)\s|而且|并且|另外|同时"
)
_COMMA = re.compile(r"[，,、：:]+")


def clauses(text: str) -> list[str]:
    """Each clause of each sentence of ``text`` (folded, Simplified)."""
    return [
        clause
        for sentence in _sentences(text)
        for clause in map(str.strip, _CLAUSE_BREAK.split(sentence))
        if clause
    ]


def asides(text: str) -> list[str]:
    """The text around each contrasting conjunction of each sentence of ``text`` (folded,
    Simplified): what follows it up to the next one or the sentence's end, the first
    clause of that, and the clause just before the conjunction. A mixed statement puts its
    prohibited remark in one of them: "…，但有乙肝。", "…，但有乙肝，客户维护做得好。",
    "他有乙肝，但工作认真负责。"."""
    found: list[str] = []
    for sentence in _sentences(text):
        for before, after in pairwise(_CONTRAST_BREAK.split(sentence)):
            ahead, behind = _comma_clauses(before), _comma_clauses(after)
            for piece in (",".join(behind), *behind[:1], *ahead[-1:]):
                if piece and piece not in found:
                    found.append(piece)
    return found


def _comma_clauses(text: str) -> list[str]:
    return [clause for clause in map(str.strip, _COMMA.split(text)) if clause]


def spans(text: str) -> list[str]:
    """Each sentence of ``text`` and each pair of neighbouring sentences."""
    sentences = _sentences(text)
    if len(sentences) <= 1:
        return sentences or [text]
    pairs = [f"{a} {b}" for a, b in pairwise(sentences)]
    return sentences + pairs


def span_features(text: str, cue: str | None = None) -> list[tuple[str, set[str]]]:
    """``(span, features(span, cue))`` for each span of :func:`spans`, each sentence read
    once: a pair's n-grams are its sentences' together, plus the word pair across the join
    (Chinese n-grams never cross it: the pair is joined with a space)."""
    sentences = _sentences(text)
    if len(sentences) <= 1:
        only = sentences[0] if sentences else text
        return [(only, features(only, cue))]
    read = [(sentence, *_read(sentence)) for sentence in sentences]
    pairs = []
    for (first, first_features, first_words), (second, second_features, second_words) in pairwise(
        read
    ):
        joined = first_features | second_features
        if first_words and second_words:
            joined.add(f"b:{first_words[-1]} {second_words[0]}")
        pairs.append((f"{first} {second}", with_cue(joined, cue)))
    # the sentences' own sets get the cue only now that the pairs are built from them
    return [(sentence, with_cue(found, cue)) for sentence, found, _ in read] + pairs


@dataclass(frozen=True)
class TopicModel:
    """A trained model: drop weights, per-topic weights and a threshold per script
    (``text_fold.SCRIPTS``), in integer units of ``1/scale`` so the file and every score
    are exact and reproducible."""

    ref: ModelRef
    scale: int
    bias: int
    thresholds: Mapping[str, int]
    lexicon_veto: int
    drop_weights: Mapping[str, int]
    topic_bias: Sequence[int]
    topic_weights: Mapping[str, Sequence[int]]
    training: Mapping[str, Any]
    card: Mapping[str, Any]

    def score(self, span: str, cue: str | None = None) -> int:
        """The drop score of one span (compare with the script's ``thresholds``)."""
        return self._score(features(span, cue))

    def _score(self, found: set[str]) -> int:
        # map over (feature, 0) pairs: the look-ups run in C, no list is built
        return self.bias + sum(map(self.drop_weights.get, found, repeat(0, len(found))))

    @cached_property
    def _topic_rows(self) -> Mapping[str, tuple[int, ...]]:
        """Each feature's topic weights as one row, a weight for every topic. Built when
        the model first names a topic (~10 ms, paid only by a process that meets such a
        statement): adding rows column by column runs in C, where reading each feature's
        [topic index, weight, …] pairs in Python cost ~200k instructions a statement."""
        rows = {}
        for feature, flat in self.topic_weights.items():
            row = [0] * len(PROHIBITED_TOPICS)
            for index, weight in zip(flat[::2], flat[1::2], strict=True):
                row[index] += weight
            rows[feature] = tuple(row)
        return rows

    def topic(self, found: set[str]) -> str:
        """The most likely prohibited topic of a span the model drops, from the span's
        features (those its drop score was summed over: a span is read once)."""
        present = filter(None, map(self._topic_rows.get, found))
        totals = list(map(sum, zip(self.topic_bias, *present, strict=True)))
        # the first of the highest totals: ties go to the topic listed first
        return PROHIBITED_TOPICS[totals.index(max(totals))]

    def best_span(self, simple: str, cue: str | None, floor: int) -> tuple[int, set[str]]:
        """The highest span score of folded, Simplified text and that span's features;
        ``floor - 1`` and no features when no span reaches ``floor``."""
        best_found: set[str] = set()
        best_score = floor - 1
        for _, found in span_features(simple, cue):
            span_score = self._score(found)
            if span_score > best_score:
                best_found, best_score = found, span_score
        return best_score, best_found

    def prohibited_topic(self, simple: str, cue: str | None, script: str) -> str | None:
        """The topic of folded, Simplified text written in ``script`` (a key of
        ``thresholds``), or None when no span reaches that script's threshold."""
        threshold = self.thresholds[script]
        best_score, best_found = self.best_span(simple, cue, threshold)
        if best_score < threshold:
            return None
        return cue if cue is not None else self.topic(best_found)


def _int(document: Mapping[str, object], name: str) -> int:
    value = document.get(name)
    if not isinstance(value, int) or isinstance(value, bool):
        raise InvalidInput(
            "must be an integer", field=f"topic model.{name}", key="input.must_integer"
        )
    return value


def _thresholds(document: Mapping[str, object]) -> dict[str, int]:
    thresholds = document.get("thresholds")
    if (
        not isinstance(thresholds, dict)
        or sorted(thresholds) != sorted(SCRIPTS)
        or not all(isinstance(t, int) and not isinstance(t, bool) for t in thresholds.values())
    ):
        raise InvalidInput(
            f"must map each script ({', '.join(SCRIPTS)}) to an integer",
            field="topic model.thresholds",
        )
    return {script: thresholds[script] for script in SCRIPTS}


def _veto(document: Mapping[str, object]) -> int:
    """``lexicon_veto``, under every threshold: at or above one, the model would overrule
    lexicon hits it would not drop by itself, and the lexicon would be switched off."""
    veto = _int(document, "lexicon_veto")
    if veto >= min(_thresholds(document).values()):
        raise InvalidInput("must lie under every threshold", field="topic model.lexicon_veto")
    return veto


def parse_model(data: bytes) -> TopicModel:
    """A :class:`TopicModel` from the bytes of its file; the SHA-256 is of those bytes.
    A file of another format, or whose topics differ from ``PROHIBITED_TOPICS``, is
    refused (a model trained for other topics would name the wrong ones)."""
    try:
        document = json.loads(data)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise InvalidInput(f"not JSON ({exc})", field="topic model") from exc
    if not isinstance(document, dict) or document.get("format") != MODEL_FORMAT:
        raise InvalidInput(f"must be a {MODEL_FORMAT} document", field="topic model.format")
    if document.get("topics") != list(PROHIBITED_TOPICS):
        raise InvalidInput(
            "must list the prohibited topics of PRODUCT.md P2–P3 in order",
            field="topic model.topics",
        )
    version = document.get("version")
    if not isinstance(version, str) or not version:
        raise InvalidInput("must be a non-empty string", field="topic model.version")
    drop = document.get("drop_weights")
    topic = document.get("topic_weights")
    topic_bias = document.get("topic_bias")
    if not isinstance(drop, dict) or not all(
        isinstance(w, int) and not isinstance(w, bool) for w in drop.values()
    ):
        raise InvalidInput("must map features to integers", field="topic model.drop_weights")
    if not isinstance(topic, dict) or not isinstance(topic_bias, list):
        raise InvalidInput("must be present", field="topic model.topic_weights")
    if len(topic_bias) != len(PROHIBITED_TOPICS):
        raise InvalidInput("must give one bias per topic", field="topic model.topic_bias")
    # flat [topic index, weight, …] lists, read as pairs when a topic is named; checked
    # here in bulk (building ~30,000 tuples cost more than reading the file)
    if not all(isinstance(flat, list) and not len(flat) % 2 for flat in topic.values()):
        raise InvalidInput("must be [index, weight, …] lists", field="topic model.topic_weights")
    indices = {index for flat in topic.values() for index in flat[::2]}
    if not indices <= set(range(len(PROHIBITED_TOPICS))):
        raise InvalidInput("names no topic", field="topic model.topic_weights")
    card, training = document.get("card", {}), document.get("training", {})
    return TopicModel(
        ref=ModelRef(version, hashlib.sha256(data).hexdigest()),
        scale=_int(document, "scale"),
        bias=_int(document, "bias"),
        thresholds=_thresholds(document),
        lexicon_veto=_veto(document),
        drop_weights=drop,
        topic_bias=tuple(int(b) for b in topic_bias),
        topic_weights=topic,
        training=training if isinstance(training, dict) else {},
        card=card if isinstance(card, dict) else {},
    )


def shipped_model() -> TopicModel:
    """The model of the package's data file, read once per call (callers cache it)."""
    data = resources.files("fairscreen").joinpath(MODEL_RESOURCE).read_bytes()
    return parse_model(data)
