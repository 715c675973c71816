"""The lexicon of prohibited topics, as data, and the small engine that reads it (PRODUCT.md P3).

The lexicon is the high-precision layer of the topic filter: a hit on an unambiguous
term drops the statement, unless the statistical model is near-certain the statement and
the hit's own clause are about work (its ``lexicon_veto``, model r13). It lives in reviewed data
files, one per script, in the package (``fairscreen/data/lexicon/``):

- ``zh.toml``: Chinese entries over Simplified text (Traditional text is folded to
  Simplified first, :mod:`fairscreen.domain.text_fold`), Cantonese included;
- ``zh-Hant.toml``: entries that hold only for text written in Traditional characters
  (Taiwan and Hong Kong usage: 同志 means "gay" there, "comrade" on the mainland);
- ``en.toml``: English entries, matched as whole words.

Each file is a list of ``[[entry]]`` tables: ``topic`` (a name of
:data:`~fairscreen.domain.topic_names.PROHIBITED_TOPICS`, or ``allow`` for a job-related
phrase that shares words with a topic), ``patterns`` (regular-expression fragments over
folded text), ``why`` (the reviewer's note) and ``cue`` (``true`` for a term that is a
topic only in some readings — 产假, 工会, "faith" — which the model weighs instead of
dropping on sight; absent means a hit drops).

How a statement is read (deterministic, standard library only):

1. **Normalise** (:func:`fairscreen.domain.text_fold.normalise`).
2. **Mask** the ``allow`` phrases (工作作风, "married to his work", "health check
   endpoint", …): they are replaced by a separator no entry can match or straddle. Only
   the job phrase is masked, so "工作作风扎实，但生活作风有问题" is still dropped.
3. **Match** every entry; of all hits, the topic earliest in ``PROHIBITED_TOPICS``.

The engine: every alternative must start with a literal character (after optional
lookbehinds, or inside a leading ``(?:…|…)`` group, which is expanded): that character
is its dispatch key, so a short statement costs a few microseconds with a thousand
entries. An alternative whose key is ASCII is an English word: it must start and end on
a word boundary (Chinese characters count as boundaries, so "他是gay吗" matches).
"""

from __future__ import annotations

import hashlib
import re
import tomllib
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from importlib import resources

from fairscreen.domain.errors import InvalidInput
from fairscreen.domain.text_fold import fold, simplified, written_script
from fairscreen.domain.topic_names import ALLOW_MARK, PROHIBITED_TOPICS, earliest

LEXICON_FILES: tuple[str, ...] = ("zh", "zh-Hant", "en")
LEXICON_PACKAGE_DIR = "data/lexicon"
ALLOW = "allow"
_CUE = "cue_"

_MASK = "\x1f"  # a unit separator: no lexicon entry contains it, so none can straddle a mask
_META = frozenset(".^$*+?{}[]\\|()")
_QUANTIFIERS = frozenset("?*+{")
_WORD_CHAR = re.compile(r"[a-z0-9]")


def _structure(pattern: str, start: int = 0) -> Iterator[tuple[int, str, int]]:
    """``(index, char, depth)`` for each character of ``pattern`` from ``start`` that is
    neither escaped nor inside a character class; ``depth`` counts open parentheses,
    updated by the character itself."""
    depth, index, in_class = 0, start, False
    while index < len(pattern):
        char = pattern[index]
        if char == "\\":
            index += 2
            continue
        if in_class:
            in_class = char != "]"
        elif char == "[":
            in_class = True
        else:
            if char == "(":
                depth += 1
            elif char == ")":
                depth -= 1
            yield index, char, depth
        index += 1


def _closing(pattern: str, opening: int) -> int:
    """Index of the parenthesis closing the one at ``opening`` (escapes and classes skipped)."""
    for index, char, depth in _structure(pattern, opening):
        if char == ")" and depth == 0:
            return index
    raise ValueError(f"unbalanced parenthesis in lexicon entry {pattern!r}")


