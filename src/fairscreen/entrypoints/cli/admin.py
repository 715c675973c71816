"""``fairscreen admin …``: accounts made on the machine itself, outside the API.

Over the API only an operator creates accounts, so the first operator comes from here:
whoever can run this holds the service's settings and its database already.
"""

from __future__ import annotations

from typing import Annotated

import typer

admin_app = typer.Typer(help="Accounts made on the service's own machine.")


@admin_app.command("create-operator")
def create_operator(
    label: Annotated[
        str,
        typer.Option("--label", help="what the account is for, e.g. 'on-call desk' (no names)"),
    ],
) -> None:
    """Create an operator account and print its API token, this once (it is stored only
    as a hash: keep it now, or issue another over the API later)."""
    from fairscreen.bootstrap import build_services
    from fairscreen.config import Settings
    from fairscreen.services.accounts import create_operator_on_console

    account_id, issued = create_operator_on_console(build_services(Settings()), label=label)
    typer.echo(f"operator account {account_id}, token {issued.id}")
    typer.echo("its API token (shown this once; send it as 'Authorization: Bearer …'):")
    typer.echo(issued.token)
