"""The prohibited-topic filter of witness statements (PRODUCT.md P3, ``PROHIBITED_TOPIC``).

The rule and its sources are in :mod:`fairscreen.domain.topic_names`. The filter has two
layers behind one :class:`TopicClassifier` port:

1. **The lexicon** (:mod:`fairscreen.domain.lexicon`, data in
   ``fairscreen/data/lexicon/``): high precision. A hit on an unambiguous entry drops
   the statement and names its topic, unless layer 2 overrules it (the statement and
   the hit's clause score under the model's ``lexicon_veto``); an ambiguous entry (a
   *cue*) only informs layer 2.
2. **The statistical model** (:mod:`fairscreen.domain.topic_model`, data in
   ``fairscreen/data/topic_model.json``): a linear model over character and word
   n-grams, trained by ``make topics-model`` on the labelled corpus. It generalises to
   words the lexicon has never seen; each sentence of a statement is scored and the
   statement is dropped when any sentence reaches the model's threshold, so a job fact
   beside a prohibited remark does not dilute it (the statement is dropped whole); and
   when a sentence holds a cue, so is each piece around a contrasting conjunction
   ("…，但有乙肝。", model r16).

Fail-closed where unsure: a false drop loses one referee remark, a false keep stores what
the law forbids. ``fairscreen audit topics`` measures both on the training corpus, on
two held-out batches written blind to the model and on the development batches.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from functools import cache

from fairscreen.domain.lexicon import (
    LexiconReading,
    LexiconTopicClassifier,
    TopicLexicon,
    shipped_lexicon_sha256,
)
from fairscreen.domain.text_fold import fold, normalise, simplified
from fairscreen.domain.topic_model import TopicModel, asides, clauses, shipped_model
from fairscreen.domain.topic_names import (
    PROHIBITED_TOPICS,
    ModelRef,
    PublishedClassifier,
    TopicClassifier,
    earliest,
)

__all__ = [
    "PROHIBITED_TOPICS",
    "LayeredTopicClassifier",
    "LexiconTopicClassifier",
    "ModelRef",
    "PublishedClassifier",
    "TopicClassifier",
    "TopicLexicon",
    "default_classifier",
    "normalise",
]


class LayeredTopicClassifier:
    """The lexicon first, then the model (implements :class:`TopicClassifier`).

    ``model_ref`` names the model file (version and SHA-256) every report carries.
    """

    def __init__(
        self, lexicon: LexiconTopicClassifier, model: TopicModel, lexicon_sha256: str = ""
    ) -> None:
        self.lexicon = lexicon
        self.model = model
        self._ref = ModelRef(model.ref.version, model.ref.sha256, lexicon_sha256)

    @property
    def model_ref(self) -> ModelRef:
        """The model's version and SHA-256 and the lexicon's SHA-256 (every report's
        ``topic_model``)."""
        return self._ref

    def compile_all(self) -> None:
        """Compile every lexicon entry now (they are otherwise compiled when first met)."""
        self.lexicon.compile_all()

    def prohibited_topic(self, text: str) -> str | None:
        """The prohibited topic of a statement, or None.

        Steps: 1. fold the text once; 2. a lexicon hit drops the statement, unless the
        model overrules it (:meth:`_overruled`: then it is kept); 3. else the model
        scores each sentence, the lexicon's cue (if any) among its features; 4. a
        sentence at or above the threshold of the statement's script
        (``text_fold.written_script``) drops the statement, its topic the cue's or the
        model's; 5. else each piece around a contrasting conjunction that holds a cue is
        scored alone (:meth:`_aside_topic`).
        """
        folded = fold(text)
        simple = simplified(folded)
        reading = self.lexicon.read(folded, simple)
        if reading.topic is not None:
            if self._overruled(reading.masked, reading.cue, reading.script):
                return None
            return earliest(reading.topic, reading.cue)
        topic = self.model.prohibited_topic(reading.masked, reading.cue, reading.script)
        if topic is None and reading.cue is not None:
            return self._aside_topic(reading.masked, reading.script)
        return topic

    def _aside_topic(self, masked: str, script: str) -> str | None:
        """The cue of the first piece around a contrasting conjunction ("but", 但, 不过,
        就是 at a clause's start, …; ``topic_model.asides``: what follows it, its first
        clause, the clause before it) that holds one and reaches the script's threshold
        read alone, or None (model r16). A mixed statement joins job facts to a prohibited
        remark, most often there ("他工作认真负责，团队协作好，但有乙型肝炎。", "他有乙型肝炎，
        但工作认真负责。"), and when the remark's term is only a cue (肝炎 became one in r16,
        having matched a vaccine trial's job statement) the job words' weights carry the
        whole sentence under the threshold; PRODUCT.md P3 drops such a statement whole.
        Only there: every clause that holds a cue, read alone, dropped 91 more of the
        corpus's job statements (lists such as "管婚假、产假、病假")."""
        threshold = self.model.thresholds[script]
        for piece, reading in self._read_alone(asides(masked), script):
            if reading.cue is not None and self.model.score(piece, reading.cue) >= threshold:
                return reading.cue
        return None

    def _overruled(self, masked: str, cue: str | None, script: str) -> bool:
        """Whether the model overrules a lexicon hit: it is near-certain the statement is
        about work (model r13: on text written blind to the lexicon, one hit in five was
        a job statement). Every span scores under its ``lexicon_veto``, and so does each
        clause that holds a hit, read alone. A span is a sentence, and a sentence can join
        job facts to a prohibited remark with commas or "and" ("他负责项目管理，工作认真，
        沟通能力强，是同性恋"): the job words' weights would carry the whole sentence under
        the veto, and PRODUCT.md P3 drops such a statement whole. Each clause is read in
        the statement's script (``script``), so a hit of an entry for Traditional text
        only shows in its clause like any other (until r20 it showed in none: never
        overruled alone, and overruled with a Simplified hit's clause when both stood)."""
        model, veto = self.model, self.model.lexicon_veto
        if model.best_span(masked, cue, veto)[0] >= veto:
            return False
        held = [
            clause for clause, reading in self._read_alone(clauses(masked), script) if reading.topic
        ]
        return bool(held) and all(model.score(c, cue) < veto for c in held)

    def _read_alone(
        self, pieces: Iterable[str], script: str
    ) -> Iterator[tuple[str, LexiconReading]]:
        """Each piece of a statement's blanked text with the lexicon's reading of it alone
        (already folded and Simplified, so read as both), in the statement's ``script``:
        a piece of Traditional text, made Simplified, no longer shows its script, and
        zh-Hant.toml's entries hold for it all the same."""
        for piece in pieces:
            yield piece, self.lexicon.read(piece, piece, script)


@cache
def default_classifier() -> LayeredTopicClassifier:
    """The shared classifier: the shipped lexicon and model, each read once."""
    return LayeredTopicClassifier(
        LexiconTopicClassifier(), shipped_model(), shipped_lexicon_sha256()
    )