def split_alternatives(pattern: str) -> list[str]:
    """Split a fragment at its top-level ``|``."""
    parts, start = [], 0
    for index, char, depth in _structure(pattern):
        if char == "|" and depth == 0:
            parts.append(pattern[start:index])
            start = index + 1
    parts.append(pattern[start:])
    return parts


def _expand(alternative: str) -> list[str]:
    """Rewrite one alternative into alternatives that each start with a literal character.

    A leading non-capturing group is expanded ("(?:his|her) family" → "his family",
    "her family"); a leading lookbehind on a literal ``X`` moves behind the first character
    ``c`` as ``(?<!Xc)``, which tests the same thing. English alternatives (ASCII first
    character) get a word-end guard; the scanners guarantee the word start.
    """
    if alternative.startswith(("(?<!", "(?<=")):
        close = _closing(alternative, 0)
        behind, kind = alternative[4:close], alternative[:4]
        if any(char in _META for char in behind):
            raise ValueError(f"a leading lookbehind must be literal: {alternative!r}")
        return [
            f"{rest[0]}{kind}{behind}{rest[0]}){rest[1:]}"
            for rest in _expand(alternative[close + 1 :])
        ]
    if alternative.startswith("(?:"):
        close = _closing(alternative, 0)
        if close + 1 < len(alternative) and alternative[close + 1] in "?*+{":
            raise ValueError(f"lexicon entry starts with an optional group: {alternative!r}")
        return [
            expanded
            for inner in split_alternatives(alternative[3:close])
            for expanded in _expand(inner + alternative[close + 1 :])
        ]
    if not alternative or alternative[0] in _META or alternative[1:2] in _QUANTIFIERS:
        raise ValueError(f"lexicon entry must start with a literal character: {alternative!r}")
    if alternative[0].isascii() and not _WORD_CHAR.match(alternative[0]):
        raise ValueError(
            f"lexicon entry must start with a letter, digit or CJK character: {alternative!r}"
        )
    if _WORD_CHAR.match(alternative[0]):
        if len(alternative) < 2 or alternative[1] in _META or alternative[2:3] in _QUANTIFIERS:
            raise ValueError(f"English lexicon entry needs two literal letters: {alternative!r}")
        return [f"{alternative}(?![a-z0-9])"]
    return [alternative]


def _key(text: str, start: int) -> str:
    """Dispatch key at ``start``: two letters for English (nearly every word starts with a
    key letter), one character for Chinese."""
    return text[start : start + 2] if text[start].isascii() else text[start]


def _pattern_key(pattern: str) -> str:
    """The key of an expanded alternative: its first character, and for English the next
    literal letter too, after the lookbehind :func:`_expand` moved behind the first
    character ("b(?<=do b)ack in" is keyed "ba")."""
    if not pattern[0].isascii():
        return pattern[0]
    rest = pattern[1:]
    while rest.startswith(("(?<!", "(?<=")):
        rest = rest[_closing(rest, 0) + 1 :]
    return pattern[0] + rest[0]


def _literal_prefix(alternative: str) -> int:
    """Length of the leading run of characters that match only themselves."""
    for index, char in enumerate(alternative):
        if char in _META:
            return index
        if alternative[index + 1 : index + 2] in _QUANTIFIERS:
            return index
    return len(alternative)


