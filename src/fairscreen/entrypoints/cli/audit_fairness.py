"""``fairscreen audit fairness``: disparity metrics on any CSV (PRODUCT.md §7).

Prints the report of :func:`fairscreen.services.fairness_audit.audit_csv` as JSON with
sorted keys, so two runs on the same file print the same bytes. Exit 0 with the report
(a four-fifths violation is a finding *in* the report, not a failure to run); exit 2 with
one line on stderr for bad input (:mod:`fairscreen.entrypoints.cli.exits`).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from fairscreen.domain.errors import InvalidInput
from fairscreen.domain.fairness import DEFAULT_MIN_GROUP
from fairscreen.entrypoints.cli.exits import fail
from fairscreen.services.fairness_audit import audit_csv


def register(audit_app: typer.Typer) -> None:
    """Add the ``fairness`` command to ``audit_app``."""

    @audit_app.command("fairness")
    def fairness(
        # No `exists=True`: Typer's check prints a multi-line usage block, and the
        # contract is one line naming the problem, which the service gives.
        file: Annotated[
            Path, typer.Argument(help="CSV file, UTF-8, with a header row.", show_default=False)
        ],
        group: Annotated[str, typer.Option("--group", help="Column holding the group (e.g. sex).")],
        predicted: Annotated[
            str,
            typer.Option(
                "--predicted", help="Column holding the prediction; --positive = flagged."
            ),
        ],
        outcome: Annotated[
            str | None,
            typer.Option(
                "--outcome", help="Column holding the true outcome; adds fpr and fnr per group."
            ),
        ] = None,
        positive: Annotated[
            str,
            typer.Option(
                "--positive", help="The cell value meaning flagged (and outcome positive)."
            ),
        ] = "1",
        min_group: Annotated[
            int,
            typer.Option(
                "--min-group", help="Groups with fewer rows are suppressed (PRODUCT.md §7)."
            ),
        ] = DEFAULT_MIN_GROUP,
    ) -> None:
        """Per-group flagged and favourable rates, impact ratio against the most favoured
        group, the four-fifths flag (29 CFR 1607.4(D)) and, with --outcome, the false
        positive and false negative rates. Small groups are suppressed."""
        try:
            report = audit_csv(
                file,
                group=group,
                predicted=predicted,
                outcome=outcome,
                positive=positive,
                min_group=min_group,
            )
        except InvalidInput as error:
            fail(error)
        typer.echo(json.dumps(report.as_dict(), sort_keys=True, indent=2, allow_nan=False))
