"""``fairscreen audit topics``: precision and recall of the prohibited-topic classifier.

PRODUCT.md P3 drops witness statements on prohibited topics (PIPL art. 28–29, Civil Code
art. 1032–1033, Employment Promotion Law); this command shows how many it drops rightly,
how many it misses, and how many job-related statements it drops by mistake, per script
and per topic.

Without ``--corpus`` it audits the training corpus (in-sample), the two held-out
batches (text the model never saw) and the development batches
(``DEVELOPMENT_RESOURCES``: never trained on, but used to choose between models), and
exits 0 only when each of these meets the goal (recall ≥ 0.97, job statements dropped
≤ 3%, overall and per script). With ``--corpus FILE`` it audits that file and exits 0
only when no job-related statement is dropped.
"""

from __future__ import annotations

import json
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from fairscreen.domain.errors import FairscreenError
from fairscreen.entrypoints.cli.exits import EXIT_FINDINGS, fail
from fairscreen.services.topic_audit import (
    GOAL_FALSE_DROP_RATE,
    GOAL_RECALL,
    AuditedSet,
    Scores,
    TopicAudit,
    audit_as_dict,
    audit_shipped_sets,
    audit_topics,
    load_corpus,
    meets_goal,
)


class OutputFormat(StrEnum):
    TABLE = "table"
    JSON = "json"


def _ratio(value: float | None) -> str:
    return "—" if value is None else f"{value:.3f}"


def _score_cells(scores: Scores) -> list[str]:
    return [
        str(scores.support),
        str(scores.true_positives),
        str(scores.false_positives),
        str(scores.false_negatives),
        _ratio(scores.precision),
        _ratio(scores.recall),
        _ratio(scores.f1),
    ]


def _print_tables(audit: TopicAudit, console: Console, name: str = "Corpus") -> None:
    overall = audit.overall
    console.print(
        f"{name}: {overall.statements} statements "
        + "("
        + ", ".join(f"{r.lang} {r.statements}" for r in audit.scripts)
        + f"); {overall.prohibited} on a prohibited topic, "
        f"{overall.statements - overall.prohibited} job-related."
    )

    categories = Table(title="Per category (exact topic; P precision, R recall)")
    categories.add_column("category", no_wrap=True)
    for heading in ("n", "TP", "FP", "FN", "P", "R", "F1"):
        categories.add_column(heading, justify="right")
    for name, scores in overall.topics.items():
        categories.add_row(name, *_score_cells(scores))
    categories.add_section()
    categories.add_row("all topics (micro)", *_score_cells(overall.topic_micro))
    categories.add_row("drop decision", *_score_cells(overall.drop))
    console.print(categories)

    scripts = Table(title="Per script (drop: dropped or kept; topic: exact category)")
    scripts.add_column("script", no_wrap=True)
    for heading in ("n", "prohibited", "drop P", "drop R", "topic P", "topic R", "false drops"):
        scripts.add_column(heading, justify="right")
    for report in (*audit.scripts, overall):
        micro = report.topic_micro
        scripts.add_row(
            report.lang,
            str(report.statements),
            str(report.prohibited),
            _ratio(report.drop.precision),
            _ratio(report.drop.recall),
            _ratio(micro.precision),
            _ratio(micro.recall),
            str(report.false_drops),
        )
    console.print(scripts)

    if audit.misclassified:
        wrong = Table(title="Misclassified statements (synthetic corpus)")
        for heading in ("id", "lang", "expected", "predicted"):
            wrong.add_column(heading, no_wrap=True)
        wrong.add_column("text", overflow="fold")
        for item in audit.misclassified:
            wrong.add_row(
                item.id,
                item.lang,
                item.expected or "keep",
                item.predicted or "keep",
                item.text,
                style="red" if item.false_drop else None,
            )
        console.print(wrong)
    else:
        console.print("No misclassified statements.")

    style = "green" if audit.passed else "bold red"
    console.print(f"False drops of job-related statements: {audit.false_drops}", style=style)


def _print_sets(sets: tuple[AuditedSet, ...], console: Console) -> None:
    for audited in sets:
        console.rule(audited.name)
        _print_tables(audited.audit, console, name=audited.name)
    summary = Table(
        title=f"Summary (goal on held-out text: recall ≥ {GOAL_RECALL}, "
        f"false drops ≤ {GOAL_FALSE_DROP_RATE:.0%} of job statements)"
    )
    for heading in ("set", "script", "recall", "false drops", "job statements", "goal"):
        summary.add_column(heading, justify="right" if heading != "set" else "left")
    for audited in sets:
        for report in (*audited.audit.scripts, audited.audit.overall):
            kept = report.statements - report.prohibited
            summary.add_row(
                audited.name,
                report.lang,
                _ratio(report.drop.recall),
                str(report.false_drops),
                str(kept),
                ("met" if meets_goal(report) else "missed") if audited.held_out else "in-sample",
            )
    console.print(summary)


def register(audit_app: typer.Typer) -> None:
    """Add the ``topics`` command to ``audit_app``."""

    @audit_app.command("topics")
    def topics(
        corpus: Annotated[
            Path | None,
            typer.Option(
                "--corpus",
                help="A labelled corpus (JSON Lines); default: the shipped one.",
                dir_okay=False,
            ),
        ] = None,
        output_format: Annotated[
            OutputFormat, typer.Option("--format", help="table (Rich) or json.")
        ] = OutputFormat.TABLE,
    ) -> None:
        """Precision, recall and F1 of the prohibited-topic classifier, per category and
        per script: on the training corpus, both held-out batches and the development
        batches (exit 1 if one of these misses the goal), or on --corpus FILE (exit 1 on
        any false drop)."""
        try:
            if corpus is not None:
                audit = audit_topics(load_corpus(corpus))
            else:
                sets = audit_shipped_sets()
        except FairscreenError as error:
            fail(error)
        if corpus is not None:
            if output_format is OutputFormat.JSON:
                typer.echo(json.dumps(audit_as_dict(audit), ensure_ascii=False, indent=2))
            else:
                _print_tables(audit, Console())
            passed = audit.passed
        else:
            if output_format is OutputFormat.JSON:
                document = {
                    "passed": all(s.passed for s in sets if s.held_out),
                    "sets": [
                        {"name": s.name, "held_out": s.held_out, **audit_as_dict(s.audit)}
                        for s in sets
                    ],
                }
                typer.echo(json.dumps(document, ensure_ascii=False, indent=2))
            else:
                _print_sets(sets, Console())
            passed = all(s.passed for s in sets if s.held_out)
        if not passed:
            raise typer.Exit(EXIT_FINDINGS)