def _first_chars(pattern: str) -> frozenset[str] | None:
    """The characters a match of ``pattern`` can start with, or None when unknown or when
    it can match the empty string.

    A superset is enough (lookaheads are ignored): the result only rejects positions
    where no match can start, so it never changes what matches.
    """
    if not pattern:
        return None
    char = pattern[0]
    if char == "(":
        close = _closing(pattern, 0)
        head, rest = pattern[: close + 1], pattern[close + 1 :]
        if head.startswith(("(?<!", "(?<=", "(?=", "(?!")):
            return _first_chars(rest)  # zero width
        if not head.startswith("(?:") and head.startswith("(?"):
            return None
        inner = head[3:-1] if head.startswith("(?:") else head[1:-1]
        quantifier = rest[:1]
        if quantifier == "{":
            return None
        after = rest[1:] if quantifier in ("?", "*", "+") else rest
        if quantifier and after[:1] in ("?", "+"):
            after = after[1:]  # lazy or possessive
        found: set[str] = set()
        for inner_alternative in split_alternatives(inner):
            first = _first_chars(inner_alternative + after)
            if first is None:
                return None
            found |= first
        if quantifier in ("?", "*"):
            first = _first_chars(after)
            if first is None:
                return None
            found |= first
        return frozenset(found)
    if char == "[":
        end = pattern.find("]", 1)
        body = pattern[1:end]
        if end < 0 or not body or body[0] == "^" or "-" in body or "\\" in body:
            return None
        chars, rest = frozenset(body), pattern[end + 1 :]
    elif char in _META:
        return None
    else:
        chars, rest = frozenset(char), pattern[1:]
    quantifier = rest[:1]
    if quantifier == "{":
        return None
    if quantifier in ("?", "*"):
        after = rest[2:] if rest[1:2] in ("?", "+") else rest[1:]
        first = _first_chars(after)
        return None if first is None else chars | first
    return chars


def _unfold(alternative: str, budget: int = 16) -> list[str]:
    """``alternative`` rewritten without the groups that follow its literal prefix, while
    the number of alternatives stays within ``budget``: "he(?:'s| is) gay" becomes
    "he's gay", "he is gay"; "x(?:y)?z" becomes "xyz", "xz".

    Each rewrite matches at a position exactly when the original does, so :func:`_trie`
    can factor the literal text the groups hid ("(?:he|she|they)(?:'s| is| was) …" was a
    hundred leaves tried one by one at every "he").
    """
    length = _literal_prefix(alternative)
    rest = alternative[length:]
    if not rest.startswith("(?:"):
        return [alternative]
    close = _closing(rest, 0)
    after = rest[close + 1 :]
    options = split_alternatives(rest[3:close])
    if after[:1] == "?" and after[1:2] not in ("?", "+"):
        after, options = after[1:], [*options, ""]
    elif after[:1] in ("*", "+", "{", "?"):
        return [alternative]
    if len(options) > budget:
        return [alternative]
    share = budget // len(options)
    return [
        unfolded
        for option in options
        for unfolded in _unfold(alternative[:length] + option + after, share)
    ]


def _trie(alternatives: list[str]) -> str:
    """One regex matching any of ``alternatives``, factored by common literal prefix.

    Python's regex engine tries alternatives one after another; factoring by prefix lets
    it reject most positions after one or two characters instead of hundreds of tries.
    Only *whether* (and where) it matches is kept, not which alternative matches first.
    """
    root: dict[str, object] = {}
    for alternative in dict.fromkeys(u for a in alternatives for u in _unfold(a)):
        node = root
        length = _literal_prefix(alternative)
        for char in alternative[:length]:
            child = node.setdefault(char, {})
            assert isinstance(child, dict)
            node = child
        leaves = node.setdefault("", [])
        assert isinstance(leaves, list)
        leaves.append(alternative[length:])

    def emit(node: dict[str, object]) -> str:
        branches: list[str] = []
        for char, child in node.items():
            if char == "":
                assert isinstance(child, list)
                branches.extend(f"(?:{leaf})" if "|" in leaf else leaf for leaf in child)
            else:
                assert isinstance(child, dict)
                branches.append(re.escape(char) + emit(child))
        return branches[0] if len(branches) == 1 else f"(?:{'|'.join(branches)})"

    return emit(root)


class _CompiledOnUse(dict[str, "re.Pattern[str]"]):
    """The regex of each dispatch key, compiled the first time the key is met.

    Compiling all thousand-odd keys took ~0.4 s at start-up, most of ``fairscreen
    evaluate``'s time for one case, while a case's statements meet a few dozen keys.
    :meth:`compile_all` compiles the rest (the tests do, so a bad entry still fails fast).
    """

    def __init__(self, sources: Mapping[str, str]) -> None:
        super().__init__()
        self._sources = dict(sources)

    def __missing__(self, key: str) -> re.Pattern[str]:
        compiled = self[key] = re.compile(self._sources[key])
        return compiled

    def compile_all(self) -> None:
        for key in self._sources:
            self[key]  # compiled through __missing__


