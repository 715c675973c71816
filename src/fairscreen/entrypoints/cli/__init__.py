"""The ``fairscreen`` command (Typer).

Each command group lives in its own module and registers itself on the app; errors are
mapped to exit codes in one place (:mod:`fairscreen.entrypoints.cli.exits`).

Modules are imported only for the command being run: ``fairscreen evaluate`` must start
fast and never pays for the database, web or ledger stacks (``--help`` and ``app`` load
everything).
"""

from __future__ import annotations

import importlib
import sys
from collections.abc import Iterable
from typing import Any

import typer

from fairscreen.entrypoints.cli.exits import run_guarded

#: Which module serves each top-level command.
MODULES = {
    "evaluate": "core",
    "demo": "core",
    "profiles": "core",
    "rulebook": "core",
    "purge": "service",
    "keys": "service",
    "serve": "serve",
    "worker": "worker",
    "ledger": "ledger",
    "db": "db",
    "audit": "audit",
    "witness": "witness",
    "admin": "admin",
}
#: Command groups that a module exposes as a Typer app of its own.
GROUPS = {
    "ledger": "ledger_app",
    "db": "db_app",
    "audit": "audit_app",
    "witness": "witness_app",
    "admin": "admin_app",
}


def build_app(modules: Iterable[str] | None = None) -> typer.Typer:
    """The command with the given modules (all of them by default)."""
    wanted = dict.fromkeys(modules if modules is not None else MODULES.values())
    app = typer.Typer(
        name="fairscreen",
        help="Compliance-first pre-employment background screening.",
        no_args_is_help=True,
        add_completion=False,
        pretty_exceptions_enable=False,
    )

    @app.callback()
    def root() -> None:
        """Compliance-first pre-employment background screening."""
        # A callback keeps Typer in group mode even when only one command is loaded.

    for name in wanted:
        module = importlib.import_module(f"fairscreen.entrypoints.cli.{name}")
        if name in GROUPS:
            app.add_typer(getattr(module, GROUPS[name]), name=name)
        else:
            module.register(app)
    return app


def __getattr__(name: str) -> Any:
    if name == "app":
        return build_app()
    raise AttributeError(name)


def main() -> None:
    command = next((arg for arg in sys.argv[1:] if not arg.startswith("-")), None)
    module = MODULES.get(command or "")
    run_guarded(build_app([module] if module else None))
