"""Operator commands of the screening service: ``purge``, ``keys rotate``."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.console import Console

from fairscreen.entrypoints.cli.exits import EXIT_FINDINGS, fail

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
        typer.Option("--to", help="the master key id to re-key under (default: current)"),
    ] = None,
    new_key: Annotated[
        bool,
        typer.Option(
            "--new-key", help="first make a new master key current (key_provider=file only)"
        ),
    ] = False,
    retire: Annotated[
        bool,
        typer.Option("--retire", help="then retire every older master key nothing still uses"),
    ] = False,
) -> None:
    """Re-key every subject under the current master key (new subject keys, case keys
    rewrapped, data untouched); with --retire, retire the older master keys that nothing
    is wrapped under any more, and say which and why not. Running servers learn of the
    new key without a restart (docs/encryption.md)."""
    from fairscreen.adapters.keys_provider import FileKeyProvider
    from fairscreen.bootstrap import build_services
    from fairscreen.config import Settings
    from fairscreen.domain.errors import InvalidInput
    from fairscreen.ledger.entries import ActorRole
    from fairscreen.services.context import Actor
    from fairscreen.services.retention import rotate_keys

    settings = Settings()
    services = build_services(settings)
    if new_key:
        if not isinstance(services.key_provider, FileKeyProvider):
            fail(
                InvalidInput(
                    "with key_provider=env, put the new key first in FAIRSCREEN_MASTER_KEY "
                    "(keep the old one after it) instead",
                    field="new-key",
                )
            )
        typer.echo(f"new master key {services.key_provider.generate_key()} is current")
    report = rotate_keys(
        services, Actor(ActorRole.OPERATOR, "cli"), to_key_id=to_key, retire=retire
    )
    typer.echo(
        f"master key {report.to_key_id}: re-keyed {report.rewrapped} subject(s) and "
        f"{report.case_keys} case key(s), already current {report.already_current}, "
        f"skipped {report.skipped}, failed {len(report.failed)}"
    )
    for key_id in report.retired:
        where = (
            "; remove it from FAIRSCREEN_MASTER_KEY too"
            if settings.key_provider == "env"
            else " (key file deleted)"
        )
        typer.echo(f"retired master key {key_id}{where}")
    for key_id, count in report.kept:
        typer.echo(f"kept master key {key_id}: it still wraps {count} subject key(s)")
    if report.failed or report.kept:
        raise typer.Exit(EXIT_FINDINGS)


def register(app: typer.Typer) -> None:
    app.command("purge")(purge)
    app.add_typer(keys_app, name="keys")