def _candidates(singles: set[str], pairs: set[str]) -> re.Pattern[str] | None:
    """A scan (in C) for the positions where a Chinese entry can start: a single's
    character, or a pair's first character followed by some pair's second. A superset of
    the positions the exact test (``singles``, ``pairs``) accepts, and about half of what
    a charset of first characters alone finds (on the corpus statements), so fewer
    candidates reach the Python loop. The lookahead consumes nothing: overlapping
    candidates are all found."""
    alternatives = []
    if singles:
        alternatives.append(f"[{re.escape(''.join(sorted(singles)))}]")
    if pairs:
        firsts = "".join(sorted({pair[0] for pair in pairs}))
        seconds = "".join(sorted({pair[1:2] for pair in pairs}))
        alternatives.append(f"[{re.escape(firsts)}](?=[{re.escape(seconds)}])")
    return re.compile("|".join(alternatives)) if alternatives else None


class _Dispatcher:
    """Finds lexicon hits without trying every entry at every position.

    English entries form one prefix-factored regex tried from word starts only; Chinese
    candidates come from a scan in C (:func:`_candidates`) checked against two-character
    prefixes. At the leftmost position where some entry matches, the entries keyed on the
    character there, grouped by name in ``groups`` order, say which group it is. This keeps
    a short statement at a few microseconds with several hundred entries.
    """

    def __init__(self, groups: Mapping[str, tuple[str, ...]]) -> None:
        by_key: dict[str, dict[str, list[str]]] = {}
        chinese: list[str] = []
        english: list[str] = []
        for name, fragments in groups.items():
            for fragment in fragments:
                for alternative in split_alternatives(fragment):
                    for pattern in _expand(alternative):
                        key = _pattern_key(pattern)
                        by_key.setdefault(key, {}).setdefault(name, []).append(pattern)
                        (english if key[0].isascii() else chinese).append(pattern)
        self._at = _CompiledOnUse(
            {
                key: "|".join(
                    f"(?P<{name}>{'|'.join(patterns)})" for name, patterns in named.items()
                )
                for key, named in by_key.items()
            }
        )
        self._rank = {name: index for index, name in enumerate(groups)}
        # Chinese: a two-character prefix set says where an entry can start (one-character
        # entries such as 癌 are tried at every occurrence of their character). An entry
        # such as "他(?:好像|似乎)?喜欢男…" is keyed on the pairs its second position
        # allows (他好, 他似, 他喜), so it is not tried at every 他是 or 他的.
        self._chinese_pairs: set[str] = set()
        self._chinese_singles: set[str] = set()
        for p in chinese:
            seconds = _first_chars(p[1:])
            if seconds is None:
                self._chinese_singles.add(p[0])
            else:
                self._chinese_pairs.update(p[0] + second for second in seconds)
        self._chinese = _candidates(self._chinese_singles, self._chinese_pairs)
        self._english_entries = english
        self._english_compiled: re.Pattern[str] | None = None

    @property
    def _english(self) -> re.Pattern[str] | None:
        """The English entries as one trie-shaped regex, built when English is first met
        (~0.2 s: a Chinese-only case never pays it)."""
        if self._english_compiled is None and self._english_entries:
            self._english_compiled = re.compile(f"(?<![a-z0-9]){_trie(self._english_entries)}")
        return self._english_compiled

    def _search(self, text: str, pos: int) -> re.Match[str] | None:
        """The canonical hit at the leftmost position ≥ ``pos`` where any entry matches."""
        english: int | None = None
        # The word-character test first: reading ``_english`` compiles the trie, which a
        # statement without a Latin letter or digit must never pay for.
        if _WORD_CHAR.search(text, pos) is not None and (trie := self._english) is not None:
            found = trie.search(text, pos)
            english = found.start() if found is not None else None
        if self._chinese is not None and not text.isascii():
            at, pairs, singles = self._at, self._chinese_pairs, self._chinese_singles
            # no end position: the lookahead must see a pair's second character even
            # where the English hit begins
            for candidate in self._chinese.finditer(text, pos):
                start = candidate.start()
                if english is not None and start >= english:
                    break
                if text[start] in singles or text[start : start + 2] in pairs:
                    hit = at[text[start]].match(text, start)
                    if hit is not None:
                        return hit
        if english is None:
            return None
        return self._at[text[english : english + 2]].match(text, english)

    def compile_all(self) -> None:
        self._at.compile_all()
        _ = self._english

    def best_two(self, text: str, split: int) -> tuple[str | None, str | None]:
        """In one scan: the earliest group ranked before ``split`` with a hit, and the
        earliest ranked from ``split`` on (an entry of each kind at the same position:
        the first kind's)."""
        first: str | None = None
        second: str | None = None
        rank, pos = self._rank, 0
        while (hit := self._search(text, pos)) is not None:
            name = hit.lastgroup
            if name is not None:
                if rank[name] < split:
                    if first is None or rank[name] < rank[first]:
                        first = name
                elif second is None or rank[name] < rank[second]:
                    second = name
            pos = hit.start() + 1
        return first, second

    def mask(self, text: str) -> str:
        """``text`` with every hit replaced by the mask, leftmost first, non-overlapping."""
        pieces: list[str] = []
        done = 0
        while (hit := self._search(text, done)) is not None:
            pieces.append(text[done : hit.start()])
            pieces.append(_MASK)
            done = max(hit.end(), hit.start() + 1)
        if not pieces:
            return text
        pieces.append(text[done:])
        return "".join(pieces)


