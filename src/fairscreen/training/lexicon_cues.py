"""Find the lexicon's alternatives that fire on job text, and make them cues.

``python -m fairscreen.training.lexicon_cues BATCH.jsonl ... [--write --why "..."]``

A hit on an ordinary lexicon entry drops a statement whatever its context, so an entry
must be an unambiguous term. The test of that is text written blind to the lexicon: an
alternative (a top-level ``|`` branch of a pattern) that matches a job statement of such
a batch is not unambiguous. This command lists every such alternative of ``zh.toml``,
``zh-Hant.toml`` and ``en.toml`` with the job statements it matched, and with ``--write``
moves each into a new ``cue = true`` entry of the same topic at the end of its file (a
cue does not drop; the model weighs it in context and it names the topic of a drop).
``zh-Hant.toml``'s entries, hard ones and cues, hold for text written in Traditional
characters only, so its alternatives are tried on such statements only. Until model r20
that file was left alone (the engine read no cue from it), and its hard entries dropped
21 of r19's 77 in-sample false drops and 7 of its 13 zh-Hant false drops on the blind
batches BI, BJ and BK.

Model r14 applied this rule to blind batches D and E (93 alternatives); r15 to the
development batches C, F and G, the short-answer batch S (39) and then blind batches H
and I (4); r16 to r15's development batches J, K, M, N, R and T and training batches Y
and Z (19); r17 to r16's development batches U, V, W, X, O, AA and AB (14); r18 to
development batches AK and AL and training batches TA and TB (15); r19 to training
batches TD, TE and TF and development batches AM to AT (22), training batches TG to TL
(7), then development batches AU to AY and training batches TM to TR (9); r20 to the
training corpus's job statements for ``zh-Hant.toml`` only (6; 同志, an entry of one
pattern, by hand) and then to development batches AZ to BE and training batches TS to TV
(9); each time before training on them (docs/topics.md). The rule
is mechanical on purpose, so nobody chooses which job statements to save.

It also counts, for each alternative, the prohibited remarks of the training corpus and
the batches that it matches, and flags one that fewer than ``MIN_PROHIBITED_SUPPORT``
hold: a cue is weighed by the model, and a term no prohibited training statement holds
has nothing but its job statement to teach the model what it means (a second reading
found "他做过亲子鉴定。" and "Paternity test came back negative." kept by r17, which had
made both terms cues on one job statement each and no prohibited one). Flagged, not
kept back: keeping such alternatives hard, or teaching them with written remarks, each
made more errors on fresh blind batches than moving them (model r18, docs/topics.md).
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import NamedTuple

from fairscreen.domain.errors import InvalidInput
from fairscreen.domain.lexicon import (
    ALLOW,
    LEXICON_FILES,
    LEXICON_PACKAGE_DIR,
    LexiconEntry,
    LexiconTopicClassifier,
    build_lexicon,
    parse_lexicon_file,
    split_alternatives,
)
from fairscreen.domain.text_fold import fold, simplified
from fairscreen.services.topic_audit import load_corpus

LEXICON_DIR = Path(__file__).resolve().parents[1] / LEXICON_PACKAGE_DIR  # written in place
EDITED_FILES = ("zh", "zh-Hant", "en")  # zh-Hant.toml too since model r20
MIN_PROHIBITED_SUPPORT = 2  # fewer prohibited training statements holding it: flagged


@dataclass(frozen=True)
class Firing:
    """One alternative of an ordinary entry that matched job statements."""

    file: str
    topic: str
    pattern: str
    alternative: str
    statement_ids: tuple[str, ...]
    prohibited_support: int = 0  # prohibited remarks it matches (``prohibited`` of firings)

    @property
    def thin(self) -> bool:
        """Whether too few prohibited remarks hold it for the model to learn it as a cue
        (``MIN_PROHIBITED_SUPPORT``): worth prohibited training statements that use it."""
        return self.prohibited_support < MIN_PROHIBITED_SUPPORT


def job_statements(paths: Sequence[Path]) -> list[tuple[str, str]]:
    """``(id, text)`` of every job statement (``label`` null) of the batches, read as the
    audit reads a corpus: a row without ``label`` or with a bad one is refused with its
    line named, never taken for a job statement (``--write`` would then demote the
    terms of a prohibited remark to cues)."""
    return [(s.id, s.text) for path in paths for s in load_corpus(path) if s.label is None]


def prohibited_remarks(paths: Sequence[Path]) -> list[str]:
    """The texts of the prohibited statements of the training corpus and of the batches
    (which are trained on next), each text once."""
    statements = [*load_corpus(), *(s for path in paths for s in load_corpus(path))]
    return list(dict.fromkeys(s.text for s in statements if s.label is not None))


class _Blanked(NamedTuple):
    """A statement as the lexicon matches it: folded, Simplified, its ``allow`` phrases
    blanked; the script it is written in (``text_fold.written_script``, which decides
    whether ``zh-Hant.toml`` applies); and whether the shipped lexicon drops it."""

    text: str
    script: str
    dropped: bool


def _blanked(shipped: LexiconTopicClassifier, text: str) -> _Blanked:
    folded = fold(text)
    simple = simplified(folded)
    reading = shipped.read(folded, simple)
    return _Blanked(shipped.blank_allowed(simple), reading.script, reading.topic is not None)


def _drops(classifier: LexiconTopicClassifier, blanked: _Blanked) -> bool:
    """Whether ``classifier`` drops ``blanked``, read in its own script (an entry of
    ``zh-Hant.toml`` holds for Traditional text only, as the engine applies it)."""
    return classifier.read(blanked.text, blanked.text, blanked.script).topic is not None


def firings(statements: Sequence[tuple[str, str]], prohibited: Sequence[str] = ()) -> list[Firing]:
    """Every alternative of an ordinary entry of ``EDITED_FILES`` that, alone, drops one
    of ``statements`` where the shipped lexicon matches: on the text with the ``allow``
    phrases of every file blanked by the engine's own separator (a pattern with a bounded
    gap, ``离过.{0,3}婚``, sees what the engine sees), each alternative built as an entry
    of its own file (so a ``zh-Hant.toml`` one holds for Traditional text only); with how
    many of the ``prohibited`` texts it drops, read the same way."""
    files = {
        name: parse_lexicon_file(name, (LEXICON_DIR / f"{name}.toml").read_text("utf-8"))
        for name in LEXICON_FILES
    }
    shipped = LexiconTopicClassifier(build_lexicon(files))
    # only statements the lexicon drops can be dropped by one alternative of it
    read = [(statement_id, _blanked(shipped, text)) for statement_id, text in statements]
    suspects = [(statement_id, blanked) for statement_id, blanked in read if blanked.dropped]
    remarks = [_blanked(shipped, text) for text in prohibited]
    found = []
    for name in EDITED_FILES:
        for entry in files[name]:
            if entry.cue or entry.topic == ALLOW:
                continue
            for pattern in entry.patterns:
                for alternative in split_alternatives(pattern):
                    alone = LexiconTopicClassifier(
                        build_lexicon({name: [LexiconEntry(entry.topic, (alternative,))]})
                    )
                    matched = tuple(i for i, b in suspects if _drops(alone, b))
                    if matched:
                        support = sum(_drops(alone, b) for b in remarks)
                        found.append(
                            Firing(name, entry.topic, pattern, alternative, matched, support)
                        )
    return found


def _toml_string(pattern: str) -> str:
    """``pattern`` as the lexicon files write it: a literal string, or a basic string
    (JSON's escapes are TOML's) when it holds a single quote."""
    return f"'{pattern}'" if "'" not in pattern else json.dumps(pattern, ensure_ascii=False)


def rewrite(text: str, moved: Sequence[Firing], why: str) -> str:
    """``text`` (one lexicon file) with ``moved``'s alternatives taken out of their
    patterns (a pattern left empty is removed) and appended as cue entries, one per
    topic, with ``why`` as their note. Each pattern must occur in the file exactly once,
    as :func:`_toml_string` writes it; an entry must keep at least one pattern (one that
    would be emptied is refused: make that entry a cue by hand, keeping its note)."""
    by_pattern: dict[str, set[str]] = {}
    for firing in moved:
        by_pattern.setdefault(firing.pattern, set()).add(firing.alternative)
    for pattern, alternatives in by_pattern.items():
        literal = _toml_string(pattern)
        if text.count(literal) != 1:
            raise ValueError(f"pattern found {text.count(literal)} times, not once: {literal}")
        kept = [a for a in split_alternatives(pattern) if a not in alternatives]
        if kept:
            text = text.replace(literal, _toml_string("|".join(kept)))
            continue
        line = f"    {literal},\n"
        if text.count(line) != 1:
            raise ValueError(f"an emptied pattern must stand on its own line: {literal}")
        if f"patterns = [\n{line}]" in text:
            raise ValueError(f"its entry would have no pattern left: {literal}")
        text = text.replace(line, "")
    by_topic: dict[str, list[str]] = {}
    for firing in moved:
        if firing.alternative not in by_topic.setdefault(firing.topic, []):
            by_topic[firing.topic].append(firing.alternative)
    note = json.dumps(why, ensure_ascii=False)  # a TOML basic string: JSON's escapes
    for topic in sorted(by_topic):
        lines = "".join(f"    {_toml_string(a)},\n" for a in by_topic[topic])
        text += (
            f'\n[[entry]]\ntopic = "{topic}"\nwhy = {note}\ncue = true\npatterns = [\n{lines}]\n'
        )
    return text


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("batches", nargs="+", type=Path, help="JSONL batches with label")
    parser.add_argument("--write", action="store_true", help="move the alternatives to cues")
    parser.add_argument("--why", default="", help="the new cue entries' why (with --write)")
    args = parser.parse_args(argv)
    if args.write and not args.why.strip():
        parser.error("--write needs --why: the reviewer's note on the new cue entries")
    try:
        found = firings(job_statements(args.batches), prohibited_remarks(args.batches))
    except InvalidInput as exc:
        parser.error(str(exc))
    for firing in found:
        ids = ", ".join(firing.statement_ids[:5])
        flag = "\tthin: write prohibited training statements with it" if firing.thin else ""
        sys.stdout.write(
            f"{firing.file}\t{firing.topic}\t{firing.alternative}\t{ids}\t"
            f"{firing.prohibited_support} prohibited{flag}\n"
        )
    thin = sum(firing.thin for firing in found)
    sys.stderr.write(
        f"{len(found)} alternatives fire on job statements ({thin} thin: fewer than "
        f"{MIN_PROHIBITED_SUPPORT} prohibited remarks hold them)\n"
    )
    if args.write:
        # every file rewritten and checked before any is written: a refusal changes nothing
        new_texts = {}
        for name in EDITED_FILES:
            moved = [f for f in found if f.file == name]
            if moved:
                path = LEXICON_DIR / f"{name}.toml"
                try:
                    new_texts[path] = rewrite(path.read_text("utf-8"), moved, args.why)
                    parse_lexicon_file(name, new_texts[path], compile_patterns=True)
                except (ValueError, InvalidInput) as exc:
                    parser.error(f"{name}.toml: {exc}")
        for path, new_text in new_texts.items():
            path.write_text(new_text, "utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
