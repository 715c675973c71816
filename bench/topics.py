"""Benchmark: the prohibited-topic filter, per statement, on one core (issue 15).

Measures, in one run, over every statement of the training corpus and both held-out
batches (zh-Hans, zh-Hant, en; each statement classified once per round):

- baseline: the lexicon alone (the filter before the model: fold, mask, match);
- the shipped filter (lexicon, then the model on each sentence and pair of sentences);
- the model alone on folded text (features, dictionary look-ups and a sum);

and, once, the cost of reading the shipped lexicon files and model file at start-up.
The goal: the shipped filter under 100 µs a statement.

Usage: ``python bench/topics.py [--rounds 5]``
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable, Sequence
from typing import Any

from rich.console import Console
from rich.table import Table

from fairscreen.domain.lexicon import LexiconTopicClassifier, shipped_lexicon
from fairscreen.domain.text_fold import fold, simplified, written_script
from fairscreen.domain.topic_model import shipped_model
from fairscreen.domain.topics import LayeredTopicClassifier
from fairscreen.services.topic_audit import HELDOUT_RESOURCES, load_corpus, load_heldout


def per_statement(
    run: Callable[[Any], object], texts: Sequence[Any], rounds: int
) -> tuple[float, float]:
    """Median and worst-round CPU µs per statement over ``rounds`` passes (one warm-up
    pass)."""
    for text in texts:
        run(text)
    timings = []
    for _ in range(rounds):
        # CPU time of this process: other engineers' jobs on the machine do not count
        start = time.process_time()
        for text in texts:
            run(text)
        timings.append((time.process_time() - start) / len(texts) * 1e6)
    return statistics.median(timings), max(timings)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()

    start = time.perf_counter()
    lexicon_data = shipped_lexicon()
    lexicon_read = time.perf_counter() - start
    start = time.perf_counter()
    model = shipped_model()
    model_read = time.perf_counter() - start

    lexicon = LexiconTopicClassifier(lexicon_data)
    lexicon.compile_all()
    layered = LayeredTopicClassifier(lexicon, model)
    statements = list(load_corpus())
    for name in HELDOUT_RESOURCES:
        statements += load_heldout(name)
    texts = [s.text for s in statements]
    # what the model alone reads: folded Simplified text, no cue, the statement's script
    folded = [fold(text) for text in texts]
    readings = [
        (simple, None, written_script(text, simple))
        for text, simple in zip(folded, map(simplified, folded), strict=True)
    ]

    rows = []
    for label, run, inputs in (
        ("baseline: lexicon alone", lexicon.prohibited_topic, texts),
        ("shipped filter: lexicon + model", layered.prohibited_topic, texts),
        ("model alone (folded text)", lambda reading: model.prohibited_topic(*reading), readings),
    ):
        median, worst = per_statement(run, inputs, args.rounds)
        rows.append((label, median, worst))
    for lang in ("zh-Hans", "zh-Hant", "en"):
        subset = [s.text for s in statements if s.lang == lang]
        median, worst = per_statement(layered.prohibited_topic, subset, args.rounds)
        rows.append((f"shipped filter, {lang} only", median, worst))

    table = Table(title=f"Prohibited-topic filter — {len(texts)} statements, one core")
    table.add_column("what")
    for heading in ("µs/statement (median)", "worst round", "× baseline"):
        table.add_column(heading, justify="right")
    baseline = rows[0][1]
    for label, median, worst in rows:
        table.add_row(label, f"{median:.1f}", f"{worst:.1f}", f"{median / baseline:.2f}")
    console = Console()
    console.print(table)
    console.print(
        f"start-up: lexicon files read and parsed in {lexicon_read * 1e3:.1f} ms, "
        f"model file in {model_read * 1e3:.1f} ms ({len(model.drop_weights)} drop weights)"
    )


if __name__ == "__main__":
    main()