def _ordered(topics: Mapping[str, tuple[str, ...]]) -> dict[str, tuple[str, ...]]:
    unknown = sorted(set(topics) - set(PROHIBITED_TOPICS))
    if unknown:
        raise ValueError(f"not a prohibited topic of PRODUCT.md P2–P3: {', '.join(unknown)}")
    return {name: topics[name] for name in PROHIBITED_TOPICS if topics.get(name)}


# --- the data ---------------------------------------------------------------------------


@dataclass(frozen=True)
class TopicLexicon:
    """The data a :class:`LexiconTopicClassifier` runs on.

    ``topics`` maps each prohibited topic to the fragments whose hit drops a statement;
    ``cues`` to the fragments that only hint at it (the model weighs them); ``allow``
    holds job-related phrases masked before matching; ``hant_topics`` and ``hant_cues``
    are the same as ``topics`` and ``cues`` for text written in Traditional characters
    only.
    """

    topics: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    allow: tuple[str, ...] = ()
    hant_topics: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    cues: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    hant_cues: Mapping[str, tuple[str, ...]] = field(default_factory=dict)


@dataclass(frozen=True)
class LexiconEntry:
    """One reviewed ``[[entry]]`` of a lexicon file."""

    topic: str
    patterns: tuple[str, ...]
    why: str = ""
    cue: bool = False


