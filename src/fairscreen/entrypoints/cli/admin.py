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


@admin_app.command("create-staff")
def create_staff(
    role: Annotated[str, typer.Option("--role", help="agency, regulator or employer")],
    email: Annotated[str, typer.Option("--email", help="the administrator's e-mail")],
    organisation: Annotated[
        str | None,
        typer.Option("--organisation", help="a new agency's or employer's name"),
    ] = None,
    tenant_id: Annotated[
        str | None, typer.Option("--tenant-id", help="an existing agency or employer")
    ] = None,
) -> None:
    """Create the first administrator of an agency or of the regulator (employers sign
    themselves up on /sign-up): they sign in on the portal with this e-mail and the
    password asked for here (or read from FAIRSCREEN_NEW_PASSWORD, for scripts), and
    invite their colleagues."""
    import os

    from fairscreen.bootstrap import build_services
    from fairscreen.config import Settings
    from fairscreen.services.staff_accounts import create_admin_on_console

    password = os.environ.get("FAIRSCREEN_NEW_PASSWORD") or typer.prompt(
        "password (10 to 128 characters)", hide_input=True, confirmation_prompt=True
    )
    account_id, tenant = create_admin_on_console(
        build_services(Settings()),
        role=role,
        email=email,
        password=password,
        organisation=organisation,
        tenant_id=tenant_id,
    )
    typer.echo(f"{role} administrator account {account_id}" + (f" of {tenant}" if tenant else ""))
    typer.echo("sign in on the portal's /sign-in with the e-mail and the password")
