"""The ``fairscreen`` command (Typer).

Each command group lives in its own module and registers itself on ``app``; errors are
mapped to exit codes in one place (:mod:`fairscreen.entrypoints.cli.exits`).
"""

from __future__ import annotations

import typer

from fairscreen.entrypoints.cli import audit, core, db, ledger, service
from fairscreen.entrypoints.cli.exits import run_guarded

app = typer.Typer(
    name="fairscreen",
    help="Compliance-first pre-employment background screening.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
core.register(app)
service.register(app)
app.add_typer(ledger.ledger_app, name="ledger")
app.add_typer(db.db_app, name="db")
app.add_typer(audit.audit_app, name="audit")


def main() -> None:
    run_guarded(app)