def parse_lexicon_file(
    name: str, text: str, *, compile_patterns: bool = False
) -> tuple[LexiconEntry, ...]:
    """The entries of one lexicon file; a malformed file is refused with the entry and
    field named (``zh.toml entry 12.patterns``), and nothing of it is used.

    ``compile_patterns`` also compiles every pattern and checks the engine's rules (a
    literal first character, …). Off by default: compiling ~1,000 patterns costs ~0.1 s
    at every start of ``fairscreen evaluate``, so the engine compiles them when first
    met, and the tests (tests/unit/test_lexicon.py) compile every shipped file."""
    try:
        document = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise InvalidInput(f"not valid TOML ({exc})", field=f"{name}.toml") from exc
    unknown_keys = sorted(set(document) - {"entry"})
    if unknown_keys:
        raise InvalidInput(f"unknown key(s) {', '.join(unknown_keys)}", field=f"{name}.toml")
    raw_entries = document.get("entry")
    if not isinstance(raw_entries, list) or not raw_entries:
        raise InvalidInput("needs at least one [[entry]]", field=f"{name}.toml")
    entries: list[LexiconEntry] = []
    for number, raw in enumerate(raw_entries, start=1):
        where = f"{name}.toml entry {number}"
        extra = sorted(set(raw) - {"topic", "patterns", "why", "cue"})
        if extra:
            raise InvalidInput(f"unknown key(s) {', '.join(extra)}", field=where)
        topic = raw.get("topic")
        if topic != ALLOW and topic not in PROHIBITED_TOPICS:
            raise InvalidInput(
                "must be a prohibited topic of PRODUCT.md P2–P3 or 'allow'", field=f"{where}.topic"
            )
        patterns = raw.get("patterns")
        if (
            not isinstance(patterns, list)
            or not patterns
            or not all(isinstance(p, str) and p for p in patterns)
        ):
            raise InvalidInput("must be a non-empty list of strings", field=f"{where}.patterns")
        for pattern in patterns if compile_patterns else ():
            try:
                re.compile(pattern)
                for alternative in split_alternatives(pattern):
                    _expand(alternative)
            except (re.error, ValueError) as exc:
                raise InvalidInput(
                    f"bad pattern {pattern!r}: {exc}", field=f"{where}.patterns"
                ) from exc
        why, cue = raw.get("why", ""), raw.get("cue", False)
        if not isinstance(why, str):
            raise InvalidInput("must be a string", field=f"{where}.why", key="input.must_string")
        if not isinstance(cue, bool) or (cue and topic == ALLOW):
            raise InvalidInput("must be true or false (and not on 'allow')", field=f"{where}.cue")
        entries.append(LexiconEntry(topic, tuple(patterns), why, cue))
    return tuple(entries)


def build_lexicon(files: Mapping[str, Sequence[LexiconEntry]]) -> TopicLexicon:
    """A :class:`TopicLexicon` from parsed files: ``zh-Hant`` entries (hard ones and cues)
    hold for Traditional text only; the others for all text."""
    groups: dict[tuple[bool, bool], dict[str, list[str]]] = {
        (hant, cue): {} for hant in (False, True) for cue in (False, True)
    }
    allow: list[str] = []
    for name, entries in files.items():
        for entry in entries:
            if entry.topic == ALLOW:
                allow.extend(entry.patterns)
                continue
            target = groups[name == "zh-Hant", entry.cue]
            target.setdefault(entry.topic, []).extend(entry.patterns)

    def frozen(hant: bool, cue: bool) -> dict[str, tuple[str, ...]]:
        return {k: tuple(v) for k, v in groups[hant, cue].items()}

    return TopicLexicon(
        topics=frozen(False, False),
        allow=tuple(allow),
        hant_topics=frozen(True, False),
        cues=frozen(False, True),
        hant_cues=frozen(True, True),
    )


def lexicon_file_text(name: str) -> str:
    """The shipped lexicon file ``name`` (package data)."""
    return (
        resources.files("fairscreen")
        .joinpath(f"{LEXICON_PACKAGE_DIR}/{name}.toml")
        .read_text(encoding="utf-8")
    )


def shipped_lexicon_sha256() -> str:
    """SHA-256 over the shipped lexicon files, each as its name, a newline and its bytes,
    in ``LEXICON_FILES`` order: one digest names the whole lexicon a report was made with."""
    digest = hashlib.sha256()
    for name in LEXICON_FILES:
        digest.update(f"{name}.toml\n".encode())
        digest.update(
            resources.files("fairscreen")
            .joinpath(f"{LEXICON_PACKAGE_DIR}/{name}.toml")
            .read_bytes()
        )
    return digest.hexdigest()


