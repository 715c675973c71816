"""Operator commands of the screening service: ``purge``, ``keys rotate``."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.console import Console

from fairscreen.entrypoints.cli.exits import EXIT_FINDINGS

keys_app = typer.Typer(help="Encryption keys (PRODUCT.md P5).")


def purge(
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="list what is due; destroy nothing")
    ] = False,
) -> None:
    """Destroy every case whose retention has run out, or whose candidate asked for
    deletion (crypto-shredding, row deletion, ledger entry, certificate); open disputes
    and legal holds defer it, with the reason in the ledger (PRODUCT.md P6)."""
    from fairscreen.bootstrap import build_services
    from fairscreen.config import Settings
    from fairscreen.services.retention import purge as run_purge

    # A dry run reads only: it never migrates (creates) the schema of the database it looks at.
    result = run_purge(build_services(Settings(), migrate=not dry_run), dry_run=dry_run)
    console = Console()
    if dry_run:
        console.print(f"due for destruction: {len(result.due)}; would be held: {len(result.held)}")
        for case_id in result.due:
            console.print(f"  due  {case_id}")
    else:
        console.print(f"destroyed: {len(result.destroyed)}; held: {len(result.held)}")
    for case_id, reason in result.held:
        console.print(f"  held {case_id}: {reason}")


@keys_app.command("rotate")
def rotate(
    to_key: Annotated[
        str | None,
        typer.Option("--to", help="the master key id to rewrap under (default: current)"),
    ] = None,
) -> None:
    """Rewrap every subject key under the current master key, without touching data."""
    from fairscreen.bootstrap import build_services
    from fairscreen.config import Settings
    from fairscreen.ledger.entries import ActorRole
    from fairscreen.services.context import Actor
    from fairscreen.services.retention import rotate_keys

    report = rotate_keys(
        build_services(Settings()), Actor(ActorRole.OPERATOR, "cli"), to_key_id=to_key
    )
    typer.echo(
        f"master key {report.to_key_id}: rewrapped {report.rewrapped}, "
        f"already current {report.already_current}, skipped {report.skipped}, "
        f"failed {len(report.failed)}"
    )
    if report.failed:
        raise typer.Exit(EXIT_FINDINGS)


def register(app: typer.Typer) -> None:
    app.command("purge")(purge)
    app.add_typer(keys_app, name="keys")