def shipped_lexicon() -> TopicLexicon:
    """The lexicon of the package's data files."""
    return build_lexicon(
        {name: parse_lexicon_file(name, lexicon_file_text(name)) for name in LEXICON_FILES}
    )


# --- the classifier ---------------------------------------------------------------------


@dataclass(frozen=True, slots=True)  # slots: one is made per statement read
class LexiconReading:
    """What the lexicon says of one statement: the topic a hit drops it for, the topic of
    an ambiguous cue (for the model to weigh; when a hit drops the statement anyway, it
    names the topic if it comes earlier), and the text with its job phrases (the
    ``allow`` entries) blanked, which is what the model reads."""

    topic: str | None
    cue: str | None
    masked: str
    script: str  # text_fold.written_script: the zh-Hant entries' test, the model's threshold


def _hits_and_cues(
    hits: Mapping[str, tuple[str, ...]], cues: Mapping[str, tuple[str, ...]]
) -> tuple[_Dispatcher, int]:
    """One dispatcher over hard entries and cues, the hits ranked first (each kind in
    PROHIBITED_TOPICS order, a cue group named "cue_" + its topic), and the rank where
    the cues begin (``_Dispatcher.best_two``'s split)."""
    ordered_hits, ordered_cues = _ordered(hits), _ordered(cues)
    groups = ordered_hits | {_CUE + name: ordered_cues[name] for name in ordered_cues}
    return _Dispatcher(groups), len(ordered_hits)


class LexiconTopicClassifier:
    """The lexicon alone, over zh-Hans, zh-Hant and English (implements ``TopicClassifier``).

    Deterministic and pure; the lexicon is compiled once per instance (entries compile when
    first met), so a short statement costs a few microseconds.
    """

    def __init__(self, lexicon: TopicLexicon | None = None) -> None:
        lexicon = lexicon if lexicon is not None else shipped_lexicon()
        self._allow = _Dispatcher({ALLOW: lexicon.allow})
        # hits and cues in one dispatcher (one scan of the text): hits first, then cues,
        # each in PROHIBITED_TOPICS order; a cue group is named "cue_" + its topic. The
        # same for the entries of Traditional text only.
        self._topics, self._split = _hits_and_cues(lexicon.topics, lexicon.cues)
        self._hant_topics, self._hant_split = _hits_and_cues(lexicon.hant_topics, lexicon.hant_cues)

    def compile_all(self) -> None:
        """Compile every entry now (entries are otherwise compiled when first met)."""
        for dispatcher in (self._allow, self._topics, self._hant_topics):
            dispatcher.compile_all()

    def blank_allowed(self, simple: str) -> str:
        """Step 2: ``simple`` (folded, Simplified) with its ``allow`` phrases blanked by
        the separator no entry can match or straddle: the text every entry is matched on."""
        return self._allow.mask(simple)

    def read(self, folded: str, simple: str, script: str | None = None) -> LexiconReading:
        """Steps 2–3 on text already folded (``folded``) and made Simplified (``simple``),
        written in ``script`` (default: ``text_fold.written_script`` of the two; a piece of
        a statement is read in its statement's)."""
        masked = self.blank_allowed(simple)
        topic, cue_group = self._topics.best_two(masked, self._split)
        cue = cue_group.removeprefix(_CUE) if cue_group is not None else None
        script = script if script is not None else written_script(folded, simple)
        if script == "zh-Hant":
            hant_topic, hant_cue_group = self._hant_topics.best_two(masked, self._hant_split)
            topic = earliest(topic, hant_topic)
            if hant_cue_group is not None:
                cue = earliest(cue, hant_cue_group.removeprefix(_CUE))
        if _MASK in masked:
            masked = masked.replace(_MASK, f" {ALLOW_MARK} ")
        return LexiconReading(topic, cue, masked, script)

    def prohibited_topic(self, text: str) -> str | None:
        """The prohibited topic a lexicon hit drops this statement for, or None."""
        folded = fold(text)
        return self.read(folded, simplified(folded)).topic
